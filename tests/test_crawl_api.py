"""Crawl jobs through the service: start, poll progress, fetch the three reports, bad input."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.sites.generate import content_site  # noqa: E402
from fixtures.sites.server import SiteServer  # noqa: E402


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

    report = client.get(f"/api/v1/crawls/{cid}/report.json").get_json()
    assert report == client.get(f"/api/v1/crawls/{cid}/report").get_json()
    assert report["summary"]["audited"] == status["progress"]["audited"]
    assert len(report["clusters"]) == 1
    r = client.get(f"/api/v1/crawls/{cid}/report.csv")
    assert r.mimetype == "text/csv"
    assert len(list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))) == len(report["pages"])
    r = client.get(f"/api/v1/crawls/{cid}/report.html")
    assert r.mimetype == "text/html" and b"Trust audit of" in r.data
    assert "sandbox" in r.headers["Content-Security-Policy"]


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
