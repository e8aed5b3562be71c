"""Why this answer: which parts of the two faces drove the score.

Occlusion sensitivity: each face chip is covered one square at a time (a ``grid`` x ``grid``
pattern of grey squares), and the model scores the covered chip against the other, uncovered one.
Where covering a square lowers P(same), that part of the face made the two look alike; where it
raises it, that part looked different. The squares are read as face parts (eyes, nose, mouth...)
from where the alignment template puts them, so the answer can be said in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facekit.faces.align import chip_template
from facekit.model.verifier import Verifier

# Face parts by the template's five points (left eye, right eye, nose, mouth corners): a square
# belongs to the part whose points are nearest its centre, within a reach; else to what lies
# above the eyes, beside the face or below the mouth.
_PARTS = (("the eyes", (0, 1)), ("the nose", (2,)), ("the mouth", (3, 4)))
_REACH = 0.17  # of the chip's side
_NOTABLE = 0.02  # a change in P(same) smaller than this is no reason


@dataclass(frozen=True)
class Explanation:
    """What drove the score ``probability`` of two chips.

    ``changes`` is ``(2, grid, grid)``: for each chip, P(same) with that square covered minus
    ``probability`` (negative: the square made them alike; positive: it made them differ).
    ``alike`` and ``differ`` name the face parts that did most, strongest first; ``words`` says it
    in a sentence.
    """

    probability: float
    changes: np.ndarray
    alike: tuple[str, ...]
    differ: tuple[str, ...]
    words: str


def explain(verifier: Verifier, chip_a: np.ndarray, chip_b: np.ndarray, grid: int = 6) -> Explanation:
    """Occlusion sensitivity of ``verifier``'s P(same) for two ``(chip_size, chip_size, 3)`` uint8
    chips: ``2 * grid**2`` covered chips embedded in one batch (about a second on two cores)."""
    side = chip_a.shape[0]
    cells = [(row, column) for row in range(grid) for column in range(grid)]
    edges = np.linspace(0, side, grid + 1).round().astype(int)
    embedded = verifier.embeddings(np.stack([chip_a, chip_b]))
    probability = float(verifier.probabilities_against(embedded[0], embedded[1:])[0])
    changes = np.zeros((2, grid, grid))
    for which, (chip, other) in enumerate(((chip_a, embedded[1]), (chip_b, embedded[0]))):
        covered = np.repeat(chip[None], len(cells), axis=0)
        for index, (row, column) in enumerate(cells):
            covered[index, edges[row] : edges[row + 1], edges[column] : edges[column + 1]] = 128
        scores = verifier.probabilities_against(other, verifier.embeddings(covered))
        changes[which] = (scores - probability).reshape(grid, grid)
    alike, differ = _parts_that_mattered(changes.mean(axis=0), verifier, side)
    return Explanation(probability, changes, alike, differ, _sentence(alike, differ, differences_first=probability < 0.5))


def _parts_that_mattered(change: np.ndarray, verifier: Verifier, side: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parts whose squares lowered P(same) most when covered (alike) and raised it (differ)."""
    grid = change.shape[0]
    points = chip_template(verifier.config) / side
    by_part: dict[str, list[float]] = {}
    for row in range(grid):
        for column in range(grid):
            centre = np.array([(column + 0.5) / grid, (row + 0.5) / grid])
            by_part.setdefault(_part_at(centre, points), []).append(float(change[row, column]))
    totals = {part: float(np.sum(values)) for part, values in by_part.items()}
    alike = tuple(p for p in sorted(totals, key=totals.get) if totals[p] <= -_NOTABLE)[:2]
    differ = tuple(p for p in sorted(totals, key=totals.get, reverse=True) if totals[p] >= _NOTABLE)[:1]
    return alike, differ


def _part_at(centre: np.ndarray, points: np.ndarray) -> str:
    distances = {name: min(np.hypot(*(centre - points[i])) for i in indices) for name, indices in _PARTS}
    nearest = min(distances, key=distances.get)
    if distances[nearest] <= _REACH:
        return nearest
    if centre[1] < points[:2, 1].mean():
        return "the forehead and hair"
    return "the chin and jaw" if centre[1] > points[3:, 1].mean() else "the cheeks"


def _sentence(alike: tuple[str, ...], differ: tuple[str, ...], differences_first: bool) -> str:
    said = [f"{' and '.join(alike)} matched" if alike else "", f"{differ[0]} looked different" if differ else ""]
    said = [part for part in (reversed(said) if differences_first else said) if part]
    if not said:
        return "No single part of the faces changed the score much: it rests on the whole face."
    sentence = "; ".join(said) + "."
    return sentence[0].upper() + sentence[1:]
