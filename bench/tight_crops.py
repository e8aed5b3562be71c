"""Faces that fill the photo: does the finder find them?

Every photo of LFW's View 1 test pairs (pairsDevTest, people no line was chosen on), its main face's
box enlarged 1.0x, 1.1x and 1.2x around its centre (edges repeated where the box leaves the photo),
cut out, resized to 150x150 (a peer project's test crops), in colour and in grey: prints, per
enlargement and colour, how many crops `face_chip` finds no usable face in, and the share found in
all. Run from the project root (reads the photos from `data/lfw`, or `--lfw-dir`); ~1-2 min.
"""

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, NoFaceFound, detect_faces, face_chip, load_image  # noqa: E402
from facekit.data.lfw import read_lfw_pairs  # noqa: E402


def tight_crop(image: np.ndarray, box, grow: float, grey: bool, side: int = 150) -> np.ndarray:
    """The square around ``box`` ``(x, y, w, h)``, ``grow`` times its longer side, at ``side`` pixels."""
    x, y, w, h = box
    size = round(max(w, h) * grow)
    left, top = round(x + w / 2 - size / 2), round(y + h / 2 - size / 2)
    framed = cv2.copyMakeBorder(image, size, size, size, size, cv2.BORDER_REPLICATE)
    crop = cv2.resize(framed[top + size : top + 2 * size, left + size : left + 2 * size], (side, side),
                      interpolation=cv2.INTER_AREA)
    return np.repeat(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2) if grey else crop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw-dir", type=Path, default=Config().data_dir / "lfw")
    parser.add_argument("--pairs", type=Path, help="the pairs file (default: pairsDevTest.txt beside the photos folder)")
    args = parser.parse_args()
    pairs = read_lfw_pairs(args.pairs or args.lfw_dir.parent / "pairsDevTest.txt", args.lfw_dir)
    photos = sorted({*pairs.anchor_path, *pairs.other_path})
    missed: dict[tuple[float, bool], int] = {}
    crops, start = 0, time.perf_counter()
    for path in photos:
        image = load_image(path)
        faces = detect_faces(image)
        if not faces:
            continue
        for grow in (1.0, 1.1, 1.2):
            for grey in (False, True):
                crops += 1
                try:
                    face_chip(tight_crop(image, faces[0].box, grow, grey))
                except NoFaceFound:
                    missed[grow, grey] = missed.get((grow, grey), 0) + 1
    print(f"{len(photos)} photos, {crops} crops of 150x150 in {time.perf_counter() - start:.0f} s")
    for grow in (1.0, 1.1, 1.2):
        for grey in (False, True):
            print(f"  box x{grow:.1f} {'grey  ' if grey else 'colour'}: no face in {missed.get((grow, grey), 0)}")
    print(f"a face found in {1 - sum(missed.values()) / crops:.2%} of the crops")


if __name__ == "__main__":
    main()
