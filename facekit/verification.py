"""Is it the same person? The public verification API.

``verify(photo_a, photo_b)`` compares two photos of anyone; ``verify_against_anchors(probe,
anchors)`` applies the original tutorial's rule to a person's enrolled anchor photos. The model
is loaded once, on first use, and shared by every thread.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chips import chip_photo, read_chip
from .config import Config
from .errors import DataError, InvalidImage, NoFaceFound
from .faces import Face, FaceChip, face_chip
from .images import ImageSource


@dataclass(frozen=True)
class Verdict:
    """The answer for two photos.

    ``probability`` is the calibrated P(same person) in [0, 1]; ``same`` is
    ``probability >= threshold``. ``chips`` are the two aligned ``(112, 112, 3)`` uint8 faces the
    model compared, ``faces`` where they were found (boxes in the pixels of ``photos``, the two
    upright ``(H, W, 3)`` uint8 RGB photos as read).
    """

    same: bool
    probability: float
    threshold: float
    chips: tuple[np.ndarray, np.ndarray]
    faces: tuple[Face, Face]
    photos: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class AnchorVerdict:
    """The answer for a probe against ``n_anchors`` enrolled photos of one person.

    ``probabilities[i]`` is P(same) against anchor i; an anchor *matches* when it is
    ``>= detection_threshold``; the person is ``verified`` when ``matches / n_anchors >=
    verification_threshold``. ``skipped_anchors`` had no usable face.
    """

    verified: bool
    matches: int
    n_anchors: int
    share: float
    probabilities: np.ndarray
    detection_threshold: float
    verification_threshold: float
    probe_chip: np.ndarray
    probe_face: Face
    probe_photo: np.ndarray
    skipped_anchors: int


class Verifier:
    """The loaded Siamese model and its threshold. Safe to share between threads."""

    def __init__(self, config: Config = Config()):
        from .siamese import load_siamese

        if not config.siamese_path.exists() or not config.siamese_info_path.exists():
            raise DataError(
                f"No trained model in {config.models_dir} (siamese.keras + siamese.json). "
                "Run `facekit train siamese`, or restore the models/ folder from the repository."
            )
        self.model = load_siamese(config.siamese_path)
        self.info = json.loads(config.siamese_info_path.read_text())
        self.threshold = float(self.info["threshold"])
        self._lock = threading.Lock()

    def probabilities(self, chips_a: np.ndarray, chips_b: np.ndarray) -> np.ndarray:
        """P(same) for ``(n, 112, 112, 3)`` uint8 chip stacks -> ``(n,)`` float in [0, 1]."""
        a = np.asarray(chips_a, dtype=np.float32) / 255.0
        b = np.asarray(chips_b, dtype=np.float32) / 255.0
        with self._lock:  # one Keras call at a time; sessions share the model
            return self.model.predict_on_batch([a, b]).reshape(-1).astype(float)


_verifiers: dict[Path, Verifier] = {}
_verifiers_lock = threading.Lock()


def load_verifier(config: Config = Config()) -> Verifier:
    """The :class:`Verifier` for ``config.models_dir``, loaded once per process."""
    key = Path(config.models_dir).resolve()
    with _verifiers_lock:
        if key not in _verifiers:
            _verifiers[key] = Verifier(config)
        return _verifiers[key]


def verify(image_a: ImageSource, image_b: ImageSource, config: Config = Config(), threshold: float | None = None) -> Verdict:
    """Do two photos show the same person? Photos are paths, bytes, file objects or arrays.

    Raises :class:`~facekit.errors.InvalidImage` or :class:`~facekit.errors.NoFaceFound` (the
    message names which photo) and :class:`~facekit.errors.DataError` without a trained model.
    """
    verifier = load_verifier(config)
    chips = [_chip_of(image, name, config) for image, name in ((image_a, "first"), (image_b, "second"))]
    probability = float(verifier.probabilities(chips[0].chip[None], chips[1].chip[None])[0])
    threshold = verifier.threshold if threshold is None else threshold
    return Verdict(
        probability >= threshold, probability, threshold,
        (chips[0].chip, chips[1].chip), (chips[0].face, chips[1].face), (chips[0].photo, chips[1].photo),
    )


def _chip_of(image: ImageSource, which: str, config: Config) -> FaceChip:
    """:func:`face_chip`, with errors that say which photo they are about."""
    try:
        return face_chip(image, config)
    except (InvalidImage, NoFaceFound) as exc:
        raise type(exc)(f"The {which} photo: {exc}") from None


def verify_against_anchors(
    probe: ImageSource,
    anchors: list[Path],
    config: Config = Config(),
    detection_threshold: float | None = None,
    verification_threshold: float | None = None,
) -> AnchorVerdict:
    """Compare a probe photo with every enrolled anchor photo (paths) of one person.

    Defaults: ``detection_threshold`` is the model's calibrated threshold,
    ``verification_threshold`` is ``config.verification_share``. Anchor chips come from the chip
    cache. Raises :class:`~facekit.errors.DataError` when no anchor has a usable face.
    """
    verifier = load_verifier(config)
    probe_chip = _chip_of(probe, "probe", config)
    anchor_chips = [r.chip_path for r in (chip_photo(Path(a), config) for a in anchors)]
    usable = [read_chip(p) for p in anchor_chips if p is not None]
    if not usable:
        raise DataError("None of the enrolled anchor photos has a usable face. Capture new anchor photos.")
    probabilities = verifier.probabilities(np.repeat(probe_chip.chip[None], len(usable), axis=0), np.stack(usable))
    detection = verifier.threshold if detection_threshold is None else detection_threshold
    verification = config.verification_share if verification_threshold is None else verification_threshold
    matches = int((probabilities >= detection).sum())
    share = matches / len(usable)
    return AnchorVerdict(
        share >= verification, matches, len(usable), share, probabilities, detection, verification,
        probe_chip.chip, probe_chip.face, probe_chip.photo, len(anchors) - len(usable),
    )
