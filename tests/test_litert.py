"""LiteRT answers, Keras is the source of truth: the exported towers give Keras' numbers, and
nothing that answers (the library's verify, the commands, the API, the app's pages) imports TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from facekit import Config
from facekit.examples import EXAMPLES_DIR
from facekit.files import file_digest

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("sface", "pretrained", "scratch")


@pytest.mark.parametrize("model", MODELS)
def test_the_shipped_export_is_of_the_shipped_keras_model(model):
    config = Config(model=model)
    export = json.loads(config.siamese_info_path.read_text())["litert"]
    assert export["keras_sha256"] == file_digest(config.siamese_path, "sha256")
    assert export["largest_difference_from_keras"] <= 1e-5
    assert config.siamese_litert_path.name == export["file"] and config.siamese_litert_path.stat().st_size > 1e6


def _real_chips(framing: Config) -> np.ndarray:
    """The example photos' faces, and each one mirrored, darkened and blurred: ``(28, S, S, 3)`` uint8."""
    from facekit.faces.align import face_chip

    chips = [face_chip(photo, framing).chip for photo in sorted(EXAMPLES_DIR.glob("*.jpg"))]
    variants = [[chip[:, ::-1], (chip * 0.4).astype(np.uint8), cv2.GaussianBlur(chip, (9, 9), 3)] for chip in chips]
    return np.ascontiguousarray(np.stack(chips + [v for group in variants for v in group]))


@pytest.mark.parametrize("model", MODELS)
def test_litert_gives_keras_embeddings_probabilities_and_verdicts_on_real_faces(model):
    from facekit.model.siamese import load_siamese
    from facekit.model.verifier import Verifier

    verifier = Verifier(Config(model=model))
    keras_model = load_siamese(verifier.config.siamese_path)
    chips = _real_chips(verifier.config)
    inputs = chips.astype(np.float32) / 255.0
    keras_embeddings = np.asarray(keras_model.get_layer("chip_embedding").predict_on_batch(inputs))
    assert np.abs(verifier.embeddings(chips) - keras_embeddings).max() <= 1e-5

    first, second = np.triu_indices(len(chips), 1)  # 378 pairs, same people and different ones
    keras_p = np.asarray(keras_model.predict_on_batch([inputs[first], inputs[second]])).reshape(-1)
    litert_p = verifier.probabilities(chips[first], chips[second])
    assert np.abs(litert_p - keras_p).max() <= 1e-5
    decide = verifier.thresholds.decide
    assert [decide(p) for p in litert_p] == [decide(p) for p in keras_p]
    assert {"same", "different"} <= {decide(p) for p in litert_p}  # the pairs do test both answers


def test_every_view1_test_pair_gets_the_keras_verdict(lfw_source, tmp_path):
    """The default model on all 1,000 pairs of pairsDevTest (people no model chose anything on)."""
    from facekit.data.lfw import read_lfw_pairs
    from facekit.faces.chips import chip_photos, read_chip
    from facekit.model.siamese import load_siamese
    from facekit.model.verifier import Verifier

    lines = [line.split() for line in (lfw_source / "pairsDevTest.txt").read_text().splitlines()[1:]]
    people = {fields[0] for fields in lines} | {fields[2] for fields in lines if len(fields) == 4}
    with tarfile.open(lfw_source / "lfw.tgz") as tar:  # the archive's folders are lfw/<Name>/
        tar.extractall(tmp_path, members=[m for m in tar if len(Path(m.name).parts) == 3
                                          and Path(m.name).parts[1] in people], filter="data")
    pairs = read_lfw_pairs(lfw_source / "pairsDevTest.txt", tmp_path / "lfw")
    verifier = Verifier(Config())
    framing = verifier.framing(Config(data_dir=tmp_path / "data"))
    chips = chip_photos([*map(Path, pairs.anchor_path), *map(Path, pairs.other_path)], framing, workers=2)
    usable = [i for i, (a, b) in enumerate(zip(pairs.anchor_path, pairs.other_path))
              if chips[Path(a)].chip_path and chips[Path(b)].chip_path]
    assert len(usable) >= 995
    a = np.stack([read_chip(chips[Path(pairs.anchor_path[i])].chip_path) for i in usable])
    b = np.stack([read_chip(chips[Path(pairs.other_path[i])].chip_path) for i in usable])
    keras_model = load_siamese(verifier.config.siamese_path)
    keras_p = np.concatenate([np.asarray(keras_model.predict_on_batch([a[i : i + 64] / 255.0, b[i : i + 64] / 255.0]))
                              for i in range(0, len(a), 64)]).reshape(-1)
    litert_p = verifier.probabilities(a, b)
    assert np.abs(litert_p - keras_p).max() <= 1e-5
    decide = verifier.thresholds.decide
    assert [decide(p) for p in litert_p] == [decide(p) for p in keras_p]


def _modules_loaded_by(code: str, tmp_path: Path) -> list[str]:
    """Run ``code`` in a fresh Python (the repository as working folder, an empty data folder) and
    return which of TensorFlow, Keras and MTCNN it imported."""
    probe = textwrap.dedent(code) + textwrap.dedent("""
        import sys
        print("LOADED", [m for m in ("tensorflow", "keras", "mtcnn") if m in sys.modules])
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FACEKIT_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1].removeprefix("LOADED ").replace("'", '"'))


def test_the_answering_commands_never_import_tensorflow(tmp_path):
    examples = EXAMPLES_DIR
    assert _modules_loaded_by(f"""
        from facekit.cli import main
        assert main(["verify", "{examples / 'obama.jpg'}", "{examples / 'obama1.jpg'}"]) == 0
        assert main(["verify", "--json", "--model", "scratch", "{examples / 'obama.jpg'}", "{examples / 'biden.jpg'}"]) in (0, 1, 3)
        assert main(["people", "add", "Joe Biden", "{examples / 'biden.jpg'}"]) == 0
        assert main(["people", "list"]) == 0
        assert main(["identify", "--json", "{examples / 'two_people.jpg'}"]) == 0
        assert main(["people", "remove", "Joe Biden"]) == 0
    """, tmp_path) == []


def test_the_api_never_imports_tensorflow(tmp_path):
    examples = EXAMPLES_DIR
    assert _modules_loaded_by(f"""
        from fastapi.testclient import TestClient
        from facekit.service.app import create_app

        photo = lambda name: (name, open("{examples}/" + name, "rb").read(), "image/jpeg")
        with TestClient(create_app()) as client:
            assert client.post("/v1/verify", files={{"image1": photo("obama.jpg"), "image2": photo("obama1.jpg")}}).json()["same"]
            assert client.post("/v1/people/Barack Obama/photos", files={{"image": photo("obama2.jpg")}}).status_code == 201
            assert client.post("/v1/identify", files={{"image": photo("obama.jpg")}}).json()["person"] == "Barack Obama"
    """, tmp_path) == []


@pytest.mark.slow
def test_the_app_pages_never_import_tensorflow(tmp_path):
    """Every page, with a verdict on the Verify page (an example pair and who-is-this)."""
    assert _modules_loaded_by(f"""
        from unittest import mock
        from streamlit.testing.v1 import AppTest

        app = AppTest.from_file("{ROOT / 'app.py'}", default_timeout=120).run()
        with mock.patch("streamlit_webrtc.component.get_this_session_info", return_value=None):
            for page in ("pages/verify.py", "pages/capture.py", "pages/dataset.py", "pages/baseline-vs-siamese.py"):
                app.switch_page(page).run()
                assert not app.exception, page
        app.switch_page("pages/verify.py").run()
        app.button(key="example-0").click().run()
        app.button(key="who_example-0").click().run()
        assert not app.exception and "This is Barack Obama" in " ".join(m.value for m in app.success)
    """, tmp_path) == []
