"""The gallery: enrolled people, each with photos, face chips and embeddings, in one database.

One small interface over two databases: an SQLite file in ``data/`` (the default; WAL, so several
processes on one machine share it) or PostgreSQL (``FACEKIT_GALLERY_URL=postgresql://...``),
shared by API processes on many machines. Searches run in memory: each process keeps the current
model's embeddings in a search index (:mod:`facekit.gallery.mirror`) and catches up with the
database's change log before every search, so every process sees the others' enrolments and
deletions on its next search, without reloading the rest.

Names never reach the database: a person is a token there, and their photo, chip, face and
embeddings are sealed with a key of their own, kept in a separate key file (see ``keys.py``), so
forgetting someone (deleting their key) is final even where a database keeps deleted rows.

Embeddings are stored with the version of the model that made them. A process that runs another
model computes its own from the stored chips; versions are never compared with each other.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import replace

import numpy as np

from facekit.config import Config
from facekit.errors import DataError, NotFound
from facekit.faces.images import ImageSource, jpeg_bytes
from facekit.faces.quality import face_problems, shot_quality
from facekit.gallery.answers import (  # noqa: F401  callers take them from here too
    EnrolledPhoto, FaceIdentity, Identification, Match, Person, PhotoIdentities)
from facekit.gallery.keys import PersonKey, PersonKeys, seal, unseal
from facekit.gallery.mirror import Mirror, embed_missing
from facekit.gallery.store import EVERYONE, Database, owned_by  # noqa: F401  EVERYONE: callers take it from here
from facekit.model.verifier import AnchorVerdict, Verifier, load_verifier
from facekit.names import person_name

# Cosine of two unit embeddings from which they are one photo, by model (`bench/same_photo_line.py`:
# 150 LFW photos re-saved at JPEG quality 60, cropped by a tenth a side and halved, against 951
# pairs of distinct photos of one person). dlib's tower: copies >= 0.986, distinct photos <= 0.988
# (the line keeps most copies); SFace moves more with re-encoding: copies' 1st percentile 0.93-0.96
# (halved: 0.87), distinct photos at most 0.93.
_SAME_PHOTO = {"sface": 0.95, "pretrained": 0.99, "scratch": 0.99}
_SHORTLIST = 256  # photos the model's head scores exactly per search (8 per person listed, at least)

class Gallery:
    """Enrolled people in the database ``config`` names; safe to share between threads.

    The model (``verifier``, default :func:`~facekit.model.verifier.load_verifier`) loads on the
    first call that needs it; listing people and deleting them never load it.
    """

    def __init__(self, config: Config | None = None, verifier: Verifier | None = None):
        self.config = config or Config()
        self._database = Database(self.config)
        self._keys = PersonKeys(self.config.gallery_keys_path)
        self._verifier = verifier
        self._lock = threading.Lock()
        self._mirror = Mirror()
        if self._database.has_table("photos"):
            self._seal_first_gallery()

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = load_verifier(self.config)
        return self._verifier

    def close(self) -> None:
        self._database.close()
        self._keys.close()

    # --- people and photos -----------------------------------------------------------------------

    @property
    def index_lag_seconds(self) -> float:
        """How long the newest change this process's search index took in had been written when
        it did (it catches up before each search)."""
        return self._mirror.lag_seconds

    def embed_for_this_model(self, on_progress=None) -> int:
        """Embed every enrolled photo that this model has no embedding of yet (a gallery enrolled under
        another model), from its stored chip or photo, with ``on_progress(done, total)``; returns how
        many. Searches do it themselves when needed; this does it ahead, e.g. before a new default model
        serves (``facekit people embed``)."""
        return embed_missing(self._database, self._keys, self.verifier, on_progress)

    def is_demo_person(self, name: str) -> bool:
        """Whether ``name`` is one of the demo's people (enrolled by the operator: the command line,
        the API, the presenter): a visitor cannot enrol someone under that name."""
        return bool(self._keys.find(person_name(name), None))

    def photo_count(self) -> int:
        """Photos enrolled, everyone's."""
        (count,), = self._database.read("SELECT COUNT(*) FROM sealed_photos")
        return int(count)

    def people(self, owner: str | None = None) -> list[Person]:
        """Everyone enrolled (among ``owner``'s photos, see :data:`EVERYONE`), by name."""
        owned, params = owned_by(owner)
        rows = self._database.read(f"SELECT person, COUNT(*) FROM sealed_photos WHERE {owned} GROUP BY person", params)
        keys, counts = self._keys.everyone(), {}
        for token, count in rows:
            if token in keys:  # a person forgotten meanwhile has no key
                counts[keys[token].name] = counts.get(keys[token].name, 0) + int(count)
        return [Person(name, counts[name]) for name in sorted(counts)]

    def photos(self, name: str, owner: str | None = None) -> list[EnrolledPhoto]:
        """A person's enrolled photos (among ``owner``'s), oldest first. Raises :class:`NotFound`."""
        name, photos = person_name(name), []
        for person, rows in self._rows_of(name, owner, "id, added, face, problems"):
            photos += [_enrolled_photo(person, *row) for row in rows]
        if not photos:
            raise NotFound(f"Nobody called {name!r} is enrolled")
        return sorted(photos, key=lambda photo: (photo.added, photo.id))

    def photo_jpeg(self, photo_id: str) -> bytes:
        """The stored photo (JPEG) of one enrolled photo. Raises :class:`NotFound`."""
        rows = self._database.read("SELECT person, photo FROM sealed_photos WHERE id = ?", (photo_id,))
        person = self._keys.of(rows[0][0]) if rows else None
        if person is None:
            raise NotFound(f"No enrolled photo has the id {photo_id!r}")
        return unseal(person.key, rows[0][1], f"{photo_id}/photo")

    def chip(self, photo_id: str) -> np.ndarray:
        """The aligned face of one enrolled photo, ``(side, side, 3)`` uint8 as it was stored (the
        framing of the model it was enrolled under). Raises :class:`NotFound`."""
        rows = self._database.read("SELECT person, chip FROM sealed_photos WHERE id = ?", (photo_id,))
        person = self._keys.of(rows[0][0]) if rows else None
        if person is None:
            raise NotFound(f"No enrolled photo has the id {photo_id!r}")
        pixels = np.frombuffer(unseal(person.key, rows[0][1], f"{photo_id}/chip"), np.uint8)
        side = int(round((len(pixels) // 3) ** 0.5))
        return pixels.reshape(side, side, 3)

    def enrol(self, name: str, image: ImageSource, photo_id: str | None = None, owner: str | None = None,
              face: int | None = None) -> EnrolledPhoto:
        """Add a photo of ``name`` (enrolling them if new): its face ``face`` (1, 2, ... left to
        right; default the most prominent), chip and embedding are stored. ``photo_id`` (default: a
        new random one) names it; ``owner`` (a visitor's mark, or None for the API and the
        presenter) says whose it is.

        Raises :class:`~facekit.errors.InvalidImage` / :class:`~facekit.errors.NoFaceFound` for the
        photo, :class:`DataError` for a bad name, a visitor's (``owner``'s) name that is one of the
        demo's people, or when the person already has
        ``config.max_captures_per_person`` photos, :class:`NotFound` when the person was forgotten
        while the photo was being added (the photo is not kept: nothing outlives a person's key).
        """
        name = person_name(name)
        if owner is not None and self.is_demo_person(name):
            raise DataError(f"{name} is one of this demo's people, enrolled by whoever runs it",
                            "Type another name for yours: a name belongs to one person here.")
        probe, embedding = self.verifier.embed_photo(image, "new", face)
        quality = shot_quality(probe.photo, probe.face, self.config)
        photo = EnrolledPhoto(
            photo_id or secrets.token_hex(8), name, tuple(int(v) for v in probe.face.box),
            tuple((float(x), float(y)) for x, y in probe.face.landmarks), quality.problems, time.time(),
        )
        person = self._keys.find_or_create(name, owner)
        with self._database.transaction() as run:
            (count,), = run("SELECT COUNT(*) FROM sealed_photos WHERE person = ?", (person.token,))
            if count >= self.config.max_captures_per_person:
                raise DataError(f"{name} already has {count} photos, the most we keep", "Delete a few to add new ones.")
            self._insert(run, person, photo.id, photo.added, json.dumps({"box": photo.box, "landmarks": photo.landmarks,
                                                                            "chip_style": self.verifier.config.chip_style}),
                         json.dumps(photo.problems), jpeg_bytes(probe.photo, 90), np.ascontiguousarray(probe.chip, np.uint8).tobytes())
            run("INSERT INTO sealed_embeddings (photo_id, model, vector) VALUES (?, ?, ?)",
                (photo.id, self.verifier.version, seal(person.key, embedding.astype(np.float32).tobytes(), f"{photo.id}/vector")))
            self._database.log_change(run, [photo.id], present=True)
        if self._keys.of(person.token) is None:  # forgotten meanwhile (the keys are another database): no photo
            self.discard(photo.id)                # may outlive its person's key, unlisted and undeletable
            raise NotFound(f"{name} was forgotten while this photo was being added", "Add it again to enrol them anew.")
        return photo

    def remove_photo(self, name: str, photo_id: str, owner: str | None = None) -> None:
        """Delete one of ``name``'s enrolled photos (of ``owner``'s) with its chip and embeddings.
        Raises :class:`NotFound`."""
        name = person_name(name)
        if not any(any(row[0] == photo_id for row in rows) for _, rows in self._rows_of(name, owner, "id")):
            raise NotFound(f"{name} has no enrolled photo with the id {photo_id!r}")
        self.discard(photo_id)

    def discard(self, photo_id: str) -> bool:
        """Delete one enrolled photo by its id, whoever it shows; False when there was none. The
        person's key goes with their last photo."""
        with self._database.transaction() as run:
            rows = run("SELECT person FROM sealed_photos WHERE id = ?", (photo_id,))
            if not rows:
                return False
            run("DELETE FROM sealed_embeddings WHERE photo_id = ?", (photo_id,))
            run("DELETE FROM sealed_photos WHERE id = ?", (photo_id,))
            (left,), = run("SELECT COUNT(*) FROM sealed_photos WHERE person = ?", (rows[0][0],))
            self._database.log_change(run, [photo_id], present=False)
        if not left:
            self._keys.shred([rows[0][0]])
        self._database.forget_deleted()
        return True

    def forget(self, name: str, owner: str | None = None) -> int:
        """Delete everything stored of a person (among ``owner``'s photos): photos, chips,
        embeddings of every model, and their key (what any copy of the database still holds of
        them can no longer be read); return how many photos were deleted. Raises
        :class:`NotFound` when nobody has that name."""
        name = person_name(name)
        people = self._keys.find(name, owner)
        tokens = tuple(person.token for person in people)
        marks = ", ".join("?" * len(tokens))
        with self._database.transaction() as run:
            photo_ids = [row[0] for row in run(f"SELECT id FROM sealed_photos WHERE person IN ({marks})", tokens)] if tokens else []
            if not photo_ids:
                raise NotFound(f"Nobody called {name!r} is enrolled")
            run(f"DELETE FROM sealed_embeddings WHERE photo_id IN (SELECT id FROM sealed_photos WHERE person IN ({marks}))",
                tokens)
            run(f"DELETE FROM sealed_photos WHERE person IN ({marks})", tokens)
            self._database.log_change(run, photo_ids, present=False)
        self._keys.shred(list(tokens))
        with self._database.transaction() as run:  # a photo an enrolment added meanwhile, under the old key
            late = [row[0] for row in run(f"SELECT id FROM sealed_photos WHERE person IN ({marks})", tokens)]
            if late:
                run(f"DELETE FROM sealed_embeddings WHERE photo_id IN ({', '.join('?' * len(late))})", tuple(late))
                run(f"DELETE FROM sealed_photos WHERE person IN ({marks})", tokens)
                self._database.log_change(run, late, present=False)
        self._database.forget_deleted()
        return len(photo_ids) + len(late)

    # --- answers ---------------------------------------------------------------------------------

    def embeddings_of(self, name: str, owner: str | None = None) -> np.ndarray:
        """The embeddings ``(k, d)`` of ``name``'s enrolled photos (among ``owner``'s) by this model:
        whatever model enrolled them, never another's numbers. Raises :class:`NotFound`."""
        name = person_name(name)
        with self._lock:
            _, enrolled = self._followed().vectors_of(name, owner)
        if not len(enrolled):
            raise NotFound(f"Nobody called {name!r} is enrolled")
        return enrolled

    def verify(self, name: str, image: ImageSource, match_threshold: float | None = None,
               share_needed: float | None = None, owner: str | None = None) -> AnchorVerdict:
        """A probe photo against a person's enrolled photos (among ``owner``'s), by the
        enrolled-photos rule of :func:`~facekit.model.verifier.anchor_rule` (same defaults as
        ``verify_against_anchors``). Raises :class:`NotFound` when nobody has that name."""
        name = person_name(name)
        probe, embedding = self.verifier.embed_photo(image, "probe")
        with self._lock:
            photo_ids, enrolled = self._followed().vectors_of(name, owner)
        if not len(enrolled):
            raise NotFound(f"Nobody called {name!r} is enrolled")
        probabilities = self.verifier.probabilities_against(embedding, enrolled)
        return replace(self.verifier.anchor_verdict(probe, probabilities, match_threshold, share_needed),
                       anchor_ids=tuple(photo_ids))

    def identify(self, image: ImageSource, top_k: int | None = None, threshold: float | None = None,
                 owner: str | None = None) -> Identification:
        """Who, among the enrolled, is in this photo? See :meth:`identify_embedding`."""
        probe, embedding = self.verifier.embed_photo(image, "probe")
        person, matches, threshold = self.identify_embedding(embedding, top_k, threshold, owner)
        return Identification(person, matches, threshold, probe)

    def identify_faces(self, image: ImageSource, top_k: int | None = None, threshold: float | None = None,
                       owner: str | None = None) -> PhotoIdentities:
        """Who is each face of a photo (a group photo)? Every face (numbered left to right, see
        :func:`~facekit.faces.align.photo_faces`) goes through the tower in one batch, then is
        searched like :meth:`identify_embedding`."""
        faces = self.verifier.faces_of(image, "probe")
        line = self.verifier.thresholds.identify_from if threshold is None else threshold
        unsure_from = min(self.verifier.thresholds.different_below, line)
        answers = []
        for number, (face, chip, embedding) in enumerate(zip(faces.faces, faces.chips, self.verifier.embeddings(faces.chips)), 1):
            person, matches, _ = self.identify_embedding(embedding, top_k, line, owner)
            best = matches[0].probability if matches else 0.0
            verdict = "known" if person else "not sure" if best >= unsure_from else "unknown"
            answers.append(FaceIdentity(number, face, verdict, person, best, matches,
                                        face_problems(faces.photo, face, self.config), chip))
        return PhotoIdentities(faces.photo, tuple(answers), answers[faces.main - 1], line)

    def identify_embedding(self, embedding: np.ndarray, top_k: int | None = None, threshold: float | None = None,
                           owner: str | None = None) -> tuple[str | None, tuple[Match, ...], float]:
        """Search one ``(d,)`` embedding among the enrolled photos (``owner``'s), in memory: the
        nearest photos by cosine (:mod:`facekit.gallery.search`: all of them up to 20,000), then
        the model's own P(same) on those.

        Each person scores their best photo's P(same); the ``top_k`` people (default
        ``config.identify_top_k``) come back best first, and the best is the answer when it
        reaches ``threshold`` (default: the model's identify line, chosen so that at most 1% of
        strangers are named among 100 people).
        """
        top_k = self.config.identify_top_k if top_k is None else top_k
        threshold = self.verifier.thresholds.identify_from if threshold is None else threshold
        with self._lock:
            photo_ids, people, vectors = self._followed().nearest(embedding, max(_SHORTLIST, 8 * top_k), owner)
        probabilities = self.verifier.probabilities_against(embedding, vectors) if len(vectors) else np.zeros(0)
        matches: dict[str, Match] = {}
        for probability, index in sorted(zip(-probabilities, range(len(vectors)))):  # best first
            if len(matches) >= top_k:
                break
            if people[index] not in matches:
                matches[people[index]] = Match(people[index], float(-probability), photo_ids[index],
                                               bool(vectors[index] @ embedding >= _SAME_PHOTO[self.verifier.config.model]))
        ranked = tuple(matches.values())
        person = ranked[0].name if ranked and ranked[0].probability >= threshold else None
        return person, ranked, threshold

    def _followed(self) -> Mirror:
        """This process's copy of the gallery, caught up with every change made anywhere (call
        with the lock held; :mod:`facekit.gallery.mirror`)."""
        self._mirror.follow(self._database, self._keys, self.verifier)
        return self._mirror

    def _rows_of(self, name: str, owner: str | None, columns: str) -> list[tuple[PersonKey, list[tuple]]]:
        """``columns`` of the photos of ``name`` among ``owner``'s, by person (one per owner for
        :data:`EVERYONE`); face and problems come back opened."""
        found = []
        for person in self._keys.find(name, owner):
            rows = self._database.read(f"SELECT {columns} FROM sealed_photos WHERE person = ?", (person.token,))
            if "face" in columns:
                rows = [(photo_id, added, unseal(person.key, face, f"{photo_id}/face"), problems)
                        for photo_id, added, face, problems in rows]
            found.append((person, rows))
        return found

    @staticmethod
    def _insert(run, person: PersonKey, photo_id: str, added: float, face: str, problems: str, photo: bytes,
                chip: bytes) -> None:
        """One photo row, its face, photo and chip sealed with the person's key."""
        run("INSERT INTO sealed_photos (id, person, added, face, problems, photo, chip, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (photo_id, person.token, added, seal(person.key, face.encode(), f"{photo_id}/face"), problems,
             seal(person.key, photo, f"{photo_id}/photo"), seal(person.key, chip, f"{photo_id}/chip"), person.owner))

    def _seal_first_gallery(self) -> None:
        """A gallery from before sealing (tables ``photos`` and ``embeddings``, names and faces in
        the clear): seal every row into the new tables, then drop the old ones, in one transaction."""
        with self._database.transaction() as run:
            for photo_id, name, added, face, problems, photo, chip, owner in run(
                    "SELECT id, person, added, face, problems, photo, chip, owner FROM photos"):
                person = self._keys.find_or_create(name, owner)
                self._insert(run, person, photo_id, added, face, problems, bytes(photo), bytes(chip))
                for model, vector in run("SELECT model, vector FROM embeddings WHERE photo_id = ?", (photo_id,)):
                    run("INSERT INTO sealed_embeddings (photo_id, model, vector) VALUES (?, ?, ?)",
                        (photo_id, model, seal(person.key, bytes(vector), f"{photo_id}/vector")))
            run("DROP TABLE embeddings")
            run("DROP TABLE photos")
            self._database.log_change(run, [row[0] for row in run("SELECT id FROM sealed_photos")], present=True)
        self._database.forget_deleted()


def _enrolled_photo(person: PersonKey, photo_id: str, added: float, face: bytes, problems: str) -> EnrolledPhoto:
    face = json.loads(face)
    return EnrolledPhoto(photo_id, person.name, tuple(face["box"]), tuple(tuple(p) for p in face["landmarks"]),
                         tuple(json.loads(problems)), float(added))
