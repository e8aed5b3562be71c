"""Requests per second and p50/p95 latency of POST /v1/verify and /v1/identify under bounded
concurrency, over loopback, with `facekit serve --workers 1` and `--workers 2`, with the fast face
finder and with MTCNN (FACEKIT_FACE_FINDER), all in the same run.

Each server gets a fresh SQLite gallery with three enrolled photos; clients send the shipped
example photos. 503s (the server turning work away when full) are counted, not timed.
Run from the project root: `python bench/api_load.py [--requests 60] [--concurrency 4]`.
"""

import argparse
import contextlib
import sys
import tempfile
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit.examples import EXAMPLES_DIR  # noqa: E402
from tests.servers import free_port, post_multipart, process_answering  # noqa: E402


def _timed(url: str, fields: dict) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        post_multipart(url, fields)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - started) * 1000, status


def _load(url: str, fields: dict, requests: int, concurrency: int) -> str:
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda _: _timed(url, fields), range(requests)))
    wall = time.perf_counter() - started
    ok = [ms for ms, status in results if status == 200]
    busy = sum(status == 503 for _, status in results)
    return (f"{len(ok) / wall:6.2f} req/s   p50 {np.percentile(ok, 50):6.0f} ms   p95 {np.percentile(ok, 95):6.0f} ms"
            f"   503s {busy}")


@contextlib.contextmanager
def _server(workers: int, folder: Path, finder: str):
    port = free_port()
    command = [sys.executable, "-m", "facekit.cli", "serve", "--port", str(port), "--workers", str(workers),
               "--data-dir", str(folder / "data")]
    with process_answering(command, f"http://127.0.0.1:{port}/healthz", folder / "serve.log",
                           {"FACEKIT_FACE_FINDER": finder}, timeout_s=180):
        url = f"http://127.0.0.1:{port}"
        for name in ("obama1.jpg", "obama2.jpg", "obama3.jpg"):
            post_multipart(f"{url}/v1/people/Barack%20Obama/photos", {"image": EXAMPLES_DIR / name})
        for _ in range(4 * workers):  # every worker's model loaded and warm before timing
            post_multipart(f"{url}/v1/verify", {"image1": EXAMPLES_DIR / "obama.jpg", "image2": EXAMPLES_DIR / "biden.jpg"})
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    verify = {"image1": EXAMPLES_DIR / "obama.jpg", "image2": EXAMPLES_DIR / "obama1.jpg"}
    identify = {"image": EXAMPLES_DIR / "obama.jpg"}
    print(f"{args.requests} requests per route, {args.concurrency} at a time, loopback:")
    for finder in ("fast", "mtcnn"):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as folder, _server(workers, Path(folder), finder) as url:
                label = f"{finder:5s} {workers} worker{'s' if workers > 1 else ' '}"
                print(f"  {label} /v1/verify   {_load(f'{url}/v1/verify', verify, args.requests, args.concurrency)}")
                print(f"  {label} /v1/identify {_load(f'{url}/v1/identify', identify, args.requests, args.concurrency)}")


if __name__ == "__main__":
    main()
