"""The verdict rule: where a P(same) becomes "same", "different" or "not sure", and the words for it.

Everything that turns a score into an answer comes here: the verifier, the gallery, the pages,
the command line, the API and the evaluation's counts. A new line (say, a stricter one for
"who is this?") is a field of :class:`Thresholds`, recorded by calibration in the model's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Decision = Literal["same", "different", "unsure"]

# The words a person reads for each answer, on every screen and in the command line.
ANSWERS: dict[str, str] = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}


def decide(probabilities, different_below: float, same_from: float):
    """Answer "same" from ``same_from`` up, "different" below ``different_below``, "unsure" between.

    ``probabilities`` is one P(same) in [0, 1] or an array of them; the answer has its shape
    (a numpy string array for an array). One line for both (``different_below == same_from``)
    leaves no "unsure".
    """
    scores = np.asarray(probabilities, dtype=float)
    return np.where(scores >= same_from, "same", np.where(scores < different_below, "different", "unsure"))


@dataclass(frozen=True)
class Thresholds:
    """Where the model's answers change, on the calibrated P(same) in [0, 1].

    "same" from ``same_from`` up, "different" below ``different_below``, "unsure" between; both
    were chosen on validation people (see the model card). ``accuracy`` is the single threshold
    with the best validation accuracy, the one published figures use.
    """

    accuracy: float
    same_from: float
    different_below: float
    # "Who is this?" names the best match from here: among many people, a stranger has many chances
    # to pass the "same" line. Defaults to it for a model that records no line of its own.
    identify_from: float | None = None

    @classmethod
    def single(cls, threshold: float) -> "Thresholds":
        """One line for everything: two answers only, no "unsure"."""
        return cls(threshold, threshold, threshold, threshold)

    def with_same_from(self, line: float) -> "Thresholds":
        """The same lines with "same" moved to ``line`` (stricter or more lenient); the
        "different" line follows it down when it would cross."""
        return Thresholds(self.accuracy, line, min(self.different_below, line), self.identify_from)

    def decide(self, probability: float) -> Decision:
        """The answer for one P(same): see :func:`decide`."""
        return str(decide(probability, self.different_below, self.same_from))
