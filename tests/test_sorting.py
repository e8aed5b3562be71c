"""A pile of photos sorted by person and searched for one: the library and the commands `facekit
group` and `facekit find`, on a folder made from real LFW photos of four people, a file that is not
an image and a photo with no face."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facekit import Config
from facekit.gallery.people import Gallery
from facekit.model.head import close_pairs, pairwise_probabilities
from facekit.model.verifier import load_verifier
from facekit.sorting.find import find_person
from facekit.errors import DataError, TooManyFaces, TooManyPhotos, TooMuchData
from facekit.sorting.groups import (FaceGroup, MaybeSame, enrol_group, group_faces, group_pile, maybe_same, merge,
                                    move_out, name_groups)
from facekit.sorting.pile import read_pile, read_unpacked, unpack_uploads

PEOPLE = ("Ahmed_Chalabi", "Ai_Sugiyama", "Al_Gore", "Al_Sharpton")  # LFW training people with 5 or more photos


@pytest.fixture(scope="module")
def pile_folder(mini_lfw, tmp_path_factory) -> Path:
    """Four people's photos 2-5 in sub-folders (photo 1 of each is kept out, to look for them with),
    a text file, and a grey picture with no face."""
    folder = tmp_path_factory.mktemp("pile")
    for n, person in enumerate(PEOPLE):
        (folder / f"event {n % 2}").mkdir(exist_ok=True)
        for photo in sorted((mini_lfw / "lfw" / person).glob("*.jpg"))[1:5]:
            (folder / f"event {n % 2}" / photo.name).write_bytes(photo.read_bytes())
    (folder / "notes.txt").write_text("not a photo")
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(folder / "wall.jpg")
    (folder / "gone.jpg").symlink_to(folder / "deleted.jpg")  # a broken link
    os.mkfifo(folder / "pipe.jpg")  # opened, it would wait for a writer forever
    return folder


def _person(path: Path) -> str:
    return path.name.rsplit("_", 1)[0]


def test_a_pile_groups_into_its_people_with_the_bad_files_listed(pile_folder):
    verifier = load_verifier()
    pile = read_pile([pile_folder], verifier)
    assert pile.unreadable == tuple(pile_folder / name for name in ("gone.jpg", "notes.txt", "pipe.jpg"))
    assert pile.no_face == (pile_folder / "wall.jpg",)
    assert len(pile.embeddings) == len(pile.faces) and {f.photo for f in pile.faces if f.main} == {
        p for p in pile_folder.rglob("*_0*.jpg")}
    groups = group_pile(pile, verifier)
    people_in = [{_person(pile.faces[i].photo) for i in g if pile.faces[i].main} for g in groups]
    assert sorted(map(sorted, [p for p in people_in if p])) == [[person] for person in PEOPLE]  # 4, none mixed
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)  # largest first
    box = pile.faces[0].box
    assert all(v >= 0 for v in box) and box[2] > 40  # in the photo's own pixels (250x250)


def test_enrolled_people_are_named_in_their_group(pile_folder, mini_lfw, tmp_path):
    gallery = Gallery(Config(data_dir=tmp_path / "data"), load_verifier())
    gallery.enrol("Al Gore", sorted((mini_lfw / "lfw" / "Al_Gore").glob("*.jpg"))[0])
    pile = read_pile([pile_folder], gallery.verifier)
    named = name_groups(group_pile(pile, gallery.verifier), pile.embeddings, [(gallery, None)])
    for group in named:
        people = {_person(pile.faces[i].photo) for i in group.faces if pile.faces[i].main}
        assert (group.person == "Al Gore") == (people == {"Al_Gore"}), (group, people)


def test_find_returns_the_person_s_photos_and_not_the_others(pile_folder, mini_lfw):
    verifier = load_verifier()
    pile = read_pile([pile_folder], verifier)
    probe = sorted((mini_lfw / "lfw" / "Ai_Sugiyama").glob("*.jpg"))[0]  # not in the pile
    sightings = find_person(verifier.embed_photo(probe, "person")[1], pile, verifier)
    sure = {pile.faces[s.face].photo.name for s in sightings if s.decision == "same"}
    assert sure == {p.name for p in pile_folder.rglob("Ai_Sugiyama_*.jpg")}
    assert all(_person(pile.faces[s.face].photo) == "Ai_Sugiyama" for s in sightings)  # no one else, not even "not sure"
    assert [s.decision for s in sightings] == sorted((s.decision for s in sightings), key=lambda d: d != "same")


def test_naming_a_group_enrols_its_faces_and_who_is_this_then_names_them(pile_folder, mini_lfw, tmp_path):
    """Uploads (one person's photos in a zip) sorted, a group named: its faces are enrolled for one
    owner only, each from its own photo, and "who is this?" then names a photo of them not in the pile."""
    import io
    import zipfile

    verifier = load_verifier()
    gore = sorted(pile_folder.rglob("Al_Gore_*.jpg"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for photo in gore:
            zipped.writestr(f"party/{photo.name}", photo.read_bytes())
    uploads = [(p.name, p.read_bytes()) for p in sorted(pile_folder.rglob("Ai_Sugiyama_*.jpg"))]
    uploads += [("gore.zip", archive.getvalue()), ("notes.txt", b"not a photo"), ("notes.txt", b"again")]

    def streams(files):
        return [(name, io.BytesIO(data)) for name, data in files]

    unpacked = unpack_uploads(streams(uploads), tmp_path / "unpacked")
    photos = unpacked.photos
    assert [name for name, _ in photos][-len(gore) - 2:] == [f"party/{p.name}" for p in gore] + ["notes.txt", "notes.txt (2)"]
    assert all(path.parent == tmp_path / "unpacked" for _, path in photos) and photos[0][1].read_bytes() == uploads[0][1]
    pile = read_unpacked(unpacked, verifier)
    assert pile.unreadable == ("notes.txt", "notes.txt (2)")
    groups = name_groups(group_pile(pile, verifier), pile.embeddings)
    group = next(g for g in groups if pile.faces[g.faces[0]].photo.startswith("party/"))
    assert {pile.faces[i].photo for i in group.faces if pile.faces[i].main} == {f"party/{p.name}" for p in gore}
    gallery = Gallery(Config(data_dir=tmp_path / "data"), verifier)
    done = enrol_group(gallery, "Al Gore", group, pile, owner="visitor-1")
    assert len(done.enrolled) == len(group.faces) and not done.refused
    probe = sorted((mini_lfw / "lfw" / "Al_Gore").glob("*.jpg"))[0]  # kept out of the pile
    assert gallery.identify(probe, owner="visitor-1").person == "Al Gore"
    assert gallery.identify(probe).person is None  # a visitor's people are theirs alone
    (tmp_path / "a file").write_text("")
    with pytest.raises(DataError, match="could not be kept on this server's disk"):
        unpack_uploads(streams(uploads[:1]), tmp_path / "a file" / "kept")
    broken = unpack_uploads(streams([("broken.zip", b"PK\x03\x04 and then nothing"), *uploads[:1]]), tmp_path / "broken")
    assert len(broken.photos) == 1 and broken.refused[0][0] == "broken.zip" and "zip file we cannot open" in broken.refused[0][1]
    with pytest.raises(TooManyPhotos, match="one pile is sorted here at most 3 photos"):
        unpack_uploads(streams(uploads), tmp_path / "few", Config(max_pile_photos=3))


def test_hostile_zips_are_bounded_before_and_while_they_are_read(tmp_path):
    """A zip's files are counted before any is read, a file declared too large is refused unread,
    one that lies about its size is read no further than a photo may be, paths outside the zip and
    hidden files are listed (not dropped unsaid), and the bytes unpacked add up to a bound; the
    photos go to disk one by one (what is kept is paths)."""
    import io
    import zipfile

    config = Config(max_image_bytes=1 << 20, max_pile_photos=10)

    def zipped(files: dict[str, bytes]) -> io.BytesIO:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        packed.seek(0)
        return packed

    zeros = bytes(3 << 20)  # 3 MB of zeros: a few kB zipped
    bomb = zipped({f"zeros_{n}.jpg": zeros for n in range(5)} | {"../escape.jpg": b"x", ".hidden.jpg": b"x", "ok.jpg": b"x"})
    unpacked = unpack_uploads([("bomb.zip", bomb)], tmp_path / "bomb", config)
    why = dict(unpacked.refused)
    assert why["../escape.jpg"] == "a path outside the zip" and why[".hidden.jpg"] == "a hidden file"
    assert all("3 MB, where a photo may have at most 1 MB" in why[f"zeros_{n}.jpg"] for n in range(5))
    assert [name for name, _ in unpacked.photos] == ["ok.jpg"]
    assert sum(f.stat().st_size for f in (tmp_path / "bomb").iterdir()) < 1 << 20  # nothing big was written
    # A zip whose entries lie about their size is read no further than a photo may be, and the
    # bytes unpacked add up to the request's bound.
    liar = io.BytesIO(zipped({"a.jpg": zeros}).getvalue().replace((3 << 20).to_bytes(4, "little"), (10).to_bytes(4, "little")))
    lied = unpack_uploads([("liar.zip", liar)], tmp_path / "liar", config)
    assert lied.refused or all(path.stat().st_size <= 2 << 20 for _, path in lied.photos)
    with pytest.raises(TooMuchData, match="add up to more than 2 MB"):
        unpack_uploads([(f"{n}.jpg", io.BytesIO(bytes(900_000))) for n in range(3)], tmp_path / "many", config,
                       most_bytes=2 << 20)
    with pytest.raises(TooManyPhotos):  # counted before reading: 11 files named in two zips and a photo
        unpack_uploads([("a.zip", zipped({f"{n}.jpg": b"x" for n in range(6)})), ("b.zip", zipped({f"{n}.jpg": b"x" for n in range(5)}))],
                       tmp_path / "count", config)


@pytest.mark.parametrize("distance, weights, bias", [("euclidean", np.array([-17.2]), 7.4),
                                                     ("l1", np.linspace(-1.0, 0.5, 16), 2.0)])
def test_close_pairs_are_the_pairs_of_the_whole_matrix_at_or_above_the_floor(distance, weights, bias):
    rng = np.random.default_rng(0)
    people = rng.normal(size=(40, 16))
    faces = people[rng.integers(0, 40, 600)] + rng.normal(0, 0.3, (600, 16))  # several faces a person
    faces = (faces / np.linalg.norm(faces, axis=1, keepdims=True)).astype(np.float32)
    whole = pairwise_probabilities(distance, faces, faces, weights, bias)
    expected = [(i, j) for i, j in zip(*np.nonzero(whole >= 0.56)) if i < j]
    first, second, p = close_pairs(distance, faces, 0.56, weights, bias, rows=100)  # blocks end mid-way
    assert len(expected) > 1000 and list(zip(first.tolist(), second.tolist())) == expected
    np.testing.assert_allclose(p, whole[first, second], atol=1e-5)
    assert [len(part) for part in close_pairs(distance, faces[:0], 0.56, weights, bias)] == [0, 0, 0]


def test_a_flood_of_one_person_s_faces_is_grouped_with_bounded_pairs():
    """Issue 40: 10,000 faces of one person (20 looks of her, each seen 500 times a little
    differently) took minutes and gigabytes, the pairs growing with the square of the faces. Now the
    pairs weighed stay under the budget and she is one group; the time and memory are printed
    (bench/hostile.py measures them against the previous version)."""
    import resource
    import time

    from facekit.sorting import groups as grouping

    rng = np.random.default_rng(3)
    person = rng.normal(size=128)
    looks = person + rng.normal(0, 0.8, (20, 128))
    faces = looks[rng.integers(0, 20, 10_000)] + rng.normal(0, 0.7, (10_000, 128))  # P(same) median 0.84
    faces = (faces / np.linalg.norm(faces, axis=1, keepdims=True)).astype(np.float32)
    verifier = load_verifier()
    weighed = []
    real_links = grouping._links
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "_links", lambda *args: weighed.append(links := real_links(*args)) or links)
        started = time.perf_counter()
        groups = group_faces(faces, verifier)
    print(f"10,000 faces of one person: {time.perf_counter() - started:.1f} s, {len(groups)} groups; peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    assert len(groups[0]) >= 9_900 and len(weighed[-1]) <= grouping._MOST_LINKS
    assert weighed[:-1] == [None] * (len(weighed) - 1)  # every try before over the budget, given up before its pairs


def test_a_pile_with_more_faces_than_it_takes_is_refused_and_a_crowd_keeps_its_largest(tmp_path):
    from facekit.examples import EXAMPLES_DIR
    from facekit.faces.align import photo_faces
    from facekit.sorting.pile import read_photos

    photos = [(p.name, p) for p in (EXAMPLES_DIR / "obama.jpg", EXAMPLES_DIR / "two_people.jpg", EXAMPLES_DIR / "biden.jpg")]
    with pytest.raises(TooManyFaces, match="more than 2 faces .two_people.jpg brought the count to 3"):
        read_photos(photos, load_verifier(), most_faces=2)
    shown, unseen = (read_photos(photos, load_verifier(), most_faces=4, thumbnails=keep) for keep in (True, False))
    assert len(shown.faces) == 4 and all(face.chip.shape[0] >= 112 for face in shown.faces)
    assert all(face.chip is None for face in unseen.faces) and np.allclose(unseen.embeddings, shown.embeddings)  # the API's
    both = photo_faces(EXAMPLES_DIR / "two_people.jpg")
    [kept] = photo_faces(EXAMPLES_DIR / "two_people.jpg", Config(max_faces_per_photo=1)).faces
    assert kept.box == max(both.faces, key=lambda face: face.box[2]).box


def test_two_faces_of_one_photo_are_never_grouped_however_alike():
    """Four faces of one person by the model (a twin beside her sister in photo a, then photos b, c):
    without the photos, one group; with them, the twins apart in every pass (the third included: a
    face left alone that matches a group's average face does not join the group holding her sister)."""
    rng = np.random.default_rng(0)
    person = rng.normal(size=128)
    faces = np.stack([person + rng.normal(0, 0.01, 128) for _ in range(4)])
    faces = faces / np.linalg.norm(faces, axis=1, keepdims=True)  # unit, as the tower's embeddings are
    verifier = load_verifier()
    assert group_faces(faces, verifier) == [(0, 1, 2, 3)]
    groups = group_faces(faces, verifier, photos=["a.jpg", "a.jpg", "b.jpg", "c.jpg"])
    assert len(groups) == 2 and not any({0, 1} <= set(g) for g in groups)  # the twins apart, each with others
    assert group_faces(faces, verifier, photos=["a.jpg"] * 4) == [(0,), (1,), (2,), (3,)]


def test_groups_that_may_be_one_person_are_asked_about_unless_one_photo_holds_both():
    from types import SimpleNamespace

    rng = np.random.default_rng(1)
    ada, bea = rng.normal(size=128), rng.normal(size=128)
    faces = np.stack([ada + rng.normal(0, 0.02, 128), ada + rng.normal(0, 0.02, 128), ada + rng.normal(0, 0.02, 128), bea])
    faces = faces / np.linalg.norm(faces, axis=1, keepdims=True)
    groups = [FaceGroup((0, 1), number=1), FaceGroup((3,), number=2), FaceGroup((2,), number=3)]  # Ada split, Bea a stranger
    verifier = load_verifier()

    def pile(*photos):
        return SimpleNamespace(embeddings=faces, faces=[SimpleNamespace(photo=photo) for photo in photos])

    [asked] = maybe_same(groups, pile("a", "b", "c", "d"), verifier)
    assert isinstance(asked, MaybeSame) and (asked.first, asked.second) == (1, 3) and asked.probability > verifier.thresholds.same_from
    assert maybe_same(groups, pile("a", "b", "a", "d"), verifier) == []  # faces of one photo: two people
    assert maybe_same(groups[:1], pile("a", "b", "c", "d"), verifier) == []


def test_a_group_keeps_its_number_through_moves_and_joins():
    """Numbers are the groups' own: a face taken out gets the next unused number, a join keeps the
    smaller of the two (and the first's name), and no other group is renumbered."""
    groups = [FaceGroup((0, 1, 4), "Ada", 1), FaceGroup((2, 3), None, 2), FaceGroup((5,), None, 3)]
    moved = move_out(groups, 4)
    assert moved == [FaceGroup((0, 1), "Ada", 1), FaceGroup((2, 3), None, 2), FaceGroup((5,), None, 3),
                     FaceGroup((4,), None, 4)]
    assert merge(moved, 2, 3) == [FaceGroup((0, 1), "Ada", 1), FaceGroup((2, 3, 5), None, 2), FaceGroup((4,), None, 4)]
    assert merge(moved, 4, 1) == [FaceGroup((0, 1, 4), "Ada", 1), FaceGroup((2, 3), None, 2), FaceGroup((5,), None, 3)]
    assert move_out(moved, 4) == moved  # alone already
    with pytest.raises(KeyError):
        merge(moved, 1, 9)


def _facekit(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "facekit.cli", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "FACEKIT_DATA_DIR": str(data_dir)})


def test_facekit_group_prints_json_and_copies_each_group_to_a_folder(pile_folder, tmp_path):
    done = _facekit("group", str(pile_folder), "--json", "--copy-to", str(tmp_path / "sorted"), data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["unreadable"] == [str(pile_folder / n) for n in ("gone.jpg", "notes.txt", "pipe.jpg")] and answer["no_face"] == [str(pile_folder / "wall.jpg")]
    assert "files read" in done.stderr  # progress, on stderr
    folders = sorted((tmp_path / "sorted").iterdir())
    assert len(folders) == len(answer["groups"])
    for person in PEOPLE:  # all of a person's photos in one folder (a photo with a bystander is in theirs too)
        photos = {p.name for p in pile_folder.rglob(f"{person}_*.jpg")}
        assert any(photos <= {p.name for p in folder.iterdir()} for folder in folders), person
    first = answer["groups"][0]["faces"][0]
    assert Path(first["photo"]).exists() and len(first["box"]) == 4 and answer["groups"][0]["person"] is None


def test_facekit_find_by_photo_and_by_enrolled_name(pile_folder, mini_lfw, tmp_path):
    probe = sorted((mini_lfw / "lfw" / "Al_Sharpton").glob("*.jpg"))[0]
    done = _facekit("find", str(probe), str(pile_folder), "--json", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["found"]
    assert {Path(f["photo"]).name for f in found} == {p.name for p in pile_folder.rglob("Al_Sharpton_*.jpg")}
    assert found[0]["sure"] and [f["sure"] for f in found] == sorted((f["sure"] for f in found), reverse=True)
    unknown = _facekit("find", "Nobody Enrolled", str(pile_folder), data_dir=tmp_path / "data")
    assert unknown.returncode == 2 and "Nobody called 'Nobody Enrolled'" in unknown.stderr and "Traceback" not in unknown.stderr
    assert _facekit("people", "add", "Al Sharpton", str(probe), data_dir=tmp_path / "data").returncode == 0
    by_name = _facekit("find", "Al Sharpton", str(pile_folder), data_dir=tmp_path / "data")
    lines = [line for line in by_name.stdout.splitlines() if "sure (" in line]
    assert by_name.returncode == 0 and len(lines) == 4 and all("Al_Sharpton_" in line for line in lines), by_name.stdout
