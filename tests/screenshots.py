"""`make screenshots`: the pictures of README.md and docs/, made by a real app in a real browser.

A fresh `streamlit run app.py` with an empty data folder (what a fresh clone shows), headless
Chromium at 1400×900 (a desktop) and 390×844 (a phone), the example photos that ship with facekit,
and a fake webcam playing two of them for Live. Writes ``docs/images/<width>_<page>.png`` (each
first screen, the colours reduced to keep them small) and ``docs/images/live.webp`` (a few
seconds of the Live page naming two people). Uses no LFW photo: the pictures may be committed.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facekit.examples import EXAMPLES_DIR  # noqa: E402
from tests.servers import free_port, process_answering  # noqa: E402
from tests.test_browser import IMAGES_LOADED, VERDICT_SHOWN, _chromium_filming, _example, _fake_camera, _settled  # noqa: E402

IMAGES = ROOT / "docs" / "images"
SCREENS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}


def _save(page, name: str) -> None:
    """The first screen as a PNG of at most 256 colours (a page's flat colours lose nothing), once
    the page has settled, the pointer out of the way (no tooltip)."""
    _settled(page)
    page.mouse.move(1, 1)
    page.wait_for_timeout(800)
    picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    picture.quantize(256, method=Image.Quantize.MEDIANCUT).save(IMAGES / f"{name}.png", optimize=True)
    print(f"  {IMAGES / name}.png", file=sys.stderr)


def _pages(browser, url: str, width: str) -> None:
    page = browser.new_context(viewport=SCREENS[width], permissions=["camera"]).new_page()
    page.goto(url, timeout=60_000)
    page.get_by_text("The face model is loaded").wait_for(timeout=120_000)
    page.get_by_text("every face on your webcam, named").wait_for(timeout=60_000)
    _save(page, f"{width}_home")
    page.goto(f"{url}/verify", timeout=60_000)
    _example(page, "Different people")
    page.get_by_text(VERDICT_SHOWN).wait_for(timeout=120_000)
    page.wait_for_function(IMAGES_LOADED, arg=3, timeout=60_000)
    page.wait_for_timeout(1000)
    _save(page, f"{width}_verify")
    page.goto(f"{url}/sort", timeout=60_000)
    page.get_by_role("button", name="Try with the examples").click(timeout=60_000)
    page.get_by_text("Barack Obama · 5 faces").wait_for(timeout=120_000)
    page.wait_for_function(IMAGES_LOADED, arg=8, timeout=60_000)
    page.get_by_text("8 faces in 7 photos").evaluate("heading => heading.scrollIntoView()")  # the groups first
    _save(page, f"{width}_sort")
    for name, path in (("baseline", "/baseline-vs-siamese"), ("dataset", "/dataset")):  # Dataset before a capture: a fresh clone's
        page.goto(url + path, timeout=60_000)
        page.get_by_test_id("stApp").wait_for(timeout=60_000)
        page.wait_for_timeout(3000)
        _save(page, f"{width}_{name}")
    _capture(page, url, width)
    page.context.close()


def _capture(page, url: str, width: str) -> None:
    """Capture with a name typed, the (fake) webcam on and a reference photo taken."""
    page.goto(f"{url}/capture", timeout=60_000)
    page.get_by_label("Your name").fill("Sam")
    page.get_by_label("Your name").press("Enter")
    component = page.frame_locator('iframe[title="streamlit_webrtc.component.webrtc_streamer"]')
    component.get_by_role("button", name="Start").click(timeout=60_000)
    page.get_by_text("Live: ").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Take a reference photo").click()
    page.get_by_text("Saved a reference photo").wait_for(timeout=60_000)
    page.wait_for_function(IMAGES_LOADED, arg=1, timeout=60_000)
    page.mouse.wheel(0, 300)  # the video and the photo taken, under the page's title
    _save(page, f"{width}_capture")


def _live(playwright, url: str, scratch: Path) -> None:
    """A few seconds of Live naming the two example people the fake camera shows in turn."""
    video = _fake_camera([EXAMPLES_DIR / "obama.jpg", EXAMPLES_DIR / "biden2.jpg"], scratch / "camera.y4m", frames_each=60)
    chromium = _chromium_filming(playwright, video)
    try:
        page = chromium.new_context(viewport={"width": 1100, "height": 620}, permissions=["camera"]).new_page()
        page.goto(f"{url}/live", timeout=60_000)
        component = page.frame_locator('iframe[title="streamlit_webrtc.component.webrtc_streamer"]')
        component.get_by_role("button", name="Start").click(timeout=60_000)
        page.get_by_text("In view: Barack Obama (sure)").wait_for(timeout=120_000)
        page.mouse.move(600, 400)
        page.mouse.wheel(0, 200)  # the whole video in the picture
        page.mouse.move(1, 1)  # and no video controls over it
        page.wait_for_timeout(1500)
        frames = []
        for _ in range(16):  # 8 s: both people, in turn
            frames.append(Image.open(io.BytesIO(page.screenshot())).convert("RGB").resize((770, 434)))
            page.wait_for_timeout(500)
        frames[0].save(IMAGES / "live.webp", save_all=True, append_images=frames[1:], duration=500, loop=0, quality=70)
        print(f"  {IMAGES / 'live.webp'}", file=sys.stderr)
    finally:
        chromium.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {"FACEKIT_DATA_DIR": f"{scratch}/data", "FACEKIT_ICE_SERVERS": "[]"}
        command = [sys.executable, str(ROOT / "tests" / "loopback_streamlit.py"), "app.py", "--server.headless", "true",
                   "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
        with process_answering(command, f"{url}/_stcore/health", Path(scratch) / "streamlit.log", env), \
                sync_playwright() as playwright:
            browser = _chromium_filming(playwright, _fake_camera([EXAMPLES_DIR / "obama.jpg"], Path(scratch) / "still.y4m"))
            for width in SCREENS:
                _pages(browser, url, width)
            browser.close()
            _live(playwright, url, Path(scratch))


if __name__ == "__main__":
    main()
