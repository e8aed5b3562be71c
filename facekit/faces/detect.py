"""Find the faces in a photo and pick the one to use.

The face finder is one object behind :func:`detect_faces` (MTCNN today): swapping it means a new
class with the same call, ``image -> [Face, ...]``, and nothing else changes. What a face is
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
    """MTCNN, created on first use (it loads TensorFlow) and shared by all threads."""

    def __init__(self) -> None:
        self._mtcnn = None
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray) -> list[dict]:
        with self._lock:
            if self._mtcnn is None:
                from mtcnn import MTCNN  # heavy import, deferred on purpose

                self._mtcnn = MTCNN(device="CPU:0")
            return self._mtcnn.detect_faces(image)


_detector = _Mtcnn()


def detect_faces(image: np.ndarray, config: Config | None = None) -> list[Face]:
    """All faces in an ``(H, W, 3)`` uint8 RGB image, the most prominent first.

    Faces under ``config.min_face_confidence`` are dropped. Prominence is the box area times
    closeness to the image centre (1 at the centre, 0 at a corner), so in a crowd the large
    central face wins: LFW's rule, where the named person is the one in the middle.
    """
    config = config or Config()
    height, width = image.shape[:2]
    scale = min(1.0, config.detect_max_side / max(height, width))
    small = image if scale == 1.0 else cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    faces = []
    for found in _detector(small):
        if float(found["confidence"]) < config.min_face_confidence:
            continue
        x, y, w, h = (float(v) / scale for v in found["box"])
        landmarks = np.array([found["keypoints"][name] for name in _LANDMARK_NAMES], dtype=np.float32) / scale
        faces.append(Face((round(x), round(y), round(w), round(h)), float(found["confidence"]), landmarks))
    return sorted(faces, key=lambda face: _prominence(face, width, height), reverse=True)


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


