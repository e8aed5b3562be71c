"""Metrics for pair verification: accuracy, precision, recall, F1, ROC AUC, confusion matrix."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from .baseline import baseline_scores, load_baseline
from .chips import chip_pairs
from .config import PROJECT_ROOT
from .data import identity_of, is_lfw_person, list_photos, pair_dataset, read_lfw_pairs
from .errors import DataError


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


def roc_points(labels: np.ndarray, scores: np.ndarray, max_points: int = 200) -> dict:
    """The ROC curve as ``{"fpr": [...], "tpr": [...]}``, thinned to at most ``max_points``."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(labels, dtype=int), np.asarray(scores, dtype=float))
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(max_points, len(fpr))).round().astype(int))
    return {"fpr": [round(float(v), 5) for v in fpr[keep]], "tpr": [round(float(v), 5) for v in tpr[keep]]}


def tenfold_accuracy(labels: np.ndarray, scores: np.ndarray, folds: np.ndarray) -> dict:
    """LFW View 2's protocol on ``pairs.txt``: each fold's threshold is the best on the other nine
    folds, its accuracy is measured on the fold itself. Returns ``mean``, ``standard_error``
    (std / sqrt(n_folds)), ``per_fold`` and ``thresholds``.

    For an honest View 2 figure, fold k's ``scores`` must come from a model trained without
    fold k's people.
    """
    labels, scores, folds = (np.asarray(v) for v in (labels, scores, folds))
    accuracies, thresholds = [], []
    for fold in np.unique(folds):
        inside = folds == fold
        threshold = best_threshold(labels[~inside], scores[~inside])
        accuracies.append(float(((scores[inside] >= threshold).astype(int) == labels[inside]).mean()))
        thresholds.append(threshold)
    return {
        "mean": float(np.mean(accuracies)),
        "standard_error": float(np.std(accuracies, ddof=1) / np.sqrt(len(accuracies))) if len(accuracies) > 1 else 0.0,
        "per_fold": accuracies,
        "thresholds": thresholds,
    }


def score_lfw_pairs(pairs_file, lfw_dir, config, models=("siamese", "baseline"), limit: int = 0,
                    workers: int = 1, progress: bool = False) -> dict:
    """Score LFW protocol pairs with the shipped models, in one run on the same pairs.

    ``limit`` keeps the first ``limit // 2`` same and different pairs. Returns ``pairs_file``,
    ``n_pairs``, ``lfw_framing_photos`` (photos MTCNN missed, cut by LFW's framing), one metrics
    dict per model (see :func:`binary_metrics`, plus ``roc``) and ``pairs``: per pair, both photo
    paths relative to ``lfw_dir``, the label and each model's score.
    """
    table = read_lfw_pairs(pairs_file, lfw_dir)
    if limit:
        table = table.groupby("label", group_keys=False).head(limit // 2).sort_index().reset_index(drop=True)
    chipped = chip_pairs(table, config, base_dir=Path("/"), workers=workers, progress=progress, lfw_fallback=True)
    pairs = chipped.table
    result = {"pairs_file": Path(pairs_file).name, "n_pairs": len(pairs), "lfw_framing_photos": chipped.lfw_framing}
    scores = _score_both(pairs, config, models, progress, result)
    lfw_dir = Path(lfw_dir).resolve()
    result["pairs"] = [
        {
            "a": Path(row.anchor_path).resolve().relative_to(lfw_dir).as_posix(),
            "b": Path(row.other_path).resolve().relative_to(lfw_dir).as_posix(),
            "label": int(row.label),
            **{name: round(float(scores[name][0][i]), 6) for name in models},
        }
        for i, row in enumerate(pairs.itertuples())
    ]
    return result


def _score_both(pairs, config, models, progress, result: dict) -> dict:
    """Score chipped pairs with each model; put its metrics (+ ROC) in ``result[model]``."""
    scores = {name: _MODEL_SCORERS[name](pairs, config, progress) for name in models}
    for name, (model_scores, threshold) in scores.items():
        result[name] = {**binary_metrics(pairs.label, model_scores, threshold), "roc": roc_points(pairs.label, model_scores)}
    return scores


def evaluate_own_people(config, max_pairs: int = 200, on_progress=None) -> dict:
    """Both models on pairs of the people captured in the app (people in ``anchor/`` who are not
    LFW people): their anchor x positive photos (same) and as many of their anchors x random
    ``negative/`` photos (different), at most ``max_pairs`` in all, seeded.

    ``on_progress(done, total)`` is called as photos are chipped. Returns ``n_pairs``,
    ``people``, ``dropped`` (pairs without a usable face) and per model the metrics of
    :func:`binary_metrics`. Raises :class:`~facekit.errors.DataError` when there is nothing to
    evaluate.
    """
    rng = np.random.default_rng(config.seed)
    own = lambda path: not is_lfw_person(identity_of(path), config)  # noqa: E731
    anchors = [p for p in list_photos(config.data_dir / "anchor") if own(p)]
    positives = [p for p in list_photos(config.data_dir / "positive") if own(p)]
    negatives = list_photos(config.data_dir / "negative")
    same = [(a, p) for a in anchors for p in positives if identity_of(a) == identity_of(p)]
    if not same or not negatives:
        raise DataError(
            "Nothing of yours to evaluate yet: take anchor and positive photos on the Capture page "
            "(and import LFW for the different-person pairs)."
        )
    half = max(1, max_pairs // 2)
    same = [same[i] for i in rng.permutation(len(same))[:half]]
    different = [(anchors[rng.integers(len(anchors))], negatives[rng.integers(len(negatives))]) for _ in same]
    rows = [(a, b, 1) for a, b in same] + [(a, b, 0) for a, b in different]
    table = pd.DataFrame([(a.relative_to(config.data_dir).as_posix(), b.relative_to(config.data_dir).as_posix(), label)
                          for a, b, label in rows], columns=["anchor_path", "other_path", "label"])
    chipped = chip_pairs(table, config, on_progress=on_progress)
    pairs = chipped.table
    if pairs.label.nunique() < 2:
        raise DataError("Too few of your photos have a usable face to evaluate; take a few more, facing the camera.")
    result = {"n_pairs": len(pairs), "people": sorted({identity_of(a) for a in anchors}), "dropped": chipped.dropped}
    _score_both(pairs, config, ("siamese", "baseline"), False, result)
    return result


def _siamese_scores(pairs, config, progress) -> tuple[np.ndarray, float]:
    from .verification import load_verifier  # imports TensorFlow: only when scoring

    verifier = load_verifier(config)
    dataset = pair_dataset(pairs.chip_a, pairs.chip_b, pairs.label, config.chip_size, grey=False, batch_size=64)
    return verifier.model.predict(dataset, verbose=1 if progress else 0).reshape(-1), verifier.threshold


def _baseline_scores(pairs, config, progress) -> tuple[np.ndarray, float]:
    if not config.baseline_path.exists():
        raise DataError(f"No baseline model at {config.baseline_path}. Run `facekit train baseline` first.")
    return baseline_scores(load_baseline(config.baseline_path), pairs.chip_a, pairs.chip_b, config, progress), 0.0


_MODEL_SCORERS = {"siamese": _siamese_scores, "baseline": _baseline_scores}


def metrics_record(view1: dict, config) -> dict:
    """What ``models/metrics.json`` holds: View 1 figures of both models, the per-pair scores, and
    where they came from (data split, seed, training time, git commit, date)."""
    training = json.loads(config.siamese_info_path.read_text()) if config.siamese_info_path.exists() else {}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or "unknown"
    except OSError:
        commit = "unknown"
    pairs = view1.pop("pairs")
    return {
        "view1": view1,
        "protocol": "LFW View 1: the models never saw these people (peopleDevTest); thresholds were chosen "
        "before, on held-out training people (Siamese) or fixed at log-odds 0 (baseline).",
        "training": {k: training.get(k) for k in ("split", "seed", "training_seconds", "epochs_run", "best_epoch",
                                                  "threshold", "calibration", "validation", "trained_at", "parameters")},
        "git_commit": commit,
        "evaluated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pairs": pairs,
    }
