"""Crawl jobs over the API: start a site audit, watch its progress, fetch its report.

    POST /api/v1/crawls                      {"url", "max_pages"?, ...} -> 202 {"id", ...}
    GET  /api/v1/crawls/<id>                 state and progress (pages done/queued/skipped)
    POST /api/v1/crawls/<id>/cancel          stop it: queued pages are listed as "cancelled"
    GET  /api/v1/crawls/<id>/report[.json|.csv|.html]

Every view is declared with `openapi.operation`, so these appear in /api/v1/openapi.json with
the same pydantic models that validate the request and describe the responses.

Settings (app config, or the environment as AUDITOR_<NAME>): CRAWL_DB (SQLAlchemy URL;
default SQLite in the instance folder), CRAWL_QUEUE (huey queue URL; default SQLite in the
instance folder), CRAWL_EMBEDDED_WORKER (run queued crawls in this process; default on for
a SQLite queue), CRAWL_ALLOW_PRIVATE (let callers crawl private addresses: off, since it
would let any client make the server reach its own network), CRAWL_MAX_PAGES (cap, 5000).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Blueprint, Flask, Response, current_app
from pydantic import BaseModel

from auditor.web import openapi
from auditor.web.api import json_response, read_json
from auditor.web.errors import ApiError
from auditor.web.schemas import CrawlPath, CrawlStatus, SiteReport, crawl_request_model

if TYPE_CHECKING:
    from typing import TypedDict

    from auditor.jobs import EmbeddedWorker

    class _ReportArgs(TypedDict):
        """The keyword arguments every report route passes to `openapi.operation`."""

        path_params: type[BaseModel]
        errors: tuple[int, ...]
        tags: tuple[str, ...]


bp = Blueprint("crawls", __name__, url_prefix="/api/v1/crawls")
_ID = re.compile(r"^[0-9a-f]{32}$")
GET_ERRORS = (401, 403, 404, 429)


def _setting(app: Flask, name: str, default: Any) -> Any:
    if name in app.config:
        return app.config[name]
    return os.environ.get(f"AUDITOR_{name}", default)


class CrawlService:
    def __init__(self, app: Flask) -> None:
        from auditor.crawl_store import CrawlStore

        inst = Path(app.instance_path)
        inst.mkdir(parents=True, exist_ok=True)
        self.store = CrawlStore(
            _setting(app, "CRAWL_DB", None) or f"sqlite:///{inst / 'crawls.sqlite3'}"
        )
        self.queue_url = _setting(app, "CRAWL_QUEUE", None) or f"sqlite:///{inst / 'queue.db'}"
        embedded = _setting(app, "CRAWL_EMBEDDED_WORKER", None)
        if isinstance(embedded, str):
            embedded = embedded.lower() in ("1", "true", "yes", "on")
        self.embedded = self.queue_url.startswith("sqlite") if embedded is None else embedded
        allow = _setting(app, "CRAWL_ALLOW_PRIVATE", False)
        self.allow_private = allow if not isinstance(allow, str) else allow.lower() in ("1", "true")
        self.max_pages = int(_setting(app, "CRAWL_MAX_PAGES", 5000))
        self.worker: EmbeddedWorker | None = None

    def start_worker(self) -> None:
        """Started on the first crawl, not at import: gunicorn forks after the app is made."""
        if self.embedded and self.worker is None:
            from auditor.jobs import EmbeddedWorker

            self.worker = EmbeddedWorker(self.queue_url).start()


def _request_model(app: Flask) -> type[BaseModel]:
    return crawl_request_model(int(_setting(app, "CRAWL_MAX_PAGES", 5000)))


def _service() -> CrawlService:
    svc = current_app.extensions.get("auditor_crawls")
    if svc is None:
        svc = current_app.extensions["auditor_crawls"] = CrawlService(current_app)
    return svc


def _crawl_or_404(cid: str) -> dict[str, Any]:
    crawl = _service().store.crawl(cid) if _ID.match(cid) else None
    if crawl is None:
        raise ApiError(404, "crawl_not_found", "no crawl with this id")
    return crawl


def _status(crawl: dict[str, Any]) -> dict[str, Any]:
    counts = _service().store.counts(crawl["id"])
    finished = counts["done"] + counts["skipped"]
    base = f"/api/v1/crawls/{crawl['id']}"
    return {
        "id": crawl["id"],
        "url": crawl["root_url"],
        "state": crawl["state"],
        "created_at": crawl["created_at"],
        "finished_at": crawl["finished_at"],
        "progress": {
            "audited": counts["done"],
            "skipped": counts["skipped"],
            "queued": counts["queued"],
            "in_progress": counts["claimed"],
            "total": counts["total"],
            "fraction": round(finished / counts["total"], 3) if counts["total"] else 0.0,
        },
        "notes": crawl["notes"] or [],
        "error": crawl["error"],
        "links": {
            "self": base,
            "report": f"{base}/report.json",
            "csv": f"{base}/report.csv",
            "html": f"{base}/report.html",
            "cancel": f"{base}/cancel",
        },
    }


@openapi.operation(
    bp,
    "",
    "POST",
    summary="Start a site crawl and audit",
    body=_request_model,
    response=CrawlStatus,
    status=202,
    tags=("crawls",),
)
def start_crawl() -> Response:
    """Queued at once; poll `links.self` for progress. Private addresses need the service's
    consent (`CRAWL_ALLOW_PRIVATE`) as well as the caller's `allow_private`."""
    from auditor.crawl_urls import UrlError
    from auditor.crawling import CrawlOptions, create_crawl
    from auditor.jobs import enqueue

    svc = _service()
    req = read_json(_request_model(current_app))
    if req.allow_private and not svc.allow_private:
        raise ApiError(
            403,
            "private_addresses_not_allowed",
            "this service does not crawl private addresses (CRAWL_ALLOW_PRIVATE is off)",
        )
    try:
        opts = CrawlOptions(
            max_pages=req.max_pages,
            concurrency=req.concurrency,
            delay=req.delay,
            include=req.include,
            exclude=req.exclude,
            allow_private=req.allow_private,
            sitemaps=req.sitemaps,
            store_text=req.store_text,
            timeout=req.timeout,
        )
        cid = create_crawl(svc.store, req.url, opts)
    except (UrlError, ValueError) as e:
        raise ApiError(
            422, "invalid_url" if isinstance(e, UrlError) else "invalid_request", str(e)
        ) from None
    svc.start_worker()
    enqueue(cid, svc.store.url, 1, svc.queue_url)
    resp = json_response(_status(cast("dict[str, Any]", svc.store.crawl(cid))), 202)  # just made
    resp.headers["Location"] = f"/api/v1/crawls/{cid}"
    return resp


@openapi.operation(
    bp,
    "/<cid>",
    "GET",
    summary="A crawl's state and progress",
    path_params=CrawlPath,
    response=CrawlStatus,
    errors=GET_ERRORS,
    tags=("crawls",),
)
def crawl_status(cid: str) -> Response:
    return json_response(_status(_crawl_or_404(cid)))


@openapi.operation(
    bp,
    "/<cid>/cancel",
    "POST",
    summary="Cancel a pending or running crawl",
    path_params=CrawlPath,
    response=CrawlStatus,
    errors=(401, 403, 404, 409, 429),
    tags=("crawls",),
)
def cancel_crawl(cid: str) -> Response:
    """Pages still queued are never fetched and are listed as skipped ("cancelled"); pages
    being fetched at that moment finish. 409 `crawl_not_running` once a crawl has ended."""
    crawl = _crawl_or_404(cid)
    if not _service().store.cancel(crawl["id"]):
        state = _service().store.state(crawl["id"])
        raise ApiError(
            409, "crawl_not_running", f"the crawl is {state}; only a pending or running crawl "
            "can be cancelled",
        )  # fmt: skip
    return json_response(_status(_crawl_or_404(cid)))


def _report(cid: str, fmt: str) -> Response:
    from auditor.site_report import build_report, to_csv, to_html

    crawl = _crawl_or_404(cid)
    report = build_report(_service().store, crawl["id"])
    if fmt == "json":
        return json_response(report)
    if fmt == "csv":
        resp = Response(to_csv(report), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'attachment; filename="crawl-{cid[:8]}.csv"'
        return resp
    resp = Response(to_html(report), mimetype="text/html")
    resp.headers["Content-Security-Policy"] = "sandbox allow-scripts"  # the page pins its script
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


_REPORT: _ReportArgs = dict(path_params=CrawlPath, errors=GET_ERRORS, tags=("crawls",))


@openapi.operation(
    bp, "/<cid>/report", "GET", summary="The site report (JSON)", response=SiteReport, **_REPORT
)
def crawl_report(cid: str) -> Response:
    """The same as `report.json`; for a crawl still running, a report of what is done so far."""
    return _report(cid, "json")


@openapi.operation(
    bp, "/<cid>/report.json", "GET", summary="The site report (JSON)", response=SiteReport,
    **_REPORT,
)  # fmt: skip
def crawl_report_json(cid: str) -> Response:
    return _report(cid, "json")


@openapi.operation(
    bp, "/<cid>/report.csv", "GET", summary="The site report (CSV)", media="text/csv", **_REPORT
)
def crawl_report_csv(cid: str) -> Response:
    """One row per URL, spreadsheet formulas neutralised."""
    return _report(cid, "csv")


@openapi.operation(
    bp, "/<cid>/report.html", "GET", summary="The site report (HTML)", media="text/html",
    **_REPORT,
)  # fmt: skip
def crawl_report_html(cid: str) -> Response:
    """Self-contained, sandboxed by CSP: page content is escaped and only its own script runs."""
    return _report(cid, "html")
