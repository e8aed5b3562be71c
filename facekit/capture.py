"""Webcam captures: judge a shot, frame the face like LFW, save it, list and delete captures.

A capture is a 250x250 JPEG in ``data/anchor/`` or ``data/positive/`` named
``<person>_<timestamp><random>.jpg``: the identity is the part before the last underscore.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .chips import forget_chip
from .config import Config
from .data import identity_of, is_lfw_person, list_photos
from .errors import DataError, FacekitError
from .faces import Face, detect_faces, main_face
from .images import ImageSource, draw_box, light_and_focus, load_image, save_jpeg_atomic, to_grey

if TYPE_CHECKING:
    from .gallery import Gallery

KINDS = ("anchor", "positive")


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


_MAX_NAME = 60


def person_name(text: str) -> str:
    """A typed name as a safe file-name part, in any script: ``"Ada Lovelace"`` -> ``"Ada_Lovelace"``,
    ``"José"``, ``"李雷"`` and ``"محمد"`` stay as they are.

    Letters and digits of any script, ``-`` and ``'`` are kept; every other run of characters
    (spaces, ``/``, ``.``) becomes one ``_``. When that changes more than the spaces (``"../etc"``)
    or the name is longer than 60 characters, six characters of a digest of the typed name are
    appended, so two different names never become one person. Raises :class:`DataError` when
    no letter or digit is left.
    """
    typed = unicodedata.normalize("NFC", " ".join(text.split()))
    name = re.sub(r"_+", "_", "".join(c if c.isalnum() or c in "-'" else "_" for c in typed)).strip("_")
    if not any(c.isalnum() for c in name):
        raise DataError("Type a name with at least one letter or digit")
    if name.replace("_", " ") != typed.replace("_", " ") or len(name) > _MAX_NAME:  # "_" is a space: idempotent
        name = f"{name[:_MAX_NAME - 7]}-{hashlib.sha1(typed.encode()).hexdigest()[:6]}"
    return name


def display_name(person: str) -> str:
    """How a person's file-name part is shown: ``"Ada_Lovelace"`` -> ``"Ada Lovelace"`` (a visitor's
    mark and a digest that :func:`person_name` appended are left out)."""
    return re.sub(r"(-[0-9a-f]{6})?(~[0-9a-f]{8})?$", "", person).replace("_", " ")


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


def frame_like_lfw(image: np.ndarray, face: Face, config: Config | None = None) -> np.ndarray:
    """A ``(photo_size, photo_size, 3)`` uint8 crop centred on the face, the face filling
    ``capture_face_share`` of the width, as LFW frames its photos. Edges are replicated where the
    crop leaves the frame."""
    config = config or Config()
    x, y, w, h = face.box
    side = max(1, round(w / config.capture_face_share))
    centre_x, centre_y = x + w / 2, y + h / 2
    matrix = np.array(
        [[config.photo_size / side, 0, config.photo_size / 2 - centre_x * config.photo_size / side],
         [0, config.photo_size / side, config.photo_size / 2 - centre_y * config.photo_size / side]],
        dtype=np.float32,
    )
    return cv2.warpAffine(image, matrix, (config.photo_size, config.photo_size), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class Viewer:
    """Who is using the app, for whose photos they may see and delete.

    A visitor's captures carry a mark made from their browser session's ``token`` (``~`` and 8
    hex digits after the name, e.g. ``Ada_Lovelace~1a2b3c4d_<stamp>.jpg``): only that session
    sees or deletes them, and two visitors who type the same name never become one person. The
    ``presenter`` sees and deletes everyone's and may add photos to LFW's people; the presenter's
    own captures carry no mark.
    """

    token: str
    presenter: bool = False

    @property
    def mark(self) -> str:
        return "" if self.presenter else _VISITOR + hashlib.sha256(self.token.encode()).hexdigest()[:8]

    def owns(self, identity: str) -> bool:
        """May this viewer see and delete the photos of ``identity`` (a capture file's person part)?"""
        return self.presenter or identity.endswith(self.mark)

    def sees(self, identity: str) -> bool:
        """Visitors' photos are for their taker and the presenter; LFW's and the presenter's are for all."""
        return _VISITOR not in identity or self.owns(identity)


_VISITOR = "~"  # never produced by person_name: it marks a visitor's capture


def is_visitors(identity: str) -> bool:
    """Whether a capture identity is a visitor's (marked), not LFW's or the presenter's."""
    return _VISITOR in identity


def save_capture(image: ImageSource, person: str, kind: str, config: Config | None = None,
                 viewer: Viewer | None = None, gallery: Gallery | None = None) -> tuple[Path, ShotQuality]:
    """Judge a shot, frame its face like LFW and save it as ``data/<kind>/<person><mark>_<unique>.jpg``.

    ``kind`` is ``"anchor"`` or ``"positive"``; ``viewer`` (None: the command line, no mark) owns
    it. An anchor is also enrolled in ``gallery`` when one is given (its id is the file's stem).
    The file is written atomically under a new name, never over another. Returns the path and
    the shot's quality (saved even when it has problems, so the person can decide; the caller
    shows them). Raises :class:`~facekit.errors.NoFaceFound`, :class:`~facekit.errors.InvalidImage`
    or :class:`DataError` (a visitor typing one of LFW's people, too many photos).
    """
    config = config or Config()
    if kind not in KINDS:
        raise DataError(f"A capture is an anchor or a positive, not {kind!r}.")
    name = person_name(person)
    if viewer and not viewer.presenter and is_lfw_person(name, config):
        raise DataError(f"{display_name(name)} is one of the people in LFW, the photos the model learns from",
                        "Type your own name: only the presenter can add photos of LFW's people.")
    identity = name + (viewer.mark if viewer else "")
    if sum(identity_of(p) == identity for p in list_photos(config.data_dir / kind)) >= config.max_captures_per_person:
        raise DataError(f"{display_name(name)} already has {config.max_captures_per_person} {kind} photos, the most we keep",
                        "Delete a few to take new ones.")
    frame = load_image(image, config)
    quality = judge_shot(frame, config)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = config.data_dir / kind / f"{identity}_{stamp}{secrets.token_hex(3)}.jpg"
    save_jpeg_atomic(frame_like_lfw(frame, quality.face, config), path, config.jpeg_quality)
    if gallery is not None and kind == "anchor":
        try:
            gallery.enrol(display_name(name), path, photo_id=path.stem, owner=(viewer.mark or None) if viewer else None)
        except FacekitError:
            path.unlink()  # saved and enrolled together, or neither
            raise
    return path, quality


def captures(person: str, config: Config | None = None, viewer: Viewer | None = None) -> dict[str, list[Path]]:
    """A person's saved photos that ``viewer`` may see: ``{"anchor": [...], "positive": [...]}``,
    oldest first. A visitor gets their own; the presenter everyone's under that name; no viewer
    (the command line) the unmarked ones."""
    config = config or Config()
    name = person_name(person)

    def wanted(identity: str) -> bool:
        if viewer and viewer.presenter:
            return identity == name or identity.startswith(name + _VISITOR)
        return identity == name + (viewer.mark if viewer else "")

    return {kind: [p for p in list_photos(config.data_dir / kind) if wanted(identity_of(p))] for kind in KINDS}


def delete_capture(path: Path, config: Config | None = None, viewer: Viewer | None = None,
                   gallery: Gallery | None = None) -> None:
    """Delete one capture with its cached face chip (and its enrolled copy in ``gallery``).

    Only files directly in ``data/anchor`` or ``data/positive`` are deleted, and only the
    viewer's own (:meth:`Viewer.owns`); anything else raises :class:`DataError`.
    """
    config = config or Config()
    path = Path(path).resolve()
    allowed = {(config.data_dir / kind).resolve() for kind in KINDS}
    if path.parent not in allowed or not path.is_file():
        raise DataError(f"{path.name} is not a saved capture.")
    if viewer and not viewer.owns(identity_of(path)):
        raise DataError("This photo belongs to another visitor.")
    if gallery is not None:  # first: when the gallery cannot be reached, nothing is deleted
        gallery.discard(path.stem)
    forget_chip(path, config)
    path.unlink()


def delete_person(person: str, config: Config | None = None, viewer: Viewer | None = None,
                  gallery: Gallery | None = None) -> int:
    """Forget a person: every photo of theirs that ``viewer`` may delete, their face chips and
    enrolled copies; return how many photos were deleted."""
    config = config or Config()
    removed = 0
    for paths in captures(person, config, viewer).values():
        for path in paths:
            delete_capture(path, config, viewer, gallery)
            removed += 1
    return removed


def remove_expired_captures(config: Config | None = None, gallery: Gallery | None = None, now: float | None = None) -> int:
    """Delete visitors' captures older than ``config.capture_retention_days`` (with their chips
    and enrolled copies); LFW's photos and the presenter's stay. Returns how many went."""
    config = config or Config()
    cutoff = (time.time() if now is None else now) - config.capture_retention_days * 86400
    expired = [p for kind in KINDS for p in list_photos(config.data_dir / kind)
               if is_visitors(identity_of(p)) and p.stat().st_mtime < cutoff]
    for path in expired:
        delete_capture(path, config, gallery=gallery)
    return len(expired)


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
        with self._lock:
            self._image = image
            if feedback is not None:
                self._feedback = feedback

    def get(self) -> np.ndarray | None:
        """A copy of the newest frame, ``(H, W, 3)`` uint8 RGB, or None before the first one."""
        with self._lock:
            return None if self._image is None else self._image.copy()

    @property
    def feedback(self) -> ShotQuality | str | None:
        with self._lock:
            return self._feedback


def live_feedback(image: np.ndarray, config: Config | None = None) -> ShotQuality | str:
    """Judge a video frame: its :class:`ShotQuality`, or the reason there is no usable face."""
    try:
        return judge_shot(image, config or Config())
    except FacekitError as exc:
        return exc.reason


def annotate(image: np.ndarray, feedback: ShotQuality | str | None) -> np.ndarray:
    """A frame with the last feedback drawn on it: a green box on a good face, orange with the
    problem otherwise. Drawn on every frame, from the last judged one (judging is slower than
    the video), so the box stays on screen instead of flickering."""
    if not isinstance(feedback, ShotQuality):
        return image
    colour = (40, 200, 60) if feedback.ok else (255, 150, 0)
    return draw_box(image, feedback.face.box, colour, "Good shot" if feedback.ok else feedback.problems[0])
