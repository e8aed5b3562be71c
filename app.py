"""facekit home page: what this is and where to start."""

import streamlit as st

from facekit import Config

st.set_page_config(page_title="facekit: same person or not?", page_icon="🙂")
st.title("Same person, or not?")
st.write(
    "facekit looks at two photos of faces and tells you whether they show the same person. "
    "It uses a small neural network we trained ourselves on the public *Labeled Faces in the Wild* photos."
)

config = Config()
baseline_ready = config.baseline_path.exists()
st.subheader("Status")
st.write(
    ("✅ The naive baseline model is trained." if baseline_ready else "⏳ No baseline model yet: run `facekit train baseline`.")
)
st.caption(f"Data folder: `{config.data_dir}`")
