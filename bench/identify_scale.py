"""Identify against galleries of 1k, 10k and 100k enrolled photos: the time to load the
in-memory matrix from the SQLite gallery, the time of one search (exact, numpy), and memory.

The embeddings are random unit vectors of the model's width (the search does the same work
whatever the numbers are), sealed with their person's key as the gallery stores them (loading
includes opening them); the photos and chips stored with them are empty placeholders, so the
file stays small. Run from the project root: `python bench/identify_scale.py`.
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


if __name__ == "__main__":
    main()
