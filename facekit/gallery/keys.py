"""Per-person keys: what makes forgetting a person final, in SQLite and in PostgreSQL alike.

Each enrolled person (a name, for one owner) gets a random token and a 256-bit key, kept in a
small SQLite file beside the gallery (``config.gallery_keys_path``) that overwrites what it deletes
(``secure_delete``; its rollback journal lives in memory, so no old page is left in a journal
file). The gallery's database holds the token only, never the name, and the photo, chip, face and
embeddings sealed with the person's key (AES-GCM). Forgetting a person deletes their key: the
copies a database keeps after a DELETE (PostgreSQL's table files and write-ahead log, backups) can
no longer be read, and the name was never in them.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from facekit.errors import Unavailable
from facekit.gallery.store import EVERYONE

_NONCE_BYTES = 12
_SCHEMA = "CREATE TABLE IF NOT EXISTS people (token TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT, key BLOB NOT NULL)"


@dataclass(frozen=True)
class PersonKey:
    """One enrolled person: their ``token`` (what the gallery's database stores instead of the
    name), ``name``, ``owner`` (None, or a visitor's mark) and 32-byte AES ``key``."""

    token: str
    name: str
    owner: str | None
    key: bytes


def seal(key: bytes, data: bytes, label: str) -> bytes:
    """``data`` encrypted and authenticated with ``key``; ``label`` (e.g. ``"<photo id>/chip"``)
    binds it to its place, so a sealed value moved to another row or column does not open."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, bytes(data), label.encode())


def unseal(key: bytes, sealed: bytes, label: str) -> bytes:
    """The data :func:`seal` sealed under the same ``key`` and ``label``."""
    sealed = bytes(sealed)
    return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], label.encode())


class PersonKeys:
    """The key file; safe to share between threads, and between processes on one machine."""

    def __init__(self, path: Path):
        self._path = Path(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        with self._transaction() as run:
            run(_SCHEMA)

    def find(self, name: str, owner: str | None | tuple) -> list[PersonKey]:
        """The keys of ``name`` among ``owner``'s people (:data:`EVERYONE`: every owner's; a tuple:
        those owners')."""
        if isinstance(owner, tuple):
            return [key for one in owner for key in self.find(name, one)]
        if owner == EVERYONE:
            rows = self._read("SELECT token, name, owner, key FROM people WHERE name = ?", (name,))
        else:
            rows = self._read("SELECT token, name, owner, key FROM people WHERE name = ? AND owner IS ?", (name, owner))
        return [PersonKey(*row) for row in rows]

    def find_or_create(self, name: str, owner: str | None) -> PersonKey:
        with self._transaction() as run:
            rows = run("SELECT token, name, owner, key FROM people WHERE name = ? AND owner IS ?", (name, owner))
            if rows:
                return PersonKey(*rows[0])
            person = PersonKey(secrets.token_hex(16), name, owner, AESGCM.generate_key(bit_length=256))
            run("INSERT INTO people (token, name, owner, key) VALUES (?, ?, ?, ?)", (person.token, name, owner, person.key))
            return person

    def of(self, token: str) -> PersonKey | None:
        """The key of the person with this token, or None when they were forgotten."""
        rows = self._read("SELECT token, name, owner, key FROM people WHERE token = ?", (token,))
        return PersonKey(*rows[0]) if rows else None

    def everyone(self) -> dict[str, PersonKey]:
        """Every person's key by token."""
        return {row[0]: PersonKey(*row) for row in self._read("SELECT token, name, owner, key FROM people")}

    def shred(self, tokens: list[str]) -> None:
        """Delete these people's keys, overwriting them in the file: what was sealed with them is
        unreadable from now on."""
        with self._transaction() as run:
            for token in tokens:
                run("DELETE FROM people WHERE token = ?", (token,))

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._transaction() as run:
            return run(sql, params)

    @contextlib.contextmanager
    def _transaction(self):
        with self._lock:
            try:
                if self._connection is None:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                    self._connection = sqlite3.connect(self._path, timeout=30, isolation_level=None,
                                                       check_same_thread=False)
                    self._connection.execute("PRAGMA secure_delete = ON")
                    self._connection.execute("PRAGMA journal_mode = MEMORY")
                self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise Unavailable("The gallery's key file cannot be opened", "Try again in a moment.") from error
            try:
                yield lambda sql, params=(): self._connection.execute(sql, params).fetchall()
                self._connection.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.execute("ROLLBACK")
                raise
