"""The verdict rules, without a model: three answers from two lines, the enrolled-photos rule."""

import numpy as np
import pytest

from facekit.decision.rule import Thresholds
from facekit.model.verifier import anchor_rule


def test_two_lines_give_three_answers():
    lines = Thresholds(accuracy=0.5, same_from=0.7, different_below=0.3)
    assert [lines.decide(p) for p in (0.0, 0.29, 0.3, 0.5, 0.69, 0.7, 1.0)] == [
        "different", "different", "unsure", "unsure", "unsure", "same", "same"]


def test_one_line_leaves_no_doubt():
    lines = Thresholds.single(0.4)
    assert lines.decide(0.4) == "same" and lines.decide(0.399) == "different"


def test_anchor_rule_counts_confident_matches_per_probe():
    probabilities = np.array([[0.9, 0.8, 0.2, 0.1], [0.9, 0.1, 0.1, 0.1]])
    matches, share, verified = anchor_rule(probabilities, match_threshold=0.75, share_needed=0.5)
    assert matches.tolist() == [2, 1] and share.tolist() == pytest.approx([0.5, 0.25])
    assert verified.tolist() == [True, False]


def test_a_stricter_same_line_turns_some_same_into_unsure():
    lines = Thresholds(accuracy=0.5, same_from=0.9, different_below=0.4)
    strict, lenient = lines.with_same_from(0.97), lines.with_same_from(0.3)
    assert strict.decide(0.95) == "unsure" and lines.decide(0.95) == "same"
    assert lenient == Thresholds(0.5, 0.3, 0.3) and lenient.decide(0.35) == "same"  # "different" follows it down


def test_why_this_answer_covers_each_face_and_names_parts():
    from facekit import load_verifier
    from facekit.examples import EXAMPLE_PAIRS
    from facekit.model.why import explain

    verifier = load_verifier()
    verdict = verifier.verify(EXAMPLE_PAIRS[0].first, EXAMPLE_PAIRS[0].second)
    explanation = explain(verifier, *verdict.chips, grid=4)
    assert explanation.probability == pytest.approx(verdict.probability, abs=1e-4)
    assert explanation.changes.shape == (2, 4, 4) and np.abs(explanation.changes).max() > 0
    parts = {"the eyes", "the nose", "the mouth", "the forehead and hair", "the cheeks", "the chin and jaw"}
    assert set(explanation.alike) | set(explanation.differ) <= parts and explanation.words.endswith(".")
    # Covering the very face that matched lowers the score most: the strongest square is a drop.
    assert explanation.changes.min() < -abs(explanation.changes.max()) / 2
