import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from facekit import DataError, dataset_stats, identity_of, import_lfw, make_pairs, read_lfw_pairs
from facekit.data.lfw import held_out_people
from facekit.data.pairs import load_pairs, save_pairs


def _touch(folder: Path, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")


def test_identity_of_lfw_and_capture_names():
    assert identity_of("negative/George_W_Bush_0001.jpg") == "George_W_Bush"
    assert identity_of("anchor/alice_20261127T101500123.jpg") == "alice"
    assert identity_of("positive/Jean-Claude_Van_Damme_0002.jpg") == "Jean-Claude_Van_Damme"


def test_pairs_are_balanced_identity_checked_and_reproducible(config):
    _touch(config.data_dir / "anchor", [f"ann_{i}.jpg" for i in range(3)] + [f"bob_{i}.jpg" for i in range(2)])
    _touch(config.data_dir / "positive", [f"ann_{i}.jpg" for i in range(10, 14)] + ["bob_10.jpg", "carl_1.jpg"])
    # A "negative" of ann must never be paired with ann's anchors.
    _touch(config.data_dir / "negative", [f"neg{i}_1.jpg" for i in range(20)] + ["ann_99.jpg"])
    table = make_pairs(config, seed=1)
    assert list(table.columns) == ["anchor_path", "other_path", "label"]
    same, different = table[table.label == 1], table[table.label == 0]
    assert len(same) == 3 * 4 + 2 * 1  # every anchor x positive of the same person; carl has no anchor
    assert len(different) == len(same)
    assert (same.anchor_path.map(identity_of) == same.other_path.map(identity_of)).all()
    assert (different.anchor_path.map(identity_of) != different.other_path.map(identity_of)).all()
    assert not table.duplicated().any()
    assert table.anchor_path.str.startswith("anchor/").all()
    pd.testing.assert_frame_equal(table, make_pairs(config, seed=1))
    assert not table.equals(make_pairs(config, seed=2))


def test_pairs_use_fewer_positives_when_negatives_run_short(config):
    _touch(config.data_dir / "anchor", [f"ann_{i}.jpg" for i in range(5)])
    _touch(config.data_dir / "positive", [f"ann_{i}.jpg" for i in range(10, 15)])
    _touch(config.data_dir / "negative", ["zed_1.jpg", "yan_1.jpg"])
    table = make_pairs(config)
    assert table.label.value_counts().to_dict() == {1: 10, 0: 10}


def test_pairs_scale_past_the_original_project_without_pixels(config):
    # 40 people x 60 anchors x 60 positives = 144,000 same pairs, more than the original 112,868 rows.
    people = [f"person{p:02d}" for p in range(40)]
    _touch(config.data_dir / "anchor", [f"{p}_{i:03d}.jpg" for p in people for i in range(60)])
    _touch(config.data_dir / "positive", [f"{p}_{i:03d}.jpg" for p in people for i in range(100, 160)])
    _touch(config.data_dir / "negative", [f"other{i}_1.jpg" for i in range(3000)])
    table = make_pairs(config)
    assert len(table) == 2 * 144_000
    save_pairs(table, config)
    assert load_pairs(config).shape == (288_000, 3)


def test_pairs_errors_say_what_to_do(config):
    with pytest.raises(DataError, match="import-lfw"):
        make_pairs(config)
    with pytest.raises(DataError, match="facekit data pairs"):
        load_pairs(config)
    _touch(config.data_dir / "anchor", ["ann_1.jpg"])
    _touch(config.data_dir / "positive", ["ann_2.jpg"])
    with pytest.raises(DataError, match="negative/ is empty"):
        make_pairs(config)


def _fake_lfw(root: Path, people: dict[str, int]) -> Path:
    """An LFW-shaped tree of tiny JPEGs: ``root/lfw/<Name>/<Name>_NNNN.jpg``."""
    for name, count in people.items():
        folder = root / "lfw" / name
        folder.mkdir(parents=True)
        for i in range(1, count + 1):
            Image.new("RGB", (250, 250), (i * 20 % 255, 80, 120)).save(folder / f"{name}_{i:04d}.jpg")
    return root / "lfw"


def _protocol(root: Path, test_people: dict[str, int]):
    lines = [str(len(test_people))] + [f"{n}\t{c}" for n, c in test_people.items()]
    (root / "peopleDevTest.txt").write_text("\n".join(lines) + "\n")
    (root / "pairsDevTest.txt").write_text("1\nTess_Test\t1\t2\nTess_Test\t1\tUma_Unseen\t1\n")


def test_import_from_tgz_keeps_test_people_out_and_is_idempotent(config, tmp_path):
    source = tmp_path / "download"
    lfw = _fake_lfw(source, {"Many_Photos": 6, "Few_Photos": 2, "Tess_Test": 3, "Uma_Unseen": 1})
    _protocol(source, {"Tess_Test": 3})  # Uma appears only in pairsDevTest.txt: held out too
    with tarfile.open(source / "lfw.tgz", "w:gz") as tar:
        tar.add(lfw, arcname="lfw")
    report = import_lfw(source / "lfw.tgz", config, progress=False)
    assert report.n_photos == 12 and report.n_people == 4
    assert report.added == {"anchor": 3, "positive": 3, "negative": 2}
    assert (config.lfw_dir / "Tess_Test" / "Tess_Test_0003.jpg").exists()
    assert (config.protocol_dir / "pairsDevTest.txt").exists()
    training = {identity_of(p) for f in ("anchor", "positive", "negative") for p in (config.data_dir / f).iterdir()}
    assert training == {"Many_Photos", "Few_Photos"}
    again = import_lfw(source / "lfw.tgz", config, progress=False)
    assert again.added == {"anchor": 0, "positive": 0, "negative": 0} and again.already_there == 8
    assert len(list((config.data_dir / "anchor").iterdir())) == 3


def test_import_from_folder_and_repairs_a_leaked_test_photo(config, tmp_path):
    lfw = _fake_lfw(tmp_path / "src", {"Many_Photos": 5, "Tess_Test": 2})
    _protocol(tmp_path / "src", {"Tess_Test": 2})
    import_lfw(lfw, config, min_images=99, progress=False)
    assert len(list((config.data_dir / "negative").iterdir())) == 5
    (config.data_dir / "negative" / "Tess_Test_0001.jpg").write_bytes(b"leaked")
    report = import_lfw(lfw, config, progress=False)
    assert report.removed_test_photos == 1
    assert not (config.data_dir / "negative" / "Tess_Test_0001.jpg").exists()


def test_import_errors_say_what_to_do(config, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        import_lfw(tmp_path / "nope.tgz", config, progress=False)
    lfw = _fake_lfw(tmp_path / "noprotocol", {"A_B": 1})
    with pytest.raises(DataError, match="protocol files"):
        import_lfw(lfw, config, progress=False)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "lfw.tgz").write_bytes(b"not a tarball")
    _protocol(tmp_path / "bad", {"Tess_Test": 1})
    with pytest.raises(DataError, match="tgz"):
        import_lfw(tmp_path / "bad" / "lfw.tgz", config, progress=False)


def test_read_lfw_pairs_single_and_tenfold(tmp_path):
    lfw = _fake_lfw(tmp_path, {"Ann_A": 2, "Bob_B": 1, "Cy_C": 1})
    (tmp_path / "dev.txt").write_text("1\nAnn_A\t1\t2\nBob_B\t1\tCy_C\t1\n")
    table = read_lfw_pairs(tmp_path / "dev.txt", lfw)
    assert table.label.tolist() == [1, 0] and table.fold.tolist() == [0, 0]
    assert Path(table.other_path[1]).name == "Cy_C_0001.jpg"
    (tmp_path / "view2.txt").write_text("2\t1\nAnn_A\t1\t2\nBob_B\t1\tCy_C\t1\nAnn_A\t2\t1\nCy_C\t1\tAnn_A\t2\n")
    assert read_lfw_pairs(tmp_path / "view2.txt", lfw).fold.tolist() == [0, 0, 1, 1]
    (tmp_path / "short.txt").write_text("3\nAnn_A\t1\t2\n")
    with pytest.raises(DataError, match="should hold 6"):
        read_lfw_pairs(tmp_path / "short.txt", lfw)
    (tmp_path / "missing.txt").write_text("1\nAnn_A\t1\t7\nBob_B\t1\tCy_C\t1\n")
    with pytest.raises(DataError, match="--lfw-dir"):
        read_lfw_pairs(tmp_path / "missing.txt", lfw)


def test_held_out_people_needs_a_protocol(tmp_path):
    with pytest.raises(DataError, match="peopleDevTest"):
        held_out_people(tmp_path)


def test_stats_count_folders_people_sizes_and_pairs(config):
    for folder, names in {"anchor": ["ann_1.jpg", "ann_2.jpg"], "positive": ["ann_3.jpg"], "negative": ["bob_1.jpg"]}.items():
        (config.data_dir / folder).mkdir(parents=True)
        for name in names:
            Image.new("RGB", (250, 250)).save(config.data_dir / folder / name)
    (config.data_dir / "negative" / "broken_1.jpg").write_bytes(b"junk")
    empty = dataset_stats(config)
    assert empty.folder_counts == {"anchor": 2, "positive": 1, "negative": 2}
    assert empty.image_sizes == {(250, 250): 4, (0, 0): 1}
    assert empty.pairs == {}
    save_pairs(make_pairs(config), config)
    stats = dataset_stats(config)
    assert stats.pairs == {0: 2, 1: 2}
    assert stats.people.set_index(["folder", "person"]).photos.to_dict()[("anchor", "ann")] == 2


def test_stats_of_an_empty_data_folder(config):
    stats = dataset_stats(config)
    assert stats.folder_counts == {"anchor": 0, "positive": 0, "negative": 0} and stats.people.empty


def test_pair_dataset_streams_batches_from_chip_paths(tmp_path):
    from facekit.data.pipeline import pair_dataset

    paths = []
    for i in range(5):
        Image.fromarray(np.full((112, 112, 3), i * 50, np.uint8)).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    dataset = pair_dataset(paths, paths[::-1], [1, 0, 1, 0, 1], size=64, grey=True, batch_size=2)
    batches = list(dataset.as_numpy_iterator())
    assert [len(labels) for _, labels in batches] == [2, 2, 1]
    (a, b), labels = batches[0]
    assert a.shape == (2, 64, 64, 1) and b.shape == (2, 64, 64, 1) and labels.dtype == np.float32
    np.testing.assert_allclose(a[1], 50 / 255, atol=1e-3)
    np.testing.assert_allclose(b[1], 150 / 255, atol=1e-3)


def test_download_checks_the_checksum_and_leaves_nothing_half_written(tmp_path):
    import functools
    import hashlib
    import http.server
    import threading

    from facekit.data.lfw import _download

    served = tmp_path / "served"
    served.mkdir()
    (served / "pairs.txt").write_bytes(b"1\nAnn_A\t1\t2\n" * 100)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/pairs.txt"
        good = hashlib.sha256((served / "pairs.txt").read_bytes()).hexdigest()
        _download(url, tmp_path / "ok.txt", good, progress=False)
        assert (tmp_path / "ok.txt").read_bytes() == (served / "pairs.txt").read_bytes()
        with pytest.raises(DataError, match="checksum"):
            _download(url, tmp_path / "bad.txt", "0" * 64, progress=False)
        with pytest.raises(DataError, match="Could not download"):
            _download(url.replace("pairs.txt", "missing.txt"), tmp_path / "gone.txt", None, progress=False)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.txt", "served"]
    finally:
        server.shutdown()


def test_the_data_folder_is_the_checkouts_from_any_working_directory(tmp_path):
    """The README's walkthrough runs `facekit people add` in facekit/examples: without
    $FACEKIT_DATA_DIR it must write the gallery the app and the API read (the checkout's data/), not
    a data/ of the working directory; `people add` says where, once."""
    import os
    import subprocess
    import sys

    from facekit.config import PROJECT_ROOT

    env = {k: v for k, v in os.environ.items() if k != "FACEKIT_DATA_DIR"}
    said = {}
    for folder in (PROJECT_ROOT, PROJECT_ROOT / "facekit" / "examples", tmp_path):
        done = subprocess.run([sys.executable, "-c", "from facekit import Config; print(Config().data_dir)"], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=120)
        said[folder] = done.stdout.strip()
    assert set(said.values()) == {str(PROJECT_ROOT / "data")}, said
    added = subprocess.run([sys.executable, "-m", "facekit.cli", "people", "add", "Nobody", "missing.jpg"],
                           cwd=PROJECT_ROOT / "facekit" / "examples", capture_output=True, text=True, timeout=300,
                           env={**env, "FACEKIT_DATA_DIR": str(tmp_path / "data")})
    assert f"The gallery: {(tmp_path / 'data' / 'gallery.sqlite3').resolve()}" in added.stderr.splitlines()[0]


def test_the_data_folder_is_read_when_used_not_at_import(tmp_path, monkeypatch):
    import facekit

    monkeypatch.setenv("FACEKIT_DATA_DIR", str(tmp_path / "later"))
    monkeypatch.setenv("FACEKIT_MODELS_DIR", str(tmp_path / "models"))
    assert facekit.Config().data_dir == tmp_path / "later"
    assert facekit.Config().models_dir == tmp_path / "models"
    (tmp_path / "later" / "anchor").mkdir(parents=True)
    (tmp_path / "later" / "anchor" / "ann_1.jpg").write_bytes(b"")
    assert facekit.dataset_stats().folder_counts["anchor"] == 1  # no config passed: the environment now


def test_the_public_api_fits_on_a_card():
    import facekit

    assert len(facekit.__all__) <= 30
    assert all(hasattr(facekit, name) for name in facekit.__all__)


@pytest.mark.parametrize("damage", ["a damaged header in the middle", "zeros in the compressed middle", "cut short"])
def test_a_damaged_archive_imports_nothing_and_says_so(config, tmp_path, damage):
    import gzip
    import io

    source = tmp_path / "download"
    lfw = _fake_lfw(source, {f"Person_{i:02d}": 3 for i in range(30)})
    _protocol(source, {"Person_00": 3})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.add(lfw, arcname="lfw")
    raw = bytearray(raw.getvalue())
    if damage == "a damaged header in the middle":  # tarfile alone stops quietly here, as if the archive ended
        with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as tar:
            offset = tar.getmembers()[60].offset
        raw[offset : offset + 512] = b"x" * 512
    data = bytearray(gzip.compress(bytes(raw)))
    middle = len(data) // 2
    if damage == "zeros in the compressed middle":
        data[middle : middle + 2048] = bytes(2048)
    elif damage == "cut short":
        del data[middle:]
    (source / "lfw.tgz").write_bytes(bytes(data))
    with pytest.raises(DataError, match="Download it again"):
        import_lfw(source / "lfw.tgz", config, progress=False)
    assert not config.lfw_dir.exists() or not any(config.lfw_dir.rglob("*.jpg"))
    assert not (config.data_dir / "anchor").exists()


def test_folder_by_folder_stats_add_up_to_the_whole(config):
    from facekit.data.stats import combine_stats, folder_stats, pairs_balance

    _touch(config.data_dir / "anchor", ["ann_1.jpg", "ann_2.jpg", "bob_1.jpg"])
    _touch(config.data_dir / "negative", ["cy_1.jpg"])
    whole = dataset_stats(config)
    parts = combine_stats([folder_stats(config.data_dir / f, f) for f in ("anchor", "positive", "negative")],
                          pairs_balance(config))
    assert whole.folder_counts == parts.folder_counts == {"anchor": 3, "positive": 0, "negative": 1}
    assert whole.people.to_dict("records") == parts.people.to_dict("records")
    assert whole.people.query("folder == 'anchor' and person == 'ann'").photos.item() == 2
