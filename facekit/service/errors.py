"""Every error as ``{"error": {"code", "message"}}`` with a plain message, never a stack trace;
the request-size cap and the request counters around every route."""

from __future__ import annotations

import sys
import time
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from facekit.errors import (DataError, FacekitError, ImageTooLarge, InvalidImage, NoFaceFound, NotFound, TooManyFaces,
                            TooManyPhotos, TooMuchData, Unavailable)
from facekit.service.state import Refusal, Service

_STATUS = (  # most specific first
    (ImageTooLarge, 413, "image_too_large"), (TooManyPhotos, 413, "too_many_photos"), (TooManyFaces, 413, "too_many_faces"),
    (TooMuchData, 413, "request_too_large"), (InvalidImage, 415, "invalid_image"), (NoFaceFound, 422, "no_face_found"),
    (NotFound, 404, "not_found"), (Unavailable, 503, "unavailable"), (DataError, 400, "bad_request"),
    (FacekitError, 400, "bad_request"),
)
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               408: "request_timeout", 413: "request_too_large", 503: "busy"}


def status_of(error: FacekitError) -> tuple[int, str]:
    """The HTTP status and the ``code`` a library error is answered with."""
    return next((status, code) for kind, status, code in _STATUS if isinstance(error, kind))


def _problem(error: dict) -> str:
    """One of a request's validation errors in words: "image1: a file is expected here (...)"."""
    where = ".".join(str(part) for part in error["loc"][1:]) or "request"
    if "UploadFile" in error["msg"]:  # pydantic says "Expected UploadFile, received: <class 'str'>"
        return f"{where}: a file is expected here (a photo sent as a file of a multipart form), not text"
    return f"{where}: {error['msg']}"


def add_error_answers(app: FastAPI, service: Service) -> None:
    def answer(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)

    @app.exception_handler(FacekitError)
    def facekit_error(request: Request, error: FacekitError) -> JSONResponse:
        status, code = status_of(error)
        # Every 503 says when to come back: a database or a model may be back by then.
        return answer(status, code, str(error), {"Retry-After": "5"} if status == 503 else None)

    @app.exception_handler(Refusal)
    def refusal(request: Request, error: Refusal) -> JSONResponse:
        return answer(error.status, error.code, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return answer(422, "invalid_request", "; ".join(map(_problem, error.errors())) + ".")

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and str(error.detail).startswith("Too many files"):  # Starlette's form parser, past 1,000
            return answer(413, "too_many_photos", f"More than 1,000 files in one request; one request takes at most "
                          f"{service.config.api_max_pile_photos} photos. Send the rest in another request.")
        return answer(error.status_code, _HTTP_CODES.get(error.status_code, "http_error"), str(error.detail),
                      getattr(error, "headers", None))

    @app.exception_handler(Exception)
    def unexpected(request: Request, error: Exception) -> JSONResponse:
        traceback.print_exception(error, file=sys.stderr)  # for the operator; never in the answer
        return answer(500, "internal_error", "Something went wrong on our side. It was logged; try again.")

    @app.middleware("http")
    async def measure(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        service.metrics.observe(request.method, getattr(route, "path", "unmatched"), response.status_code,
                                time.perf_counter() - start)
        return response
