"""Finding the enrolled photos nearest a probe, fast at any size: candidates by cosine of the unit
embeddings, which the model's own head then scores exactly (:meth:`Gallery.identify_embedding`).

Up to :data:`EXACT_UP_TO` photos every row is a candidate (one matrix product, a few ms). Past it,
an inverted file: the rows are grouped under k-means centres (about the square root of their
number) and stored group by group; a search reads only the :data:`PROBED` share (20%) of groups whose
centres are nearest the probe. ``bench/identify_scale.py`` measures its speed and its recall
against exact search on real LFW embeddings.
"""

from __future__ import annotations

import numpy as np

EXACT_UP_TO = 20_000
# Of the groups, the nearest first. Chosen on the LFW training people's 9,525 embeddings (500
# probes, recall@1 against exact search): 5% 0.916, 10% 0.966, 20% 0.994, 30% 0.998.
PROBED = 0.2
_KMEANS_SAMPLE, _KMEANS_ROUNDS = 40_000, 6


class NearestRows:
    """An index over an ``(n, d)`` float32 matrix of unit rows; ``lists`` forces the inverted file
    with that many groups (default: exact up to :data:`EXACT_UP_TO` rows, else ~sqrt(n) groups)."""

    def __init__(self, matrix: np.ndarray, lists: int | None = None, seed: int = 0):
        self._matrix = np.ascontiguousarray(matrix, np.float32)
        n = len(self._matrix)
        lists = lists if lists is not None else (0 if n <= EXACT_UP_TO else int(np.sqrt(n)))
        self._centres = None
        if lists:
            self._centres = _kmeans(self._matrix, lists, np.random.default_rng(seed))
            group = _nearest_centre(self._matrix, self._centres)
            self._order = np.argsort(group, kind="stable")
            self._grouped = self._matrix[self._order]
            self._starts = np.searchsorted(group[self._order], np.arange(lists + 1))

    def candidates(self, query: np.ndarray, k: int) -> np.ndarray:
        """Row indices of (about) the ``k`` rows with the highest cosine to ``query`` ``(d,)``, best first."""
        if self._centres is None:
            return _best(self._matrix @ query, k)
        probed = _best(self._centres @ query, max(1, int(round(PROBED * len(self._centres)))))
        rows = np.concatenate([np.arange(self._starts[g], self._starts[g + 1]) for g in probed])
        scores = np.concatenate([self._grouped[self._starts[g] : self._starts[g + 1]] @ query for g in probed])
        return self._order[rows[_best(scores, k)]]


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) > k:
        top = np.argpartition(-scores, k)[:k]
        return top[np.argsort(-scores[top], kind="stable")]
    return np.argsort(-scores, kind="stable")


def _nearest_centre(matrix: np.ndarray, centres: np.ndarray, batch: int = 65_536) -> np.ndarray:
    return np.concatenate([np.argmax(matrix[i : i + batch] @ centres.T, axis=1) for i in range(0, len(matrix), batch)])


def _kmeans(matrix: np.ndarray, lists: int, rng: np.random.Generator) -> np.ndarray:
    """Spherical k-means on a sample of the rows: ``(lists, d)`` unit centres."""
    sample = matrix[rng.choice(len(matrix), min(len(matrix), max(_KMEANS_SAMPLE, lists)), replace=False)]
    centres = sample[rng.choice(len(sample), lists, replace=False)].copy()
    for _ in range(_KMEANS_ROUNDS):
        group = _nearest_centre(sample, centres)
        sums = np.zeros_like(centres)
        np.add.at(sums, group, sample)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centres[empty]  # a group that lost every row keeps its centre
        centres = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    return centres
