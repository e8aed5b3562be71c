"""What the routes share in one process, and the dependencies that hand it to them: the config,
the model (loaded in the background at start), the gallery, the keys, the bounded admission of
photo work and the request counters."""

from __future__ import annotations

import secrets
import threading
import time
from contextlib import contextmanager

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from facekit.config import Config
from facekit.errors import DataError, FacekitError, Unavailable
from facekit.gallery.people import Gallery
from facekit.model.verifier import Verifier, load_verifier
from facekit.service.metrics import RequestMetrics


class Refusal(Exception):
    """An HTTP error of ours: status, code, message and headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class Service:
    """What the routes share in one process: the config, the model (loaded in the background at
    start), the gallery, the bounded admission of photo work, and the request counters."""

    def __init__(self, config: Config):
        self.config = config
        self._gallery: Gallery | None = None
        self._gallery_lock = threading.Lock()
        self._busy, self._busy_lock = 0, threading.Lock()
        self._warm = threading.Event()
        self.metrics = RequestMetrics()

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
                raise Refusal(503, "busy", "The server is busy comparing other photos. Try again in a moment.",
                               {"Retry-After": "1"})
            self._busy += 1
        try:
            yield
        finally:
            with self._busy_lock:
                self._busy -= 1

    def warm_up(self) -> None:
        try:
            started = time.perf_counter()
            verifier = self.verifier()
            self.metrics.model_load_seconds.set(time.perf_counter() - started)
            verifier.warm_up()
            self._warm.set()
        except FacekitError:
            pass  # no model: /readyz and the photo routes say so


# --- dependencies: what a route asks for --------------------------------------------------------

_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="Needed when the server has keys set")


def service(request: Request) -> Service:
    return request.app.state.service


def reader(request: Request, key: str | None = Security(_KEY_HEADER)) -> None:
    """Any key of the server (or none when it has no keys)."""
    config = service(request).config
    check_key(key, config.api_keys + config.admin_keys, config)


def admin(request: Request, key: str | None = Security(_KEY_HEADER)) -> None:
    """An admin key: enrolling and deleting people."""
    config = service(request).config
    check_key(key, config.admin_keys, config)


def many_photos() -> None:
    """A route that takes a pile of photos in one request: the doors let its body grow to
    ``config.api_max_pile_bytes`` instead of two photos' worth."""


def verifier(request: Request) -> Verifier:
    """The model, loaded (503 when there is none): photo routes depend on it."""
    return service(request).verifier()


def gallery(request: Request) -> Gallery:
    return service(request).gallery()


def check_key(key: str | None, accepted: tuple[str, ...], config: Config) -> None:
    """Open when no keys are set at all; else the X-API-Key must be one of ``accepted``."""
    if not (config.api_keys or config.admin_keys):
        return
    if not key or not any(secrets.compare_digest(key.encode(), k.encode()) for k in config.api_keys + config.admin_keys):
        raise Refusal(401, "unauthorized", "A valid X-API-Key header is needed.", {"WWW-Authenticate": "X-API-Key"})
    if not any(secrets.compare_digest(key.encode(), k.encode()) for k in accepted):
        raise Refusal(403, "forbidden", "This needs an admin key (enrolling and deleting people).")
