"""Crawl jobs over the API: start a site audit, watch its progress, fetch its report.

    POST /api/v1/crawls                      {"url", "max_pages"?, ...} -> 202 {"id", ...}
    GET  /api/v1/crawls/<id>                 state and progress (pages done/queued/skipped)
    GET  /api/v1/crawls/<id>/report[.json|.csv|.html]

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
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from pydantic import BaseModel, ConfigDict, Field

from auditor.web.api import json_response, read_json
from auditor.web.errors import ApiError

bp = Blueprint("crawls", __name__, url_prefix="/api/v1/crawls")
_ID = re.compile(r"^[0-9a-f]{32}$")


class CrawlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    max_pages: int = Field(default=200, ge=1)
    concurrency: int = Field(default=4, ge=1, le=32)
    delay: float = Field(default=0.0, ge=0, le=60)
    include: list[str] = Field(default_factory=list, max_length=20)
    exclude: list[str] = Field(default_factory=list, max_length=20)
    allow_private: bool = False
    sitemaps: bool = True
    store_text: bool = False
    timeout: float = Field(default=10.0, gt=0, le=60)


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
        self.worker = None

    def start_worker(self) -> None:
        """Started on the first crawl, not at import: gunicorn forks after the app is made."""
        if self.embedded and self.worker is None:
            from auditor.jobs import EmbeddedWorker

            self.worker = EmbeddedWorker(self.queue_url).start()


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
        },
    }


@bp.post("")
def start_crawl() -> Response:
    from auditor.crawl_urls import UrlError
    from auditor.crawling import CrawlOptions, create_crawl
    from auditor.jobs import enqueue

    svc = _service()
    req: CrawlRequest = read_json(CrawlRequest)
    if req.allow_private and not svc.allow_private:
        raise ApiError(
            403,
            "private_addresses_not_allowed",
            "this service does not crawl private addresses (CRAWL_ALLOW_PRIVATE is off)",
        )
    if req.max_pages > svc.max_pages:
        raise ApiError(422, "invalid_request", f"max_pages: at most {svc.max_pages}")
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
    resp = json_response(_status(svc.store.crawl(cid)), 202)
    resp.headers["Location"] = f"/api/v1/crawls/{cid}"
    return resp


@bp.get("/<cid>")
def crawl_status(cid: str) -> Response:
    return json_response(_status(_crawl_or_404(cid)))


@bp.get("/<cid>/report")
@bp.get("/<cid>/report.<fmt>")
def crawl_report(cid: str, fmt: str = "json") -> Response:
    from auditor.site_report import build_report, to_csv, to_html

    if fmt not in ("json", "csv", "html"):
        raise ApiError(404, "not_found", "reports are .json, .csv or .html")
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
