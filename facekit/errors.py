"""Typed errors. Each message says what went wrong and what the person can do about it."""


class FacekitError(Exception):
    """Base class of every error facekit raises on purpose."""


class InvalidImage(FacekitError, ValueError):
    """The input is not an image we can read (empty, truncated, wrong type, too large...)."""


class NoFaceFound(FacekitError):
    """The image was read, but no usable face was found in it."""


class DataError(FacekitError):
    """A data folder, protocol file or download is missing or not what it should be."""
