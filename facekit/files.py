"""Files that are never half-written, content hashes, and stderr held shut while native code talks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from pathlib import Path
from typing import Callable


def write_atomic(path: Path, write: Callable[[Path], object], replace: bool = True) -> Path:
    """Create ``path`` through ``write(temporary_path)``, then move it into place in one step.

    Readers see the old file or the whole new one, never a part. The temporary file sits beside
    ``path`` under a name no other thread or process uses, and is removed if ``write`` fails.
    With ``replace=False`` an existing ``path`` is never overwritten: :class:`FileExistsError`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if path exists
    finally:
        tmp.unlink(missing_ok=True)
    return path


def file_digest(path: Path, algorithm: str = "sha1") -> str:
    """The hex digest of a file's bytes (read in blocks): ``"sha1"`` keys the chip cache,
    ``"sha256"`` checks downloads."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def remove_stale_temp_files(folder: Path, older_than_s: float = 600.0) -> int:
    """Delete the hidden temporary files of :func:`write_atomic` (and of older versions) that a
    killed process left under ``folder``; files younger than ``older_than_s`` may still be
    being written and are kept. Returns how many were removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for path in folder.rglob(".*"):
        if path.is_file() and (path.suffix == ".tmp" or path.name.startswith(".tmp-")):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # its writer finished meanwhile
                continue
    return removed


@contextlib.contextmanager
def stderr_silenced():
    """Hold the process's stderr (file descriptor 2) shut for a moment: native libraries print
    start-up lines there that a person does not need (TensorFlow's CPU notes, TFLite's "Created
    XNNPACK delegate"). Python exceptions still reach the caller once it is back."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
