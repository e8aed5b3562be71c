"""The photos of a pile where one person appears, sure ones first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facekit.gallery.people import Gallery
from facekit.model.verifier import Verifier
from facekit.sorting.pile import Pile


@dataclass(frozen=True)
class Sighting:
    """The person in one photo of a pile: ``face`` (index into the pile's faces: the photo's face
    most like them), ``probability`` P(same) in [0, 1], ``decision`` "same" (sure) or "unsure"."""

    face: int
    probability: float
    decision: str


def find_person(references: np.ndarray, pile: Pile, verifier: Verifier) -> list[Sighting]:
    """The photos of ``pile`` where the person of ``references`` ``(k, d)`` (embeddings of one or
    more photos of them) appears: in each photo, the face with the highest P(same) against any
    reference, kept when the model is sure or unsure (not when it says "different"); sure ones
    first, each kind by P(same), highest first."""
    if not len(pile.faces):
        return []
    best = verifier.pairwise_probabilities(np.atleast_2d(references), pile.embeddings).max(axis=0)
    by_photo: dict = {}
    for index, face in enumerate(pile.faces):
        if face.photo not in by_photo or best[index] > best[by_photo[face.photo]]:
            by_photo[face.photo] = index
    sightings = [Sighting(i, float(best[i]), verifier.thresholds.decide(float(best[i]))) for i in by_photo.values()]
    kept = [s for s in sightings if s.decision != "different"]
    return sorted(kept, key=lambda s: (s.decision != "same", -s.probability))


def enrolled_references(gallery: Gallery, name: str, owner: str | None = None) -> np.ndarray:
    """The embeddings ``(k, d)`` of an enrolled person's photos (among ``owner``'s people) by the
    gallery's model (whichever model enrolled them): what :func:`find_person` looks for. Raises
    :class:`~facekit.errors.NotFound`."""
    return gallery.embeddings_of(name, owner)
