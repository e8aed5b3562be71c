"""Capture: the browser's webcam takes reference (anchor) and test (positive) photos of you."""

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

import facekit
from facekit.capture.live import Cooldown, LatestFrame, annotate, live_feedback, shot_words
from facekit.capture.photos import captures, delete_capture, delete_person, save_capture
from facekit.faces.quality import ShotQuality
from facekit.names import file_name_part
from ui import services, visitor, widgets

WORDS = {"anchor": "reference", "positive": "test"}

st.title("📷 Take your photos")
st.write(
    "Type your name, press START, then take **reference photos** (the model compares new photos with these) and "
    "**test photos** (more photos of you, to check it). Vary your expression and the angle a little."
)
st.caption("Your photos are yours: other visitors "
           f"cannot see them, and they are deleted after {services.config().capture_retention_days:g} days.")
widgets.keyboard_hint("On a keyboard: <b>a</b> takes a reference photo, <b>p</b> a test photo.")
widgets.technical_details("The seed project calls reference photos *anchors* and test photos *positives*: they are "
                          "saved in `data/anchor/` and `data/positive/`.")
config = services.config()
me = visitor.viewer()
# Streamlit forgets a widget's value when its page is left: the name is kept apart, and put back on return.
if "capture_name" not in st.session_state:
    st.session_state.capture_name = st.session_state.get("capture_name_kept", "")
name = st.text_input("Your name", max_chars=60, placeholder="e.g. Ada Lovelace", key="capture_name")
st.session_state.capture_name_kept = name

# The video thread writes here; this page only reads it when a button is pressed.
frames = st.session_state.setdefault("latest_frame", LatestFrame())


def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
    """Runs in the video thread: never calls st.*, only hands frames over through ``frames``."""
    image = frame.to_ndarray(format="rgb24")
    frames.put(image, live_feedback(image, config) if frames.feedback_due(every_s=0.5) else None)
    return av.VideoFrame.from_ndarray(annotate(image, frames.feedback), format="rgb24")


camera, saved = st.columns([3, 2])
def live_words() -> None:
    """The last judgement of the video, in words; refreshed every second while the camera plays."""
    feedback = frames.feedback
    if isinstance(feedback, ShotQuality):
        st.caption("Live: " + shot_words(feedback))
    elif feedback:
        st.caption(f"Live: {feedback}")


playing, has_camera = False, visitor.camera_available()
with camera:
    if has_camera:
        playing = webrtc_streamer(
            key="capture",
            mode=WebRtcMode.SENDRECV,
            video_frame_callback=on_frame,
            media_stream_constraints={"video": True, "audio": False},
            rtc_configuration=visitor.rtc_configuration(),
        ).state.playing
    else:
        st.info(visitor.CAMERA_NEEDS_HTTPS, icon="🔒")
    take_anchor, take_positive = st.columns(2)
    kind = None
    if take_anchor.button("Take a reference photo", shortcut="a", type="primary", width="stretch", disabled=not has_camera):
        kind = "anchor"
    if take_positive.button("Take a test photo", shortcut="p", width="stretch", disabled=not has_camera):
        kind = "positive"
    cooldown = st.session_state.setdefault("shot_cooldown", Cooldown(config.seconds_between_shots))
    if kind:
        image = frames.get()
        if not name.strip():
            st.error("Type your name first, so the photo can be saved under it.", icon="✍️")
        elif image is None:
            st.error("No picture from the camera yet: press START above and allow the camera.", icon="📷")
        elif kind == "anchor" and not visitor.may_capture_references():
            st.warning("Reference photos are taken here only after a live check: open the **Live** page, press START, "
                       f"then **Check that you're live**. It counts for {config.liveness_valid_s / 60:.0f} minutes.",
                       icon="🙂")
        elif not cooldown.ready():
            st.info("One photo a second: wait a moment, then take the next.", icon="⏱️")
        else:
            try:
                _, quality = save_capture(image, name, kind, config, me, services.gallery())
            except facekit.FacekitError as error:
                widgets.show_error(error)
            else:
                message = f"Saved a {WORDS[kind]} photo."
                if quality.ok:
                    st.success(message + " Good shot.", icon="✅")
                else:
                    st.warning(message + " But: " + "; ".join(quality.problems) + ". Consider deleting it and retaking.")
    if playing:  # shown from START, gone at STOP
        st.fragment(run_every=1.0)(live_words)()

with saved:
    if name.strip():
        try:
            person = file_name_part(name)
        except facekit.FacekitError as error:
            widgets.show_error(error)
            st.stop()
        photos = captures(person, config, me)
        shown = " ".join(name.split())
        st.subheader(f"Photos of {shown}")
        for kind, wanted in (("anchor", config.recommended_anchors), ("positive", config.recommended_positives)):
            have = len(photos[kind])
            st.progress(min(1.0, have / wanted), text=f"{have} {WORDS[kind]} photo{'' if have == 1 else 's'} ({wanted} recommended)")
            with st.container(horizontal=True, gap="small"):  # a grid that wraps, on a phone too
                for path in reversed(photos[kind]):
                    with st.container(width=96, gap=None):
                        st.image(str(path), width=96)
                        if st.button("Delete", key=f"delete-{path.name}", width="stretch"):
                            try:
                                delete_capture(path, config, me, services.gallery())
                            except facekit.FacekitError as error:
                                widgets.show_error(error)
                            else:
                                st.rerun()
        if any(photos.values()):
            with st.popover(f"Forget {shown}"):
                st.write("This deletes every photo saved under this name in this browser, with the faces cut out of them.")
                if st.button("Yes, forget me", type="primary"):
                    try:
                        deleted = delete_person(person, config, me, services.gallery())
                        st.toast(f"Deleted {deleted} photo{'' if deleted == 1 else 's'}.")
                    except facekit.FacekitError as error:
                        widgets.show_error(error)
                    else:
                        st.rerun()
