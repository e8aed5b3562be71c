"""Memory of four visitors verifying 40-megapixel photos at once, as the app does it.

Two PNGs of 7,300 x 5,470 pixels (an LFW face enlarged on a plain background, ~1 MB each) are
compared by four threads at the same time through the one shared Verifier, and the last eight
verdicts are kept (as the app's verdict cache keeps them). Prints the resident memory when idle
(model loaded, warmed up), the peak above idle while the four run, and what stays above idle
afterwards. Run from the project root, after `facekit data import-lfw`.
"""

import gc
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from facekit import Config, load_image, load_verifier
from facekit.faces.images import hand_back_large_buffers

SESSIONS = 4
SIZE = (7300, 5470)  # 39.9 megapixels


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def _large_png(photo, background: int) -> bytes:
    face = Image.fromarray(load_image(photo)).resize((2000, 2000), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", SIZE, (background, background, background))
    canvas.paste(face, ((SIZE[0] - 2000) // 2, (SIZE[1] - 2000) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def main() -> None:
    hand_back_large_buffers()  # as the app does once at start
    lfw = Config().lfw_dir
    people = sorted(p for p in lfw.iterdir() if len(list(p.glob("*.jpg"))) >= 2)[:1] if lfw.exists() else []
    if not people:
        raise SystemExit("Needs LFW: run `facekit data import-lfw` first.")
    first, second = sorted(people[0].glob("*.jpg"))[:2]
    photos = (_large_png(first, 120), _large_png(second, 140))
    print(f"two {SIZE[0]}x{SIZE[1]} PNGs of {people[0].name}: {len(photos[0]) / 2**20:.1f} and {len(photos[1]) / 2**20:.1f} MB")
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


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
