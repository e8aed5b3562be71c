"""Milliseconds per training step of the tower (CosFace classifier, batch 128, random pixels) with
XLA on and off, in float32 and mixed bfloat16, all in one run: why ``facekit.train`` compiles
without XLA and trains in bfloat16 where the CPU has it. ``python bench/train_step_speed.py [size]``.
"""

import sys
import time

import keras
import numpy as np
import tensorflow as tf

from facekit import Config
from facekit.model.layers import CosFaceLogits
from facekit.model.siamese import build_embedding
from facekit.model.train import _cpu_has_bfloat16

STEPS, CLASSES = 8, 1038


class _EpochTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def _ms_per_step(size: int, precision: str, xla: bool) -> float:
    keras.mixed_precision.set_global_policy(precision)
    try:
        config = Config().with_(siamese_size=size)
        image, label = keras.Input((size, size, 3)), keras.Input((), dtype="int32")
        tower = build_embedding(config)
        logits = CosFaceLogits(CLASSES, 30.0, 0.35, dtype="float32")([tower(image), label])
        classifier = keras.Model([image, label], logits)
        classifier.compile(optimizer=keras.optimizers.AdamW(1e-3), jit_compile=xla,
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        rng = np.random.default_rng(0)
        x = rng.random((128 * STEPS, size, size, 3), dtype=np.float32)
        y = rng.integers(0, CLASSES, 128 * STEPS)
        batches = tf.data.Dataset.from_tensor_slices(((x, y), y)).batch(128).repeat()
        times = _EpochTimes()
        classifier.fit(batches, steps_per_epoch=STEPS, epochs=4, verbose=0, callbacks=[times])
        return 1000 * min(times.seconds[1:]) / STEPS  # the first epoch includes tracing and compiling
    finally:
        keras.mixed_precision.set_global_policy("float32")


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else Config().siamese_size
    print(f"tower at {size} px, batch 128; bfloat16 instructions on this CPU: {_cpu_has_bfloat16()}")
    settings = [("float32", True), ("float32", False), ("mixed_bfloat16", False)]
    results = {setting: _ms_per_step(size, *setting) for setting in settings}
    slowest = results[settings[0]]
    for (precision, xla), ms in results.items():
        print(f"  {precision:15s} XLA {'on ' if xla else 'off'}  {ms:6.0f} ms a step  {slowest / ms:4.2f}x")


if __name__ == "__main__":
    main()
