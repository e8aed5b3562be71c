"""The gallery: who is enrolled, enrolling a photo, deleting a photo or a person."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from facekit.errors import FacekitError
from facekit.gallery.enrolment import enrol_each
from facekit.gallery.people import Gallery
from facekit.service.answers import PersonName, PhotoId, Photos, photo_json, pile_uploads
from facekit.service.errors import status_of
from facekit.service.state import Service, admin, gallery, many_photos, reader, service, verifier

router = APIRouter(tags=["people"])


@router.get("/v1/people", dependencies=[Depends(reader)])
def list_people(people: Gallery = Depends(gallery)) -> dict:
    """Everyone enrolled, with how many photos each."""
    return {"people": [{"name": p.name, "photos": p.photos} for p in people.people()]}


@router.get("/v1/people/{name}", dependencies=[Depends(reader)])
def show_person(name: PersonName, people: Gallery = Depends(gallery)) -> dict:
    """One person's enrolled photos."""
    photos = people.photos(name)
    return {"name": photos[0].person, "photos": [photo_json(p) for p in photos]}


@router.post("/v1/people/{name}/photos", status_code=201, dependencies=[Depends(admin), Depends(many_photos), Depends(verifier)])
def enrol(name: PersonName, image: Photos, people: Gallery = Depends(gallery), state: Service = Depends(service)):
    """Enrol photos of a person (new names are enrolled on their first photo). One photo: the
    enrolled photo. Several (repeat ``image``; zips are opened): ``{"name", "enrolled", "photos":
    [...]}``, each photo answered on its own, in order (``{"file", "photo"}`` or ``{"file",
    "error"}``): a bad photo does not stop the others. 201 when one or more were enrolled."""
    with pile_uploads(state.config, image) as unpacked:  # the photos on disk, gone with the request
        if len(unpacked.photos) == 1 and not unpacked.refused:
            return photo_json(people.enrol(name, unpacked.photos[0][1]))
        answers = [_answer(file, result) for file, result in enrol_each(people, name, [(f, path, None) for f, path in unpacked.photos])]
    answers += [{"file": file, "error": {"code": "invalid_image", "message": f"Left out: {why}."}} for file, why in unpacked.refused]
    enrolled = sum("photo" in answer for answer in answers)
    body = {"name": name, "enrolled": enrolled, "photos": answers}
    if not enrolled:
        body["error"] = {"code": "nothing_enrolled", "message": f"None of the {len(answers)} photos could be enrolled."}
    return JSONResponse(body, status_code=201 if enrolled else 422)


def _answer(file: str, result) -> dict:
    """One photo of a bulk enrolment: the enrolled photo, or the error that refused it."""
    if isinstance(result, FacekitError):
        return {"file": file, "error": {"code": status_of(result)[1], "message": result.message}}
    return {"file": file, "photo": photo_json(result)}


@router.delete("/v1/people/{name}", dependencies=[Depends(admin)])
def forget(name: PersonName, people: Gallery = Depends(gallery)) -> dict:
    """Delete a person: every photo, face chip and embedding."""
    return {"name": name, "deleted_photos": people.forget(name)}


@router.delete("/v1/people/{name}/photos/{photo_id}", dependencies=[Depends(admin)])
def remove_photo(name: PersonName, photo_id: PhotoId, people: Gallery = Depends(gallery)) -> dict:
    """Delete one enrolled photo."""
    people.remove_photo(name, photo_id)
    return {"name": name, "deleted_photo": photo_id}
