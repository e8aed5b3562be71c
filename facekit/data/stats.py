"""What is in the data folders: counts per folder and person, image sizes, light and sharpness."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from facekit.config import Config
from facekit.data.folders import FOLDERS, identity_of, list_photos
from facekit.data.pairs import load_pairs
from facekit.faces.images import light_and_focus

@dataclass(frozen=True)
class DataStats:
    """What is in a data folder: the numbers ``facekit data stats`` prints and the EDA page plots.

    ``people`` has one row per (folder, person) with column ``photos``; ``image_sizes`` counts
    ``(width, height)`` in pixels; ``pairs`` counts pairs per label (empty without pairs.csv).
    """

    folder_counts: dict[str, int]
    people: pd.DataFrame
    image_sizes: dict[tuple[int, int], int]
    pairs: dict[int, int]


@dataclass(frozen=True)
class FolderStats:
    """One data folder: ``people`` (columns ``person``, ``photos``) and ``image_sizes``."""

    folder: str
    people: pd.DataFrame
    image_sizes: dict[tuple[int, int], int]


def folder_stats(path: Path, folder: str) -> FolderStats:
    """Photos per person and image sizes of one folder (reads headers only)."""
    people, sizes = Counter(), Counter()
    for photo in list_photos(Path(path)):
        people[identity_of(photo)] += 1
        try:
            with Image.open(photo) as image:
                sizes[image.size] += 1
        except OSError:
            sizes[(0, 0)] += 1  # unreadable: counted, shown as 0x0
    table = pd.DataFrame(sorted(people.items()), columns=["person", "photos"]).astype({"person": str, "photos": int})
    return FolderStats(folder, table, dict(sizes))


def pairs_balance(config: Config | None = None) -> dict[int, int]:
    """Pairs per label in ``pairs.csv`` (``{}`` without one)."""
    config = config or Config()
    if not config.pairs_csv.exists():
        return {}
    return {int(k): int(v) for k, v in load_pairs(config)["label"].value_counts().sort_index().items()}


def combine_stats(parts: list[FolderStats], pairs: dict[int, int]) -> DataStats:
    """The folders' figures as one :class:`DataStats` (each folder can be counted, and cached, alone)."""
    people = pd.concat([part.people.assign(folder=part.folder) for part in parts], ignore_index=True)
    people = people.reindex(columns=["folder", "person", "photos"])
    sizes: Counter = Counter()
    for part in parts:
        sizes.update(part.image_sizes)
    return DataStats({part.folder: int(part.people.photos.sum()) for part in parts}, people, dict(sizes), pairs)


def dataset_stats(config: Config | None = None) -> DataStats:
    """Count photos per folder and person, image sizes and pairs balance (reads headers only)."""
    config = config or Config()
    return combine_stats([folder_stats(config.data_dir / f, f) for f in FOLDERS], pairs_balance(config))


def folder_measurements(path: Path, folder: str, sample: int = 300, seed: int = 0) -> pd.DataFrame:
    """Brightness and sharpness of up to ``sample`` photos of one folder (seeded random choice).

    Columns: ``path``, ``folder``, ``person``, ``width``, ``height`` (pixels), ``brightness``
    (mean grey level, 0-255) and ``sharpness`` (variance of the Laplacian of the photo shrunk to
    128x128; higher is sharper). Unreadable photos are skipped.
    """
    rng = np.random.default_rng([seed, FOLDERS.index(folder) if folder in FOLDERS else len(FOLDERS)])
    photos = list_photos(Path(path))
    rows = []
    for index in sorted(rng.permutation(len(photos))[:sample]):
        try:
            with Image.open(photos[index]) as image:
                grey = np.asarray(image.convert("L"))
        except OSError:
            continue
        rows.append((str(photos[index]), folder, identity_of(photos[index]), grey.shape[1], grey.shape[0],
                     *light_and_focus(grey)))
    return pd.DataFrame(rows, columns=["path", "folder", "person", "width", "height", "brightness", "sharpness"])
