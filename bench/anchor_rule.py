"""The enrolled-anchors rule (the original tutorial's): how often it accepts the right person and
how often a stranger, for a grid of its two thresholds. Measured on the validation people of
training (held out of training; never LFW's test people), so the defaults are not tuned on test.

For each validation person with 6+ photos: 5 photos are the enrolled anchors; each remaining
photo is a genuine probe, and one photo of each of 40 other validation people an impostor probe.
"""

import numpy as np

from facekit import Config, load_verifier
from facekit.data.split import training_split
from facekit.faces.chips import read_chip
from facekit.model.verifier import anchor_rule

ANCHORS = 5


def main() -> None:
    config = Config()
    verifier = load_verifier(config)
    people = training_split(verifier.framing(config)).validation_people  # chips in the model's own framing
    enrolled = {p: chips for p, chips in people.items() if len(chips) > ANCHORS}
    rng = np.random.default_rng(config.seed)
    names = sorted(people)
    genuine, impostor = [], []  # per probe: P(same) against each of the 5 anchors
    for person, chips in sorted(enrolled.items()):
        anchors = np.stack([read_chip(c) for c in chips[:ANCHORS]])
        probes = [read_chip(c) for c in chips[ANCHORS:]]
        strangers = [read_chip(people[n][0]) for n in rng.choice([n for n in names if n != person], 40, replace=False)]
        for probe, bucket in [(p, genuine) for p in probes] + [(s, impostor) for s in strangers]:
            bucket.append(verifier.probabilities(np.repeat(probe[None], ANCHORS, axis=0), anchors))
    genuine, impostor = np.array(genuine), np.array(impostor)
    lines = verifier.thresholds
    print(f"{len(enrolled)} enrolled people, {len(genuine)} genuine and {len(impostor)} impostor probes, "
          f"{ANCHORS} anchors each; model lines: accuracy {lines.accuracy:.3f}, 'same' from {lines.same_from:.3f}")
    print(f"{'match from':>10s} {'share':>6s} {'right person accepted':>22s} {'stranger accepted':>18s}")
    for match_threshold in (0.3, lines.accuracy, 0.6, lines.same_from):
        for share in (0.2, 0.3, 0.5, 0.7):
            accepted = {name: anchor_rule(scores, match_threshold, share)[2].mean()
                        for name, scores in (("genuine", genuine), ("impostor", impostor))}
            print(f"{match_threshold:10.3f} {share:6.1f} {accepted['genuine']:22.3f} {accepted['impostor']:18.3f}")


if __name__ == "__main__":
    main()
