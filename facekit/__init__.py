"""facekit: is it the same person in these two photos?

The public API; everything else is an implementation detail. Nothing here imports TensorFlow
until a function needs it: the model-side names below are imported on first use.
"""

import importlib

from .baseline import baseline_scores, load_baseline, save_baseline, train_baseline
from .chips import ChippedPairs, ChipResult, chip_pairs, chip_photo, chip_photos, read_chip
from .capture import (
    LatestFrame,
    ShotQuality,
    captures,
    delete_capture,
    delete_person,
    enrolled_people,
    judge_shot,
    live_feedback,
    person_name,
    save_capture,
)
from .config import Config
from .data import (
    FOLDERS,
    DataStats,
    ImportReport,
    dataset_stats,
    identity_of,
    import_lfw,
    load_pairs,
    make_pairs,
    pair_dataset,
    photo_measurements,
    read_lfw_pairs,
    save_pairs,
)
from .errors import DataError, FacekitError, InvalidImage, NoFaceFound
from .evaluate import best_threshold, binary_metrics, evaluate_own_people, score_lfw_pairs, tenfold_accuracy
from .faces import Face, FaceChip, align_face, detect_faces, face_chip, main_face, model_input
from .images import draw_box, load_image, save_jpeg_atomic

# Names whose modules import TensorFlow/Keras: resolved lazily (PEP 562).
_LAZY = {
    "build_embedding": "siamese", "build_siamese": "siamese", "load_siamese": "siamese",
    "train_siamese": "train",
    "verify": "verification", "verify_against_anchors": "verification", "load_verifier": "verification",
    "Verdict": "verification", "AnchorVerdict": "verification", "Verifier": "verification",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'facekit' has no attribute {name!r}")


__all__ = [*_LAZY,
    "FOLDERS", "LatestFrame", "ShotQuality", "captures", "delete_capture", "delete_person", "draw_box",
    "enrolled_people", "evaluate_own_people", "judge_shot", "live_feedback", "person_name", "photo_measurements",
    "save_capture",
    "ChipResult", "ChippedPairs", "Config", "DataError", "DataStats", "Face", "FaceChip", "FacekitError",
    "ImportReport", "InvalidImage", "NoFaceFound", "align_face", "baseline_scores", "best_threshold", "binary_metrics",
    "chip_pairs", "chip_photo", "chip_photos", "dataset_stats", "detect_faces", "face_chip", "identity_of",
    "import_lfw", "load_baseline", "load_image", "load_pairs", "main_face", "make_pairs", "model_input",
    "pair_dataset", "read_chip", "read_lfw_pairs", "save_baseline", "save_jpeg_atomic", "save_pairs",
    "score_lfw_pairs", "tenfold_accuracy", "train_baseline",
]
