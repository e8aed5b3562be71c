"""Metrics for pair verification: accuracy, precision, recall, F1, ROC AUC, confusion matrix,
thresholds (one line, or the two lines of a three-way verdict), calibration, LFW View 2 folds."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from facekit.decision.rule import decide


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


def verdict_thresholds(same_scores: np.ndarray, hard_impostor_scores: np.ndarray, max_false_same: float = 0.02,
                       max_false_different: float = 0.05) -> tuple[float, float]:
    """The two thresholds of a three-way verdict, ``(different_below, same_from)``.

    ``same_from`` is the lowest score at which at most ``max_false_same`` of the (hard) impostor
    pairs would be called "same"; ``different_below`` the highest score under which at most
    ``max_false_different`` of the same-person pairs would be called "different". Between them
    the answer is "unsure". If the two cross, both become the score where they cross (no
    "unsure" band). Use validation pairs only.
    """
    impostors = np.sort(np.asarray(hard_impostor_scores, dtype=float))[::-1]
    same = np.sort(np.asarray(same_scores, dtype=float))
    allowed_same = int(np.floor(max_false_same * len(impostors)))  # impostors allowed at or above
    same_from = float(np.nextafter(impostors[allowed_same], np.inf)) if allowed_same < len(impostors) else 0.0
    allowed_different = int(np.floor(max_false_different * len(same)))  # same pairs allowed below
    different_below = float(same[allowed_different]) if allowed_different < len(same) else 1.0
    if different_below > same_from:
        different_below = same_from = (different_below + same_from) / 2
    return different_below, same_from


def three_way_metrics(labels: np.ndarray, scores: np.ndarray, different_below: float, same_from: float,
                      hard_impostor_scores: np.ndarray | None = None) -> dict:
    """How a three-way verdict ("same" from ``same_from``, "different" below ``different_below``,
    "unsure" between) does on labelled pairs.

    Returns ``coverage`` (share of pairs with a confident verdict), ``confident_accuracy`` (share
    of those that are right), ``false_same_random`` (share of the different-people pairs called
    "same"), ``false_different`` (share of same-person pairs called "different"), ``n_unsure``,
    ``on_roc`` (each line as a point ``{"fpr", "tpr"}`` of the ROC curve), and with
    ``hard_impostor_scores`` also ``false_same_hard`` and ``n_hard_impostors``.
    """
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    answers = decide(scores, different_below, same_from)
    said_same, said_different = answers == "same", answers == "different"
    confident = said_same | said_different
    right = (said_same & (labels == 1)) | (said_different & (labels == 0))
    result = {
        "different_below": float(different_below),
        "same_from": float(same_from),
        "coverage": float(confident.mean()),
        "confident_accuracy": float(right.sum() / max(1, confident.sum())),
        "false_same_random": float(said_same[labels == 0].mean()) if (labels == 0).any() else None,
        "false_different": float(said_different[labels == 1].mean()) if (labels == 1).any() else None,
        "n_unsure": int((~confident).sum()),
        "n_pairs": int(len(labels)),
        "on_roc": {
            name: {"fpr": float((scores[labels == 0] >= line).mean()), "tpr": float((scores[labels == 1] >= line).mean())}
            for name, line in (("same_from", same_from), ("different_below", different_below))
        },
    }
    if hard_impostor_scores is not None and len(hard_impostor_scores):
        # float64: a float32 array would round the line down to its own precision (NumPy 2 casts
        # the Python float to the array's type) and count the impostor just under it.
        result["false_same_hard"] = float((np.asarray(hard_impostor_scores, dtype=float) >= same_from).mean())
        result["n_hard_impostors"] = int(len(hard_impostor_scores))
    return result


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


def roc_points(labels: np.ndarray, scores: np.ndarray, max_points: int = 200) -> dict:
    """The ROC curve as ``{"fpr": [...], "tpr": [...]}``, thinned to at most ``max_points``."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(labels, dtype=int), np.asarray(scores, dtype=float))
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(max_points, len(fpr))).round().astype(int))
    return {"fpr": [round(float(v), 5) for v in fpr[keep]], "tpr": [round(float(v), 5) for v in tpr[keep]]}


def tenfold_accuracy(labels: np.ndarray, folds: np.ndarray, fit_and_score) -> dict:
    """LFW View 2's protocol on ``pairs.txt``: for each fold, whatever is learnt from pairs is
    learnt on the other nine folds only, the threshold is the best on those nine, and accuracy is
    measured on the fold itself.

    ``fit_and_score(train, test)`` takes two boolean masks over the pairs, fits on ``train`` and
    returns the scores of the ``train`` pairs and of the ``test`` pairs. Returns ``mean``,
    ``standard_error`` (std / sqrt(n_folds)), ``per_fold`` and ``thresholds``.
    """
    labels, folds = np.asarray(labels, dtype=int), np.asarray(folds)
    accuracies, thresholds = [], []
    for fold in np.unique(folds):
        inside = folds == fold
        scores_outside, scores_inside = (np.asarray(s, dtype=float) for s in fit_and_score(~inside, inside))
        threshold = best_threshold(labels[~inside], scores_outside)
        accuracies.append(float(((scores_inside >= threshold).astype(int) == labels[inside]).mean()))
        thresholds.append(threshold)
    return {
        "mean": float(np.mean(accuracies)),
        "standard_error": float(np.std(accuracies, ddof=1) / np.sqrt(len(accuracies))) if len(accuracies) > 1 else 0.0,
        "per_fold": accuracies,
        "thresholds": thresholds,
    }
