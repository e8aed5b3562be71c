"""Who is looking, and from what: this browser session's visitor (or the presenter), the
people they may search, and what their device can do (a camera over HTTPS, a phone in the room)."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from urllib.parse import urlsplit

import streamlit as st

from facekit.capture.photos import Viewer
from facekit.gallery.people import Gallery
from facekit.service.lan import CERTIFICATE_ADVICE, lan_address, qr_png
from ui import services


_COOKIE = "facekit_visitor"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def viewer() -> Viewer:
    """This browser session: the token that marks its photos (the one this browser kept, when it
    comes back: see :func:`keep_across_reloads`), and whether the presenter unlocked it."""
    if "visitor_token" not in st.session_state:
        kept = st.context.cookies.get(_COOKIE)  # not a string without a browser (Streamlit's AppTest)
        st.session_state.visitor_token = kept if isinstance(kept, str) and _TOKEN.fullmatch(kept) else secrets.token_hex(16)
    return Viewer(st.session_state.visitor_token, presenter=st.session_state.get("presenter", False))


def keep_across_reloads() -> None:
    """The visitor's token in a cookie of this browser, for as long as their captures are kept: a
    reload mid-demo (a new session) is the same visitor, still owning what they made."""
    token = viewer().token
    if st.context.cookies.get(_COOKIE) != token:
        days = services.config().capture_retention_days
        st.sidebar.html(f'<script>document.cookie = "{_COOKIE}={token}; path=/; max-age={round(days * 86400)}; '
                f'SameSite=Strict";</script>', unsafe_allow_javascript=True)


def people_to_search(examples: bool) -> tuple[Gallery, str | None | tuple]:
    """The gallery to search and the owners to search as: the example people, or the demo's people
    (the operator's) and this session's own (everyone's for the presenter)."""
    return (services.example_gallery(), None) if examples else (services.gallery(), viewer().searches_as)


def people_to_name() -> list[tuple[Gallery, str | None]]:
    """Everyone the Live page may name for this session, as ``(gallery, owner)`` pairs: the
    people enrolled for all (by the API, the command line, the presenter), this visitor's own
    (everyone's for the presenter), and the example people."""
    return [(services.gallery(), viewer().searches_as), (services.example_gallery(), None)]


def presenter_sign_in() -> None:
    """In the sidebar, when a presenter passphrase is set: unlock everyone's photos for this session."""
    passphrase = services.config().presenter_passphrase
    if not passphrase:
        return
    with st.sidebar.expander("🎤 Presenter"):
        if st.session_state.get("presenter"):
            st.caption("Presenter view: you see and can delete everyone's photos.")
            settings = services.server_settings()
            settings["capture_needs_liveness"] = st.toggle(
                "Live check before reference photos", value=settings["capture_needs_liveness"],
                help="Everyone must pass the check on the Live page before the camera's reference photos are saved.")
            if st.button("Leave presenter view"):
                st.session_state.presenter = False
                st.rerun()
        elif typed := st.text_input("Passphrase", type="password", key="passphrase"):
            if secrets.compare_digest(typed.encode(), passphrase.encode()):
                st.session_state.presenter = True
                st.rerun()
            st.error("That is not the passphrase.")


def may_capture_references() -> bool:
    """Whether this session may save reference photos from the camera: always, unless the presenter
    (or the config) asks for a liveness check first, and none passed here recently enough."""
    if not services.server_settings()["capture_needs_liveness"]:
        return True
    return time.time() - st.session_state.get("live_checked_at", 0.0) <= services.config().liveness_valid_s


def share_panel() -> None:
    """In the sidebar: the address to open on a phone in the room, and its QR code."""
    https = bool(st.get_option("server.sslCertFile"))
    address = f"{'https' if https else 'http'}://{lan_address()}:{st.get_option('server.port')}"
    with st.sidebar.expander("📱 Open on a phone"):
        st.image(_qr(address), width=180)
        st.code(address, language=None)
        if https:
            st.caption(CERTIFICATE_ADVICE)
        else:
            st.caption("Over plain HTTP, phones can upload photos but not use their camera. Start the app with "
                       "`make run-https` for that.")


@st.cache_data(show_spinner=False, max_entries=4)
def _qr(address: str) -> bytes:
    return qr_png(address)


# Streamlit leaves its sidebar open over the page after a page is chosen on a phone: close it when
# the page changes (the script also runs whenever the sidebar opens, so it remembers the last page).
_CLOSE_THE_SIDEBAR_ON_PHONES = """<script>
if (sessionStorage.getItem("facekit-page") !== "{page}") {{
  sessionStorage.setItem("facekit-page", "{page}");
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (window.innerWidth < 768 && close) close.click();
}}</script>"""


def close_the_sidebar_on_phones(page: str) -> None:
    """On a narrow screen, close the sidebar once ``page`` (its URL path) is chosen."""
    with st.sidebar:
        st.html(_CLOSE_THE_SIDEBAR_ON_PHONES.format(page=page), unsafe_allow_javascript=True)


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
