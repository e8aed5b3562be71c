"""The Siamese head in numpy: what the sigmoid unit sees for two embeddings, and its P(same).

The Keras model ends in a registered distance layer and one sigmoid unit
(:func:`~facekit.model.siamese.siamese_of`); the exported towers (:mod:`facekit.model.export`)
stop at the embedding, and this module finishes the job with the unit's weights, so answering
needs no Keras and a gallery search scores many rows without running the towers again.
"""

from __future__ import annotations

import numpy as np

DISTANCES = ("l1", "euclidean")  # |a - b| (the model trained here), ||a - b|| (the pretrained tower)


def head_features(distance: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """What the sigmoid head sees for embeddings ``a`` and ``b`` (``(n, d)`` each, or one side
    ``(d,)`` broadcast): ``|a - b|`` ``(n, d)`` for ``"l1"``, ``||a - b||`` ``(n, 1)`` for ``"euclidean"``."""
    difference = np.asarray(a, np.float32) - np.asarray(b, np.float32)
    if distance == "euclidean":
        return np.sqrt(np.maximum((difference**2).sum(axis=-1, keepdims=True), 1e-12))
    if distance == "l1":
        return np.abs(difference)
    raise ValueError(f"the head's distance is one of {DISTANCES}, not {distance!r}")


def head_probability(features: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """The sigmoid unit on ``(n, k)`` features with ``(k,)`` weights -> P(same) ``(n,)`` float64 in [0, 1]."""
    logits = np.asarray(features, np.float64) @ np.asarray(weights, np.float64) + float(bias)
    return 1.0 / (1.0 + np.exp(-logits))


def pairwise_probabilities(distance: str, a: np.ndarray, b: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """P(same) of every row of ``a`` ``(n, d)`` against every row of ``b`` ``(m, d)`` -> ``(n, m)``
    float32. For the euclidean head, distances come from one matrix product (``|a|² + |b|² - 2ab``):
    10,000 faces against 10,000 in about a second; the l1 head compares a row at a time."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    if distance == "euclidean":
        squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
        features = np.sqrt(np.maximum(squared, 1e-12))[..., None]
        logits = features[..., 0] * float(np.asarray(weights).ravel()[0]) + float(bias)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    return np.stack([head_probability(head_features(distance, b, row), weights, bias) for row in a]).astype(np.float32)


def close_pairs(distance: str, embeddings: np.ndarray, floor: float, weights: np.ndarray, bias: float,
                rows: int = 256, most: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every pair ``i < j`` of ``embeddings`` ``(n, d)`` whose P(same) reaches ``floor`` (in (0, 1)):
    ``(i, j, p)``, int64 ``(k,)`` twice and float32 ``(k,)``, in row order; None as soon as more than
    ``most`` are found (when given). A block of ``rows`` rows at a time against the rows from its own
    on (memory ~ rows × n floats). For the euclidean head
    P falls as the distance grows, so a distance test picks the pairs and only those go through the
    sigmoid: 10,000 faces in ~0.4 s, where the whole P matrix takes ~1 s and allocates 100 M floats."""
    embeddings = np.asarray(embeddings, np.float32)
    slope = float(np.asarray(weights).ravel()[0])
    farthest = (np.log(floor / (1.0 - floor)) - float(bias)) / slope if distance == "euclidean" and slope < 0 else None
    squares = (embeddings**2).sum(axis=1)
    found, count = [], 0
    for start in range(0, len(embeddings), rows):
        block = embeddings[start : start + rows]
        if farthest is None:
            near = pairwise_probabilities(distance, block, embeddings[start:], weights, bias) >= floor
        else:
            squared = squares[start : start + rows, None] + squares[None, start:] - 2.0 * (block @ embeddings[start:].T)
            near = squared <= farthest * farthest
        near &= np.triu(np.ones(near.shape, bool), k=1)  # each pair once, no face with itself
        i, j = np.nonzero(near)
        if most is not None and (count := count + len(i)) > most:
            return None  # before the pairs' features: a block of one person's 10,000 faces is 2.5 M pairs
        features = (np.sqrt(np.maximum(squared[i, j], 1e-12))[:, None] if farthest is not None  # the distance, at hand
                    else head_features(distance, block[i], embeddings[start:][j]))
        found.append((i + start, j + start, head_probability(features, weights, bias)))
    i, j, p = (np.concatenate(parts) for parts in zip(*found)) if found else (np.zeros(0, int),) * 3
    keep = p >= floor  # the distance test's float32 edge: the sigmoid has the last word
    return i[keep].astype(np.int64), j[keep].astype(np.int64), p[keep].astype(np.float32)
