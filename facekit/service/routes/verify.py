"""Photos compared: two photos, a photo against an enrolled person, a photo among everyone enrolled."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form

from facekit.gallery.people import Gallery
from facekit.service.answers import (IDENTIFY_EXAMPLE, VERIFY_EXAMPLE, FaceNumber, ModelName, PersonName, Photo, Threshold,
                                     example_answer, face_json, model_json, ms_since, read_photos)
from facekit.service.state import Service, gallery, reader, service, verifier

router = APIRouter(tags=["verify"], dependencies=[Depends(reader)])


@router.post("/v1/verify", responses=example_answer(VERIFY_EXAMPLE))
def verify_two(image1: Photo, image2: Photo, threshold: Threshold = None, model: ModelName = None,
               face1: FaceNumber = None, face2: FaceNumber = None, state: Service = Depends(service)) -> dict:
    """Do two photos show the same person? ``decision`` is "same", "different" or "unsure". Each
    face says how many faces its photo has (``faces_found``) and which was compared (``number``)."""
    start = time.perf_counter()
    chosen = state.verifier(model)
    verdict = chosen.verify(*read_photos(state.config, image1, image2), threshold, (face1, face2))
    return {
        "decision": verdict.decision, "same": verdict.same, "probability": round(verdict.probability, 6),
        "thresholds": {"same_from": verdict.thresholds.same_from, "different_below": verdict.thresholds.different_below},
        "faces": [face_json(face, photo, found, number) for face, photo, found, number in
                  zip(verdict.faces, verdict.photos, verdict.faces_found, verdict.face_numbers)],
        "model": model_json(chosen), "took_ms": ms_since(start),
    }


@router.post("/v1/people/{name}/verify", dependencies=[Depends(verifier)])
def verify_person(name: PersonName, image: Photo, people: Gallery = Depends(gallery), state: Service = Depends(service)) -> dict:
    """Is this photo of that enrolled person? The enrolled-photos rule: verified when enough
    of their photos match with a confident "same"."""
    start = time.perf_counter()
    result = people.verify(name, *read_photos(state.config, image))
    return {
        "person": name, "verified": result.verified, "matches": result.matches, "photos": result.n_anchors,
        "share": round(result.share, 6), "share_needed": result.share_needed,
        "match_threshold": result.match_threshold, "probabilities": [round(float(p), 6) for p in result.probabilities],
        "face": face_json(result.probe_face, result.probe_photo), "model": model_json(people.verifier),
        "took_ms": ms_since(start),
    }


@router.post("/v1/identify", dependencies=[Depends(verifier)], responses=example_answer(IDENTIFY_EXAMPLE))
def identify(image: Photo, top_k: Annotated[int | None, Form(ge=1, le=100, description="How many people to list "
             "(default: the server's FACEKIT_IDENTIFY_TOP_K)", examples=[5])] = None, threshold: Threshold = None,
             people: Gallery = Depends(gallery), state: Service = Depends(service)) -> dict:
    """Who among the enrolled is this? The top-level fields answer for the most prominent face
    (``person`` is null when nobody passes the threshold); ``faces`` answers for every face, left
    to right: ``verdict`` "known" (``person`` named), "not sure" or "unknown"."""
    start = time.perf_counter()
    found = people.identify_faces(*read_photos(state.config, image), top_k, threshold)
    main = found.main.as_dict()
    return {
        "person": main["person"], "threshold": found.threshold, "matches": main["matches"],
        "face": face_json(found.main.face, found.photo, len(found.faces), found.main.number),
        "faces": [face.as_dict() for face in found.faces],
        "model": model_json(people.verifier), "took_ms": ms_since(start),
    }
