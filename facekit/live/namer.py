"""Every face on a live video boxed and named, without ever making the video wait for the model.

The video thread calls :meth:`LiveNamer.frame` on each frame: it finds the faces (one quick look,
~5 ms on 640x480), matches them to the tracked faces (:mod:`facekit.live.tracks`), hands at most
one face to the recogniser, and draws every face with the name it holds. The recogniser, a thread
of its own, cuts the face out, runs the tower and searches the enrolled people, then adds what it
saw to that face's evidence. The recogniser works on one face at a time and is handed a new one
only when it is free: frames are dropped, never queued, and a viewer who stops the video (or
closes the tab) stops all of it; an idle recogniser ends after a few seconds.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from facekit.errors import FacekitError
from facekit.faces.align import align_face
from facekit.faces.detect import Face, face_meshes
from facekit.faces.images import ANSWER_COLOURS, draw_banner, draw_boxes
from facekit.gallery.people import Gallery
from facekit.live.tracks import FaceTracks, Recognition, TrackedFace
from facekit.liveness.challenge import Challenge
from facekit.liveness.check import Liveness
from facekit.liveness.evidence import look_of
from facekit.model.verifier import Verifier

_IDLE_S = 5.0  # a recogniser with nothing to do this long ends (the video stopped)
_RATE_WINDOW_S = 2.0  # frames and recognitions per second are counted over this much time
_LOOKING = (120, 170, 230)  # a face not named yet: light blue, "…"


@dataclass(frozen=True)
class LivenessCheck:
    """Where the liveness check stands: ``prompt`` (what to do now, "" once answered), ``answer``
    (None until there is one), ``person``, the name the checked face holds (None: not named), and
    ``seconds_ago``, how long ago the answer came (None before it)."""

    prompt: str
    answer: Liveness | None
    person: str | None
    seconds_ago: float | None = None

    @property
    def words(self) -> str:
        """The answer for the room: "Live person: Ada Lovelace", "Could not confirm a live person (no blink seen)"."""
        if self.answer is None:
            return self.prompt
        if self.answer.live:
            return "Live person" + (f": {self.person}" if self.person else "")
        return f"Could not confirm a live person ({self.answer.reason})"


@dataclass(frozen=True)
class InView:
    """What the Live page says beside the video, at one moment.

    ``faces`` in view (left to right); ``frames_per_second`` shown, and ``recognitions_per_second``
    (faces looked at by the model), over the last two seconds; ``seconds_to_name`` the median time
    from a face appearing to its first answer (recent faces), None before any; ``problem`` why
    nobody can be named (e.g. the gallery's database is down), None when all is well.
    """

    faces: tuple[TrackedFace, ...]
    frames_per_second: float
    recognitions_per_second: float
    seconds_to_name: float | None
    problem: str | None = None

    @property
    def words(self) -> str:
        """Who is in view, for the room: "In view: Serena Williams (sure) · someone I don't know"."""
        if not self.faces:
            return "Nobody in view."
        return "In view: " + " · ".join(_in_words(face) for face in self.faces)

    @property
    def status(self) -> str:
        """A small line: "2 faces · 24 frames a second · named 0.21 s after appearing"."""
        parts = [f"{len(self.faces)} face{'' if len(self.faces) == 1 else 's'}",
                 f"{self.frames_per_second:.0f} frames a second"]
        if self.seconds_to_name is not None:
            parts.append(f"named {self.seconds_to_name:.2f} s after appearing")
        return " · ".join(parts)


class LiveNamer:
    """One viewer's live video: faces found, tracked and named. Safe to call from the video thread
    while the page reads :meth:`in_view` from another.

    ``searched``: where names come from, as ``(gallery, owner)`` pairs searched together (e.g. the
    shared gallery, this visitor's own people, the example people; see
    :meth:`~facekit.gallery.people.Gallery.identify_embedding`); each person's best P(same) counts.
    """

    def __init__(self, verifier: Verifier, searched: list[tuple[Gallery, str | None]]) -> None:
        self._verifier = verifier
        self._config = verifier.config  # cuts faces the way this model takes them
        self._searched = searched
        lines = verifier.thresholds
        self._tracks = FaceTracks(known_from=lines.identify_from, unsure_from=min(lines.different_below, lines.identify_from))
        self._lock = threading.Condition()
        self._job: tuple[int, np.ndarray, Face] | None = None
        self._busy = False
        self._recogniser: threading.Thread | None = None
        self._in_view: tuple[TrackedFace, ...] = ()
        self._frames: deque[float] = deque()
        self._recognitions: deque[float] = deque()
        self._problem: str | None = None
        self._challenge: Challenge | None = None

    def frame(self, image: np.ndarray) -> np.ndarray:
        """A video frame ``(H, W, 3)`` uint8 RGB -> a copy with every face boxed and named.
        Returns at once: recognition happens on the recogniser's thread. The faces' meshes, found
        with them, follow a liveness check while one runs (a few microseconds a frame)."""
        found = face_meshes(image, self._config)
        faces = [face for face, _ in found]
        now = time.monotonic()
        with self._lock:
            if self._challenge is not None:
                self._challenge.see(look_of(found), now)
            in_view = self._tracks.update(faces, now)
            self._in_view = tuple(sorted(in_view, key=lambda face: face.box[0]))
            _count(self._frames, now)
            due = None if self._job is not None or self._busy else self._tracks.due(now, self._large_enough)
            if due is not None:
                number, face = due
                self._job = (number, image, face)
                self._start_recogniser()
                self._lock.notify()
            prompt = self._challenge.prompt if self._challenge is not None else ""
        drawn = _drawn(image, in_view, self._config.min_face_pixels)
        return draw_banner(drawn, prompt) if prompt else drawn  # the check's prompt on the video, where the person looks

    def in_view(self) -> InView:
        """Who is in view now, and how fast it goes."""
        with self._lock:
            now = time.monotonic()
            times = list(self._tracks.times_to_name)
            return InView(self._in_view if self._frames and now - self._frames[-1] < 1.0 else (),
                          _rate(self._frames, now), _rate(self._recognitions, now),
                          statistics.median(times) if times else None, self._problem)

    def start_check(self, challenge: Challenge | None = None) -> None:
        """Start a liveness check on the video (a new random prompt unless ``challenge`` is given)."""
        with self._lock:
            self._challenge = challenge or Challenge()

    def liveness(self) -> LivenessCheck | None:
        """The liveness check's state, None when none was started. The person checked is the face
        in view the largest, named as it is now."""
        with self._lock:
            if self._challenge is None:
                return None
            largest = max(self._in_view, key=lambda face: face.box[2], default=None)
            named = largest is not None and largest.answer is not None and largest.answer.verdict == "known"
            answered = self._challenge.answered_at
            return LivenessCheck(self._challenge.prompt, self._challenge.answer, largest.answer.person if named else None,
                                 None if answered is None else time.monotonic() - answered)

    @property
    def names_changed(self) -> int:
        """How often a face's shown name changed to another while it stayed in view (flicker)."""
        with self._lock:
            return self._tracks.names_changed

    def _large_enough(self, face: Face) -> bool:
        return face.box[2] >= self._config.min_face_pixels

    def _start_recogniser(self) -> None:
        if self._recogniser is None or not self._recogniser.is_alive():
            self._recogniser = threading.Thread(target=self._recognise_forever, name="facekit-live-recogniser", daemon=True)
            self._recogniser.start()

    def _recognise_forever(self) -> None:
        while True:
            with self._lock:
                if not self._lock.wait_for(lambda: self._job is not None, timeout=_IDLE_S):
                    self._recogniser = None
                    return
                (number, image, face), self._job, self._busy = self._job, None, True
                previous = self._tracks.previous_embedding(number)
            try:
                recognition, problem = self._recognise(image, face, previous), None
            except FacekitError as error:  # a blurred frame's landmarks, the gallery's database down
                recognition, problem = None, str(error)
            with self._lock:
                now = time.monotonic()
                self._busy, self._problem = False, problem
                if recognition is not None:
                    self._tracks.recognised(number, recognition, now)
                    _count(self._recognitions, now)

    def _recognise(self, image: np.ndarray, face: Face, previous: np.ndarray | None) -> Recognition:
        """One look at one face: its embedding, each searched person's P(same) (the best of their
        photos, in any searched gallery), and whether it is someone else than ``previous`` showed."""
        embedding = self._verifier.embeddings(align_face(image, face.landmarks, self._config)[None])[0]
        people: dict[str, float] = {}
        for gallery, owner in self._searched:
            for match in gallery.identify_embedding(embedding, owner=owner)[1]:
                people[match.name] = max(people.get(match.name, 0.0), match.probability)
        someone_else = previous is not None and bool(
            self._verifier.probabilities_against(embedding, previous[None])[0] < self._verifier.thresholds.different_below)
        return Recognition(embedding, people, someone_else)


def _count(times: deque[float], now: float) -> None:
    times.append(now)
    while times and now - times[0] > _RATE_WINDOW_S:
        times.popleft()


def _rate(times: deque[float], now: float) -> float:
    """Events per second over the last :data:`_RATE_WINDOW_S` (0 when the last is older than that)."""
    recent = [t for t in times if now - t <= _RATE_WINDOW_S]
    return (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) >= 2 and recent[-1] > recent[0] else 0.0


def _in_words(face: TrackedFace) -> str:
    if face.answer is None:
        return "a face I'm still looking at"
    if face.answer.verdict == "known":
        return f"{face.answer.person} (sure)"
    if face.answer.verdict == "not sure":
        return f"not sure (maybe {face.answer.person})"
    return "someone I don't know"


def _drawn(image: np.ndarray, faces: list[TrackedFace], min_face_pixels: int) -> np.ndarray:
    """The frame with each face boxed in its answer's colour and labelled with it."""
    colours, labels = [], []
    for face in faces:
        if face.answer is not None:
            colours.append(ANSWER_COLOURS[face.answer.verdict])
            labels.append(face.answer.words)
        else:
            colours.append(_LOOKING)
            labels.append("come closer" if face.box[2] < min_face_pixels else "...")
    return draw_boxes(image, [face.box for face in faces], colours, labels)
