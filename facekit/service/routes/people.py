"""The gallery: who is enrolled, enrolling a photo, deleting a photo or a person."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from facekit.gallery.people import Gallery
from facekit.service.answers import PersonName, Photo, PhotoId, photo_json, read_photos
from facekit.service.state import Service, admin, gallery, reader, service, verifier

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


@router.post("/v1/people/{name}/photos", status_code=201, dependencies=[Depends(admin), Depends(verifier)])
def enrol(name: PersonName, image: Photo, people: Gallery = Depends(gallery), state: Service = Depends(service)) -> dict:
    """Enrol a photo of a person (new names are enrolled on their first photo)."""
    return photo_json(people.enrol(name, *read_photos(state.config, image)))


@router.delete("/v1/people/{name}", dependencies=[Depends(admin)])
def forget(name: PersonName, people: Gallery = Depends(gallery)) -> dict:
    """Delete a person: every photo, face chip and embedding."""
    return {"name": name, "deleted_photos": people.forget(name)}


@router.delete("/v1/people/{name}/photos/{photo_id}", dependencies=[Depends(admin)])
def remove_photo(name: PersonName, photo_id: PhotoId, people: Gallery = Depends(gallery)) -> dict:
    """Delete one enrolled photo."""
    people.remove_photo(name, photo_id)
    return {"name": name, "deleted_photo": photo_id}
