"""Crawl jobs through the service: start, poll progress, cancel, fetch the three reports, bad
input, and the routes' OpenAPI description (checked against real responses)."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.sites.generate import big_site, content_site  # noqa: E402
from fixtures.sites.server import SiteServer  # noqa: E402

CRAWL_ROUTES = {
    ("/api/v1/crawls", "post"),
    ("/api/v1/crawls/{cid}", "get"),
    ("/api/v1/crawls/{cid}/cancel", "post"),
    ("/api/v1/crawls/{cid}/report", "get"),
    ("/api/v1/crawls/{cid}/report.json", "get"),
    ("/api/v1/crawls/{cid}/report.csv", "get"),
    ("/api/v1/crawls/{cid}/report.html", "get"),
}


def build_app(tmp_path: Path, **overrides: Any) -> Any:
    from auditor.web import create_app
    from auditor.web.config import TestingConfig

    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    config.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'service.db'}",
        CRAWL_DB=f"sqlite:///{tmp_path / 'crawls.db'}",
        CRAWL_QUEUE=f"sqlite:///{tmp_path / 'queue.db'}",
        **overrides,
    )
    return create_app(config, instance_path=tmp_path / "instance")


def assert_documented(client: Any, model: str, value: Any) -> None:
    """`value` matches the OpenAPI document's schema `model` (extra keys fail too)."""
    from jsonschema import Draft202012Validator

    components = client.get("/api/v1/openapi.json").get_json()["components"]
    schema = {"$ref": f"#/components/schemas/{model}", "components": components}
    Draft202012Validator(schema).validate(value)


def wait_status(client: Any, cid: str, done: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/api/v1/crawls/{cid}").get_json()
        if done(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


@pytest.fixture
def app(tmp_path: Path):
    app = build_app(tmp_path, CRAWL_ALLOW_PRIVATE=True)
    yield app
    svc = app.extensions.get("auditor_crawls")
    if svc is not None and svc.worker is not None:
        svc.worker.close()
    app.extensions["auditor"].store.dispose()


def test_api_runs_a_crawl_with_progress_and_reports(app):
    client = app.test_client()
    with SiteServer(content_site) as srv:
        r = client.post("/api/v1/crawls", json={"url": srv.base + "/", "allow_private": True})
        assert r.status_code == 202, r.get_json()
        body = r.get_json()
        cid = body["id"]
        assert r.headers["Location"] == f"/api/v1/crawls/{cid}"
        assert body["links"]["html"] == f"/api/v1/crawls/{cid}/report.html"
        seen_progress = set()
        deadline = time.monotonic() + 60
        while True:
            status = client.get(f"/api/v1/crawls/{cid}").get_json()
            seen_progress.add(status["progress"]["audited"])
            if status["state"] in ("done", "failed"):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
    assert status["state"] == "done"
    assert status["progress"]["fraction"] == 1.0 and status["progress"]["queued"] == 0
    assert len(seen_progress) >= 2  # progress was visible while it ran

    assert_documented(client, "CrawlStatus", status)
    report = client.get(f"/api/v1/crawls/{cid}/report.json").get_json()
    assert_documented(client, "SiteReport", report)
    assert report == client.get(f"/api/v1/crawls/{cid}/report").get_json()
    assert report["summary"]["audited"] == status["progress"]["audited"]
    assert len(report["clusters"]) == 1
    r = client.get(f"/api/v1/crawls/{cid}/report.csv")
    assert r.mimetype == "text/csv"
    assert len(list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))) == len(report["pages"])
    r = client.get(f"/api/v1/crawls/{cid}/report.html")
    assert r.mimetype == "text/html" and b"Trust audit of" in r.data
    assert "sandbox" in r.headers["Content-Security-Policy"]
    r = client.post(f"/api/v1/crawls/{cid}/cancel")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "crawl_not_running"
    assert "done" in r.get_json()["error"]["message"]


def slow_site(base: str) -> dict[str, Any]:
    site = big_site(base, 30)
    for path, page in site.items():
        if "/page-" in path:
            page.sleep = 0.3
    return site


def test_cancel_stops_fetching_and_the_report_still_lists_every_url(app):
    client = app.test_client()
    with SiteServer(slow_site) as srv:
        r = client.post(
            "/api/v1/crawls", json={"url": srv.base + "/", "allow_private": True, "concurrency": 2}
        )
        cid = r.get_json()["id"]
        assert r.get_json()["links"]["cancel"] == f"/api/v1/crawls/{cid}/cancel"
        wait_status(client, cid, lambda s: s["progress"]["audited"] >= 2)
        r = client.post(f"/api/v1/crawls/{cid}/cancel")
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["state"] == "cancelled" and r.get_json()["finished_at"]
        assert_documented(client, "CrawlStatus", r.get_json())
        status = wait_status(client, cid, lambda s: s["progress"]["in_progress"] == 0)
        hits = dict(srv.hits)
        time.sleep(1.0)  # three pages' time: a worker still picking rows would show here
        assert dict(srv.hits) == hits
    assert status["state"] == "cancelled" and status["progress"]["queued"] == 0
    report = client.get(f"/api/v1/crawls/{cid}/report.json").get_json()
    assert_documented(client, "SiteReport", report)
    assert report["crawl"]["state"] == "cancelled" and report["summary"]["open"] == 0
    pages = {p["url"][len(srv.base) :]: p for p in report["pages"]}
    assert {p for p in srv.site if "/page-" in p} <= set(pages)  # the sitemap's URLs, all listed
    cancelled = {p for p, e in pages.items() if e["skipped"] == "cancelled"}
    audited = {p for p, e in pages.items() if e["skipped"] is None}
    assert len(cancelled) >= 10 and len(audited) >= 2
    assert all(srv.hits[p] == 0 for p in cancelled)  # never fetched
    assert all(srv.hits[p] == 1 for p in audited)
    assert report["summary"]["skip_reasons"]["cancelled"] == len(cancelled)
    r = client.post(f"/api/v1/crawls/{cid}/cancel")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "crawl_not_running"


def test_crawl_routes_are_in_the_openapi_document_built_from_their_models(tmp_path):
    from openapi_spec_validator import validate

    from auditor.web.schemas import CrawlRequest

    app = build_app(tmp_path, CRAWL_MAX_PAGES=300)
    try:
        doc = app.test_client().get("/api/v1/openapi.json").get_json()
    finally:
        app.extensions["auditor"].store.dispose()
    validate(doc)
    paths = doc["paths"]
    assert {(p, m) for p, ops in paths.items() for m in ops if "/crawls" in p} == CRAWL_ROUTES
    start = paths["/api/v1/crawls"]["post"]
    name = start["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    body = doc["components"]["schemas"][name]
    assert body["properties"].keys() == CrawlRequest.model_fields.keys()
    assert body["properties"]["max_pages"]["maximum"] == 300  # the service's cap
    assert body["additionalProperties"] is False and body["required"] == ["url"]
    assert {"202", "400", "403", "415", "422"} <= start["responses"].keys()
    assert "409" in paths["/api/v1/crawls/{cid}/cancel"]["post"]["responses"]
    (cid,) = paths["/api/v1/crawls/{cid}"]["get"]["parameters"]
    assert cid["in"] == "path" and cid["schema"]["pattern"] == "^[0-9a-f]{32}$"
    for fmt, media in (("csv", "text/csv"), ("html", "text/html"), ("json", "application/json")):
        ok = paths[f"/api/v1/crawls/{{cid}}/report.{fmt}"]["get"]["responses"]["200"]
        assert list(ok["content"]) == [media]
        assert "404" in paths[f"/api/v1/crawls/{{cid}}/report.{fmt}"]["get"]["responses"]


def test_api_errors_are_json_with_stable_codes(app):
    client = app.test_client()
    r = client.post("/api/v1/crawls", data="{", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json"
    r = client.post("/api/v1/crawls", json={})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_request"
    r = client.post("/api/v1/crawls", json={"url": "ftp://example.com/"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_url"
    r = client.post("/api/v1/crawls", json={"url": "http://example.com/", "max_pages": 10**6})
    assert r.status_code == 422
    r = client.post("/api/v1/crawls", json={"url": "http://example.com/", "exclude": ["("]})
    assert r.status_code == 422 and "pattern" in r.get_json()["error"]["message"]
    r = client.get("/api/v1/crawls/" + "0" * 32)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "crawl_not_found"
    r = client.post("/api/v1/crawls/" + "0" * 32 + "/cancel")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "crawl_not_found"
    r = client.post("/api/v1/crawls/not-an-id/cancel")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "crawl_not_found"
    r = client.post("/api/v1/crawls", json={"url": "http://example.com/", "max_pages": "5"})
    assert r.status_code == 422 and "max_pages" in r.get_json()["error"]["message"]
    assert client.get("/api/v1/crawls/../../etc").status_code == 404
    assert client.get(f"/api/v1/crawls/{'0' * 32}/report.pdf").status_code == 404


def test_api_refuses_private_addresses_unless_the_server_allows_them(tmp_path):
    app = build_app(tmp_path)
    try:
        client = app.test_client()
        r = client.post(
            "/api/v1/crawls", json={"url": "http://127.0.0.1:9/", "allow_private": True}
        )
        assert r.status_code == 403
        assert r.get_json()["error"]["code"] == "private_addresses_not_allowed"
    finally:
        app.extensions["auditor"].store.dispose()
