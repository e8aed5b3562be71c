"""Every face of every photo in a pile, each with its embedding: files and folders (the command
line), or uploaded photos and zips of them (the page and the API).

Folders are read recursively, in name order; a file that is not a readable image, or a photo with
no usable face, is listed, never fatal. Progress goes to a callback (the command line prints it on
stderr, the page draws a bar).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from facekit.config import Config
from facekit.errors import DataError, FacekitError, InvalidImage, NoFaceFound
from facekit.faces.images import ImageSource, draw_box, load_image
from facekit.model.verifier import Verifier

PhotoName = str | Path  # a photo's path, or an upload's name (unique in its pile)


@dataclass(frozen=True)
class PileFace:
    """One face of one photo: ``photo`` (its name in the pile), ``box`` ``(x, y, w, h)`` in the photo's own
    pixels (upright, as read), ``number`` (1.., left to right in its photo), ``main`` (the photo's
    most prominent face) and ``chip`` (the aligned face, for thumbnails)."""

    photo: PhotoName
    box: tuple[int, int, int, int]
    number: int
    main: bool
    chip: np.ndarray


@dataclass(frozen=True)
class Pile:
    """The faces of a pile of photos and their ``embeddings`` ``(n, d)`` (row i is ``faces[i]``'s);
    ``no_face``: photos where no usable face was found; ``unreadable``: files that are not images
    we can read; ``sources``: each photo's name -> the photo (its path or its bytes), to enrol a
    face from the photo it was found in."""

    faces: tuple[PileFace, ...]
    embeddings: np.ndarray
    no_face: tuple[PhotoName, ...]
    unreadable: tuple[PhotoName, ...]
    sources: Mapping[PhotoName, ImageSource]


def photo_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and every file under the folders named (recursively, in name order)."""
    found = []
    for path in map(Path, paths):
        found += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return found


def read_pile(paths: Iterable[str | Path], verifier: Verifier,
              progress: Callable[[int, int], None] | None = None) -> Pile:
    """Every face of every photo of ``paths`` (files and folders, :func:`photo_files`), each photo
    named by its path. ``progress(done, total)`` is called after each photo."""
    return read_photos([(path, path) for path in photo_files(paths)], verifier, progress)


def read_photos(photos: Sequence[tuple[PhotoName, ImageSource]], verifier: Verifier,
                progress: Callable[[int, int], None] | None = None) -> Pile:
    """Every face of ``photos`` (``(name, photo)`` pairs, names unique), through ``verifier``: each
    photo's faces found (:meth:`~facekit.model.verifier.Verifier.faces_of`) and embedded in one batch.
    ``progress(done, total)`` is called after each photo."""
    faces, embeddings, no_face, unreadable = [], [], [], []
    for done, (name, source) in enumerate(photos, 1):
        try:
            found = verifier.faces_of(source, "photo")
            scale = _display_scale(found.photo, source)
        except NoFaceFound:
            no_face.append(name)
        except (FacekitError, OSError):
            unreadable.append(name)
        else:
            embeddings.append(verifier.embeddings(found.chips))
            faces += [PileFace(name, tuple(round(v / scale) for v in face.box), number, number == found.main, chip)
                      for number, (face, chip) in enumerate(zip(found.faces, found.chips), 1)]
        if progress:
            progress(done, len(photos))
    width = verifier.embedding_width
    return Pile(tuple(faces), np.concatenate(embeddings) if embeddings else np.zeros((0, width), np.float32),
                tuple(no_face), tuple(unreadable), dict(photos))


def uploaded_photos(uploads: Iterable[tuple[str, bytes]], config: Config | None = None) -> list[tuple[str, bytes]]:
    """Uploaded files as ``(name, photo bytes)`` pairs for :func:`read_photos`: a zip's files in
    its place (photos in folders of it named ``folder/photo.jpg``; hidden files and macOS's
    ``__MACOSX`` left out), and names made unique ("IMG_1.jpg", "IMG_1.jpg (2)"). Raises
    :class:`~facekit.errors.InvalidImage` for a damaged zip and :class:`~facekit.errors.DataError`
    past ``config.max_pile_photos`` photos; photos over ``config.max_image_bytes`` come with their
    first bytes only, which reading refuses (listed as unreadable)."""
    config = config or Config()
    photos, seen = [], {}
    for name, data in uploads:
        for inner, photo in (_zip_photos(name, data, config) if data[:4] == b"PK\x03\x04" else [(name, data)]):
            seen[inner] = seen.get(inner, 0) + 1
            photos.append((inner if seen[inner] == 1 else f"{inner} ({seen[inner]})", photo))
    _at_most_a_pile(len(photos), "These are", config)
    return photos


def kept_on_disk(photos: Sequence[tuple[PhotoName, bytes]], folder: Path) -> list[tuple[PhotoName, Path]]:
    """``photos`` (``(name, bytes)`` pairs, as :func:`uploaded_photos` gives them) each written to a
    numbered file of ``folder`` (made if need be), as ``(name, path)`` pairs for :func:`read_photos`:
    a page's pile then holds paths (to enrol a face from its photo, to draw the photos found), not
    every photo's bytes. Raises :class:`~facekit.errors.DataError` when the disk refuses them."""
    kept = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for number, (name, data) in enumerate(photos, 1):
            (path := folder / f"{number:05d}").write_bytes(data)  # numbered: an upload's name may be anything
            kept.append((name, path))
    except OSError as error:
        raise DataError(f"The photos could not be kept on this server's disk ({error.strerror or error})",
                        "Try fewer photos at once, or ask whoever runs the demo to free some disk space.") from None
    return kept


def _zip_photos(name: str, data: bytes, config: Config) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [e for e in archive.infolist() if not e.is_dir() and not any(
                part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(e.filename).parts)]
            _at_most_a_pile(len(entries), f"{name} holds", config)  # before reading any: a zip may hold a million
            return [(entry.filename, archive.open(entry).read(config.max_image_bytes + 1)) for entry in entries]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:  # NotImplementedError: compression we lack
        raise InvalidImage(f"{name} is a zip file we cannot open ({error})", "Make the zip again, or drop the photos themselves.") from None


def _at_most_a_pile(count: int, these: str, config: Config) -> None:
    if count > config.max_pile_photos:
        raise DataError(f"{these} {count:,} files; one pile is sorted here at most {config.max_pile_photos:,} photos",
                        "Sort the rest with `facekit group FOLDER`.")


def boxed_photo(pile: Pile, face: int, colour: tuple[int, int, int] = (40, 200, 60), side: int = 640) -> np.ndarray:
    """The photo of ``pile.faces[face]`` with that face boxed in ``colour``: ``(H, W, 3)`` uint8
    RGB, upright, at most ``side`` pixels on its longer side."""
    from PIL import Image

    found, source = pile.faces[face], pile.sources[pile.faces[face].photo]
    shown = Image.fromarray(load_image(source))
    shown.thumbnail((side, side), Image.Resampling.BOX)
    photo = np.asarray(shown)
    scale = _display_scale(photo, source)
    return draw_box(photo, tuple(round(v * scale) for v in found.box), colour)


def _display_scale(shown: np.ndarray, source: ImageSource) -> float:
    """How much smaller the photo's display copy (where its faces' boxes are) is than the photo
    upright, read from the file's header (EXIF orientations 5-8 turn it a quarter)."""
    from PIL import Image

    with Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as image:
        width, height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            width, height = height, width
    return max(shown.shape[:2]) / max(width, height)
