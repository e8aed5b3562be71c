"""Is this shot usable? Light, focus and size of a face already found."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facekit.config import Config
from facekit.faces.detect import Face, detect_faces, main_face
from facekit.faces.images import light_and_focus, to_grey


@dataclass(frozen=True)
class ShotQuality:
    """How usable a shot is. ``brightness`` is the face's mean grey level (0-255), ``sharpness``
    the variance of its Laplacian, ``face_pixels`` the face box width; ``problems`` lists what to
    fix, in plain words (empty when the shot is good)."""

    face: Face
    brightness: float
    sharpness: float
    face_pixels: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _face_region(image: np.ndarray, face: Face) -> np.ndarray:
    x, y, w, h = face.box
    x0, y0 = max(0, x), max(0, y)
    return image[y0 : y0 + max(h, 1), x0 : x0 + max(w, 1)]


def judge_shot(image: np.ndarray, config: Config | None = None) -> ShotQuality:
    """Find the main face of an ``(H, W, 3)`` uint8 RGB frame and judge light, blur and size.

    Raises :class:`~facekit.errors.NoFaceFound` when there is no face.
    """
    config = config or Config()
    return shot_quality(image, main_face(detect_faces(image, config), config), config)


def shot_quality(image: np.ndarray, face: Face, config: Config | None = None) -> ShotQuality:
    """Judge light, blur and size of a face already found in an ``(H, W, 3)`` uint8 RGB photo."""
    config = config or Config()
    brightness, sharpness = light_and_focus(to_grey(_face_region(image, face)))
    problems = []
    if brightness < config.min_brightness:
        problems.append("too dark: add light in front of you")
    elif brightness > config.max_brightness:
        problems.append("too bright: move away from the light")
    if sharpness < config.min_sharpness:
        problems.append("blurred: hold still")
    if face.box[2] < config.min_capture_face_pixels:
        problems.append("face too small: come closer")
    return ShotQuality(face, brightness, sharpness, face.box[2], tuple(problems))


_TURNED = 0.3  # the nose this far from the eyes' midpoint, in eye distances: the head is turned


def is_turned(face: Face) -> bool:
    """Whether the head is turned to the side (the nose far off the line between the eyes' midpoint
    and the mouth), from the five landmarks."""
    left_eye, right_eye, nose = (np.asarray(point, float) for point in face.landmarks[:3])
    eye_distance = max(float(np.hypot(*(right_eye - left_eye))), 1.0)
    return bool(abs(nose[0] - (left_eye[0] + right_eye[0]) / 2) / eye_distance > _TURNED)


def face_problems(photo: np.ndarray, face: Face, config: Config | None = None) -> tuple[str, ...]:
    """What may weaken an answer about a face found in an ``(H, W, 3)`` uint8 RGB photo, in
    words: any of "dark", "over-exposed", "blurred", "small", "head turned" (empty: nothing)."""
    config = config or Config()
    quality = shot_quality(photo, face, config)
    return tuple(words for bad, words in (
        (quality.brightness < config.min_brightness, "dark"),
        (quality.brightness > config.max_brightness, "over-exposed"),
        (quality.sharpness < config.min_sharpness, "blurred"),
        (quality.face_pixels < config.min_capture_face_pixels, "small"),
        (is_turned(face), "head turned"),
    ) if bad)


def what_would_settle_it(photos: tuple[np.ndarray, np.ndarray], faces: tuple[Face, Face],
                         config: Config | None = None) -> str:
    """Advice for a "not sure", from what was measured on the two faces compared (their light,
    sharpness, size and pose), in plain words: only what is actually wrong is named."""
    found = []
    for which, photo, face in zip(("first", "second"), photos, faces):
        said = {"dark": "is dark", "over-exposed": "is over-exposed", "blurred": "is blurred",
                "small": f"shows a small face ({face.box[2]} pixels wide)", "head turned": "shows the head turned to the side"}
        wrong = [said[problem] for problem in face_problems(photo, face, config)]
        if wrong:
            found.append(f"the {which} photo {' and '.join(wrong)}")
    if not found:
        return ("Both faces are sharp, well lit, large enough and facing the camera: to the model these two simply "
                "look somewhat alike. Another photo of each, from another day, usually settles it.")
    problems = "; ".join(found)
    return f"What may be in the way: {problems}. A sharper, better lit, front-facing photo usually settles it."
