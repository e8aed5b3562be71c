"""facekit over HTTP: verify two photos, enrol people, verify and identify against them.

``create_app()`` builds the FastAPI application that ``facekit serve`` runs; OpenAPI docs are at
``/docs``. Every answer is JSON; every error is ``{"error": {"code", "message"}}`` with the
library's plain message, never a stack trace. Photo routes are sync functions: FastAPI runs them
on its thread pool, and the one :class:`~facekit.verification.Verifier` of the process takes them
in turns.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
import traceback
from collections import defaultdict
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Literal

import numpy as np
from fastapi import Depends, FastAPI, File, Form, Request, Security, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException

from .config import MODELS, Config
from .errors import DataError, FacekitError, ImageTooLarge, InvalidImage, NoFaceFound, NotFound, Unavailable
from .faces import Face
from .gallery import EnrolledPhoto, Gallery
from .images import read_image_bytes
from .verification import Verifier, load_verifier


_STATUS = (  # most specific first
    (ImageTooLarge, 413, "image_too_large"), (InvalidImage, 415, "invalid_image"), (NoFaceFound, 422, "no_face_found"),
    (NotFound, 404, "not_found"), (Unavailable, 503, "unavailable"), (DataError, 400, "bad_request"),
    (FacekitError, 400, "bad_request"),
)
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "request_too_large", 503: "busy"}
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Photo = Annotated[UploadFile, File(description="A photo with a face: JPEG, PNG, WEBP, BMP, GIF or TIFF")]
ModelName = Annotated[Literal[tuple(MODELS)] | None, Form(
    description="Which Siamese model answers: 'pretrained' (dlib's tower, trained elsewhere on ~3 M faces; the default) "
    "or 'scratch' (trained here on LFW alone)")]
Threshold = Annotated[float | None, Form(ge=0.0, le=1.0, description="Your own P(same) line in [0, 1]; "
                                         "replaces the model's two lines with one (no 'unsure')")]


class _Refusal(Exception):
    """An HTTP error of ours: status, code, message and headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class _Service:
    """What the routes share in one process: the config, the model (loaded in the background at
    start), the gallery, the bounded admission of photo work, and the request counters."""

    def __init__(self, config: Config):
        self.config = config
        self._gallery: Gallery | None = None
        self._gallery_lock = threading.Lock()
        self._busy, self._busy_lock = 0, threading.Lock()
        self._warm = threading.Event()
        self.metrics = _Metrics()

    def verifier(self, model: str | None = None) -> Verifier:
        """The model ``config.model`` names, or ``model`` (``load_verifier`` loads each once);
        503 when there is none."""
        try:
            return load_verifier(self.config.with_(model=model) if model else self.config)
        except DataError as error:
            raise Unavailable(error.reason, error.hint) from None

    @property
    def ready(self) -> bool:
        """The model is loaded and has run once: answers come at full speed."""
        return self._warm.is_set()

    def gallery(self) -> Gallery:
        """The gallery (opened on first use); its model is :meth:`verifier`'s."""
        with self._gallery_lock:
            if self._gallery is None:
                self._gallery = Gallery(self.config)
            return self._gallery

    def close(self) -> None:
        if self._gallery is not None:
            self._gallery.close()

    @contextmanager
    def admitted(self):
        """Photo work, at most ``config.api_max_requests`` at once: beyond that a request is
        turned away at once (503, come back in a second) instead of waiting without bound."""
        with self._busy_lock:
            if self._busy >= self.config.api_max_requests:
                raise _Refusal(503, "busy", "The server is busy comparing other photos. Try again in a moment.",
                               {"Retry-After": "1"})
            self._busy += 1
        try:
            yield
        finally:
            with self._busy_lock:
                self._busy -= 1

    def warm_up(self) -> None:
        try:
            self.verifier().warm_up()
            self._warm.set()
        except FacekitError:
            pass  # no model: /readyz and the photo routes say so


class _Metrics:
    """Prometheus counters by route: requests by status, errors, and a latency histogram."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(_LATENCY_BUCKETS) + 1))
        self._seconds: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[method, route, status] += 1
            self._seconds[method, route] += seconds
            bucket = next((i for i, edge in enumerate(_LATENCY_BUCKETS) if seconds <= edge), len(_LATENCY_BUCKETS))
            self._buckets[method, route][bucket] += 1

    def text(self) -> str:
        with self._lock:
            lines = ["# HELP facekit_requests_total HTTP requests by route and status.",
                     "# TYPE facekit_requests_total counter"]
            lines += [f'facekit_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
                      for (m, r, s), n in sorted(self._requests.items())]
            lines += ["# HELP facekit_errors_total HTTP requests answered with an error (4xx or 5xx), by route.",
                      "# TYPE facekit_errors_total counter"]
            errors: dict[tuple[str, str], int] = defaultdict(int)
            for (m, r, s), n in self._requests.items():
                errors[m, r] += n if s >= 400 else 0
            lines += [f'facekit_errors_total{{method="{m}",route="{r}"}} {n}' for (m, r), n in sorted(errors.items())]
            lines += ["# HELP facekit_request_seconds Time to answer, by route.", "# TYPE facekit_request_seconds histogram"]
            for (m, r), counts in sorted(self._buckets.items()):
                total = 0
                for edge, count in zip((*_LATENCY_BUCKETS, "+Inf"), counts):
                    total += count
                    lines.append(f'facekit_request_seconds_bucket{{method="{m}",route="{r}",le="{edge}"}} {total}')
                lines.append(f'facekit_request_seconds_sum{{method="{m}",route="{r}"}} {self._seconds[m, r]:.6f}')
                lines.append(f'facekit_request_seconds_count{{method="{m}",route="{r}"}} {total}')
        return "\n".join(lines) + "\n"


# --- the application ---------------------------------------------------------------------------


def create_app(config: Config | None = None) -> FastAPI:
    """The HTTP API over ``config`` (default: ``Config()`` now, from the environment)."""
    service = _Service(config or Config())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=service.warm_up, name="facekit-warm-up", daemon=True).start()
        yield
        service.close()

    app = FastAPI(
        title="facekit", lifespan=lifespan,
        description="Face verification with our own Siamese network: are two photos the same person, "
                    "and who among the enrolled people is in a photo.",
    )
    app.state.service = service
    _add_errors_and_metrics(app, service)

    key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Needed when the server has keys set")

    def reader(key: str | None = Security(key_header)) -> None:
        _check_key(key, service.config.api_keys + service.config.admin_keys, service.config)

    def admin(key: str | None = Security(key_header)) -> None:
        _check_key(key, service.config.admin_keys, service.config)

    def verifier() -> Verifier:
        """The model, loaded (503 when there is none): photo routes depend on it."""
        return service.verifier()

    def gallery() -> Gallery:
        return service.gallery()

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict:
        """The process is alive."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["service"])
    def readyz() -> dict:
        """The model is loaded and warm: photo routes answer at full speed (503 until then)."""
        if not service.ready:
            raise _Refusal(503, "not_ready", "The face model is still loading.", {"Retry-After": "2"})
        return {"status": "ready", "model": _model(service.verifier())}

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    def metrics() -> str:
        """Prometheus text: requests, errors and latency by route."""
        return service.metrics.text()

    @app.post("/v1/verify", tags=["verify"], dependencies=[Depends(reader)])
    def verify_two(image1: Photo, image2: Photo, threshold: Threshold = None, model: ModelName = None) -> dict:
        """Do two photos show the same person? ``decision`` is "same", "different" or "unsure"."""
        start = time.perf_counter()
        model = service.verifier(model)
        with service.admitted():
            verdict = model.verify(*_read(service.config, image1, image2), threshold)
        return {
            "decision": verdict.decision, "same": verdict.same, "probability": round(verdict.probability, 6),
            "thresholds": {"same_from": verdict.thresholds.same_from, "different_below": verdict.thresholds.different_below},
            "faces": [_face(face, photo, found) for face, photo, found in
                      zip(verdict.faces, verdict.photos, verdict.faces_found)],
            "model": _model(model), "took_ms": _ms_since(start),
        }

    @app.get("/v1/people", tags=["people"], dependencies=[Depends(reader)])
    def list_people(people: Gallery = Depends(gallery)) -> dict:
        """Everyone enrolled, with how many photos each."""
        return {"people": [{"name": p.name, "photos": p.photos} for p in people.people()]}

    @app.get("/v1/people/{name}", tags=["people"], dependencies=[Depends(reader)])
    def show_person(name: str, people: Gallery = Depends(gallery)) -> dict:
        """One person's enrolled photos."""
        photos = people.photos(name)
        return {"name": photos[0].person, "photos": [_photo(p) for p in photos]}

    @app.post("/v1/people/{name}/photos", tags=["people"], status_code=201, dependencies=[Depends(admin), Depends(verifier)])
    def enrol(name: str, image: Photo, people: Gallery = Depends(gallery)) -> dict:
        """Enrol a photo of a person (new names are enrolled on their first photo)."""
        with service.admitted():
            return _photo(people.enrol(name, *_read(service.config, image)))

    @app.delete("/v1/people/{name}", tags=["people"], dependencies=[Depends(admin)])
    def forget(name: str, people: Gallery = Depends(gallery)) -> dict:
        """Delete a person: every photo, face chip and embedding."""
        return {"name": name, "deleted_photos": people.forget(name)}

    @app.delete("/v1/people/{name}/photos/{photo_id}", tags=["people"], dependencies=[Depends(admin)])
    def remove_photo(name: str, photo_id: str, people: Gallery = Depends(gallery)) -> dict:
        """Delete one enrolled photo."""
        people.remove_photo(name, photo_id)
        return {"name": name, "deleted_photo": photo_id}

    @app.post("/v1/people/{name}/verify", tags=["verify"], dependencies=[Depends(reader), Depends(verifier)])
    def verify_person(name: str, image: Photo, people: Gallery = Depends(gallery)) -> dict:
        """Is this photo of that enrolled person? The enrolled-photos rule: verified when enough
        of their photos match with a confident "same"."""
        start = time.perf_counter()
        with service.admitted():
            result = people.verify(name, *_read(service.config, image))
        return {
            "person": name, "verified": result.verified, "matches": result.matches, "photos": result.n_anchors,
            "share": round(result.share, 6), "share_needed": result.share_needed,
            "match_threshold": result.match_threshold, "probabilities": [round(float(p), 6) for p in result.probabilities],
            "face": _face(result.probe_face, result.probe_photo), "model": _model(people.verifier),
            "took_ms": _ms_since(start),
        }

    @app.post("/v1/identify", tags=["verify"], dependencies=[Depends(reader), Depends(verifier)])
    def identify(image: Photo, top_k: Annotated[int, Form(ge=1, le=100)] = service.config.identify_top_k,
                 threshold: Threshold = None, people: Gallery = Depends(gallery)) -> dict:
        """Who among the enrolled is this? ``person`` is null when nobody passes the threshold."""
        start = time.perf_counter()
        with service.admitted():
            found = people.identify(*_read(service.config, image), top_k, threshold)
        return {
            "person": found.person, "threshold": found.threshold,
            "matches": [{"name": m.name, "probability": round(m.probability, 6), "photo_id": m.photo_id}
                        for m in found.matches],
            "face": _face(found.probe.face, found.probe.photo, found.probe.faces_found),
            "model": _model(people.verifier), "took_ms": _ms_since(start),
        }

    return app


def _check_key(key: str | None, accepted: tuple[str, ...], config: Config) -> None:
    """Open when no keys are set at all; else the X-API-Key must be one of ``accepted``."""
    if not (config.api_keys or config.admin_keys):
        return
    if not key or not any(secrets.compare_digest(key.encode(), k.encode()) for k in config.api_keys + config.admin_keys):
        raise _Refusal(401, "unauthorized", "A valid X-API-Key header is needed.", {"WWW-Authenticate": "X-API-Key"})
    if not any(secrets.compare_digest(key.encode(), k.encode()) for k in accepted):
        raise _Refusal(403, "forbidden", "This needs an admin key (enrolling and deleting people).")


def _add_errors_and_metrics(app: FastAPI, service: _Service) -> None:
    def answer(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)

    @app.exception_handler(FacekitError)
    def facekit_error(request: Request, error: FacekitError) -> JSONResponse:
        status, code = next((s, c) for kind, s, c in _STATUS if isinstance(error, kind))
        # Every 503 says when to come back: a database or a model may be back by then.
        return answer(status, code, str(error), {"Retry-After": "5"} if status == 503 else None)

    @app.exception_handler(_Refusal)
    def refusal(request: Request, error: _Refusal) -> JSONResponse:
        return answer(error.status, error.code, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(part) for part in e['loc'][1:]) or 'request'}: {e['msg']}" for e in error.errors()]
        return answer(422, "invalid_request", "; ".join(problems) + ".")

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return answer(error.status_code, _HTTP_CODES.get(error.status_code, "http_error"), str(error.detail),
                      getattr(error, "headers", None))

    @app.exception_handler(Exception)
    def unexpected(request: Request, error: Exception) -> JSONResponse:
        traceback.print_exception(error, file=sys.stderr)  # for the operator; never in the answer
        return answer(500, "internal_error", "Something went wrong on our side. It was logged; try again.")

    limit = 2 * service.config.max_image_bytes + 1024 * 1024  # two photos and the form around them

    @app.middleware("http")
    async def measure(request: Request, call_next):
        start = time.perf_counter()
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            response = answer(413, "request_too_large",
                              f"The request is {int(length) / 2**20:.0f} MB; photos may be at most "
                              f"{service.config.max_image_bytes / 2**20:.0f} MB each.")
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        service.metrics.observe(request.method, getattr(route, "path", "unmatched"), response.status_code,
                                time.perf_counter() - start)
        return response


def _read(config: Config, *uploads: UploadFile) -> list[bytes]:
    """The uploaded photos' bytes, each within this server's ``max_image_bytes`` (413 past it)."""
    photos = []
    for which, upload in zip(("first", "second") if len(uploads) > 1 else (None,), uploads):
        try:
            photos.append(read_image_bytes(upload.file, config))
        except InvalidImage as error:
            raise (error.about(which) if which else error) from None
    return photos


def _face(face: Face, photo: np.ndarray, faces_found: int = 1) -> dict:
    """A face as JSON: box ``[x, y, w, h]`` and five landmarks in pixels of a ``photo_size``
    ``[width, height]`` frame (the upright photo, shrunk to at most 1024 px on its longer side)."""
    return {"box": [int(v) for v in face.box], "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in face.landmarks],
            "confidence": round(float(face.confidence), 4), "photo_size": [int(photo.shape[1]), int(photo.shape[0])],
            "faces_found": int(faces_found)}


def _photo(photo: EnrolledPhoto) -> dict:
    return {"id": photo.id, "person": photo.person, "box": list(photo.box),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in photo.landmarks],
            "problems": list(photo.problems), "added": photo.added}


def _model(verifier: Verifier) -> dict:
    return {"name": verifier.config.model, "version": verifier.version}


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
