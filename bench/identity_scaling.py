"""How much do more training people help against look-alikes? Measured on validation people only.

Trains the same tower recipe (default: tower 0's, 80 px, light augmentation, 40-epoch schedule)
on a seeded share of the training people (same validation people, same epochs), then scores every
model the same way, by the cosine of its embeddings, on the 142 validation people whom none of
them saw: AUC on random pairs, AUC of same-person pairs against look-alikes (each person's 3
nearest others among these 142, 10 photo pairs per couple, found by that model), the share of
same-person pairs kept at the line that lets 2% of look-alikes through, and the share of firm
answers. A crowd of 142 makes gentler look-alikes than the ~1,180 people the shipped line is
chosen among, so these figures are higher than the shipped ones; the comparison is between shares.

    python bench/identity_scaling.py --fractions 0.25 0.5 1.0          # ~7 + 13 + 24 min on 2 cores
    python bench/identity_scaling.py --fractions 0.25 0.5 --full DIR    # DIR: that recipe trained on everyone
"""

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from facekit import Config
from facekit.data.pairs import LOOK_ALIKE_NEIGHBOURS, hard_impostor_pairs
from facekit.data.split import embed_chip_files, training_split
from facekit.decision.metrics import three_way_metrics, verdict_thresholds
from facekit.model.siamese import load_siamese
from facekit.model.train import train_siamese


def share_of_people(split, fraction: float, seed: int):
    """``split`` with only a seeded ``fraction`` of its classes (relabelled 0..k-1); validation unchanged."""
    classes = np.random.default_rng(seed).permutation(split.n_classes)[: max(2, round(fraction * split.n_classes))]
    new_label = {int(old): new for new, old in enumerate(sorted(classes))}
    keep = [i for i, label in enumerate(split.train_labels) if int(label) in new_label]
    description = {**split.description, "training_people": len(classes), "training_photos": len(keep)}
    return replace(split, train_chips=[split.train_chips[i] for i in keep], n_classes=len(classes),
                   train_labels=np.array([new_label[int(split.train_labels[i])] for i in keep]), description=description)


def figures(chip_embedding, split, config: Config) -> dict:
    """One model's cosine figures on all validation people (both halves), look-alikes among them."""
    people = split.validation_people
    vectors = embed_chip_files(chip_embedding, [c for chips in people.values() for c in chips], config)
    chips_a = split.head_pairs[0] + split.threshold_pairs[0]
    chips_b = split.head_pairs[1] + split.threshold_pairs[1]
    labels = np.r_[split.head_pairs[2], split.threshold_pairs[2]]
    random_scores = np.array([vectors[a] @ vectors[b] for a, b in zip(chips_a, chips_b)])
    embeddings = {p: np.stack([vectors[c] for c in chips]) for p, chips in people.items()}
    couples = hard_impostor_pairs(embeddings, LOOK_ALIKE_NEIGHBOURS, 10, config.seed)
    hard = np.array([embeddings[a][i] @ embeddings[b][j] for a, i, b, j in couples])
    same = random_scores[labels == 1]
    different_below, same_from = verdict_thresholds(same, hard, Config().max_false_same_look_alikes, Config().max_false_different)
    return {
        "auc_random": roc_auc_score(labels, random_scores),
        "auc_look_alikes": roc_auc_score(np.r_[np.ones(len(same)), np.zeros(len(hard))], np.r_[same, hard]),
        "same_kept": float(np.mean(same >= same_from)),
        "coverage": three_way_metrics(labels, random_scores, different_below, same_from)["coverage"],
        "pairs": f"{len(labels)} random, {len(hard)} look-alike",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--full", type=Path, help="a models folder of this recipe trained on all training people")
    parser.add_argument("--size", type=int, default=80)
    parser.add_argument("--augmentation", default="light")
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    config = Config().with_(siamese_size=args.size, augmentation=args.augmentation)
    split = training_split(config)
    models = {1.0: args.full} if args.full else {}
    work = Path(tempfile.mkdtemp(prefix="identity-scaling-"))
    for fraction in sorted(f for f in args.fractions if f not in models):
        part = share_of_people(split, fraction, config.seed)
        folder = work / f"share_{fraction}"
        record = train_siamese(config.with_(models_dir=folder), progress=False, epochs=args.epochs, split=part)
        print(f"trained on {fraction:.0%} of the people ({part.n_classes} people, {len(part.train_chips)} photos): "
              f"{record['epochs_run']} epochs, {record['training_seconds'] / 60:.1f} min", flush=True)
        models[fraction] = folder
    print(f"\n{'people':>7s} {'AUC random':>11s} {'AUC vs look-alikes':>19s} {'same kept':>10s} {'firm answers':>13s}")
    for fraction in sorted(models):
        chip_embedding = load_siamese(Path(models[fraction]) / "siamese.keras").get_layer("chip_embedding")
        result = figures(chip_embedding, split, config)
        print(f"{fraction:7.0%} {result['auc_random']:11.4f} {result['auc_look_alikes']:19.4f} "
              f"{result['same_kept']:10.3f} {result['coverage']:13.3f}   ({result['pairs']} pairs)")


if __name__ == "__main__":
    main()
