"""What the gallery answers: plain frozen values (an enrolled photo, a person, a match, who is in a
photo), apart from the :class:`~facekit.gallery.people.Gallery` that makes them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facekit.faces.align import FaceChip
from facekit.faces.detect import Face


@dataclass(frozen=True)
class EnrolledPhoto:
    """One enrolled photo of ``person``. ``box`` is ``(x, y, width, height)`` and ``landmarks``
    five ``(x, y)`` (eyes, nose, mouth corners), in pixels of the stored photo (at most
    ``config.display_max_side`` on its longer side); ``problems`` says what makes it a weak
    reference ("too dark...", "blurred...", "face too small..."), empty when it is good;
    ``added`` is a Unix time in seconds."""

    id: str
    person: str
    box: tuple[int, int, int, int]
    landmarks: tuple[tuple[float, float], ...]
    problems: tuple[str, ...]
    added: float


@dataclass(frozen=True)
class Person:
    name: str
    photos: int


@dataclass(frozen=True)
class Match:
    """A person's best P(same) in [0, 1] against a probe, and the enrolled photo that gave it;
    ``same_photo`` when the probe is that very photo (or a crop or copy of it): a match that says
    nothing about the person."""

    name: str
    probability: float
    photo_id: str
    same_photo: bool = False


@dataclass(frozen=True)
class Identification:
    """Who a probe photo shows: ``person`` is the best match when its probability reaches
    ``threshold`` (a confident "same"), else None: nobody enrolled, which is a normal answer.
    ``matches`` are the closest people, best first; ``probe`` the face that was searched for."""

    person: str | None
    matches: tuple[Match, ...]
    threshold: float
    probe: FaceChip


@dataclass(frozen=True)
class FaceIdentity:
    """One face of a photo searched among the enrolled (:meth:`Gallery.identify_faces`).

    ``number`` is the face's (1, 2, ... left to right), ``face`` where it is in the photo;
    ``verdict`` is "known" (``person`` is who it is: the best match reaches ``threshold``),
    "unknown" (nobody comes near: the best is below the model's "different" line) or "not sure"
    (between the two; ``person`` is None for both); ``probability`` is the best match's P(same)
    in [0, 1] (0 with nobody enrolled); ``problems`` what may weaken the answer ("dark",
    "blurred", "small", "head turned"...); ``chip`` the aligned face that was searched for."""

    number: int
    face: Face
    verdict: str
    person: str | None
    probability: float
    matches: tuple[Match, ...]
    problems: tuple[str, ...]
    chip: np.ndarray

    def as_dict(self) -> dict:
        """The answer as the API and ``facekit identify --json`` give it (box ``[x, y, w, h]``)."""
        return {"number": self.number, "box": [int(v) for v in self.face.box], "person": self.person,
                "verdict": self.verdict, "probability": round(self.probability, 6),
                "matches": [{"name": m.name, "probability": round(m.probability, 6), "photo_id": m.photo_id}
                            for m in self.matches], "problems": list(self.problems)}


@dataclass(frozen=True)
class PhotoIdentities:
    """Every face of a photo searched among the enrolled: ``faces`` one answer per face, left to
    right, in ``photo`` (the upright ``(H, W, 3)`` uint8 RGB photo their boxes are in); ``main``
    is the most prominent face's answer; ``threshold`` the "known" line used (a P(same))."""

    photo: np.ndarray
    faces: tuple[FaceIdentity, ...]
    main: FaceIdentity
    threshold: float
