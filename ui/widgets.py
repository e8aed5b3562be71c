"""Display pieces several pages share: errors, faces, the score gauge, the strictness slider,
the verdict in words."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import facekit
from facekit.decision.rule import ANSWERS
from facekit.faces.images import ANSWER_COLOURS, draw_box, draw_boxes, heat_overlay, side_by_side
from facekit.faces.quality import what_would_settle_it

PHOTO_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"]


def photo_limits() -> str:
    """What an upload may be, in words shown beside every upload box (Streamlit's own notice of
    its size limit only appears on hover)."""
    return (f"Photos up to {facekit.Config().max_image_bytes / 2**20:.0f} MB each: JPEG, PNG, WEBP, BMP, GIF or TIFF.")
PLOTLY = {"displayModeBar": False}  # no plotly toolbar: nobody in a demo needs it, and it covers titles on phones


# Touch screens (no hover, a finger for a pointer) have no keys to press: hints about keys are
# hidden there, and so are the key badges Streamlit draws on buttons with a shortcut.
_NO_KEYS_ON_TOUCH = """<style>@media (hover: none) and (pointer: coarse) {
  .keyboard-hint, [data-testid="stMain"] button kbd { display: none !important; } }</style>"""


# Every picture fits its column, scaled down, never cropped and never scrolling the page sideways:
# st.image takes a width in pixels (two photos side by side at 300 px tall are wider than a phone,
# or than a projector's column), which the page's own width must bound. Tabs are a little smaller on
# a phone, and wrap onto a second line rather than hide behind a scroll arrow (a phone showed
# Verify's fourth tab as "Is t›").
_PICTURES_FIT = """<style>
[data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stImage"]),
[data-testid="stMain"] [data-testid="stImage"], [data-testid="stMain"] [data-testid="stImageContainer"] { max-width: 100%; }
[data-testid="stMain"] [data-testid="stImage"] img { max-width: 100%; height: auto; }
[data-testid="stMain"] [role="tablist"] { flex-wrap: wrap; }
@media (max-width: 640px) { [data-testid="stMain"] [role="tablist"] { gap: 0.6rem; }
  [data-testid="stMain"] [role="tab"] p { font-size: 0.8rem !important; } }</style>"""


def pictures_fit() -> None:
    """On every page (app.py): pictures at most as wide as their column, every tab's name in view."""
    st.html(_PICTURES_FIT)


def no_running_icon() -> None:
    """On a page that reruns a part of itself every moment (Live's list beside the video): no
    "running" icon spinning in the corner the whole time, as if the page were stuck."""
    st.html('<style>[data-testid="stStatusWidget"] { visibility: hidden; }</style>')


def counted(number: int, word: str, words: str | None = None) -> str:
    """``number`` and the word for that many: "1 face", "3 faces", "1 person", "2 people"."""
    return f"{number:,} {word if number == 1 else words or word + 's'}"


def keyboard_hint(html: str) -> None:
    """A hint about keyboard keys, shown on computers and hidden on touch screens."""
    st.html(_NO_KEYS_ON_TOUCH)
    st.markdown(f'<p class="keyboard-hint" style="font-size: 0.875rem; opacity: 0.7">{html}</p>', unsafe_allow_html=True)


def technical_details(text: str) -> None:
    """Names and sources a room need not read, one click away for those who ask."""
    with st.expander("Technical details"):
        st.caption(text)


def show_error(error: Exception) -> None:
    """A facekit error as a message a person can act on (never a traceback)."""
    st.error(str(error), icon="⚠️")


def show_faces(verdict: facekit.Verdict, caption: str) -> None:
    """The two photos side by side (one picture, so they stay side by side on a phone) with the
    compared face boxed in each (green; in a photo with several faces, every face numbered and the
    others grey)."""
    pictures = []
    for photo, face, group, compared in zip(verdict.photos, verdict.faces, verdict.every_face, verdict.face_numbers):
        if group is None:
            pictures.append(draw_box(photo, face.box))
        else:
            numbers = range(1, len(group.faces) + 1)
            pictures.append(draw_boxes(photo, [f.box for f in group.faces],
                                       [_GREEN if n == compared else _GREY for n in numbers], [str(n) for n in numbers]))
    picture = side_by_side(pictures)
    # At most 300 px tall, so that two portraits fit the first screen beside the answer (narrower
    # on a phone, where the column is narrower than that)
    st.image(picture, caption=caption, width=round(picture.shape[1] * 300 / picture.shape[0]))


_GREEN, _ORANGE, _GREY = (ANSWER_COLOURS[answer] for answer in ("known", "not sure", "unknown"))


def face_line(answer) -> str:
    """One face of a group photo in words: "1 · Barack Obama · sure", "2 · not sure (closest: Joe
    Biden, 71%)", "3 · someone I don't know"."""
    if answer.verdict == "known":
        return f"**{answer.number}** · {answer.person} · sure ({answer.probability:.0%})"
    if answer.verdict == "not sure":
        return f"**{answer.number}** · not sure (closest: {answer.matches[0].name}, {answer.probability:.0%})"
    return f"**{answer.number}** · someone I don't know"


def numbered_faces(photo, answers) -> None:
    """A photo with every face boxed, numbered and coloured by its answer (green: named, orange:
    not sure, grey: someone unknown), then one line per face."""
    st.image(draw_boxes(photo, [a.face.box for a in answers], [ANSWER_COLOURS[a.verdict] for a in answers],
                        [str(a.number) for a in answers]), width="stretch")
    st.markdown("  \n".join(face_line(answer) for answer in answers))


def legend_of_answers() -> None:
    """What the colours of the face boxes mean, as the boxes use them."""
    st.markdown("**The boxes:**  \n:green[■] a name: the model is sure  \n:orange[■] not sure who it is  \n"
                ":gray[■] someone I don't know  \n:blue[■] still looking")


def reference_scores(result, faces) -> None:
    """The score of a photo against each reference photo: a bar each on a 0-100% axis, green where
    it matches, the line from which a reference photo matches, and each reference photo's face
    under the chart, numbered like its bar."""
    scores = [float(p) * 100 for p in result.probabilities]
    names = [f"photo {i + 1}" for i in range(len(scores))]
    line = result.match_threshold * 100
    figure = go.Figure(go.Bar(x=names, y=scores, text=[f"{s:.0f}%" for s in scores], textposition="outside",
                              marker_color=["#2a9d8f" if s >= line else "#adb5bd" for s in scores]))
    figure.add_hline(y=line, line_dash="dash", line_color="#264653")
    figure.update_yaxes(range=[0, 110], tickvals=[0, 25, 50, 75, 100], ticktext=["0%", "25%", "50%", "75%", "100%"], title="score")
    figure.update_layout(height=260, margin={"l": 10, "r": 10, "t": 20, "b": 10}, showlegend=False)
    st.plotly_chart(figure, width="stretch", config=PLOTLY)
    st.caption(f"Each bar: this photo's score against one reference photo. The dashed line: a match from {line:.0f}%.")
    if faces:
        st.image(list(faces), caption=[f"{name}: {s:.0f}%" for name, s in zip(names, scores)], width=80)


def score_gauge(probability: float, thresholds) -> go.Figure:
    """A small gauge: the score for "same person" (0-100%) against the model's two lines, drawn
    whole (its 0 and 100 inside the picture at any width)."""
    same, different = thresholds.same_from * 100, thresholds.different_below * 100
    figure = go.Figure(go.Indicator(
        mode="gauge+number", value=probability * 100, number={"suffix": "%", "valueformat": ".0f"},
        gauge={"axis": {"range": [0, 100]}, "bar": {"color": "#264653", "thickness": 0.3},
               "steps": [{"range": [0, different], "color": "#f4a261"}, {"range": [different, same], "color": "#e9ecef"},
                         {"range": [same, 100], "color": "#2a9d8f"}],
               "threshold": {"line": {"color": "black", "width": 3}, "value": same}},
    ))
    figure.update_layout(height=200, margin={"l": 45, "r": 45, "t": 30, "b": 10})
    return figure


def strictness_slider(verdict: facekit.Verdict, comparison: str) -> facekit.Verdict:
    """A slider from lenient to strict for the "same person" line, in percent like every score on
    the page, starting at the model's line for each new ``comparison`` (a line moved for one pair
    never silently answers the next); a button puts it back. Returns the verdict at that line."""
    model_line = int(round(verdict.thresholds.same_from * 100))
    key = f"strictness-{comparison}"

    def reset() -> None:
        st.session_state[key] = model_line

    line = st.slider("How sure must it be to say “same person”?", 50, 99, model_line, 1, format="%d%%", key=key,
                     help=f"Left is lenient, right is strict. The model's own line, {model_line}%, was chosen on people "
                     "it was not tested on.")
    if line == model_line:
        st.caption("◀ lenient · strict ▶ (the model's own line)")
        return verdict
    st.warning(f"Your line: “same” from {line}% (the model's is {model_line}%). The answer above follows your line.",
               icon="🎚️")
    st.button("Back to the model's line", on_click=reset, key=f"reset-{comparison}")
    return verdict.under(verdict.thresholds.with_same_from(line / 100))


SCORE_MEANS = ("The score: how likely the model finds it that the two faces are the same person, from 0 to 100%. "
               "Every figure on this page is this score.")


def score_words(probability: float) -> str:
    """The one "how sure" figure, in percent: "Score: 93%"; never 0% or 100%, which no model can know."""
    if probability > 0.99:
        return "Score: over 99%"
    if probability < 0.01:
        return "Score: under 1%"
    return f"Score: {probability:.0%}"


def verdict_words(verdict: facekit.Verdict) -> tuple[str, str]:
    """The headline and the line under it, in plain words: ``("Same person", "Score: 93%")``, or
    for "not sure", why and what would help."""
    if verdict.decision == "unsure":
        return ANSWERS["unsure"], (
            f"{score_words(verdict.probability)}: it falls between the lines where the model is confident "
            f"(“different” below {verdict.thresholds.different_below:.0%}, “same” from "
            f"{verdict.thresholds.same_from:.0%}). {what_would_settle_it(verdict.photos, verdict.faces)}"
        )
    return ANSWERS[verdict.decision], score_words(verdict.probability)


def why_this_answer(explanation, chips) -> None:
    """The "why" picture: both faces with the squares that made them alike (green) or different
    (red), and the sentence."""
    scale = max(0.02, float(abs(explanation.changes).max()))
    st.image([heat_overlay(chip, change, scale) for chip, change in zip(chips, explanation.changes)],
             caption=["first face", "second face"], width=150)
    st.markdown(f"**{explanation.words}**")
    st.caption("How we know: each face was covered one square at a time and compared again. Green: covering it "
               "lowered the score (that part made them alike). Red: covering it raised the score (that part differs).")


def found_in_photo(found) -> None:
    """Where the person is in the group photo: the answer in words, the photo with their face
    boxed in green (the others grey, numbered), and the person's own face."""
    best = found.probabilities[found.number - 1]
    if found.decision == "same":
        st.success(f"## Yes: face {found.number}\nA score of {best:.0%} for “same person” (sure from "
                   f"{found.thresholds.same_from:.0%}).")
    elif found.decision == "different":
        st.warning(f"## Not in this photo\nNone of its {len(found.faces.faces)} faces comes near: the closest, face "
                   f"{found.number}, scores {best:.0%} for “same person”.")
    else:
        st.info(f"## Not sure: perhaps face {found.number}\nIt scores {best:.0%} for “same person”, between the lines "
                f"where the model is confident.")
    colours = [_GREEN if n == found.number and found.decision == "same" else
               _ORANGE if n == found.number and found.decision == "unsure" else _GREY
               for n in range(1, len(found.faces.faces) + 1)]
    picture = draw_boxes(found.faces.photo, [f.box for f in found.faces.faces], colours,
                         [f"{n}: {p:.0%}" for n, p in enumerate(found.probabilities, 1)])
    st.image(side_by_side([draw_box(found.person.photo, found.person.face.box), picture]),
             caption="The person · the photo of several people (each face with its score)", width="stretch")


def what_liveness_stops() -> None:
    """What the liveness check defends against and what it does not, for anyone who asks."""
    with st.expander("What does the live check stop?"):
        st.markdown(
            "A real head that turns changes shape in a way no flat picture can: the nose moves against the cheeks "
            "and the far side of the face slides out of view. The check asks you to turn to one side and back and to "
            "blink, in an order drawn at random each time, and watches the points of your face as you do.\n\n"
            "**It stops** a printed photo or a phone screen held up to the camera, however it is moved, tilted, "
            "turned or bent, and a recording of you that does not happen to follow the prompt in time.\n\n"
            "**It does not stop** a live deepfake or a replay that follows the prompt, or a 3D mask. It is one "
            "signal, not proof.")
