"""How long "Why this answer?" takes, warm: occlusion of both faces (a 6 x 6 grid each, 72 covered
faces embedded in one batch) for the four shipped example pairs, with the default model.
Prints each pair's seconds and sentence, and the median. Run from the project root."""

import statistics
import time

from facekit import load_verifier
from facekit.examples import EXAMPLE_PAIRS
from facekit.model.why import explain


def main() -> None:
    verifier = load_verifier()
    verdicts = [verifier.verify(pair.first, pair.second) for pair in EXAMPLE_PAIRS]
    explain(verifier, *verdicts[0].chips)  # warm: the first batch of this size builds its graph
    seconds = []
    for pair, verdict in zip(EXAMPLE_PAIRS, verdicts):
        started = time.perf_counter()
        explanation = explain(verifier, *verdict.chips)
        seconds.append(time.perf_counter() - started)
        print(f"{pair.title:24s} {verdict.decision:9s} P {verdict.probability:.3f}  {seconds[-1]:.2f} s  {explanation.words}")
    print(f"median {statistics.median(seconds):.2f} s over {len(seconds)} pairs ({verifier.config.model} model)")


if __name__ == "__main__":
    main()
