"""Align a found face on a fixed five-point template and cut out the chip a model sees.

The one path from a photo to what a model sees::

    load_image -> detect_faces -> main_face -> align_face  (== face_chip)  -> model_input

It serves training, evaluation, the CLI and the app alike, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facekit.config import Config
from facekit.errors import NoFaceFound
from facekit.faces.detect import Face, detect_faces, main_face
from facekit.faces.images import ImageSource, load_image, load_image_at_least, read_image_bytes, resize, to_grey

# Five landmarks (left eye, right eye, nose tip, left and right mouth corners) of a tightly
# cropped 112x112 face, the template used by ArcFace/InsightFace; "left" is the image's left.
_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)
# The same five landmarks where MTCNN finds them on dlib's own 150x150 face chips (the framing
# dlib's face-recognition ResNet was trained on: its 5-point shape model, padding 0.25); the mean
# over 300 training photos, measured by bench/dlib_chip_template.py.
_TEMPLATE_DLIB_150 = np.array(
    [[46.79, 44.58], [100.69, 44.87], [73.49, 76.42], [49.53, 103.75], [97.29, 104.03]], dtype=np.float32
)
# Where MTCNN puts those landmarks on an average LFW photo (250x250, face centred; the mean over
# 120 random LFW photos); used only by :func:`lfw_centre_chip`, the explicit fallback for LFW
# protocol photos whose face is not detected.
_LFW_MEAN_LANDMARKS = np.array(
    [[106.0, 113.0], [146.4, 111.8], [126.8, 136.0], [109.6, 158.1], [145.0, 157.1]], dtype=np.float32
)


# A photo is first decoded with its longer side at 640 px or more (a JPEG then decodes three to ten
# times faster), and again whole when no face is found there or the main one has its eyes less than
# 64 px apart: from there a chip loses nothing (dlib's puts the eyes 54 px apart) and the face is
# well over the capture checks' 80 px.
_FIRST_LOOK, _EYES_APART_ENOUGH = 640, 64


@dataclass(frozen=True)
class FaceChip:
    """An aligned face: ``chip`` is ``(chip_size, chip_size, 3)`` uint8 RGB; ``face`` is where it
    was found in ``photo``, the upright ``(H, W, 3)`` uint8 RGB photo (at most
    ``config.display_max_side`` pixels on its longer side); ``faces_found`` counts
    every face detected there, and ``number`` is this face's among them (1 to ``faces_found``, left
    to right: the numbers :class:`PhotoFaces` gives); ``every_face`` holds them all, numbered, where
    there are several (else None)."""

    chip: np.ndarray
    face: Face
    photo: np.ndarray
    faces_found: int = 1
    number: int = 1
    every_face: "PhotoFaces | None" = None


@dataclass(frozen=True)
class PhotoFaces:
    """Every face of one photo (:func:`photo_faces`). ``faces`` are numbered 1, 2, ... left to
    right (``faces[0]`` is face 1); ``chips`` ``(n, chip_size, chip_size, 3)`` uint8 are their aligned
    faces in that order; ``photo`` is the upright ``(H, W, 3)`` uint8 RGB photo (at most
    ``config.display_max_side`` pixels on its longer side) the boxes are in; ``main`` is the number
    of the most prominent face (the one a comparison uses unless told otherwise)."""

    photo: np.ndarray
    faces: tuple[Face, ...]
    chips: np.ndarray
    main: int

    def chip(self, number: int | None = None) -> FaceChip:
        """Face ``number`` (default: the main one) as a :class:`FaceChip`. Raises
        :class:`~facekit.errors.NoFaceFound` for a number that is not a face here."""
        number = self.main if number is None else number
        if not 1 <= number <= len(self.faces):
            raise NoFaceFound(f"There is no face {number} in this photo",
                              f"It has {len(self.faces)} face{'s' * (len(self.faces) != 1)}: choose one from 1 to {len(self.faces)}.")
        return FaceChip(self.chips[number - 1], self.faces[number - 1], self.photo, len(self.faces), number,
                        self if len(self.faces) > 1 else None)


def chip_template(config: Config | None = None) -> np.ndarray:
    """The ``(5, 2)`` landmark positions, in chip pixels, that :func:`align_face` maps a face onto:
    dlib's framing for ``config.chip_style == "dlib"``, ArcFace's own (tight, the framing SFace was
    trained on) for ``"sface"``, else ArcFace's with ``config.chip_margin``."""
    config = config or Config()
    if config.chip_style == "dlib":
        return _TEMPLATE_DLIB_150 * (config.chip_size / 150.0)
    tight = _TEMPLATE_112 / 112.0
    if config.chip_style == "sface":
        return tight * config.chip_size
    shrink = 1.0 / (1.0 + 2.0 * config.chip_margin)
    return ((tight - 0.5) * shrink + 0.5) * config.chip_size


def align_face(image: np.ndarray, landmarks: np.ndarray, config: Config | None = None) -> np.ndarray:
    """Rotate, scale and shift ``image`` so the five ``landmarks`` sit on the chip template.

    Returns a ``(chip_size, chip_size, 3)`` uint8 RGB chip. A similarity transform only (no
    shearing), so faces are never distorted.
    """
    config = config or Config()
    matrix, _ = cv2.estimateAffinePartial2D(
        np.asarray(landmarks, dtype=np.float32), chip_template(config), method=cv2.LMEDS
    )
    if matrix is None:
        raise NoFaceFound("The face's landmarks are degenerate", "Try a clearer, frontal photo.")
    size = config.chip_size
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def face_chip(source: ImageSource, config: Config | None = None) -> FaceChip:
    """Load a photo, find its main face and return the aligned chip.

    Raises :class:`~facekit.errors.InvalidImage` for unreadable input and
    :class:`~facekit.errors.NoFaceFound` when no usable face is in it.
    """
    config = config or Config()
    data = source if isinstance(source, np.ndarray) else read_image_bytes(source, config)  # a stream is read once
    image, reduced = load_image_at_least(data, _FIRST_LOOK, config)
    faces = detect_faces(image, config)
    if reduced and (not faces or _eyes_apart(faces[0]) < _EYES_APART_ENOUGH):  # a small face: look at every pixel
        image = load_image(data, config)
        faces = detect_faces(image, config)
    face = main_face(faces, config)
    chip = align_face(image, face.landmarks, config)
    photo, face = _for_display(image, face, config.display_max_side)
    return FaceChip(chip, face, photo, len(faces))


def photo_faces(source: ImageSource, config: Config | None = None) -> PhotoFaces:
    """Load a photo and cut out every face in it (a group photo), numbered left to right.

    Faces are looked for in the photo shrunk to ``config.display_max_side`` (tile by tile: faces
    down to ~24 pixels wide there) and cut from the photo as read, so a chip keeps every pixel;
    faces narrower than ``config.min_face_pixels`` in the photo as read are left out (too small
    to say anything about), and of a crowd only the ``config.max_faces_per_photo`` largest are kept. Raises :class:`~facekit.errors.InvalidImage` for unreadable input and
    :class:`~facekit.errors.NoFaceFound` when no usable face is in it.
    """
    config = config or Config()
    image = load_image(source, config)
    scale = min(1.0, config.display_max_side / max(image.shape[:2]))
    photo = image if scale == 1.0 else cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                                                  interpolation=cv2.INTER_AREA)
    found = detect_faces(photo, config, every=True)
    usable = [face for face in found if face.box[2] / scale >= config.min_face_pixels]
    if len(usable) > config.max_faces_per_photo:  # the largest, in the order found (the first is the main face)
        largest = set(sorted(range(len(usable)), key=lambda n: -usable[n].box[2])[: config.max_faces_per_photo])
        usable = [face for n, face in enumerate(usable) if n in largest]
    if not usable:  # main_face says why, in the photo's own pixels: no face, or too small
        main_face([Face(tuple(round(v / scale) for v in face.box), face.confidence, face.landmarks / scale)
                   for face in found], config)
    ordered = sorted(usable, key=lambda face: face.box[0] + face.box[2] / 2)
    chips = np.stack([align_face(image, face.landmarks / scale, config) for face in ordered])
    return PhotoFaces(photo, tuple(ordered), chips, ordered.index(usable[0]) + 1)


def _eyes_apart(face: Face) -> float:
    return float(np.hypot(*(face.landmarks[1] - face.landmarks[0])))


def _for_display(image: np.ndarray, face: Face, side: int) -> tuple[np.ndarray, Face]:
    """The photo shrunk to at most ``side`` pixels on its longer side, with the face's box and
    landmarks moved along: what a page shows, at a fraction of the memory."""
    scale = side / max(image.shape[:2])
    if scale >= 1.0:
        return image, face
    small = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    box = tuple(round(v * scale) for v in face.box)
    return small, Face(box, face.confidence, face.landmarks * scale)


def lfw_centre_chip(image: np.ndarray, config: Config | None = None) -> FaceChip:
    """Chip an LFW photo by its fixed framing, without detection.

    LFW's photos are 250x250 with the named face centred by its own detector, so the average
    landmark positions give a fair chip. Only for LFW protocol pairs whose face MTCNN misses
    (the protocol scores every pair); callers count and report each use.
    """
    config = config or Config()
    scale = np.array([image.shape[1], image.shape[0]], dtype=np.float32) / 250.0
    landmarks = _LFW_MEAN_LANDMARKS * scale
    box = (round(75 * scale[0]), round(75 * scale[1]), round(100 * scale[0]), round(110 * scale[1]))
    return FaceChip(align_face(image, landmarks, config), Face(box, 0.0, landmarks), image)


def model_input(chip: np.ndarray, size: int, grey: bool) -> np.ndarray:
    """A chip as a model sees it: ``(size, size, 1)`` if ``grey`` else ``(size, size, 3)``, float32 in [0, 1]."""
    pixels = resize(to_grey(chip) if grey else chip, size)
    if grey:
        pixels = pixels[:, :, None]
    return pixels.astype(np.float32) / 255.0
