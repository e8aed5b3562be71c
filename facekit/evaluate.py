"""Metrics for pair verification: accuracy, precision, recall, F1, ROC AUC, confusion matrix."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm


def binary_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Scores of pairs against their labels (1 same person, 0 different).

    ``scores`` rank pairs from different (low) to same (high); a pair is called "same" when its
    score is ``>= threshold``. Returns plain floats and ints: ``accuracy``, ``precision``,
    ``recall``, ``f1`` (of the "same" class), ``auc`` (ROC AUC, None with one class only),
    ``threshold``, ``n_pairs``, ``n_same``, ``n_different`` and ``confusion``
    (``[[true different, false same], [false different, true same]]``).
    """
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    predicted = (scores >= threshold).astype(int)
    both_classes = len(np.unique(labels)) == 2
    return {
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "precision": float(skm.precision_score(labels, predicted, zero_division=0)),
        "recall": float(skm.recall_score(labels, predicted, zero_division=0)),
        "f1": float(skm.f1_score(labels, predicted, zero_division=0)),
        "auc": float(skm.roc_auc_score(labels, scores)) if both_classes else None,
        "threshold": float(threshold),
        "n_pairs": int(len(labels)),
        "n_same": int(labels.sum()),
        "n_different": int(len(labels) - labels.sum()),
        "confusion": skm.confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
    }


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold with the best accuracy on these pairs (midway between two scores).

    Use it on validation pairs only: a threshold picked on test pairs inflates test accuracy.
    """
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(scores)
    sorted_scores, sorted_labels = scores[order], labels[order]
    # Calling everything from index i upwards "same": correct = different below i + same from i.
    different_below = np.concatenate([[0], np.cumsum(sorted_labels == 0)])
    same_from = labels.sum() - np.concatenate([[0], np.cumsum(sorted_labels == 1)])
    best = int(np.argmax(different_below + same_from))
    if best == 0:
        return float(sorted_scores[0])
    if best == len(scores):
        return float(np.nextafter(sorted_scores[-1], np.inf))
    return float((sorted_scores[best - 1] + sorted_scores[best]) / 2)


def calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: the mean |stated probability - observed frequency| over
    ``bins`` equal-width probability bins, weighted by pairs per bin (0 is perfect)."""
    labels = np.asarray(labels, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(probabilities[inside].mean() - labels[inside].mean())
    return float(error)
