import numpy as np
import pytest

from facekit import best_threshold, tenfold_accuracy
from facekit.evaluate import calibration_error, roc_points


def test_best_threshold_separates_separable_scores():
    labels = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    assert best_threshold(labels, scores) == pytest.approx(0.45)
    assert best_threshold(np.array([1, 1]), np.array([0.2, 0.4])) == pytest.approx(0.2)
    threshold = best_threshold(np.array([0, 0]), np.array([0.2, 0.4]))
    assert threshold > 0.4


def test_calibration_error_is_zero_when_frequencies_match():
    labels = np.array([1, 0] * 50 + [1] * 100)
    probabilities = np.array([0.55] * 100 + [0.95] * 100)
    assert calibration_error(labels, probabilities) == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert calibration_error(np.array([1, 0]), np.array([1.0, 0.0])) == 0.0


def test_roc_points_run_from_zero_to_one():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 1000)
    roc = roc_points(labels, labels + rng.normal(0, 0.5, 1000), max_points=50)
    assert len(roc["fpr"]) <= 50 and roc["fpr"][0] == 0.0 and roc["tpr"][-1] == 1.0


def test_tenfold_accuracy_picks_each_threshold_on_the_other_folds():
    rng = np.random.default_rng(0)
    folds = np.repeat(np.arange(10), 60)
    labels = np.tile([1] * 30 + [0] * 30, 10)
    scores = labels + rng.normal(0, 0.4, 600)
    result = tenfold_accuracy(labels, scores, folds)
    assert len(result["per_fold"]) == 10 and 0.85 < result["mean"] < 1.0
    assert 0 < result["standard_error"] < 0.05
    # A fold's own pairs never set its threshold: a fold with inverted scores scores badly.
    scores[folds == 0] = 1 - labels[folds == 0]
    assert tenfold_accuracy(labels, scores, folds)["per_fold"][0] == 0.0
