"""The gallery's database: SQLite (a file in ``data/``, the default) or PostgreSQL, behind one
small transaction interface; SQL is written once with ``?`` placeholders."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

from facekit.config import Config
from facekit.errors import DataError, Unavailable

# Whose photos a call sees. ``owner=None`` (the default): the photos nobody owns, enrolled through
# the API or by the presenter; a visitor's mark (``Viewer.mark``): that visitor's; EVERYONE: all
# of them (the presenter's view in the app).
EVERYONE = "*"
# ``person`` is a person's token (see keys.py), never their name; face, photo, chip and vector are
# sealed with the person's key. (The first gallery's tables, ``photos`` and ``embeddings``, held
# them in the clear; a gallery that has them is sealed into these on opening.)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sealed_photos (id TEXT PRIMARY KEY, person TEXT NOT NULL, added DOUBLE PRECISION "
    "NOT NULL, face {blob} NOT NULL, problems TEXT NOT NULL, photo {blob} NOT NULL, chip {blob} NOT NULL, owner TEXT)",
    "CREATE INDEX IF NOT EXISTS sealed_photos_by_person ON sealed_photos (person)",
    "CREATE TABLE IF NOT EXISTS sealed_embeddings (photo_id TEXT NOT NULL, model TEXT NOT NULL, vector {blob} NOT NULL, "
    "PRIMARY KEY (photo_id, model))",
    # A row per photo enrolled (present = 1) or deleted (0), in the writing transaction: how every
    # process's search index catches up (mirror.py). Photo ids only: it says nothing of anyone.
    "CREATE TABLE IF NOT EXISTS gallery_log (seq {serial}, photo_id TEXT NOT NULL, present INTEGER NOT NULL, "
    "at DOUBLE PRECISION NOT NULL)",
)


def owned_by(owner: str | None | tuple) -> tuple[str, tuple]:
    """The SQL condition (and its parameters) for ``owner``'s photos (a tuple: any of those owners')."""
    if owner == EVERYONE:
        return "TRUE", ()
    if isinstance(owner, tuple):
        parts = [owned_by(one) for one in owner] or [("FALSE", ())]
        return "(" + " OR ".join(sql for sql, _ in parts) + ")", tuple(value for _, values in parts for value in values)
    return ("owner IS NULL", ()) if owner is None else ("owner = ?", (owner,))


class Database:
    """One connection to the gallery's database and one transaction at a time over it.

    SQL is written once with ``?`` placeholders; PostgreSQL's driver gets ``%s``. The schema is
    created on first connection.
    """

    def __init__(self, config: Config):
        url = config.gallery_url
        self._lock = threading.Lock()
        if url.startswith(("postgresql://", "postgres://")):
            self._url, self._postgres = url, True
        elif not url or url.startswith("sqlite:///"):
            self._url, self._postgres = url.removeprefix("sqlite:///") or str(config.gallery_path), False
        else:
            raise DataError(f"FACEKIT_GALLERY_URL must start with postgresql:// or sqlite:///, not {url.split(':')[0]!r}")
        self._connection = None
        with self.transaction() as run:
            if self._postgres:  # two processes starting at once must not both create the tables
                run("SELECT pg_advisory_xact_lock(7460227)")
            for statement in _SCHEMA:
                run(statement.format(blob="BYTEA" if self._postgres else "BLOB",
                                     serial="BIGSERIAL PRIMARY KEY" if self._postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"))

    def _connect(self):
        if self._postgres:
            import psycopg  # only where PostgreSQL is used

            return psycopg.connect(self._url, autocommit=True, connect_timeout=10)
        Path(self._url).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self._url, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode = WAL")  # readers and one writer at once, across processes
        connection.execute("PRAGMA secure_delete = ON")  # a deleted face is overwritten, not left in free pages
        return connection

    def _errors(self) -> tuple[type[Exception], ...]:
        if self._postgres:
            import psycopg

            return (psycopg.Error,)
        return (sqlite3.Error,)

    @contextlib.contextmanager
    def transaction(self, write: bool = True):
        """Yield ``run(sql, params) -> rows``; commit at the end, roll back on any error. A lost
        database connection is opened again on the next transaction."""
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                cursor = self._connection.cursor()
                cursor.execute("BEGIN" if self._postgres or not write else "BEGIN IMMEDIATE")
            except self._errors() as error:
                self._drop_connection()
                raise Unavailable("The gallery database cannot be reached", "Try again in a moment.") from error

            def run(sql: str, params: tuple = ()) -> list[tuple]:
                cursor.execute(sql.replace("?", "%s") if self._postgres else sql, params)
                return cursor.fetchall() if cursor.description else []

            try:
                yield run
                cursor.execute("COMMIT")
            except BaseException as error:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
                if isinstance(error, self._errors()):
                    self._drop_connection()
                    raise Unavailable("The gallery database failed", "Try again in a moment.") from error
                raise

    def log_change(self, run, photo_ids: list[str], present: bool) -> None:
        """Write to the change log, inside the transaction ``run`` belongs to, that these photos
        were enrolled (``present``) or deleted. Writers take turns (SQLite's BEGIN IMMEDIATE, a
        PostgreSQL lock here), so the log's numbers are committed in order and a reader that has
        seen number n has seen every change before it."""
        if self._postgres:
            run("SELECT pg_advisory_xact_lock(7460228)")
        now = time.time()
        for photo_id in photo_ids:
            run("INSERT INTO gallery_log (photo_id, present, at) VALUES (?, ?, ?)", (photo_id, int(present), now))

    def has_table(self, name: str) -> bool:
        sql = ("SELECT to_regclass(CAST(? AS text)) IS NOT NULL" if self._postgres
               else "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?")
        return bool(self.read(sql, (name,))[0][0])

    def read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.transaction(write=False) as run:
            return run(sql, params)

    def forget_deleted(self) -> None:
        """SQLite keeps old pages in its write-ahead log until a checkpoint: fold them in now, so
        a deleted face is gone from disk too."""
        if not self._postgres:
            with self._lock, contextlib.suppress(sqlite3.Error):
                self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()
        self._connection = None

    def close(self) -> None:
        with self._lock:
            self._drop_connection()
