"""Verify: two photos -> same person or not; a photo against a person's reference photos; who is this?"""

import streamlit as st

import facekit
from facekit.examples import EXAMPLE_PAIRS, EXAMPLE_PEOPLE, EXAMPLE_PROBES, IN_PHOTO_EXAMPLE
from facekit.faces.images import draw_box
from ui import services, visitor, widgets

st.title("🔍 Are they the same person?")
# Home's "Who is this?" link opens that tab (?tab=who).
two_photos, enrolled, who, in_photo = st.tabs(["Two photos", "Against a person", "Who is this?", "In a group photo?"],
                                              default="Who is this?" if st.query_params.get("tab") == "who" else None)


def photo_input(label: str, key: str):
    """An upload box, and the camera when the person turns it on (never asked for on page load)."""
    camera_shot = None
    if not visitor.camera_available():
        st.caption(visitor.CAMERA_NEEDS_HTTPS)
    elif st.toggle("Use the camera", key=f"{key}_camera"):
        camera_shot = st.camera_input("Take a photo", key=f"{key}_shot")
    upload = st.file_uploader(label, type=widgets.PHOTO_TYPES, key=key, help=widgets.photo_limits())
    return (camera_shot or upload).getvalue() if (camera_shot or upload) else None


def example_buttons(titles, key: str) -> int | None:
    """One button per example; the chosen one is remembered until an upload replaces it (set when
    clicked, before the page runs, so the page above the buttons already knows)."""
    for column, (index, title) in zip(st.columns(len(titles)), enumerate(titles)):
        column.button(title, key=f"{key}-{index}", width="stretch", on_click=st.session_state.__setitem__, args=(key, index))
    return st.session_state.get(key)


with two_photos:
    # Once two photos are chosen, their choice folds away so that the answer and the faces open the page.
    # Its title names the pair shown: a new pair is a new title, so the choice folds away again
    # (opened to choose the next example, it would push that answer below the screen).
    shown_now = st.session_state.get("example")
    chosen_pair = shown_now is not None or bool(st.session_state.get("first") and st.session_state.get("second"))
    now = (EXAMPLE_PAIRS[shown_now].title if shown_now is not None else
           f"{st.session_state['first'].name} and {st.session_state['second'].name}" if chosen_pair else "")
    with st.expander(f"Compare two other photos (now: {now})" if chosen_pair else "Choose two photos", expanded=not chosen_pair):
        # One form, one submit: choosing the first photo does not rerun the page while the second is
        # still being chosen (under load that rerun used to reset the second uploader).
        with st.form("two_photos", border=False):
            left, right = st.columns(2)
            first = left.file_uploader("First photo", type=widgets.PHOTO_TYPES, key="first", help=widgets.photo_limits())
            second = right.file_uploader("Second photo", type=widgets.PHOTO_TYPES, key="second", help=widgets.photo_limits())
            compared = st.form_submit_button("Compare", type="primary", key="compare", on_click=st.session_state.pop,
                                             args=("example", None))
        st.caption("… or try an example (public-domain photos):")
        example = example_buttons([pair.title for pair in EXAMPLE_PAIRS], "example")
    if example is not None:
        pair = EXAMPLE_PAIRS[example]
        photos, shown_as = (pair.first.read_bytes(), pair.second.read_bytes()), f"Example: {pair.truth}."
    else:
        photos = (first.getvalue(), second.getvalue()) if first and second else None
        shown_as = "First photo · second photo"
    if photos is None and (first or second):  # the other was not chosen, or its box refused it (too big)
        st.warning(f"Only the {'second' if second else 'first'} photo is here. Choose the {'first' if second else 'second'} "
                   f"too: a photo over {facekit.Config().max_image_bytes / 2**20:.0f} MB is refused, and its box marks "
                   "it in red.", icon="⚠️")
    elif photos is None and compared:  # Compare pressed, and no photo came: both refused, or none chosen
        st.warning(f"No photos came. Choose two, each with a face: a photo over {facekit.Config().max_image_bytes / 2**20:.0f} "
                   "MB is refused, and its box marks it in red.", icon="⚠️")
    elif photos is None:
        st.info(f"Upload two photos, each with a face, and press Compare. {widgets.photo_limits()}")
    else:
        comparison = services.comparison_id(*photos)
        chosen = (st.session_state.get(f"face1-{comparison}"), st.session_state.get(f"face2-{comparison}"))
        try:
            verdict = services.verdict(*photos, chosen)
        except facekit.FacekitError as error:
            widgets.show_error(error)
        else:
            answer_box, faces_box = st.columns([2, 3], vertical_alignment="center")
            gauge_box = st.container()
            verdict = widgets.strictness_slider(verdict, comparison)  # below the answer, read first: the answer follows it
            answer, explanation = widgets.verdict_words(verdict)
            {"same": answer_box.success, "different": answer_box.warning, "unsure": answer_box.info}[verdict.decision](
                f"## {answer}\n{explanation}")
            with faces_box:
                widgets.show_faces(verdict, shown_as)
            gauge_box.caption(widgets.SCORE_MEANS)
            gauge_box.plotly_chart(widgets.score_gauge(verdict.probability, verdict.thresholds), width="stretch",
                                   config=widgets.PLOTLY)
            gauge_box.caption(f"The dark arc is the score, {verdict.probability:.0%}. Green: “same” from "
                              f"{verdict.thresholds.same_from:.0%}; orange: “different” below "
                              f"{verdict.thresholds.different_below:.0%}; grey: not sure.")
            for index, group in enumerate(verdict.every_face):  # a photo with several faces: choose another one
                if group is None:
                    continue
                st.radio(f"The {('first', 'second')[index]} photo has {len(group.faces)} faces. Which one to compare?",
                         range(1, len(group.faces) + 1), index=verdict.face_numbers[index] - 1, horizontal=True,
                         format_func=lambda n, main=group.main: f"face {n}" + (" (the largest)" if n == main else ""),
                         key=f"face{index + 1}-{comparison}")
            st.image(list(verdict.chips), caption=["what the model compared"] * 2, width=112)
            if st.toggle("Why this answer?", key=f"why-{comparison}",
                         help="Which parts of the two faces made the model say this (about a second)."):
                widgets.why_this_answer(services.why(*photos, chosen), verdict.chips)
            with st.expander("Exact figures"):
                st.write(f"P(same person) = {verdict.probability:.4f}; “same” from {verdict.thresholds.same_from:.4f}, "
                         f"“different” below {verdict.thresholds.different_below:.4f}.")

with enrolled:
    st.caption("Reference photos are the ones taken on the **Capture** page.")
    try:
        people = [person.name for person in services.gallery().people(owner=visitor.viewer().searches_as)]
    except facekit.FacekitError as error:  # e.g. the gallery's database cannot be reached
        widgets.show_error(error)
        people = []
    # Shown names -> (name in its gallery, an example person?)
    choices = {name: (name, False) for name in people} | {f"{name} (example)": (name, True) for name in EXAMPLE_PEOPLE}
    shown = st.selectbox("Who should this be?", list(choices),
                         help="Your own people (taken in this browser) and the example people.")
    person, is_example = choices[shown]
    if not people:
        st.caption("You have no reference photos yet: take some on the **Capture** page, or try an example person.")
    if is_example and st.button("Use an example photo of them", key="use_example_probe"):
        st.session_state.example_probe = shown
    probe = photo_input("… or upload a photo of them", "probe")
    if probe is None and st.session_state.get("example_probe") == shown:
        probe = EXAMPLE_PROBES[person].read_bytes()
    if probe:
        try:
            with st.spinner(f"Comparing with the reference photos of {shown}…"):
                searched, owner = visitor.people_to_search(is_example)
                result = searched.verify(person, probe, owner=owner)
        except facekit.FacekitError as error:
            widgets.show_error(error)
        else:
            (st.success if result.verified else st.warning)(
                f"## {'Yes, this is' if result.verified else 'Could not confirm this is'} {shown}\n"
                f"{result.matches} of {result.n_anchors} reference photos matched. "
                + (f"That is enough: a photo of the right person matches at least 1 in {round(1 / result.share_needed)} "
                   "of their reference photos (others may be older, darker or from another angle), while a stranger's "
                   "almost never matches any." if result.verified else
                   f"At least 1 in {round(1 / result.share_needed)} must match, as one almost always does for the "
                   "right person.")
                + f" A reference photo matches when the model is sure it is the same person (a score from "
                f"{result.match_threshold:.0%})."
            )
            st.image(draw_box(result.probe_photo, result.probe_face.box), caption="This photo", width=320)
            widgets.reference_scores(result, [searched.chip(photo_id) for photo_id in result.anchor_ids])

with who:
    st.caption("Look for a face among the people with reference photos: yours, or the example people.")
    search_examples = st.toggle("Search the example people (Barack Obama, Joe Biden)", value=not people, key="who_examples")
    chosen = example_buttons([f"A new photo of {name}" for name in EXAMPLE_PROBES], "who_example") if search_examples else None
    probe = photo_input("A photo of someone", "who_probe")
    if probe is None and chosen is not None:
        probe = list(EXAMPLE_PROBES.values())[chosen].read_bytes()
    if probe:
        try:
            with st.spinner("Looking…"):
                searched, owner = visitor.people_to_search(search_examples)
                everyone = searched.identify_faces(probe, owner=owner)
        except facekit.FacekitError as error:
            widgets.show_error(error)
        else:
            found, line, several = everyone.main, everyone.threshold, len(everyone.faces) > 1
            if several:
                st.markdown(f"### {len(everyone.faces)} faces in this photo")
                widgets.numbered_faces(everyone.photo, everyone.faces)
                st.caption(f"The closest people to face {found.number}, the largest:")
            if not found.matches:
                st.info("Nobody has reference photos yet: take some on the **Capture** page, or search the example people.")
            elif found.person and found.matches[0].same_photo:
                st.info(f"## This photo is one of {found.person}'s reference photos\nThe same picture (or a crop of "
                        "it) is among the reference photos, so of course it matches: try a different photo of them.")
            elif not several and found.person:
                st.success(f"## This is {found.person}\nA score of {found.matches[0].probability:.0%} for 'same person' "
                           f"(the model is sure from {line:.0%}).")
            elif not several:
                st.warning(f"## Nobody I know\nNo one reaches a score of {line:.0%}, where the model is sure. "
                           f"Closest: {found.matches[0].name}, {found.matches[0].probability:.0%}.")
            if found.matches:
                st.image([found.chip] + [searched.chip(match.photo_id) for match in found.matches],
                         caption=["This face"] + [f"{m.name}: {m.probability:.0%}" for m in found.matches], width=120)

with in_photo:
    st.caption("One person's photo against a photo of several people: which face is theirs, if any.")
    left, right = st.columns(2)
    person = left.file_uploader("A photo of the person", type=widgets.PHOTO_TYPES, key="person", help=widgets.photo_limits())
    group = right.file_uploader("A photo of several people", type=widgets.PHOTO_TYPES, key="group", help=widgets.photo_limits())
    example = example_buttons([f"Example: is {IN_PHOTO_EXAMPLE.truth} in a photo of two people?"], "in_photo_example")
    photos = (person.getvalue(), group.getvalue()) if person and group else None
    if photos is None and example is not None:
        photos = (IN_PHOTO_EXAMPLE.first.read_bytes(), IN_PHOTO_EXAMPLE.second.read_bytes())
    if photos:
        try:
            found = services.found_in(*photos)
        except facekit.FacekitError as error:
            widgets.show_error(error)
        else:
            widgets.found_in_photo(found)
