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

import json
import resource
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
from keras import layers

from .calibrate import figures_at_lines, fit_head_and_thresholds, open_set_line
from .config import DLIB_CHIPS, Config
from .errors import DataError
from .files import file_digest
from .layers import ChannelAffine, EuclideanDistance, HorizontalFlip, L2Normalize, PaddedAdd
from .siamese import siamese_of
from .split import Split, pairs_of, training_split

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


def build_pretrained_siamese(tower: keras.Model, config: Config) -> keras.Model:
    """Two ``(chip_size, chip_size, 3)`` chips in [0, 1] (dlib's framing) -> P(same), ``(batch, 1)``.

    The shared tower is dlib's network; a chip's embedding is its descriptor averaged with its
    mirror image's and scaled to unit length; the registered Euclidean distance and a sigmoid unit
    (fitted on LFW's held-out training people) give the probability: the seed's Siamese shape.
    Validation people preferred this to the raw descriptor, to the descriptor without its mirror,
    and to a weighted L1 head (the model card has the figures).
    """
    chip = keras.Input((config.chip_size, config.chip_size, 3), name="chip")
    face = chip if config.chip_size == INPUT_SIZE else layers.Resizing(INPUT_SIZE, INPUT_SIZE)(chip)
    both = layers.Add()([tower(face), tower(HorizontalFlip()(face))])
    return siamese_of(keras.Model(chip, L2Normalize()(both), name="chip_embedding"), config, EuclideanDistance)


def train_pretrained(config: Config | None = None, weights_file: str | Path | None = None, workers: int = 1, progress: bool = False) -> dict:
    """Convert dlib's network (``weights_file``, default: the installed face_recognition_models'),
    fit the Siamese head and lines on LFW's held-out training people, save ``models/siamese_pretrained``
    (.keras + .json) and return the record. Test people choose nothing."""
    started = time.time()
    config = (config or Config()).with_(model="pretrained", **DLIB_CHIPS)
    source = Path(weights_file) if weights_file else installed_dlib_resnet()
    siamese = build_pretrained_siamese(build_dlib_tower(read_dlib_resnet(source)), config)
    split = training_split(config, workers, progress)
    answers = fit_head_and_thresholds(siamese, _roles_for_an_outside_tower(split, config.seed), config,
                                      max_false_different=PRETRAINED_MAX_FALSE_DIFFERENT)
    lines = answers["thresholds"]
    answers["lines_chosen_on"] = "pairs of the LFW training people (the validation figures above are theirs)"
    answers["check_on_validation_people"] = figures_at_lines(siamese, split, config, lines["different_below"], lines["same_from"])
    lines.update(open_set_line(siamese, split, config))
    config.models_dir.mkdir(parents=True, exist_ok=True)
    siamese.save(config.siamese_path)
    record = {
        "model": config.siamese_path.name,
        **answers,
        "chip": DLIB_CHIPS,
        "tower": {**TOWER_SOURCE, "file": source.name, "sha256": file_digest(source, "sha256")},
        "split": split.description,
        "seed": config.seed,
        "training_seconds": round(time.time() - started, 1),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parameters": int(siamese.count_params()),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    config.siamese_info_path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def _roles_for_an_outside_tower(split: Split, seed: int) -> Split:
    """``split`` with roles suited to a tower that learnt nothing from LFW: every LFW training
    person is as new to it as a validation person, so the lines are read off the training people's
    pairs (~6,000 same-person pairs: the 1% point rests on about 60 of them, not on 3 as among the
    validation people's 381) with look-alikes among everyone, and the two-number head is fitted on
    the validation people's pairs. Test people still choose nothing."""
    rng = np.random.default_rng(seed)
    training_people: dict[str, list[str]] = {}
    for chip, label in zip(split.train_chips, split.train_labels):
        training_people.setdefault(f"person {int(label)}", []).append(chip)
    crowd = [(index, chip) for index, chips in enumerate(split.validation_people.values()) for chip in chips]
    return replace(split, train_chips=[chip for _, chip in crowd], train_labels=np.array([index for index, _ in crowd]),
                   head_pairs=pairs_of(split.validation_people, rng), threshold_pairs=pairs_of(training_people, rng),
                   threshold_people=training_people)


# Its "different" line may lose at most 1% of same-person pairs (the scratch model's: 5%).
PRETRAINED_MAX_FALSE_DIFFERENT = 0.01
TOWER_SOURCE = {
    "name": "dlib_face_recognition_resnet_model_v1",
    "author": "Davis E. King (dlib)",
    "licence": "public domain (CC0 1.0), as shipped in the PyPI package face_recognition_models 0.3.0",
    "trained_on": "about 3 million photos of 7,485 people (face scrub, VGG and other web photos; "
                  "people in LFW removed by its author), none of them LFW's photos",
    "reported_lfw": "0.9938 ± 0.0027 (its author, LFW View 2, 'labeled outside data')",
}
