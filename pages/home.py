"""Home: in ten seconds, what this is, what to try and how often it is right; the rest further down."""

import streamlit as st

from facekit.config import DEFAULT_MODEL
from ui import services, widgets

st.title("Same person, or not?")
st.write("Show it two photos of faces, or your webcam, and it says whether they show the same person, and how sure it is.")
figures = services.figures()
view1 = figures.view1 if figures else {}
try_it, how_good = st.columns([2, 1])
with try_it:
    st.page_link("pages/verify.py", label="**Verify**: upload two photos and get an answer", icon="🔍")
    st.page_link("pages/live.py", label="**Live**: every face on your webcam, named", icon="🎥")
    st.page_link("pages/sort.py", label="**Sort photos**: a pile of photos grouped by person", icon="🗂️")
    st.page_link("pages/capture.py", label="**Capture**: take your own photos with the webcam", icon="📷")
    st.page_link("pages/verify.py", label="**Who is this?**: name the face in a photo", icon="🧑", query_params={"tab": "who"})
if DEFAULT_MODEL in view1 and view1[DEFAULT_MODEL].three_way:
    three_way = view1[DEFAULT_MODEL].three_way
    how_good.metric("Right when it is sure", f"{round(three_way.confident_accuracy * 100)} of 100",
                    help=f"On {figures.n_pairs} pairs of photos of people the model never saw (LFW View 1 test pairs).")
    how_good.caption(f"It is sure on {round(three_way.coverage * 100)} of 100 pairs and says “Not sure” on the "
                     "rest: it would rather not call two look-alike strangers the same person.")


def model_status() -> None:
    if services.model_ready():
        st.caption("✅ The face model is loaded: a verdict takes about a second.")
    else:
        st.caption("⏳ Loading the face model in the background (a few seconds after the app starts)…")


with how_good:
    if services.model_ready():
        model_status()
    else:  # the line refreshes itself until the model is ready, so a presenter sees when to start
        st.fragment(run_every=1.5)(model_status)()

demo_people = [person.name for person in services.gallery().people()]  # the operator's: every visitor's too
if demo_people:
    st.info("This demo knows: " + ", ".join(demo_people[:12])
            + (f" and {len(demo_people) - 12} more" if len(demo_people) > 12 else "")
            + ". Verify, Live and Sort photos name them for everyone.", icon="👥")

st.subheader("The model")
training = figures.training.get("scratch", {}) if figures else {}
split = training.get("split") or {}
st.write(
    "It answers with a neural network whose first part, the part that looks at a face, is SFace: made by "
    "researchers (Zhong and colleagues, 2021) from photos of people found on the web and shared by OpenCV for anyone "
    "to use (Apache licence). We taught the last part, the one that says “same” or “different”, on public photos "
    "of faces, and chose when it may be sure on people it had never seen."
)
st.write(
    "Next to it is a network we trained ourselves from scratch"
    + (f", on only {split['training_photos']:,} public photos of {split['training_people']:,} people"
       if split else ", on public photos of faces alone")
    + ", one on dlib's older network (trained on 3 million photos of people other than the test's), and a naive "
    "pixel-by-pixel baseline: the **Baseline vs Siamese** page shows what the data buys."
)
if figures and services.config().siamese_info_path.exists() and {DEFAULT_MODEL, "scratch", "baseline"} <= set(view1):
    left, middle, right = st.columns(3)
    left.metric("Right on strangers", f"{round(view1[DEFAULT_MODEL].accuracy * 100)} of 100 pairs",
                help=f"Accuracy on {figures.n_pairs} pairs of people the model never saw (LFW View 1 test pairs), "
                "answering every pair.")
    middle.metric("Answers it is sure of", f"{round(view1[DEFAULT_MODEL].three_way.coverage * 100)} of 100 pairs",
                  help="The rest get “Not sure”.")
    right.metric("Trained here on 1,000 people only", f"{round(view1['scratch'].accuracy * 100)} of 100 pairs",
                 help="Our own network, trained from scratch on Labeled Faces in the Wild alone; the naive "
                 f"pixel baseline gets {round(view1['baseline'].accuracy * 100)} of 100.")
    widgets.technical_details("Siamese network (Koch et al., 2015) on SFace (OpenCV's model zoo); its head and "
                              "lines were fitted on Labeled Faces in the Wild. The model card, `models/MODEL_CARD.md`, "
                              "says what it can and cannot do.")
else:
    st.warning("No trained model found in `models/`. Run `facekit train sface` and `facekit evaluate all`.")

st.caption(f"Photos taken here stay on the computer running this app; only you see yours, and they are deleted "
           f"after {services.config().capture_retention_days:g} days.")
st.page_link("pages/dataset.py", label="**Dataset**: what the model learned from", icon="📊")
st.page_link("pages/baseline-vs-siamese.py", label="**Baseline vs Siamese**: why a neural network", icon="⚖️")
