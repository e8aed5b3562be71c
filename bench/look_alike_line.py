"""What the "same" line's look-alike aim costs in firm answers. Measured on validation people only.

The shipped model's "same" line lets at most 2% of look-alike impostors through (each threshold
validation person's 3 nearest people among the validation and training people, as
facekit.model.calibrate chooses it). This moves that aim (1% to 20%) and, for each, prints the line,
the share of same-person pairs at or above it, the share of the random validation pairs that get
a firm answer, and how many of those are right. The "different" line stays where it ships (at most
5% of same-person pairs below it).

    python bench/look_alike_line.py
"""

import numpy as np

from facekit import Config, load_verifier
from facekit.data.split import training_split
from facekit.decision.metrics import three_way_metrics, verdict_thresholds
from facekit.faces.chips import read_chip
from facekit.model.calibrate import look_alike_candidates, look_alike_pairs

AIMS = (0.01, 0.02, 0.05, 0.10, 0.20)


def main() -> None:
    config = Config()
    verifier = load_verifier(config)
    split = training_split(verifier.framing(config))  # chips in the model's own framing
    chips_a, chips_b, labels = split.threshold_pairs
    chips = sorted(set(chips_a + chips_b + look_alike_candidates(split)))
    vectors = dict(zip(chips, verifier.embeddings(np.stack([read_chip(c) for c in chips]))))

    def probabilities(pairs):
        return np.array([verifier.probabilities_against(vectors[a], vectors[b][None])[0] for a, b in pairs])

    scores = probabilities(zip(chips_a, chips_b))
    look_alikes = probabilities(look_alike_pairs(split, vectors, config.seed))
    same = scores[labels == 1]
    print(f"{len(split.threshold_people)} validation people: {len(labels)} random pairs, {len(look_alikes)} look-alike pairs")
    print(f"{'look-alikes let through':>24s} {'same from':>10s} {'same kept':>10s} {'firm answers':>13s} {'firm right':>11s}")
    for aim in AIMS:
        different_below, same_from = verdict_thresholds(same, look_alikes, aim, Config().max_false_different)
        three_way = three_way_metrics(labels, scores, different_below, same_from)
        print(f"{aim:>24.0%} {same_from:10.3f} {np.mean(same >= same_from):10.3f} {three_way['coverage']:13.3f} "
              f"{three_way['confident_accuracy']:11.3f}")


if __name__ == "__main__":
    main()
