"""The API's docs page (Swagger UI 5, which reads the OpenAPI 3.1 FastAPI writes), served from
this server's own copy of its scripts (the ones the fastapi-offline package ships): it works on a
machine without internet and sends nobody a request. Behind a key when the server has keys."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/docs/static"
static_files = StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")
router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="facekit API", swagger_favicon_url="",
                               swagger_js_url=f"{STATIC}/swagger-ui-bundle.js", swagger_css_url=f"{STATIC}/swagger-ui.css")
