"""The shapes of the API's requests and answers: uploaded photos in, faces, photos and models out."""

from __future__ import annotations

import contextlib
import pathlib
import tempfile
import time
from collections.abc import Iterator
from typing import Annotated, Literal

import numpy as np
from fastapi import File, Form, Path, UploadFile

from facekit.config import MODELS, Config
from facekit.errors import InvalidImage
from facekit.faces.detect import Face
from facekit.faces.images import read_image_bytes
from facekit.gallery.people import EnrolledPhoto
from facekit.model.verifier import Verifier
from facekit.sorting.pile import Unpacked, unpack_uploads

Photo = Annotated[UploadFile, File(description="A photo with a face: JPEG, PNG, WEBP, BMP, GIF or TIFF")]
Photos = Annotated[list[UploadFile], File(description="One photo or several (repeat the field): JPEG, PNG, WEBP, BMP, "
                                          "GIF or TIFF, or zips of them")]
ModelName = Annotated[Literal[tuple(MODELS)] | None, Form(
    description="Which Siamese model answers: 'sface' (SFace's tower, trained elsewhere on web photos; the default), "
    "'pretrained' (dlib's tower, trained elsewhere on ~3 M faces, none of LFW's people) or 'scratch' (trained here on "
    "LFW alone)", examples=["sface"])]
Threshold = Annotated[float | None, Form(ge=0.0, le=1.0, description="Your own P(same) line in [0, 1]; "
                                         "replaces the model's two lines with one (no 'unsure')", examples=[0.7])]
FaceNumber = Annotated[int | None, Form(ge=1, le=1000, description="Which face of the photo to compare: 1, 2, ... "
                                       "left to right (default: the most prominent; faces_found in the answer "
                                       "says how many there are)", examples=[1])]
PersonName = Annotated[str, Path(description="The person's name as enrolled (any script, at most 60 characters)",
                                 examples=["Ada Lovelace"])]
PhotoId = Annotated[str, Path(description="An enrolled photo's id, from enrolling or GET /v1/people/{name}",
                              examples=["3f9c2a7e41d0b65c"])]
_FACE_EXAMPLE = {"box": [212, 118, 236, 236], "landmarks": [[281.0, 213.2], [378.4, 211.9], [330.5, 270.1],
                 [290.3, 318.7], [372.8, 317.5]], "confidence": 0.97, "photo_size": [800, 450], "faces_found": 1, "number": 1}
_MODEL_EXAMPLE = {"name": "sface", "version": "3c1b9e0d2f4a"}
VERIFY_EXAMPLE = {"decision": "same", "same": True, "probability": 0.958,
                  "thresholds": {"same_from": 0.827, "different_below": 0.561},
                  "faces": [_FACE_EXAMPLE, _FACE_EXAMPLE], "model": _MODEL_EXAMPLE, "took_ms": 61.2}
_MATCHES_EXAMPLE = [{"name": "Ada Lovelace", "probability": 0.991, "photo_id": "3f9c2a7e41d0b65c"}]
IDENTIFY_EXAMPLE = {"person": "Ada Lovelace", "threshold": 0.93, "matches": _MATCHES_EXAMPLE, "face": _FACE_EXAMPLE,
                    "faces": [{"number": 1, "box": [212, 118, 236, 236], "person": "Ada Lovelace", "verdict": "known",
                               "probability": 0.991, "matches": _MATCHES_EXAMPLE, "problems": []}],
                    "model": _MODEL_EXAMPLE, "took_ms": 48.0}


def example_answer(example: dict) -> dict:
    """An answer's example for the docs page (a route's ``responses=``)."""
    return {200: {"content": {"application/json": {"example": example}}}}


def read_photos(config: Config, *uploads: UploadFile) -> list[bytes]:
    """The uploaded photos' bytes, each within this server's ``max_image_bytes`` (413 past it)."""
    photos = []
    for which, upload in zip(("first", "second") if len(uploads) > 1 else (None,), uploads):
        try:
            photos.append(read_image_bytes(upload.file, config))
        except InvalidImage as error:
            raise (error.about(which) if which else error) from None
    return photos


@contextlib.contextmanager
def pile_uploads(config: Config, uploads: list[UploadFile]) -> Iterator[Unpacked]:
    """Many uploads (zips opened) unpacked to a folder of the request's own, deleted when the block
    ends, each file streamed to disk: at most ``config.api_max_pile_photos`` photos, counted before any
    is read, and ``config.api_max_pile_bytes`` unpacked (413 past either). A zip's file declared too
    large, hidden, or with a path outside it is refused alone (listed with why)."""
    with tempfile.TemporaryDirectory(prefix="facekit-request-") as folder:
        yield unpack_uploads([(upload.filename or f"photo {n}", upload.file) for n, upload in enumerate(uploads, 1)],
                             pathlib.Path(folder), config, most_photos=config.api_max_pile_photos,
                             most_bytes=config.api_max_pile_bytes)


def face_json(face: Face, photo: np.ndarray, faces_found: int = 1, number: int = 1) -> dict:
    """A face as JSON: box ``[x, y, w, h]`` and five landmarks in pixels of a ``photo_size``
    ``[width, height]`` frame (the upright photo, shrunk to at most 1024 px on its longer side);
    ``number`` is the face's among the ``faces_found`` (1, 2, ... left to right)."""
    return {"box": [int(v) for v in face.box], "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in face.landmarks],
            "confidence": round(float(face.confidence), 4), "photo_size": [int(photo.shape[1]), int(photo.shape[0])],
            "faces_found": int(faces_found), "number": int(number)}


def photo_json(photo: EnrolledPhoto) -> dict:
    return {"id": photo.id, "person": photo.person, "box": list(photo.box),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in photo.landmarks],
            "problems": list(photo.problems), "added": photo.added}


def model_json(verifier: Verifier) -> dict:
    return {"name": verifier.config.model, "version": verifier.version}


def ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
