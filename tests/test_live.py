"""Faces named on live video: tracked from frame to frame, names held from the evidence of several
recognitions, the model never in the video's way (one face handed over at a time, none queued);
the Live page renders. The browser test with a fake camera is in test_browser.py."""

from __future__ import annotations

import threading
import time
from unittest import mock

import cv2
import numpy as np
import pytest

from facekit import Config
from facekit.examples import EXAMPLES_DIR
from facekit.faces.detect import Face
from facekit.faces.images import load_image
from facekit.gallery.people import Gallery
from facekit.live.namer import LiveNamer
from facekit.live.tracks import FaceTracks, Recognition
from facekit.model.verifier import load_verifier

KNOWN_FROM, UNSURE_FROM = 0.9, 0.3


def _face(x: int, y: int = 100, side: int = 100) -> Face:
    return Face((x, y, side, side), 0.99, np.zeros((5, 2), np.float32))


def _look(people: dict[str, float], someone_else: bool = False) -> Recognition:
    return Recognition(np.ones(4, np.float32), people, someone_else)


def test_a_face_keeps_its_number_while_it_moves_and_is_forgotten_once_gone():
    tracks = FaceTracks(KNOWN_FROM, UNSURE_FROM)
    first = tracks.update([_face(100), _face(400)], now=0.0)
    assert [f.number for f in first] == [1, 2]
    moved = tracks.update([_face(415), _face(110)], now=0.03)  # both moved a little; the list order swapped
    assert {f.box[0]: f.number for f in moved} == {110: 1, 415: 2}
    assert [f.number for f in tracks.update([_face(420)], now=0.3)] == [2]  # face 1 missed for a moment...
    assert {f.box[0]: f.number for f in tracks.update([_face(120), _face(420)], now=0.4)} == {120: 1, 420: 2}  # still 1
    for second in (0.7, 1.0, 1.5):
        tracks.update([_face(420)], now=second)
    assert [f.number for f in tracks.update([_face(125)], now=2.0)] == [3]  # gone 1.6 s, 3 frames: a new face


def test_on_a_slow_machine_a_face_keeps_its_name_through_a_missed_frame_and_a_long_step():
    """Issue 38: at 2 frames a second a name was replaced by "still looking": a face missed in one
    frame (1 s unseen) and one that moved 40 px between two frames are the same face, still named."""
    tracks = FaceTracks(KNOWN_FROM, UNSURE_FROM)
    tracks.update([_face(100)], now=0.0)
    tracks.recognised(1, _look({"Ada": 0.97}), now=0.1)
    tracks.update([], now=0.5)  # a detection missed
    [held] = tracks.update([_face(140)], now=1.0)  # back after 1 s, 40 px further (IoU 0.43)
    assert (held.number, held.answer.words) == (1, "Ada")
    [walked] = tracks.update([_face(210)], now=1.5)  # 70 px in one step: IoU 0.18, centres 0.7 faces apart
    assert (walked.number, walked.answer.words) == (1, "Ada")
    assert [f.number for f in tracks.update([_face(320)], now=2.0)] == [2]  # 110 px away: somebody else
    for second in (2.5, 3.0, 3.5):  # three frames without face 1, 2 s: gone
        tracks.update([_face(320)], now=second)
    assert {f.box[0]: f.number for f in tracks.update([_face(210), _face(320)], now=4.0)} == {210: 3, 320: 2}


def test_a_name_comes_from_several_looks_and_does_not_flicker():
    tracks = FaceTracks(KNOWN_FROM, UNSURE_FROM)
    tracks.update([_face(100)], now=0.0)
    tracks.recognised(1, _look({"Ada": 0.97, "Bob": 0.1}), now=0.1)
    shown = lambda: tracks.update([_face(100)], now=0.2)[0].answer  # noqa: E731
    assert (shown().verdict, shown().person) == ("known", "Ada")
    assert tracks.times_to_name[0] == pytest.approx(0.1)
    tracks.recognised(1, _look({"Bob": 0.95}), now=1.1)  # one odd look: Bob's median 0.525, "not sure"...
    assert shown().words == "Ada"  # ...but one look does not change what is shown
    tracks.recognised(1, _look({"Ada": 0.96}), now=2.1)  # back to Ada
    assert shown().words == "Ada" and tracks.names_changed == 0
    for second in (3.1, 4.1, 5.1, 6.1):  # Bob from now on: the evidence follows, then the name, once
        tracks.recognised(1, _look({"Bob": 0.99}), now=second)
    assert shown().words == "Bob" and tracks.names_changed == 1
    assert shown().probability > KNOWN_FROM


def test_someone_else_in_the_same_place_starts_afresh():
    tracks = FaceTracks(KNOWN_FROM, UNSURE_FROM)
    tracks.update([_face(100)], now=0.0)
    tracks.recognised(1, _look({"Ada": 0.97}), now=0.1)
    tracks.update([_face(100)], now=0.6)
    tracks.update([_face(100)], now=1.1)
    tracks.recognised(1, _look({"Ada": 0.05}, someone_else=True), now=1.1)  # the video cut to a stranger
    answer = tracks.update([_face(100)], now=1.6)[0].answer
    assert (answer.verdict, answer.person, answer.words) == ("unknown", None, "Someone I don't know")
    tracks.recognised(1, _look({"Ada": 0.95}), now=1.7)
    assert tracks.update([_face(100)], now=2.0)[0].answer.words == "Someone I don't know"  # held: one look


def test_faces_are_looked_at_in_turn_new_ones_first():
    tracks = FaceTracks(KNOWN_FROM, UNSURE_FROM)
    tracks.update([_face(100)], now=0.0)
    assert tracks.due(0.0, lambda face: True)[0] == 1
    assert tracks.due(0.1, lambda face: True) is None  # asked, and not again before a second
    tracks.update([_face(100), _face(400)], now=0.5)
    assert tracks.due(0.5, lambda face: True)[0] == 2  # the new face first
    tracks.update([_face(100), _face(400)], now=0.9)
    tracks.update([_face(100), _face(400)], now=1.2)
    assert tracks.due(1.2, lambda face: True)[0] == 1  # then the one looked at longest ago
    tracks.update([_face(100), _face(400)], now=1.7)
    tracks.update([_face(100), _face(400)], now=2.3)
    assert tracks.due(2.3, lambda face: face.box[0] > 200)[0] == 2  # only faces that can be recognised


@pytest.fixture(scope="module")
def biden_only(tmp_path_factory):
    """A gallery that knows Joe Biden (two photos) and nobody else."""
    gallery = Gallery(Config(data_dir=tmp_path_factory.mktemp("live") / "data"), load_verifier())
    for photo in ("biden.jpg", "biden2.jpg"):
        gallery.enrol("Joe Biden", EXAMPLES_DIR / photo)
    return gallery


def _frames(photo: str, count: int) -> list[np.ndarray]:
    """640x480 video frames of an example photo, moving a few pixels a frame as a person would."""
    picture = cv2.resize(load_image(EXAMPLES_DIR / photo), (320, 320))
    frames = []
    for i in range(count):
        frame = np.full((480, 640, 3), 110, np.uint8)
        left = 160 + (i % 10) * 3
        frame[80:400, left : left + 320] = picture
        frames.append(frame)
    return frames


def _play(namer: LiveNamer, frames: list[np.ndarray], fps: float = 30.0) -> list[np.ndarray]:
    shown = []
    for frame in frames:
        shown.append(namer.frame(frame))
        time.sleep(1 / fps)
    return shown


def test_a_known_face_is_named_and_a_stranger_is_not(biden_only):
    namer = LiveNamer(biden_only.verifier, [(biden_only, None)])
    shown = _play(namer, _frames("biden2.jpg", 45))
    now = namer.in_view()
    assert now.words == "In view: Joe Biden (sure)"
    assert now.faces[0].answer.probability >= biden_only.verifier.thresholds.identify_from
    assert now.frames_per_second > 0 and now.seconds_to_name is not None and now.problem is None
    assert "1 face · " in now.status and "frames a second" in now.status
    assert not np.array_equal(shown[-1], _frames("biden2.jpg", 45)[-1])  # the box is drawn on the video
    _play(namer, _frames("obama.jpg", 75))  # the video cuts to Obama, in the same place
    assert namer.in_view().words == "In view: someone I don't know"
    assert namer.names_changed == 0  # a new person in the same place is not a name flickering


def test_both_faces_of_a_group_are_named_left_to_right():
    from facekit.gallery.examples import example_gallery

    examples = example_gallery()
    namer = LiveNamer(examples.verifier, [(examples, None)])
    frame = cv2.resize(load_image(EXAMPLES_DIR / "two_people.jpg"), (640, 480))
    _play(namer, [frame] * 60)
    assert namer.in_view().words == "In view: Barack Obama (sure) · Joe Biden (sure)"


def test_the_video_never_waits_for_the_model(biden_only):
    """While the model is busy (held here on a gate), frames keep coming back with their boxes,
    and the model is handed one face, not one per frame: frames are dropped, never queued."""
    gate, calls = threading.Event(), []

    def slow_search(*args, **kwargs):
        calls.append(args)
        gate.wait(timeout=30)
        return Gallery.identify_embedding(biden_only, *args, **kwargs)

    namer = LiveNamer(biden_only.verifier, [(biden_only, None)])
    with mock.patch.object(biden_only, "identify_embedding", side_effect=slow_search):
        shown = _play(namer, _frames("biden2.jpg", 30))
        assert len(shown) == 30 and len(calls) == 1
        assert namer.in_view().words == "In view: a face I'm still looking at"
        gate.set()
        _play(namer, _frames("biden2.jpg", 15))
    assert namer.in_view().words == "In view: Joe Biden (sure)"


def test_nobody_in_view_once_the_video_stops(biden_only):
    namer = LiveNamer(biden_only.verifier, [(biden_only, None)])
    assert namer.in_view().words == "Nobody in view." and namer.in_view().frames_per_second == 0
    _play(namer, _frames("biden2.jpg", 5))
    assert namer.in_view().faces
    with mock.patch("facekit.live.namer.time.monotonic", return_value=time.monotonic() + 5):
        assert namer.in_view().words == "Nobody in view."
