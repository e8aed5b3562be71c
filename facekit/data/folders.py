"""Data folders and identities.

Folders under ``config.data_dir``::

    lfw/<Name>/<Name>_NNNN.jpg   untouched copy of LFW (evaluation reads it); see :mod:`facekit.data.lfw`
    lfw_protocol/*.txt           LFW's pairs and people lists
    anchor/ positive/ negative/  training photos, named <person>_<unique>.jpg
    pairs.csv                    anchor_path, other_path, label (paths relative to data_dir); see :mod:`facekit.data.pairs`

A photo's identity is its file name up to the last underscore, for LFW's ``<Name>_0001.jpg``
and for captures' ``<person>_<timestamp>.jpg`` alike.
"""

from __future__ import annotations

import os
from pathlib import Path

from facekit.config import Config

FOLDERS = ("anchor", "positive", "negative")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")

def identity_of(path: str | os.PathLike) -> str:
    """The person a photo shows, from its name: ``George_W_Bush_0001.jpg`` -> ``George_W_Bush``."""
    stem = Path(path).stem
    return stem.rsplit("_", 1)[0] if "_" in stem else stem


def list_photos(folder: Path) -> list[Path]:
    """The photos directly in ``folder`` (sorted), or ``[]`` when it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))


def training_photos(config: Config | None = None) -> list[Path]:
    """Every photo of ``anchor/``, ``positive/`` and ``negative/``, folder by folder."""
    config = config or Config()
    return [p for folder in FOLDERS for p in list_photos(config.data_dir / folder)]


def is_lfw_person(person: str, config: Config | None = None) -> bool:
    """Whether ``person`` is one of LFW's people (has a folder in the imported LFW), not a capture."""
    config = config or Config()
    return (config.lfw_dir / person).is_dir()
