"""A disk cache of face chips, so that each photo is detected and aligned once.

A chip is stored as ``<chips_dir>/<sha[:2]>/<sha>.png``, where ``sha`` is the SHA-1 of the photo
file's bytes and ``chips_dir`` carries the pipeline version: a changed pipeline starts a new
folder and never reuses old chips. A photo with no usable face gets ``<sha>.noface`` holding
the reason, so it is not detected again either.
"""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from facekit.config import Config
from facekit.errors import FacekitError, NoFaceFound
from facekit.faces.align import align_face, lfw_centre_chip
from facekit.faces.detect import Face, detect_faces, main_face
from facekit.faces.images import load_image
from facekit.files import file_digest, write_atomic


@dataclass(frozen=True)
class ChipResult:
    """Where the chip of ``photo`` is (``chip_path``), or why there is none (``error``)."""

    photo: Path
    chip_path: Path | None
    error: str | None = None
    used_lfw_framing: bool = False


def _cache_paths(sha: str, config: Config) -> tuple[Path, Path, Path]:
    """The chip, the no-face note and the LFW-framing chip of the photo whose SHA-1 is ``sha``."""
    folder = config.chips_dir / sha[:2]
    return folder / f"{sha}.png", folder / f"{sha}.noface", folder / f"{sha}.lfw-framing.png"


def _lookup(photo: Path, sha: str, config: Config, lfw_fallback: bool = False) -> ChipResult | None:
    chip_path, noface_path, framing_path = _cache_paths(sha, config)
    if chip_path.exists():
        return ChipResult(photo, chip_path)
    if not noface_path.exists():
        return None
    reason = noface_path.read_text()
    if not lfw_fallback:
        return ChipResult(photo, None, reason)
    if not framing_path.exists():
        chip = lfw_centre_chip(load_image(photo, config), config).chip
        write_atomic(framing_path, lambda tmp: Image.fromarray(chip).save(tmp, format="PNG"))
    return ChipResult(photo, framing_path, reason, used_lfw_framing=True)


def forget_chip(photo: Path, config: Config | None = None) -> None:
    """Remove whatever the cache holds for this photo file in every framing (chips, no-face notes,
    LFW-framing chips, the detected face): called before a photo is deleted, so no face of it is
    left behind."""
    config = config or Config()
    sha = file_digest(photo)
    for path in (config.data_dir / ".chips").glob(f"*/{sha[:2]}/{sha}*"):
        path.unlink(missing_ok=True)


def chip_photo(photo: Path, config: Config | None = None, lfw_fallback: bool = False) -> ChipResult:
    """Chip one photo file, from the cache when it is there, storing the result otherwise.

    The face found is cached apart from the chip (``config.faces_dir``), so
    cutting the same photo in another model's framing does not detect it again. With
    ``lfw_fallback``, a photo with no detected face gets a chip cut by LFW's fixed framing
    (see :func:`~facekit.faces.lfw_centre_chip`) and ``used_lfw_framing=True``; use it only for
    LFW protocol pairs, which must all be scored.
    """
    config = config or Config()
    photo = Path(photo)
    sha = file_digest(photo)
    cached = _lookup(photo, sha, config, lfw_fallback)
    if cached is not None:
        return cached
    chip_path, noface_path, _ = _cache_paths(sha, config)
    try:
        image = load_image(photo, config)
        chip = align_face(image, _main_face(image, sha, config).landmarks, config)
    except FacekitError as error:
        reason = error.reason
        write_atomic(noface_path, lambda tmp: tmp.write_text(reason))
        return _lookup(photo, sha, config, lfw_fallback)
    write_atomic(chip_path, lambda tmp: Image.fromarray(chip).save(tmp, format="PNG"))
    return ChipResult(photo, chip_path)


def _main_face(image: np.ndarray, sha: str, config: Config) -> Face:
    """The photo's main face (:func:`~facekit.faces.main_face`), detected once per photo file and
    kept as JSON; raises the same :class:`NoFaceFound` again for a photo without one."""
    path = config.faces_dir / sha[:2] / f"{sha}.json"
    if path.exists():
        found = json.loads(path.read_text())
        if "reason" in found:
            raise NoFaceFound(found["reason"], found["hint"])
        return Face(tuple(found["box"]), found["confidence"], np.array(found["landmarks"], np.float32))
    try:
        face = main_face(detect_faces(image, config), config)
    except NoFaceFound as error:
        text = json.dumps({"reason": error.reason, "hint": error.hint})
        write_atomic(path, lambda tmp: tmp.write_text(text))
        raise
    text = json.dumps({"box": face.box, "confidence": face.confidence, "landmarks": face.landmarks.tolist()})
    write_atomic(path, lambda tmp: tmp.write_text(text))
    return face


def _init_worker(face_finder: str) -> None:
    # Each worker process gets one core's worth of threads (LiteRT's through its Config); two
    # workers fill two cores. MTCNN is the one finder on TensorFlow.
    if face_finder == "mtcnn":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def _chip_in_worker(args: tuple[Path, Config, bool]) -> ChipResult:
    return chip_photo(*args)


def chip_photos(
    photos: Iterable[Path],
    config: Config | None = None,
    workers: int = 1,
    progress: bool = False,
    lfw_fallback: bool = False,
    on_progress=None,
) -> dict[Path, ChipResult]:
    """Chip many photos (cached ones are only looked up), in ``workers`` processes.

    Returns ``{photo: ChipResult}`` for every photo given. ``progress`` shows a progress bar in
    the terminal; ``on_progress(done, total)``, if given, is called as photos are done (for a
    UI); ``lfw_fallback`` is passed to :func:`chip_photo`.
    """
    config = config or Config()
    photos = list(dict.fromkeys(Path(p) for p in photos))
    results: dict[Path, ChipResult] = {}
    todo = []
    for photo in tqdm(photos, desc="Checking chip cache", unit="photo", disable=not progress or len(photos) < 500):
        cached = _lookup(photo, file_digest(photo), config, lfw_fallback)
        if cached is None:
            todo.append(photo)
        else:
            results[photo] = cached
    bar = tqdm(total=len(todo), desc="Detecting + aligning faces", unit="photo", disable=not progress)

    def done(result: ChipResult) -> None:
        results[result.photo] = result
        bar.update()
        if on_progress:
            on_progress(len(results), len(photos))

    if workers > 1 and len(todo) > 1:
        context = multiprocessing.get_context("spawn")  # TensorFlow (training's, MTCNN's) does not survive fork
        one_core = config.with_(inference_threads=1)
        with context.Pool(workers, initializer=_init_worker, initargs=(config.face_finder,)) as pool:
            for result in pool.imap_unordered(_chip_in_worker, [(p, one_core, lfw_fallback) for p in todo], chunksize=8):
                done(result)
    else:
        for photo in todo:
            done(chip_photo(photo, config, lfw_fallback))
    bar.close()
    if on_progress and not todo:
        on_progress(len(photos), len(photos))
    return results


def read_chip(chip_path: Path) -> np.ndarray:
    """A cached chip as an ``(S, S, 3)`` uint8 RGB array."""
    with Image.open(chip_path) as image:
        return np.asarray(image.convert("RGB"))


@dataclass(frozen=True)
class ChippedPairs:
    """A pairs table with chip paths added (columns ``chip_a``, ``chip_b``).

    ``dropped`` counts pairs left out because a photo had no usable face; ``lfw_framing`` counts
    photos chipped by LFW's fixed framing instead of a detection (only with ``lfw_fallback``).
    """

    table: pd.DataFrame
    dropped: int
    lfw_framing: int


def chip_pairs(
    table: pd.DataFrame,
    config: Config | None = None,
    base_dir: Path | None = None,
    workers: int = 1,
    progress: bool = False,
    lfw_fallback: bool = False,
    on_progress=None,
) -> ChippedPairs:
    """Chip every photo of a pairs table (columns ``anchor_path``, ``other_path``, ``label``).

    Relative paths are taken from ``base_dir`` (default ``config.data_dir``). Pairs with a
    photo that has no face are dropped and counted, unless ``lfw_fallback`` cuts a chip by LFW's
    framing for them (LFW protocol pairs must all be scored). ``on_progress`` as in :func:`chip_photos`.
    """
    config = config or Config()
    base_dir = config.data_dir if base_dir is None else Path(base_dir)
    photos = {p: base_dir / p for p in pd.unique(table[["anchor_path", "other_path"]].values.ravel())}
    results = chip_photos(photos.values(), config, workers, progress, lfw_fallback, on_progress)
    chip_of = {p: results[path].chip_path for p, path in photos.items()}
    chipped = table.assign(
        chip_a=[chip_of[p] and str(chip_of[p]) for p in table.anchor_path],
        chip_b=[chip_of[p] and str(chip_of[p]) for p in table.other_path],
    )
    usable = chipped.chip_a.notna() & chipped.chip_b.notna()
    framing = sum(results[path].used_lfw_framing for path in photos.values())
    return ChippedPairs(chipped[usable].reset_index(drop=True), int((~usable).sum()), int(framing))
