"""Verify: two photos -> same person or not; or a photo against a person's enrolled anchors."""

import streamlit as st

import facekit
import ui

st.title("🔍 Are they the same person?")
two_photos, enrolled = st.tabs(["Two photos", "Against enrolled photos"])

with two_photos:
    left, right = st.columns(2)
    first = left.file_uploader("First photo", type=ui.PHOTO_TYPES, key="first")
    second = right.file_uploader("Second photo", type=ui.PHOTO_TYPES, key="second")
    if not (first and second):
        st.info("Upload two photos, each with a face. Any size; JPEG, PNG, WEBP, BMP, GIF or TIFF.")
    else:
        try:
            verdict = ui.verdict(first.getvalue(), second.getvalue())
        except facekit.FacekitError as error:
            ui.show_error(error)
        else:
            answer, sureness = ui.verdict_words(verdict.probability, verdict.threshold)
            (st.success if verdict.same else st.warning)(f"## {answer}\n{sureness}")
            st.caption(f"P(same person) = {verdict.probability:.3f}; the model says \"same\" from "
                       f"{verdict.threshold:.3f} up (a threshold chosen on people it was not tested on).")
            for column, photo, face, chip, name in zip(
                st.columns(2), verdict.photos, verdict.faces, verdict.chips, ("First photo", "Second photo")
            ):
                ui.show_face(column, photo, face, chip, name)

with enrolled:
    people = facekit.enrolled_people(ui.config())
    if not people:
        st.info("Nobody is enrolled yet. Take anchor photos on the **Capture** page first.")
    else:
        person = st.selectbox("Who should this be?", people)
        anchors = facekit.captures(person, ui.config())["anchor"]
        shot = st.camera_input("Take a photo") or st.file_uploader("… or upload one", type=ui.PHOTO_TYPES, key="probe")
        if shot:
            try:
                ui.verifier()
                with st.spinner(f"Comparing with {len(anchors)} photos of {person}…"):
                    result = facekit.verify_against_anchors(shot.getvalue(), anchors, ui.config())
            except facekit.FacekitError as error:
                ui.show_error(error)
            else:
                (st.success if result.verified else st.warning)(
                    f"## {'Yes, this is' if result.verified else 'Not verified as'} {person}\n"
                    f"{result.matches} of {result.n_anchors} enrolled photos matched "
                    f"({result.share:.0%}; {result.verification_threshold:.0%} needed)."
                )
                if result.skipped_anchors:
                    st.caption(f"{result.skipped_anchors} enrolled photos had no usable face and were skipped.")
                photo, scores = st.columns([1, 2])
                ui.show_face(photo, result.probe_photo, result.probe_face, result.probe_chip, "This photo")
                scores.bar_chart({"P(same) per enrolled photo": result.probabilities}, y_label="P(same)")
