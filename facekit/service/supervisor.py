"""Several API workers under one `facekit serve`: started, watched and cleaned up after.

uvicorn's own supervisor restarts a worker that dies or stops answering its health check; this one
also says so at warning, with why (its exit code or signal, or the health check it missed). Each
worker watches its parent and stops when the parent is gone (a ``kill -9`` of `facekit serve`
would otherwise leave workers serving unsupervised on the port). The workers' metrics folder is
named by the parent's pid, so a later start removes the folders of parents that no longer run.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

_PARENT = "FACEKIT_SUPERVISOR_PID"  # set for the workers: the pid they watch
_METRICS_PREFIX = "facekit-metrics-"
_log = logging.getLogger("uvicorn.error")  # uvicorn's log: shown at warning, beside its own lines


def serve(host: str, port: int, workers: int) -> None:
    """Serve the API (:func:`facekit.service.app.create_app`) on ``host``:``port``: in this process
    for one worker, else ``workers`` processes under :class:`_Supervisor`. Logs at warning."""
    config = uvicorn.Config("facekit.service.app:create_app", factory=True, host=host, port=port, workers=workers,
                            log_level="warning")
    if config.workers <= 1:
        uvicorn.Server(config).run()
        return
    os.environ[_PARENT] = str(os.getpid())
    try:
        _Supervisor(config, sockets=[config.bind_socket()]).run()
    finally:
        os.environ.pop(_PARENT)


def stop_with_parent() -> None:
    """In a worker: stop it (as SIGTERM does, cleanly) once the `facekit serve` that started it is
    gone; nothing for a server of one process."""
    parent = os.environ.get(_PARENT)
    if parent is None:
        return

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        _log.warning("facekit worker %d: its parent %s is gone; stopping.", os.getpid(), parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="facekit-parent-watch", daemon=True).start()


def metrics_folder() -> str:
    """A new folder for the workers' metrics, named by this process; the folders of `facekit serve`
    processes that are gone (killed before they could remove theirs) are removed first."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_METRICS_PREFIX}*"):
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{_METRICS_PREFIX}{os.getpid()}-")


def _abandoned(folder: Path) -> bool:
    """Whether every process a metrics folder names is gone: the server in its name, and each worker
    with a file in it (``counter_<pid>.db``; the folders of versions before this have those only)."""
    named = folder.name.removeprefix(_METRICS_PREFIX).split("-")[0]
    pids = {int(found.group(1)) for file in folder.glob("*.db") if (found := re.search(r"_(\d+)\.db$", file.name))}
    pids |= {int(named)} if named.isdigit() else set()
    return bool(pids) and not any(map(is_running, pids))


def is_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:  # no /proc (macOS): it answered the signal
        return True


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, saying at warning which worker stopped, why, and which took its place."""

    def keep_subprocess_alive(self) -> None:
        before = list(self.processes)
        exited = {p.pid: p.process.exitcode for p in before if not p.process.is_alive()}
        super().keep_subprocess_alive()
        for old, new in zip(before, self.processes):
            if new is not old:
                why = (_exit_words(exited[old.pid]) if old.pid in exited else
                       f"it did not answer its health check within {self.config.timeout_worker_healthcheck:g} s and was killed")
                _log.warning("facekit worker %d stopped: %s; worker %d started in its place.", old.pid, why, new.pid)


def _exit_words(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"it exited with code {code}"
