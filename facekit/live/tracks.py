"""Faces followed from frame to frame, each holding a name.

A face found in a new frame is the tracked face whose box it overlaps most (intersection over
union), so a face keeps its number, and its name, while it stays in view. Its name comes from the
evidence of its last recognitions (each person's median P(same) over them: one odd look, a blink,
motion blur, a turn, does not move a median), and the name shown changes only when two
recognitions in a row say so: names do not flicker. When a recognition says the face is no longer the person it was (the
model calls the two embeddings "different"), someone else stepped in: the evidence starts again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from facekit.faces.detect import Face

_SAME_FACE_IOU = 0.3  # a box overlapping a tracked face's last box this much is that face...
_SAME_FACE_STEP = 0.75  # ...else one whose centre is this many face widths from its centre, at most (a slow video's step)
_FORGET_AFTER_S = 0.6  # a face unseen this long has left (a missed detection or two is not leaving)...
_FORGET_AFTER_FRAMES = 3  # ...and in this many frames: on a slow machine (2 frames a second) names are held
_EVIDENCE = 5  # recognitions a face's answer comes from
_CHANGES_AFTER = 2  # recognitions in a row that must agree on another answer before it is shown
_RECHECK_EVERY_S = 1.0  # a named face is recognised again this often (when the recogniser is free)

VERDICTS = ("known", "not sure", "unknown")  # as Who is this? and /v1/identify say them


@dataclass(frozen=True)
class Answer:
    """Who a tracked face is: ``verdict`` one of :data:`VERDICTS`, ``person`` (the name, or the
    closest person when "not sure", None when "unknown"), ``probability`` the person's median
    P(same) over the face's last recognitions, in [0, 1]."""

    verdict: str
    person: str | None
    probability: float

    @property
    def words(self) -> str:
        """What the room reads on the video: the name, "Not sure" or "Someone I don't know"."""
        return self.person if self.verdict == "known" else "Not sure" if self.verdict == "not sure" else "Someone I don't know"


@dataclass(frozen=True)
class Recognition:
    """One look at a face by the model: its embedding ``(d,)`` and each searched person's P(same)
    (the closest few people), and whether the model calls it "different" from the face's previous
    look (someone else stepped into the same place)."""

    embedding: np.ndarray
    people: dict[str, float]
    someone_else: bool = False


@dataclass(frozen=True)
class TrackedFace:
    """A face in view: ``number`` (kept while it stays in view), ``box`` ``(x, y, w, h)`` in the
    frame's pixels, ``answer`` (None until its first recognition), ``seconds_to_name`` (from
    appearing to its first answer) and ``seconds_in_view``."""

    number: int
    box: tuple[int, int, int, int]
    answer: Answer | None
    seconds_to_name: float | None
    seconds_in_view: float


@dataclass
class _Track:
    number: int
    face: Face
    first_seen: float
    last_seen: float
    evidence: deque = field(default_factory=lambda: deque(maxlen=_EVIDENCE))
    shown: Answer | None = None
    named_at: float | None = None
    asked_at: float | None = None
    embedding: np.ndarray | None = None
    disagreeing: int = 0
    missed: int = 0  # frames since it was last seen

    def public(self, now: float) -> TrackedFace:
        return TrackedFace(self.number, self.face.box, self.shown,
                           None if self.named_at is None else self.named_at - self.first_seen, now - self.first_seen)


class FaceTracks:
    """The faces in view and their names. Not thread-safe: its owner (the namer) holds a lock.

    ``known_from`` is the P(same) from which a face is named (the model's identify line);
    ``unsure_from`` the one under which it is "someone I don't know" (its "different" line).
    """

    def __init__(self, known_from: float, unsure_from: float) -> None:
        self.known_from, self.unsure_from = known_from, unsure_from
        self._tracks: list[_Track] = []
        self._next_number = 1
        self.names_changed = 0  # times a shown name changed to another name: what flicker would count
        self.times_to_name: deque[float] = deque(maxlen=20)  # seconds from appearing to a first answer, recent faces

    def update(self, faces: list[Face], now: float) -> list[TrackedFace]:
        """Match a frame's faces (seen at ``now``, seconds on any steady clock) to the tracked ones,
        start tracks for new faces, forget faces gone for a while. Returns the faces in this frame."""
        self._tracks = [t for t in self._tracks if now - t.last_seen <= _FORGET_AFTER_S or t.missed < _FORGET_AFTER_FRAMES]
        unmatched = list(range(len(faces)))
        for track in sorted(self._tracks, key=lambda t: -t.last_seen):
            if (match := _same_face(track.face.box, [(i, faces[i].box) for i in unmatched])) is not None:
                track.face, track.last_seen, track.missed = faces[match], now, 0
                unmatched.remove(match)
            else:
                track.missed += 1
        for i in unmatched:
            self._tracks.append(_Track(self._next_number, faces[i], now, now))
            self._next_number += 1
        return [t.public(now) for t in self._tracks if t.last_seen == now]

    def due(self, now: float, usable) -> tuple[int, Face] | None:
        """The face that most needs a look by the model, as ``(number, face)``, or None: a face in
        view never looked at (the one waiting longest), else the face looked at least recently,
        once :data:`_RECHECK_EVERY_S` has passed since (a look can fail: a blurred frame). ``usable(face)`` says which faces can be
        recognised at all (e.g. large enough). Marks it as asked."""
        waiting = [t for t in self._tracks if t.last_seen == now and usable(t.face)
                   and (t.asked_at is None or now - t.asked_at >= _RECHECK_EVERY_S)]
        if not waiting:
            return None
        track = min(waiting, key=lambda t: (t.asked_at is not None, t.asked_at or t.first_seen))
        track.asked_at = now
        return track.number, track.face

    def previous_embedding(self, number: int) -> np.ndarray | None:
        """The embedding of the face's last recognition, to tell whether it is still the same person."""
        track = self._find(number)
        return None if track is None else track.embedding

    def recognised(self, number: int, recognition: Recognition, now: float) -> None:
        """Add a recognition to a face's evidence and update the answer shown (see the module's
        docstring). A face that left meanwhile is ignored."""
        track = self._find(number)
        if track is None:
            return
        if recognition.someone_else:
            track.evidence.clear()
            track.shown = None
        track.evidence.append(recognition.people)
        track.embedding = recognition.embedding
        answer = self._answer(track.evidence)
        if track.shown is None:
            track.shown, track.disagreeing = answer, 0
            if track.named_at is None:
                track.named_at = now
                self.times_to_name.append(now - track.first_seen)
        elif (answer.verdict, answer.person) == (track.shown.verdict, track.shown.person):
            track.shown, track.disagreeing = answer, 0  # the same answer, its probability refreshed
        else:
            track.disagreeing += 1
            if track.disagreeing >= _CHANGES_AFTER:
                self.names_changed += track.shown.words != answer.words
                track.shown, track.disagreeing = answer, 0

    def _answer(self, evidence: deque) -> Answer:
        people = {name for looked in evidence for name in looked}
        if not people:
            return Answer("unknown", None, 0.0)
        medians = {name: float(np.median([looked.get(name, 0.0) for looked in evidence])) for name in people}
        person = max(medians, key=medians.get)
        probability = medians[person]
        if probability >= self.known_from:
            return Answer("known", person, probability)
        if probability >= self.unsure_from:
            return Answer("not sure", person, probability)
        return Answer("unknown", None, probability)

    def _find(self, number: int) -> _Track | None:
        return next((t for t in self._tracks if t.number == number), None)


def _same_face(box: tuple, candidates: list[tuple[int, tuple]]) -> int | None:
    """Which of ``candidates`` (``(index, box)``) is the face last seen at ``box``: the one it
    overlaps most, when enough; else the nearest whose centre is within :data:`_SAME_FACE_STEP` face
    widths of its centre (a face that moved far between two frames of a slow video). None: it is not
    in this frame. Two people side by side stand further apart than that."""
    overlap, best = max(((_iou(box, other), i) for i, other in candidates), default=(0.0, None))
    if overlap >= _SAME_FACE_IOU:
        return best
    centre = np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])
    near = [(float(np.hypot(*(centre - (other[0] + other[2] / 2, other[1] + other[3] / 2)))), i) for i, other in candidates]
    distance, nearest = min(near, default=(np.inf, None))
    return nearest if distance <= box[2] * _SAME_FACE_STEP else None


def _iou(a: tuple, b: tuple) -> float:
    """Intersection over union of two ``(x, y, w, h)`` boxes, in [0, 1]."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    overlap = max(0, width) * max(0, height)
    return overlap / (a[2] * a[3] + b[2] * b[3] - overlap) if overlap else 0.0
