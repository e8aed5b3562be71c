"""The known-bad baseline: Gaussian Naive Bayes on the raw grey pixels of both face chips.

Each pair becomes one row of ``2 * baseline_size**2`` features (22,050 at 105x105): chip A's
pixels then chip B's, in [0, 1]. Naive Bayes treats every pixel as independent evidence, so it
cannot compare the two faces; the original project measured 51% on held-out pairs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.naive_bayes import GaussianNB
from tqdm import tqdm

from facekit.config import Config
from facekit.faces.align import model_input
from facekit.faces.chips import read_chip

_SAVED_FIELDS = ("classes_", "class_count_", "class_prior_", "theta_", "var_", "epsilon_")


def _grey_pixels(chip_paths: list[str], size: int, progress: bool) -> tuple[np.ndarray, dict[str, int]]:
    """Each distinct chip once, as uint8 grey pixels ``(n, size*size)``, and its row by path."""
    unique = list(dict.fromkeys(chip_paths))
    pixels = np.empty((len(unique), size * size), dtype=np.uint8)
    for row, path in enumerate(tqdm(unique, desc="Reading chips", unit="chip", disable=not progress)):
        pixels[row] = np.round(model_input(read_chip(path), size, grey=True).ravel() * 255)
    return pixels, {path: row for row, path in enumerate(unique)}


def _pair_batches(chips_a, chips_b, size, batch_size, progress):
    """Yield ``(slice, features)``: float32 rows ``[pixels A, pixels B]`` in [0, 1], in order."""
    pixels, row_of = _grey_pixels(list(chips_a) + list(chips_b), size, progress)
    rows_a = np.array([row_of[p] for p in chips_a])
    rows_b = np.array([row_of[p] for p in chips_b])
    for start in tqdm(range(0, len(rows_a), batch_size), desc="Pairs", unit="batch", disable=not progress):
        part = slice(start, start + batch_size)
        yield part, np.hstack([pixels[rows_a[part]], pixels[rows_b[part]]]).astype(np.float32) / 255.0


def train_baseline(chips_a, chips_b, labels, config: Config | None = None, progress: bool = False) -> GaussianNB:
    """Fit GaussianNB on pairs of chip paths (``labels`` 1 same, 0 different), streamed in batches."""
    config = config or Config()
    labels = np.asarray(labels, dtype=int)
    model = GaussianNB()
    for part, features in _pair_batches(chips_a, chips_b, config.baseline_size, 4096, progress):
        model.partial_fit(features, labels[part], classes=[0, 1])
    return model


def baseline_scores(model: GaussianNB, chips_a, chips_b, config: Config | None = None, progress: bool = False) -> np.ndarray:
    """The log-odds that each pair is the same person (``> 0`` means the model says "same")."""
    config = config or Config()
    scores = []
    for _, features in _pair_batches(chips_a, chips_b, config.baseline_size, 1024, progress):
        joint = model.predict_joint_log_proba(features)
        scores.append(joint[:, 1] - joint[:, 0])
    return np.concatenate(scores) if scores else np.empty(0)


def save_baseline(model: GaussianNB, path: Path) -> Path:
    """Save the fitted parameters as plain arrays (``.npz``, no pickle)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **{name: getattr(model, name) for name in _SAVED_FIELDS})
    return path


def load_baseline(path: Path) -> GaussianNB:
    """Rebuild a GaussianNB saved by :func:`save_baseline` (refuses pickled content)."""
    model = GaussianNB()
    with np.load(Path(path), allow_pickle=False) as saved:
        for name in _SAVED_FIELDS:
            value = saved[name]
            setattr(model, name, value.item() if value.ndim == 0 else value)
    model.n_features_in_ = model.theta_.shape[1]
    return model
