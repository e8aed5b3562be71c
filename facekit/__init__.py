"""facekit: is it the same person in these two photos?

The public API, small on purpose: verification and its answers, the gallery of enrolled people,
errors, the configuration, images and faces, and the data commands. Everything else is imported from its module
(``facekit.capture``, ``facekit.chips``, ``facekit.pipeline``, ...).

Nothing here imports TensorFlow until a function needs it: the model-side names are resolved on
first use (PEP 562), and imported normally for type checkers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import Config
from .data import identity_of
from .errors import DataError, FacekitError, InvalidImage, NoFaceFound
from .faces import Face, FaceChip, align_face, detect_faces, face_chip, main_face
from .images import load_image
from .lfw import import_lfw, read_lfw_pairs
from .pairs import make_pairs
from .stats import dataset_stats

if TYPE_CHECKING:
    from .gallery import Gallery
    from .train import train_siamese
    from .verification import AnchorVerdict, Thresholds, Verdict, Verifier, load_verifier, verify, verify_against_anchors

# Names whose modules import TensorFlow/Keras: resolved lazily.
_LAZY = {
    "verify": "verification", "verify_against_anchors": "verification", "load_verifier": "verification",
    "Verifier": "verification", "Verdict": "verification", "AnchorVerdict": "verification", "Thresholds": "verification",
    "train_siamese": "train", "Gallery": "gallery",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'facekit' has no attribute {name!r}")


__all__ = [
    # verification
    "verify", "verify_against_anchors", "load_verifier", "Verifier", "Verdict", "AnchorVerdict", "Thresholds",
    # enrolled people (verify against them, identify among them)
    "Gallery",
    # errors
    "FacekitError", "InvalidImage", "NoFaceFound", "DataError",
    # configuration
    "Config",
    # images and faces
    "load_image", "face_chip", "detect_faces", "main_face", "align_face", "Face", "FaceChip",
    # data and training
    "import_lfw", "read_lfw_pairs", "make_pairs", "dataset_stats", "identity_of", "train_siamese",
]
