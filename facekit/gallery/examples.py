"""The example people, enrolled in a gallery of their own for anyone to try."""

from __future__ import annotations

from facekit.config import Config
from facekit.examples import EXAMPLE_PEOPLE
from facekit.gallery.people import Gallery


def example_gallery(config: Config | None = None) -> Gallery:
    """A gallery in memory holding :data:`EXAMPLE_PEOPLE`: examples anyone may try, kept apart
    from the real gallery (so they never show in the API or mix with visitors' photos)."""
    gallery = Gallery((config or Config()).with_(gallery_url="sqlite:///:memory:"))
    for name, photos in EXAMPLE_PEOPLE.items():
        for photo in photos:
            gallery.enrol(name, photo)
    return gallery
