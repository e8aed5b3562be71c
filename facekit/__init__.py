"""facekit: is it the same person in these two photos?

The public API, small on purpose: verification and its answers, the gallery of enrolled people,
errors, the configuration, images and faces, and the data commands. Everything else is imported from its module;
the folders say where each job lives (README, "Layout").

Nothing here imports TensorFlow (answering runs on LiteRT), and heavy modules load when a name
needs them: those names are resolved on first use (PEP 562), and imported normally for type checkers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from facekit.config import Config
from facekit.data.folders import identity_of
from facekit.decision.rule import Thresholds
from facekit.errors import DataError, FacekitError, InvalidImage, NoFaceFound
from facekit.faces.align import FaceChip, align_face, face_chip
from facekit.faces.detect import Face, detect_faces, main_face
from facekit.faces.images import load_image

if TYPE_CHECKING:
    from facekit.data.lfw import import_lfw, read_lfw_pairs
    from facekit.data.pairs import make_pairs
    from facekit.data.stats import dataset_stats
    from facekit.gallery.people import Gallery
    from facekit.liveness.check import Liveness, check_liveness
    from facekit.model.train import train_siamese
    from facekit.model.verifier import AnchorVerdict, Verdict, Verifier, load_verifier, verify, verify_against_anchors

# Names whose modules are heavy to import (the model's, the gallery's, pandas for the data set):
# resolved on first use, so a verdict starts without what it does not need.
_LAZY = {
    "import_lfw": "data.lfw", "read_lfw_pairs": "data.lfw", "make_pairs": "data.pairs", "dataset_stats": "data.stats",
    "verify": "model.verifier", "verify_against_anchors": "model.verifier", "load_verifier": "model.verifier",
    "Verifier": "model.verifier", "Verdict": "model.verifier", "AnchorVerdict": "model.verifier",
    "train_siamese": "model.train", "Gallery": "gallery.people",
    "check_liveness": "liveness.check", "Liveness": "liveness.check",
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
    # is it a live person? (a head turn on video)
    "check_liveness", "Liveness",
    # errors
    "FacekitError", "InvalidImage", "NoFaceFound", "DataError",
    # configuration
    "Config",
    # images and faces
    "load_image", "face_chip", "detect_faces", "main_face", "align_face", "Face", "FaceChip",
    # data and training
    "import_lfw", "read_lfw_pairs", "make_pairs", "dataset_stats", "identity_of", "train_siamese",
]
