"""Pairs per second: the tf.data pipeline against a plain Python generator over the same pairs.

The generator is the original project's approach: read both photos of a pair, decode, resize,
yield, one after another. Both read the same cached face chips, so the difference is the
pipeline (parallel decode + prefetch), not the face detection.
"""

import time

import numpy as np
from PIL import Image

from facekit import Config
from facekit.data.pairs import load_pairs
from facekit.data.pipeline import pair_dataset
from facekit.faces.chips import chip_pairs

PAIRS = 4000
BATCH = 64


def plain_generator(chips_a, chips_b, labels, size):
    for a, b, label in zip(chips_a, chips_b, labels):
        yield (
            np.asarray(Image.open(a).convert("RGB").resize((size, size)), dtype=np.float32) / 255.0,
            np.asarray(Image.open(b).convert("RGB").resize((size, size)), dtype=np.float32) / 255.0,
            float(label),
        )


def main() -> None:
    config = Config()
    table = load_pairs(config).head(PAIRS)
    pairs = chip_pairs(table, config, workers=2, progress=True).table
    size = config.chip_size

    start = time.perf_counter()
    for _ in plain_generator(pairs.chip_a, pairs.chip_b, pairs.label, size):
        pass
    plain = len(pairs) / (time.perf_counter() - start)

    dataset = pair_dataset(pairs.chip_a, pairs.chip_b, pairs.label, size, grey=False, batch_size=BATCH)
    start = time.perf_counter()
    for _ in dataset:
        pass
    streamed = len(pairs) / (time.perf_counter() - start)

    print(f"{len(pairs)} pairs of {size}x{size} RGB chips")
    print(f"  plain Python generator  {plain:8.0f} pairs/s")
    print(f"  tf.data pipeline        {streamed:8.0f} pairs/s   ({streamed / plain:.1f}x)")


if __name__ == "__main__":
    main()
