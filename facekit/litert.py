"""LiteRT (``ai-edge-litert``): the one runtime that answers.

Everything that gives an answer (the app, the API, ``facekit verify`` and the other answering
commands) runs the face finder's networks and the Siamese towers as ``.tflite`` files through
:class:`Network`, and never imports TensorFlow: a command starts in about a second and a worker
holds a few hundred MiB instead of ~1 GB. Keras builds, trains and exports the towers
(:mod:`facekit.model.export`); a test keeps the two equal.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from facekit.files import stderr_silenced


def cores() -> int:
    """CPU cores this process may use (its affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Network:
    """One ``.tflite`` model: ``network(*inputs) -> [outputs]``, in the file's output order.

    Inputs are float32 arrays whose first axis is the batch; the network is resized to a new
    batch size when one comes (and stays at it). One call at a time (a lock): threads share it and
    take turns. ``threads`` is LiteRT's own thread count (default: the cores this process has).
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter  # ~0.1 s, and only when a network is needed

        self.path = Path(path)
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads or cores())
        with stderr_silenced():  # LiteRT announces its XNNPACK delegate on every allocation
            self._interpreter.allocate_tensors()
        self._inputs = self._interpreter.get_input_details()
        self._lock = threading.Lock()

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        """Each input's shape, batch first (-1 where the batch is free)."""
        return [tuple(int(v) for v in d["shape_signature"]) for d in self._inputs]

    @property
    def output_shapes(self) -> list[tuple[int, ...]]:
        return [tuple(int(v) for v in d["shape_signature"]) for d in self._interpreter.get_output_details()]

    def __call__(self, *inputs: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            if any(tuple(d["shape"]) != x.shape for d, x in zip(self._inputs, inputs)):
                for detail, x in zip(self._inputs, inputs):
                    self._interpreter.resize_tensor_input(detail["index"], x.shape, strict=False)
                with stderr_silenced():
                    self._interpreter.allocate_tensors()
                self._inputs = self._interpreter.get_input_details()
            for detail, x in zip(self._inputs, inputs):
                self._interpreter.set_tensor(detail["index"], np.ascontiguousarray(x, dtype=np.float32))
            self._interpreter.invoke()
            return [self._interpreter.get_tensor(d["index"]).copy() for d in self._interpreter.get_output_details()]
