"""The model: registered Keras layers, the Siamese networks (trained here from scratch, or on
dlib's pretrained tower), their training and calibration, and the :class:`~facekit.model.verifier.Verifier`,
the one object that runs a model.

May import: ``facekit.decision``, ``facekit.data``, ``facekit.faces``, the shared modules.
"""
