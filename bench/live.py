"""The Live page's work on recorded video: frames shown per second, time from a face appearing to
its name, names that change while a person stays in view, and three viewers at once.

The video is made from LFW's View 1 test people (peopleDevTest: nothing was chosen on them), each
enrolled from their other photos in a temporary gallery; a photo in the video drifts and zooms a
little, as a person in front of a camera does. 640x480 at 30 frames a second, as WebRTC sends it:
a receiver thread decodes VP8 packets at the camera's pace into a one-frame slot (a newer frame
replaces one not taken yet: frames are dropped, never queued), the video thread takes the newest
frame, runs `LiveNamer.frame` and encodes the result in VP8 again. Scenes:

- people in turn: one face at a time, each person in view for 4 s with 1 s of empty room between;
- one person who stays: 60 s of one person, their photo changing every 3 s (another expression,
  another angle): how often the name shown changes, and how often it is right;
- three people at once, side by side, for 20 s;
- three viewers at once (three videos of one face each, 20 s), while a fourth asks for a verdict
  on two example photos (800 px tall) every 2 s; then, the videos stopped, whether their recognisers end.

Run from the project root after `facekit data import-lfw` (or `--lfw-dir`); ~3 min.
"""

import argparse
import statistics
from collections import Counter
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, load_image, load_verifier  # noqa: E402
from facekit.examples import EXAMPLES_DIR  # noqa: E402
from facekit.gallery.people import Gallery  # noqa: E402
from facekit.live.namer import LiveNamer  # noqa: E402

FPS, WIDTH, HEIGHT = 30, 640, 480


def _scene(shots: list[tuple[list[Path], float]], face_side: int = 300) -> list[np.ndarray]:
    """Frames of ``(photos side by side, seconds)`` shots (no photos: an empty room); each photo
    drifts and zooms slowly, as a person does."""
    frames = []
    for photos, seconds in shots:
        pictures = [load_image(p) for p in photos]
        for i in range(round(seconds * FPS)):
            frame = np.full((HEIGHT, WIDTH, 3), 110, np.uint8)
            side = round(face_side * (1 + 0.08 * np.sin(i / 20)))
            for slot, picture in enumerate(pictures):
                centre_x = WIDTH * (slot + 1) / (len(pictures) + 1) + 20 * np.sin(i / 15)
                left, top = int(centre_x - side / 2), int(HEIGHT / 2 - side / 2 + 10 * np.cos(i / 25))
                shown = cv2.resize(picture, (side, side))
                x0, y0 = max(0, left), max(0, top)
                x1, y1 = min(WIDTH, left + side), min(HEIGHT, top + side)
                frame[y0:y1, x0:x1] = shown[y0 - top : y1 - top, x0 - left : x1 - left]
            frames.append(frame)
    return frames


def _vp8(frames: list[np.ndarray]) -> list:
    """The frames as a browser would send them: VP8 packets."""
    encoder = _encoder()
    return [packet for frame in frames for packet in encoder.encode(av.VideoFrame.from_ndarray(frame, format="rgb24"))]


def _encoder():
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.bit_rate, encoder.framerate = 1_000_000, FPS
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    return encoder


def _watch(namer: LiveNamer, packets: list, record: list | None = None) -> dict:
    """Play VP8 ``packets`` at 30 fps into ``namer`` (see the module's docstring). ``record``
    gets, for each frame shown, ``(seconds since start, [(track number, words shown or None, seconds to
    name, seconds in view)])``."""
    slot, lock, done = [None], threading.Lock(), threading.Event()
    shown = [0]

    def receive() -> None:
        decoder = av.CodecContext.create("vp8", "r")
        start = time.monotonic()
        for index, packet in enumerate(packets):
            for frame in decoder.decode(packet):
                with lock:
                    slot[0] = frame
            time.sleep(max(0.0, start + (index + 1) / FPS - time.monotonic()))
        done.set()

    def show() -> None:
        encoder, start = _encoder(), time.monotonic()
        while not done.is_set():
            with lock:
                frame, slot[0] = slot[0], None
            if frame is None:
                time.sleep(0.002)
                continue
            out = namer.frame(frame.to_ndarray(format="rgb24"))
            encoder.encode(av.VideoFrame.from_ndarray(out, format="rgb24"))
            shown[0] += 1
            if record is not None:
                faces = namer.in_view().faces
                record.append((time.monotonic() - start, [(f.number, f.answer.words if f.answer else None,
                                                           f.seconds_to_name, f.seconds_in_view) for f in faces]))

    threads = [threading.Thread(target=receive), threading.Thread(target=show)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    return {"in": len(packets) / seconds, "shown": shown[0] / seconds,
            "recognitions": namer.in_view().recognitions_per_second}


def _test_people(lfw: Path, people_file: Path, least: int) -> list[tuple[str, list[Path]]]:
    rows = [line.split() for line in people_file.read_text().splitlines()[1:]]
    return [(name.replace("_", " "), [lfw / name / f"{name}_{i:04d}.jpg" for i in range(1, int(n) + 1)])
            for name, n in rows if int(n) >= least]


def _labels(record: list) -> list[str | None]:
    """The label on the face in view the longest in each frame: the person the scene films (their
    photo may show a bystander too, and the finder sees a face in a fold of a coat for a frame)."""
    return [max(faces, key=lambda face: face[3])[1] if faces else None for _, faces in record]


def _label_changes(labels: list[str | None]) -> int:
    """How often the label on screen changed from one name (or "Not sure", "Someone I don't know")
    to another, frame after frame: what a room sees flicker, whether the face kept its track or not
    ("..." while a face waits for its first look is not a label)."""
    shown = [label for label in labels if label is not None]
    return sum(a != b for a, b in zip(shown, shown[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw-dir", type=Path, default=Config().data_dir / "lfw")
    args = parser.parse_args()
    verifier = load_verifier()
    gallery = Gallery(Config(data_dir=Path(tempfile.mkdtemp()) / "data"), verifier)
    people = _test_people(args.lfw_dir, args.lfw_dir.parent / "peopleDevTest.txt", least=3)
    stays = max(people, key=lambda p: len(p[1]))
    turn = [p for p in people if p != stays][:10]
    for name, photos in turn + [stays]:
        for photo in photos[1::2][:5] if name == stays[0] else photos[1:6]:
            gallery.enrol(name, photo)
    print(f"{gallery.photo_count()} photos of {len(turn) + 1} View 1 test people enrolled", file=sys.stderr)
    searched = [(gallery, None)]

    # People in turn: time to a name, and the right name.
    record: list = []
    scene = _scene([s for name, photos in turn for s in (([photos[0]], 4.0), ([], 1.0))])
    rates = _watch(LiveNamer(verifier, searched), _vp8(scene), record)
    times = list({face[0]: face[2] for _, faces in record for face in faces if face[2] is not None}.values())
    shown = [[] for _ in turn]  # the labels on each person's face while they are in view
    for (seconds, _), label in zip(record, _labels(record)):
        if label is not None and int(seconds // 5) < len(turn):
            shown[int(seconds // 5)].append(label)
    firsts = [labels[0] if labels else None for labels in shown]
    print(f"people in turn (1 face): {rates['in']:.1f} frames in/s, {rates['shown']:.1f} shown/s; "
          f"{sum(f == p for f, (p, _) in zip(firsts, turn))} of {len(turn)} named right at once (the others: "
          f"{[f for f, (p, _) in zip(firsts, turn) if f != p]}), right on "
          f"{sum(label == p for labels, (p, _) in zip(shown, turn) for label in labels) / sum(map(len, shown)):.1%} "
          f"of the frames named; time to a name median {statistics.median(times):.2f} s, max {max(times):.2f} s")

    # One person who stays: name changes.
    record = []
    name, photos = stays
    shown_photos = photos[0::2][:20]
    scene = _scene([([p], 3.0) for p in shown_photos])
    rates = _watch(LiveNamer(verifier, searched), _vp8(scene), record)
    labels = _labels(record)
    changes, seconds = _label_changes(labels), record[-1][0]
    labels = Counter(labels)
    print(f"{name} stays {seconds:.0f} s ({len(shown_photos)} photos, 3 s each): {rates['shown']:.1f} frames shown/s; "
          f"the label changed {changes} times ({changes / seconds * 60:.1f} a minute); frames by label: "
          + ", ".join(f"{words or '...'} {n}" for words, n in labels.most_common()))

    # Three people at once.
    trio = [photos[0] for _, photos in turn[:3]]
    record = []
    rates = _watch(LiveNamer(verifier, searched), _vp8(_scene([(trio, 20.0)], face_side=190)), record)
    last = record[-1][1]
    print(f"three people at once: {rates['in']:.1f} frames in/s, {rates['shown']:.1f} shown/s, "
          f"{rates['recognitions']:.1f} recognitions/s; last frame: {[face[1] for face in last]}")

    # Three viewers at once, and a verdict asked for meanwhile.
    results, verdicts = [None] * 3, []
    videos = [_vp8(_scene([([photos[0]], 20.0)])) for _, photos in turn[3:6]]
    viewers = [threading.Thread(target=lambda i=i: results.__setitem__(i, _watch(LiveNamer(verifier, searched), videos[i])))
               for i in range(3)]
    for viewer in viewers:
        viewer.start()
    photo_a, photo_b = (EXAMPLES_DIR / "obama.jpg").read_bytes(), (EXAMPLES_DIR / "obama2.jpg").read_bytes()
    while any(v.is_alive() for v in viewers):
        started = time.perf_counter()
        verifier.verify(photo_a, photo_b)
        verdicts.append(time.perf_counter() - started)
        time.sleep(2.0)
    for viewer in viewers:
        viewer.join()
    each = ", ".join(f"{r['shown']:.1f}" for r in results)
    print(f"three viewers at once: {each} frames shown/s; a verdict on two example photos (800 px tall) meanwhile: median {statistics.median(verdicts):.2f} s, max {max(verdicts):.2f} s "
          f"({len(verdicts)} asked)")
    time.sleep(6.0)
    left = [t.name for t in threading.enumerate() if t.name == "facekit-live-recogniser"]
    print(f"6 s after the videos stopped: {len(left)} recognisers still running")


if __name__ == "__main__":
    main()
