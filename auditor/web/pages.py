"""The web page (`/`) and the history page, plus `/healthz`. No build step: plain templates,
a small script, and uPlot vendored from npm (see static/vendor/README.md)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from auditor.web import openapi
from auditor.web.api import json_response
from auditor.web.errors import ApiError
from auditor.web.schemas import HealthResponse

bp = Blueprint("pages", __name__)
health = Blueprint("health", __name__)

KINDS = ("email", "social", "blog", "page", "headline")


CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@bp.after_request
def _page_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get("/")
def index() -> str:
    return render_template("index.html", kinds=KINDS)


@bp.get("/history")
def history_page() -> str:
    return render_template("history.html", kinds=KINDS)


@openapi.operation(
    health,
    "/healthz",
    "GET",
    summary="Liveness and database check",
    response=HealthResponse,
    errors=(503,),
    public=True,
)
def healthz() -> Response:
    from auditor.engine import ENGINE_VERSION, MODEL_VERSIONS

    try:
        current_app.extensions["auditor"].store.ping()
    except Exception as e:  # the database is down: say so, as JSON
        raise ApiError(503, "database_unavailable", type(e).__name__) from None
    return json_response(
        {"status": "ok", "database": "ok", "versions": {"engine": ENGINE_VERSION, **MODEL_VERSIONS}}
    )
