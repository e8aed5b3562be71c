"""Integration tests on real LFW photos (from ../shared/lfw; skipped with the reason without it)."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from facekit import Config, chip_photos, face_chip, identity_of, load_image
from facekit.cli import main
from facekit.data import held_out_people, list_photos


@pytest.fixture(scope="module")
def imported(mini_lfw, tmp_path_factory, chip_config):
    """The mini LFW imported through the CLI, sharing the session's chip cache."""
    data_dir = tmp_path_factory.mktemp("imported") / "data"
    data_dir.mkdir()
    (data_dir / ".chips").symlink_to(chip_config.data_dir / ".chips", target_is_directory=True)
    (chip_config.data_dir / ".chips").mkdir(parents=True, exist_ok=True)
    assert main(["data", "import-lfw", str(mini_lfw / "lfw"), "--data-dir", str(data_dir)]) == 0
    return Config(data_dir=data_dir, models_dir=data_dir.parent / "models")


def test_face_chips_are_found_for_lfw_photos(mini_lfw, chip_config):
    photos = sorted((mini_lfw / "lfw").glob("*/*.jpg"))
    results = chip_photos(photos, chip_config)
    found = [r for r in results.values() if r.chip_path is not None]
    assert len(found) >= 0.95 * len(photos)
    chip = np.asarray(Image.open(found[0].chip_path))
    assert chip.shape == (chip_config.chip_size, chip_config.chip_size, 3)
    # The cache answers the second time without detecting again.
    again = chip_photos(photos, chip_config)
    assert {p: r.chip_path for p, r in again.items()} == {p: r.chip_path for p, r in results.items()}


def test_lfw_face_is_the_centred_one_and_survives_resizing_and_rotation(mini_lfw):
    photo = sorted((mini_lfw / "lfw").glob("*/*.jpg"))[0]
    chip = face_chip(photo)
    x, y, w, h = chip.face.box
    assert abs(x + w / 2 - 125) < 30 and abs(y + h / 2 - 125) < 40
    image = load_image(photo)
    big = np.asarray(Image.fromarray(image).resize((1000, 1000)))  # goes through the downscaled detection
    big_chip = face_chip(big)
    assert big_chip.face.box[2] == pytest.approx(4 * w, rel=0.2)
    rotated = Image.fromarray(image).rotate(90, expand=True)  # stored sideways, EXIF says "rotate back"
    exif = Image.Exif()
    exif[0x0112] = 6
    path = mini_lfw / "rotated.jpg"
    rotated.save(path, exif=exif.tobytes())
    upright = face_chip(path)
    difference = np.abs(upright.chip.astype(int) - chip.chip.astype(int)).mean()
    assert difference < 25


def test_import_keeps_view1_test_people_out_of_training(imported, mini_lfw):
    held_out = held_out_people(mini_lfw)
    training = [p for f in ("anchor", "positive", "negative") for p in list_photos(imported.data_dir / f)]
    assert training and not {identity_of(p) for p in training} & held_out
    assert len(list((imported.data_dir / "lfw").glob("*/*.jpg"))) == len(list((mini_lfw / "lfw").glob("*/*.jpg")))


def test_pairs_baseline_and_evaluation_end_to_end(imported, mini_lfw, capsys):
    data = ["--data-dir", str(imported.data_dir)]
    assert main(["data", "pairs", *data]) == 0
    table = pd.read_csv(imported.pairs_csv)
    assert (table.label == 1).sum() == (table.label == 0).sum() > 0
    same_identity = table.anchor_path.map(identity_of) == table.other_path.map(identity_of)
    assert (same_identity == (table.label == 1)).all()
    models = ["--models-dir", str(imported.models_dir), "--workers", "1"]
    assert main(["train", "baseline", *data, *models]) == 0
    assert imported.baseline_path.exists()
    capsys.readouterr()
    code = main(["evaluate", "baseline", *data, *models, "--lfw-pairs", str(mini_lfw / "pairsMini.txt"),
                 "--lfw-dir", str(imported.lfw_dir), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert {"accuracy", "precision", "recall", "f1", "auc", "n_pairs"} <= result.keys()
    assert result["n_pairs"] == 24 and result["n_same"] == 12
    assert 0.0 <= result["accuracy"] <= 1.0 and 0.0 <= result["auc"] <= 1.0
    assert sum(map(sum, result["confusion"])) == 24
    code = main(["evaluate", "baseline", *data, *models, "--lfw-pairs", str(mini_lfw / "pairsMini.txt"),
                 "--lfw-dir", str(imported.lfw_dir), "--json", "--limit", "10"])
    assert code == 0 and json.loads(capsys.readouterr().out)["n_same"] == 5
