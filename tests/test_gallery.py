"""The gallery of enrolled people, with the real model, against SQLite and a real PostgreSQL
server that the tests start themselves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from facekit import DataError
from facekit.errors import NoFaceFound, NotFound
from facekit.examples import EXAMPLES_DIR
from facekit.gallery.keys import seal, unseal
from facekit.gallery.people import Gallery
from facekit.names import person_name

OBAMA = [EXAMPLES_DIR / name for name in ("obama.jpg", "obama1.jpg", "obama2.jpg", "obama3.jpg")]
BIDEN = EXAMPLES_DIR / "biden.jpg"


@pytest.fixture
def gallery(gallery_config):
    people = Gallery(gallery_config)
    yield people
    people.close()


def _rows(gallery: Gallery, table: str) -> int:
    (count,), = gallery._database.read(f"SELECT COUNT(*) FROM {table}")
    return count


def test_enrol_identify_verify_and_forget(gallery):
    for photo in OBAMA[1:]:
        enrolled = gallery.enrol("  Barack   Obama ", photo)
        assert enrolled.person == "Barack Obama" and len(enrolled.landmarks) == 5 and enrolled.box[2] > 50
    gallery.enrol("Joe Biden", EXAMPLES_DIR / "biden2.jpg")
    assert [(p.name, p.photos) for p in gallery.people()] == [("Barack Obama", 3), ("Joe Biden", 1)]

    found = gallery.identify(OBAMA[0])
    assert found.person == "Barack Obama" and found.matches[0].probability >= found.threshold
    assert [m.name for m in found.matches] == ["Barack Obama", "Joe Biden"]
    assert found.matches[0].photo_id in {p.id for p in gallery.photos("Barack Obama")}
    # The gallery's scores are the model's own: the same P(same) as comparing the two photos.
    verifier = gallery.verifier
    photo_ids = [p.id for p in gallery.photos("Barack Obama")]  # enrolled in the order of OBAMA[1:]
    matched = OBAMA[1 + photo_ids.index(found.matches[0].photo_id)]
    direct = verifier.verify(OBAMA[0], matched).probability
    assert found.matches[0].probability == pytest.approx(direct, abs=1e-4)

    stranger = gallery.identify(EXAMPLES_DIR / "two_people.jpg", threshold=0.999999)
    assert stranger.person is None and stranger.matches  # unknown is an answer, with the closest people

    verdict = gallery.verify("Barack Obama", OBAMA[0])
    assert verdict.n_anchors == 3 and verdict.verified == (verdict.share >= verdict.share_needed)
    assert verdict.anchor_ids == tuple(photo_ids)  # each score says which reference photo it is for
    for photo_id, probability in zip(verdict.anchor_ids, verdict.probabilities):
        assert probability == pytest.approx(verifier.verify(OBAMA[0], OBAMA[1 + photo_ids.index(photo_id)]).probability, abs=1e-4)
    assert not gallery.verify("Joe Biden", OBAMA[2]).verified

    assert gallery.forget("Barack Obama") == 3
    assert [p.name for p in gallery.people()] == ["Joe Biden"]
    assert gallery.identify(OBAMA[0]).matches[0].name == "Joe Biden"
    assert _rows(gallery, "sealed_photos") == 1 and _rows(gallery, "sealed_embeddings") == 1


def _stored_in_the_clear(gallery: Gallery, photo_id: str) -> list[bytes]:
    """Slices of what the gallery keeps of one photo, as a person's data: chip, photo, embedding."""
    person = gallery._keys.everyone()[gallery._database.read("SELECT person FROM sealed_photos WHERE id = ?", (photo_id,))[0][0]]
    chip, vector = (unseal(person.key, gallery._database.read(sql, (photo_id,))[0][0], f"{photo_id}/{column}")
                    for sql, column in (("SELECT chip FROM sealed_photos WHERE id = ?", "chip"),
                                        ("SELECT vector FROM sealed_embeddings WHERE photo_id = ?", "vector")))
    return [*_slices(chip), *_slices(gallery.photo_jpeg(photo_id)), *_slices(vector)]


def _slices(data: bytes, size: int = 48, count: int = 6) -> list[bytes]:
    """Short pieces from across ``data``: a database splits a long value over pages (SQLite's
    overflow pages, PostgreSQL's TOAST chunks), so only pieces shorter than a page are found whole."""
    step = max(1, (len(data) - size) // count)
    return [bytes(data[start : start + size]) for start in range(0, len(data) - size + 1, step)][:count]


def _server_files(gallery: Gallery, config) -> bytes:
    """Every file the database server keeps, as the attack read them: SQLite's file and its
    write-ahead log, or PostgreSQL's data folder (tables, write-ahead log) after a CHECKPOINT."""
    if not config.gallery_url:
        return b"".join(p.read_bytes() for p in config.data_dir.glob("gallery.sqlite3*"))
    with gallery._database.transaction(write=False) as run:
        (folder,), = run("SHOW data_directory")
    gallery._database.read("CHECKPOINT")
    return b"".join(p.read_bytes() for p in Path(folder).rglob("*") if p.is_file())


def test_nothing_is_left_of_a_forgotten_person(gallery_config):
    """Deleted is final in both stores: after a delete, no slice of the photo, chip, embedding or
    name is in the database server's files (PostgreSQL keeps deleted rows in its table files and
    write-ahead log: what it keeps was sealed with a key that is gone), nor in the key file."""
    gallery = Gallery(gallery_config)
    name = "Zelda Quintana-Obama"  # a name no other test writes
    photo = gallery.enrol(name, OBAMA[1])
    first = _stored_in_the_clear(gallery, photo.id)
    gallery.remove_photo(name, photo.id)
    with pytest.raises(NotFound):
        gallery.photos(name)
    second = gallery.enrol(name, OBAMA[2])
    kept = _stored_in_the_clear(gallery, second.id)
    key = gallery._keys.find(name, None)[0].key
    sealed = bytes(gallery._database.read("SELECT photo FROM sealed_photos WHERE id = ?", (second.id,))[0][0])
    assert any(piece in _server_files(gallery, gallery_config) for piece in _slices(sealed))  # it reads where rows are
    gallery.forget(name)
    assert gallery.people() == [] and _rows(gallery, "sealed_photos") == 0 and _rows(gallery, "sealed_embeddings") == 0
    on_disk = _server_files(gallery, gallery_config)
    gallery.close()
    leftovers = [piece for piece in first + kept + [name.encode()] if piece in on_disk]
    assert not leftovers, f"{len(leftovers)} pieces of a forgotten person are still in the database's files"
    key_file = b"".join(p.read_bytes() for p in gallery_config.gallery_keys_path.parent.glob("gallery_keys.sqlite3*"))
    assert key not in key_file and name.encode() not in key_file


def test_a_second_process_sees_enrolments_and_deletions(gallery_config):
    first, second = Gallery(gallery_config), Gallery(gallery_config)
    assert second.people() == [] and second.identify(OBAMA[0]).matches == ()
    first.enrol("Barack Obama", OBAMA[1])
    assert second.identify(OBAMA[0]).matches[0].name == "Barack Obama"
    first.forget("Barack Obama")
    assert second.identify(OBAMA[0]).matches == ()
    first.close(), second.close()


def test_a_new_model_recomputes_embeddings_and_never_mixes_versions(gallery):
    photo = gallery.enrol("Barack Obama", OBAMA[1])
    before = gallery.identify(OBAMA[0]).matches[0].probability
    # As if the stored embedding were made by another model: its numbers must not be used.
    zeros = seal(gallery._keys.find("Barack Obama", None)[0].key, np.zeros(256, np.float32).tobytes(), f"{photo.id}/vector")
    with gallery._database.transaction() as run:
        run("UPDATE sealed_embeddings SET model = 'old-model', vector = ?", (zeros,))
    gallery = Gallery(gallery.config, gallery.verifier)  # a process that loads the gallery from the database
    assert gallery.identify(OBAMA[0]).matches[0].probability == pytest.approx(before, abs=1e-5)
    versions = sorted(row[0] for row in gallery._database.read("SELECT model FROM sealed_embeddings WHERE photo_id = ?",
                                                               (photo.id,)))
    assert versions == sorted(["old-model", gallery.verifier.version])


@pytest.mark.parametrize("old_model", ["pretrained", "scratch"])
def test_a_gallery_enrolled_under_an_older_model_answers_under_the_default_after_embedding(gallery_config, old_model):
    """dlib's tower was the default before SFace; the scratch model's chips are 112 px like SFace's but
    framed otherwise: each photo is embedded again by the new model, from its own face, never mixed."""
    from facekit import load_verifier

    old = Gallery(gallery_config.with_(model=old_model))
    for photo in OBAMA[1:]:
        old.enrol("Barack Obama", photo)
    old.enrol("Joe Biden", EXAMPLES_DIR / "biden2.jpg")
    old.close()
    new = Gallery(gallery_config)  # the default model: SFace
    assert new.verifier.config.model == "sface" and new.verifier.version != load_verifier(gallery_config.with_(model=old_model)).version
    progress = []
    assert new.embed_for_this_model(lambda done, total: progress.append((done, total))) == 4 and progress[-1] == (4, 4)
    assert new.embed_for_this_model() == 0  # done once
    found = new.identify(OBAMA[0])
    assert found.person == "Barack Obama"
    # Its scores are the new model's own on the photos as enrolled: comparing the two photos directly.
    photo_ids = [p.id for p in new.photos("Barack Obama")]
    matched = OBAMA[1 + photo_ids.index(found.matches[0].photo_id)]
    assert found.matches[0].probability == pytest.approx(new.verifier.verify(OBAMA[0], matched).probability, abs=2e-3)
    versions = {row[0] for row in new._database.read("SELECT model FROM sealed_embeddings")}
    assert versions == {new.verifier.version, load_verifier(gallery_config.with_(model=old_model)).version}
    new.close()


def test_an_enrolment_racing_a_deletion_loses_no_acknowledged_photo(gallery_config):
    """Two galleries (as two API workers) on one store: one enrols photos of a person while the
    other forgets them again and again. Every photo acknowledged is listed, or a deletion of the
    person ended after it; no photo outlives its person's key (the count and the listing agree)."""
    import threading
    import time

    enroller, forgetter = Gallery(gallery_config), Gallery(gallery_config)
    acknowledged, forgotten, stop = [], [], threading.Event()
    key_of = enroller._keys.find_or_create

    def slowly(name, owner):  # the window between taking the person's key and storing the photo, made wide
        key = key_of(name, owner)
        time.sleep(0.02)
        return key

    enroller._keys.find_or_create = slowly

    def forget_again_and_again():  # now and then, so that photos are there to forget when a key is shredded
        while not stop.is_set():
            try:
                forgetter.forget("Racer")
                forgotten.append(time.monotonic())
            except NotFound:
                pass
            time.sleep(0.015)

    racing = threading.Thread(target=forget_again_and_again)
    racing.start()
    try:
        for round_ in range(40):
            try:
                photo = enroller.enrol("Racer", OBAMA[round_ % len(OBAMA)])
                acknowledged.append((photo.id, time.monotonic()))
            except NotFound:
                pass  # forgotten while being added: said, not acknowledged
    finally:
        stop.set()
        racing.join()
    listed = {p.id for p in enroller.photos("Racer")} if enroller.people() else set()
    for photo_id, at in acknowledged:
        assert photo_id in listed or any(done > at for done in forgotten), photo_id
    assert enroller.photo_count() == sum(person.photos for person in enroller.people())
    assert len(acknowledged) >= 10 and forgotten  # both really ran
    enroller.close(), forgetter.close()


def test_bad_names_photos_and_unknown_people_say_what_is_wrong(gallery_config):
    gallery = Gallery(gallery_config.with_(max_captures_per_person=1))
    with pytest.raises(NoFaceFound, match="new photo"):
        gallery.enrol("Ada", np.full((200, 200, 3), 128, np.uint8))
    gallery.enrol("Ada", OBAMA[1])
    with pytest.raises(DataError, match="already has 1 photos"):
        gallery.enrol("Ada", OBAMA[2])
    for unknown in (lambda: gallery.verify("Nobody", OBAMA[0]), lambda: gallery.forget("Nobody"),
                    lambda: gallery.remove_photo("Ada", "no-such-id"), lambda: gallery.photos("Nobody")):
        with pytest.raises(NotFound):
            unknown()
    assert gallery.people()[0].photos == 1
    gallery.close()


@pytest.mark.parametrize("typed, kept", [
    ("  Ada   Lovelace ", "Ada Lovelace"), ("李雷", "李雷"), ("José", "José"),
    # One rule for look-alike spellings: fullwidth letters, zero-width spaces, direction overrides.
    ("Ｂｏｂ Ｓｍｉｔｈ", "Bob Smith"), ("Bob\u200b Smith", "Bob Smith"), ("\u202eBob Smith", "Bob Smith"),
])
def test_names_are_kept_as_typed_in_one_normal_form(typed, kept):
    assert person_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "  ", "../..", "AC/DC", "a" * 61, "Ada\x00", b"Bob\xff".decode(errors="replace")])
def test_unusable_names_are_refused(typed):
    with pytest.raises(DataError):
        person_name(typed)


def test_sqlite_gallery_is_shared_through_wal(gallery_config):
    if gallery_config.gallery_url:
        pytest.skip("SQLite only")
    Gallery(gallery_config).close()
    with sqlite3.connect(gallery_config.gallery_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_api_and_each_visitor_see_only_their_own_photos(gallery):
    from facekit.gallery.people import EVERYONE

    gallery.enrol("Barack Obama", OBAMA[2], owner="~visitor1")  # before the operator took the name
    gallery.enrol("Barack Obama", OBAMA[1])  # through the API: nobody's
    assert [(p.name, p.photos) for p in gallery.people()] == [("Barack Obama", 1)]
    assert [(p.name, p.photos) for p in gallery.people(owner="~visitor1")] == [("Barack Obama", 1)]
    assert [(p.name, p.photos) for p in gallery.people(owner=EVERYONE)] == [("Barack Obama", 2)]
    assert gallery.verify("Barack Obama", OBAMA[0]).n_anchors == 1
    assert gallery.verify("Barack Obama", OBAMA[0], owner=EVERYONE).n_anchors == 2
    assert gallery.identify(OBAMA[0], owner="~visitor2").matches == ()
    assert gallery.forget("Barack Obama") == 1  # the API's photo only
    assert [(p.name, p.photos) for p in gallery.people(owner=EVERYONE)] == [("Barack Obama", 1)]


def test_the_demos_people_are_every_visitors_and_their_names_the_operators(gallery, tmp_path):
    """People the operator enrols (owner None: the command line, the API, the presenter) are found by
    every visitor beside the visitor's own; a visitor cannot add photos under one of their names,
    neither by enrolling nor by the camera, and is told why; the presenter (owner None) can."""
    from facekit.capture.photos import Viewer, save_capture

    gallery.enrol("Barack Obama", OBAMA[1])  # the operator's
    visitor = Viewer("session a")
    gallery.enrol("Joe Biden", EXAMPLES_DIR / "biden.jpg", owner=visitor.gallery_owner)
    assert gallery.identify(OBAMA[0], owner=visitor.searches_as).person == "Barack Obama"
    assert gallery.identify(EXAMPLES_DIR / "biden2.jpg", owner=visitor.searches_as).person == "Joe Biden"
    assert gallery.identify(EXAMPLES_DIR / "biden2.jpg", owner=Viewer("session b").searches_as).person is None
    assert [p.name for p in gallery.people(owner=visitor.searches_as)] == ["Barack Obama", "Joe Biden"]
    assert gallery.verify("Barack Obama", OBAMA[2], owner=visitor.searches_as).n_anchors == 1
    with pytest.raises(DataError, match="Barack Obama is one of this demo's people"):
        gallery.enrol("Barack   Obama ", OBAMA[2], owner=visitor.gallery_owner)  # the name as a person's, whatever the spaces
    with pytest.raises(DataError, match="one of this demo's people"):
        save_capture(OBAMA[2], "Barack Obama", "anchor", gallery.config, visitor, gallery)
    assert not list((gallery.config.data_dir / "anchor").glob("*.jpg"))  # nothing saved
    gallery.enrol("Barack Obama", OBAMA[2], owner=Viewer("x", presenter=True).gallery_owner)  # the presenter may
    assert [(p.name, p.photos) for p in gallery.people()] == [("Barack Obama", 2)]


def test_a_gallery_from_before_sealing_is_sealed_and_nothing_is_lost(gallery_config):
    """The first gallery kept names, photos and embeddings in the clear (tables photos and
    embeddings): opening it seals every row into the new tables and drops the old ones."""
    gallery = Gallery(gallery_config)
    enrolled = gallery.enrol("Barack Obama", OBAMA[1], owner="~visitor1")
    person = gallery._keys.find("Barack Obama", "~visitor1")[0]
    with gallery._database.transaction() as run:  # the first schema, holding that photo in the clear
        row = run("SELECT id, added, face, problems, photo, chip, owner FROM sealed_photos")[0]
        opened = [unseal(person.key, value, f"{row[0]}/{column}") for value, column in
                  ((row[2], "face"), (row[4], "photo"), (row[5], "chip"))]
        (model, vector), = run("SELECT model, vector FROM sealed_embeddings")
        blob = "BYTEA" if gallery_config.gallery_url else "BLOB"
        run("CREATE TABLE photos (id TEXT PRIMARY KEY, person TEXT NOT NULL, added DOUBLE PRECISION NOT NULL, face TEXT "
            f"NOT NULL, problems TEXT NOT NULL, photo {blob} NOT NULL, chip {blob} NOT NULL, owner TEXT)")
        run(f"CREATE TABLE embeddings (photo_id TEXT NOT NULL, model TEXT NOT NULL, vector {blob} NOT NULL)")
        run("INSERT INTO photos VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row[0], "Barack Obama", row[1], opened[0].decode(), row[3], opened[1], opened[2], row[6]))
        run("INSERT INTO embeddings VALUES (?, ?, ?)", (row[0], model, unseal(person.key, vector, f"{row[0]}/vector")))
        run("DELETE FROM sealed_embeddings")
        run("DELETE FROM sealed_photos")
    gallery._keys.shred([person.token])
    gallery.close()

    reopened = Gallery(gallery_config)
    assert not reopened._database.has_table("photos") and not reopened._database.has_table("embeddings")
    assert [(p.name, p.photos) for p in reopened.people(owner="~visitor1")] == [("Barack Obama", 1)]
    assert reopened.photos("Barack Obama", owner="~visitor1")[0].box == enrolled.box
    assert reopened.identify(OBAMA[0], owner="~visitor1").person == "Barack Obama"
    reopened.close()


def test_the_search_index_finds_the_nearest_photos():
    """Exact up to its size limit; past it (forced here) the inverted file still returns the
    nearest row for nearly every probe on clustered embeddings, as faces of one person are; rows
    added and removed in place are found, and gone, at once."""
    from facekit.gallery.search import LiveIndex

    rng = np.random.default_rng(0)
    people = rng.normal(size=(300, 64)).astype(np.float32)
    photos = np.repeat(people, 10, axis=0) + rng.normal(scale=0.3, size=(3000, 64)).astype(np.float32)
    photos /= np.linalg.norm(photos, axis=1, keepdims=True)
    probes = photos[rng.choice(3000, 200, replace=False)] + rng.normal(scale=0.05, size=(200, 64)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    exact, inverted = LiveIndex(64), LiveIndex(64, lists=50)
    for index in (exact, inverted):
        index.add(np.arange(3000), photos)
    assert all(exact.nearest(p, 5)[0][0] == np.argmax(photos @ p) for p in probes)
    found = [inverted.nearest(p, 20)[0][0] == np.argmax(photos @ p) for p in probes]
    assert np.mean(found) >= 0.99
    for index in (exact, inverted):
        index.remove(np.array([int(np.argmax(photos @ probes[0]))]))
        assert index.nearest(probes[0], 1)[0][0] != np.argmax(photos @ probes[0]) and len(index) == 2999
        index.add(np.array([5000]), probes[:1])
        assert index.nearest(probes[0], 1)[0][0] == 5000
        np.testing.assert_allclose(index.vectors(np.array([5000])), probes[:1], atol=1e-6)
    exact.remove(np.array([5000]))
    assert list(exact.nearest(probes[0], 3)[0]) == [r for r in np.argsort(-(photos @ probes[0])) if r != np.argmax(photos @ probes[0])][:3]
