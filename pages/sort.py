"""Sort photos: a pile of photos grouped by person (name a group once, move a wrong face out, merge
two groups), and the photos of the pile where one person is."""

import tempfile
from pathlib import Path

import streamlit as st

import facekit
from facekit.examples import EXAMPLE_PEOPLE, EXAMPLE_PILE
from facekit.faces.images import ANSWER_COLOURS
from facekit.sorting.find import enrolled_references, find_person
from facekit.sorting.groups import enrol_group, group_pile, maybe_same, merge, move_out, name_groups
from facekit.sorting.pile import Unpacked, boxed_photo, read_unpacked, unpack_uploads
from ui import services, visitor, widgets

_SHOWN_PER_GROUP = 40  # thumbnails in one row before "and N more"

st.title("🗂️ Sort photos by person")
st.write("Drop the photos of an event, a class or a family: every face is found and grouped by person, without "
         "telling it how many people there are. Name a group once and all its faces become that person's reference "
         "photos: **Verify** and **Live** then know them.")
st.caption("Photos you name are kept for you only, like the ones taken on the **Capture** page. The others are "
           "forgotten when you leave.")

with st.form("pile", border=False):
    uploads = st.file_uploader("Photos, or a zip of them", type=widgets.PHOTO_TYPES + ["zip"], accept_multiple_files=True,
                               key="pile_files", help=f"{widgets.photo_limits()} A zip may hold up to "
                               f"{facekit.Config().max_pile_photos:,} photos.")
    sort_uploads = st.form_submit_button("Sort these photos", type="primary")
try_examples = st.button("Try with the examples", key="sort_examples", help=f"{len(EXAMPLE_PILE)} public-domain photos of Barack Obama and Joe Biden")


def sort_pile(photos: Unpacked, folder: tempfile.TemporaryDirectory | None = None) -> None:
    """Every face of ``photos`` found (a bar shows how far), grouped, and the groups named; the
    ``folder`` holding the photos is kept as long as the pile (deleted when a new pile replaces it,
    or with the visitor's session)."""
    bar = st.progress(0.0, text="Finding the faces…")
    pile = read_unpacked(photos, services.verifier(),
                         lambda done, total: bar.progress(done / total, text=f"Finding the faces: photo {done} of {total}"))
    bar.progress(1.0, text="Grouping the faces by person…")
    groups = name_groups(group_pile(pile, services.verifier()), pile.embeddings, visitor.people_to_name())
    bar.empty()
    if (before := st.session_state.get("sorted")) and before["folder"]:
        before["folder"].cleanup()  # now, not whenever nothing refers to it (a button's callback may, for a while)
    st.session_state.sorted = {"pile": pile, "groups": groups, "said": None, "folder": folder}


try:
    if sort_uploads and uploads:
        folder = tempfile.TemporaryDirectory(prefix="facekit-pile-")  # the photos on disk, not in this server's memory
        sort_pile(unpack_uploads([(upload.name, upload) for upload in uploads], Path(folder.name)), folder)
    elif try_examples:
        sort_pile(Unpacked(tuple((photo.name, photo) for photo in EXAMPLE_PILE), ()))
except facekit.FacekitError as error:
    widgets.show_error(error)
if sort_uploads and not uploads:
    st.warning("Choose some photos first (or a zip of them).", icon="⚠️")

state = st.session_state.get("sorted")
if state is None:
    st.stop()
pile, groups = state["pile"], state["groups"]


def name_group(index: int) -> None:
    """The Enrol button's callback: the group's faces become the typed name's reference photos."""
    group = groups[index]
    try:
        done = enrol_group(services.gallery(), st.session_state[f"name-{group.faces}"], group, pile,
                           owner=visitor.viewer().gallery_owner)
    except facekit.FacekitError as error:
        state["said"] = ("error", str(error))
        return
    groups[index] = done.group
    state["said"] = ("success" if done.enrolled else "error",
                     f"{widgets.counted(len(done.enrolled), 'photo')} of {done.group.person} kept as their reference photos. "
                     + ("**Verify** (Who is this?) and **Live** now know them." if done.enrolled else "")
                     + "".join(f"\n- Not kept: {photo}: {reason}" for photo, reason in done.refused))


def take_out(index: int) -> None:
    state["groups"] = move_out(groups, groups[index].faces[st.session_state[f"out-{groups[index].faces}"] - 1])
    state["said"] = ("info", "The face is now a group of its own.")


def join(index: int) -> None:
    join_these(index, st.session_state[f"join-{groups[index].faces}"] - 1)


def join_these(first: int, second: int) -> None:
    state["groups"] = merge(groups, first, second)
    state["said"] = ("info", "The two groups are now one.")


def title(number: int, group) -> str:
    return group.person or f"Group {number}"


photos_with_faces = len({face.photo for face in pile.faces})
st.markdown(f"#### {widgets.counted(len(pile.faces), 'face')} in {widgets.counted(photos_with_faces, 'photo')}: "
            f"{widgets.counted(len(groups), 'person', 'people')}")
if pile.no_face or pile.unreadable:
    st.caption(" · ".join(f"{words}: {', '.join(map(str, names))}" for words, names in
                          (("No face found in", pile.no_face), ("Not a photo we can read", pile.unreadable)) if names))
if state["said"]:
    kind, words = state["said"]
    {"success": st.success, "error": st.error, "info": st.info}[kind](words)

grouped, find = st.tabs(["Grouped by person", "Find a person"], key="sort_tabs")  # keyed: kept when a message above comes or goes
with grouped:
    if unsure := maybe_same(groups, pile, services.verifier()):
        with st.expander(f"🤔 Maybe the same person? {widgets.counted(len(unsure), 'pair')} to check"):
            for pair in unsure:
                first, second = groups[pair.first], groups[pair.second]
                faces, words = st.columns([1, 5], vertical_alignment="center")  # two 64 px faces, then words
                faces.image([pile.faces[first.faces[0]].chip, pile.faces[second.faces[0]].chip], width=64)
                words.markdown(f"{title(pair.first + 1, first)} and {title(pair.second + 1, second)} "
                               f"({widgets.score_words(pair.probability)})")
                words.button("Same person: join them", key=f"maybe-{first.faces}-{second.faces}", on_click=join_these,
                             args=(pair.first, pair.second))
    alone = [n for n, group in enumerate(groups) if len(group.faces) == 1]
    for index, group in enumerate(groups):
        if index in alone:
            continue
        faces = group.faces[:_SHOWN_PER_GROUP]
        st.markdown(f"**{title(index + 1, group)}** · {len(group.faces)} faces"
                    + (f" (the first {_SHOWN_PER_GROUP} shown)" if len(group.faces) > _SHOWN_PER_GROUP else ""))
        st.image([pile.faces[i].chip for i in faces], caption=[str(n) for n in range(1, len(faces) + 1)], width=72)
        with st.expander(f"Name {title(index + 1, group)}, take a face out, or join another group"):
            key = group.faces
            left, middle, right = st.columns(3)
            left.text_input("Who is this?", key=f"name-{key}", placeholder="Their name")
            left.button("Keep as their reference photos", key=f"enrol-{key}", on_click=name_group, args=(index,))
            middle.selectbox("Not them? Face number", range(1, len(faces) + 1), key=f"out-{key}")
            middle.button("Take this face out", key=f"take-{key}", on_click=take_out, args=(index,))
            others = [n + 1 for n in range(len(groups)) if n != index]
            right.selectbox("Same person as", others, key=f"join-{key}", format_func=lambda n: title(n, groups[n - 1]))
            right.button("Join the two groups", key=f"merge-{key}", on_click=join, args=(index,))
    if alone:
        st.markdown(f"**On their own** · {widgets.counted(len(alone), 'face')} the model found no one like, or was not sure of")
        st.image([pile.faces[groups[n].faces[0]].chip for n in alone], caption=[title(n + 1, groups[n]) for n in alone],
                 width=72)
        st.caption("To put one of them with a person, open that person's group and choose “Same person as”.")

with find:
    st.caption("Whose photos are these? Choose someone, or upload a photo of them: the photos of this pile where they "
               "are, the face boxed; sure ones first.")
    mine = [person.name for person in services.gallery().people(owner=visitor.viewer().searches_as)]
    choices = {name: (name, False) for name in mine} | {f"{name} (example)": (name, True) for name in EXAMPLE_PEOPLE}
    shown = st.selectbox("Who?", list(choices), key="find_who")
    photo = st.file_uploader("… or a photo of them", type=widgets.PHOTO_TYPES, key="find_photo", help=widgets.photo_limits())
    try:
        if photo:
            references, who = services.verifier().embed_photo(photo.getvalue(), "person")[1], "the person of your photo"
        else:
            searched, owner = visitor.people_to_search(choices[shown][1])
            references, who = enrolled_references(searched, choices[shown][0], owner), shown
        sightings = find_person(references, pile, services.verifier())
    except facekit.FacekitError as error:
        widgets.show_error(error)
    else:
        sure = [s for s in sightings if s.decision == "same"]
        st.markdown(f"#### {who.capitalize() if photo else who}: in {len(sure)} of {widgets.counted(photos_with_faces, 'photo')}"
                    + (f", maybe in {len(sightings) - len(sure)} more" if len(sightings) > len(sure) else ""))
        if sightings:
            st.image([boxed_photo(pile, s.face, ANSWER_COLOURS["known" if s.decision == "same" else "not sure"])
                      for s in sightings],
                     caption=[f"{pile.faces[s.face].photo}: {'sure' if s.decision == 'same' else 'not sure'} "
                              f"({widgets.score_words(s.probability)})" for s in sightings], width=220)
