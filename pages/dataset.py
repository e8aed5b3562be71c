"""Dataset: what is in data/ — folders, people, pairs, image sizes, light, sharpness, faces."""

from pathlib import Path

import plotly.express as px
import streamlit as st

from facekit import identity_of
from facekit.capture.live import Cooldown
from facekit.data.folders import list_photos
from facekit.examples import EXAMPLE_PEOPLE
from facekit.faces.align import model_input
from facekit.faces.chips import chip_photos, read_chip
from facekit.names import display_name
from ui import services, visitor, widgets

st.title("📊 What the model learns from")
config = services.config()
stats = services.stats()
me = visitor.viewer()
# The same colour for a folder in every chart.
# The folders, in the words of the page and the Capture page (their names are the seed project's).
FOLDER_WORDS = {"anchor": "reference photos", "positive": "test photos", "negative": "other people"}
COLOURS = {FOLDER_WORDS["anchor"]: "#264653", FOLDER_WORDS["positive"]: "#2a9d8f", FOLDER_WORDS["negative"]: "#e76f51"}
CAPTURE_KINDS = {folder: FOLDER_WORDS[folder] for folder in ("anchor", "positive")}



def show_examples() -> None:
    """What LFW holds, in photos of its kind that ship with facekit: for a computer without LFW."""
    st.write("The models learnt from *Labeled Faces in the Wild*: 13,233 public photos of 5,749 people found in the "
             "news, each cut to 250×250 around the face. Photos of the kind it holds (public-domain, shipped with facekit):")
    examples = [photo for photos in EXAMPLE_PEOPLE.values() for photo in photos]
    st.image([str(photo) for photo in examples], width=120,
             caption=[name for name, photos in EXAMPLE_PEOPLE.items() for _ in photos])


if not sum(stats.folder_counts.values()):
    st.info("No photos on this computer yet. **Verify** works anyway: the models that come with facekit were "
            "trained elsewhere. Photos appear here when you take some on the **Capture** page.", icon="🗂️")
    show_examples()
    st.caption("To look through LFW here: `facekit data import-lfw` (about 200 MB), then `facekit data pairs`.")
    st.stop()

st.write(
    "**Reference** and **test** photos show the same people: your captures, and people of the "
    "public LFW collection with 5 or more photos. **Other people** holds everyone else. A reference photo "
    "with a test photo of the same person makes a *same person* pair; with a photo of someone else, a *different "
    "people* pair. The people the model is tested on are never here."
)
widgets.technical_details("The folders are `data/anchor/` (reference), `data/positive/` (test) and "
                          "`data/negative/` (other people): the seed project's names.")
seen = stats.people.person.map(me.sees)
people = stats.people[seen].assign(person=lambda t: t.person.map(display_name))
if hidden := stats.people[~seen].person.nunique():
    st.caption(f"Photos of {hidden} other visitors are counted but not shown: they are theirs.")
if not stats.folder_counts.get("negative"):  # captures only: no LFW on this computer
    st.info("Only photos taken on the **Capture** page are here. With the public LFW collection imported, this page "
            "would also show its 13,233 photos of 5,749 people from the news: the other people each face is compared "
            "with, and the pairs the model learns from.", icon="🗂️")
    if len(people):
        st.plotly_chart(
            px.bar(people.assign(kind=people.folder.map(CAPTURE_KINDS)), x="photos", y="person", color="kind",
                   orientation="h", title="Photos taken here, per person", text_auto=True,
                   color_discrete_map=COLOURS,
                   labels={"kind": "", "person": ""}, height=180 + 40 * people.person.nunique())
            .update_layout(legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}, margin={"t": 90})
            .update_xaxes(dtick=1),
            width="stretch", config=widgets.PLOTLY,
        )
        yours = [p for folder in CAPTURE_KINDS for p in list_photos(config.data_dir / folder) if me.sees(identity_of(p))]
        st.image([str(p) for p in yours[:12]], width=96, caption=[display_name(identity_of(p)) for p in yours[:12]])
    else:  # only other visitors' captures: theirs to see; the kind of photos LFW holds instead of nothing
        show_examples()
    st.caption("For the operator: `facekit data import-lfw` (about 200 MB), then `facekit data pairs`.")
    st.stop()
overview, quality, faces = st.tabs(["Folders and people", "Light and sharpness", "Faces"])

with overview:
    counts, pairs = st.columns(2)
    counts.plotly_chart(
        px.bar(x=[FOLDER_WORDS[f] for f in stats.folder_counts], y=list(stats.folder_counts.values()),
               color=[FOLDER_WORDS[f] for f in stats.folder_counts], color_discrete_map=COLOURS,
               labels={"x": "", "y": "photos", "color": ""}, title="Photos of each kind", text_auto=True)
        .update_layout(showlegend=False),
        width="stretch", config=widgets.PLOTLY,
    )
    if stats.pairs:
        pairs.plotly_chart(
            px.pie(names=["same person", "different people"], values=[stats.pairs.get(1, 0), stats.pairs.get(0, 0)],
                   title=f"Pairs to learn from ({sum(stats.pairs.values()):,})",
                   color_discrete_sequence=["#2a9d8f", "#e76f51"]),
            width="stretch", config=widgets.PLOTLY,
        )
    else:
        pairs.info("The table of pairs has not been built yet.")
        pairs.caption("For the operator: `facekit data pairs`.")
    worded = people.assign(folder=people.folder.map(FOLDER_WORDS))
    capped = worded.assign(photos=worded.photos.clip(upper=20))
    st.plotly_chart(
        px.histogram(capped, x="photos", color="folder", barmode="group", log_y=True, nbins=20, color_discrete_map=COLOURS,
                     title="Photos per person (20 means 20 or more)",
                     labels={"photos": "photos of one person", "folder": "", "count": "people"})
        .update_yaxes(dtick=1, title="people"),  # 1, 10, 100: a tick a power of ten
        width="stretch", config=widgets.PLOTLY,
    )
    totals = people.groupby("person").photos.sum().nlargest(20)
    st.plotly_chart(
        px.bar(worded[worded.person.isin(totals.index)], x="photos", y="person", color="folder", orientation="h",
               title="The 20 most photographed people", color_discrete_map=COLOURS, height=180 + 24 * len(totals),
               labels={"folder": ""},
               category_orders={"person": list(totals.index)}).update_yaxes(dtick=1, title=None),
        width="stretch", config=widgets.PLOTLY,
    )

measured = services.measurements()
measured = measured[measured.path.map(lambda path: me.sees(identity_of(path)))]
shown = measured.assign(folder=measured.folder.map(FOLDER_WORDS))
with quality:
    st.caption(f"Measured on {len(measured)} photos (up to 300 per folder, chosen at random). Image sizes: "
               + ", ".join(f"{w}×{h}: {n:,}" for (w, h), n in sorted(stats.image_sizes.items(), key=lambda kv: -kv[1])))
    light, sharp = st.columns(2)
    light.plotly_chart(px.histogram(shown, x="brightness", color="folder", barmode="overlay", color_discrete_map=COLOURS,
                                    title="Brightness (0 black, 255 white)", labels={"folder": "", "count": "photos"}),
                       width="stretch", config=widgets.PLOTLY)
    sharp.plotly_chart(px.histogram(shown, x="sharpness", color="folder", barmode="overlay", log_x=True,
                                    color_discrete_map=COLOURS, title="Sharpness (higher is sharper)",
                                    labels={"folder": "", "count": "photos"}).update_xaxes(dtick=1),
                       width="stretch", config=widgets.PLOTLY)

with faces:
    st.caption("A few photos at random, the face the app's model compares, and the grey square the baseline sees.")
    sample_size = st.select_slider("Sample photos", [4, 8, 12, 16], 8)
    cooldown = st.session_state.setdefault("sample_cooldown", Cooldown(config.seconds_between_samples))
    if st.button("Show other photos") and cooldown.ready():
        st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
        st.rerun()
    sample = measured.sample(min(sample_size, len(measured)), random_state=st.session_state.get("sample_seed", 0))
    results = chip_photos(sample.path, services.verifier().framing(config))  # cut as the app's model cuts them
    baseline_results = chip_photos(sample.path, config)
    found = sum(r.chip_path is not None for r in results.values())
    st.metric("Faces found in this sample", f"{found} of {len(sample)}")
    with st.container(horizontal=True):  # a grid that wraps on narrow screens
        for path in sample.path:
            result = results[Path(path)]
            with st.container(border=True, width=170):  # two to a row on a phone
                st.image(path, caption=display_name(identity_of(path)), width="stretch")
                if result.chip_path is None:
                    st.warning(result.error)
                    continue
                baseline_chip = read_chip(baseline_results[Path(path)].chip_path)
                st.image([read_chip(result.chip_path), model_input(baseline_chip, config.baseline_size, grey=True)[:, :, 0]],
                         caption=["the model", "the baseline"], width=68)
