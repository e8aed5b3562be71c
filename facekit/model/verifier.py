"""Is it the same person? The one object that runs the Siamese model.

:class:`Verifier` holds the loaded model and its thresholds; every score in facekit (the app, the
CLI, evaluation, benchmarks) comes from it, one LiteRT call at a time, so threads can share it.
``verify(photo_a, photo_b)`` and ``verify_against_anchors(probe, anchors)`` are thin
conveniences over the process-wide verifier of :func:`load_verifier`.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from facekit.config import Config
from facekit.decision.rule import Decision, Thresholds
from facekit.errors import DataError, InvalidImage, NoFaceFound
from facekit.faces.align import FaceChip, PhotoFaces, face_chip, photo_faces
from facekit.faces.chips import chip_photo, read_chip
from facekit.faces.detect import Face
from facekit.faces.images import ImageSource
from facekit.files import file_digest
from facekit.model.head import close_pairs, head_features, head_probability, pairwise_probabilities

@dataclass(frozen=True)
class Verdict:
    """The answer for two photos.

    ``decision`` is "same", "different" or "unsure" (``probability`` between the two
    ``thresholds``); ``probability`` is the calibrated P(same person) in [0, 1]. ``chips`` are the
    two aligned ``(chip_size, chip_size, 3)`` uint8 faces the model compared, ``faces`` where they were found
    (boxes in the pixels of ``photos``, the two upright ``(H, W, 3)`` uint8 RGB photos as read);
    ``faces_found`` counts the faces in each photo and ``face_numbers`` says which was compared
    (1 to ``faces_found``, left to right; the most prominent unless another was asked for);
    ``every_face`` holds each photo's faces, numbered, where it has several (else None).
    """

    decision: Decision
    probability: float
    thresholds: Thresholds
    chips: tuple[np.ndarray, np.ndarray]
    faces: tuple[Face, Face]
    photos: tuple[np.ndarray, np.ndarray]
    faces_found: tuple[int, int]
    face_numbers: tuple[int, int] = (1, 1)
    every_face: tuple[PhotoFaces | None, PhotoFaces | None] = (None, None)

    @property
    def same(self) -> bool:
        """True only for a confident "same"."""
        return self.decision == "same"

    def under(self, thresholds: Thresholds) -> "Verdict":
        """The same comparison, answered with other lines (a strictness setting)."""
        return replace(self, decision=thresholds.decide(self.probability), thresholds=thresholds)


@dataclass(frozen=True)
class AnchorVerdict:
    """The answer for a probe against ``n_anchors`` enrolled photos of one person.

    ``probabilities[i]`` is P(same) against anchor i; an anchor *matches* when it is
    ``>= match_threshold`` (a confident "same"); the person is ``verified`` when
    ``matches / n_anchors >= share_needed``. ``skipped_anchors`` had no usable face;
    ``anchor_ids`` are the enrolled photos' ids in the order of ``probabilities`` when the anchors
    are a gallery's (:meth:`~facekit.gallery.people.Gallery.verify`).
    """

    verified: bool
    matches: int
    n_anchors: int
    share: float
    probabilities: np.ndarray
    match_threshold: float
    share_needed: float
    probe_chip: np.ndarray
    probe_face: Face
    probe_photo: np.ndarray
    skipped_anchors: int
    anchor_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoundInPhoto:
    """Where one person's face is among every face of a group photo (:meth:`Verifier.find_in_photo`).

    ``probabilities[i]`` is P(same) of the person's face against ``faces.faces[i]`` (face i + 1,
    left to right); ``number`` is the best face's number; ``decision`` is the model's answer for
    that face: "same" (the person is face ``number``), "different" (not in this photo) or "unsure".
    """

    decision: Decision
    number: int
    probabilities: np.ndarray
    thresholds: Thresholds
    person: FaceChip
    faces: PhotoFaces


def anchor_rule(probabilities: np.ndarray, match_threshold: float, share_needed: float) -> tuple[int, float, bool]:
    """The enrolled-photos rule: ``(matches, share, verified)`` for P(same) against each anchor.

    ``probabilities`` is ``(..., n_anchors)``; the rule applies along the last axis, so a
    benchmark can pass many probes at once (then each output is an array).
    """
    matches = (np.asarray(probabilities) >= match_threshold).sum(axis=-1)
    share = matches / np.asarray(probabilities).shape[-1]
    return matches, share, share >= share_needed


class Verifier:
    """The loaded Siamese model and its thresholds. Safe to share between threads.

    The tower runs with LiteRT (``models/<name>.tflite``, exported from the Keras model by
    :mod:`facekit.model.export`) and the sigmoid head in numpy (:mod:`facekit.model.head`):
    loading it never imports TensorFlow. ``info`` is ``<name>.json``: the training record (split,
    seed, validation figures, the export); ``version`` names the Keras model file (12 hex digits
    of its SHA-256), so stored embeddings can say which model made them.
    """

    # Chips per LiteRT call: the interpreter's memory grows with its batch (SFace: +39 MiB for 8 chips,
    # +82 for 16, +431 for 80, +1,389 for 256; 5.7-6.5 ms a chip whatever the batch), and other
    # callers get a turn between calls.
    _BATCH = 16

    def __init__(self, config: Config | None = None):
        from facekit.litert import Network

        self.config = config or Config()
        self.info = _model_record(self.config)
        export = self.info["litert"]
        self._tower = Network(self.config.models_dir / export["file"], self.config.inference_threads or None)
        head = export["head"]
        self._distance = head["distance"]
        self._head = (np.asarray(head["weights"], np.float32), float(head["bias"]))
        self.version = export["keras_sha256"][:12]
        # The face framing this model takes (dlib's for the pretrained tower); chips follow it.
        self.config = self.config.with_(**self.info.get("chip", {}))
        accuracy = float(self.info["threshold"])
        lines = self.info.get("thresholds", {})
        same_from = float(lines.get("same_from", accuracy))
        self.thresholds = Thresholds(accuracy, same_from, float(lines.get("different_below", accuracy)),
                                     float(lines.get("identify_from", same_from)))

    def framing(self, config: Config) -> Config:
        """``config`` cutting faces the way this model takes them (its chip style and size); the
        folders stay ``config``'s (this Verifier keeps those of whoever loaded it first)."""
        return config.with_(chip_style=self.config.chip_style, chip_size=self.config.chip_size)

    # --- scores ----------------------------------------------------------------------------------

    def probabilities(self, chips_a: np.ndarray, chips_b: np.ndarray) -> np.ndarray:
        """P(same) for ``(n, chip_size, chip_size, 3)`` uint8 chip stacks -> ``(n,)`` float in [0, 1].
        Both sides go through the tower in one batch."""
        both = self.embeddings(np.concatenate([chips_a, chips_b]))
        return self._probability(head_features(self._distance, both[: len(chips_a)], both[len(chips_a):]))

    @property
    def embedding_width(self) -> int:
        """d, the length of an embedding (128 for the pretrained tower, 256 for the scratch model's two towers)."""
        return int(self._tower.output_shapes[0][-1])

    def embed_photo(self, image: ImageSource, which: str, number: int | None = None) -> tuple[FaceChip, np.ndarray]:
        """A photo's face ``number`` (default: its main one; :meth:`chip_of`) and its embedding ``(d,)`` float32."""
        probe = self.chip_of(image, which, number)
        return probe, self.embeddings(probe.chip[None])[0]

    def embeddings(self, chips: np.ndarray) -> np.ndarray:
        """Unit-length embeddings ``(n, d)`` float32 of ``(n, chip_size, chip_size, 3)`` uint8 chips,
        ``_BATCH`` chips per LiteRT call (d = 128 for the pretrained tower, 256 for two towers)."""
        side = self.config.chip_size
        if len(chips) and np.shape(chips)[1:] != (side, side, 3):  # another framing's chips: the wrong picture
            raise ValueError(f"the {self.config.model} model takes ({side}, {side}, 3) chips, not {np.shape(chips)[1:]}")
        outputs = [np.zeros((0, self.embedding_width), np.float32)]
        for start in range(0, len(chips), self._BATCH):
            outputs.append(self._tower(np.asarray(chips[start : start + self._BATCH], np.float32) / 255.0)[0])
        return np.concatenate(outputs).astype(np.float32)

    def probabilities_against(self, embedding: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """P(same) of one embedding ``(d,)`` against many ``(n, d)`` -> ``(n,)`` in [0, 1]: the
        model's own head on stored embeddings, without running the tower again. A gallery search."""
        return self._probability(self.head_features(embeddings, embedding))

    def pairwise_probabilities(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """P(same) of every embedding of ``a`` ``(n, d)`` against every one of ``b`` ``(m, d)``:
        ``(n, m)`` in [0, 1] (see :func:`~facekit.model.head.pairwise_probabilities`)."""
        return pairwise_probabilities(self._distance, a, b, *self._head)

    def close_pairs(self, embeddings: np.ndarray, floor: float,
                    most: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Every pair ``i < j`` of ``embeddings`` ``(n, d)`` whose P(same) reaches ``floor``: ``(i, j, p)``,
        None past ``most`` pairs (see :func:`~facekit.model.head.close_pairs`): who may be who in a
        pile, without the whole matrix."""
        return close_pairs(self._distance, embeddings, floor, *self._head, most=most)

    def head_features(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """What this model's sigmoid head sees for embeddings ``a`` and ``b`` (see
        :func:`~facekit.model.head.head_features`): ``(n, d)`` or ``(n, 1)``."""
        return head_features(self._distance, a, b)

    def _probability(self, features: np.ndarray) -> np.ndarray:
        return head_probability(features, *self._head)

    def score_chip_files(self, chips_a: list[str], chips_b: list[str]) -> np.ndarray:
        """P(same) for pairs of cached chip files (paths) -> ``(n,)``, read a batch at a time."""
        out = []
        for start in range(0, len(chips_a), self._BATCH):
            a = np.stack([read_chip(p) for p in chips_a[start : start + self._BATCH]])
            b = np.stack([read_chip(p) for p in chips_b[start : start + self._BATCH]])
            out.append(self.probabilities(a, b))
        return np.concatenate(out) if out else np.zeros(0)

    # --- answers ---------------------------------------------------------------------------------

    def verify(self, image_a: ImageSource, image_b: ImageSource, threshold: float | None = None,
               face_numbers: tuple[int | None, int | None] = (None, None)) -> Verdict:
        """Do two photos show the same person? See :func:`verify`."""
        second = _PHOTO_THREADS.submit(self.chip_of, image_b, "second", face_numbers[1])  # decoding one while finding in the other
        chips = [self.chip_of(image_a, "first", face_numbers[0]), second.result()]
        probability = float(self.probabilities(chips[0].chip[None], chips[1].chip[None])[0])
        thresholds = self.thresholds if threshold is None else Thresholds.single(threshold)
        return Verdict(
            thresholds.decide(probability), probability, thresholds,
            (chips[0].chip, chips[1].chip), (chips[0].face, chips[1].face), (chips[0].photo, chips[1].photo),
            (chips[0].faces_found, chips[1].faces_found), (chips[0].number, chips[1].number),
            (chips[0].every_face, chips[1].every_face),
        )

    def find_in_photo(self, person: ImageSource, group: ImageSource, threshold: float | None = None) -> FoundInPhoto:
        """Is the person of one photo (its main face) in another photo, and which face is it?
        Every face of ``group`` goes through the tower in one batch with the person's."""
        found = _PHOTO_THREADS.submit(self.faces_of, group, "second")
        wanted, faces = self.chip_of(person, "first"), found.result()
        embeddings = self.embeddings(np.concatenate([wanted.chip[None], faces.chips]))
        probabilities = self.probabilities_against(embeddings[0], embeddings[1:])
        best = int(np.argmax(probabilities))
        thresholds = self.thresholds if threshold is None else Thresholds.single(threshold)
        return FoundInPhoto(thresholds.decide(float(probabilities[best])), best + 1, probabilities, thresholds, wanted, faces)

    def verify_against_anchors(self, probe: ImageSource, anchors: list[Path], match_threshold: float | None = None,
                               share_needed: float | None = None, data_dir: Path | None = None) -> AnchorVerdict:
        """A probe photo against a person's enrolled photos. See :func:`verify_against_anchors`;
        the enrolled photos' chips are cached under ``data_dir`` (default: ``Config()``'s, now)."""
        probe_chip = self.chip_of(probe, "probe")
        chips_config = self.config.with_(data_dir=Path(data_dir) if data_dir else Config().data_dir)
        anchor_chips = [r.chip_path for r in (chip_photo(Path(a), chips_config) for a in anchors)]
        usable = [read_chip(p) for p in anchor_chips if p is not None]
        if not usable:
            raise DataError("None of the enrolled photos has a usable face. Take new reference photos.")
        probabilities = self.probabilities(np.repeat(probe_chip.chip[None], len(usable), axis=0), np.stack(usable))
        return self.anchor_verdict(probe_chip, probabilities, match_threshold, share_needed, len(anchors) - len(usable))

    def anchor_verdict(self, probe: FaceChip, probabilities: np.ndarray, match_threshold: float | None = None,
                       share_needed: float | None = None, skipped_anchors: int = 0) -> AnchorVerdict:
        """The enrolled-photos rule on a probe's P(same) against each enrolled photo ``(n,)``;
        defaults: the model's confident "same" line and ``config.verification_share``."""
        match_threshold = self.thresholds.same_from if match_threshold is None else match_threshold
        share_needed = self.config.verification_share if share_needed is None else share_needed
        matches, share, verified = anchor_rule(probabilities, match_threshold, share_needed)
        return AnchorVerdict(bool(verified), int(matches), len(probabilities), float(share), probabilities,
                             match_threshold, share_needed, probe.chip, probe.face, probe.photo, skipped_anchors)

    def warm_up(self) -> None:
        """Compare the shipped example pair once and embed its faces alone: every first-call cost
        (the face finder, the Siamese model, the embedding that enrolling and "who is this?" use)
        is paid here, before a person waits for an answer."""
        from facekit.examples import EXAMPLE_PAIRS

        verdict = self.verify(EXAMPLE_PAIRS[0].first, EXAMPLE_PAIRS[0].second)
        self.embeddings(np.stack(verdict.chips))

    def chip_of(self, image: ImageSource, which: str, number: int | None = None) -> FaceChip:
        """Face ``number`` of a photo (numbered left to right as by :meth:`faces_of`; default: the
        most prominent, by :func:`face_chip`), with errors that say which photo they are about."""
        try:
            if number is None:
                found = face_chip(image, self.config)
                if found.faces_found == 1:
                    return found
            return photo_faces(image, self.config).chip(number)  # several faces: numbered as every answer numbers them
        except (InvalidImage, NoFaceFound) as error:
            raise error.about(which) from None

    def faces_of(self, image: ImageSource, which: str) -> PhotoFaces:
        """Every face of a photo (:func:`~facekit.faces.align.photo_faces`), with errors that say
        which photo they are about."""
        try:
            return photo_faces(image, self.config)
        except (InvalidImage, NoFaceFound) as error:
            raise error.about(which) from None


def _model_record(config: Config) -> dict:
    """``config.model``'s record (``<name>.json``), checked to name an export of the Keras model
    beside it; a missing or out-of-date export says what to run."""
    missing = [p.name for p in (config.siamese_litert_path, config.siamese_info_path) if not p.exists()]
    if missing:
        command = f"facekit train {'siamese' if config.model == 'scratch' else config.model}"
        raise DataError(
            f"The {config.model} model is not in {config.models_dir} (no {' or '.join(missing)}). Run `{command}` "
            "(or `facekit export` for a model trained already), or restore the models/ folder from the repository."
        )
    info = json.loads(config.siamese_info_path.read_text())
    export = info.get("litert", {})
    keras_file = config.models_dir / export.get("from", config.siamese_path.name)
    if "head" not in export or (keras_file.exists() and file_digest(keras_file, "sha256") != export["keras_sha256"]):
        raise DataError(f"The {config.model} model's LiteRT file ({config.siamese_litert_path.name}) was exported "
                        f"from another {keras_file.name}. Run `facekit export --model {config.model}`.")
    return info


# The second photo of a pair is read and searched for its face here, beside the first: decoding
# (PIL) and face finding (LiteRT) let go of the GIL, so the two overlap on two cores.
_PHOTO_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="facekit-photo")
_verifiers: dict[tuple[Path, str], Verifier] = {}
_verifiers_lock = threading.Lock()


def load_verifier(config: Config | None = None) -> Verifier:
    """The :class:`Verifier` of ``config.model`` in ``config.models_dir``, loaded on first use, once
    per process."""
    config = config or Config()
    key = (Path(config.models_dir).resolve(), config.model)
    with _verifiers_lock:
        if key not in _verifiers:
            _verifiers[key] = Verifier(config)
        return _verifiers[key]


def verify(image_a: ImageSource, image_b: ImageSource, config: Config | None = None,
           threshold: float | None = None, face_numbers: tuple[int | None, int | None] = (None, None)) -> Verdict:
    """Do two photos show the same person? Photos are paths, bytes, file objects or arrays.

    ``threshold`` (a P(same) in [0, 1]) replaces the model's two lines with one: no "unsure".
    ``face_numbers`` choose a face in each photo (1, 2, ... left to right; None: the most prominent).
    Raises :class:`~facekit.errors.InvalidImage` or :class:`~facekit.errors.NoFaceFound` (their
    ``photo`` says which) and :class:`~facekit.errors.DataError` without a trained model.
    """
    return load_verifier(config).verify(image_a, image_b, threshold, face_numbers)


def verify_against_anchors(probe: ImageSource, anchors: list[Path], config: Config | None = None,
                           match_threshold: float | None = None, share_needed: float | None = None) -> AnchorVerdict:
    """Compare a probe photo with every enrolled photo (paths) of one person.

    An enrolled photo matches when P(same) reaches ``match_threshold`` (default: the model's
    confident "same" line); the person is verified when at least ``share_needed`` of them match
    (default ``config.verification_share``). Enrolled chips come from the chip cache. Raises
    :class:`~facekit.errors.DataError` when no enrolled photo has a usable face.
    """
    config = config or Config()
    return load_verifier(config).verify_against_anchors(probe, anchors, match_threshold, share_needed, config.data_dir)
