"""Baseline vs Siamese: the three models on the same held-out pairs ("what data buys"), and on your own photos."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

import facekit
from facekit.config import DEFAULT_MODEL
from facekit.evaluation.scoring import evaluate_own_people
from ui import services, visitor, widgets

st.title("⚖️ What data buys")
MODELS = {"baseline": "Comparing pixels (the baseline)", "scratch": "Learnt here, from LFW alone",
          "pretrained": "dlib's network (3 M faces)", "sface": "SFace, the app's (web photos)"}
LEARNT_FROM = {"baseline": "only the other nine parts' pairs", "pretrained": "3 million photos of 7,485 people, none of LFW's",
               "sface": "web photos of celebrities (maybe some of LFW's)"}
OUTSIDE = ("sface", "pretrained")  # the towers trained elsewhere, the default first
figures = services.figures()
if figures is None or not all(model in figures.view1 for model in MODELS):
    st.warning("No evaluation yet: run `facekit evaluate all --lfw-dir data/lfw` to create `models/metrics.json`.")
    st.stop()

view1 = figures.view1
st.write(
    f"Four models answered the same **{figures.n_pairs:,} pairs** of photos of people they never saw while learning "
    f"(half the same person, half different people). The baseline compares pixels one "
    "by one and cannot tell faces apart. The Siamese networks map each face to a point so that the same person "
    "lands close by: one learnt what faces look like from about 1,000 people here; one from 7,485 people in "
    "3 million photos (dlib's network, given away by its author, none of them in these pairs); the app's, SFace, "
    "from web photos of celebrities its makers do not list (some of these people may be among them). We taught "
    "each to say “same” or “different”."
)
with st.container(horizontal=True):  # one card per model; side by side, or one under the other on a phone
    for model in reversed(list(MODELS)):
        with st.container(border=True, width=300):
            st.metric(MODELS[model], f"{round(view1[model].accuracy * 100)} of 100 right",
                      help="Pairs answered right, out of every 100 pairs of strangers' photos.")
            st.caption(f"When it says “same person”, it is right {view1[model].precision:.0%} of the time; "
                       f"it finds {view1[model].recall:.0%} of the real same-person pairs.")
st.caption("These cards: every pair answered “same” or “different” at one line per model, chosen on other people.")
with st.expander("Exact figures"):
    table = pd.DataFrame({k.upper() if k == "auc" else k.capitalize(): {MODELS[m]: getattr(view1[m], k) for m in MODELS}
                          for k in ("accuracy", "precision", "recall", "f1", "auc")})
    st.table(table.style.format("{:.3f}"))

st.subheader("With “Not sure”: the answers the app gives")
st.write("Each says “same” only above one line and “different” only below another, two lines chosen on other "
         "people so that look-alike strangers are rarely called the same person. In between, it says “Not sure”.")
for model in (*OUTSIDE, "scratch"):
    three_way = view1[model].three_way
    st.markdown(f"**{MODELS[model]}**: “same” from {three_way.same_from:.0%}, “different” below "
                f"{three_way.different_below:.0%}")
    with st.container(horizontal=True):
        st.metric("Pairs with a firm answer", f"{round(three_way.coverage * 100)} of 100", width=200)
        st.metric("Firm answers that were right", f"{round(three_way.confident_accuracy * 100)} of 100", width=200)
        if three_way.false_same_hard is not None:
            st.metric("Look-alikes called the same", f"{three_way.false_same_hard * 1000:.0f} of 1,000", width=200,
                      help=f"{three_way.n_hard_impostors:,} pairs of test people who look most alike.")
        st.metric("Strangers called the same", f"{three_way.false_same_random * 1000:.0f} of 1,000", width=200)

view2 = figures.view2
if view2:
    st.subheader("Against published results")
    st.write(
        "Face-recognition papers report one standard test on LFW: 6,000 pairs in ten parts; each part is answered by "
        "a model whose answering rule was fitted on the other nine. The average of the ten, ± how much it may be off:"
    )
    shown = [m for m in (*OUTSIDE, "baseline") if m in view2]
    st.table(pd.DataFrame({
        "Right, of 100 pairs": {MODELS[m]: f"{view2[m].mean * 100:.1f} (± {view2[m].standard_error * 100:.1f})" for m in shown},
        "Learnt from": {MODELS[m]: LEARNT_FROM[m] for m in shown},
    }))
    st.caption("For comparison: dlib's author reports 99.4 of 100 (± 0.3) for the same network with its own face "
               "finder; the best published models that learnt from LFW alone reach about 91-93. The network trained "
               "here from scratch is not in this test: it learnt from people who are in every part.")
    widgets.technical_details(
        "The pairs above are LFW's View 1 test pairs (pairsDevTest); the standard test is LFW's View 2 (pairs.txt), "
        "mean ± standard error over its ten folds: " + "; ".join(
            f"{m} {view2[m].mean:.4f} ± {view2[m].standard_error:.4f} ({figures.categories[m]})" for m in shown) + ".")

technical = st.expander("For the technically minded: how each model errs, in charts")
roc, confusion = technical.columns(2)
figure = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance"))
for model, title in MODELS.items():
    figure.add_scatter(x=view1[model].roc["fpr"], y=view1[model].roc["tpr"], mode="lines",
                       name=f"{title} (AUC {view1[model].auc:.3f})")
three_way = view1[DEFAULT_MODEL].three_way
if three_way:  # the two lines as points on the default Siamese's curve
    for line, label in (("same_from", "'same' from here"), ("different_below", "'different' below here")):
        point = three_way.on_roc[line]
        figure.add_scatter(x=[point["fpr"]], y=[point["tpr"]], mode="markers+text", text=[label],
                           textposition="middle right", marker={"size": 10, "color": "black"}, showlegend=False)
figure.update_layout(title="ROC curves (every line at once)", xaxis_title="different people called 'same' (FPR)",
                     yaxis_title="same person found (TPR)", legend={"orientation": "h", "y": -0.25, "x": 0},
                     margin={"l": 10, "r": 10})
roc.plotly_chart(figure, width="stretch", config=widgets.PLOTLY)
with confusion:
    for model, title in MODELS.items():
        st.plotly_chart(
            px.imshow(view1[model].confusion, text_auto=True, color_continuous_scale="Blues", height=330,
                      x=["said different", "said same"], y=["really different", "really same"],
                      title=f"{title}: at one line")
            .update_traces(textfont_size=20).update_coloraxes(showscale=False),
            width="stretch", config=widgets.PLOTLY,
        )

pairs = pd.DataFrame(figures.pairs)
pairs["truth"] = pairs.label.map({1: "same person", 0: "different people"})
for column, model in zip(technical.columns(len(MODELS)), MODELS):
    scores = pairs[model].clip(-500, 500) if model == "baseline" else pairs[model]
    figure = px.histogram(pairs.assign(score=scores), x="score", color="truth", barmode="overlay", nbins=40,
                          title=MODELS[model], labels={"score": "pixel score (log-odds)" if model == "baseline"
                                                       else "score for “same person”", "count": "pairs"},
                          color_discrete_map={"same person": "#2a9d8f", "different people": "#e76f51"})
    figure.add_vline(x=view1[model].threshold, line_dash="dash", annotation_text="the one line")
    figure.update_layout(legend={"orientation": "h", "y": -0.3, "x": 0, "title": None}, yaxis_title="pairs")
    column.plotly_chart(figure, width="stretch", config=widgets.PLOTLY)

st.subheader("Pairs each model got wrong")
lfw_dir = services.config().lfw_dir
if not lfw_dir.exists():
    st.info("These pairs are photos from Labeled Faces in the Wild, which this computer has not downloaded yet. "
            "`facekit data import-lfw` (about 200 MB) brings them, and they show here.", icon="🖼️")
for model, title in MODELS.items() if lfw_dir.exists() else ():
    wrong = pairs.iloc[figures.wrong_answers(model)]
    with st.expander(f"{title}: {len(wrong)} wrong answers; the first four"):
        for _, pair in wrong.head(4).iterrows():
            names = f"{pair.a.split('/')[0]} / {pair.b.split('/')[0]}".replace("_", " ")
            st.caption(f"{pair.truth}, but the model said the opposite: {names}")
            left, right, _ = st.columns([1, 1, 3])
            left.image(str(lfw_dir / pair.a))
            right.image(str(lfw_dir / pair.b))

st.subheader("And on your own photos?")
st.write("Score every model on pairs of your people from the **Capture** page: their reference and test "
         "photos together (same person), and their reference photos with random LFW photos (different people).")
if not lfw_dir.exists():
    st.caption("This needs LFW's photos as the strangers to compare with: `facekit data import-lfw` first.")
if st.button("Evaluate on my photos", type="primary", disabled=not lfw_dir.exists()):
    bar = st.progress(0.0, text="Finding faces…")
    try:
        mine = evaluate_own_people(
            services.config(), on_progress=lambda done, total: bar.progress(done / total, text=f"Finding faces: {done}/{total}"),
            whose=visitor.viewer().owns,
        )
    except facekit.FacekitError as error:
        bar.empty()
        widgets.show_error(error)
    else:
        bar.progress(1.0, text=f"Done: {mine['n_pairs']} pairs of {mine['people']} people")
        with st.container(horizontal=True):
            for model in reversed(list(MODELS)):
                st.metric(MODELS[model], f"{round(mine[model]['accuracy'] * 100)} of 100 right", width=260, border=True)
        with st.expander("Exact figures"):
            st.table(pd.DataFrame({k: {MODELS[m]: mine[m][k] for m in MODELS} for k in ("accuracy", "precision", "recall", "auc")})
                     .style.format("{:.3f}", na_rep="–"))
