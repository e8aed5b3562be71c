"""Data: the photo folders and whose photo is whose, LFW (download, import, protocol pairs), the
training pairs, statistics, the seeded split of people and the ``tf.data`` pipelines.

May import: ``facekit.faces`` and the shared modules (``config``, ``errors``, ``files``, ``names``).
"""
