"""Identify against galleries of 1k, 10k and 100k enrolled photos: the time to load the
in-memory matrix from the SQLite gallery, the time of one search (exact, numpy), and memory.

The embeddings are random unit vectors of the model's width (the search does the same work
whatever the numbers are), sealed with their person's key as the gallery stores them (loading
includes opening them); the photos and chips stored with them are empty placeholders, so the
file stays small. Run from the project root: `python bench/identify_scale.py`; with `--index`, the
search index at 10k, 100k and 1M photos and its recall@1 on real LFW embeddings.
"""

import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facekit import Config, load_verifier  # noqa: E402
from facekit.gallery.keys import seal  # noqa: E402
from facekit.gallery.people import Gallery  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
SEARCHES = 50
PHOTOS_PER_PERSON = 5


def _fill(gallery: Gallery, n: int, width: int, rng: np.random.Generator) -> None:
    """``n`` enrolled photos, sealed with their person's key as the gallery stores them."""
    vectors = rng.normal(size=(n, width)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    people = {}
    with gallery._database.transaction() as run:
        for i, vector in enumerate(vectors):
            name = f"person {i // PHOTOS_PER_PERSON}"
            person = people[name] if name in people else people.setdefault(name, gallery._keys.find_or_create(name, None))
            photo_id = secrets.token_hex(8)
            gallery._insert(run, person, photo_id, float(i), "{}", "[]", b"", b"")
            run("INSERT INTO sealed_embeddings (photo_id, model, vector) VALUES (?, ?, ?)",
                (photo_id, gallery.verifier.version, seal(person.key, vector.tobytes(), f"{photo_id}/vector")))
        run("UPDATE changes SET counter = counter + 1 WHERE id = 1")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    verifier = load_verifier()
    width = verifier.embedding_width
    rng = np.random.default_rng(0)
    print(f"identify, exact search in memory, {width}-d embeddings, {PHOTOS_PER_PERSON} photos a person, "
          f"{SEARCHES} searches each (ms):")
    print(f"{'photos':>8} {'load s':>7} {'p50':>7} {'p95':>7} {'matrix MiB':>11} {'peak RSS MiB':>13}")
    for n in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            gallery = Gallery(Config(data_dir=Path(folder)), verifier)
            _fill(gallery, n, width, rng)
            started = time.perf_counter()
            gallery._search_matrix()
            load_s = time.perf_counter() - started
            queries = rng.normal(size=(SEARCHES, width)).astype(np.float32)
            times = []
            for query in queries / np.linalg.norm(queries, axis=1, keepdims=True):
                started = time.perf_counter()
                gallery.identify_embedding(query)
                times.append((time.perf_counter() - started) * 1000)
            matrix_mib = gallery._matrix.nbytes / 2**20
            print(f"{n:>8,} {load_s:>7.2f} {np.percentile(times, 50):>7.1f} {np.percentile(times, 95):>7.1f} "
                  f"{matrix_mib:>11.1f} {_rss_mib():>13.0f}")
            gallery.close()


def index_scale() -> None:
    """The search index (facekit/gallery/search.py) past the gallery's exact size: synthetic unit
    embeddings of 10k, 100k and 1M photos (build time, search p50/p95 including the model's head on
    the shortlist, matrix memory), and its recall@1 against exact search on real LFW embeddings."""
    from facekit.faces.chips import chip_photos, read_chip
    from facekit.gallery.search import NearestRows

    verifier, rng = load_verifier(), np.random.default_rng(0)
    width = verifier.embedding_width
    print(f"index, {width}-d, shortlist 256 scored by the model's head, {SEARCHES} searches (ms):")
    for n in (10_000, 100_000, 1_000_000):
        matrix = rng.normal(size=(n, width)).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        started = time.perf_counter()
        index = NearestRows(matrix)
        build = time.perf_counter() - started
        times = []
        for query in matrix[rng.choice(n, SEARCHES)] + rng.normal(scale=0.05, size=(SEARCHES, width)).astype(np.float32):
            started = time.perf_counter()
            rows = index.candidates(query / np.linalg.norm(query), 256)
            verifier.probabilities_against(query, matrix[rows])
            times.append((time.perf_counter() - started) * 1000)
        print(f"  {n:>9,} photos: build {build:5.1f} s   p50 {np.percentile(times, 50):6.2f}   p95 "
              f"{np.percentile(times, 95):6.2f}   matrix {matrix.nbytes / 2**20:6.0f} MiB")
    config = verifier.framing(Config())
    photos = sorted(config.lfw_dir.glob("*/*.jpg"))
    chips = [r.chip_path for r in chip_photos(photos, config, workers=2).values() if r.chip_path]
    embeddings = np.concatenate([verifier.embeddings(np.stack([read_chip(c) for c in chips[i : i + 512]]))
                                 for i in range(0, len(chips), 512)])
    index = NearestRows(embeddings, lists=int(np.sqrt(len(embeddings))))  # the inverted file, forced
    same = 0
    queries = rng.choice(len(embeddings), 1000, replace=False)
    for q in queries:
        exact = verifier.probabilities_against(embeddings[q], embeddings)
        exact[q] = -1  # the query photo itself is not in the gallery
        rows = index.candidates(embeddings[q], 257)
        rows = rows[rows != q]
        found = rows[np.argmax(verifier.probabilities_against(embeddings[q], embeddings[rows]))]
        same += found == np.argmax(exact)
    print(f"recall@1 against exact search, {len(embeddings):,} real LFW embeddings, 1,000 of them as probes, "
          f"{int(np.sqrt(len(embeddings)))} groups: {same / len(queries):.3f}")


if __name__ == "__main__":
    index_scale() if "--index" in sys.argv else main()
