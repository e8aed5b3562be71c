"""The live camera: the newest frame between the video thread and the page, live feedback on
it, and a cooldown against bursts of clicks. Nothing here calls Streamlit: the video callback runs
on its own thread."""

from __future__ import annotations

import threading
import time

import numpy as np

from facekit.config import Config
from facekit.errors import FacekitError, NoFaceFound
from facekit.faces.images import draw_box
from facekit.faces.quality import ShotQuality, judge_shot

class Cooldown:
    """At most one go every ``seconds``: keep one per browser session (in its session state) so
    that a held-down key or a burst of clicks costs the server one piece of work, not forty."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._last = -float("inf")
        self._lock = threading.Lock()

    def ready(self) -> bool:
        """True (and the clock restarts) when the last go is at least ``seconds`` ago."""
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.seconds:
                return False
            self._last = now
            return True


class LatestFrame:
    """The newest webcam frame, handed from the video thread to the page through a lock.

    The video callback calls :meth:`put`; the page calls :meth:`get` when a button is pressed.
    Also keeps the last :class:`ShotQuality` the video thread measured (or the reason it has none),
    for live feedback.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._image: np.ndarray | None = None
        self._judged: np.ndarray | None = None
        self._feedback: ShotQuality | str | None = None
        self._judged_at = 0.0

    def feedback_due(self, every_s: float) -> bool:
        """True at most once every ``every_s`` seconds: face detection is too slow for every frame."""
        with self._lock:
            if time.monotonic() - self._judged_at < every_s:
                return False
            self._judged_at = time.monotonic()
            return True

    def put(self, image: np.ndarray, feedback: ShotQuality | str | None = None) -> None:
        """A new frame, and the feedback on it when it was judged."""
        with self._lock:
            self._image = image
            if feedback is not None:
                self._feedback, self._judged = feedback, image

    def get(self) -> np.ndarray | None:
        """A copy of the frame the feedback on screen is about (the last judged one; the newest
        before any), ``(H, W, 3)`` uint8 RGB, or None before the first frame: the photo saved is
        the one the overlay called a good shot, judged again by the same function when saved."""
        with self._lock:
            frame = self._judged if self._judged is not None else self._image
            return None if frame is None else frame.copy()

    @property
    def feedback(self) -> ShotQuality | str | None:
        with self._lock:
            return self._feedback


def live_feedback(image: np.ndarray, config: Config | None = None) -> ShotQuality | str:
    """Judge a video frame: its :class:`ShotQuality`, or what to do when there is no usable face,
    said to the person in front of the camera (not about "this photo")."""
    try:
        return judge_shot(image, config or Config())
    except NoFaceFound as exc:
        return "Your face is too small in the picture: come closer" if "too small" in exc.reason else \
            "No face in view yet: look into the camera, in good light"
    except FacekitError as exc:
        return exc.reason


def shot_words(quality: ShotQuality) -> str:
    """A judged shot in plain words: ``"good shot: well lit, sharp, near enough"`` or what to fix."""
    if not quality.ok:
        return "; ".join(quality.problems)
    return "good shot ✅: well lit, sharp, near enough"


def annotate(image: np.ndarray, feedback: ShotQuality | str | None) -> np.ndarray:
    """A frame with the last feedback drawn on it: a green box on a good face, orange with the
    problem otherwise. Drawn on every frame, from the last judged one (judging is slower than
    the video), so the box stays on screen instead of flickering."""
    if not isinstance(feedback, ShotQuality):
        return image
    colour = (40, 200, 60) if feedback.ok else (255, 150, 0)
    return draw_box(image, feedback.face.box, colour, "Good shot" if feedback.ok else feedback.problems[0])
