"""Example photos that ship with facekit (public domain: see ``examples/SOURCE.md``), as pairs a
presenter can show with one click."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config

if TYPE_CHECKING:
    from .gallery import Gallery

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


@dataclass(frozen=True)
class ExamplePair:
    """Two example photos, what the pair shows (``title``), and who is really in them."""

    title: str
    first: Path
    second: Path
    truth: str


EXAMPLE_PAIRS = (
    ExamplePair("Same person", EXAMPLES_DIR / "obama.jpg", EXAMPLES_DIR / "obama1.jpg", "Barack Obama twice"),
    ExamplePair("Different people", EXAMPLES_DIR / "obama2.jpg", EXAMPLES_DIR / "biden.jpg",
                "Barack Obama and Joe Biden"),
    ExamplePair("Look-alikes", EXAMPLES_DIR / "obama3.jpg", EXAMPLES_DIR / "biden.jpg",
                "Barack Obama and Joe Biden, a pair our earlier model called the same person"),
    ExamplePair("Two faces in one photo", EXAMPLES_DIR / "two_people.jpg", EXAMPLES_DIR / "biden2.jpg",
                "Barack Obama and Joe Biden together, then Joe Biden"),
)

# Enrolled example people and photos to look for among them ("Who is this?", enrolled photos).
EXAMPLE_PEOPLE = {
    "Barack Obama": (EXAMPLES_DIR / "obama1.jpg", EXAMPLES_DIR / "obama2.jpg", EXAMPLES_DIR / "obama3.jpg"),
    "Joe Biden": (EXAMPLES_DIR / "biden.jpg",),
}
EXAMPLE_PROBES = {"Barack Obama": EXAMPLES_DIR / "obama.jpg", "Joe Biden": EXAMPLES_DIR / "biden2.jpg"}  # not enrolled


def example_gallery(config: Config | None = None) -> "Gallery":
    """A gallery in memory holding :data:`EXAMPLE_PEOPLE`: examples anyone may try, kept apart
    from the real gallery (so they never show in the API or mix with visitors' photos)."""
    from .gallery import Gallery  # loads the model

    gallery = Gallery((config or Config()).with_(gallery_url="sqlite:///:memory:"))
    for name, photos in EXAMPLE_PEOPLE.items():
        for photo in photos:
            gallery.enrol(name, photo)
    return gallery
