"""Shared fixtures. Real-LFW fixtures skip (with the reason) when ../shared/lfw is absent."""

from __future__ import annotations

# aiortc's libsrtp segfaults when it loads after TensorFlow: load it first (see ui/__init__.py).
import streamlit_webrtc  # noqa: F401  isort: skip

import io
import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facekit import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LFW_SOURCE = Path(os.environ.get("FACEKIT_LFW_SOURCE", PROJECT_ROOT.parent / "shared" / "lfw"))
NO_LFW = f"real LFW not found at {LFW_SOURCE} (set FACEKIT_LFW_SOURCE to a folder with lfw.tgz and the pairs files)"


def jpeg_bytes(image: np.ndarray, **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", **save_args)
    return buffer.getvalue()


def pytest_collection_modifyitems(items):
    """Mark every test that reads the real LFW (through any fixture), so `-m "not lfw"` skips them."""
    for item in items:
        if "lfw_source" in item.fixturenames:
            item.add_marker(pytest.mark.lfw)


@pytest.fixture
def config(tmp_path) -> Config:
    """A Config whose data and models folders are fresh temporary folders."""
    return Config(data_dir=tmp_path / "data", models_dir=tmp_path / "models")


@pytest.fixture(scope="session")
def lfw_source() -> Path:
    if not (LFW_SOURCE / "lfw.tgz").exists():
        pytest.skip(NO_LFW)
    return LFW_SOURCE


def _first_pairs(pairs_file: Path, n_each: int) -> list[list[str]]:
    lines = [line.split() for line in pairs_file.read_text().splitlines()[1:]]
    half = len(lines) // 2
    return lines[:n_each] + lines[half : half + n_each]


@pytest.fixture(scope="session")
def mini_lfw(lfw_source, tmp_path_factory) -> Path:
    """A small real LFW: the photos of 12 same + 12 different pairsDevTest pairs, 10 training
    people with 5-12 photos and 30 with 2-4, extracted from the real lfw.tgz, with the real
    protocol files beside the folder (``<root>/lfw/<Name>/...``, ``<root>/pairsDevTest.txt``).
    """
    root = tmp_path_factory.mktemp("mini_lfw")
    test_names = {f[0] for f in _first_pairs(lfw_source / "pairsDevTest.txt", 12)}
    test_names |= {f[2] for f in _first_pairs(lfw_source / "pairsDevTest.txt", 12) if len(f) == 4}
    train_people = [line.split() for line in (lfw_source / "peopleDevTrain.txt").read_text().splitlines()[1:]]
    many = [name for name, n in train_people if 5 <= int(n) <= 12][:10]
    few = [name for name, n in train_people if 2 <= int(n) < 5][:30]
    wanted = test_names | set(many) | set(few)
    with tarfile.open(lfw_source / "lfw.tgz") as tar:
        for member in tar:
            parts = Path(member.name).parts
            if member.isfile() and len(parts) >= 2 and parts[-2] in wanted:
                target = root / "lfw" / parts[-2] / parts[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src:
                    target.write_bytes(src.read())
    for name in ("pairsDevTest.txt", "pairsDevTrain.txt", "peopleDevTest.txt", "peopleDevTrain.txt", "pairs.txt"):
        shutil.copy(lfw_source / name, root / name)
    # A pairs file of just the pairs whose photos we extracted, in LFW's format.
    same, different = _first_pairs(lfw_source / "pairsDevTest.txt", 12)[:12], _first_pairs(lfw_source / "pairsDevTest.txt", 12)[12:]
    (root / "pairsMini.txt").write_text("12\n" + "".join("\t".join(f) + "\n" for f in same + different))
    return root


@pytest.fixture(scope="session")
def chip_config(tmp_path_factory) -> Config:
    """One chip cache for the whole session, so real photos are detected once."""
    data_dir = tmp_path_factory.mktemp("chips") / "data"
    return Config(data_dir=data_dir, models_dir=data_dir.parent / "models")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL server of the tests' own, for the whole session (skips with the reason when
    it cannot start here)."""
    from tests.servers import postgres

    with postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def gallery_config(request, tmp_path) -> Config:
    """A Config with the shipped model and an empty gallery: an SQLite file, then a PostgreSQL
    database of its own."""
    config = Config(data_dir=tmp_path / "data")
    if request.param == "sqlite":
        return config
    import psycopg

    server = request.getfixturevalue("postgres_url")
    database = f"gallery_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {database}")
    return config.with_(gallery_url=server.rsplit("/", 1)[0] + f"/{database}")
