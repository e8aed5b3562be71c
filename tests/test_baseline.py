import numpy as np
import pytest
from PIL import Image

from facekit.decision.metrics import binary_metrics
from facekit.evaluation.baseline import baseline_scores, load_baseline, save_baseline, train_baseline


@pytest.fixture
def chips(tmp_path):
    """Dark and bright chips: "same" pairs here are dark+dark, "different" are dark+bright."""
    rng = np.random.default_rng(0)
    paths = {}
    for kind, level in (("dark", 40), ("bright", 200)):
        for i in range(6):
            pixels = np.clip(rng.normal(level, 10, (112, 112, 3)), 0, 255).astype(np.uint8)
            path = tmp_path / f"{kind}{i}.png"
            Image.fromarray(pixels).save(path)
            paths.setdefault(kind, []).append(str(path))
    chips_a = paths["dark"] * 2
    chips_b = paths["dark"][::-1] + paths["bright"]
    labels = [1] * 6 + [0] * 6
    return chips_a, chips_b, labels


def test_baseline_learns_a_pixel_rule_and_reloads_identically(chips, tmp_path):
    chips_a, chips_b, labels = chips
    model = train_baseline(chips_a, chips_b, labels)
    scores = baseline_scores(model, chips_a, chips_b)
    assert binary_metrics(labels, scores, 0.0)["accuracy"] == 1.0
    path = save_baseline(model, tmp_path / "models" / "baseline.npz")
    with np.load(path, allow_pickle=False) as saved:  # plain arrays only: loads without pickle
        assert "theta_" in saved
    reloaded = load_baseline(path)
    np.testing.assert_array_equal(baseline_scores(reloaded, chips_a, chips_b), scores)


def test_baseline_feature_count_is_two_grey_images(chips):
    model = train_baseline(*chips)
    assert model.theta_.shape == (2, 2 * 105 * 105)


def test_binary_metrics_on_a_known_example():
    labels = [1, 1, 1, 0, 0, 0]
    scores = [0.9, 0.8, 0.2, 0.7, 0.1, 0.05]
    result = binary_metrics(labels, scores, threshold=0.5)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["precision"] == pytest.approx(2 / 3) and result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)
    assert result["auc"] == pytest.approx(8 / 9)
    assert result["confusion"] == [[2, 1], [1, 2]]
    assert (result["n_pairs"], result["n_same"], result["n_different"]) == (6, 3, 3)
    assert binary_metrics([1, 1], [0.3, 0.9], 0.5)["auc"] is None
