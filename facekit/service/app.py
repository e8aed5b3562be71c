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
from facekit.service.errors import add_error_answers
from facekit.service.routes import health, people, verify
from facekit.service.state import Service


def create_app(config: Config | None = None) -> FastAPI:
    """The HTTP API over ``config`` (default: ``Config()`` now, from the environment)."""
    service = Service(config or Config())

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
    add_error_answers(app, service)
    for routes in (health, verify, people):
        app.include_router(routes.router)
    return app
