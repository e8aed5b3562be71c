"""The Siamese network (Koch, Zemel & Salakhutdinov, 2015), sized for a CPU.

One convolutional tower maps a face chip to a unit-length embedding; the Siamese model runs both
photos through that same tower, takes the element-wise L1 distance of the embeddings (a
registered layer) and a sigmoid unit turns it into P(same person).

Training has two steps, because at equal CPU time a margin loss beat pairwise cross-entropy by
~12 points on LFW (see shared/NOTES.md):

1. the tower learns as an identity classifier with a CosFace head (additive cosine margin) over
   the training people, with augmentation, early stopping on pairs of *held-out training people*;
2. the sigmoid head is fitted (logistic regression, i.e. Platt-calibrated) on pairs of half of
   those held-out people, and the decision threshold is chosen on pairs of the other half.
"""

from __future__ import annotations

import keras
from keras import layers

from facekit.config import Config
from facekit.model.layers import HorizontalFlip, L1Distance, L2Normalize


def _conv_block(x, filters: int, strides: int = 1):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_embedding(config: Config | None = None) -> keras.Model:
    """The shared tower: ``(siamese_size, siamese_size, 3)`` in [0, 1] -> ``(embedding_dim,)``, unit length.

    A stride-2 stem, three stages of two 3x3 conv+BN+ReLU (48, 96, 192 filters) each closed by
    max-pooling, a learned per-channel spatial pooling (a depthwise convolution over the whole
    remaining map, which keeps *where* a feature is, unlike global averaging), dropout and a
    linear projection. About 0.7 M parameters.
    """
    config = config or Config()
    size = config.siamese_size
    inputs = keras.Input((size, size, 3), name="face")
    x = layers.Rescaling(2.0, offset=-1.0)(inputs)
    x = _conv_block(x, 32, strides=2)
    for filters in (48, 96, 192):
        x = _conv_block(x, filters)
        x = _conv_block(x, filters)
        x = layers.MaxPooling2D()(x)
    x = layers.DepthwiseConv2D(x.shape[1], padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization()(layers.Flatten()(x))
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(config.embedding_dim, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return keras.Model(inputs, L2Normalize(name="unit_length")(x), name="embedding")


def _framing(config: Config) -> keras.Sequential:
    """Chip -> tower input: keep the central face, drop the chip's margin, shrink to the tower size."""
    crop = round(config.chip_size * config.siamese_crop)
    return keras.Sequential(
        [layers.CenterCrop(crop, crop), layers.Resizing(config.siamese_size, config.siamese_size, interpolation="bilinear")],
        name="framing",
    )


def build_chip_embedding(embedding: keras.Model, config: Config | None = None) -> keras.Model:
    """Chip ``(chip_size, chip_size, 3)`` in [0, 1] -> embedding, averaged with its mirror image's
    (a face and its mirror are the same person; averaging the two steadies the embedding)."""
    config = config or Config()
    chip = keras.Input((config.chip_size, config.chip_size, 3), name="chip")
    face = _framing(config)(chip)
    both = layers.Add()([embedding(face), embedding(HorizontalFlip()(face))])
    return keras.Model(chip, L2Normalize()(both), name="chip_embedding")


def build_siamese(config: Config | None = None, embedding: keras.Model | None = None) -> keras.Model:
    """Two chips -> P(same person), ``(batch, 1)`` in [0, 1].

    Inputs ``anchor`` and ``other`` are ``(chip_size, chip_size, 3)`` float in [0, 1] (a
    :class:`~facekit.faces.FaceChip`'s ``chip / 255``). Both go through one shared tower
    (``embedding``, built fresh if not given); a registered :class:`L1Distance` layer compares
    them; a sigmoid unit gives the probability.
    """
    config = config or Config()
    return siamese_of(build_chip_embedding(embedding or build_embedding(config), config), config)


def build_ensemble_siamese(chip_embeddings: list[keras.Model], config: Config | None = None) -> keras.Model:
    """A Siamese model over several trained towers at once (each a ``chip_embedding`` model of a
    saved Siamese, with its own framing and input size).

    A chip's embeddings from every tower are concatenated and scaled to unit length, so the
    cosine of two chips is the mean of the towers' cosines; the same :class:`L1Distance` and
    sigmoid unit then give P(same). Towers trained apart make different mistakes, so together
    they separate people better than either alone.
    """
    config = config or Config()
    chip = keras.Input((config.chip_size, config.chip_size, 3), name="chip")
    towers = [keras.Model(m.input, m.output, name=f"tower_{i}")(chip) for i, m in enumerate(chip_embeddings)]
    joint = L2Normalize(name="unit_length")(layers.Concatenate()(towers))
    return siamese_of(keras.Model(chip, joint, name="chip_embedding"), config)


def siamese_of(chip_embedding: keras.Model, config: Config, distance=L1Distance) -> keras.Model:
    """Two chips through one ``chip_embedding`` model -> a registered ``distance`` layer
    (:class:`L1Distance` or :class:`EuclideanDistance`) -> sigmoid P(same)."""
    anchor = keras.Input((config.chip_size, config.chip_size, 3), name="anchor")
    other = keras.Input((config.chip_size, config.chip_size, 3), name="other")
    distance = distance(name="distance")(chip_embedding(anchor), chip_embedding(other))
    probability = layers.Dense(1, activation="sigmoid", name="same_probability")(distance)
    return keras.Model([anchor, other], probability, name="siamese")


def load_siamese(path) -> keras.Model:
    """Load a saved Siamese model with Keras' safe mode on (no arbitrary code is run); its layers
    are registered by :mod:`facekit.model.layers`, imported above."""
    return keras.saving.load_model(path, safe_mode=True, compile=False)
