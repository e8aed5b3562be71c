"""Every registered Keras layer of facekit's models, in one module: importing it is what lets a
saved model load in Keras' safe mode (no ``Lambda``, no arbitrary code), and it imports nothing of
facekit's but the numpy head, so the model modules (``siamese``, ``pretrained``) can both lean on it.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from facekit.model.head import head_features

_PACKAGE = "facekit"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class L2Normalize(layers.Layer):
    """Scale each vector of the last axis to unit length."""

    def call(self, x):
        return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class HorizontalFlip(layers.Layer):
    """Mirror images ``(batch, H, W, C)`` left to right."""

    def call(self, x):
        return ops.flip(x, axis=2)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class L1Distance(layers.Layer):
    """``|a - b|`` element-wise: the Siamese comparison of two embeddings."""

    def call(self, a, b):
        return ops.abs(a - b)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class EuclideanDistance(layers.Layer):
    """``||a - b||``, ``(batch, 1)``: one number per pair, the comparison dlib's network was trained
    for (its same-person pairs lie within ~0.6)."""

    def call(self, a, b):
        return ops.sqrt(ops.maximum(ops.sum(ops.square(a - b), axis=-1, keepdims=True), 1e-12))


def distance_of(siamese: keras.Model) -> str:
    """The distance ``siamese``'s head takes (a key of :data:`~facekit.model.head.DISTANCES`)."""
    return "euclidean" if any(isinstance(layer, EuclideanDistance) for layer in siamese.layers) else "l1"


def distance_features(siamese: keras.Model, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """What the sigmoid head of ``siamese`` sees for embeddings ``a`` and ``b``: see
    :func:`~facekit.model.head.head_features`. In numpy, so a search needs no Keras call."""
    return head_features(distance_of(siamese), a, b)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CosFaceLogits(layers.Layer):
    """CosFace (Wang et al., 2018) logits ``s * (cos(theta_y) - m)`` for the true class, ``s * cos`` else.

    Takes ``[embeddings (batch, d), labels (batch,)]``; used only while training the tower.
    """

    def __init__(self, n_classes: int, scale: float, margin: float, **kwargs):
        super().__init__(**kwargs)
        self.n_classes, self.scale, self.margin = n_classes, scale, margin

    def build(self, input_shape):
        self.centres = self.add_weight(
            shape=(input_shape[0][-1], self.n_classes), initializer="glorot_uniform", name="centres"
        )

    def call(self, inputs):
        embeddings, labels = inputs
        centres = self.centres / ops.sqrt(ops.sum(ops.square(self.centres), axis=0, keepdims=True) + 1e-12)
        cosine = ops.matmul(embeddings, centres)
        margin = self.margin * ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.n_classes)
        return self.scale * (cosine - margin)

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes, "scale": self.scale, "margin": self.margin}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ChannelAffine(layers.Layer):
    """``x * scale + shift`` per channel: dlib's ``affine`` layer (a batch normalisation frozen
    after training)."""

    def build(self, input_shape):
        channels = input_shape[-1]
        self.scale = self.add_weight(shape=(channels,), initializer="ones", name="scale")
        self.shift = self.add_weight(shape=(channels,), initializer="zeros", name="shift")

    def call(self, x):
        return x * self.scale + self.shift


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PaddedAdd(layers.Layer):
    """``a + b`` where the smaller of the two is first padded with zeros at the bottom, right and
    last channels: dlib's ``add_prev``, which adds maps of different sizes (a stride-2 path can
    come out one pixel smaller than its average-pooled shortcut, and with fewer channels)."""

    def call(self, a, b):
        height, width, channels = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))

        def grown(x):
            return ops.pad(x, [[0, 0], [0, height - x.shape[1]], [0, width - x.shape[2]], [0, channels - x.shape[3]]])

        return grown(a) + grown(b)

    def compute_output_shape(self, a_shape, b_shape):
        return (a_shape[0], *(max(a_shape[i], b_shape[i]) for i in (1, 2, 3)))
