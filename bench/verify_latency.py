"""Warm latency of verify() on two 250x250 LFW photos (detect + align + model)."""

import statistics
import sys
import time
from pathlib import Path

from facekit import Config, face_chip, load_verifier, verify

RUNS = 30


def main() -> None:
    lfw = Config().lfw_dir
    photos = sorted(lfw.glob("*/*.jpg"))[:2] if lfw.exists() else []
    if len(sys.argv) == 3:
        photos = [Path(sys.argv[1]), Path(sys.argv[2])]
    if len(photos) < 2:
        sys.exit("Needs two photos: import LFW first (`facekit data import-lfw`) or pass two paths.")
    verifier = load_verifier()
    verify(*photos)  # warm up: loads TensorFlow, MTCNN and the model
    totals, finding, model = [], [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        chips = [face_chip(p) for p in photos]
        found = time.perf_counter()
        verifier.probabilities(chips[0].chip[None], chips[1].chip[None])
        done = time.perf_counter()
        finding.append(found - start)
        model.append(done - found)
        start = time.perf_counter()
        verify(*photos)
        totals.append(time.perf_counter() - start)
    p90 = lambda values: sorted(values)[int(0.9 * len(values))]  # noqa: E731
    print(f"verify() of {photos[0].name} and {photos[1].name}, warm, {RUNS} runs")
    print(f"  total        median {statistics.median(totals) * 1000:7.1f} ms   p90 {p90(totals) * 1000:7.1f} ms")
    print(f"  find faces   median {statistics.median(finding) * 1000:7.1f} ms  (two photos: detect + align)")
    print(f"  model        median {statistics.median(model) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
