"""Server CPU spent on a burst of 30 "Show other photos" clicks on the Dataset page, with the
per-session cooldown (the default, 2 s) and without it (0 s), measured in one run through
Streamlit's AppTest. Run from the project root after `facekit data import-lfw` and `facekit data chips`."""

import os
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

CLICKS = 30
ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "dataset.py")
sys.path.insert(0, str(ROOT))  # the pages import the app's ui module


def _burst(cooldown_s: float) -> float:
    import ui

    ui.config = lambda: ui.Config().with_(seconds_between_samples=cooldown_s)
    app = AppTest.from_file(PAGE, default_timeout=300).run()  # caches filled: only the clicks are measured
    button = next(b for b in app.button if b.label == "Show other photos")
    started = time.process_time()
    for _ in range(CLICKS):
        button.click().run()
        button = next(b for b in app.button if b.label == "Show other photos")
    return time.process_time() - started


def main() -> None:
    os.environ.setdefault("FACEKIT_DATA_DIR", "data")
    without, with_cooldown = _burst(0.0), _burst(2.0)
    print(f"{CLICKS} clicks on 'Show other photos' within a few seconds, server CPU:")
    print(f"  no cooldown        {without:6.1f} s")
    print(f"  2 s cooldown       {with_cooldown:6.1f} s   ({without / max(with_cooldown, 1e-9):.1f}x less)")


if __name__ == "__main__":
    main()
