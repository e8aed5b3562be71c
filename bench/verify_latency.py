"""Warm latency of verifying two photos (decode + find faces + align + model), for each shipped
Siamese model with each face finder asked for (the fast one; MTCNN with ``--finders fast mtcnn``,
which loads TensorFlow) in the same run, taking turns, and the process's peak memory. "verify()" is
the library call as the app and the API make it (the two photos read side by side); the other
columns time its steps one photo after the other.

    python bench/verify_latency.py [PHOTO_A PHOTO_B] [--models pretrained scratch] [--finders fast mtcnn]

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
from facekit.faces.detect import FINDERS

RUNS = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("photos", nargs="*", type=Path)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--finders", nargs="+", choices=FINDERS, default=["fast"])
    args = parser.parse_args()
    lfw = Config().lfw_dir
    photos = args.photos or (sorted(lfw.glob("*/*.jpg"))[:2] if lfw.exists() else [])
    if len(photos) != 2:
        parser.error("needs two photos: import LFW first (`facekit data import-lfw`) or pass two paths")
    setups = {f"{model} / {finder}": (load_verifier(Config(model=model)), finder)
              for model in args.models for finder in args.finders}
    for verifier, finder in setups.values():  # warm up: the finders and the models
        [face_chip(p, verifier.config.with_(face_finder=finder)) for p in photos]
        verifier.verify(*photos)
    totals, finding, verifying = ({name: [] for name in setups} for _ in range(3))
    for _ in range(RUNS):
        for name, (verifier, finder) in setups.items():  # taking turns: a noisy machine slows all alike
            start = time.perf_counter()
            chips = [face_chip(p, verifier.config.with_(face_finder=finder)) for p in photos]
            found = time.perf_counter()
            verifier.probabilities(chips[0].chip[None], chips[1].chip[None])
            finding[name].append(found - start)
            totals[name].append(time.perf_counter() - start)
            if finder == verifier.config.face_finder:  # verify() takes the verifier's own finder
                start = time.perf_counter()
                verifier.verify(*photos)
                verifying[name].append(time.perf_counter() - start)
    print(f"verifying {photos[0].name} and {photos[1].name}, warm, {RUNS} runs each, same run")
    for name in setups:
        p90 = sorted(totals[name])[int(0.9 * RUNS)]
        print(f"  {name:22s}  total median {statistics.median(totals[name]) * 1000:6.1f} ms (p90 {p90 * 1000:6.1f})"
              f"   find faces {statistics.median(finding[name]) * 1000:6.1f} ms"
              + (f"   verify() {statistics.median(verifying[name]) * 1000:6.1f} ms" if verifying[name] else ""))
    for model in args.models if {"fast", "mtcnn"} <= set(args.finders) else ():
        fast, mtcnn = (statistics.median(totals[f"{model} / {finder}"]) for finder in ("fast", "mtcnn"))
        print(f"  {model}: the fast finder takes {fast / mtcnn:.2f} of MTCNN's time ({mtcnn / fast:.1f}x faster)")
    print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          f"({', '.join(args.models)} loaded)")


if __name__ == "__main__":
    main()
