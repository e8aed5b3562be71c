"""The app's one link to facekit's heavy objects, loaded once per server and shared by all
browser sessions, plus the few display pieces that several pages share."""

from __future__ import annotations

import json
import os
from pathlib import Path

# aiortc's libsrtp (OpenSSL) segfaults when it loads after TensorFlow (which bundles BoringSSL),
# so the WebRTC stack loads first, before any page can import TensorFlow.
import streamlit_webrtc  # noqa: F401  isort: skip

import numpy as np
import streamlit as st

import facekit
from facekit import Config

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"]


def config() -> Config:
    return Config()


@st.cache_resource(show_spinner="Loading the face model (first time only)…")
def verifier() -> facekit.Verifier:
    """The Siamese model and its threshold; one per server process, shared by every session."""
    return facekit.load_verifier(config())


def metrics() -> dict | None:
    """``models/metrics.json``, or None when the models have not been evaluated."""
    path = config().metrics_path
    return _read_json(str(path), path.stat().st_mtime) if path.exists() else None


@st.cache_data(show_spinner=False)
def _read_json(path: str, mtime: float) -> dict:
    with open(path) as handle:
        return json.load(handle)


def _folders_version(cfg: Config) -> tuple:
    """Changes whenever a photo is added to or removed from a data folder."""
    folders = [cfg.data_dir / f for f in facekit.FOLDERS] + [cfg.pairs_csv]
    return tuple(f.stat().st_mtime if f.exists() else 0 for f in folders)


def stats() -> facekit.DataStats:
    cfg = config()
    return _stats(str(cfg.data_dir), _folders_version(cfg))


@st.cache_data(show_spinner="Counting photos…")
def _stats(data_dir: str, version: tuple) -> facekit.DataStats:
    return facekit.dataset_stats(config().with_(data_dir=Path(data_dir)))


def measurements():
    cfg = config()
    return _measurements(str(cfg.data_dir), _folders_version(cfg))


@st.cache_data(show_spinner="Measuring light and sharpness…")
def _measurements(data_dir: str, version: tuple):
    return facekit.photo_measurements(config().with_(data_dir=Path(data_dir)))


@st.cache_data(max_entries=8, show_spinner="Finding the faces and comparing them…")
def verdict(photo_a: bytes, photo_b: bytes) -> facekit.Verdict:
    """:func:`facekit.verify` of two uploads, remembered: Streamlit reruns the whole page (both tabs)
    on every click, and the same two photos need not be compared again."""
    verifier()
    return facekit.verify(photo_a, photo_b, config())


def rtc_configuration() -> dict:
    """WebRTC ICE servers: Google's public STUN server, or those in ``$FACEKIT_ICE_SERVERS``
    (a JSON list; ``[]`` keeps the connection on this machine, as the tests do)."""
    servers = os.environ.get("FACEKIT_ICE_SERVERS")
    return {"iceServers": json.loads(servers) if servers else [{"urls": ["stun:stun.l.google.com:19302"]}]}


def show_error(error: Exception) -> None:
    """A facekit error as a message a person can act on (never a traceback)."""
    st.error(str(error), icon="⚠️")


def show_face(column, photo: np.ndarray, face: facekit.Face, chip: np.ndarray, caption: str) -> None:
    """A photo with its face outlined, and the aligned chip the model compared."""
    column.image(facekit.draw_box(photo, face.box), caption=caption, use_container_width=True)
    column.image(chip, caption="what the model compared", width=112)


def verdict_words(probability: float, threshold: float) -> tuple[str, str]:
    """``("Same person" | "Different people", "93% sure")`` for a calibrated P(same); never "100%"."""
    answer, confidence = ("Same person", probability) if probability >= threshold else ("Different people", 1 - probability)
    return answer, "more than 99% sure" if confidence > 0.99 else f"{confidence:.0%} sure"
