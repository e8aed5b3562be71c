"""The gallery of enrolled people, with the real model, against SQLite and a real PostgreSQL
server that the tests start themselves."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from facekit import DataError
from facekit.errors import NoFaceFound, NotFound
from facekit.examples import EXAMPLES_DIR
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
    assert not gallery.verify("Joe Biden", OBAMA[2]).verified

    assert gallery.forget("Barack Obama") == 3
    assert [p.name for p in gallery.people()] == ["Joe Biden"]
    assert gallery.identify(OBAMA[0]).matches[0].name == "Joe Biden"
    assert _rows(gallery, "photos") == 1 and _rows(gallery, "embeddings") == 1


def test_nothing_is_left_of_a_forgotten_person(gallery_config, tmp_path):
    gallery = Gallery(gallery_config)
    photo = gallery.enrol("Barack Obama", OBAMA[1])
    chip = gallery._database.read("SELECT chip FROM photos WHERE id = ?", (photo.id,))[0][0]
    stored = gallery.photo_jpeg(photo.id)
    gallery.remove_photo("Barack Obama", photo.id)
    with pytest.raises(NotFound):
        gallery.photos("Barack Obama")
    gallery.enrol("Barack Obama", OBAMA[2])
    gallery.forget("Barack Obama")
    assert gallery.people() == [] and _rows(gallery, "photos") == 0 and _rows(gallery, "embeddings") == 0
    gallery.close()
    if not gallery_config.gallery_url:  # SQLite: not in the file, nor in its write-ahead log
        on_disk = b"".join(p.read_bytes() for p in gallery_config.data_dir.glob("gallery.sqlite3*"))
        assert bytes(chip)[:4096] not in on_disk and stored[1000:5000] not in on_disk


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
    with gallery._database.transaction() as run:
        run("UPDATE embeddings SET model = 'old-model', vector = ?", (np.zeros(256, np.float32).tobytes(),))
        run("UPDATE changes SET counter = counter + 1 WHERE id = 1")
    assert gallery.identify(OBAMA[0]).matches[0].probability == pytest.approx(before, abs=1e-5)
    versions = sorted(row[0] for row in gallery._database.read("SELECT model FROM embeddings WHERE photo_id = ?",
                                                               (photo.id,)))
    assert versions == sorted(["old-model", gallery.verifier.version])


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

    gallery.enrol("Barack Obama", OBAMA[1])  # through the API: nobody's
    gallery.enrol("Barack Obama", OBAMA[2], owner="~visitor1")
    assert [(p.name, p.photos) for p in gallery.people()] == [("Barack Obama", 1)]
    assert [(p.name, p.photos) for p in gallery.people(owner="~visitor1")] == [("Barack Obama", 1)]
    assert [(p.name, p.photos) for p in gallery.people(owner=EVERYONE)] == [("Barack Obama", 2)]
    assert gallery.verify("Barack Obama", OBAMA[0]).n_anchors == 1
    assert gallery.verify("Barack Obama", OBAMA[0], owner=EVERYONE).n_anchors == 2
    assert gallery.identify(OBAMA[0], owner="~visitor2").matches == ()
    assert gallery.forget("Barack Obama") == 1  # the API's photo only
    assert [(p.name, p.photos) for p in gallery.people(owner=EVERYONE)] == [("Barack Obama", 1)]
