"""Train the Siamese network on the training folders (LFW's training people + the user's photos).

Run it as ``facekit train siamese``. See :mod:`facekit.siamese` for the two-step scheme. The
split, seed, figures and timings are written to ``models/siamese.json``; per-epoch figures to
``models/siamese_training.csv``. An interrupted run resumes from ``models/.train-backup/``.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.linear_model import LogisticRegression

from .chips import chip_photos
from .config import Config
from .data import identity_of, photo_dataset, training_photos
from .errors import DataError
from .evaluate import best_threshold, binary_metrics, calibration_error
from .siamese import CosFaceLogits, build_chip_embedding, build_embedding, build_siamese

_MAX_SAME_PAIRS_PER_PERSON = 20


@dataclass(frozen=True)
class Split:
    """Training photos as classes, and two disjoint sets of held-out people's validation pairs.

    ``validation_people`` maps each held-out person to their chip paths (never trained on).
    """

    train_chips: list[str]
    train_labels: np.ndarray
    n_classes: int
    head_pairs: tuple[list[str], list[str], np.ndarray]  # fits the sigmoid head
    threshold_pairs: tuple[list[str], list[str], np.ndarray]  # picks the threshold, early stopping
    description: dict
    validation_people: dict[str, list[str]]


def _pairs_of(people: dict[str, list[str]], rng) -> tuple[list[str], list[str], np.ndarray]:
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


def training_split(config: Config = Config(), workers: int = 1, progress: bool = False) -> Split:
    """The seeded split of the training folders' people that :func:`train_siamese` uses."""
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
        train_chips, np.array(train_labels), len(classes), _pairs_of(head_people, rng), _pairs_of(threshold_people, rng),
        description, {p: by_person[p] for p in held_out},
    )


def _augment(config: Config):
    """Random framing (scale and shift around the centre), mirror, light and colour changes."""

    chip, out = config.chip_size, config.siamese_size
    centre_crop = config.siamese_crop * chip

    def augment(image):  # (chip, chip, 3) float32 in [0, 1]
        side = tf.cast(tf.round(centre_crop * tf.random.uniform([], 0.88, 1.12)), tf.int32)
        slack = (chip - side) // 2
        shift = tf.random.uniform([2], -4, 5, dtype=tf.int32)
        top, left = tf.clip_by_value(slack + shift[0], 0, chip - side), tf.clip_by_value(slack + shift[1], 0, chip - side)
        image = tf.image.resize(image[top : top + side, left : left + side], (out, out), method="area")
        image = tf.image.random_flip_left_right(image)
        image = tf.image.random_brightness(image, 0.15)
        image = tf.image.random_contrast(image, 0.7, 1.3)
        image = tf.image.random_saturation(image, 0.6, 1.4)
        grey = tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(image))
        image = tf.where(tf.random.uniform([]) < 0.15, grey, image)
        return tf.clip_by_value(image, 0.0, 1.0)

    return augment


def _training_dataset(split: Split, config: Config):

    def decode(path, label):
        return tf.io.decode_png(tf.io.read_file(path), channels=3), label

    augment = _augment(config)
    dataset = tf.data.Dataset.from_tensor_slices((split.train_chips, split.train_labels.astype(np.int32)))
    dataset = dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE).cache()  # uint8 chips: ~37 kB each
    dataset = dataset.shuffle(len(split.train_chips), seed=config.seed, reshuffle_each_iteration=True)
    dataset = dataset.map(
        lambda image, label: ((augment(tf.cast(image, tf.float32) / 255.0), label), label),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return dataset.batch(config.train_batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _pair_embeddings(chip_embedding, pairs, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The unit embeddings of both sides of each pair, ``(n_pairs, embedding_dim)`` twice; each
    distinct chip is embedded once."""
    chips_a, chips_b, _ = pairs
    unique = list(dict.fromkeys(chips_a + chips_b))
    vectors = dict(zip(unique, chip_embedding.predict(photo_dataset(unique, config.chip_size, grey=False), verbose=0)))
    return np.stack([vectors[a] for a in chips_a]), np.stack([vectors[b] for b in chips_b])


def _pair_features(chip_embedding, pairs, config: Config) -> np.ndarray:
    """``|e_a - e_b|`` per pair: what the sigmoid head sees."""
    a, b = _pair_embeddings(chip_embedding, pairs, config)
    return np.abs(a - b)


def _cosine_scores(chip_embedding, pairs, config: Config) -> np.ndarray:
    a, b = _pair_embeddings(chip_embedding, pairs, config)
    return np.einsum("ij,ij->i", a, b)


def train_siamese(config: Config = Config(), workers: int = 1, progress: bool = True, max_minutes: float | None = None,
                  epochs: int | None = None) -> dict:
    """Train, calibrate and save the Siamese model to ``config.siamese_path``; return its record.

    ``max_minutes`` stops the tower's training early (the best epoch so far is kept);
    ``epochs`` overrides ``config.train_epochs``. Re-running after an interruption resumes.
    """
    started = time.time()
    epochs = epochs or config.train_epochs
    keras.utils.set_random_seed(config.seed)
    split = training_split(config, workers, progress)
    dataset = _training_dataset(split, config)
    steps = len(split.train_chips) // config.train_batch
    if steps == 0:
        raise DataError(f"Only {len(split.train_chips)} training photos; need at least one batch of {config.train_batch}.")

    tower = build_embedding(config)
    image = keras.Input((config.siamese_size, config.siamese_size, 3))
    label = keras.Input((), dtype="int32")
    logits = CosFaceLogits(split.n_classes, config.cosface_scale, config.cosface_margin)([tower(image), label])
    classifier = keras.Model([image, label], logits)
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate / 10, decay_steps=epochs * steps, warmup_target=config.learning_rate, warmup_steps=steps
    )
    classifier.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=True,
    )
    chip_embedding = build_chip_embedding(tower, config)
    backup = config.models_dir / ".train-backup"
    config.models_dir.mkdir(parents=True, exist_ok=True)
    watcher = _BestOnValidation(tower, chip_embedding, split.threshold_pairs, config, backup, max_minutes, started)
    callbacks = [
        keras.callbacks.BackupAndRestore(str(backup / "state")),
        watcher,
        keras.callbacks.CSVLogger(str(config.models_dir / "siamese_training.csv"), append=True),
    ]
    classifier.fit(dataset, epochs=epochs, steps_per_epoch=steps, callbacks=callbacks, verbose=1 if progress else 0)
    watcher.restore_best()
    tower_seconds = time.time() - started

    # Step 2: the sigmoid head on |e_a - e_b| of one half of the held-out people: a logistic
    # regression, so its output is a Platt-calibrated probability.
    siamese = build_siamese(config, tower)
    head = LogisticRegression(C=1.0, max_iter=2000)
    head.fit(_pair_features(chip_embedding, split.head_pairs, config), split.head_pairs[2])
    siamese.get_layer("same_probability").set_weights([head.coef_.T.astype("float32"), head.intercept_.astype("float32")])

    # The threshold: best accuracy on the other half, never on test pairs.
    held_out = split.threshold_pairs
    probabilities = head.predict_proba(_pair_features(chip_embedding, held_out, config))[:, 1]
    threshold = best_threshold(held_out[2], probabilities)
    validation = binary_metrics(held_out[2], probabilities, threshold)
    siamese.save(config.siamese_path)
    record = {
        "model": config.siamese_path.name,
        "threshold": threshold,
        "calibration": "logistic regression (Platt) of the L1-distance head, fitted on pairs of held-out "
        "training people; expected calibration error on the other held-out half: "
        f"{calibration_error(held_out[2], probabilities):.3f}",
        "validation": {k: validation[k] for k in ("accuracy", "auc", "n_pairs")},
        "expected_calibration_error": calibration_error(held_out[2], probabilities),
        "split": split.description,
        "seed": config.seed,
        "epochs_run": watcher.epochs_seen,
        "best_epoch": watcher.best_epoch,
        "training_seconds": round(time.time() - started, 1),
        "tower_training_seconds": round(tower_seconds, 1),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parameters": int(siamese.count_params()),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {k: getattr(config, k) for k in (
            "chip_size", "chip_margin", "siamese_crop", "siamese_size", "embedding_dim", "cosface_scale",
            "cosface_margin", "train_batch", "learning_rate", "weight_decay", "pipeline_version")},
    }
    config.siamese_info_path.write_text(json.dumps(record, indent=2) + "\n")
    shutil.rmtree(backup, ignore_errors=True)
    return record


class _BestOnValidation(keras.callbacks.Callback):
    """After each epoch, score pairs of held-out people (cosine of embeddings), report
    ``val_acc`` / ``val_auc``, keep the best tower weights, and stop after ``patience`` epochs
    without progress or past ``max_minutes``. The best weights survive an interruption."""

    def __init__(self, tower, chip_embedding, pairs, config: Config, backup: Path, max_minutes, started):
        super().__init__()
        self.tower, self.chip_embedding, self.pairs, self.config = tower, chip_embedding, pairs, config
        self.best_path, self.state_path = backup / "best.weights.h5", backup / "best.json"
        self.max_minutes, self.started = max_minutes, started
        state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
        self.best_auc = state.get("auc", -1.0)
        self.best_epoch = state.get("epoch", 0)
        self.epochs_seen = state.get("seen", 0)

    def on_epoch_end(self, epoch, logs=None):
        scores = _cosine_scores(self.chip_embedding, self.pairs, self.config)
        result = binary_metrics(self.pairs[2], scores, best_threshold(self.pairs[2], scores))
        logs["val_acc"], logs["val_auc"] = result["accuracy"], result["auc"]
        self.epochs_seen = epoch + 1
        if result["auc"] > self.best_auc:
            self.best_auc, self.best_epoch = result["auc"], epoch + 1
            self.best_path.parent.mkdir(parents=True, exist_ok=True)
            self.tower.save_weights(self.best_path)
        self.state_path.write_text(json.dumps({"auc": self.best_auc, "epoch": self.best_epoch, "seen": self.epochs_seen}))
        out_of_time = self.max_minutes and time.time() - self.started > 60 * self.max_minutes
        if epoch + 1 - self.best_epoch >= self.config.early_stop_patience or out_of_time:
            self.model.stop_training = True

    def restore_best(self):
        if self.best_path.exists():
            self.tower.load_weights(self.best_path)
