"""The Live page's check: a prompt drawn at random, followed on the video look by look.

The person is asked to turn their head to one side and back, and to blink; the side and the order
are drawn at random each time, so a recording of them passes only if it happens to follow the
prompt in time. Each step is seen on the face mesh (the turn by its yaw from the first frontal
looks, the blink by the eyes closing and opening again); once every step is done, the whole run
must show the 3D evidence of :mod:`facekit.liveness.check` as well.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from facekit.liveness.check import FLAT, LOST, NO_TURN, SEVERAL, TURN_NEEDED, Liveness, judge
from facekit.liveness.evidence import Look

OTHER_WAY = "turned the other way"
NO_BLINK = "no blink seen"
NOT_BACK = "did not look back at the camera"
_BACK_WITHIN = 10.0  # degrees from the first frontal looks: looking at the camera again
_SHUT, _OPEN = 0.6, 0.85  # eyes this share of their usual opening: shut; and open again
_FIRST_LOOKS = 5  # looks that set where "frontal" and "open" are
_SEVERAL_LOOKS = 10  # looks in a row with several faces before the check stops
_LOST_S = 1.5  # seconds without a face before the check stops


@dataclass(frozen=True)
class Step:
    """One thing to do: ``kind`` "turn", "back" or "blink", and the ``words`` that ask for it."""

    kind: str
    words: str


class Challenge:
    """A random prompt followed look by look (:meth:`see`); :attr:`prompt` is what to do now,
    :attr:`answer` the outcome once there is one (the time limit is ``seconds`` from the first look).
    Not thread-safe: one caller at a time (the Live namer calls it under its lock)."""

    def __init__(self, seconds: float = 12.0, rng: random.Random | None = None) -> None:
        rng = rng or random.SystemRandom()
        self.side = rng.choice(("left", "right"))
        turn = [Step("turn", f"Turn your head to your {self.side}"), Step("back", "Now look back at the camera")]
        blink = [Step("blink", "Blink once")]
        self.steps = turn + blink if rng.random() < 0.5 else blink + turn
        self.seconds = seconds
        self._done = 0
        self._looks: list[Look] = []
        self._started: float | None = None
        self._last_face: float | None = None
        self._several = 0
        self._shut = False
        self.answer: Liveness | None = None
        self.answered_at: float | None = None  # the look's time (seconds, monotonic) that brought the answer

    @property
    def prompt(self) -> str:
        """What to do now ("Turn your head to your left"), or "" once answered."""
        if self.answer is not None:
            return ""
        return "Look at the camera" if len(self._looks) < _FIRST_LOOKS else self.steps[self._done].words

    def see(self, look: Look, now: float) -> None:
        """One look at the video (``now`` in seconds, monotonic)."""
        if self.answer is not None:
            return
        self._started = now if self._started is None else self._started
        self._several = self._several + 1 if look.faces > 1 else 0
        if look.mesh is not None:
            self._last_face = now
            self._looks.append(look)  # at most the time limit's worth: it answers then
        if self._several >= _SEVERAL_LOOKS:
            self._fail(SEVERAL)
        elif now - (self._last_face if self._last_face is not None else self._started) > _LOST_S:
            self._fail(LOST)
        elif now - self._started > self.seconds:
            self._fail({"turn": NO_TURN, "back": NOT_BACK, "blink": NO_BLINK}[self.steps[self._done].kind])
        elif look.mesh is not None and len(self._looks) > _FIRST_LOOKS:
            self._follow(look)
        if self.answer is not None:
            self.answered_at = now

    def _follow(self, look: Look) -> None:
        step = self.steps[self._done].kind
        first = self._looks[:_FIRST_LOOKS]
        towards = (look.yaw - statistics.median(x.yaw for x in first)) * (1 if self.side == "left" else -1)
        if step == "turn" and towards <= -TURN_NEEDED:
            return self._fail(OTHER_WAY)
        usual_opening = statistics.median(x.eyes_open for x in self._looks[-30:])
        self._shut = self._shut or look.eyes_open < _SHUT * usual_opening
        if ((step == "turn" and towards >= TURN_NEEDED) or (step == "back" and abs(towards) <= _BACK_WITHIN)
                or (step == "blink" and self._shut and look.eyes_open >= _OPEN * usual_opening)):
            self._done, self._shut = self._done + 1, False  # a blink counts only once it is asked for
        if self._done == len(self.steps):
            self.answer = judge(self._looks)  # every step followed: the whole run must show a head in 3D too

    def _fail(self, reason: str) -> None:
        """Stop with ``reason``; a face that moved like a flat picture is said to have, whatever step it was at."""
        evidence = judge(self._looks) if len(self._looks) >= 3 else None
        flat = evidence is not None and evidence.reason == FLAT and reason not in (SEVERAL, LOST)
        self.answer = Liveness(False, FLAT if flat else reason, *((evidence.turn, evidence.depth) if evidence else ()))
