"""Webcam captures: frame the face like LFW, save it, list and delete captures.

A capture is a 250x250 JPEG in ``data/anchor/`` or ``data/positive/`` named
``<person>_<timestamp><random>.jpg``: the identity is the part before the last underscore.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from facekit.config import Config
from facekit.data.folders import identity_of, is_lfw_person, list_photos
from facekit.errors import DataError, FacekitError
from facekit.faces.chips import forget_chip
from facekit.faces.detect import Face
from facekit.faces.images import ImageSource, load_image, save_jpeg_atomic
from facekit.faces.quality import ShotQuality, judge_shot
from facekit.gallery.people import EVERYONE, Gallery
from facekit.names import display_name, file_name_part


KINDS = ("anchor", "positive")


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

    @property
    def gallery_owner(self) -> str | None:
        """Whose enrolled photos this viewer's are in the gallery: the visitor's mark, or None
        (nobody's, like the API's) for the presenter."""
        return None if self.presenter else self.mark

    @property
    def searches_as(self) -> str | tuple[str | None, str]:
        """The gallery owners to search as: the demo's people (enrolled by the operator: the command
        line, the API, the presenter; nobody's) and the visitor's own; the presenter searches everyone's."""
        return EVERYONE if self.presenter else (None, self.mark)

    def owns(self, identity: str) -> bool:
        """May this viewer see and delete the photos of ``identity`` (a capture file's person part)?"""
        return self.presenter or identity.endswith(self.mark)

    def sees(self, identity: str) -> bool:
        """Visitors' photos are for their taker and the presenter; LFW's and the presenter's are for all."""
        return _VISITOR not in identity or self.owns(identity)


_VISITOR = "~"  # never produced by file_name_part: it marks a visitor's capture


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
    name = file_name_part(person)
    if viewer and not viewer.presenter and is_lfw_person(name, config):
        raise DataError(f"{display_name(name)} is one of the people in LFW, the photos the model learns from",
                        "Type your own name: only the presenter can add photos of LFW's people.")
    if viewer and not viewer.presenter and gallery is not None and gallery.is_demo_person(display_name(name)):
        raise DataError(f"{display_name(name)} is one of this demo's people, enrolled by whoever runs it",
                        "Type your own name: a name belongs to one person here.")
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
            gallery.enrol(display_name(name), path, photo_id=path.stem, owner=viewer.gallery_owner if viewer else None)
        except FacekitError:
            path.unlink()  # saved and enrolled together, or neither
            raise
    return path, quality


def captures(person: str, config: Config | None = None, viewer: Viewer | None = None) -> dict[str, list[Path]]:
    """A person's saved photos that ``viewer`` may see: ``{"anchor": [...], "positive": [...]}``,
    oldest first. A visitor gets their own; the presenter everyone's under that name; no viewer
    (the command line) the unmarked ones."""
    config = config or Config()
    name = file_name_part(person)

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
