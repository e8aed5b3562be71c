"""The pairs table (``data/pairs.csv``): rows of paths, ``anchor_path, other_path, label``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from facekit.config import Config
from facekit.data.folders import FOLDERS, identity_of, list_photos
from facekit.errors import DataError
from facekit.files import write_atomic

def make_pairs(config: Config | None = None, seed: int | None = None) -> pd.DataFrame:
    """The balanced pairs table of the training folders, as paths relative to ``data_dir``.

    Every anchor x positive of the same person is a pair labelled 1; as many anchor x negative
    pairs of different people, drawn at random without repeats, are labelled 0. A "negative"
    that shows the anchor's own person is never used. Columns: ``anchor_path``, ``other_path``,
    ``label`` (int 0/1). Raises :class:`DataError` when the folders give no pairs.
    """
    config = config or Config()
    rng = np.random.default_rng(config.seed if seed is None else seed)
    folder_photos = {f: [p.relative_to(config.data_dir).as_posix() for p in list_photos(config.data_dir / f)] for f in FOLDERS}
    anchors = np.array(folder_photos["anchor"], dtype=object)
    negatives = np.array(folder_photos["negative"], dtype=object)
    anchor_ids = np.array([identity_of(p) for p in anchors], dtype=object)
    negative_ids = np.array([identity_of(p) for p in negatives], dtype=object)

    positives_by_id: dict[str, list[str]] = {}
    for path in folder_photos["positive"]:
        positives_by_id.setdefault(identity_of(path), []).append(path)
    same = [(a, p) for a, who in zip(anchors, anchor_ids) for p in positives_by_id.get(who, [])]
    if not same:
        raise DataError(
            "No same-person pairs: anchor/ and positive/ share no person. Capture anchor and "
            "positive photos in the app, or run `facekit data import-lfw` first."
        )
    different = _sample_different(anchor_ids, negative_ids, len(same), rng)
    if len(different) < len(same):  # too few negatives: balance by using fewer positives
        keep = rng.choice(len(same), size=len(different), replace=False)
        same = [same[i] for i in np.sort(keep)]
    if not same:
        raise DataError("No different-person pairs: negative/ is empty. Run `facekit data import-lfw` first.")
    rows = [(a, p, 1) for a, p in same] + [(anchors[i], negatives[j], 0) for i, j in different]
    table = pd.DataFrame(rows, columns=["anchor_path", "other_path", "label"])
    return table.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)


def _sample_different(anchor_ids: np.ndarray, negative_ids: np.ndarray, wanted: int, rng) -> list[tuple[int, int]]:
    """Up to ``wanted`` distinct (anchor index, negative index) pairs of different identities."""
    n_a, n_n = len(anchor_ids), len(negative_ids)
    if n_a == 0 or n_n == 0:
        return []
    chosen: set[int] = set()
    for _ in range(20):  # rejection sampling; each round draws what is still missing, with slack
        if len(chosen) >= wanted or len(chosen) >= n_a * n_n:
            break
        flat = rng.integers(0, n_a * n_n, size=2 * (wanted - len(chosen)) + 16)
        a, n = np.divmod(flat, n_n)
        for code in flat[anchor_ids[a] != negative_ids[n]]:
            chosen.add(int(code))
            if len(chosen) == wanted:
                break
    return [tuple(int(v) for v in divmod(code, n_n)) for code in sorted(chosen)]


def save_pairs(table: pd.DataFrame, config: Config | None = None) -> Path:
    """Write the pairs table to ``config.pairs_csv`` atomically; return the path."""
    config = config or Config()
    return write_atomic(config.pairs_csv, lambda tmp: table.to_csv(tmp, index=False))


def load_pairs(config: Config | None = None) -> pd.DataFrame:
    """Read ``pairs.csv`` (raises :class:`DataError` with the command to make it when missing)."""
    config = config or Config()
    if not config.pairs_csv.exists():
        raise DataError(f"{config.pairs_csv} does not exist yet. Run `facekit data pairs` first.")
    return pd.read_csv(config.pairs_csv, dtype={"anchor_path": str, "other_path": str, "label": int})


# How many of each person's nearest other people are their look-alikes: one number for the pairs
# the "same" line is chosen on (validation) and for the figures reported on test people, so the
# line holds the rate it is chosen for.
LOOK_ALIKE_NEIGHBOURS = 3


def hard_impostor_pairs(embeddings: dict[str, np.ndarray], neighbours: int = LOOK_ALIKE_NEIGHBOURS,
                        per_neighbour: int = 1, seed: int = 0,
                        among: dict[str, np.ndarray] | None = None) -> list[tuple[str, int, str, int]]:
    """Pairs of *different* people who look alike: what people bring to a demo.

    ``embeddings[person]`` is ``(n_photos, d)``, unit vectors. For each of these people, the
    ``neighbours`` other people whose mean embedding is closest (cosine) are their look-alikes,
    found among the same people or, with ``among``, in that larger crowd too (look-alikes are
    closer in a larger crowd). Each look-alike couple (counted once) gives ``per_neighbour``
    random photo pairs (seeded). Returns ``(person_a, photo_index_a, person_b, photo_index_b)``
    tuples, sorted; indexes are into the arrays given for each person.
    """
    pool = {p: v for p, v in {**(among or {}), **embeddings}.items() if len(v)}
    crowd = sorted(pool)
    people = [p for p in sorted(embeddings) if p in pool]
    if len(crowd) < 2 or not people:
        return []
    centres = np.stack([pool[p].mean(axis=0) for p in crowd])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    where = {p: i for i, p in enumerate(crowd)}
    similarity = centres[[where[p] for p in people]] @ centres.T
    similarity[np.arange(len(people)), [where[p] for p in people]] = -np.inf  # nobody is their own look-alike
    nearest = np.argsort(-similarity, axis=1)[:, : min(neighbours, len(crowd) - 1)]
    couples = sorted({tuple(sorted((person, crowd[j]))) for person, row in zip(people, nearest) for j in row})
    rng = np.random.default_rng(seed)
    pairs = set()
    for a, b in couples:
        for _ in range(per_neighbour):
            pairs.add((a, int(rng.integers(len(pool[a]))), b, int(rng.integers(len(pool[b])))))
    return sorted(pairs)
