"""Home: what this is, how good the model is, where to start."""

import streamlit as st

import ui

st.title("Same person, or not?")
st.write(
    "Show facekit two photos of faces and it tells you whether they show the same person, and how sure it is. "
    "It is a small neural network we trained ourselves, from scratch, on 5,000 public photos of 1,000 people."
)

metrics = ui.metrics()
info = ui.config().siamese_info_path
st.subheader("The model")
if metrics and info.exists():
    view1, training = metrics["view1"], metrics["training"]
    left, middle, right = st.columns(3)
    left.metric("Right on strangers", f"{view1['siamese']['accuracy']:.0%}",
                help=f"Accuracy on {view1['n_pairs']} pairs of people the model never saw (LFW View 1 test pairs).")
    middle.metric("Naive baseline", f"{view1['baseline']['accuracy']:.0%}", help="Pixel-by-pixel Naive Bayes: a coin toss.")
    right.metric("Trained", (training.get("trained_at") or "?")[:10],
                 help=f"{training['split']['training_people']} people, {training['epochs_run']} epochs, "
                 f"{training['training_seconds'] / 60:.0f} minutes on a laptop-class CPU.")
    st.caption("Siamese CNN (Koch et al., 2015) trained on Labeled Faces in the Wild. "
               "Read the model card in `models/MODEL_CARD.md` for what it can and cannot do.")
else:
    st.warning("No trained model found in `models/`. Run `facekit train siamese` and `facekit evaluate all`.")

st.subheader("Where to start")
st.page_link("app_pages/verify.py", label="**Verify**: upload two photos and get an answer", icon="🔍")
st.page_link("app_pages/capture.py", label="**Capture**: take your own photos with the webcam", icon="📷")
st.page_link("app_pages/dataset.py", label="**Dataset**: what the model learned from", icon="📊")
st.page_link("app_pages/baseline_vs_siamese.py", label="**Baseline vs Siamese**: why a neural network", icon="⚖️")
