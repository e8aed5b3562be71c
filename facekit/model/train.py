"""Train the Siamese network on the training folders (LFW's training people + the user's photos).

Run it as ``facekit train siamese``. See :mod:`facekit.model.siamese` for the two-step scheme. The
split, seed, figures and timings are written to ``models/siamese.json``; per-epoch figures to
``models/siamese_training.csv``. An interrupted run resumes from ``models/.train-backup/``.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from facekit.config import AUGMENTATIONS, Config
from facekit.data.split import Split, cosine_scores, training_split
from facekit.decision.metrics import best_threshold, binary_metrics
from facekit.errors import DataError
from facekit.model.calibrate import fit_head_and_thresholds
from facekit.model.layers import CosFaceLogits
from facekit.model.export import save_siamese
from facekit.model.siamese import build_chip_embedding, build_embedding, build_siamese


def _augment(config: Config):
    """Random framing (scale and shift around the centre, in one warp), mirror, light and colour;
    with ``config.augmentation == "phone"`` also rotation and, now and then, what separates phone
    photos from LFW's: low resolution (down and up again), JPEG damage, and an occluding patch (a
    hand, a microphone, sunglasses)."""
    chip, out = config.chip_size, config.siamese_size
    centre_crop = config.siamese_crop * chip
    if config.augmentation not in AUGMENTATIONS:  # a typo would otherwise train the light recipe unnoticed
        raise ValueError(f"augmentation is {' or '.join(map(repr, AUGMENTATIONS))}, not {config.augmentation!r}")
    phone = config.augmentation == "phone"
    max_degrees = config.augment_max_degrees if phone else 0.0

    def warp(image):  # the centre crop, rotated, scaled and shifted, as an (out, out, 3) picture
        angle = tf.random.uniform([], -1.0, 1.0) * max_degrees * np.pi / 180
        scale = centre_crop * tf.random.uniform([], 0.88, 1.12) / out  # chip pixels per output pixel
        shift = tf.random.uniform([2], -4.0, 4.0)
        cos, sin = tf.cos(angle) * scale, tf.sin(angle) * scale
        # Output pixel (x, y) samples chip pixel (a0 x + a1 y + a2, b0 x + b1 y + b2): a rotation
        # about the centre of the output onto the centre of the chip.
        half_out, half_chip = out / 2, chip / 2
        a2 = half_chip + shift[0] - (cos * half_out - sin * half_out)
        b2 = half_chip + shift[1] - (sin * half_out + cos * half_out)
        transform = tf.stack([cos, -sin, a2, sin, cos, b2, 0.0, 0.0])[None]
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=image[None], transforms=transform, output_shape=[out, out], fill_value=0.5,
            interpolation="BILINEAR", fill_mode="REFLECT",
        )[0]

    def sometimes(probability, change, image):
        return tf.cond(tf.random.uniform([]) < probability, lambda: change(image), lambda: image)

    def low_resolution(image):
        side = tf.cast(tf.random.uniform([], 0.3, 0.8) * out, tf.int32)
        return tf.image.resize(tf.image.resize(image, (side, side), method="area"), (out, out))

    def occlusion(image):
        size = tf.cast(tf.random.uniform([2], 0.15, 0.4) * out, tf.int32)
        top = tf.random.uniform([], 0, out - size[0], dtype=tf.int32)
        left = tf.random.uniform([], 0, out - size[1], dtype=tf.int32)
        patch = tf.pad(tf.ones(size), [[top, out - top - size[0]], [left, out - left - size[1]]])[..., None]
        return image * (1 - patch) + patch * tf.random.uniform([], 0.0, 1.0)

    def augment(image):  # (chip, chip, 3) float32 in [0, 1]
        image = warp(image)
        image = tf.image.random_flip_left_right(image)
        image = tf.image.random_brightness(image, 0.15)
        image = tf.image.random_contrast(image, 0.7, 1.3)
        image = tf.image.random_saturation(image, 0.6, 1.4)
        grey = tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(image))
        image = tf.where(tf.random.uniform([]) < 0.15, grey, image)
        image = tf.clip_by_value(image, 0.0, 1.0)
        if phone:
            image = sometimes(0.25, low_resolution, image)
            image = sometimes(0.25, lambda damaged: tf.image.random_jpeg_quality(damaged, 25, 90), image)
            image = sometimes(0.2, occlusion, image)
        return tf.clip_by_value(tf.reshape(image, (out, out, 3)), 0.0, 1.0)

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


def _cpu_has_bfloat16() -> bool:
    """True on CPUs with bfloat16 arithmetic (AVX512-BF16 or AMX), where oneDNN runs mixed
    bfloat16 training steps 1.2-1.5x faster than float32 (bench/train_step_speed.py); elsewhere
    bfloat16 would be emulated, and slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def train_siamese(config: Config | None = None, workers: int = 1, progress: bool = True, max_minutes: float | None = None,
                  epochs: int | None = None, split: Split | None = None) -> dict:
    """Train, calibrate and save the Siamese model to ``config.siamese_path``; return its record.

    ``max_minutes`` stops the tower's training early (the best epoch so far is kept);
    ``epochs`` overrides ``config.train_epochs``; ``split`` the people it learns and is judged
    on (default: :func:`~facekit.split.training_split`). Re-running after an interruption resumes.
    """
    config = (config or Config()).with_(model="scratch")
    started = time.time()
    epochs = epochs or config.train_epochs
    keras.utils.set_random_seed(config.seed)
    if split is None:
        split = training_split(config, workers, progress)
    dataset = _training_dataset(split, config)
    steps = len(split.train_chips) // config.train_batch
    if steps == 0:
        raise DataError(f"Only {len(split.train_chips)} training photos; need at least one batch of {config.train_batch}.")

    # The tower trains in mixed bfloat16 where the CPU has it; the model that ships is float32
    # (the same weights), so its scores do not depend on the machine that runs it.
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if _cpu_has_bfloat16() else "float32")
    try:
        training_tower = build_embedding(config)
        watcher = _train_tower(training_tower, split, dataset, steps, epochs, config, max_minutes, started, progress)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    tower = build_embedding(config)
    tower.set_weights(training_tower.get_weights())
    tower_seconds = time.time() - started

    # Step 2: the calibrated sigmoid head and the decision lines (see facekit.model.calibrate).
    siamese = build_siamese(config, tower)
    answers = fit_head_and_thresholds(siamese, split, config)
    record = {
        "model": config.siamese_path.name,
        **answers,
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
            "cosface_margin", "train_batch", "learning_rate", "weight_decay", "augmentation", "pipeline_version")},
    }
    record = save_siamese(siamese, record, config)
    shutil.rmtree(config.models_dir / ".train-backup", ignore_errors=True)
    return record


def _train_tower(tower, split: Split, dataset, steps: int, epochs: int, config: Config, max_minutes, started,
                 progress: bool) -> "_BestOnValidation":
    """Step 1: ``tower`` learns as an identity classifier with a CosFace head; its best weights
    on validation people are kept (and survive an interruption in ``models/.train-backup``)."""
    image = keras.Input((config.siamese_size, config.siamese_size, 3))
    label = keras.Input((), dtype="int32")
    # The logits stay float32: bfloat16's 3 digits, times the scale of 30, would blur the margin.
    logits = CosFaceLogits(split.n_classes, config.cosface_scale, config.cosface_margin, dtype="float32")(
        [tower(image), label])
    classifier = keras.Model([image, label], logits)
    schedule = keras.optimizers.schedules.CosineDecay(
        config.learning_rate / 10, decay_steps=epochs * steps, warmup_target=config.learning_rate, warmup_steps=steps
    )
    classifier.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=False,  # on CPU, oneDNN's convolutions beat XLA's: ~1.7x faster steps (bench/train_step_speed.py)
    )
    backup = config.models_dir / ".train-backup"
    config.models_dir.mkdir(parents=True, exist_ok=True)
    watcher = _BestOnValidation(tower, build_chip_embedding(tower, config), split.threshold_pairs, config, backup,
                                max_minutes, started)
    callbacks = [
        keras.callbacks.BackupAndRestore(str(backup / "state")),
        watcher,
        keras.callbacks.CSVLogger(str(config.models_dir / "siamese_training.csv"), append=True),
    ]
    classifier.fit(dataset, epochs=epochs, steps_per_epoch=steps, callbacks=callbacks, verbose=1 if progress else 0)
    watcher.restore_best()
    return watcher


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
        scores = cosine_scores(self.chip_embedding, self.pairs, self.config)
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
