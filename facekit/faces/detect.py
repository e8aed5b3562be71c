"""Find the faces in a photo and pick the one to use.

The face finder is one object behind :func:`detect_faces`, named by ``Config.face_finder``:
the fast one (the default: BlazeFace and its face mesh, on LiteRT) or MTCNN (for comparisons: it
loads TensorFlow, which nothing that answers does otherwise). A new finder is a class with the same call, ``(image, config) -> [Face, ...]``, added to
:data:`FINDERS`; nothing else changes. What a face is
(:class:`Face`: box, five landmarks, confidence) is what every later step relies on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from facekit.config import Config
from facekit.errors import NoFaceFound

_LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Face:
    """One detected face, in pixel coordinates of the (upright) photo it was found in.

    ``box`` is ``(x, y, width, height)``; ``landmarks`` is a ``(5, 2)`` array of ``(x, y)`` for
    left eye, right eye, nose, left and right mouth corner; ``confidence`` is in [0, 1].
    """

    box: tuple[int, int, int, int]
    confidence: float
    landmarks: np.ndarray


class _Mtcnn:
    """MTCNN on a copy shrunk to ``config.detect_max_side``, created on first use (it loads
    TensorFlow: ``FACEKIT_FACE_FINDER=mtcnn`` is for comparisons) and shared by all threads; faces under ``config.min_face_confidence`` are dropped."""

    def __init__(self) -> None:
        self._mtcnn = None
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray, config: Config, every: bool = False, again: bool = True) -> list[Face]:
        height, width = image.shape[:2]
        scale = min(1.0, config.detect_max_side / max(height, width))
        small = image if scale == 1.0 else cv2.resize(image, (round(width * scale), round(height * scale)),
                                                      interpolation=cv2.INTER_AREA)
        with self._lock:
            if self._mtcnn is None:
                from mtcnn import MTCNN  # heavy import, deferred on purpose

                self._mtcnn = MTCNN(device="CPU:0")
            found = self._mtcnn.detect_faces(small)
        return [Face(tuple(round(float(v) / scale) for v in face["box"]), float(face["confidence"]),
                     np.array([face["keypoints"][name] for name in _LANDMARK_NAMES], dtype=np.float32) / scale)
                for face in found if float(face["confidence"]) >= config.min_face_confidence]


class _Fast:
    """BlazeFace and its face mesh (:mod:`facekit.faces.blazeface`, ~10 ms a photo, on LiteRT), created
    on first use and shared by all threads. Where it finds nothing, it looks again: with the photo
    set in a wider frame (the detector learnt faces with their surroundings, and misses a face that
    fills the photo or is cut at the chin or forehead), then tile by tile (a small face in a large
    photo). Asked for ``every`` face, it always looks tile by tile too (the small faces of a group).
    """

    def __init__(self) -> None:
        self._fast = None
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray, config: Config, every: bool = False, again: bool = True) -> list[Face]:
        self._created(config)
        found = self._fast.everywhere(image) if every else self._fast(image)
        if not found and again:
            found = self._in_a_wider_frame(image) or self._fast.in_tiles(image)
        return [Face(tuple(round(v) for v in box), score, points) for box, score, points in found]

    def meshes(self, image: np.ndarray, config: Config) -> list[tuple[Face, np.ndarray]]:
        """Every face found in one look, with its whole mesh."""
        from facekit.faces.blazeface import five_points

        self._created(config)
        return [(Face(tuple(round(v) for v in box), score, five_points(mesh)), mesh)
                for box, score, mesh in self._fast.meshes(image)]

    def _created(self, config: Config) -> None:
        with self._lock:
            if self._fast is None:
                from facekit.faces.blazeface import BlazeFaceMesh

                self._fast = BlazeFaceMesh(config.face_finder_dir, config.inference_threads or None)

    def _in_a_wider_frame(self, image: np.ndarray) -> list:
        """The faces found once the photo is set in a black frame (each border of :data:`_RETRY_BORDERS` in
        turn, until one finds a face), in the photo's own pixels."""
        for share in _RETRY_BORDERS:
            border = round(max(image.shape[:2]) * share)
            wider = cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_CONSTANT, value=(0, 0, 0))
            found = self._fast(wider)
            if found:
                return [((x - border, y - border, w, h), score, points - border) for (x, y, w, h), score, points in found]
        return []


# The wider frames' borders, a share of the photo's longer side on each side, tried in turn. On
# 150x150 crops of LFW View 1 test faces (the face's box enlarged 1.0-1.2x, colour and grey):
# 0.25 alone finds a face in 93.7%, 0.5 in 99.8%, the three in turn 99.9% (the crop alone: 37.8%).
_RETRY_BORDERS = (0.25, 0.5, 1.0)
FINDERS = {"fast": _Fast(), "mtcnn": _Mtcnn()}  # Config.face_finder names one


def detect_faces(image: np.ndarray, config: Config | None = None, every: bool = False, again: bool = True) -> list[Face]:
    """The faces in an ``(H, W, 3)`` uint8 RGB image, by ``config.face_finder``, the most prominent first.

    By default the finder looks as hard as finding the main face needs; with ``every``, it looks for
    every face down to ~24 pixels wide (a group photo; the fast finder then reads a 1024-pixel photo
    tile by tile, ~0.1 s). MTCNN's pyramid finds small faces either way. Without ``again``, the
    fast finder looks once (~4 ms and ~1.5 ms a face on 640x480), not again in a wider frame or
    tile by tile where it found nothing: for video, where the next frame comes 1/30 s later.

    Prominence is the box area times closeness to the image centre (1 at the centre, 0 at a
    corner), so in a crowd the large central face wins: LFW's rule, where the named person is the
    one in the middle.
    """
    config = config or Config()
    if config.face_finder not in FINDERS:
        raise ValueError(f"the face finder (FACEKIT_FACE_FINDER) is {' or '.join(FINDERS)}, not {config.face_finder!r}")
    height, width = image.shape[:2]
    faces = FINDERS[config.face_finder](image, config, every, again)
    return sorted(faces, key=lambda face: _prominence(face, width, height), reverse=True)


def face_meshes(image: np.ndarray, config: Config | None = None) -> list[tuple[Face, np.ndarray]]:
    """The faces of an ``(H, W, 3)`` uint8 RGB video frame, found in one look by the fast finder
    (whatever ``config.face_finder`` says: only it has a mesh), each with its face mesh ``(468,
    3)`` float32 (MediaPipe's points: x, y in the frame's pixels, z the depth in the same units,
    nearer the camera negative); the most prominent first. ~6 ms and ~3 ms a face on 640x480."""
    config = config or Config()
    height, width = image.shape[:2]
    found = FINDERS["fast"].meshes(image, config)
    return sorted(found, key=lambda pair: _prominence(pair[0], width, height), reverse=True)


def _prominence(face: Face, width: int, height: int) -> float:
    x, y, w, h = face.box
    off_centre = np.hypot(x + w / 2 - width / 2, y + h / 2 - height / 2) / np.hypot(width / 2, height / 2)
    return w * h * max(0.0, 1.0 - off_centre)


def main_face(faces: list[Face], config: Config | None = None) -> Face:
    """The face to use: the most prominent one (see :func:`detect_faces`).

    Raises :class:`NoFaceFound` when there is none, or when it is narrower than
    ``config.min_face_pixels`` (too small to say anything about).
    """
    config = config or Config()
    if not faces:
        raise NoFaceFound(
            "No face was found in this photo",
            "Use a photo where one face is clearly visible, facing the camera, in good light.",
        )
    face = faces[0]
    if face.box[2] < config.min_face_pixels:
        raise NoFaceFound(
            f"The face is too small ({face.box[2]} pixels wide; at least {config.min_face_pixels} needed)",
            "Move closer to the camera or crop the photo around the face.",
        )
    return face


