"""The attacks of issue 40 on a real `facekit serve --workers 2` (keys set, loopback), each on a
fresh server: the answer's status, the time it took and each process's peak memory (VmHWM: the
workers, and uvicorn's supervisor).

    python bench/hostile.py [--against OTHER_CHECKOUT] [--only zeros faces slow race video parent]

1. zeros: one /v1/group request of 2.5 MB: a zip of 100 files of 26 MB of zeros each.
2. faces: one /v1/group request of 100 copies of a sheet of 80 faces of one person (8,000 faces).
3. slow: 12 connections trickling a byte a second into /v1/verify, while 15 verifies are sent one
   a second (on one worker: its 8 slots; with two, the kernel's share of connections decides).
4. race: 40 enrolments of one person, 8 at a time, while the person is deleted again and again:
   photos counted by the gallery (/metrics) against photos listed.
5. video: `facekit liveness` of a 1080p video of 700 frames (the command's peak memory).
6. parent: `kill -9` of `facekit serve`: do its workers still answer 5 s later? (Its metrics
   folder is left behind either way; this version removes it at the next start.)

``--against`` runs the same attacks on another checkout (e.g. the version before issue 40:
`git worktree add /tmp/before 62ae9a7`), by this Python. ~10 min for both.
"""

import argparse
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit.examples import EXAMPLES_DIR  # noqa: E402
from tests.servers import free_port, process_answering, start_trickle  # noqa: E402

KEYS = {"FACEKIT_API_KEYS": "reader", "FACEKIT_ADMIN_KEYS": "admin"}


def _post(url: str, parts: list[tuple[str, str, bytes]], key: str = "admin", timeout: float = 600) -> int:
    """POST a multipart form of ``(field, filename, bytes)``: the status."""
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
                    for field, name, data in parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-API-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the connection closed without an answer


def _peaks(group: int) -> str:
    """Each process of the server's process group: its peak resident memory so far."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(status.parent.joinpath("stat").read_text().rsplit(")", 1)[1].split()[2]) == group:
                line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM"))
                peaks.append(int(line.split()[1]) / 1024)
    return " / ".join(f"{peak:,.0f}" for peak in sorted(peaks, reverse=True)) + " MiB"


@contextlib.contextmanager
def _server(checkout: Path, folder: Path, workers: int = 2):
    port = free_port()
    command = [sys.executable, "-m", "facekit.cli", "serve", "--port", str(port), "--workers", str(workers),
               "--data-dir", str(folder / "data")]
    env = {"PYTHONPATH": str(checkout), "FACEKIT_MODELS_DIR": str(checkout / "models"), **KEYS}
    with process_answering(command, f"http://127.0.0.1:{port}/readyz", folder / "serve.log", env, timeout_s=180,
                           cwd=checkout) as process:
        yield f"http://127.0.0.1:{port}", process


def zeros(url: str) -> str:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(100):
            archive.writestr(f"zero_{n}.jpg", bytes(26 * 2**20))
    return f"status {_post(f'{url}/v1/group', [('image', 'zeros.zip', packed.getvalue())])} ({len(packed.getvalue()) / 2**20:.1f} MB sent)"


def faces(url: str) -> str:
    face = Image.open(EXAMPLES_DIR / "obama.jpg").convert("RGB")
    side = min(face.size)
    face = face.crop(((face.width - side) // 2, 0, (face.width + side) // 2, side)).resize((128, 128))
    sheet = Image.new("RGB", (1280, 1024))
    for n in range(80):
        sheet.paste(face, (128 * (n % 10), 128 * (n // 10)))
    data = io.BytesIO()
    sheet.save(data, "JPEG", quality=90)
    return f"status {_post(f'{url}/v1/group', [('image', f'sheet_{n}.jpg', data.getvalue()) for n in range(100)])}"


def slow(url: str) -> str:
    tricklers = [start_trickle(url, "reader") for _ in range(12)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(1.0):
            for connection in tricklers:
                with contextlib.suppress(OSError):
                    connection.sendall(b"x")

    threading.Thread(target=trickle, daemon=True).start()
    photos = [("image1", "a.jpg", (EXAMPLES_DIR / "obama.jpg").read_bytes()), ("image2", "b.jpg", (EXAMPLES_DIR / "obama1.jpg").read_bytes())]
    statuses = []
    for _ in range(15):
        statuses.append(_post(f"{url}/v1/verify", photos, "reader"))
        time.sleep(1.0)
    stop.set()
    answers = [_answered(connection)[9:12].decode() or "none" for connection in tricklers]
    return (f"15 verifies over 15 s: {statuses.count(200)} answered, {statuses.count(503)} busy (503); the 12 tricklers' "
            f"answers: {', '.join(f'{answers.count(a)} {a}' for a in sorted(set(answers)))}")


def _answered(connection: socket.socket) -> bytes:
    connection.settimeout(0.5)
    with contextlib.suppress(OSError):
        return connection.recv(64)
    return b""


def race(url: str) -> str:
    photos = [EXAMPLES_DIR / name for name in ("obama.jpg", "obama1.jpg", "obama2.jpg", "obama3.jpg")]
    person = f"{url}/v1/people/Race%20Person"

    def enrol(n: int) -> int:
        return _post(f"{person}/photos", [("image", "p.jpg", photos[n % 4].read_bytes())])

    def forget() -> None:
        for _ in range(20):
            with contextlib.suppress(urllib.error.URLError):
                urllib.request.urlopen(urllib.request.Request(person, method="DELETE", headers={"X-API-Key": "admin"}), timeout=60)
            time.sleep(0.2)

    deleting = threading.Thread(target=forget)
    deleting.start()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(enrol, range(40)))
    deleting.join()
    listed = sum(p["photos"] for p in json.loads(_get(f"{url}/v1/people", "admin"))["people"])
    counted = next((float(line.split()[-1]) for line in _get(f"{url}/metrics", "admin").decode().splitlines()
                    if line.startswith("facekit_gallery_photos")), float("nan"))
    return (f"{statuses.count(201)} of 40 enrolments acknowledged, {statuses.count(404)} told the person was deleted; "
            f"photos counted by the gallery {counted:.0f}, listed {listed} (a difference: photos stored that nobody can see)")


def _get(url: str, key: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"X-API-Key": key}), timeout=60) as answer:
        return answer.read()


def video(checkout: Path, folder: Path) -> str:
    import cv2

    path = folder / "turn_1080p.mp4"
    if not path.exists():
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (1920, 1080))
        face = cv2.resize(cv2.imread(str(EXAMPLES_DIR / "obama.jpg")), (600, 600))
        for n in range(700):
            frame = np.full((1080, 1920, 3), 90, np.uint8)
            x = 660 + int(200 * np.sin(n / 30))
            frame[240:840, x : x + 600] = face
            writer.write(frame)
        writer.release()
    measure = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               f"done = subprocess.run([sys.executable, '-m', 'facekit.cli', 'liveness', '{path}'], capture_output=True, text=True); "
               "print(done.returncode, f'{time.perf_counter() - t:.1f} s', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, 'MiB peak:', done.stdout.strip()[-60:])")
    done = subprocess.run([sys.executable, "-c", measure], capture_output=True, text=True, cwd=checkout,
                          env={**os.environ, "PYTHONPATH": str(checkout), "FACEKIT_MODELS_DIR": str(checkout / "models")})
    return "exit " + (done.stdout.strip() or done.stderr.strip()[-200:])


def parent(url: str, process: subprocess.Popen, before: set[Path]) -> str:
    mine = set(Path(tempfile.gettempdir()).glob("facekit-metrics-*")) - before  # the folder this server made
    os.kill(process.pid, signal.SIGKILL)
    time.sleep(5)
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        answering = "its workers still answer"
    except OSError:
        answering = "nothing answers (the workers stopped)"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left, before the next attack
    return f"5 s after kill -9: {answering}; its metrics folder left behind: {len([f for f in mine if f.exists()])}"


ATTACKS = {"zeros": zeros, "faces": faces, "slow": slow, "race": race, "video": None, "parent": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout of facekit, attacked in the same run")
    parser.add_argument("--only", nargs="+", choices=list(ATTACKS), default=list(ATTACKS))
    args = parser.parse_args()
    checkouts = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
    scratch = Path(tempfile.mkdtemp(prefix="facekit-hostile-"))
    for attack in args.only:
        for label, checkout in checkouts.items():
            if attack == "video":
                print(f"{attack:7s} {label:5s} {video(checkout, scratch)}", flush=True)
                continue
            before = set(Path(tempfile.gettempdir()).glob("facekit-metrics-*"))
            with tempfile.TemporaryDirectory() as folder, \
                    _server(checkout, Path(folder), 1 if attack == "slow" else 2) as (url, process):
                started = time.perf_counter()
                said = parent(url, process, before) if attack == "parent" else ATTACKS[attack](url)
                seconds = time.perf_counter() - started
                peaks = _peaks(process.pid) if attack != "parent" else "-"
            print(f"{attack:7s} {label:5s} {said}; {seconds:.1f} s; peak per process {peaks}", flush=True)


if __name__ == "__main__":
    main()
