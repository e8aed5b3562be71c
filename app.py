"""facekit's Streamlit app: `streamlit run app.py`. This file only lists the pages (in pages/).

With st.navigation, Streamlit 1.67 keeps these titles and URL paths for files in pages/; every
page run starts here, so ui (and the WebRTC stack it loads first) is always imported first.
"""

import streamlit as st

from ui import services, visitor, widgets  # first: the ui package loads the WebRTC stack before any page loads TensorFlow

st.set_page_config(page_title="facekit: same person or not?", page_icon="🙂", layout="wide")
services.start_once()  # once per server: logs where photos are kept, clears a killed run's temporary files
visitor.share_panel()
visitor.presenter_sign_in()
page = st.navigation([
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/verify.py", title="Verify", icon="🔍", url_path="verify"),
    st.Page("pages/live.py", title="Live", icon="🎥", url_path="live"),
    st.Page("pages/sort.py", title="Sort photos", icon="🗂️", url_path="sort"),
    st.Page("pages/capture.py", title="Capture", icon="📷", url_path="capture"),
    st.Page("pages/dataset.py", title="Dataset", icon="📊", url_path="dataset"),
    st.Page("pages/baseline-vs-siamese.py", title="Baseline vs Siamese", icon="⚖️", url_path="baseline-vs-siamese"),
])
visitor.close_the_sidebar_on_phones(page.url_path)
visitor.keep_across_reloads()
widgets.pictures_fit()
page.run()
