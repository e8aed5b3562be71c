"""Warm latency of verify() on two photos (decode + detect + align + model), for each shipped
Siamese model in the same run, taking turns, and the process's peak memory.

    python bench/verify_latency.py [PHOTO_A PHOTO_B] [--models pretrained scratch]

Default photos: the first two of data/lfw (250x250). Peak memory is the whole process's (both
models loaded when both are measured): run with ``--models pretrained`` for the app's model alone.
"""

import argparse
import resource
import statistics
import time
from pathlib import Path

from facekit import Config, face_chip, load_verifier
from facekit.config import MODELS

RUNS = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", nargs="*", type=Path)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    args = parser.parse_args()
    lfw = Config().lfw_dir
    photos = args.photos or (sorted(lfw.glob("*/*.jpg"))[:2] if lfw.exists() else [])
    if len(photos) != 2:
        parser.error("needs two photos: import LFW first (`facekit data import-lfw`) or pass two paths")
    verifiers = {name: load_verifier(Config(model=name)) for name in args.models}
    for verifier in verifiers.values():
        verifier.verify(*photos)  # warm up: loads TensorFlow, MTCNN and the model
    totals, finding, model = ({name: [] for name in verifiers} for _ in range(3))
    for _ in range(RUNS):
        for name, verifier in verifiers.items():  # taking turns: a noisy machine slows both alike
            start = time.perf_counter()
            chips = [face_chip(p, verifier.config) for p in photos]
            found = time.perf_counter()
            verifier.probabilities(chips[0].chip[None], chips[1].chip[None])
            finding[name].append(found - start)
            model[name].append(time.perf_counter() - found)
            start = time.perf_counter()
            verifier.verify(*photos)
            totals[name].append(time.perf_counter() - start)
    print(f"verify() of {photos[0].name} and {photos[1].name}, warm, {RUNS} runs each, same run")
    for name in verifiers:
        p90 = sorted(totals[name])[int(0.9 * RUNS)]
        print(f"  {name:10s}  total median {statistics.median(totals[name]) * 1000:6.1f} ms (p90 {p90 * 1000:6.1f})"
              f"   find faces {statistics.median(finding[name]) * 1000:6.1f} ms   model {statistics.median(model[name]) * 1000:6.1f} ms")
    if len(verifiers) == 2:
        first, second = verifiers
        print(f"  ratio {first} / {second}: {statistics.median(totals[first]) / statistics.median(totals[second]):.2f}")
    print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          f"({', '.join(verifiers)} loaded)")


if __name__ == "__main__":
    main()
