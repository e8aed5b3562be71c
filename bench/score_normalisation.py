"""Does cohort score normalisation help? Measured on validation people only.

S-norm (Auckenthaler et al. 2000): a pair's cosine score s becomes
((s - mu_a) / sd_a + (s - mu_b) / sd_b) / 2, where mu and sd are the mean and spread of each
photo's scores against a cohort of training people (one photo each of 600 of them, seeded).
Adaptive S-norm (Sturim & Reynolds 2005) takes mu and sd over each photo's 100 closest cohort
scores only. Compared with the shipped model's P(same) and the plain cosine, on the threshold half
of the validation people with the look-alike impostors the model's "same" line is chosen on
(facekit.calibrate.look_alike_pairs): AUC on random pairs, AUC of same-person pairs against
look-alikes, and the three-way verdict with both lines chosen on these same pairs (what share of
same-person pairs is kept at 2% look-alikes, what share of the random pairs gets a firm answer).
Run after training: ``python bench/score_normalisation.py``.
"""

import numpy as np
from sklearn.metrics import roc_auc_score

from facekit import Config, load_verifier
from facekit.calibrate import MAX_FALSE_DIFFERENT, MAX_FALSE_SAME_HARD, look_alike_candidates, look_alike_pairs
from facekit.chips import read_chip
from facekit.evaluate import three_way_metrics, verdict_thresholds
from facekit.split import training_split

COHORT, CLOSEST = 600, 100


def main() -> None:
    config = Config()
    verifier = load_verifier(config)
    split = training_split(config)
    rng = np.random.default_rng(config.seed)
    first_of_class = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        first_of_class.setdefault(int(label), chip)
    cohort_chips = [first_of_class[k] for k in sorted(rng.permutation(sorted(first_of_class))[:COHORT])]
    chips_a, chips_b, labels = split.threshold_pairs
    chips = sorted(set(chips_a + chips_b + look_alike_candidates(split) + cohort_chips))
    vectors = dict(zip(chips, verifier.embeddings(np.stack([read_chip(c) for c in chips]))))
    cohort = np.stack([vectors[c] for c in cohort_chips])
    look_alikes = look_alike_pairs(split, vectors, config.seed)

    def cohort_statistics(closest: int | None):
        against = {c: np.sort(vectors[c] @ cohort.T)[::-1][:closest] for c in chips}
        return {c: (s.mean(), s.std() + 1e-6) for c, s in against.items()}

    plain, adaptive = cohort_statistics(None), cohort_statistics(CLOSEST)

    def scores(pairs, kind):
        a = np.stack([vectors[x] for x, _ in pairs])
        b = np.stack([vectors[y] for _, y in pairs])
        if kind == "model P(same)":
            return np.array([verifier.probabilities_against(x, y[None])[0] for x, y in zip(a, b)])
        cosine = np.einsum("ij,ij->i", a, b)
        if kind == "cosine":
            return cosine
        stats = plain if kind == "S-norm" else adaptive
        return np.array([((s - stats[x][0]) / stats[x][1] + (s - stats[y][0]) / stats[y][1]) / 2
                         for s, (x, y) in zip(cosine, pairs)])

    same = labels == 1
    print(f"{len(split.threshold_people)} validation people: {len(labels)} random pairs, {len(look_alikes)} look-alike "
          f"pairs; cohort {len(cohort)} training people")
    print(f"{'score':>22s} {'AUC random':>11s} {'AUC vs look-alikes':>19s} {'same kept':>10s} {'firm answers':>13s} "
          f"{'firm right':>11s}")
    for kind in ("model P(same)", "cosine", "S-norm", f"adaptive S-norm ({CLOSEST})"):
        random_scores = scores(list(zip(chips_a, chips_b)), kind)
        hard_scores = scores(look_alikes, kind)
        versus_hard = roc_auc_score(np.r_[np.ones(same.sum()), np.zeros(len(hard_scores))],
                                    np.r_[random_scores[same], hard_scores])
        different_below, same_from = verdict_thresholds(random_scores[same], hard_scores, MAX_FALSE_SAME_HARD,
                                                        MAX_FALSE_DIFFERENT)
        three_way = three_way_metrics(labels, random_scores, different_below, same_from)
        print(f"{kind:>22s} {roc_auc_score(labels, random_scores):11.4f} {versus_hard:19.4f} "
              f"{np.mean(random_scores[same] >= same_from):10.3f} {three_way['coverage']:13.3f} "
              f"{three_way['confident_accuracy']:11.3f}")


if __name__ == "__main__":
    main()
