"""Baseline vs Siamese: both models on the same held-out pairs, and on your own photos."""

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

import facekit
import ui
from facekit.scoring import evaluate_own_people

st.title("⚖️ A coin toss against a neural network")
MODELS = {"baseline": "Naive Bayes on raw pixels", "siamese": "Siamese neural network"}
metrics = ui.metrics()
if metrics is None:
    st.warning("No evaluation yet: run `facekit evaluate all --lfw-dir data/lfw` to create `models/metrics.json`.")
    st.stop()

view1 = metrics["view1"]
st.write(
    f"Both models answered the same **{view1['n_pairs']:,} pairs** of photos of people they never saw while learning "
    f"(LFW's *View 1* test pairs: half the same person, half different people). The baseline compares pixels one "
    "by one and cannot tell faces apart; the Siamese network maps each face to a point so that the same person "
    "lands close by."
)
table = pd.DataFrame({MODELS[m]: {k.upper() if k == "auc" else k.capitalize(): view1[m][k]
                                  for k in ("accuracy", "precision", "recall", "f1", "auc")} for m in MODELS})
st.dataframe(table.style.format("{:.3f}"), width="stretch")

three_way = view1["siamese"].get("three_way")
if three_way:
    st.subheader("The Siamese network may also say \"Not sure\"")
    st.write(
        f"It says \"same\" only from P = {three_way['same_from']:.2f} and \"different\" only below "
        f"{three_way['different_below']:.2f}, two lines chosen on other people so that look-alike strangers are "
        "rarely called the same person. In between, it says \"Not sure\"."
    )
    answered, right, lookalikes, strangers = st.columns(4)
    answered.metric("Pairs with a firm answer", f"{three_way['coverage']:.0%}")
    right.metric("Firm answers that were right", f"{three_way['confident_accuracy']:.1%}")
    if "false_same_hard" in three_way:
        lookalikes.metric("Look-alike strangers called the same", f"{three_way['false_same_hard']:.1%}",
                          help=f"{three_way['n_hard_impostors']:,} pairs of test people who look most alike.")
    strangers.metric("Random strangers called the same", f"{three_way['false_same_random']:.1%}")

roc, confusion = st.columns(2)
figure = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance"))
for model, title in MODELS.items():
    figure.add_scatter(x=view1[model]["roc"]["fpr"], y=view1[model]["roc"]["tpr"], mode="lines",
                       name=f"{title} (AUC {view1[model]['auc']:.3f})")
if three_way:  # the two lines as points on the Siamese curve
    for line, label in (("same_from", "'same' from here"), ("different_below", "'different' below here")):
        point = three_way["on_roc"][line]
        figure.add_scatter(x=[point["fpr"]], y=[point["tpr"]], mode="markers+text", text=[label],
                           textposition="middle right", marker={"size": 10, "color": "black"}, showlegend=False)
figure.update_layout(title="ROC curves", xaxis_title="different people called 'same' (false positive rate)",
                     yaxis_title="same person found (true positive rate)", legend={"x": 0.35, "y": 0.05})
roc.plotly_chart(figure, width="stretch")
with confusion:
    for model, title in MODELS.items():
        st.plotly_chart(
            px.imshow(view1[model]["confusion"], text_auto=True, color_continuous_scale="Blues", height=260,
                      x=["said different", "said same"], y=["really different", "really same"], title=title),
            width="stretch",
        )

st.subheader("How sure each model was")
pairs = pd.DataFrame(metrics["pairs"])
pairs["truth"] = pairs.label.map({1: "same person", 0: "different people"})
for column, model in zip(st.columns(2), MODELS):
    scores = pairs[model].clip(-500, 500) if model == "baseline" else pairs[model]
    figure = px.histogram(pairs.assign(score=scores), x="score", color="truth", barmode="overlay", nbins=40,
                          title=MODELS[model], labels={"score": "log-odds of 'same'" if model == "baseline" else "P(same)"},
                          color_discrete_map={"same person": "#2a9d8f", "different people": "#e76f51"})
    figure.add_vline(x=view1[model]["threshold"], line_dash="dash", annotation_text="threshold")
    column.plotly_chart(figure, width="stretch")

st.subheader("Pairs each model got wrong")
lfw_dir = ui.config().lfw_dir
for model, title in MODELS.items():
    wrong = pairs[(pairs[model] >= view1[model]["threshold"]).astype(int) != pairs.label]
    with st.expander(f"{title}: {len(wrong)} wrong answers; the first four"):
        for _, pair in wrong.head(4).iterrows():
            names = f"{pair.a.split('/')[0]} / {pair.b.split('/')[0]}".replace("_", " ")
            st.caption(f"{pair.truth}, but the model said the opposite: {names}")
            if (lfw_dir / pair.a).exists():
                left, right, _ = st.columns([1, 1, 3])
                left.image(str(lfw_dir / pair.a))
                right.image(str(lfw_dir / pair.b))

st.subheader("And on your own photos?")
st.write("Score both models on pairs of the people captured on the **Capture** page: their anchor + positive "
         "photos (same) and their anchors + random LFW photos (different).")
if st.button("Evaluate on my photos", type="primary"):
    bar = st.progress(0.0, text="Finding faces…")
    try:
        mine = evaluate_own_people(
            ui.config(), on_progress=lambda done, total: bar.progress(done / total, text=f"Finding faces: {done}/{total}")
        )
    except facekit.FacekitError as error:
        bar.empty()
        ui.show_error(error)
    else:
        bar.progress(1.0, text=f"Done: {mine['n_pairs']} pairs of {mine['people']} people")
        st.dataframe(pd.DataFrame({MODELS[m]: {k: mine[m][k] for k in ("accuracy", "precision", "recall", "auc")}
                                   for m in MODELS}).style.format("{:.3f}", na_rep="–"), width="stretch")
