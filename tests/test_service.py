"""The API as real `facekit serve` processes: several workers counted as one server, an
enrolment through one process identified through another within a second, and the docs page
in a real browser."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from facekit.examples import EXAMPLES_DIR
from tests.servers import free_port, get_json, post_multipart, process_answering

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
OBAMA = [EXAMPLES_DIR / name for name in ("obama.jpg", "obama1.jpg", "obama2.jpg")]


@contextlib.contextmanager
def _served(log: Path, env: dict, *options: str):
    """`facekit serve` on a free loopback port, once a worker's model is loaded (/readyz)."""
    port = free_port()
    command = [sys.executable, "-m", "facekit.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *options]
    with process_answering(command, f"http://127.0.0.1:{port}/readyz", log, env, timeout_s=120):
        yield f"http://127.0.0.1:{port}"


def _scrape(base: str, key: str | None = None) -> str:
    headers = {"X-API-Key": key} if key else {}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/metrics", headers=headers), timeout=30) as response:
        return response.read().decode()


def _value(text: str, series: str) -> float:
    found = re.search(rf"^{re.escape(series)} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_scrape_through_any_worker_counts_every_workers_requests(tmp_path):
    with _served(tmp_path / "serve.log", {"FACEKIT_DATA_DIR": str(tmp_path / "data")}, "--workers", "2") as base:
        deadline = time.monotonic() + 90
        while len(re.findall(r"^facekit_model_load_seconds\{pid=", _scrape(base), re.M)) < 2:  # both workers loaded
            assert time.monotonic() < deadline, _scrape(base)
            time.sleep(0.5)
        for _ in range(12):  # a connection each: the workers share them out
            post_multipart(f"{base}/v1/verify", {"image1": OBAMA[0], "image2": OBAMA[1]})
        series = 'facekit_requests_total{method="POST",route="/v1/verify",status="200"}'
        for _ in range(6):  # whichever worker answers the scrape, it counts all twelve
            text = _scrape(base)
            assert _value(text, series) == 12
            assert _value(text, 'facekit_request_seconds_count{method="POST",route="/v1/verify"}') == 12
        assert _value(text, "facekit_gallery_photos") == 0


def test_workers_are_supervised_their_deaths_logged_and_they_stop_with_their_parent(tmp_path):
    """Issue 40: a worker killed is logged at warning with why, and its live gauge leaves /metrics;
    a `kill -9` of `facekit serve` itself stops its workers (the port is free again, nothing answers)
    and the next start removes the dead server's metrics folder."""
    import os
    import signal
    import socket

    log = tmp_path / "serve.log"
    with _served(log, {"FACEKIT_DATA_DIR": str(tmp_path / "data")}, "--workers", "2") as base:
        deadline = time.monotonic() + 90
        while len(pids := re.findall(r'^facekit_model_load_seconds\{pid="(\d+)"', _scrape(base), re.M)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        os.kill(int(pids[0]), signal.SIGKILL)
        while f"facekit worker {pids[0]} stopped: killed by SIGKILL" not in log.read_text():
            assert time.monotonic() < deadline + 30, log.read_text()[-2000:]
            time.sleep(0.5)
        assert f'pid="{pids[0]}"' not in _scrape(base)  # the dead worker's live gauge is gone
        parent = int(subprocess.check_output(["ps", "-o", "ppid=", "-p", pids[1]]).strip())
        folder = next(Path("/tmp").glob(f"facekit-metrics-{parent}-*"))
        os.kill(parent, signal.SIGKILL)
        host, port = base.removeprefix("http://").split(":")
        stopped = time.monotonic()
        while True:
            with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=1):
                assert time.monotonic() - stopped < 15, "the workers kept serving after their parent died"
                time.sleep(0.5)
                continue
            break
        print(f"workers gone {time.monotonic() - stopped:.1f} s after their parent")
        assert folder.exists()  # left behind by the killed parent...
    with _served(tmp_path / "again.log", {"FACEKIT_DATA_DIR": str(tmp_path / "data")}, "--workers", "2"):
        assert not folder.exists()  # ...and removed by the next start


def test_metrics_folders_whose_processes_are_all_gone_are_removed_at_start(tmp_path, monkeypatch):
    """Folders of killed servers go, of this version (the server's pid in the name) and of earlier
    ones (only the workers' files say whose they were); a folder a live process writes to stays."""
    import os
    import tempfile

    from facekit.service import supervisor

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = _dead_pid()
    old = tmp_path / "facekit-metrics-x1y2z3"
    old.mkdir()
    (old / f"counter_{gone}.db").write_bytes(b"")
    killed = tmp_path / f"facekit-metrics-{gone}-abc"
    killed.mkdir()
    live = tmp_path / "facekit-metrics-q9w8e7"
    live.mkdir()
    (live / f"gauge_liveall_{os.getpid()}.db").write_bytes(b"")
    made = Path(supervisor.metrics_folder())
    assert not old.exists() and not killed.exists() and live.exists() and made.name.startswith(f"facekit-metrics-{os.getpid()}-")


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_an_enrolment_through_one_process_is_identified_through_another_within_a_second(tmp_path):
    env = {"FACEKIT_DATA_DIR": str(tmp_path / "data")}
    with _served(tmp_path / "a.log", env) as first, _served(tmp_path / "b.log", env) as second:
        assert post_multipart(f"{second}/v1/identify", {"image": OBAMA[0]})["person"] is None  # B's index is built
        post_multipart(f"{first}/v1/people/Barack%20Obama/photos", {"image": OBAMA[1]})
        enrolled = time.monotonic()
        while post_multipart(f"{second}/v1/identify", {"image": OBAMA[0]})["person"] != "Barack Obama":
            assert time.monotonic() - enrolled < 1.0, "B did not see A's enrolment within a second"
        get_json(f"{first}/v1/people/Barack%20Obama", "DELETE")
        assert post_multipart(f"{second}/v1/identify", {"image": OBAMA[0]})["person"] is None  # never named once deleted


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
def test_the_docs_page_lists_every_operation_in_a_real_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    env = {"FACEKIT_DATA_DIR": str(tmp_path / "data"), "FACEKIT_API_KEYS": "reader-key"}
    with _served(tmp_path / "serve.log", env) as base, sync_playwright() as playwright:
        spec = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"{base}/openapi.json", headers={"X-API-Key": "reader-key"}), timeout=30).read())
        operations = {f"{method.upper()} {path}" for path, methods in spec["paths"].items() for method in methods}
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = chromium.new_context(viewport={"width": 1400, "height": 1000},
                                    extra_http_headers={"X-API-Key": "reader-key"}).new_page()
        outside = []
        page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(base) else None)
        page.goto(f"{base}/docs", timeout=60_000)
        page.locator(".opblock").first.wait_for(timeout=60_000)
        shown = {" ".join(block.inner_text().split()[:2]) for block in page.locator(".opblock-summary").all()}
        page.locator(".opblock-summary", has_text="/v1/verify").first.click()  # open one: its fields and example
        page.get_by_text("image1").first.wait_for(timeout=30_000)
        text = page.locator("body").inner_text()
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / "api-docs.png"), full_page=True)
        chromium.close()
    assert "Unable to render" not in text
    assert all(field in text for field in ("image1", "image2", "threshold", '"decision": "same"')), text[-3000:]
    assert {op.replace("{", "").replace("}", "") for op in operations} <= {op.replace("{", "").replace("}", "") for op in shown}, shown
    assert not outside, outside  # no CDN, nothing fetched from elsewhere


def _json_objects(text: str) -> list:
    """Every JSON object printed in ``text``, on lines of their own or one after another (other
    text, such as the metrics' lines, skipped)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (at := text.find("{", at)) >= 0:
        try:
            answer, at = decoder.raw_decode(text, at)
            found.append(answer)
        except json.JSONDecodeError:
            at += 1
    return found


def _api_block(starting: str) -> str:
    """The ```bash block of docs/api.md that starts with the line ``starting``."""
    text = (ROOT / "docs" / "api.md").read_text()
    start = text.index(f"```bash\n{starting}\n") + len("```bash\n")
    return text[start : text.index("```", start)]


def test_the_documented_api_examples_work_as_written(tmp_path):
    """Every command of docs/api.md's example, run by bash as written against a real `facekit
    serve` (only its port changed): each answers JSON, none an error, and the answers say what the
    comments promise."""
    block = _api_block("E=facekit/examples")
    with _served(tmp_path / "serve.log", {"FACEKIT_DATA_DIR": str(tmp_path / "data")}) as base:
        script = block.replace("http://127.0.0.1:8000", base)
        lines = [line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        # Each command's output on its own line, so that each answer can be read back.
        traced = "\n".join(line if line.startswith(("E=", "PHOTO_ID=")) else f"{line}\necho" for line in lines)
        done = subprocess.run(["bash", "-c", "set -eo pipefail\n" + traced], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr
    answers = _json_objects(done.stdout)
    assert len(answers) >= 16, done.stdout
    assert not [a for a in answers if "error" in a], [a for a in answers if "error" in a]
    assert answers[0]["decision"] == "same" and answers[1]["decision"] == "different"
    assert next(a for a in answers if "deleted_photo" in a)["deleted_photo"]  # PHOTO_ID, read as the README shows
    assert {"name": "Barack Obama", "deleted_photos": 2} in answers
    bulk = next(a for a in answers if "enrolled" in a)  # two photos of Joe Biden and a file that is not one
    assert bulk["enrolled"] == 2 and bulk["photos"][2] == {"file": "README.md", "error": bulk["photos"][2]["error"]}
    grouped = next(a for a in answers if "groups" in a)
    assert [(g["person"], len(g["faces"])) for g in grouped["groups"]] == [("Barack Obama", 5), ("Joe Biden", 3), (None, 1)]  # the blurred one alone
    people = next(a for a in answers if "people" in a)
    assert people["people"] == [{"name": "Barack Obama", "photos": 3}]
    faces = next(a for a in answers if "matches" in a and len(a.get("faces", [])) == 2)  # identify's, not verify's
    assert [f["person"] for f in faces["faces"]] == ["Barack Obama", None]  # Biden is not enrolled here
