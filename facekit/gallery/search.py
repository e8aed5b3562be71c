"""Finding the enrolled photos nearest a probe, fast at any size, with photos added and removed in
place: candidates by cosine of the unit embeddings (faiss), which the model's own head then
scores exactly (:meth:`Gallery.identify_embedding`).

Up to :data:`EXACT_UP_TO` photos every row is a candidate (a flat index: one matrix product).
Past it, an inverted file: rows are grouped under k-means centres (:func:`_lists_for` of them)
and a search reads only the :data:`PROBED` share of groups whose centres are nearest the probe.
Adding or removing a row touches only that row; the groups are learnt when the index first grows
past the exact size and again each time it has grown :data:`_RELEARN_GROWTH` times since.
``bench/identify_scale.py`` measures speed, memory and recall against exact search on real LFW
embeddings.
"""

from __future__ import annotations

import faiss
import numpy as np

from facekit.litert import cores

EXACT_UP_TO = 20_000
# Of the groups, the nearest first. Chosen on the LFW training people's embeddings (1,000 probes,
# recall@1 against exact search, bench/identify_scale.py --recall): 5% 0.943, 10% 0.973, 15% 0.990,
# 20% 0.993; on every LFW photo at 15%: 0.993.
PROBED = 0.15
_RELEARN_GROWTH = 4
_ROWS_PER_GROUP_LEARNT = 40  # k-means learns each group's centre from this many rows (faiss asks for 39)


class LiveIndex:
    """Unit ``(d,)`` float32 embeddings under int64 row numbers, searched by cosine; rows come and
    go one at a time. Not thread-safe: its owner holds a lock. ``lists`` forces the inverted file
    with that many groups (benchmarks; default: exact up to :data:`EXACT_UP_TO` rows)."""

    def __init__(self, width: int, lists: int | None = None, seed: int = 0) -> None:
        self.width, self._forced_lists, self._seed = width, lists, seed
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(width))
        self._learnt_at = 0  # rows when the groups were last learnt (0: exact)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``(n,)`` new row numbers with their ``(n, d)`` unit vectors."""
        if len(rows):
            self._index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.asarray(rows, np.int64))
            self._regroup_if_grown()

    def remove(self, rows: np.ndarray) -> None:
        """Remove rows (numbers it does not hold are ignored)."""
        if len(rows):
            self._index.remove_ids(np.asarray(rows, np.int64))

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The ``(n, d)`` vectors of rows it holds."""
        if not len(rows):
            return np.zeros((0, self.width), np.float32)
        return self._index.reconstruct_batch(np.asarray(rows, np.int64))

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, cosines)`` of (about) the ``k`` rows nearest ``query`` ``(d,)``, best first."""
        if not len(self):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        # OpenMP's thread count is per calling thread: one for the flat index (more threads only cost
        # their start-up, 0.3 -> 0.9 ms at 10,000 rows), every core for the groups of an inverted file.
        faiss.omp_set_num_threads(cores() if self._learnt_at else 1)
        cosines, rows = self._index.search(np.ascontiguousarray(query, np.float32)[None], min(k, len(self)))
        found = rows[0] >= 0
        return rows[0][found], cosines[0][found]

    def _regroup_if_grown(self) -> None:
        """Learn the groups (again) when the index has grown past the exact size, or
        :data:`_RELEARN_GROWTH` times since they were learnt: an add then costs a rebuild, rarely."""
        n = len(self)
        wanted = self._forced_lists or _lists_for(n)
        due = (not self._learnt_at and n >= wanted) if self._forced_lists else (
            n > EXACT_UP_TO and (not self._learnt_at or n >= _RELEARN_GROWTH * self._learnt_at))
        if not due:
            return
        rows = self._rows()
        vectors = self.vectors(rows)
        grouped = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.width), self.width, wanted, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(self._seed).choice(n, min(n, _ROWS_PER_GROUP_LEARNT * wanted), replace=False)
        grouped.train(vectors[np.sort(sample)])
        grouped.add_with_ids(vectors, rows)
        grouped.set_direct_map_type(faiss.DirectMap.Hashtable)  # vectors and removal by row number
        grouped.nprobe = max(1, round(PROBED * wanted))
        grouped.parallel_mode = 1  # one query's groups shared among the cores (faiss' default shares queries)
        self._index, self._learnt_at = grouped, n

    def _rows(self) -> np.ndarray:
        """Every row number held."""
        if isinstance(self._index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self._index.id_map).astype(np.int64)
        lists = self._index.invlists
        return np.concatenate([faiss.rev_swig_ptr(lists.get_ids(g), lists.list_size(g)).copy()
                               for g in range(self._index.nlist)]).astype(np.int64)


def _lists_for(n: int) -> int:
    """Groups of an inverted file over ``n`` rows: 4 sqrt(n) (faiss' rule of thumb; ~250 rows each at
    1M), at most n / 40 (k-means wants 39 rows a group to learn from)."""
    return max(1, int(min(4 * np.sqrt(n), n / _ROWS_PER_GROUP_LEARNT)))
