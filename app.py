"""facekit's Streamlit app: `streamlit run app.py`. This file only lists the pages.

The pages live in app_pages/, not pages/: a folder named pages/ switches Streamlit to its older
automatic page discovery, which ignores these titles and runs a page without this file first.
"""

import streamlit as st

import ui  # noqa: F401  first: it loads the WebRTC stack before any page loads TensorFlow

st.set_page_config(page_title="facekit: same person or not?", page_icon="🙂", layout="wide")
st.navigation([
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/verify.py", title="Verify", icon="🔍", url_path="verify"),
    st.Page("app_pages/capture.py", title="Capture", icon="📷", url_path="capture"),
    st.Page("app_pages/dataset.py", title="Dataset", icon="📊", url_path="dataset"),
    st.Page("app_pages/baseline_vs_siamese.py", title="Baseline vs Siamese", icon="⚖️", url_path="baseline-vs-siamese"),
]).run()
