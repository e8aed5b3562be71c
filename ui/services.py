"""The app's one link to facekit's heavy objects, loaded once per server and shared by every
browser session (``st.cache_resource``), the start-up work, and the cached reads pages share."""

from __future__ import annotations

import hashlib
import sys
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

import facekit
from facekit import Config
from facekit.capture.photos import remove_expired_captures
from facekit.data.folders import FOLDERS
from facekit.data.stats import DataStats, FolderStats, combine_stats, folder_measurements, folder_stats, pairs_balance
from facekit.evaluation.figures import Figures, read_figures
from facekit.files import remove_stale_temp_files
from facekit.gallery.examples import example_gallery as _example_gallery
from facekit.gallery.people import Gallery
from facekit.model.verifier import FoundInPhoto
from facekit.model.why import Explanation, explain


def config() -> Config:
    return Config()


@st.cache_resource(show_spinner=False)
def start_once() -> Path:
    """The start-up work, once per server (app.py calls it on every run; the cache makes it once):
    temporary files a killed process left are removed, visitors' expired captures deleted, the data folder (absolute) logged, and the
    model starts loading in the background. Returns the data folder."""
    cfg = config()
    folder = cfg.data_dir.resolve()
    removed = sum(remove_stale_temp_files(folder / f) for f in FOLDERS) + remove_stale_temp_files(cfg.chips_dir)
    try:
        expired = remove_expired_captures(cfg, gallery())
    except facekit.FacekitError as error:  # e.g. the gallery's database is down: the app still starts
        expired = 0
        print(f"facekit: old captures not checked: {error}", file=sys.stderr)
    print(f"facekit: data folder {folder}" + (f" ({removed} stale temporary files removed)" if removed else "")
          + (f" ({expired} visitor photos older than {cfg.capture_retention_days:g} days deleted)" if expired else ""),
          file=sys.stderr, flush=True)
    threading.Thread(target=_warm_up, args=(cfg,), name="facekit-warm-up", daemon=True).start()
    return folder


_warm = threading.Event()


def _warm_up(cfg: Config) -> None:
    """Load the model and the face detector and run them once, in the background while the first
    visitor reads the Home page, so that the first verdict is as quick as the next ones."""
    try:
        facekit.load_verifier(cfg).warm_up()
        _warm.set()
    except facekit.FacekitError as error:  # no model: the pages say so when they need it
        print(f"facekit: the model could not be loaded: {error}", file=sys.stderr)


def model_ready() -> bool:
    """Whether the background warm-up has finished: verdicts now come at full speed."""
    return _warm.is_set()


@st.cache_resource(show_spinner=False)
def server_settings() -> dict:
    """What the presenter may switch for every visitor while the app runs (one dict per server):
    ``capture_needs_liveness``, from the config when the server starts."""
    return {"capture_needs_liveness": config().capture_needs_liveness}


@st.cache_resource(show_spinner="Loading the face model (first time only)…")
def verifier() -> facekit.Verifier:
    """The one object that runs the Siamese model; one per server process, shared by every session."""
    return facekit.load_verifier(config())


def gallery() -> Gallery:
    """The enrolled people (data/gallery.sqlite3, or $FACEKIT_GALLERY_URL), shared with the API."""
    cfg = config()
    return _gallery(str(cfg.data_dir.resolve()), cfg.gallery_url)


@st.cache_resource(show_spinner=False)
def _gallery(data_dir: str, gallery_url: str) -> Gallery:
    return Gallery(config().with_(data_dir=Path(data_dir), gallery_url=gallery_url))


@st.cache_resource(show_spinner="Enrolling the example people (first time only)…")
def example_gallery() -> Gallery:
    return _example_gallery(config())


def figures() -> Figures | None:
    """``models/metrics.json`` read into typed figures, or None when the models have not been evaluated."""
    path = config().metrics_path
    return _figures(str(path), path.stat().st_mtime) if path.exists() else None


@st.cache_data(show_spinner=False)
def _figures(path: str, mtime: float) -> Figures:
    return read_figures(Path(path))


def _version(path: Path) -> float:
    """Changes whenever a photo is added to or removed from a folder (or a file is rewritten)."""
    return path.stat().st_mtime if path.exists() else 0.0


def stats() -> DataStats:
    """What the data folders hold. Each folder is counted and cached on its own, so a new capture
    recounts anchor/ or positive/, never the large negative/."""
    cfg = config()
    parts = [_folder_stats(str(cfg.data_dir / f), f, _version(cfg.data_dir / f)) for f in FOLDERS]
    return combine_stats(parts, _pairs_balance(str(cfg.data_dir), _version(cfg.pairs_csv)))


@st.cache_data(show_spinner="Counting photos…", max_entries=16)
def _folder_stats(path: str, folder: str, version: float) -> FolderStats:
    return folder_stats(Path(path), folder)


@st.cache_data(show_spinner=False, max_entries=4)
def _pairs_balance(data_dir: str, version: float) -> dict[int, int]:
    return pairs_balance(config().with_(data_dir=Path(data_dir)))


def measurements():
    """Light and sharpness of a sample of each folder, cached per folder like :func:`stats`."""
    cfg = config()
    return pd.concat([_folder_measurements(str(cfg.data_dir / f), f, _version(cfg.data_dir / f)) for f in FOLDERS],
                     ignore_index=True)


@st.cache_data(show_spinner="Measuring light and sharpness…", max_entries=16)
def _folder_measurements(path: str, folder: str, version: float):
    return folder_measurements(Path(path), folder, seed=config().seed)


@st.cache_data(max_entries=8, show_spinner="Finding the faces and comparing them…")
def verdict(photo_a: bytes, photo_b: bytes, face_numbers: tuple[int | None, int | None] = (None, None)) -> facekit.Verdict:
    """The verdict on two uploads (the faces ``face_numbers`` chose, else each photo's main one),
    remembered: Streamlit reruns the whole page (every tab) on every click, and the same two photos
    need not be compared again."""
    return verifier().verify(photo_a, photo_b, face_numbers=face_numbers)


@st.cache_data(max_entries=8, show_spinner="Looking for them among the faces…")
def found_in(person: bytes, group: bytes) -> FoundInPhoto:
    """Where the person of one upload is among the faces of another."""
    return verifier().find_in_photo(person, group)


def comparison_id(photo_a: bytes, photo_b: bytes) -> str:
    """A short name for one comparison (two photos), for widgets that belong to it alone."""
    return hashlib.sha1(hashlib.sha1(photo_a).digest() + hashlib.sha1(photo_b).digest()).hexdigest()[:12]


@st.cache_data(max_entries=8, show_spinner="Covering each part of the faces in turn…")
def why(photo_a: bytes, photo_b: bytes, face_numbers: tuple[int | None, int | None] = (None, None)) -> Explanation:
    """Which parts of the two faces drove the verdict (computed on demand, after it)."""
    compared = verdict(photo_a, photo_b, face_numbers)
    return explain(verifier(), *compared.chips)
