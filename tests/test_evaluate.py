import numpy as np
import pytest

from facekit.decision.metrics import best_threshold, tenfold_accuracy
from facekit.decision.metrics import calibration_error, roc_points


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
    def fixed(train, test):  # a model that learns nothing: the scores as they are
        return scores[train], scores[test]

    result = tenfold_accuracy(labels, folds, fixed)
    assert len(result["per_fold"]) == 10 and 0.85 < result["mean"] < 1.0
    assert 0 < result["standard_error"] < 0.05
    # A fold's own pairs never set its threshold: a fold with inverted scores scores badly.
    scores[folds == 0] = 1 - labels[folds == 0]
    assert tenfold_accuracy(labels, folds, fixed)["per_fold"][0] == 0.0
    # What is fitted sees the other nine folds only.
    seen = []
    tenfold_accuracy(labels, folds, lambda train, test: (seen.append(set(folds[train])) or scores[train], scores[test]))
    assert all(len(folds_seen) == 9 for folds_seen in seen) and len(seen) == 10


def test_verdict_thresholds_meet_their_two_error_budgets():
    from facekit.decision.metrics import three_way_metrics, verdict_thresholds

    rng = np.random.default_rng(0)
    same, look_alikes, strangers = rng.beta(6, 2, 400), rng.beta(2, 3, 500), rng.beta(1, 6, 400)
    different_below, same_from = verdict_thresholds(same, look_alikes, max_false_same=0.02, max_false_different=0.05)
    assert different_below < same_from
    assert (look_alikes >= same_from).mean() <= 0.02 and (same < different_below).mean() <= 0.05
    labels = np.r_[np.ones(400), np.zeros(400)]
    figures = three_way_metrics(labels, np.r_[same, strangers], different_below, same_from, look_alikes)
    assert figures["false_same_hard"] <= 0.02 and figures["false_different"] <= 0.05
    assert 0 < figures["coverage"] < 1 and figures["n_unsure"] == round((1 - figures["coverage"]) * 800)
    assert figures["on_roc"]["same_from"]["fpr"] == pytest.approx(figures["false_same_random"])


def test_crossing_lines_collapse_to_one():
    from facekit.decision.metrics import verdict_thresholds

    # Well separated: both budgets hold anywhere in (0.5, 0.9], so the lines cross; no "unsure" band.
    different_below, same_from = verdict_thresholds(np.full(100, 0.9), np.full(100, 0.5))
    assert different_below == same_from and 0.5 < same_from <= 0.9


def test_hard_impostors_are_the_nearest_other_people():
    from facekit.data.pairs import hard_impostor_pairs

    def person(direction, n):
        vectors = np.tile(np.asarray(direction, float), (n, 1))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    embeddings = {"ann": person([1, 0, 0], 3), "ann_twin": person([1, 0.1, 0], 2), "bob": person([0, 1, 0], 2),
                  "bob_twin": person([0.1, 1, 0], 4), "cy": person([0, 0, 1], 1)}
    couples = {(a, b) for a, _, b, _ in hard_impostor_pairs(embeddings, neighbours=1)}
    assert ("ann", "ann_twin") in couples and ("bob", "bob_twin") in couples
    assert all(a != b for a, b in couples)
    pairs = hard_impostor_pairs(embeddings, neighbours=1, per_neighbour=3, seed=1)
    assert all(i < len(embeddings[a]) and j < len(embeddings[b]) for a, i, b, j in pairs)
    assert pairs == hard_impostor_pairs(embeddings, neighbours=1, per_neighbour=3, seed=1)


def test_float32_scores_meet_the_budget_they_were_chosen_for():
    from facekit.decision.metrics import three_way_metrics, verdict_thresholds

    look_alikes = np.random.default_rng(3).random(602).astype(np.float32)  # as a model outputs them
    same = np.random.default_rng(4).beta(6, 2, 400).astype(np.float32)
    different_below, same_from = verdict_thresholds(same, look_alikes)
    figures = three_way_metrics(np.ones(400), same, different_below, same_from, look_alikes)
    assert figures["false_same_hard"] <= 0.02


def test_look_alikes_are_also_found_in_a_larger_crowd():
    from facekit.data.pairs import hard_impostor_pairs

    def person(direction):
        vector = np.asarray(direction, float)
        return (vector / np.linalg.norm(vector))[None]

    people = {"ann": person([1, 0, 0]), "bob": person([0, 1, 0])}
    crowd = {"ann_twin": person([1, 0.05, 0]), "someone": person([0, 0, 1])}
    couples = {(a, b) for a, _, b, _ in hard_impostor_pairs(people, neighbours=1, among=crowd)}
    assert ("ann", "ann_twin") in couples  # closer than anyone among the people themselves
    assert all("ann" in couple or "bob" in couple for couple in couples)  # crowd pairs never stand alone


def test_the_same_line_counts_look_alikes_as_the_test_figures_do():
    """The "same" line is chosen on each validation person's LOOK_ALIKE_NEIGHBOURS nearest
    people, the number the test figures count too, several photo pairs per couple."""
    from facekit.data.pairs import LOOK_ALIKE_NEIGHBOURS
    from facekit.data.split import Split
    from facekit.model.calibrate import look_alike_candidates, look_alike_pairs

    angles = np.linspace(0.1, 1.5, 8)  # training person k sits at angle k from the validation person: nearest first
    train_chips = [f"train{k}_{i}.png" for k in range(len(angles)) for i in range(5)]
    train_labels = np.repeat(np.arange(len(angles)), 5)
    threshold_people = {"val": ["val_0.png", "val_1.png", "val_2.png"]}
    empty = ([], [], np.zeros(0))
    split = Split(train_chips, train_labels, len(angles), empty, empty, {}, threshold_people, threshold_people)
    vectors = {chip: np.array([1.0, 0.0]) for chip in threshold_people["val"]}
    vectors |= {chip: np.array([np.cos(angles[k]), np.sin(angles[k])]) for chip, k in zip(train_chips, train_labels)}
    assert set(look_alike_candidates(split)) == set(vectors)

    pairs = look_alike_pairs(split, vectors, seed=0)
    assert all(sum(chip.startswith("val") for chip in pair) == 1 for pair in pairs)
    partners = {chip.split("_")[0] for pair in pairs for chip in pair if not chip.startswith("val")}
    assert partners == {f"train{k}" for k in range(LOOK_ALIKE_NEIGHBOURS)}
    assert len(pairs) > 2 * LOOK_ALIKE_NEIGHBOURS  # several photo pairs per couple steady the 2% point
