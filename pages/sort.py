"""Sort photos: a pile of photos grouped by person (name a group once, move a wrong face out, merge
two groups), and the photos of the pile where one person is."""

import tempfile
from pathlib import Path

import streamlit as st

import facekit
from facekit.examples import EXAMPLE_PEOPLE, EXAMPLE_PILE
from facekit.faces.images import ANSWER_COLOURS
from facekit.sorting.find import enrolled_references, find_person
from facekit.sorting.groups import enrol_group, group_numbered, group_pile, maybe_same, merge, move_out, name_groups
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


def name_group(number: int) -> None:
    """The Enrol button's callback: group ``number``'s faces become the typed name's reference photos."""
    group = group_numbered(state["groups"], number)
    try:
        done = enrol_group(services.gallery(), st.session_state[f"name-{number}"], group, pile,
                           owner=visitor.viewer().gallery_owner)
    except facekit.FacekitError as error:
        state["said"] = ("error", str(error))
        return
    state["groups"] = [done.group if g.number == number else g for g in state["groups"]]
    state["said"] = ("success" if done.enrolled else "error",
                     f"{widgets.counted(len(done.enrolled), 'photo')} of {done.group.person} kept as their reference photos. "
                     + ("**Verify** (Who is this?) and **Live** now know them." if done.enrolled else "")
                     + "".join(f"\n- Not kept: {photo}: {reason}" for photo, reason in done.refused))


def take_out(number: int) -> None:
    group = group_numbered(state["groups"], number)
    state["groups"] = move_out(state["groups"], group.faces[st.session_state[f"out-{number}"] - 1])
    state["said"] = ("info", "The face is now a group of its own.")


def join(number: int) -> None:
    join_these(number, st.session_state[f"join-{number}"])


def join_these(first: int, second: int) -> None:
    state["groups"] = merge(state["groups"], first, second)
    state["said"] = ("info", "The two groups are now one.")


def title(group) -> str:
    return group.person or f"Group {group.number}"


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
                first, second = group_numbered(groups, pair.first), group_numbered(groups, pair.second)
                faces, words = st.columns([1, 5], vertical_alignment="center")  # two 64 px faces, then words
                faces.image([pile.faces[first.faces[0]].chip, pile.faces[second.faces[0]].chip], width=64)
                words.markdown(f"{title(first)} and {title(second)} ({widgets.score_words(pair.probability)})")
                words.button("Same person: join them", key=f"maybe-{pair.first}-{pair.second}", on_click=join_these,
                             args=(pair.first, pair.second))
    alone = [group for group in groups if len(group.faces) == 1]
    for group in groups:
        if len(group.faces) == 1:
            continue
        faces, number = group.faces[:_SHOWN_PER_GROUP], group.number  # widgets keyed by the group's number: its own
        st.markdown(f"**{title(group)}** · {len(group.faces)} faces"
                    + (f" (the first {_SHOWN_PER_GROUP} shown)" if len(group.faces) > _SHOWN_PER_GROUP else ""))
        st.image([pile.faces[i].chip for i in faces], caption=[str(n) for n in range(1, len(faces) + 1)], width=72)
        with st.expander(f"Name {title(group)}, take a face out, or join another group"):
            left, middle, right = st.columns(3)
            left.text_input("Who is this?", key=f"name-{number}", placeholder="Their name")
            left.button("Keep as their reference photos", key=f"enrol-{number}", on_click=name_group, args=(number,))
            middle.selectbox("Not them? Face number", range(1, len(faces) + 1), key=f"out-{number}")
            middle.button("Take this face out", key=f"take-{number}", on_click=take_out, args=(number,))
            others = {g.number: title(g) for g in groups if g.number != number}
            right.selectbox("Same person as", list(others), key=f"join-{number}", format_func=others.get)
            right.button("Join the two groups", key=f"merge-{number}", on_click=join, args=(number,))
    if alone:
        st.markdown(f"**On their own** · {widgets.counted(len(alone), 'face')} the model found no one like, or was not sure of")
        st.image([pile.faces[group.faces[0]].chip for group in alone], caption=[title(group) for group in alone], width=72)
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
