"""The app's one link to facekit's heavy objects, loaded once per server and shared by all
browser sessions, plus the few display pieces that several pages share."""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

# aiortc's libsrtp (OpenSSL) segfaults when it loads after TensorFlow (which bundles BoringSSL),
# so the WebRTC stack loads first, before any page can import TensorFlow.
import streamlit_webrtc  # noqa: F401  isort: skip

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import facekit
from facekit import Config
from facekit.capture import Viewer, remove_expired_captures
from facekit.data import FOLDERS
from facekit.demo import example_gallery as _example_gallery
from facekit.files import remove_stale_temp_files
from facekit.gallery import EVERYONE, Gallery
from facekit.images import draw_box, hand_back_large_buffers, side_by_side
from facekit.lan import lan_address, qr_png
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


def viewer() -> Viewer:
    """This browser session: the token that marks its photos, and whether the presenter unlocked it."""
    token = st.session_state.setdefault("visitor_token", secrets.token_hex(16))
    return Viewer(token, presenter=st.session_state.get("presenter", False))


def owner() -> str:
    """Whose enrolled people this session may use: its own, or everyone's for the presenter."""
    me = viewer()
    return EVERYONE if me.presenter else me.mark


def people_to_search(examples: bool) -> tuple[Gallery, str | None]:
    """The gallery to search and the owner to search as: the example people (nobody's), or this
    session's own people."""
    return (example_gallery(), None) if examples else (gallery(), owner())


def presenter_sign_in() -> None:
    """In the sidebar, when a presenter passphrase is set: unlock everyone's photos for this session."""
    passphrase = config().presenter_passphrase
    if not passphrase:
        return
    with st.sidebar.expander("🎤 Presenter"):
        if st.session_state.get("presenter"):
            st.caption("Presenter view: you see and can delete everyone's photos.")
            if st.button("Leave presenter view"):
                st.session_state.presenter = False
                st.rerun()
        elif typed := st.text_input("Passphrase", type="password", key="passphrase"):
            if secrets.compare_digest(typed.encode(), passphrase.encode()):
                st.session_state.presenter = True
                st.rerun()
            st.error("That is not the passphrase.")


def share_panel() -> None:
    """In the sidebar: the address to open on a phone in the room, and its QR code."""
    https = bool(st.get_option("server.sslCertFile"))
    address = f"{'https' if https else 'http'}://{lan_address()}:{st.get_option('server.port')}"
    with st.sidebar.expander("📱 Open on a phone"):
        st.image(_qr(address), width=180)
        st.code(address, language=None)
        if not https:
            st.caption("Over plain HTTP, phones can upload photos but not use their camera. Start the app with "
                       "`make run-https` for that.")


@st.cache_data(show_spinner=False, max_entries=4)
def _qr(address: str) -> bytes:
    return qr_png(address)


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


def show_faces(photos, faces, chips, names: list[str], faces_found=None) -> None:
    """Photos side by side (one picture, so they stay side by side on a phone) with the compared
    face boxed in each, then the aligned faces the model compared."""
    st.image(side_by_side([draw_box(photo, face.box) for photo, face in zip(photos, faces)]),
             caption=" · ".join(names), width="stretch")
    for name, found in zip(names, faces_found or [1] * len(names)):
        if found > 1:
            st.caption(f"{name}: {found} faces found; the boxed one (largest and nearest the centre) was compared.")
    st.image(list(chips), caption=["what the model compared"] * len(chips), width=112)


def score_gauge(probability: float, thresholds) -> go.Figure:
    """A small gauge: the score for "same person" (0-100) against the model's two lines."""
    same, different = thresholds.same_from * 100, thresholds.different_below * 100
    figure = go.Figure(go.Indicator(
        mode="gauge+number", value=probability * 100, number={"suffix": " / 100", "valueformat": ".0f"},
        gauge={"axis": {"range": [0, 100]}, "bar": {"color": "#264653", "thickness": 0.3},
               "steps": [{"range": [0, different], "color": "#f4a261"}, {"range": [different, same], "color": "#e9ecef"},
                         {"range": [same, 100], "color": "#2a9d8f"}],
               "threshold": {"line": {"color": "black", "width": 3}, "value": same}},
    ))
    figure.update_layout(height=170, margin={"l": 25, "r": 25, "t": 10, "b": 0})
    return figure


def strictness_slider(verdict: facekit.Verdict) -> facekit.Verdict:
    """A slider from lenient to strict for the "same person" line (starting at the model's);
    returns the verdict answered at the chosen line."""
    model_line = round(verdict.thresholds.same_from, 2)
    line = st.slider("How sure must it be to say “same person”?", 0.50, 0.99, model_line, 0.01, format="%.2f",
                     key="strictness", help=f"Left is lenient, right is strict. The model's own line, {model_line:.2f}, "
                     "was chosen on people it was not tested on.")
    if abs(line - model_line) < 1e-9:
        st.caption("◀ lenient · strict ▶ (the model's own line)")
        return verdict
    st.caption(f"◀ lenient · strict ▶ (you moved the line from the model's {model_line:.0%} to {line:.0%})")
    return verdict.under(verdict.thresholds.with_same_from(line))


PLOTLY = {"displayModeBar": False}  # no plotly toolbar: nobody in a demo needs it, and it covers titles on phones


ANSWERS = {"same": "Same person", "different": "Different people", "unsure": "Not sure"}


def verdict_words(verdict: facekit.Verdict) -> tuple[str, str]:
    """The headline and the line under it, in plain words: ``("Same person", "93% sure")``,
    or for "unsure", why and what helps. Never "100%"."""
    if verdict.decision == "unsure":
        return ANSWERS["unsure"], (
            f"Its score, {verdict.probability:.0%} for 'same person', falls between the lines where the model is "
            f"confident ('different' below {verdict.thresholds.different_below:.0%}, 'same' from "
            f"{verdict.thresholds.same_from:.0%}). A front-facing photo, better light or a larger face usually settles it."
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

