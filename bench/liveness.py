"""The liveness check: flat-photo attacks refused, real head turns accepted, and its time per frame.

Attacks: each photo of LFW people (View 1 test people by default: nothing was chosen on them) held
up to a 640x480 camera as a flat picture: moved, rotated, scaled, and turned like a sheet about
the vertical or the horizontal axis (perspective, up to +-35 degrees, a sweep there and back), each
frame blurred and JPEG-compressed by chance. Real turns: for each person with many photos, their
photos ordered by the yaw the mesh measures, from the most frontal one to one side, kept when the
run spans 25 degrees or more (LFW has no video: different photos of one person turning are the
nearest real thing). Each sequence goes through `facekit.check_liveness` as the command does.
`--people train` runs the same on View 1 training people: where the lines in
`facekit/liveness/check.py` were chosen. Run from the project root after `facekit data
import-lfw` (or `--lfw-dir`); ~2 min.
"""

import argparse
import io
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, load_image  # noqa: E402
from facekit.liveness.check import check_liveness, judge  # noqa: E402
from facekit.liveness.evidence import look_at  # noqa: E402

FRAME = (640, 480)
PROTOCOL = {"test": "peopleDevTest.txt", "train": "peopleDevTrain.txt"}


def held_up(photo: np.ndarray, rng: np.random.Generator, frames: int = 16) -> list[np.ndarray]:
    """A flat photo held up to the camera: a sweep of the sheet's turn to a random angle (up to 35
    degrees, about a random axis) and back, while it drifts, rotates and comes closer; each frame
    blurred and JPEG-compressed by chance."""
    width, height = FRAME
    background = rng.integers(30, 220, 3).astype(np.uint8)
    side = rng.uniform(220, 380)
    peak, axis = rng.uniform(15, 35) * rng.choice([-1, 1]), rng.choice(["vertical", "horizontal", "both"])
    spin, drift, closer = rng.uniform(-12, 12), rng.uniform(-60, 60, 2), rng.uniform(0.85, 1.15)
    sequence = []
    for t in np.linspace(0, 1, frames):
        turn = np.radians(peak * np.sin(np.pi * t))
        yaw = turn if axis != "horizontal" else 0.0
        pitch = turn if axis != "vertical" else turn * 0.5 if axis == "both" else 0.0
        corners = _turned_corners(photo.shape[1], photo.shape[0], side * (1 + (closer - 1) * t), yaw, pitch,
                                  np.radians(spin * t), np.array([width / 2, height / 2]) + drift * t)
        transform = cv2.getPerspectiveTransform(
            np.float32([[0, 0], [photo.shape[1], 0], [photo.shape[1], photo.shape[0]], [0, photo.shape[0]]]), corners)
        canvas = np.empty((height, width, 3), np.uint8)
        canvas[:] = background
        frame = cv2.warpPerspective(photo, transform, (width, height), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
        sequence.append(_camera_noise(frame, rng))
    return sequence


def _turned_corners(w: int, h: int, side: float, yaw: float, pitch: float, roll: float, centre: np.ndarray) -> np.ndarray:
    """The photo's four corners on the camera's image once the sheet (``side`` px wide when facing
    it) is turned by ``yaw`` / ``pitch`` / ``roll`` (radians) at a distance of ~2 focal lengths."""
    scale = side / max(w, h)
    points = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]) * scale
    rotation = cv2.Rodrigues(np.array([pitch, yaw, 0.0]))[0] @ cv2.Rodrigues(np.array([0.0, 0.0, roll]))[0]
    focal = 2.0 * FRAME[0]
    moved = points @ rotation.T + [0, 0, focal]
    return np.float32(moved[:, :2] * focal / moved[:, 2:] + centre)


def _camera_noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.5, 1.5))
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, "JPEG", quality=int(rng.integers(50, 90)))
    return np.asarray(Image.open(buffer).convert("RGB"))


def turning_runs(lfw: Path, people: list[str], span: float = 25.0, config: Config | None = None) -> list[list[np.ndarray]]:
    """For each person, their photos ordered by yaw from the most frontal one to each side, kept
    when the run spans ``span`` degrees or more (a run of at least three photos)."""
    runs = []
    for person in people:
        looked = []
        for path in sorted((lfw / person).glob("*.jpg")):
            photo = load_image(path)
            look = look_at(photo, config)
            if look.mesh is not None:
                looked.append((look.yaw, photo))
        if len(looked) < 3:
            continue
        looked.sort(key=lambda pair: pair[0])
        front = int(np.argmin([abs(yaw) for yaw, _ in looked]))
        for side in (looked[front:], looked[: front + 1][::-1]):
            if len(side) >= 3 and abs(side[-1][0] - side[0][0]) >= span:
                runs.append([photo for _, photo in side])
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lfw-dir", type=Path, default=Config().lfw_dir)
    parser.add_argument("--people", choices=PROTOCOL, default="test")
    parser.add_argument("--attacks", type=int, default=300, help="flat photos held up (one sequence each)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    protocol = args.lfw_dir / PROTOCOL[args.people]
    if not protocol.exists():
        protocol = args.lfw_dir.parent / "lfw_protocol" / PROTOCOL[args.people]
    listed = [line.split("\t") for line in protocol.read_text().splitlines()[1:]]
    rng = np.random.default_rng(args.seed)
    photos = [args.lfw_dir / name / f"{name}_{n:04d}.jpg" for name, count in listed for n in range(1, int(count) + 1)]
    chosen = [photos[i] for i in rng.choice(len(photos), min(args.attacks, len(photos)), replace=False)]

    reasons, looking, deciding, frames = Counter(), 0.0, 0.0, 0
    for n, path in enumerate(chosen, 1):
        sequence = held_up(load_image(path), rng)
        start = time.perf_counter()
        looks = [look_at(frame) for frame in sequence]  # faces found, with their meshes
        decided = time.perf_counter()
        answer = judge(looks)
        looking, deciding = looking + decided - start, deciding + time.perf_counter() - decided
        frames += len(sequence)
        reasons["accepted" if answer.live else answer.reason] += 1
        if n % 50 == 0:
            print(f"  {n}/{len(chosen)} attacks", file=sys.stderr, flush=True)
    refused = 1 - reasons["accepted"] / len(chosen)
    print(f"Flat photos held up ({args.people} people, {len(chosen)} sequences of 16 frames, seed {args.seed}): "
          f"refused {refused:.1%} (target >= 99%)")
    for reason, count in reasons.most_common():
        print(f"  {count:4d}  {reason}")
    print(f"Time a 640x480 frame: {1000 * deciding / frames:.2f} ms deciding (target <= 50 ms) on top of "
          f"{1000 * looking / frames:.1f} ms finding the face and its mesh")

    many = [name for name, count in listed if int(count) >= 8]
    runs = turning_runs(args.lfw_dir, many)
    answers = [check_liveness(run) for run in runs]
    accepted = sum(a.live for a in answers)
    print(f"Real turns ({len(runs)} runs of {len(many)} {args.people} people with 8+ photos, each spanning >= 25 "
          f"degrees of yaw): accepted {accepted / max(len(runs), 1):.1%} (target >= 95%)")
    for reason, count in Counter(a.reason for a in answers if not a.live).most_common():
        print(f"  {count:4d}  {reason}")


if __name__ == "__main__":
    main()
