"""Does cohort score normalisation help? Measured on validation people only.

S-norm (Auckenthaler et al. 2000): a pair's score s becomes
((s - mu_a) / sd_a + (s - mu_b) / sd_b) / 2, where mu and sd are the mean and spread of each
photo's scores against a cohort of training people (one photo each of 600 of them, seeded).
Adaptive S-norm (Sturim & Reynolds 2005) takes mu and sd over each photo's 100 closest cohort
scores only. Compared with the shipped model's P(same) and the plain cosine, on the threshold half
of the validation people with look-alike impostors found as the model's "same" line finds them
(facekit.model.calibrate.look_alike_pairs), except that the cohort's people are left out of the crowd
the look-alikes come from: on test pairs the cohort never holds anyone's look-alike, and when it
does, normalisation pushes exactly those pairs down and looks better than it is.
Figures: AUC on random pairs, AUC of same-person pairs against look-alikes, and the three-way
verdict with both lines chosen on these same pairs (what share of same-person pairs is kept at 2%
look-alikes, what share of the random pairs gets a firm answer).
Run after training: ``python bench/score_normalisation.py``.
"""

from dataclasses import replace

import numpy as np
from sklearn.metrics import roc_auc_score

from facekit import Config, load_verifier
from facekit.data.split import training_split
from facekit.decision.metrics import three_way_metrics, verdict_thresholds
from facekit.faces.chips import read_chip
from facekit.model.calibrate import look_alike_candidates, look_alike_pairs

COHORT, CLOSEST = 600, 100


def main() -> None:
    config = Config()
    verifier = load_verifier(config)
    split = training_split(verifier.framing(config))  # chips in the model's own framing
    rng = np.random.default_rng(config.seed)
    classes = sorted(set(int(label) for label in split.train_labels))
    in_cohort = set(int(k) for k in rng.permutation(classes)[:COHORT])
    first_of_class = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        first_of_class.setdefault(int(label), chip)
    cohort_chips = [first_of_class[k] for k in sorted(in_cohort)]
    # Look-alikes are looked for among the training people outside the cohort only.
    crowd = [i for i, label in enumerate(split.train_labels) if int(label) not in in_cohort]
    crowd_split = replace(split, train_chips=[split.train_chips[i] for i in crowd], train_labels=split.train_labels[crowd])

    chips_a, chips_b, labels = split.threshold_pairs
    chips = sorted(set(chips_a + chips_b + look_alike_candidates(crowd_split) + cohort_chips))
    vectors = dict(zip(chips, verifier.embeddings(np.stack([read_chip(c) for c in chips]))))
    cohort = np.stack([vectors[c] for c in cohort_chips])
    look_alikes = look_alike_pairs(crowd_split, vectors, config.seed)

    def logits(one, many):  # the model's score before its sigmoid, one embedding against many
        p = np.clip(verifier.probabilities_against(one, many), 1e-15, 1 - 1e-15)
        return np.log(p) - np.log1p(-p)

    def against(one, many, base):
        return many @ one if base == "cosine" else logits(one, many)

    def scores(pairs, kind):
        base = "logit" if "logit" in kind else "cosine"
        plain = np.array([against(vectors[x], vectors[y][None], base)[0] for x, y in pairs])
        if "norm" not in kind:
            return plain
        closest = CLOSEST if kind.startswith("adaptive") else len(cohort)
        normalised = np.zeros_like(plain)
        for side in zip(*pairs):
            most_similar = np.stack([np.sort(against(vectors[c], cohort, base))[::-1][:closest] for c in side])
            normalised += (plain - most_similar.mean(axis=1)) / (most_similar.std(axis=1) + 1e-6) / 2
        return normalised

    same = labels == 1
    print(f"{len(split.threshold_people)} validation people: {len(labels)} random pairs, {len(look_alikes)} look-alike "
          f"pairs (crowd: {len(set(crowd_split.train_labels.tolist()))} training people); cohort {len(cohort)} "
          "other training people")
    print(f"{'score':>34s} {'AUC random':>11s} {'AUC vs look-alikes':>19s} {'same kept':>10s} {'firm answers':>13s} "
          f"{'firm right':>11s}")
    for kind in ("model logit (= P(same))", "cosine", "S-norm of cosine", f"adaptive S-norm of cosine ({CLOSEST})",
                 f"adaptive S-norm of model logit ({CLOSEST})"):
        random_scores = scores(list(zip(chips_a, chips_b)), kind)
        hard_scores = scores(look_alikes, kind)
        versus_hard = roc_auc_score(np.r_[np.ones(same.sum()), np.zeros(len(hard_scores))],
                                    np.r_[random_scores[same], hard_scores])
        different_below, same_from = verdict_thresholds(random_scores[same], hard_scores, Config().max_false_same_look_alikes,
                                                        Config().max_false_different)
        three_way = three_way_metrics(labels, random_scores, different_below, same_from)
        print(f"{kind:>34s} {roc_auc_score(labels, random_scores):11.4f} {versus_hard:19.4f} "
              f"{np.mean(random_scores[same] >= same_from):10.3f} {three_way['coverage']:13.3f} "
              f"{three_way['confident_accuracy']:11.3f}")


if __name__ == "__main__":
    main()
