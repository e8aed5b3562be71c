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
