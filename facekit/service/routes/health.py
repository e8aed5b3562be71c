"""Is the service alive, ready, and how is it doing?"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from facekit.service.answers import model_json
from facekit.service.state import Refusal, Service, service

router = APIRouter(tags=["service"])


@router.get("/", include_in_schema=False)
def root() -> dict:
    """Where to go from here: the docs, and the routes that say how the service is."""
    return {"service": "facekit", "docs": "/docs", "openapi": "/openapi.json", "health": "/healthz", "ready": "/readyz"}


@router.get("/healthz")
def healthz() -> dict:
    """The process is alive."""
    return {"status": "alive"}


@router.get("/readyz")
def readyz(state: Service = Depends(service)) -> dict:
    """The model is loaded and warm: photo routes answer at full speed (503 until then)."""
    if not state.ready:
        raise Refusal(503, "not_ready", "The face model is still loading.", {"Retry-After": "2"})
    return {"status": "ready", "model": model_json(state.verifier())}


@router.get("/metrics", response_class=Response)
def metrics(state: Service = Depends(service)) -> Response:
    """Prometheus text: requests, errors and latency by route (every worker's), the model's load
    time, the gallery's size, the search index's lag."""
    state.metrics.gallery_photos.set(state.gallery().photo_count())
    state.metrics.index_lag_seconds.set(state.gallery().index_lag_seconds)
    return Response(state.metrics.text(), media_type=CONTENT_TYPE_LATEST)
