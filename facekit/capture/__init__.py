"""Captures: webcam photos saved into ``data/`` (``photos``: who may see and delete what) and the
live camera's frame handling (``live``), free of Streamlit.

May import: ``facekit.gallery`` and everything below it.
"""
