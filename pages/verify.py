"""Verify: two photos -> same person or not; or a photo against a person's enrolled anchors."""

import streamlit as st

import facekit
import ui
from facekit.capture import captures, display_name, enrolled_people
from facekit.demo import EXAMPLE_PAIRS

st.title("🔍 Are they the same person?")
two_photos, enrolled = st.tabs(["Two photos", "Against enrolled photos"])

with two_photos:
    # One form, one submit: choosing the first photo does not rerun the page while the second is
    # still being chosen (under load that rerun used to reset the second uploader).
    with st.form("two_photos", border=False):
        left, right = st.columns(2)
        first = left.file_uploader("First photo", type=ui.PHOTO_TYPES, key="first")
        second = right.file_uploader("Second photo", type=ui.PHOTO_TYPES, key="second")
        if st.form_submit_button("Compare", type="primary", key="compare"):
            st.session_state.pop("example", None)
    st.caption("… or try an example (public-domain photos):")
    for column, (index, pair) in zip(st.columns(len(EXAMPLE_PAIRS)), enumerate(EXAMPLE_PAIRS)):
        if column.button(pair.title, key=f"example-{index}", width="stretch"):
            st.session_state.example = index
    example = st.session_state.get("example")
    if example is not None:
        pair = EXAMPLE_PAIRS[example]
        st.caption(f"Example: {pair.truth}.")
        photos = (pair.first.read_bytes(), pair.second.read_bytes())
    else:
        photos = (first.getvalue(), second.getvalue()) if first and second else None
    if photos is None:
        st.info("Upload two photos, each with a face, and press Compare. Any size; JPEG, PNG, WEBP, BMP, GIF or TIFF.")
    else:
        try:
            verdict = ui.verdict(*photos)
        except facekit.FacekitError as error:
            ui.show_error(error)
        else:
            answer, explanation = ui.verdict_words(verdict)
            {"same": st.success, "different": st.warning, "unsure": st.info}[verdict.decision](f"## {answer}\n{explanation}")
            st.caption(f"P(same person) = {verdict.probability:.3f}. The model says \"same\" from "
                       f"{verdict.thresholds.same_from:.3f} up and \"different\" below {verdict.thresholds.different_below:.3f} "
                       "(lines chosen on people it was not tested on).")
            for column, photo, face, chip, name, found in zip(
                st.columns(2), verdict.photos, verdict.faces, verdict.chips, ("First photo", "Second photo"),
                verdict.faces_found,
            ):
                ui.show_face(column, photo, face, chip, name, found)

with enrolled:
    people = enrolled_people(ui.config())
    if not people:
        st.info("Nobody is enrolled yet. Take anchor photos on the **Capture** page first.")
    else:
        person = st.selectbox("Who should this be?", people, format_func=display_name)
        anchors = captures(person, ui.config())["anchor"]
        # The camera is asked for only when the person turns it on, never when the page opens;
        # the upload box stays either way.
        camera_shot = None
        if not ui.camera_available():
            st.caption(ui.CAMERA_NEEDS_HTTPS)
        elif st.toggle("Use the camera", key="probe_camera"):
            camera_shot = st.camera_input("Take a photo")
        upload = st.file_uploader("… or upload a photo of them", type=ui.PHOTO_TYPES, key="probe")
        shot = camera_shot or upload
        if shot:
            try:
                with st.spinner(f"Comparing with {len(anchors)} photos of {display_name(person)}…"):
                    result = ui.verifier().verify_against_anchors(shot.getvalue(), anchors)
            except facekit.FacekitError as error:
                ui.show_error(error)
            else:
                (st.success if result.verified else st.warning)(
                    f"## {'Yes, this is' if result.verified else 'Could not confirm this is'} {display_name(person)}\n"
                    f"{result.matches} of {result.n_anchors} enrolled photos matched "
                    f"({result.share:.0%}; {result.share_needed:.0%} needed). A photo matches only when the model "
                    f"is sure it shows the same person (P(same) from {result.match_threshold:.2f})."
                )
                if result.skipped_anchors:
                    st.caption(f"{result.skipped_anchors} enrolled photos had no usable face and were skipped.")
                photo, scores = st.columns([1, 2])
                ui.show_face(photo, result.probe_photo, result.probe_face, result.probe_chip, "This photo")
                scores.bar_chart({"P(same) per enrolled photo": result.probabilities}, y_label="P(same)")
