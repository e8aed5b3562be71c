"""Display pieces several pages share: errors, faces, the score gauge, the strictness slider,
the verdict in words."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import facekit
from facekit.decision.rule import ANSWERS
from facekit.faces.images import draw_box, side_by_side

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"]


def photo_limits() -> str:
    """What an upload may be, in words shown beside every upload box (Streamlit's own notice of
    its size limit only appears on hover)."""
    return (f"Photos up to {facekit.Config().max_image_bytes / 2**20:.0f} MB each: JPEG, PNG, WEBP, BMP, GIF or TIFF.")
PLOTLY = {"displayModeBar": False}  # no plotly toolbar: nobody in a demo needs it, and it covers titles on phones


def show_error(error: Exception) -> None:
    """A facekit error as a message a person can act on (never a traceback)."""
    st.error(str(error), icon="⚠️")


def show_faces(photos, faces, chips, names: list[str], faces_found=None) -> None:
    """Photos side by side (one picture, so they stay side by side on a phone) with the compared
    face boxed in each, then the aligned faces the model compared."""
    st.image(side_by_side([draw_box(photo, face.box) for photo, face in zip(photos, faces)]),
             caption=" · ".join(names), width="stretch")
    for name, found in zip(names, faces_found or [1] * len(names)):
        if found > 1:
            st.caption(f"{name}: {found} faces found; the boxed one (largest and nearest the centre) was compared.")
    st.image(list(chips), caption=["what the model compared"] * len(chips), width=112)


def score_gauge(probability: float, thresholds) -> go.Figure:
    """A small gauge: the score for "same person" (0-100) against the model's two lines."""
    same, different = thresholds.same_from * 100, thresholds.different_below * 100
    figure = go.Figure(go.Indicator(
        mode="gauge+number", value=probability * 100, number={"suffix": " / 100", "valueformat": ".0f"},
        gauge={"axis": {"range": [0, 100]}, "bar": {"color": "#264653", "thickness": 0.3},
               "steps": [{"range": [0, different], "color": "#f4a261"}, {"range": [different, same], "color": "#e9ecef"},
                         {"range": [same, 100], "color": "#2a9d8f"}],
               "threshold": {"line": {"color": "black", "width": 3}, "value": same}},
    ))
    figure.update_layout(height=170, margin={"l": 25, "r": 25, "t": 10, "b": 0})
    return figure


def strictness_slider(verdict: facekit.Verdict) -> facekit.Verdict:
    """A slider from lenient to strict for the "same person" line (starting at the model's);
    returns the verdict answered at the chosen line."""
    model_line = round(verdict.thresholds.same_from, 2)
    line = st.slider("How sure must it be to say “same person”?", 0.50, 0.99, model_line, 0.01, format="%.2f",
                     key="strictness", help=f"Left is lenient, right is strict. The model's own line, {model_line:.2f}, "
                     "was chosen on people it was not tested on.")
    if abs(line - model_line) < 1e-9:
        st.caption("◀ lenient · strict ▶ (the model's own line)")
        return verdict
    st.caption(f"◀ lenient · strict ▶ (you moved the line from the model's {model_line:.0%} to {line:.0%})")
    return verdict.under(verdict.thresholds.with_same_from(line))


def verdict_words(verdict: facekit.Verdict) -> tuple[str, str]:
    """The headline and the line under it, in plain words: ``("Same person", "93% sure")``,
    or for "unsure", why and what helps. Never "100%"."""
    if verdict.decision == "unsure":
        return ANSWERS["unsure"], (
            f"Its score, {verdict.probability:.0%} for 'same person', falls between the lines where the model is "
            f"confident ('different' below {verdict.thresholds.different_below:.0%}, 'same' from "
            f"{verdict.thresholds.same_from:.0%}). A front-facing photo, better light or a larger face usually settles it."
        )
    confidence = verdict.probability if verdict.decision == "same" else 1 - verdict.probability
    return ANSWERS[verdict.decision], "more than 99% sure" if confidence > 0.99 else f"{confidence:.0%} sure"
