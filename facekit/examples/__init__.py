"""Example photos that ship with facekit (public domain: see ``SOURCE.md`` here), as pairs a
presenter can show with one click."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ExamplePair:
    """Two example photos, what the pair shows (``title``), who is really in them (``truth``), and
    the model's answer the title promises (``shows``: "same", "different" or "unsure"; a test
    checks that the shipped model gives it)."""

    title: str
    first: Path
    second: Path
    truth: str
    shows: str


EXAMPLE_PAIRS = (
    ExamplePair("Same person", EXAMPLES_DIR / "obama.jpg", EXAMPLES_DIR / "obama1.jpg", "Barack Obama twice", "same"),
    ExamplePair("Different people", EXAMPLES_DIR / "obama2.jpg", EXAMPLES_DIR / "biden.jpg",
                "Barack Obama and Joe Biden", "different"),
    ExamplePair("Not sure: a blurred photo", EXAMPLES_DIR / "obama2_blurred.jpg", EXAMPLES_DIR / "obama.jpg",
                "Barack Obama twice, the first photo heavily blurred", "unsure"),
    ExamplePair("Two faces in one photo", EXAMPLES_DIR / "two_people.jpg", EXAMPLES_DIR / "biden2.jpg",
                "Barack Obama and Joe Biden together, then Joe Biden", "different"),
)

# A person to look for in a photo of several ("In a group photo?" on Verify): ``truth`` names them.
IN_PHOTO_EXAMPLE = ExamplePair("Joe Biden in a photo of two", EXAMPLES_DIR / "biden2.jpg", EXAMPLES_DIR / "two_people.jpg",
                               "Joe Biden", "same")

# Enrolled example people and photos to look for among them ("Who is this?", enrolled photos).
EXAMPLE_PEOPLE = {
    "Barack Obama": (EXAMPLES_DIR / "obama1.jpg", EXAMPLES_DIR / "obama2.jpg", EXAMPLES_DIR / "obama3.jpg"),
    "Joe Biden": (EXAMPLES_DIR / "biden.jpg",),
}
EXAMPLE_PROBES = {"Barack Obama": EXAMPLES_DIR / "obama.jpg", "Joe Biden": EXAMPLES_DIR / "biden2.jpg"}  # not enrolled

# A pile to sort by person with one click (the Sort photos page): every example photo but the one
# blurred on purpose to be "not sure" (the default model stays unsure of it, so it would sit alone).
EXAMPLE_PILE = tuple(photo for photo in sorted(EXAMPLES_DIR.glob("*.jpg")) if photo.name != "obama2_blurred.jpg")
