"""The app's shared side, by job: ``services`` (facekit's heavy objects, once per server, and the
start-up work), ``visitor`` (who is looking, from what device), ``widgets`` (display pieces pages
share). Pages import what they use: ``from ui import services, widgets``.

Importing this package first (app.py does, before any page) does two things that must happen
before anything else, each explained where it is done below.
"""

from __future__ import annotations

# aiortc's libsrtp (OpenSSL) segfaults when it loads after TensorFlow (which bundles BoringSSL),
# so the WebRTC stack loads first, before any page can import TensorFlow.
import streamlit_webrtc  # noqa: F401  isort: skip

import streamlit as st


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
