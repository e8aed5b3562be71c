"""A pile of photos sorted by person: every face of every photo, grouped."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends

from facekit.gallery.people import Gallery
from facekit.service.answers import Photos, example_answer, model_json, ms_since, pile_uploads
from facekit.service.state import Service, gallery, many_photos, reader, service, verifier
from facekit.sorting.groups import group_pile, groups_as_dict, name_groups
from facekit.sorting.pile import read_unpacked

router = APIRouter(tags=["sort"])
_GROUP_EXAMPLE = {"groups": [{"person": "Ada Lovelace", "faces": [{"photo": "party/IMG_0001.jpg", "box": [212, 118, 236, 236]},
                                                                  {"photo": "IMG_0007.jpg", "box": [40, 60, 120, 120]}]},
                             {"person": None, "faces": [{"photo": "IMG_0007.jpg", "box": [300, 64, 110, 110]}]}],
                  "no_face": ["IMG_0003.jpg"], "unreadable": ["notes.txt"], "model": {"name": "sface", "version": "3c1b9e0d2f4a"},
                  "took_ms": 812.4}


@router.post("/v1/group", dependencies=[Depends(reader), Depends(many_photos), Depends(verifier)],
             responses=example_answer(_GROUP_EXAMPLE))
def group(image: Photos, people: Gallery = Depends(gallery), state: Service = Depends(service)) -> dict:
    """Every face of every photo (repeat ``image``, or send zips), grouped by person with the
    model's own P(same): no number of people is given, and a face the model is unsure of stays a
    group of its own. Largest group first; ``person`` names a group most of whose faces are an
    enrolled person. Photos with no face and files that are not images are listed, never fatal.
    Boxes are ``[x, y, w, h]`` in the photo's own pixels. At most 100 photos (a zip's counted before
    any is read) and 200 MB a request, its zips' photos unpacked included; a zip's file that is too
    large, hidden or with a path outside the zip is listed under ``unreadable``. A photo's 100 largest
    faces are kept, and 10,000 faces in all (413 ``too_many_faces`` past that)."""
    start = time.perf_counter()
    with pile_uploads(state.config, image) as unpacked:  # the photos on disk, gone with the request
        pile = read_unpacked(unpacked, people.verifier, most_faces=state.config.max_pile_faces, thumbnails=False)
        groups = name_groups(group_pile(pile, people.verifier), pile.embeddings, [(people, None)])
        return {**groups_as_dict(groups, pile), "model": model_json(people.verifier), "took_ms": ms_since(start)}
