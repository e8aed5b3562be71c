"""Live: the webcam, with every face in view boxed and named while the video runs, and a check
that a live person (not a photo held up) is in front of it."""

import time

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from facekit.live.namer import LiveNamer
from ui import services, visitor, widgets

st.title("🎥 Live: who is in view?")
widgets.no_running_icon()
st.write("Press START and point the camera at people: every face gets a box and a name. It knows the example "
         "people (Barack Obama, Joe Biden), the people enrolled in this demo, and you, once you have taken "
         "reference photos on the **Capture** page.")
st.caption("Nothing from this page is stored: each frame is looked at and forgotten. The camera is asked for only "
           "when you press START.")

searched_as = visitor.viewer().searches_as  # a presenter who signs in gets a namer that searches everyone
namers = st.session_state.setdefault("live_namers", {})
if searched_as not in namers:
    with st.spinner("Loading the face model…"):
        namers[searched_as] = LiveNamer(services.verifier(), visitor.people_to_name())
namer = namers[searched_as]


def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
    """Runs in the video thread: never calls st.*, and the namer returns at once (the model works
    on a thread of its own)."""
    return av.VideoFrame.from_ndarray(namer.frame(frame.to_ndarray(format="rgb24")), format="rgb24")


def who_is_in_view() -> None:
    """Who is in view, in words, and the liveness check, refreshed twice a second while the video plays."""
    now = namer.in_view()
    st.markdown(f"#### {now.words}")
    st.caption(now.status)
    if now.problem:
        st.warning(f"Names are not coming: {now.problem}", icon="⚠️")
    check = namer.liveness()
    if check is not None and check.answer is None:
        st.info(f"### 👉 {check.prompt}")
    elif check is not None:
        (st.success if check.answer.live else st.error)(f"### {check.words}")
        if check.answer.live:
            st.session_state.live_checked_at = time.time() - check.seconds_ago  # the Capture page may ask for it
    if (check is None or check.answer is not None) and st.button(
            "Check that you're live" if check is None else "Check again", key="live_check",
            help="You will be asked to turn your head to one side and back, and to blink, in an order drawn at random."):
        namer.start_check()
        st.rerun(scope="fragment")


video, words = st.columns([3, 2])
playing = False
with video:
    if visitor.camera_available():
        playing = webrtc_streamer(
            key="live",
            mode=WebRtcMode.SENDRECV,
            video_frame_callback=on_frame,
            media_stream_constraints={"video": {"width": {"ideal": 640}, "height": {"ideal": 480}}, "audio": False},
            rtc_configuration=visitor.rtc_configuration(),
        ).state.playing
    else:
        st.info(visitor.CAMERA_NEEDS_HTTPS, icon="🔒")
with words:
    if playing:  # shown from START, gone at STOP
        st.fragment(run_every=0.5)(who_is_in_view)()
    else:
        widgets.legend_of_answers()
        st.caption("Press START, then **Check that you're live** to see whether a real person is in front of the camera.")
    widgets.what_liveness_stops()
