"""Several photos of one person enrolled at once, each answered on its own: the API's bulk
enrolment and a named group of the Sort photos page."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from facekit.errors import FacekitError
from facekit.faces.images import ImageSource
from facekit.gallery.people import EnrolledPhoto, Gallery
from facekit.names import person_name


def enrol_each(gallery: Gallery, name: str, photos: Iterable[tuple[Hashable, ImageSource, int | None]],
               owner: str | None = None) -> list[tuple[Hashable, EnrolledPhoto | FacekitError]]:
    """Enrol ``photos`` (``(label, photo, face number or None for the main face)``) as ``name``,
    among ``owner``'s people: each label with its enrolled photo, or the error that refused it (no
    face, not an image, the person's photo limit...); a refused photo does not stop the others.
    Raises :class:`~facekit.errors.DataError` for a name that cannot be a person's: nothing is enrolled."""
    name = person_name(name)
    done = []
    for label, photo, face in photos:
        try:
            done.append((label, gallery.enrol(name, photo, owner=owner, face=face)))
        except FacekitError as error:
            done.append((label, error))
    return done
