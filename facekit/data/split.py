"""The seeded split of the training folders' people: who is a class, who is held out for
validation, and the validation pairs (same person, random strangers) built from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facekit.config import Config
from facekit.data.folders import identity_of, training_photos
from facekit.data.pipeline import photo_dataset
from facekit.errors import DataError
from facekit.faces.chips import chip_photos

_MAX_SAME_PAIRS_PER_PERSON = 20


@dataclass(frozen=True)
class Split:
    """Training photos as classes, and two disjoint sets of held-out people's validation pairs.

    ``validation_people`` maps each held-out person to their chip paths (never trained on);
    ``threshold_people`` is the half of them whose pairs choose the thresholds.
    """

    train_chips: list[str]
    train_labels: np.ndarray
    n_classes: int
    head_pairs: tuple[list[str], list[str], np.ndarray]  # fits the sigmoid head
    threshold_pairs: tuple[list[str], list[str], np.ndarray]  # picks the threshold, early stopping
    description: dict
    validation_people: dict[str, list[str]]
    threshold_people: dict[str, list[str]]


def pairs_of(people: dict[str, list[str]], rng) -> tuple[list[str], list[str], np.ndarray]:
    """Every same-person pair (capped per person) and as many random different-person pairs."""
    same = []
    for chips in people.values():
        combos = [(a, b) for i, a in enumerate(chips) for b in chips[i + 1 :]]
        picks = rng.permutation(len(combos))[:_MAX_SAME_PAIRS_PER_PERSON]
        same += [combos[i] for i in picks]
    names = list(people)
    different = set()
    while len(different) < len(same):
        first, second = rng.choice(len(names), size=2, replace=False)
        different.add((rng.choice(people[names[first]]), rng.choice(people[names[second]])))
    rows = same + sorted(different)
    labels = np.array([1] * len(same) + [0] * len(different))
    return [a for a, _ in rows], [b for _, b in rows], labels


def training_split(config: Config | None = None, workers: int = 1, progress: bool = False) -> Split:
    """The seeded split of the training folders' people that :func:`train_siamese` uses."""
    config = config or Config()
    photos = training_photos(config)
    if not photos:
        raise DataError("The training folders are empty. Run `facekit data import-lfw` (and capture photos) first.")
    results = chip_photos(photos, config, workers, progress)
    by_person: dict[str, list[str]] = {}
    for photo in photos:
        if results[photo].chip_path is not None:
            by_person.setdefault(identity_of(photo), []).append(str(results[photo].chip_path))
    rng = np.random.default_rng(config.seed)
    people = sorted(p for p, chips in by_person.items() if len(chips) >= 2)
    if len(people) < 20:
        raise DataError(f"Only {len(people)} people have two or more usable photos; training needs at least 20.")
    # Validation people: modest photo counts, so no single person dominates the validation pairs.
    candidates = [p for p in people if len(by_person[p]) <= 30]
    n_val = max(4, round(config.validation_share * len(people)))
    held_out = [candidates[i] for i in rng.permutation(len(candidates))[:n_val]]
    classes = [p for p, chips in sorted(by_person.items())
               if len(chips) >= config.min_photos_per_class and p not in set(held_out)]
    train_chips, train_labels = [], []
    for label, person in enumerate(classes):
        chips = by_person[person]
        for i in rng.permutation(len(chips))[: config.max_photos_per_person]:
            train_chips.append(chips[i])
            train_labels.append(label)
    half = len(held_out) // 2
    head_people = {p: by_person[p] for p in held_out[:half]}
    threshold_people = {p: by_person[p] for p in held_out[half:]}
    description = {
        "training_people": len(classes),
        "training_photos": len(train_chips),
        "validation_people": len(held_out),
        "photos_without_face": sum(r.chip_path is None for r in results.values()),
        "max_photos_per_person": config.max_photos_per_person,
        "rule": f"classes: people with >= {config.min_photos_per_class} usable photos in data/anchor, positive, "
        "negative (View 1 test people are never there); validation people drawn at random (seeded) among those "
        "with 2-30 photos, split in two halves: one fits the sigmoid head, the other picks the threshold and "
        "early-stops training",
    }
    return Split(
        train_chips, np.array(train_labels), len(classes), pairs_of(head_people, rng), pairs_of(threshold_people, rng),
        description, {p: by_person[p] for p in held_out}, threshold_people,
    )


def embed_chip_files(chip_embedding, chips: list[str], config: Config) -> dict[str, np.ndarray]:
    """``{chip path: unit embedding}`` from a model being trained (the app scores through the
    Verifier instead); each distinct chip is embedded once."""
    unique = list(dict.fromkeys(chips))
    vectors = chip_embedding.predict(photo_dataset(unique, config.chip_size, grey=False), verbose=0)
    return dict(zip(unique, vectors.astype(np.float32)))  # a tower training in bfloat16 answers in bfloat16


def pair_embeddings(chip_embedding, pairs, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The unit embeddings of both sides of each pair, ``(n_pairs, embedding_dim)`` twice."""
    chips_a, chips_b, _ = pairs
    vectors = embed_chip_files(chip_embedding, chips_a + chips_b, config)
    return np.stack([vectors[a] for a in chips_a]), np.stack([vectors[b] for b in chips_b])


def cosine_scores(chip_embedding, pairs, config: Config) -> np.ndarray:
    a, b = pair_embeddings(chip_embedding, pairs, config)
    return np.einsum("ij,ij->i", a, b)
