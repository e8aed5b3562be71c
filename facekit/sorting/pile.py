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
from typing import BinaryIO
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np

from facekit.config import Config
from facekit.errors import DataError, FacekitError, NoFaceFound, TooManyFaces, TooManyPhotos, TooMuchData
from facekit.faces.images import ImageSource, draw_box, load_image
from facekit.model.verifier import Verifier

PhotoName = str | Path  # a photo's path, or an upload's name (unique in its pile)


@dataclass(frozen=True)
class PileFace:
    """One face of one photo: ``photo`` (its name in the pile), ``box`` ``(x, y, w, h)`` in the photo's own
    pixels (upright, as read), ``number`` (1.., left to right in its photo), ``main`` (the photo's
    most prominent face) and ``chip`` (the aligned face, for thumbnails; None when the pile was
    read without them)."""

    photo: PhotoName
    box: tuple[int, int, int, int]
    number: int
    main: bool
    chip: np.ndarray | None


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
    """The files named, and everything but folders under the folders named (recursively, in name
    order): a broken link or a pipe among them is listed as unreadable by :func:`read_photos`, not
    passed over in silence."""
    found = []
    for path in map(Path, paths):
        found += sorted(p for p in path.rglob("*") if not p.is_dir()) if path.is_dir() else [path]
    return found


def read_pile(paths: Iterable[str | Path], verifier: Verifier, progress: Callable[[int, int], None] | None = None,
              thumbnails: bool = True) -> Pile:
    """Every face of every photo of ``paths`` (files and folders, :func:`photo_files`), each photo
    named by its path. ``progress(done, total)`` is called after each photo."""
    return read_photos([(path, path) for path in photo_files(paths)], verifier, progress, thumbnails=thumbnails)


def read_photos(photos: Sequence[tuple[PhotoName, ImageSource]], verifier: Verifier,
                progress: Callable[[int, int], None] | None = None, most_faces: int | None = None,
                thumbnails: bool = True) -> Pile:
    """Every face of ``photos`` (``(name, photo)`` pairs, names unique), through ``verifier``: each
    photo's faces found (:meth:`~facekit.model.verifier.Verifier.faces_of`) and embedded in one batch.
    ``progress(done, total)`` is called after each photo. Raises :class:`~facekit.errors.TooManyFaces`
    once the faces pass ``most_faces`` (default ``Config().max_pile_faces``). ``thumbnails=False``
    keeps no face's chip (what shows nothing needs: ~37 KB a face, 300 MB for 8,000)."""
    most = Config().max_pile_faces if most_faces is None else most_faces
    faces, embeddings, no_face, unreadable = [], [], [], []
    for done, (name, source) in enumerate(photos, 1):
        try:
            if isinstance(source, Path) and not source.is_file():  # a broken link, a pipe: never opened (a pipe waits)
                raise OSError(f"{source} is not a file")
            found = verifier.faces_of(source, "photo")
            scale = _display_scale(found.photo, source)
        except NoFaceFound:
            no_face.append(name)
        except (FacekitError, OSError):
            unreadable.append(name)
        else:
            embeddings.append(verifier.embeddings(found.chips))
            faces += [PileFace(name, tuple(round(v / scale) for v in face.box), number, number == found.main,
                               chip if thumbnails else None)
                      for number, (face, chip) in enumerate(zip(found.faces, found.chips), 1)]
            if len(faces) > most:
                raise TooManyFaces(f"These photos hold more than {most:,} faces ({name} brought the count to "
                                   f"{len(faces):,}); one pile is sorted here at most {most:,}",
                                   "Sort the photos in smaller piles.")
        if progress:
            progress(done, len(photos))
    width = verifier.embedding_width
    return Pile(tuple(faces), np.concatenate(embeddings) if embeddings else np.zeros((0, width), np.float32),
                tuple(no_face), tuple(unreadable), dict(photos))


def read_unpacked(unpacked: Unpacked, verifier: Verifier, progress: Callable[[int, int], None] | None = None,
                  most_faces: int | None = None, thumbnails: bool = True) -> Pile:
    """:func:`read_photos` of unpacked uploads, the files refused while unpacking listed as unreadable."""
    pile = read_photos(unpacked.photos, verifier, progress, most_faces, thumbnails)
    return replace(pile, unreadable=pile.unreadable + tuple(name for name, _ in unpacked.refused))


@dataclass(frozen=True)
class Unpacked:
    """Uploads unpacked to a folder (:func:`unpack_uploads`): ``photos`` as ``(name, path)`` pairs for
    :func:`read_photos`, and ``refused``: ``(name, why)`` of the files left out (too large, a path
    outside its zip, hidden, a zip we cannot open)."""

    photos: tuple[tuple[str, Path], ...]
    refused: tuple[tuple[str, str], ...]


def unpack_uploads(uploads: Iterable[tuple[str, BinaryIO]], folder: Path, config: Config | None = None,
                   most_photos: int | None = None, most_bytes: int | None = None) -> Unpacked:
    """Uploaded files (``(name, binary stream)``; a zip's files in its place, named by their path in it
    as it holds them) written one by one to numbered files of ``folder``, never all in memory. Photos
    are counted before any is read (a zip by its list of files: at most ``most_photos``, default
    ``config.max_pile_photos``; raises :class:`~facekit.errors.TooManyPhotos`), each is read up to
    ``config.max_image_bytes`` (a larger one is refused, declared size first), and the bytes read add
    up to at most ``most_bytes`` (default ``config.max_pile_bytes``; raises
    :class:`~facekit.errors.TooMuchData`). Names are made unique ("IMG_1.jpg", "IMG_1.jpg (2)").
    Raises :class:`~facekit.errors.DataError` when the disk refuses the files."""
    config = config or Config()
    unpacking = _Unpacking(folder, config, config.max_pile_photos if most_photos is None else most_photos,
                           config.max_pile_bytes if most_bytes is None else most_bytes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, stream in uploads:
            head = stream.read(4)
            stream.seek(0)
            if head == b"PK\x03\x04":
                unpacking.zip(name, stream)
            else:
                unpacking.count(name, 1)
                unpacking.photo(name, stream)
    except OSError as error:
        raise DataError(f"The photos could not be kept on this server's disk ({error.strerror or error})",
                        "Try fewer photos at once, or ask whoever runs the demo to free some disk space.") from None
    return Unpacked(tuple(unpacking.photos), tuple(unpacking.refused))


class _Unpacking:
    """The running counts of one :func:`unpack_uploads`: photos kept, files refused, bytes read."""

    def __init__(self, folder: Path, config: Config, most_photos: int, most_bytes: int) -> None:
        self.folder, self.config, self.most_photos, self.most_bytes = folder, config, most_photos, most_bytes
        self.photos: list[tuple[str, Path]] = []
        self.refused: list[tuple[str, str]] = []
        self.counted, self.read, self.seen = 0, 0, {}

    def count(self, name: str, files: int) -> None:
        self.counted += files
        if self.counted > self.most_photos:
            raise TooManyPhotos(f"These are {self.counted:,} files or more ({name} among them); one pile is sorted here at "
                                f"most {self.most_photos:,} photos", "Send the rest apart, or sort a folder with `facekit group`.")

    def zip(self, name: str, stream: BinaryIO) -> None:
        try:
            with zipfile.ZipFile(stream) as archive:
                entries = [e for e in archive.infolist() if not e.is_dir() and "__MACOSX" not in PurePosixPath(e.filename).parts]
                self.count(name, len(entries))  # before reading any: a zip may hold a million
                for entry in entries:
                    inner, parts = entry.filename, PurePosixPath(entry.filename).parts
                    if entry.filename.startswith("/") or ".." in parts:
                        self.refused.append((inner, "a path outside the zip"))
                    elif any(part.startswith(".") for part in parts):
                        self.refused.append((inner, "a hidden file"))
                    elif entry.file_size > self.config.max_image_bytes:
                        self.refused.append((inner, _too_large(entry.file_size, self.config)))
                    else:
                        with archive.open(entry) as opened:
                            self.photo(inner, opened)
        except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError) as error:  # NotImplementedError: compression we lack
            self.refused.append((name, f"a zip file we cannot open ({error})"))

    def photo(self, name: str, stream: BinaryIO) -> None:
        """Copy one photo to the folder, a megabyte at a time; past ``max_image_bytes`` the rest is not
        read (reading the photo then refuses it as too large, that photo alone)."""
        self.seen[name] = self.seen.get(name, 0) + 1
        path, size = self.folder / f"{len(self.photos) + 1:05d}", 0
        with open(path, "wb") as out:
            while size <= self.config.max_image_bytes and (chunk := stream.read(1 << 20)):
                size += len(chunk)
                self.read += len(chunk)
                if self.read > self.most_bytes:
                    raise TooMuchData(f"These photos add up to more than {self.most_bytes / 2**20:,.0f} MB unpacked; "
                                      "one pile takes at most that", "Send fewer photos at once.")
                out.write(chunk)
        self.photos.append((name if self.seen[name] == 1 else f"{name} ({self.seen[name]})", path))


def _too_large(size: int, config: Config) -> str:
    return f"{size / 2**20:,.0f} MB, where a photo may have at most {config.max_image_bytes / 2**20:.0f} MB"


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
