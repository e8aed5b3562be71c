"""``tf.data`` pipelines that stream face chips from their paths (TensorFlow is imported on use)."""

from __future__ import annotations

import numpy as np

def _decode_chip(path, size: int, grey: bool):
    """A chip PNG path (string tensor) -> ``(size, size, 1|3)`` float32 tensor in [0, 1]."""
    import tensorflow as tf

    image = tf.io.decode_png(tf.io.read_file(path), channels=3)
    image = tf.image.resize(image, (size, size), method="area") / 255.0
    return tf.image.rgb_to_grayscale(image) if grey else image


def pair_dataset(
    chips_a: list[str],
    chips_b: list[str],
    labels: list[int] | np.ndarray,
    size: int,
    grey: bool,
    batch_size: int = 32,
):
    """A ``tf.data.Dataset`` of ``((a, b), label)`` batches, decoded from chip files as it goes.

    ``chips_a[i]``, ``chips_b[i]`` are chip PNG paths (see :mod:`facekit.faces.chips`); images come out
    ``(batch, size, size, 1 if grey else 3)`` float32 in [0, 1], labels float32. Only paths are
    held in memory; decoding runs in parallel and the next batches are prefetched.
    """
    import tensorflow as tf

    def load_pair(a, b, label):
        return (_decode_chip(a, size, grey), _decode_chip(b, size, grey)), tf.cast(label, tf.float32)

    dataset = tf.data.Dataset.from_tensor_slices((list(map(str, chips_a)), list(map(str, chips_b)), np.asarray(labels)))
    return dataset.map(load_pair, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def photo_dataset(chips: list[str], size: int, grey: bool, batch_size: int = 64):
    """Chips streamed from paths, in order: batches of ``(batch, size, size, C)`` float32 in [0, 1]."""
    import tensorflow as tf

    paths = tf.data.Dataset.from_tensor_slices(list(map(str, chips)))
    images = paths.map(lambda path: _decode_chip(path, size, grey), num_parallel_calls=tf.data.AUTOTUNE)
    return images.batch(batch_size).prefetch(tf.data.AUTOTUNE)
