"""Every face of every photo in a pile of files and folders, each with its embedding.

Folders are read recursively, in name order; a file that is not a readable image, or a photo with
no usable face, is listed, never fatal. Progress goes to a callback (the command line prints it on
stderr, the page draws a bar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facekit.errors import FacekitError, NoFaceFound
from facekit.model.verifier import Verifier


@dataclass(frozen=True)
class PileFace:
    """One face of one photo: ``photo`` (its path), ``box`` ``(x, y, w, h)`` in the photo's own
    pixels (upright, as read), ``number`` (1.., left to right in its photo), ``main`` (the photo's
    most prominent face) and ``chip`` (the aligned face, for thumbnails)."""

    photo: Path
    box: tuple[int, int, int, int]
    number: int
    main: bool
    chip: np.ndarray


@dataclass(frozen=True)
class Pile:
    """The faces of a pile of photos and their ``embeddings`` ``(n, d)`` (row i is ``faces[i]``'s);
    ``no_face``: photos where no usable face was found; ``unreadable``: files that are not images
    we can read."""

    faces: tuple[PileFace, ...]
    embeddings: np.ndarray
    no_face: tuple[Path, ...]
    unreadable: tuple[Path, ...]


def photo_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and every file under the folders named (recursively, in name order)."""
    found = []
    for path in map(Path, paths):
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def read_pile(paths: Iterable[str | Path], verifier: Verifier,
              progress: Callable[[int, int], None] | None = None) -> Pile:
    """Every face of every photo of ``paths`` (files and folders), through ``verifier``: each photo's
    faces found (:meth:`~facekit.model.verifier.Verifier.faces_of`) and embedded in one batch.
    ``progress(done, total)`` is called after each photo."""
    files = photo_files(paths)
    faces, embeddings, no_face, unreadable = [], [], [], []
    for done, path in enumerate(files, 1):
        try:
            found = verifier.faces_of(path, "photo")
        except NoFaceFound:
            no_face.append(path)
        except FacekitError:
            unreadable.append(path)
        else:
            scale = _display_scale(found.photo, path)
            embeddings.append(verifier.embeddings(found.chips))
            faces += [PileFace(path, tuple(round(v / scale) for v in face.box), number, number == found.main, chip)
                      for number, (face, chip) in enumerate(zip(found.faces, found.chips), 1)]
        if progress:
            progress(done, len(files))
    width = verifier.embedding_width
    return Pile(tuple(faces), np.concatenate(embeddings) if embeddings else np.zeros((0, width), np.float32),
                tuple(no_face), tuple(unreadable))


def _display_scale(shown: np.ndarray, path: Path) -> float:
    """How much smaller the photo's display copy (where its faces' boxes are) is than the photo
    upright, read from the file's header (EXIF orientations 5-8 turn it a quarter)."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            width, height = height, width
    return max(shown.shape[:2]) / max(width, height)
