"""facekit: is it the same person in these two photos?

The public API; everything else is an implementation detail. Nothing here imports TensorFlow
until a function needs it.
"""

from .baseline import baseline_scores, load_baseline, save_baseline, train_baseline
from .chips import ChippedPairs, ChipResult, chip_pairs, chip_photo, chip_photos, read_chip
from .config import Config
from .data import (
    DataStats,
    ImportReport,
    dataset_stats,
    identity_of,
    import_lfw,
    load_pairs,
    make_pairs,
    pair_dataset,
    read_lfw_pairs,
    save_pairs,
)
from .errors import DataError, FacekitError, InvalidImage, NoFaceFound
from .evaluate import binary_metrics
from .faces import Face, FaceChip, align_face, detect_faces, face_chip, main_face, model_input
from .images import load_image, save_jpeg_atomic

__all__ = [
    "ChipResult", "ChippedPairs", "Config", "DataError", "DataStats", "Face", "FaceChip", "FacekitError",
    "ImportReport", "InvalidImage", "NoFaceFound", "align_face", "baseline_scores", "binary_metrics",
    "chip_pairs", "chip_photo", "chip_photos", "dataset_stats", "detect_faces", "face_chip", "identity_of",
    "import_lfw", "load_baseline", "load_image", "load_pairs", "main_face", "make_pairs", "model_input",
    "pair_dataset", "read_chip", "read_lfw_pairs", "save_baseline", "save_jpeg_atomic", "save_pairs",
    "train_baseline",
]
