"""Dataset: what is in data/ — folders, people, pairs, image sizes, light, sharpness, faces."""

from pathlib import Path

import numpy as np
import plotly.express as px
import streamlit as st

import facekit
import ui
from facekit.capture import Cooldown
from facekit.chips import chip_photos, read_chip
from facekit.faces import model_input

st.title("📊 What the model learns from")
config = ui.config()
stats = ui.stats()

if not sum(stats.folder_counts.values()):
    st.info(
        "The data folders are empty. Take photos on the **Capture** page, and import the public "
        "*Labeled Faces in the Wild* photos with `facekit data import-lfw` (then `facekit data pairs`)."
    )
    st.stop()

st.write(
    "**anchor** and **positive** hold photos of the same people (your captures, and LFW people with 5+ photos); "
    "**negative** holds photos of everyone else. Pairs of anchor + positive are *same person*, "
    "anchor + negative *different people*. People of the test set are never here."
)
counts, pairs = st.columns(2)
counts.plotly_chart(
    px.bar(x=list(stats.folder_counts), y=list(stats.folder_counts.values()), labels={"x": "folder", "y": "photos"},
           title="Photos per folder", text_auto=True),
    width="stretch",
)
if stats.pairs:
    pairs.plotly_chart(
        px.pie(names=["same person", "different people"], values=[stats.pairs.get(1, 0), stats.pairs.get(0, 0)],
               title=f"Pairs table balance ({sum(stats.pairs.values()):,} pairs)"),
        width="stretch",
    )
else:
    pairs.info("No pairs table yet: run `facekit data pairs`.")

per_person, top = st.columns(2)
capped = stats.people.assign(photos=stats.people.photos.clip(upper=20))
per_person.plotly_chart(
    px.histogram(capped, x="photos", color="folder", barmode="group", log_y=True, nbins=20,
                 title="Photos per person (20 means 20 or more)", labels={"photos": "photos of one person"}),
    width="stretch",
)
totals = stats.people.groupby("person").photos.sum().nlargest(20)
top.plotly_chart(
    px.bar(stats.people[stats.people.person.isin(totals.index)], x="photos", y="person", color="folder",
           orientation="h", title="The 20 most photographed people",
           category_orders={"person": list(totals.index)}),
    width="stretch",
)

measured = ui.measurements()
st.subheader("Light and sharpness")
st.caption(f"Measured on {len(measured)} photos (up to 300 per folder, chosen at random). Image sizes: "
           + ", ".join(f"{w}×{h}: {n:,}" for (w, h), n in sorted(stats.image_sizes.items(), key=lambda kv: -kv[1])))
light, sharp = st.columns(2)
light.plotly_chart(px.histogram(measured, x="brightness", color="folder", barmode="overlay",
                                title="Brightness (mean grey level, 0-255)"), width="stretch")
sharp.plotly_chart(px.histogram(measured, x="sharpness", color="folder", barmode="overlay", log_x=True,
                                title="Sharpness (variance of the Laplacian)"), width="stretch")

st.subheader("Faces, as the models see them")
sample_size = st.slider("Sample photos", 4, 16, 8, step=4)
rng = np.random.default_rng(st.session_state.setdefault("sample_seed", 0))
cooldown = st.session_state.setdefault("sample_cooldown", Cooldown(config.seconds_between_samples))
if st.button("Show other photos") and cooldown.ready():
    st.session_state.sample_seed += 1
    st.rerun()
sample = measured.sample(min(sample_size, len(measured)), random_state=int(rng.integers(2**31)))
results = chip_photos(sample.path, config)
found = sum(r.chip_path is not None for r in results.values())
st.metric("Faces found in this sample", f"{found} of {len(sample)}")
for row in range(0, len(sample), 4):
    for column, path in zip(st.columns(4), sample.path.iloc[row : row + 4]):
        result = results[Path(path)]
        column.image(path, caption=facekit.identity_of(path).replace("_", " "), width="stretch")
        if result.chip_path is None:
            column.warning(result.error)
            continue
        chip = read_chip(result.chip_path)
        colour, grey = column.columns(2)
        colour.image(chip, caption="aligned face (Siamese)", width="stretch")
        grey.image(model_input(chip, config.baseline_size, grey=True)[:, :, 0],
                   caption=f"{config.baseline_size}×{config.baseline_size} grey (baseline)", width="stretch")
