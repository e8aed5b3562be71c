"""Real servers for the tests, on loopback only: any command that answers a health URL
(`streamlit run`, `facekit serve`), and a PostgreSQL server of the tests' own."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Debian keeps PostgreSQL's server programs off the PATH, one folder per version: take the newest.
_INSTALLED = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
POSTGRES_BIN = Path(os.environ.get("FACEKIT_POSTGRES_BIN") or (_INSTALLED[-1] if _INSTALLED else "/usr/lib/postgresql/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def process_answering(command: list[str], health_url: str, log_path: Path, env: dict | None = None,
                      timeout_s: float = 90, cwd: Path = ROOT):
    """Start ``command`` in ``cwd`` (in its own process group) and yield it once ``health_url``
    answers 200; stop the whole group at the end. The command's output goes to ``log_path``."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout_s
            while not _answers(health_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{command[1:3]} did not answer {health_url} (log: {log_path}):\n{log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield process
        finally:
            _stop(process)


def _answers(url: str) -> bool:
    # A self-signed certificate (`facekit app --https`) is what is being tested, not who signed it.
    unverified = ssl._create_unverified_context() if url.startswith("https:") else None
    try:
        return urllib.request.urlopen(url, timeout=1, context=unverified).status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def post_multipart(url: str, fields: dict[str, Path]) -> dict:
    """A multipart POST with only the standard library, as any client program would send it."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode() + path.read_bytes() + b"\r\n"
        for name, path in fields.items()
    ) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def get_json(url: str, method: str = "GET") -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def postgres():
    """A fresh PostgreSQL server in a new temporary folder on a free loopback port; yields its URL.

    Run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root), in a folder
    of its own under the system's temporary folder (pytest's are closed to other users). Skips
    with the reason when PostgreSQL is not installed or cannot start here.
    """
    initdb, pg_ctl = POSTGRES_BIN / "initdb", POSTGRES_BIN / "pg_ctl"
    if not initdb.exists():
        pytest.skip(f"PostgreSQL is not installed ({initdb} missing; apt-get install postgresql)")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: PostgreSQL will not start as root")
    folder = Path(tempfile.mkdtemp(prefix="facekit-postgres-"))
    if as_postgres:
        shutil.chown(folder, "postgres")
    port, database = free_port(), folder / "db"
    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    steps = [
        [*as_postgres, str(initdb), "-D", str(database), "-A", "trust", "-U", "postgres"],
        [*as_postgres, str(pg_ctl), "-D", str(database), "-o", options, "-l", str(folder / "log"), "-w", "start"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=60)
        if done.returncode:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip(f"PostgreSQL did not start: {(done.stderr or done.stdout).strip()[-300:]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, str(pg_ctl), "-D", str(database), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def start_trickle(base: str, key: str | None = None) -> socket.socket:
    """A POST /v1/verify to the server at ``base`` whose headers and the start of a photo's form part
    are sent, promising 100,000 bytes: the caller sends the rest (a byte at a time, to play a slow client)."""
    host, port = base.removeprefix("http://").split(":")
    key_line = f"X-API-Key: {key}\r\n" if key else ""
    connection = socket.create_connection((host, int(port)))
    connection.sendall(f"POST /v1/verify HTTP/1.1\r\nHost: {host}\r\n{key_line}"
                       "Content-Length: 100000\r\nContent-Type: multipart/form-data; boundary=x\r\n\r\n--x\r\n"
                       'Content-Disposition: form-data; name="image1"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode())
    return connection
