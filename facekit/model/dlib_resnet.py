"""A face tower that has seen millions of faces: dlib's face-recognition ResNet, in Keras.

Davis King's ``dlib_face_recognition_resnet_model_v1`` (released into the public domain, CC0;
trained on ~3 M photos of 7,485 people, none of them LFW's) maps a 150x150 aligned face to a
128-d descriptor. Its weights ship in the PyPI package ``face_recognition_models``, in dlib's own
serialisation. This module reads that file with its own reader (no dlib needed) and rebuilds the
network from Keras layers, so the app, the CLI and the API run on TensorFlow alone:

    read_dlib_resnet(path) -> DlibResNet (weights)  ->  build_dlib_tower(weights) -> keras.Model

The network (dlib's ``dnn_face_recognition_ex.cpp``): a 7x7/2 convolution with 32 filters,
3x3/2 max-pooling, then residual blocks (two 3x3 convolutions, each followed by a per-channel
affine transform) at 32, 64, 128, 256 and 256 filters, the first block of each stage after the
first halving the map (a stride-2 convolution on one side, 2x2 average pooling on the other),
global average pooling and a 128-unit linear layer without bias.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers

from facekit.errors import DataError
from facekit.model.layers import ChannelAffine, PaddedAdd

DESCRIPTOR_SIZE = 128
INPUT_SIZE = 150
# Residual blocks per stage and their filters, input side first; the first block of every stage
# but the first halves the map ("ares_down" in dlib's example).
_STAGES = ((32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True))


@dataclass(frozen=True)
class _Conv:
    kernel: np.ndarray  # (height, width, in, out), Keras' layout
    bias: np.ndarray  # (out,)
    stride: int
    padding: int


@dataclass(frozen=True)
class DlibResNet:
    """The weights of dlib's face-recognition ResNet, in the order the network uses them.

    ``convs`` and ``affines`` (``(scale, shift)`` per channel) alternate, one affine after each
    convolution (29 each); ``dense`` is ``(256, 128)``; ``channel_means`` the RGB means (0-255)
    that dlib's input layer subtracts before dividing by 256.
    """

    convs: tuple[_Conv, ...]
    affines: tuple[tuple[np.ndarray, np.ndarray], ...]
    dense: np.ndarray
    channel_means: tuple[float, float, float]


class _Reader:
    """dlib's serialisation: integers as a length byte (low 4 bits; 0x80 = negative) and that many
    little-endian bytes; floats as such an integer mantissa and exponent; tensors as version 2,
    four dimensions, then raw little-endian float32."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def integer(self) -> int:
        control = self.data[self.at]
        size = control & 0x0F
        value = int.from_bytes(self.data[self.at + 1 : self.at + 1 + size], "little")
        self.at += 1 + size
        return -value if control & 0x80 else value

    def real(self) -> float:
        mantissa = self.integer()
        return mantissa * 2.0 ** self.integer()

    def tensor(self) -> np.ndarray:
        if self.integer() != 2:
            raise ValueError("unknown tensor version")
        shape = [self.integer() for _ in range(4)]
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, "<f4", count, self.at).astype(np.float32)
        self.at += 4 * count
        return values.reshape(shape)

    def skip_to(self, tag: bytes) -> bool:
        """Move just past the next serialised string ``tag``; False when there is none."""
        found = self.data.find(bytes([1, len(tag)]) + tag, self.at)
        if found < 0:
            return False
        self.at = found + 2 + len(tag)
        return True


def read_dlib_resnet(path: str | Path) -> DlibResNet:
    """Read ``dlib_face_recognition_resnet_model_v1.dat`` (as shipped in ``face_recognition_models``).

    Raises :class:`~facekit.errors.DataError` if the file is not that network.
    """
    path = Path(path)
    try:
        reader = _Reader(path.read_bytes())
        if not reader.skip_to(b"input_rgb_image_sized"):
            raise ValueError("no input layer")
        channel_means = (reader.real(), reader.real(), reader.real())
        convs, affines = [], []
        while reader.skip_to(b"con_4"):
            params = reader.tensor().reshape(-1)
            filters, rows, cols, stride, _, padding, _ = (reader.integer() for _ in range(7))
            weights = params[:-filters].reshape(filters, -1, rows, cols)  # (out, in, h, w), cross-correlation
            convs.append(_Conv(weights.transpose(2, 3, 1, 0).copy(), params[-filters:].copy(), stride, padding))
            if not reader.skip_to(b"affine_"):
                raise ValueError("a convolution without its affine layer")
            params = reader.tensor().reshape(-1)
            affines.append((params[:filters].copy(), params[filters:].copy()))
        if not reader.skip_to(b"fc_2"):
            raise ValueError("no final layer")
        outputs, inputs = reader.integer(), reader.integer()
        dense = reader.tensor().reshape(inputs, outputs)
    except (OSError, ValueError, IndexError) as error:
        raise DataError(f"{path} is not dlib's face-recognition ResNet ({error})",
                        "Point at dlib_face_recognition_resnet_model_v1.dat from the face_recognition_models package.") from None
    expected = 1 + 2 * sum(blocks for _, blocks, _ in _STAGES)
    if len(convs) != expected or dense.shape != (256, DESCRIPTOR_SIZE):
        raise DataError(f"{path} has {len(convs)} convolutions and a {dense.shape} output layer, "
                        f"not the {expected} and (256, {DESCRIPTOR_SIZE}) of dlib's face-recognition ResNet")
    return DlibResNet(tuple(convs), tuple(affines), dense.copy(), channel_means)


def installed_dlib_resnet() -> Path:
    """Where pip's ``face_recognition_models`` keeps the network's file (a development-time source).

    Raises :class:`~facekit.errors.DataError` when the package is not installed.
    """
    try:
        import face_recognition_models  # only for the conversion; never at run time
    except ImportError:
        raise DataError("The package face_recognition_models is not installed",
                        "pip install face_recognition_models, or pass the .dat file's path.") from None
    return Path(face_recognition_models.face_recognition_model_location())


def build_dlib_tower(weights: DlibResNet | None = None) -> keras.Model:
    """The network: ``(150, 150, 3)`` RGB in [0, 1] -> ``(128,)`` descriptor (dlib's own numbers:
    same-person descriptors lie within a Euclidean distance of ~0.6). With ``weights``, dlib's."""
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="face")
    means = np.array(weights.channel_means if weights else (122.782, 117.001, 104.298), dtype=np.float32)
    # dlib feeds (pixel - mean) / 256 with pixels in 0-255; our chips arrive in [0, 1].
    x = layers.Normalization(mean=means / 255.0, variance=np.full(3, (256.0 / 255.0) ** 2), name="dlib_input")(inputs)
    units: list[tuple[layers.Conv2D, ChannelAffine]] = []  # in dlib's order, to load its weights

    def conv_affine(x, filters, size, stride):
        conv = layers.Conv2D(filters, size, strides=stride, padding="same" if stride == 1 else "valid")
        units.append((conv, ChannelAffine()))
        return units[-1][1](conv(x))

    x = layers.MaxPooling2D(3, 2)(layers.ReLU()(conv_affine(x, 32, 7, 2)))
    for filters, blocks, halves in _STAGES:
        for block in range(blocks):
            down = halves and block == 0
            main = conv_affine(layers.ReLU()(conv_affine(x, filters, 3, 2 if down else 1)), filters, 3, 1)
            shortcut = layers.AveragePooling2D(2, 2)(x) if down else x
            x = layers.ReLU()(PaddedAdd()(main, shortcut))
    dense = layers.Dense(DESCRIPTOR_SIZE, use_bias=False, name="descriptor")
    tower = keras.Model(inputs, dense(layers.GlobalAveragePooling2D()(x)), name="dlib_resnet")
    if weights is not None:
        for (conv, affine), source, (scale, shift) in zip(units, weights.convs, weights.affines, strict=True):
            if conv.strides[0] != source.stride or source.padding not in (0, conv.kernel_size[0] // 2):
                raise DataError("The weights file's layers are not laid out as dlib's face-recognition ResNet")
            conv.set_weights([source.kernel, source.bias])
            affine.set_weights([scale, shift])
        dense.set_weights([weights.dense])
    return tower
