"""What is in the data folders: counts per folder and person, image sizes, light and sharpness."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from .config import Config
from .data import FOLDERS, identity_of, list_photos
from .images import light_and_focus
from .pairs import load_pairs

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


def dataset_stats(config: Config | None = None) -> DataStats:
    """Count photos per folder and person, image sizes and pairs balance (reads headers only)."""
    config = config or Config()
    rows, sizes = [], Counter()
    for folder in FOLDERS:
        for photo in list_photos(config.data_dir / folder):
            rows.append((folder, identity_of(photo)))
            try:
                with Image.open(photo) as image:
                    sizes[image.size] += 1
            except OSError:
                sizes[(0, 0)] += 1  # unreadable: counted, shown as 0x0
    people = pd.DataFrame(rows, columns=["folder", "person"])
    people = people.groupby(["folder", "person"]).size().rename("photos").reset_index()
    folder_counts = {f: int(people.loc[people.folder == f, "photos"].sum()) for f in FOLDERS}
    pairs = {}
    if config.pairs_csv.exists():
        pairs = {int(k): int(v) for k, v in load_pairs(config)["label"].value_counts().sort_index().items()}
    return DataStats(folder_counts, people, dict(sizes), pairs)


def photo_measurements(config: Config | None = None, sample: int = 300, seed: int | None = None) -> pd.DataFrame:
    """Brightness and sharpness of up to ``sample`` photos per folder (seeded random choice).

    Columns: ``path``, ``folder``, ``person``, ``width``, ``height`` (pixels), ``brightness``
    (mean grey level, 0-255) and ``sharpness`` (variance of the Laplacian of the photo shrunk to
    128x128; higher is sharper). Unreadable photos are skipped.
    """
    config = config or Config()
    rng = np.random.default_rng(config.seed if seed is None else seed)
    rows = []
    for folder in FOLDERS:
        photos = list_photos(config.data_dir / folder)
        for index in sorted(rng.permutation(len(photos))[:sample]):
            try:
                with Image.open(photos[index]) as image:
                    grey = np.asarray(image.convert("L"))
            except OSError:
                continue
            rows.append((str(photos[index]), folder, identity_of(photos[index]), grey.shape[1], grey.shape[0],
                         *light_and_focus(grey)))
    return pd.DataFrame(rows, columns=["path", "folder", "person", "width", "height", "brightness", "sharpness"])
