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
