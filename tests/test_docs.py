"""The README and docs/ stay true: every relative link and picture resolves, the pictures are
there and are pictures, the README stays a page read in five minutes, and the runnable blocks are
the ones the tests run (test_cli.py runs the command line's, test_service.py the API's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
# [words](target) and ![words](target), and <img src="target">
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


def _targets(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # links inside code are code
    return [a or b for a, b in _LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_and_picture_resolves(page):
    missing = []
    for target in _targets(page):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or a place in the page
        if not (page.parent / target.split("#")[0]).exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} points at what is not there: {missing}"


def test_the_readme_is_a_page_with_pictures_of_the_app():
    """Issue 39: at most 1,500 words, a picture of a verdict first, and every picture a real
    image made by `make screenshots` (docs/images), desktop and phone."""
    text = (ROOT / "README.md").read_text()
    words = len(re.sub(r"```.*?```|<[^>]+>|\([^)]*\)", " ", text, flags=re.S).split())
    assert words <= 1500, words
    pictures = [t for t in _targets(ROOT / "README.md") if t.startswith("docs/images/")]
    assert pictures[0] == "docs/images/desktop_verify.png" and any("phone_" in p for p in pictures)
    for picture in pictures:
        with Image.open(ROOT / picture) as image:
            assert image.width >= 390 and (ROOT / picture).stat().st_size < 2 * 2**20, picture
    assert "live.webp" in " ".join(pictures)


def test_every_doc_page_the_readme_promises_exists():
    for name in ("presenting", "app", "cli", "api", "models", "privacy", "operations", "architecture", "benchmarks"):
        assert f"docs/{name}.md" in (ROOT / "README.md").read_text() and (ROOT / "docs" / f"{name}.md").exists()


def test_the_readme_commands_are_make_targets():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    said = set(re.findall(r"`make ([a-z-]+)`", (ROOT / "README.md").read_text()))
    assert said and said <= targets, said - targets
