"""Does cohort score normalisation (S-norm) help? Measured on validation people only.

S-norm (Auckenthaler et al. 2000; as used in speaker and face verification): a pair's cosine
score s is replaced by ((s - mu_a) / sd_a + (s - mu_b) / sd_b) / 2, where mu and sd are the
mean and spread of each photo's scores against a cohort of training people (one photo each of
600 of them, seeded). Compared with the raw score on the threshold half of the validation people:
AUC on random pairs, AUC of same-person pairs against look-alike pairs, and the share of
same-person pairs kept when at most 2% of look-alikes are let through. Run after training.
"""

import numpy as np
from sklearn.metrics import roc_auc_score

from facekit import Config, load_verifier
from facekit.chips import read_chip
from facekit.pairs import hard_impostor_pairs
from facekit.split import training_split

COHORT = 600


def _kept_at_2_percent(same: np.ndarray, look_alikes: np.ndarray) -> float:
    line = np.quantile(look_alikes, 0.98)
    return float((same > line).mean())


def main() -> None:
    config = Config()
    verifier = load_verifier(config)
    split = training_split(config)
    rng = np.random.default_rng(config.seed)
    first_of_class = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        first_of_class.setdefault(int(label), chip)
    cohort_chips = [first_of_class[k] for k in sorted(rng.permutation(sorted(first_of_class))[:COHORT])]
    cohort = verifier.embeddings(np.stack([read_chip(c) for c in cohort_chips]))

    people = split.threshold_people
    chips = sorted({c for group in people.values() for c in group})
    vectors = dict(zip(chips, verifier.embeddings(np.stack([read_chip(c) for c in chips]))))
    against_cohort = {c: vectors[c] @ cohort.T for c in chips}
    stats = {c: (s.mean(), s.std() + 1e-6) for c, s in against_cohort.items()}

    def scores(pairs):
        raw = np.array([vectors[a] @ vectors[b] for a, b in pairs])
        normed = np.array([((s - stats[a][0]) / stats[a][1] + (s - stats[b][0]) / stats[b][1]) / 2
                           for s, (a, b) in zip(raw, pairs)])
        return raw, normed

    chips_a, chips_b, labels = split.threshold_pairs
    random_raw, random_normed = scores(list(zip(chips_a, chips_b)))
    embeddings = {p: np.stack([vectors[c] for c in group]) for p, group in people.items()}
    couples = hard_impostor_pairs(embeddings, neighbours=5, per_neighbour=3, seed=config.seed)
    hard_raw, hard_normed = scores([(people[a][i], people[b][j]) for a, i, b, j in couples])
    same = labels == 1
    print(f"{len(people)} validation people: {len(labels)} random pairs, {len(couples)} look-alike pairs; "
          f"cohort {len(cohort)} training people")
    print(f"{'score':>8s} {'AUC random':>11s} {'AUC vs look-alikes':>19s} {'same kept at 2% look-alikes':>28s}")
    for name, random_scores, hard_scores in (("cosine", random_raw, hard_raw), ("S-norm", random_normed, hard_normed)):
        versus_hard = roc_auc_score(np.r_[np.ones(same.sum()), np.zeros(len(hard_scores))],
                                    np.r_[random_scores[same], hard_scores])
        print(f"{name:>8s} {roc_auc_score(labels, random_scores):11.4f} {versus_hard:19.4f} "
              f"{_kept_at_2_percent(random_scores[same], hard_scores):28.3f}")


if __name__ == "__main__":
    main()
