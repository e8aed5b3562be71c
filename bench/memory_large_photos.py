"""Memory with large photos: the library path (as the app uses it) and the HTTP API.

Library: two PNGs of 7,300 x 5,470 pixels (an LFW face enlarged on a plain background, ~1 MB
each) are compared by four threads at the same time through the one shared Verifier, and the last
eight verdicts are kept (as the app's verdict cache keeps them). Nothing is set up beforehand: the
memory policy is whatever facekit applies itself. Prints the resident memory when idle (model
loaded, warmed up), the peak above idle while the four run, and what stays above idle afterwards.

API (`--api`): `facekit serve` (one worker) takes two bursts of 16 clients x 3 verifies of large
photos (the 40-megapixel PNG, a 24 MB PNG of noise, a 6,000 x 4,000 JPEG of a face); prints the
server's resident memory warm, its peak, and what it holds after each burst.
Run from the project root, after `facekit data import-lfw`.
"""

import gc
import io
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from facekit import Config, load_image, load_verifier

SESSIONS = 4
SIZE = (7300, 5470)  # 39.9 megapixels


def _rss_mib(pid: str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def _large_png(photo, background: int) -> bytes:
    face = Image.fromarray(load_image(photo)).resize((2000, 2000), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", SIZE, (background, background, background))
    canvas.paste(face, ((SIZE[0] - 2000) // 2, (SIZE[1] - 2000) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _lfw_pair() -> tuple:
    lfw = Config().lfw_dir
    people = sorted(p for p in lfw.iterdir() if len(list(p.glob("*.jpg"))) >= 2)[:1] if lfw.exists() else []
    if not people:
        raise SystemExit("Needs LFW: run `facekit data import-lfw` first.")
    return people[0], *sorted(people[0].glob("*.jpg"))[:2]


def main() -> None:
    person, first, second = _lfw_pair()
    photos = (_large_png(first, 120), _large_png(second, 140))
    print(f"two {SIZE[0]}x{SIZE[1]} PNGs of {person.name}: {len(photos[0]) / 2**20:.1f} and {len(photos[1]) / 2**20:.1f} MB")
    verifier = load_verifier()
    verifier.verify(first, second)  # load and warm the model and the face detector
    gc.collect()
    idle = _rss_mib()

    peak, running = [idle], True

    def sample():
        while running:
            peak[0] = max(peak[0], _rss_mib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    kept = []  # the app's cache keeps the last 8 verdicts
    with ThreadPoolExecutor(SESSIONS) as pool:
        for verdict in pool.map(lambda _: verifier.verify(*photos), range(2 * SESSIONS)):
            kept = (kept + [verdict])[-8:]
    seconds = time.perf_counter() - started
    running = False
    sampler.join()
    gc.collect()
    after = _rss_mib()
    print(f"{SESSIONS} sessions x 2 verdicts of 40-megapixel pairs in {seconds:.1f} s; "
          f"P(same) {kept[-1].probability:.3f}, photos kept at {kept[-1].photos[0].shape[1]}x{kept[-1].photos[0].shape[0]}")
    print(f"  idle (model loaded)   {idle:7.0f} MiB")
    print(f"  peak above idle       {peak[0] - idle:7.0f} MiB")
    print(f"  held after, 8 kept    {after - idle:7.0f} MiB")
    print(f"  per kept verdict      {sum(p.nbytes for v in kept for p in v.photos) / len(kept) / 2**20:7.1f} MiB of photos")


def _api_photos(folder: Path) -> list[Path]:
    """The 40-megapixel PNG, a 24 MB PNG of noise and a 6,000 x 4,000 JPEG of a face, as files."""
    _, first, _ = _lfw_pair()
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (2830, 2830, 3), dtype=np.uint8))
    face = Image.fromarray(load_image(first)).resize((6000, 4000), Image.Resampling.BICUBIC)
    files = {"large.png": _large_png(first, 120), "noise.png": _encoded(noise, "PNG"), "face.jpg": _encoded(face, "JPEG")}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files]


def _encoded(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, quality=95)
    return buffer.getvalue()


def api(clients: int = 16, verifies: int = 3) -> None:
    import tempfile
    import urllib.error

    from tests.servers import free_port, post_multipart, process_answering

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        photos = _api_photos(folder)
        print(", ".join(f"{p.name} {p.stat().st_size / 2**20:.1f} MB" for p in photos))
        port = free_port()
        command = [sys.executable, "-m", "facekit.cli", "serve", "--port", str(port), "--data-dir", str(folder / "data")]
        with process_answering(command, f"http://127.0.0.1:{port}/readyz", folder / "serve.log", timeout_s=180) as server:
            url = f"http://127.0.0.1:{port}/v1/verify"

            def verify(i: int) -> int:
                pair = {"image1": photos[i % 3], "image2": photos[(i + 1) % 3]}
                try:
                    post_multipart(url, pair)
                    return 200
                except urllib.error.HTTPError as error:
                    return error.code
                except (urllib.error.URLError, ConnectionError):  # turned away (busy) before the body was read
                    return "reset"

            warm = _rss_mib(server.pid)
            print(f"  warm (model loaded)   {warm:7.0f} MiB")
            for burst in (1, 2):
                peak, running = [warm], True

                def sample():
                    while running:
                        peak[0] = max(peak[0], _rss_mib(server.pid))
                        time.sleep(0.02)

                sampler = threading.Thread(target=sample)
                sampler.start()
                with ThreadPoolExecutor(clients) as pool:
                    statuses = list(pool.map(verify, range(clients * verifies)))
                running = False
                sampler.join()
                time.sleep(1)
                held = _rss_mib(server.pid)
                answers = {status: statuses.count(status) for status in sorted(set(statuses), key=str)}
                print(f"  burst {burst}: peak {peak[0]:7.0f} MiB, held after {held:7.0f} MiB "
                      f"({held - warm:+.0f} over warm); answers {answers}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    if "--api" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        api()
    else:
        main()
