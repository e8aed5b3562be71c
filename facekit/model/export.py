"""Keras -> LiteRT: export a trained Siamese model's tower to the ``.tflite`` file that answers.

Keras stays the source of truth (it builds, trains and evaluates); the :class:`~facekit.model.
verifier.Verifier` runs the exported tower with LiteRT and the head in numpy
(:mod:`facekit.model.head`). Training, calibrating and joining call :func:`export_litert` after
saving (:func:`save_siamese`); ``facekit export`` does it again for a model saved by hand. The record goes into the
model's JSON under ``"litert"``: the file, the Keras file it came from (SHA-256), the head's
distance, weights and bias, and the largest difference from Keras on the example faces.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timezone

import numpy as np

from facekit.config import Config
from facekit.files import file_digest, stderr_silenced, write_atomic
from facekit.model.head import head_features, head_probability


def save_siamese(siamese, record: dict, config: Config) -> dict:
    """Save a trained ``siamese`` (``config.siamese_path``), its ``record`` (``siamese_info_path``)
    and its LiteRT export; returns the record as saved (with ``"litert"``)."""
    config.models_dir.mkdir(parents=True, exist_ok=True)
    siamese.save(config.siamese_path)
    write_atomic(config.siamese_info_path, lambda tmp: tmp.write_text(json.dumps(record, indent=2) + "\n"))
    return {**record, "litert": export_litert(config)}


def export_litert(config: Config | None = None) -> dict:
    """Export ``config.model``'s saved Siamese (``models/<name>.keras``) to ``models/<name>.tflite``
    (float32 weights, the batch left free) and record it in ``models/<name>.json``; returns the record.

    The export is checked before it is recorded: embeddings and P(same) of the example faces,
    Keras against LiteRT; a difference over 1e-5 raises ``AssertionError`` and keeps the old file.
    """
    import tensorflow as tf

    from facekit.litert import Network
    from facekit.model.layers import distance_of
    from facekit.model.siamese import load_siamese

    config = config or Config()
    siamese = load_siamese(config.siamese_path)
    embedding = siamese.get_layer("chip_embedding")
    with contextlib.redirect_stdout(io.StringIO()), stderr_silenced():  # the converter's own log lines
        flat = tf.lite.TFLiteConverter.from_keras_model(embedding).convert()
    weights, bias = siamese.get_layer("same_probability").get_weights()
    head = {"distance": distance_of(siamese), "weights": weights.reshape(-1).tolist(), "bias": float(bias[0])}
    staged = config.siamese_litert_path.with_suffix(".tflite.new")
    write_atomic(staged, lambda tmp: tmp.write_bytes(flat))
    difference = _largest_difference(siamese, Network(staged), head, _example_chips(config))
    if difference > 1e-5:
        staged.unlink()
        raise AssertionError(f"the exported tower differs from Keras by {difference:.2e} (more than 1e-5)")
    staged.replace(config.siamese_litert_path)
    record = {
        "file": config.siamese_litert_path.name,
        "from": config.siamese_path.name,
        "keras_sha256": file_digest(config.siamese_path, "sha256"),
        "runtime": "ai-edge-litert",
        "weights": "float32",
        "head": head,
        "largest_difference_from_keras": difference,
        "checked_on": "the example photos' faces (embeddings and P(same) of every pair of them)",
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    info = json.loads(config.siamese_info_path.read_text())
    info["litert"] = record
    write_atomic(config.siamese_info_path, lambda tmp: tmp.write_text(json.dumps(info, indent=2) + "\n"))
    return record


def _example_chips(config: Config) -> np.ndarray:
    """The shipped example photos' faces, cut the way this model takes them: ``(n, side, side, 3)`` uint8."""
    from facekit.examples import EXAMPLES_DIR
    from facekit.faces.align import face_chip

    info = json.loads(config.siamese_info_path.read_text())
    framing = config.with_(**info.get("chip", {}))
    return np.stack([face_chip(photo, framing).chip for photo in sorted(EXAMPLES_DIR.glob("*.jpg"))])


def _largest_difference(siamese, network, head: dict, chips: np.ndarray) -> float:
    """Largest |Keras - LiteRT| over the chips' embeddings and the P(same) of every pair of them."""
    inputs = chips.astype(np.float32) / 255.0
    keras_embeddings = np.asarray(siamese.get_layer("chip_embedding").predict_on_batch(inputs))
    litert_embeddings = network(inputs)[0]
    first, second = np.triu_indices(len(chips), 1)
    keras_p = np.asarray(siamese.predict_on_batch([inputs[first], inputs[second]])).reshape(-1)
    litert_p = head_probability(head_features(head["distance"], litert_embeddings[first], litert_embeddings[second]),
                                np.asarray(head["weights"]), head["bias"])
    return float(max(np.abs(keras_embeddings - litert_embeddings).max(), np.abs(keras_p - litert_p).max()))
