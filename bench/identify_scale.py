"""Identify at scale: galleries of enrolled photos (load, search, and how soon an enrolment made
by another process is found), and the search index alone up to a million photos.

    python bench/identify_scale.py [--sizes 1000 10000 100000 1000000]
    python bench/identify_scale.py --index      # the index alone up to a million photos
    python bench/identify_scale.py --recall     # its recall against exact search on real LFW embeddings

Galleries: random unit embeddings of the model's width (the search does the same work whatever
the numbers are), sealed with their person's key as the gallery stores them (loading includes
opening them); the photos and chips stored with them are empty placeholders, so the file stays
small. "enrolment seen" is the time from an enrolment through a second gallery (its own database
connection and index, as another worker has) being committed to this one's next search naming
that person (catching up with the change log included).

The index: build time, memory, p50/p95 of one search including the model's head on the 256 nearest,
adding and removing one photo, and recall@1 against exact search on real LFW embeddings (run
`facekit data import-lfw` first): for each share of groups read on the LFW *training* people's
photos (what chose ``PROBED``), and at ``PROBED`` on every LFW photo.
"""

import argparse
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
from facekit.gallery.search import PROBED, LiveIndex, _lists_for  # noqa: E402

SEARCHES = 50
PHOTOS_PER_PERSON = 5
SHARES = (0.02, 0.05, 0.1, 0.15, 0.2)


def _fill(gallery: Gallery, vectors: np.ndarray, first: int = 0) -> list[str]:
    """Enrol one photo per vector (``PHOTOS_PER_PERSON`` a person), sealed as the gallery stores them."""
    people, photo_ids = {}, []
    with gallery._database.transaction() as run:
        for i, vector in enumerate(vectors, start=first):
            name = f"person {i // PHOTOS_PER_PERSON}"
            person = people[name] if name in people else people.setdefault(name, gallery._keys.find_or_create(name, None))
            photo_id = secrets.token_hex(8)
            gallery._insert(run, person, photo_id, float(i), "{}", "[]", b"", b"")
            run("INSERT INTO sealed_embeddings (photo_id, model, vector) VALUES (?, ?, ?)",
                (photo_id, gallery.verifier.version, seal(person.key, vector.tobytes(), f"{photo_id}/vector")))
            photo_ids.append(photo_id)
        gallery._database.log_change(run, photo_ids, present=True)
    return photo_ids


def _unit(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    vectors = rng.normal(size=(n, width)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _rss_mib() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mib() -> float:
    """Resident memory of this process now (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def galleries(sizes: list[int]) -> None:
    verifier = load_verifier()
    width, rng = verifier.embedding_width, np.random.default_rng(0)
    print(f"identify through the gallery, {width}-d embeddings, {PHOTOS_PER_PERSON} photos a person, {SEARCHES} "
          "searches each (ms); 'seen': an enrolment through a second gallery named by this one's next search")
    print(f"{'photos':>9} {'load s':>7} {'p50':>7} {'p95':>7} {'seen p50':>9} {'seen max':>9} {'peak RSS MiB':>13}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            config = Config(data_dir=Path(folder))
            reader, writer = Gallery(config, verifier), Gallery(config, verifier)
            _fill(writer, _unit(rng, n, width))
            started = time.perf_counter()
            reader.identify_embedding(_unit(rng, 1, width)[0])
            load_s = time.perf_counter() - started
            times = []
            for query in _unit(rng, SEARCHES, width):
                started = time.perf_counter()
                reader.identify_embedding(query)
                times.append((time.perf_counter() - started) * 1000)
            seen = []
            for i in range(10):
                vector = _unit(rng, 1, width)
                _fill(writer, vector, first=PHOTOS_PER_PERSON * (n + i))  # a new person, one photo
                committed = time.perf_counter()
                person, _, _ = reader.identify_embedding(vector[0])
                seen.append((time.perf_counter() - committed) * 1000)
                assert person == f"person {n + i}", person
            print(f"{n:>9,} {load_s:>7.2f} {np.percentile(times, 50):>7.2f} {np.percentile(times, 95):>7.2f} "
                  f"{np.median(seen):>9.2f} {max(seen):>9.2f} {_rss_mib():>13.0f}")
            reader.close()
            writer.close()


def index_scale() -> None:
    verifier, rng = load_verifier(), np.random.default_rng(0)
    width = verifier.embedding_width
    print(f"the index alone, {width}-d, the 256 nearest scored by the model's head, {SEARCHES} searches (ms), "
          f"{PROBED:.0%} of groups read past 20,000 photos:")
    for n in (10_000, 100_000, 1_000_000):
        matrix = _unit(rng, n, width)
        before = _resident_mib()
        started = time.perf_counter()
        index = LiveIndex(width)
        for start in range(0, n, 100_000):  # as a gallery grows: the groups are learnt on the way
            index.add(np.arange(start, min(n, start + 100_000)), matrix[start : start + 100_000])
        build = time.perf_counter() - started
        times = []
        for query in matrix[rng.choice(n, SEARCHES)] + rng.normal(scale=0.05, size=(SEARCHES, width)).astype(np.float32):
            started = time.perf_counter()
            rows, _ = index.nearest(query / np.linalg.norm(query), 256)
            verifier.probabilities_against(query, index.vectors(rows))
            times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.add(np.array([n]), matrix[:1])
        added = time.perf_counter()
        index.remove(np.array([n]))
        removed = time.perf_counter()
        print(f"  {n:>9,} photos: build {build:6.1f} s   p50 {np.percentile(times, 50):6.2f}   p95 "
              f"{np.percentile(times, 95):6.2f}   add one {(added - started) * 1000:5.2f}   remove one "
              f"{(removed - added) * 1000:5.2f}   index memory {_resident_mib() - before:5.0f} MiB (its vectors alone "
              f"{matrix.nbytes / 2**20:.0f} MiB)")
        del index, matrix


def _lfw_embeddings(verifier, people: set[str] | None) -> np.ndarray:
    from facekit.faces.chips import chip_photos, read_chip

    config = verifier.framing(Config())
    photos = [p for p in sorted(config.lfw_dir.glob("*/*.jpg")) if people is None or p.parent.name in people]
    chips = [r.chip_path for r in chip_photos(photos, config, workers=2).values() if r.chip_path]
    return np.concatenate([verifier.embeddings(np.stack([read_chip(c) for c in chips[i : i + 512]]))
                           for i in range(0, len(chips), 512)])


def _recall_at(embeddings: np.ndarray, share: float, verifier, probes: np.ndarray) -> float:
    """recall@1 of the inverted file (forced, 4 sqrt(n) groups, ``share`` of them read) against
    exact search, each probe left out of the gallery."""
    import facekit.gallery.search as search

    search.PROBED = share
    index = LiveIndex(embeddings.shape[1], lists=_lists_for(len(embeddings)))
    index.add(np.arange(len(embeddings)), embeddings)
    same = 0
    for q in probes:
        exact = verifier.probabilities_against(embeddings[q], embeddings)
        exact[q] = -1  # the probe itself is not in the gallery
        rows, _ = index.nearest(embeddings[q], 257)
        rows = rows[rows != q]
        same += rows[np.argmax(verifier.probabilities_against(embeddings[q], index.vectors(rows)))] == np.argmax(exact)
    return same / len(probes)


def recall() -> None:
    verifier, rng = load_verifier(), np.random.default_rng(0)
    chosen = PROBED
    training = {line.split()[0] for line in (Config().protocol_dir / "peopleDevTrain.txt").read_text().splitlines()[1:]}
    embeddings = _lfw_embeddings(verifier, training)
    probes = rng.choice(len(embeddings), 1000, replace=False)
    print(f"recall@1 against exact search, LFW training people ({len(embeddings):,} photos, {_lists_for(len(embeddings))} "
          "groups, 1,000 probes), by share of groups read: " +
          ", ".join(f"{share:.0%} {_recall_at(embeddings, share, verifier, probes):.3f}" for share in SHARES))
    everyone = _lfw_embeddings(verifier, None)
    probes = rng.choice(len(everyone), 1000, replace=False)
    print(f"recall@1 at {chosen:.0%}, every LFW photo ({len(everyone):,}, {_lists_for(len(everyone))} groups, 1,000 probes): "
          f"{_recall_at(everyone, chosen, verifier, probes):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", action="store_true", help="the index alone up to a million photos")
    parser.add_argument("--recall", action="store_true", help="the index's recall@1 on real LFW embeddings")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000])
    arguments = parser.parse_args()
    index_scale() if arguments.index else recall() if arguments.recall else galleries(arguments.sizes)
