"""Typed errors that carry their parts: what went wrong (``reason``), what the person can do
(``hint``) and, where it matters, which photo (``photo``). The message is built from them."""

from __future__ import annotations

import copy


class FacekitError(Exception):
    """Base class of every error facekit raises on purpose.

    ``str(error)`` reads "The first photo: no face was found in this photo. Use a photo where ...".
    """

    def __init__(self, reason: str, hint: str = "", photo: str | None = None):
        self.reason, self.hint, self.photo = reason, hint, photo
        super().__init__(self.message)

    @property
    def message(self) -> str:
        reason = self.reason if self.reason[-1:] in ".!?" else f"{self.reason}."
        if self.photo:
            reason = f"The {self.photo} photo: {reason[0].lower()}{reason[1:]}"
        return f"{reason} {self.hint}".strip()

    def __str__(self) -> str:
        return self.message

    def about(self, photo: str | None) -> "FacekitError":
        """The same error, saying which photo it is about ("first", "second", "probe", a name; None:
        none, where the photo is named already, as a command's line does)."""
        named = copy.copy(self)
        named.photo = photo
        named.args = (named.message,)
        return named


class InvalidImage(FacekitError, ValueError):
    """The input is not an image we can read (empty, truncated, wrong type, too large...)."""


class ImageTooLarge(InvalidImage):
    """The file has more bytes or pixels than we accept."""


class NoFaceFound(FacekitError):
    """The image was read, but no usable face was found in it."""


class DataError(FacekitError):
    """A data folder, protocol file or download is missing or not what it should be."""


class TooManyPhotos(DataError):
    """More photos (or files in zips) than one pile or request takes: refused before any is read."""


class TooManyFaces(DataError):
    """More faces in the photos of one pile or request than it groups: refused before grouping."""


class TooMuchData(DataError):
    """The photos of one pile or request add up to more bytes than it takes (a zip's files counted
    as they are unpacked)."""


class NotFound(FacekitError, LookupError):
    """Nobody (or no photo) by that name or id is enrolled."""


class Unavailable(FacekitError):
    """Something the answer needs (the model, the gallery's database) cannot be used right now."""
