"""The service's doors: what is checked before a route reads a single byte of a request's body.

In order: the key (when the server has keys: the admin key for a route with the ``admin``
dependency, any key for every other path but the probes ``/healthz`` and ``/readyz``), the admission of
photo work (at most ``config.api_max_requests`` at once, else 503 with Retry-After), and a cap on
the body as it streams in, chunked or not (413 as soon as it is crossed): two photos' worth, or
``config.api_max_pile_bytes`` for a route with the ``many_photos`` dependency; a body that comes
slower than ``config.api_min_body_bytes_per_s`` after ``config.api_body_grace_s`` is cut with 408,
which frees its admission slot. A request turned away here costs the server its headers only:
nothing is read, nothing spooled to disk.
"""

from __future__ import annotations

import asyncio
import json
import time

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import Match

from facekit.service.state import Refusal, Service, admin, check_key, many_photos

_OPEN = ("/healthz", "/readyz")


class Doors:
    """Pure ASGI middleware; ``routes`` are the app's routes (its routers' own, before inclusion)."""

    def __init__(self, app, service: Service, routes: list):
        self.app, self.service, self.routes = app, service, routes
        # Two photos and the form around them.
        self.two_photos = 2 * service.config.max_image_bytes + 1024 * 1024

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = next((r for r in self.routes if isinstance(r, APIRoute) and r.matches(scope)[0] == Match.FULL), None)
        try:
            self._check_key(scope, route)
            cap = self.service.config.api_max_pile_bytes if _depends_on(route, many_photos) else self.two_photos
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > cap:
                raise Refusal(413, "request_too_large", self._too_large(int(length), cap))
            if scope["method"] != "POST":  # reading and deleting: no photo work to admit
                return await self.app(scope, receive, send)
            with self.service.admitted():
                return await self.app(scope, self._capped(receive, cap), send)
        except Refusal as refusal:
            await _answer(send, refusal)

    def _check_key(self, scope, route) -> None:
        """The admin key for a route that asks for it; any key for everything else (docs and
        metrics included) but the probes, which a load balancer calls without one."""
        if scope["path"] in _OPEN:
            return
        key = dict(scope["headers"]).get(b"x-api-key", b"").decode("latin-1") or None
        config = self.service.config
        needs_admin = _depends_on(route, admin)
        check_key(key, config.admin_keys if needs_admin else config.api_keys + config.admin_keys, config)

    def _capped(self, receive, cap: int):
        """``receive`` that counts the body's bytes, stops the request once they pass ``cap``, and
        cuts it with 408 when the body falls behind the minimum rate (see the module's docstring)."""
        config = self.service.config
        seen, started, arriving = 0, time.monotonic(), True

        async def counted():
            nonlocal seen, arriving
            if not arriving:  # the body is in: waiting for the client to leave, as long as it takes
                return await receive()
            due = started + config.api_body_grace_s + seen / config.api_min_body_bytes_per_s
            try:
                message = await asyncio.wait_for(receive(), max(0.0, due - time.monotonic()))
            except TimeoutError:
                raise HTTPException(408, f"The request's body came too slowly ({_size(seen)} in "
                                         f"{time.monotonic() - started:.0f} s). Send it again at a steadier pace.") from None
            seen += len(message.get("body", b""))
            arriving = message["type"] == "http.request" and message.get("more_body", False)
            if seen > cap:
                raise HTTPException(413, self._too_large(seen, cap))
            return message

        return counted

    def _too_large(self, n_bytes: int, cap: int) -> str:
        config = self.service.config
        if cap == self.two_photos:
            return (f"The request is over {n_bytes / 2**20:.0f} MB; photos may be at most "
                    f"{config.max_image_bytes / 2**20:.0f} MB each.")
        return (f"The request is over {_size(n_bytes)}; one request may carry at most {_size(cap)} of photos. "
                "Send the rest in another request.")


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.0f} MB" if n_bytes >= 2**20 else f"{n_bytes / 2**10:.0f} KB"


def _depends_on(route, dependency) -> bool:
    return route is not None and dependency in {d.dependency for d in route.dependencies}


async def _answer(send, refusal: Refusal) -> None:
    body = json.dumps({"error": {"code": refusal.code, "message": refusal.message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *((name.lower().encode(), value.encode()) for name, value in refusal.headers.items())]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
