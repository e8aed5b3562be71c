"""Requests per second and p50/p95 latency of POST /v1/verify and /v1/identify under bounded
concurrency, over loopback, with `facekit serve --workers 1` and `--workers 2`, on LFW photos
(250x250) and on ~1 MP photos, and each worker's resident memory afterwards, all in one run.

    python bench/api_load.py [--requests 100] [--concurrency 4] [--workers 1 2] [--against OTHER_CHECKOUT]

``--against`` measures another checkout of facekit too, taking turns with this one (e.g. the
version before a change: `git worktree add /tmp/before <commit>`), run by this Python.
Each server gets a fresh SQLite gallery with three enrolled photos. The ~1 MP photos are the
example photos enlarged to a megapixel (made here); the LFW ones are data/lfw's first two (run
`facekit data import-lfw` first, else they are skipped). 503s (the server turning work away when
full) and other errors are counted, not timed.
"""

import argparse
import contextlib
import os
import sys
import tempfile
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

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
    failed = len(results) - len(ok) - busy
    return (f"{len(ok) / wall:6.2f} req/s   p50 {np.percentile(ok, 50):5.0f} ms   p95 {np.percentile(ok, 95):5.0f} ms"
            f"   503s {busy}   other errors {failed}")


def _worker_memory(group: int) -> str:
    """Resident MiB of each process of the server's process group (the workers, and uvicorn's
    supervisor with several)."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:  # the process group id
                sizes.append(int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
    return " / ".join(f"{size:.0f}" for size in sorted(sizes, reverse=True)) + " MiB"


@contextlib.contextmanager
def _server(checkout: Path, workers: int, folder: Path):
    port = free_port()
    command = [sys.executable, "-m", "facekit.cli", "serve", "--port", str(port), "--workers", str(workers),
               "--data-dir", str(folder / "data")]
    env = {"PYTHONPATH": str(checkout), "FACEKIT_MODELS_DIR": str(checkout / "models")}
    with process_answering(command, f"http://127.0.0.1:{port}/healthz", folder / "serve.log", env, timeout_s=180,
                           cwd=checkout) as process:
        url = f"http://127.0.0.1:{port}"
        for name in ("obama1.jpg", "obama2.jpg", "obama3.jpg"):
            post_multipart(f"{url}/v1/people/Barack%20Obama/photos", {"image": EXAMPLES_DIR / name})
        for _ in range(4 * workers):  # every worker's model loaded and warm before timing
            post_multipart(f"{url}/v1/verify", {"image1": EXAMPLES_DIR / "obama.jpg", "image2": EXAMPLES_DIR / "biden.jpg"})
        yield url, process.pid


def _megapixel(photo: Path, folder: Path) -> Path:
    image = Image.open(photo)
    scale = (1_000_000 / (image.width * image.height)) ** 0.5
    path = folder / f"{photo.stem}_1mp.jpg"
    image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS).save(path, quality=92)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--against", type=Path, help="another checkout of facekit, measured in the same run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure (default: 1 2)")
    args = parser.parse_args()
    photos_dir = Path(tempfile.mkdtemp())
    sets = {"~1 MP": [_megapixel(EXAMPLES_DIR / name, photos_dir) for name in ("obama.jpg", "obama1.jpg")]}
    lfw = sorted((ROOT / "data" / "lfw").glob("*/*.jpg"))[:2]
    if len(lfw) == 2:
        sets["LFW"] = lfw
    checkouts = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
    print(f"{args.requests} requests per route, {args.concurrency} at a time, loopback; memory after the run:")
    for workers in args.workers:
        for label, checkout in checkouts.items():
            with tempfile.TemporaryDirectory() as folder, _server(checkout, workers, Path(folder)) as (url, group):
                for name, (first, second) in sets.items():
                    tag = f"{label:5s} {workers} worker{'s' if workers > 1 else ' '} {name:6s}"
                    print(f"  {tag} /v1/verify   {_load(f'{url}/v1/verify', {'image1': first, 'image2': second}, args.requests, args.concurrency)}")
                    print(f"  {tag} /v1/identify {_load(f'{url}/v1/identify', {'image': first}, args.requests, args.concurrency)}")
                print(f"  {label:5s} {workers} worker{'s' if workers > 1 else ' '} resident: {_worker_memory(group)}", flush=True)


if __name__ == "__main__":
    main()
