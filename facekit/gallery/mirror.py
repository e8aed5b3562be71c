"""Each process's copy of the gallery for searching: who each enrolled photo shows, whose it is,
and its embedding by the current model, in one :class:`~facekit.gallery.search.LiveIndex` per
owner.

It is loaded once, then kept current from the gallery's change log (``gallery_log``: a row per
photo enrolled or deleted, written in the same transaction, see
:meth:`~facekit.gallery.store.Database.log_change`) before every search: an enrolment or a
deletion in any process is seen by the next search in every other, and only the photos that
changed are read. Another model's embeddings are never mixed in: a new model version loads anew.
"""

from __future__ import annotations

import json
import time

import numpy as np

from facekit.faces.align import align_face
from facekit.faces.images import load_image

from facekit.gallery.keys import PersonKey, PersonKeys, seal, unseal
from facekit.gallery.search import LiveIndex
from facekit.gallery.store import EVERYONE, Database
from facekit.model.verifier import Verifier

_READ_AT_ONCE = 500  # photos read per query when catching up


class Mirror:
    """The photos enrolled when it last caught up (:meth:`follow`). Not thread-safe: the gallery
    holds a lock around catching up and searching."""

    def __init__(self) -> None:
        self.version: str | None = None  # the model whose embeddings it holds
        self.seq = 0  # the last change applied
        self.lag_seconds = 0.0  # from the last change it applied being written to it being searchable
        self._row_of: dict[str, int] = {}
        self._photo: list[str] = []
        self._person: list[str] = []
        self._owner: list[str | None] = []
        self._indexes: dict[str | None, LiveIndex] = {}
        self._rows_of_person: dict[tuple[str | None, str], set[int]] = {}

    def __len__(self) -> int:
        return len(self._row_of)

    def follow(self, database: Database, keys: PersonKeys, verifier: Verifier) -> None:
        """Catch up with the gallery: everything on the first call (or for a new model), the
        photos the change log names since the last call after that."""
        if self.version != verifier.version:  # the first call, or another model: start from nothing
            self.__init__()
            (self.seq,), = database.read("SELECT COALESCE(MAX(seq), 0) FROM gallery_log")
            self._add(_stored(database, keys, verifier, None), verifier.embedding_width)
            self.version = verifier.version
            return
        changes = database.read("SELECT seq, photo_id, present, at FROM gallery_log WHERE seq > ? ORDER BY seq", (self.seq,))
        if not changes:
            return
        final = {photo_id: bool(present) for _, photo_id, present, _ in changes}  # the last word on each photo
        for photo_id in [p for p, present in final.items() if not present]:
            self._remove(photo_id)
        arrived = [p for p, present in final.items() if present and p not in self._row_of]
        for start in range(0, len(arrived), _READ_AT_ONCE):
            self._add(_stored(database, keys, verifier, arrived[start : start + _READ_AT_ONCE]), verifier.embedding_width)
        self.seq = changes[-1][0]
        self.lag_seconds = max(0.0, time.time() - changes[-1][3])

    def nearest(self, query: np.ndarray, k: int, owner: str | None) -> tuple[list[str], list[str], np.ndarray]:
        """``(photo ids, people, vectors (n, d))`` of (about) the ``k`` photos of ``owner``'s
        (:data:`EVERYONE`: all) nearest ``query`` ``(d,)`` by cosine, best first."""
        owners = [o for o in _owners(owner, self._indexes) if o in self._indexes]
        found = sorted(((cosine, int(row), o) for o in owners for row, cosine in zip(*self._indexes[o].nearest(query, k))),
                       key=lambda item: -item[0])[:k]
        vectors = np.zeros((len(found), len(query)), np.float32)
        for o in {o for _, _, o in found}:  # one read per owner's index
            places = [i for i, (_, _, of) in enumerate(found) if of == o]
            vectors[places] = self._indexes[o].vectors(np.array([found[i][1] for i in places], np.int64))
        return [self._photo[r] for _, r, _ in found], [self._person[r] for _, r, _ in found], vectors

    def vectors_of(self, name: str, owner: str | None) -> tuple[list[str], np.ndarray]:
        """Every enrolled photo of ``name`` among ``owner``'s: their ids and vectors ``(n, d)``."""
        owners = _owners(owner, self._indexes)
        rows = [(o, sorted(self._rows_of_person.get((o, name), ()))) for o in owners if o in self._indexes]
        parts = [self._indexes[o].vectors(np.array(of, np.int64)) for o, of in rows]
        return ([self._photo[row] for _, of in rows for row in of],
                np.concatenate(parts) if parts else np.zeros((0, 0), np.float32))

    def _add(self, photos: list[tuple[str, str, str | None, np.ndarray]], width: int) -> None:
        by_owner: dict[str | None, list[tuple[int, np.ndarray]]] = {}
        for photo_id, person, owner, vector in photos:
            if photo_id in self._row_of:
                continue
            row = self._row_of[photo_id] = len(self._photo)
            self._photo.append(photo_id)
            self._person.append(person)
            self._owner.append(owner)
            self._rows_of_person.setdefault((owner, person), set()).add(row)
            by_owner.setdefault(owner, []).append((row, vector))
        for owner, rows in by_owner.items():
            index = self._indexes.setdefault(owner, LiveIndex(width))
            index.add(np.array([row for row, _ in rows], np.int64), np.stack([vector for _, vector in rows]))

    def _remove(self, photo_id: str) -> None:
        row = self._row_of.pop(photo_id, None)
        if row is not None:
            owner = self._owner[row]
            self._indexes[owner].remove(np.array([row], np.int64))
            self._rows_of_person[owner, self._person[row]].discard(row)


def _stored(database: Database, keys: PersonKeys, verifier: Verifier,
            photo_ids: list[str] | None) -> list[tuple[str, str, str | None, np.ndarray]]:
    """``(photo id, name, owner, embedding)`` of the stored photos (all, or ``photo_ids``) whose
    person still has a key, by ``verifier``'s model; photos without one yet are embedded from
    their stored chips (and the embeddings stored for next time)."""
    which = "" if photo_ids is None else f" WHERE p.id IN ({', '.join('?' * len(photo_ids))})"
    rows = database.read(
        "SELECT p.id, p.person, p.owner, e.vector FROM sealed_photos p LEFT JOIN sealed_embeddings e "
        f"ON e.photo_id = p.id AND e.model = ?{which} ORDER BY p.added, p.id", (verifier.version, *(photo_ids or ())),
    )
    if photo_ids is None:
        people = keys.everyone()
    else:  # a few photos: their people's keys alone
        people = {token: key for token in {row[1] for row in rows} if (key := keys.of(token)) is not None}
    people = {token: people[token] for _, token, _, _ in rows if token in people}  # a person forgotten meanwhile has none
    vectors = {photo_id: np.frombuffer(unseal(people[token].key, v, f"{photo_id}/vector"), np.float32)
               for photo_id, token, _, v in rows if v is not None and token in people}
    missing = [photo_id for photo_id, token, _, v in rows if v is None and token in people]
    for start in range(0, len(missing), _READ_AT_ONCE):
        vectors.update(_embed_stored(database, people, verifier, missing[start : start + _READ_AT_ONCE]))
    return [(photo_id, people[token].name, owner, vectors[photo_id]) for photo_id, token, owner, _ in rows
            if photo_id in vectors]


def _owners(owner: str | None | tuple, indexes: dict) -> list[str | None]:
    """The owners ``owner`` stands for: :data:`EVERYONE` (every owner with photos), a tuple of them, or one."""
    return list(indexes) if owner == EVERYONE else list(owner) if isinstance(owner, tuple) else [owner]


def embed_missing(database: Database, keys: PersonKeys, verifier: Verifier, on_progress=None) -> int:
    """Embed, by ``verifier``'s model, every stored photo that has no embedding of it yet, and store
    them, :data:`_READ_AT_ONCE` photos a transaction (a search in any process meanwhile sees each
    photo's embedding whole or not at all, never another model's). ``on_progress(done, total)`` after
    each batch. Returns how many were embedded."""
    rows = database.read("SELECT p.id FROM sealed_photos p LEFT JOIN sealed_embeddings e ON e.photo_id = p.id "
                         "AND e.model = ? WHERE e.photo_id IS NULL ORDER BY p.added, p.id", (verifier.version,))
    missing, people, done = [photo_id for photo_id, in rows], keys.everyone(), 0
    for start in range(0, len(missing), _READ_AT_ONCE):
        done += len(_embed_stored(database, people, verifier, missing[start : start + _READ_AT_ONCE]))
        if on_progress:
            on_progress(min(start + _READ_AT_ONCE, len(missing)), len(missing))
    return done


def _embed_stored(database: Database, people: dict[str, PersonKey], verifier: Verifier,
                  photo_ids: list[str]) -> dict[str, np.ndarray]:
    """Embeddings by this model of stored chips that have none yet; stored for next time."""
    marks = ", ".join("?" * len(photo_ids))
    rows = database.read(f"SELECT id, person, chip, photo, face FROM sealed_photos WHERE id IN ({marks})", tuple(photo_ids))
    rows = [(photo_id, people[token].key, *(unseal(people[token].key, value, f"{photo_id}/{column}")
                                            for value, column in zip(sealed, ("chip", "photo", "face"))))
            for photo_id, token, *sealed in rows if token in people]
    if not rows:
        return {}
    embeddings = verifier.embeddings(np.stack([_chip_for(verifier, *row[2:]) for row in rows]))
    with database.transaction() as run:
        for (photo_id, key, *_), embedding in zip(rows, embeddings):
            run("INSERT INTO sealed_embeddings (photo_id, model, vector) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (photo_id, verifier.version, seal(key, embedding.tobytes(), f"{photo_id}/vector")))
    return {row[0]: embedding for row, embedding in zip(rows, embeddings)}


def _chip_for(verifier: Verifier, chip: bytes, photo: bytes, face: bytes) -> np.ndarray:
    """The stored chip when it is in this model's framing, else one cut again from the stored photo
    and landmarks (a photo enrolled under another model). SFace's chips and the scratch model's are
    both 112 px in other framings, so the face's record says which framing its chip has (rows from
    before it was said: dlib's at 150 px, else the scratch model's)."""
    side, found = verifier.config.chip_size, json.loads(face)
    style = found.get("chip_style", "dlib" if len(chip) == 150 * 150 * 3 else "arcface")
    if len(chip) == side * side * 3 and style == verifier.config.chip_style:
        return np.frombuffer(bytes(chip), np.uint8).reshape(side, side, 3)
    return align_face(load_image(bytes(photo)), np.array(found["landmarks"], np.float32), verifier.config)
