"""Is it a live person? The 3D evidence on made sequences of real LFW photos (a flat photo turned
like a sheet is refused; real photos of one person turning are accepted; two faces, a lost face,
a still face say so), the Live page's random prompt followed look by look, and `facekit liveness`."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from facekit import check_liveness, load_image
from facekit.liveness import check
from facekit.liveness.challenge import NO_BLINK, OTHER_WAY, Challenge
from facekit.liveness.evidence import look_at

# Ana Guevara's photos (an LFW training person), from the most frontal to ~40 degrees to one side,
# in the order the face mesh measures their yaw (-2, -3, -8, -9, -25, -32, -41 degrees).
TURNING = ["Ana_Guevara_0006", "Ana_Guevara_0005", "Ana_Guevara_0002", "Ana_Guevara_0007", "Ana_Guevara_0001",
           "Ana_Guevara_0004", "Ana_Guevara_0003"]


@pytest.fixture(scope="module")
def turning(mini_lfw) -> list[np.ndarray]:
    return [load_image(mini_lfw / "lfw" / "Ana_Guevara" / f"{name}.jpg") for name in TURNING]


def turned_like_a_sheet(photo: np.ndarray, degrees: float = 35.0, frames: int = 12) -> list[np.ndarray]:
    """The photo held up in a 640x480 frame and turned about its vertical axis to ``degrees`` and
    back, as a hand turns a printed photo (perspective: the near edge grows, the far one shrinks)."""
    height, width = photo.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    sequence = []
    for angle in np.radians(degrees) * np.sin(np.linspace(0, np.pi, frames)):
        squeeze, grow = np.cos(angle), 1 + 0.25 * np.sin(angle)  # the sheet's width, and its near edge's height
        w, left, top = width * 1.3 * squeeze, 320 - width * 1.3 * squeeze / 2, 240 - height * 0.65
        near = height * 1.3 * (grow - 1) / 2
        placed = np.float32([[left, top], [left + w, top - near], [left + w, top + height * 1.3 + near],
                             [left, top + height * 1.3]])
        frame = np.full((480, 640, 3), 90, np.uint8)
        cv2.warpPerspective(photo, cv2.getPerspectiveTransform(corners, placed), (640, 480), dst=frame,
                            borderMode=cv2.BORDER_TRANSPARENT)
        sequence.append(frame)
    return sequence


def test_real_photos_of_one_person_turning_are_a_live_head(turning):
    answer = check_liveness(turning)
    assert answer.live and answer.reason == check.LIVE, answer
    assert answer.turn >= check.TURN_NEEDED and answer.depth >= check.DEPTH_NEEDED


def test_a_flat_photo_turned_like_a_sheet_is_refused(turning):
    answer = check_liveness(turned_like_a_sheet(turning[0]))
    assert not answer.live and answer.reason == check.FLAT, answer
    assert answer.depth < check.DEPTH_NEEDED


def test_two_faces_a_lost_face_and_a_still_face_say_so(turning):
    pairs = [np.hstack([photo, turning[0]]) for photo in turning]  # someone beside the person, throughout
    assert check_liveness(pairs).reason == check.SEVERAL
    blank = np.full_like(turning[0], 128)
    assert check_liveness(turning[:3] + [blank] * 6).reason == check.LOST
    assert check_liveness([turning[0]] * 8).reason == check.NO_TURN
    assert check_liveness([blank] * 4) == check.Liveness(False, check.NO_FACE)
    assert check_liveness(turning[:1]).reason == check.TOO_SHORT  # a one-frame video: not "face lost"


def _challenge(side: str) -> Challenge:
    """A challenge whose random draw turns to ``side``, the turn asked for first."""
    for seed in range(100):
        challenge = Challenge(rng=random.Random(seed))
        if challenge.side == side and challenge.steps[0].kind == "turn":
            return challenge
    raise AssertionError("no seed draws that")


def _play(challenge: Challenge, looks, start: float = 0.0, step: float = 1 / 15) -> float:
    for n, look in enumerate(looks):
        challenge.see(look, start + n * step)
    return start + len(looks) * step


def test_the_prompt_is_followed_look_by_look(turning):
    """Ana's yaw goes negative, towards the image's left: her right. Asked to turn right, look back
    and blink, she is a live person; asked to turn left, she turned the other way."""
    looks = [look_at(photo) for photo in turning]
    front, away = looks[:2] * 4, looks[4:]
    blink = [dataclasses.replace(looks[0], eyes_open=looks[0].eyes_open * 0.3), looks[0], looks[1]]
    challenge = _challenge("right")
    assert challenge.prompt == "Look at the camera"
    now = _play(challenge, front)
    assert challenge.prompt == "Turn your head to your right"
    now = _play(challenge, away, now)
    assert challenge.prompt == "Now look back at the camera"
    now = _play(challenge, front[:2], now)
    assert challenge.prompt == "Blink once" and challenge.answer is None
    _play(challenge, blink, now)
    assert challenge.answer is not None and challenge.answer.live, challenge.answer
    other = _challenge("left")
    _play(other, front + away)
    assert other.answer is not None and other.answer.reason == OTHER_WAY


def test_a_prompt_not_followed_in_time_says_what_was_missing(turning):
    looks = [look_at(photo) for photo in turning]
    challenge = _challenge("right")
    _play(challenge, looks[:2] * 4 + looks[4:] + looks[:2] * 100)  # turned and back, never blinked: ~15 s
    assert challenge.answer is not None and challenge.answer.reason == NO_BLINK
    flat = _challenge("right")
    _play(flat, [look_at(frame) for frame in turned_like_a_sheet(turning[0], frames=24)] * 10)
    assert flat.answer is not None and flat.answer.reason == check.FLAT


def test_facekit_liveness_reads_a_video_or_a_folder(turning, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for n, frame in enumerate(turning):
        cv2.imwrite(str(folder / f"{n:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    video = tmp_path / "sheet.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    for frame in turned_like_a_sheet(turning[0]):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()

    def liveness(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "facekit.cli", "liveness", *args], capture_output=True, text=True,
                              timeout=300, cwd=Path(__file__).resolve().parent.parent)

    live = liveness(str(folder), "--json")
    assert live.returncode == 0 and json.loads(live.stdout) == {"live": True, "reason": check.LIVE}, live.stderr
    flat = liveness(str(video), "--json")
    assert flat.returncode == 0 and json.loads(flat.stdout) == {"live": False, "reason": check.FLAT}, flat.stderr
    words = liveness(str(video))
    assert words.stdout.startswith("Could not confirm a live person: the face moved like a flat picture")
    (tmp_path / "notes.txt").write_text("not a video")
    bad = liveness(str(tmp_path / "notes.txt"))
    assert bad.returncode == 2 and "not a video we can read" in bad.stderr and "Traceback" not in bad.stderr
    assert "tensorflow" not in subprocess.run(
        [sys.executable, "-c", "import sys, facekit.cli.liveness, facekit.liveness.check; print(sorted(sys.modules))"],
        capture_output=True, text=True).stdout


def test_frames_are_shrunk_as_they_are_read_and_a_bad_frame_is_named(turning, tmp_path):
    """A 1080p video and a folder of 1080p frames come back at most 640 px on a side (600 frames of 4K
    kept whole would need ~15 GB), and a stray file among the frames is named; FFmpeg says nothing."""
    from facekit.errors import InvalidImage
    from facekit.liveness.video import read_frames

    big = [cv2.resize(frame, (1920, 1440)) for frame in turning[:6]]
    video = tmp_path / "big.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15, (1920, 1440))
    for frame in big:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    folder = tmp_path / "frames"
    folder.mkdir()
    for n, frame in enumerate(big):
        cv2.imwrite(str(folder / f"{n:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    for frames in (read_frames(video), read_frames(folder)):
        assert len(frames) == 6 and all(frame.shape == (480, 640, 3) for frame in frames)
    (folder / "999.png").write_text("not a picture")
    with pytest.raises(InvalidImage, match="999.png in"):
        read_frames(folder)
    (tmp_path / "notes.mp4").write_text("not a video")
    bad = subprocess.run([sys.executable, "-m", "facekit.cli", "liveness", str(tmp_path / "notes.mp4")], capture_output=True,
                         text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [bad.stderr.strip().splitlines()[0]], bad.stderr


def test_the_live_namer_runs_the_check_on_the_frames_it_names(turning):
    """The Live page's namer, fed a flat photo turned like a sheet while a (short) check runs: the
    prompt while it runs, then the answer in words, and how long ago it came."""
    import time

    from facekit import load_verifier
    from facekit.live.namer import LiveNamer

    namer = LiveNamer(load_verifier(), [])
    assert namer.liveness() is None
    namer.start_check(Challenge(seconds=1.0, rng=random.Random(0)))
    frames = turned_like_a_sheet(turning[0], frames=24)
    shown = namer.frame(frames[0])
    assert namer.liveness().prompt == "Look at the camera" and namer.liveness().answer is None
    assert (shown[:20] < 40).all(axis=2).mean() > 0.5 and (shown[:40] > 200).all(axis=2).any()  # the prompt, on the video
    started = time.monotonic()
    while namer.liveness().answer is None and time.monotonic() - started < 10:
        for frame in frames:
            namer.frame(frame)
    answered = namer.liveness()
    assert answered.words == "Could not confirm a live person (the face moved like a flat picture)", answered
    assert 0 <= answered.seconds_ago < 10 and answered.prompt == ""
