"""The app's one link to facekit's heavy objects, loaded once per server and shared by all
browser sessions, plus the few display pieces that several pages share."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

# aiortc's libsrtp (OpenSSL) segfaults when it loads after TensorFlow (which bundles BoringSSL),
# so the WebRTC stack loads first, before any page can import TensorFlow.
import streamlit_webrtc  # noqa: F401  isort: skip

import numpy as np
import pandas as pd
import streamlit as st

import facekit
from facekit import Config
from facekit.data import FOLDERS
from facekit.files import remove_stale_temp_files
from facekit.images import draw_box, hand_back_large_buffers
from facekit.stats import DataStats, FolderStats, combine_stats, folder_measurements, folder_stats, pairs_balance

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"]


def config() -> Config:
    return Config()


@st.cache_resource(show_spinner=False)
def data_folder() -> Path:
    """Once per server: the data folder (absolute), logged; temporary files that a killed
    process left in it are removed first, large freed buffers go back to the system from now on
    and the model starts loading in the background."""
    cfg = config()
    hand_back_large_buffers()
    folder = cfg.data_dir.resolve()
    removed = sum(remove_stale_temp_files(folder / f) for f in FOLDERS) + remove_stale_temp_files(cfg.chips_dir)
    print(f"facekit: data folder {folder}" + (f" ({removed} stale temporary files removed)" if removed else ""),
          file=sys.stderr, flush=True)
    threading.Thread(target=_warm_up, args=(cfg,), name="facekit-warm-up", daemon=True).start()
    return folder


def _warm_up(cfg: Config) -> None:
    """Load the model and the face detector in the background while the first visitor reads the
    Home page, so that the first verdict is as quick as the next ones."""
    try:
        facekit.load_verifier(cfg).verify(np.full((160, 160, 3), 128, np.uint8), np.full((160, 160, 3), 128, np.uint8))
    except facekit.FacekitError:
        pass  # no face in a grey square: expected; the model and the detector are loaded now


@st.cache_resource(show_spinner="Loading the face model (first time only)…")
def verifier() -> facekit.Verifier:
    """The one object that runs the Siamese model; one per server process, shared by every session."""
    return facekit.load_verifier(config())


def metrics() -> dict | None:
    """``models/metrics.json``, or None when the models have not been evaluated."""
    path = config().metrics_path
    return _read_json(str(path), path.stat().st_mtime) if path.exists() else None


@st.cache_data(show_spinner=False)
def _read_json(path: str, mtime: float) -> dict:
    with open(path) as handle:
        return json.load(handle)


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
def verdict(photo_a: bytes, photo_b: bytes) -> facekit.Verdict:
    """The verdict on two uploads, remembered: Streamlit reruns the whole page (both tabs) on every
    click, and the same two photos need not be compared again."""
    return verifier().verify(photo_a, photo_b)


CAMERA_NEEDS_HTTPS = (
    "The camera is off: this page came over plain HTTP from another computer, and browsers only lend "
    "the camera to HTTPS pages or to the computer running the app. Open the HTTPS address instead "
    "(`make run-https`), or use this computer. Uploading photos works either way."
)


def camera_available() -> bool:
    """Whether the browser will lend this page its camera: HTTPS pages and pages on this computer
    only. Without a browser request (tests), assume it will."""
    url = urlsplit(st.context.url or "")
    return not url.scheme or url.scheme == "https" or (url.hostname or "") in ("localhost", "127.0.0.1", "::1")


def rtc_configuration() -> dict:
    """WebRTC ICE servers: Google's public STUN server, or those in ``$FACEKIT_ICE_SERVERS``
    (a JSON list; ``[]`` keeps the connection on this machine, as the tests do)."""
    servers = os.environ.get("FACEKIT_ICE_SERVERS")
    return {"iceServers": json.loads(servers) if servers else [{"urls": ["stun:stun.l.google.com:19302"]}]}


def show_error(error: Exception) -> None:
    """A facekit error as a message a person can act on (never a traceback)."""
    st.error(str(error), icon="⚠️")


def show_face(column, photo: np.ndarray, face: facekit.Face, chip: np.ndarray, caption: str, faces_found: int = 1) -> None:
    """A photo with its face outlined (and how many faces it holds), and the aligned chip the model compared."""
    if faces_found > 1:
        caption += f": {faces_found} faces found; the boxed one (largest and nearest the centre) was compared"
    column.image(draw_box(photo, face.box), caption=caption, width="stretch")
    column.image(chip, caption="what the model compared", width=112)


ANSWERS = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}


def verdict_words(verdict: facekit.Verdict) -> tuple[str, str]:
    """The headline and the line under it, in plain words: ``("Same person", "93% sure")``,
    or for "unsure", why and what helps. Never "100%"."""
    if verdict.decision == "unsure":
        return ANSWERS["unsure"], (
            f"The score ({verdict.probability:.0%} for 'same') falls between the lines where the model is confident "
            f"(different below {verdict.thresholds.different_below:.0%}, same from {verdict.thresholds.same_from:.0%}). "
            "A front-facing photo, better light or a larger face usually settles it."
        )
    confidence = verdict.probability if verdict.decision == "same" else 1 - verdict.probability
    return ANSWERS[verdict.decision], "more than 99% sure" if confidence > 0.99 else f"{confidence:.0%} sure"


def _leave_multipage_v1() -> None:
    """Streamlit runs the first script of a server in its older multipage mode (a pages/ folder
    exists and no st.navigation has run yet): a page opened by its URL then runs without app.py
    (no page config, no start-up work) and the sidebar lists file names. Every page imports this
    module first, so on that first run it switches the old mode off and runs again through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_multipage_v1()

