"""Among many strangers: same-person pairs accepted at a fixed share of stranger pairs accepted.

Pair accuracy hides what identify, group photos, Live and Sort photos live with: one face compared
with thousands. Here every photo of LFW View 1's test people (``peopleDevTest.txt``) is compared
with every other by the cosine of their embeddings (for a tower's euclidean head, the order of
P(same), without the sigmoid's rounding to 1.0 at the top); the line that accepts 1 stranger pair in 1,000 (10,000, 100,000) is read off the
stranger pairs themselves, and the figure is the share of same-person pairs at or above it. LFW's
well-known people may be in an outside tower's training photos, so the figure is also given for
people with 2-3 photos in LFW (the less famous) and with 10 or more (the famous) at the same lines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facekit.config import Config
from facekit.data.lfw import read_people

STRANGERS_ACCEPTED = (1e-3, 1e-4, 1e-5)
FAME_BANDS = {"2-3 photos": (2, 3), "10+ photos": (10, 10**9)}
_ROWS = 512  # rows of the score matrix at once: memory ~ rows x photos floats


def score_open_set(verifier, lfw_dir: Path, protocol_dir: Path, config: Config, workers: int = 1,
                   progress: bool = False) -> dict:
    """The figures for ``verifier``'s model: ``strangers_accepted`` (the shares), ``same_accepted`` (one
    figure per share), ``by_fame`` (the same per band of LFW photo counts), ``n_photos``,
    ``n_same_pairs``, ``n_stranger_pairs``. Photos without a found face are cut by LFW's framing."""
    from facekit.faces.chips import chip_photos, read_chip

    people = read_people(Path(protocol_dir) / "peopleDevTest.txt")
    photos = [(person, path) for person in people for path in sorted((Path(lfw_dir) / person).glob("*.jpg"))]
    chips = chip_photos([p for _, p in photos], verifier.framing(config), workers, progress, lfw_fallback=True)
    embeddings = verifier.embeddings(np.stack([read_chip(chips[p].chip_path) for _, p in photos]))
    owner = np.unique([person for person, _ in photos], return_inverse=True)[1]
    photo_count = np.bincount(owner)[owner]
    same, strangers, same_count = [], [], []
    for start in range(0, len(photos), _ROWS):
        scores = embeddings[start : start + _ROWS] @ embeddings.T
        rows = np.arange(start, min(start + _ROWS, len(photos)))[:, None]
        later = np.arange(len(photos))[None, :] > rows  # each pair once
        one_person = owner[rows] == owner[None, :]
        same.append(scores[later & one_person])
        same_count.append(np.broadcast_to(photo_count[rows], scores.shape)[later & one_person])
        strangers.append(scores[later & ~one_person])
    same, same_count, strangers = np.concatenate(same), np.concatenate(same_count), np.sort(np.concatenate(strangers))
    lines = [float(strangers[min(len(strangers) - 1, int(np.ceil(len(strangers) * (1 - share))))]) for share in STRANGERS_ACCEPTED]
    return {
        "strangers_accepted": list(STRANGERS_ACCEPTED),
        "same_accepted": [float((same > line).mean()) for line in lines],
        "by_fame": {band: {"people": int(len(np.unique(owner[(photo_count >= low) & (photo_count <= high)]))),
                           "same_accepted": [float((same[(same_count >= low) & (same_count <= high)] > line).mean())
                                             for line in lines]}
                    for band, (low, high) in FAME_BANDS.items()},
        "n_photos": len(photos),
        "n_same_pairs": int(len(same)),
        "n_stranger_pairs": int(len(strangers)),
    }
