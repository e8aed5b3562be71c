"""facekit over HTTP: verify two photos, enrol people, verify and identify against them.

``create_app()`` builds the FastAPI application that ``facekit serve`` runs; OpenAPI docs are at
``/docs``. Every answer is JSON; every error is ``{"error": {"code", "message"}}`` with the
library's plain message, never a stack trace. Photo routes are sync functions: FastAPI runs them
on its thread pool, and the one :class:`~facekit.model.verifier.Verifier` of the process takes them
in turns.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI

from facekit.config import Config
from facekit.service.doors import Doors
from facekit.service.errors import add_error_answers
from facekit.service.metrics import worker_gone
from facekit.service.routes import docs, health, people, sort, verify
from facekit.service.state import Service
from facekit.service.supervisor import stop_with_parent


def create_app(config: Config | None = None) -> FastAPI:
    """The HTTP API over ``config`` (default: ``Config()`` now, from the environment)."""
    service = Service(config or Config())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=service.warm_up, name="facekit-warm-up", daemon=True).start()
        stop_with_parent()
        yield
        service.close()
        worker_gone()

    app = FastAPI(
        title="facekit", lifespan=lifespan, docs_url=None, redoc_url=None,  # /docs: routes/docs.py
        description="Face verification with a Siamese network (by default on SFace's face tower, with a head "
                    "and lines fitted on LFW): are two photos the same person, and who among the enrolled people "
                    "is in a photo.",
    )
    app.state.service = service
    routers = [routes.router for routes in (health, verify, people, sort, docs)]
    for router in routers:
        app.include_router(router)
    # Inside the counters (they see refusals); given the routes to know which ones want the admin key.
    app.add_middleware(Doors, service=service, routes=[route for router in routers for route in router.routes])
    add_error_answers(app, service)
    app.mount(docs.STATIC, docs.static_files)
    if not (service.config.api_keys or service.config.admin_keys):
        app.openapi = _without_keys(app.openapi)  # no "Authorize" button on /docs for keys nobody needs
    return app


def _without_keys(openapi):
    """``openapi`` (FastAPI's schema maker) with the API key's security scheme left out."""

    def schema() -> dict:
        made = openapi()  # FastAPI's own, made once and kept
        made.get("components", {}).pop("securitySchemes", None)
        for operations in made["paths"].values():
            for operation in operations.values():
                operation.pop("security", None)
        return made

    return schema
