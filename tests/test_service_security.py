"""Who may call the service: origins, hosts, tokens, rate limits, and what is kept of drafts."""

from __future__ import annotations

import logging

import pytest

from auditor.cli import main as cli_main

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
DRAFT = "Hi Ana, I know how you feel about the renewal. Could we talk on Tuesday at 10?"


def audit(client, headers=None, **body):
    return client.post("/api/v1/audit", json={"text": DRAFT, **body}, headers=headers or {})


# --- origins and hosts (loopback) ---------------------------------------------------------


def test_requests_without_origin_need_no_token_on_loopback(client):
    assert audit(client).status_code == 200


def test_pinned_extension_origin_is_accepted_with_cors_headers(make_app):
    client = make_app(ALLOWED_ORIGINS=(EXT,)).test_client()
    r = audit(client, {"Origin": EXT})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == EXT
    pre = client.options(
        "/api/v1/audit",
        headers={"Origin": EXT, "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 200
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_default_allowed_origins_come_from_the_extension_constant():
    from auditor.web.config import DEFAULT_EXTENSION_ORIGINS, Config

    assert Config.ALLOWED_ORIGINS == DEFAULT_EXTENSION_ORIGINS
    assert all(o.startswith("chrome-extension://") for o in DEFAULT_EXTENSION_ORIGINS)


def test_the_services_own_page_is_an_allowed_origin(client):
    r = audit(client, {"Origin": "http://localhost"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers  # same origin: no CORS needed


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://127.0.0.1.evil.example",
        "null",
        "chrome-extension://someotherextensionidxxxxxxxxxxxx",
        "http://localhost:9999",
    ],
)
def test_any_other_origin_is_refused(make_app, origin):
    client = make_app(ALLOWED_ORIGINS=(EXT,)).test_client()
    r = audit(client, {"Origin": origin})
    assert r.status_code == 403
    assert r.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.get("/api/v1/history", headers={"Origin": origin})
    assert r.status_code == 403


def test_cross_site_browser_requests_without_origin_are_refused(client):
    r = client.get("/api/v1/history", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and r.json["error"]["code"] == "origin_not_allowed"
    assert (
        client.get("/api/v1/history", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    )


def test_dns_rebinding_host_is_refused_on_loopback(client):
    r = client.get("/api/v1/history", headers={"Host": "attacker.example:5000"})
    assert r.status_code == 403 and r.json["error"]["code"] == "host_not_allowed"
    r = client.get("/", headers={"Host": "attacker.example"})
    assert r.status_code == 403
    for host in ("127.0.0.1:5000", "localhost:5000", "[::1]:5000"):
        assert client.get("/api/v1/history", headers={"Host": host}).status_code == 200


# --- tokens -------------------------------------------------------------------------------


def test_off_loopback_every_api_call_needs_a_token(make_app):
    app = make_app(BIND_HOST="0.0.0.0")
    client = app.test_client()
    r = audit(client)
    assert r.status_code == 401 and r.json["error"]["code"] == "token_required"
    assert client.get("/api/v1/history").status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    token, _ = app.extensions["auditor"].store.create_token("team")
    assert audit(client, {"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_request_from_a_non_loopback_peer_needs_a_token(client):
    r = client.post(
        "/api/v1/audit", json={"text": DRAFT}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert r.status_code == 401


def test_a_proxied_request_needs_a_token_even_on_loopback(client):
    r = audit(client, {"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 401 and r.json["error"]["code"] == "token_required"


@pytest.mark.parametrize("header", ["Bearer nope", "Basic dXNlcjpwYXNz", "Bearer ", "ta_x"])
def test_unknown_or_malformed_tokens_are_401(client, header):
    r = audit(client, {"Authorization": header})
    assert r.status_code == 401 and r.json["error"]["code"] == "invalid_token"


def test_a_revoked_token_stops_working(app, client):
    store = app.extensions["auditor"].store
    token, info = store.create_token("laptop")
    auth = {"Authorization": f"Bearer {token}"}
    assert audit(client, auth).status_code == 200
    assert store.revoke_token("laptop")
    assert audit(client, auth).status_code == 401
    assert not store.revoke_token("laptop")  # already revoked


def test_tokens_are_stored_hashed(app):
    from sqlalchemy import select

    from auditor.web.storage import Token, hash_token

    store = app.extensions["auditor"].store
    token, _ = store.create_token("hashed")
    with store.engine.connect() as conn:
        row = conn.execute(select(Token)).mappings().one()
    assert token not in {str(v) for v in row.values()}
    assert row["token_hash"] == hash_token(token)


def test_token_cli_creates_lists_and_revokes(tmp_path, database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    inst = str(tmp_path / "inst")
    assert cli_main(["token", "--instance", inst, "create", "alice", "--store-text"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert token.startswith("ta_") and len(token) > 40
    assert cli_main(["token", "--instance", inst, "create", "bob", "--rate-limit", "5/minute"]) == 0
    capsys.readouterr()
    assert cli_main(["token", "--instance", inst, "create", "alice"]) == 2  # duplicate name
    assert cli_main(["token", "--instance", inst, "create", "x", "--rate-limit", "lots"]) == 2
    capsys.readouterr()
    assert cli_main(["token", "--instance", inst, "list"]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "bob" in listing and "5/minute" in listing
    assert token not in listing and token[:10] in listing
    assert cli_main(["token", "--instance", inst, "revoke", "alice"]) == 0
    assert cli_main(["token", "--instance", inst, "revoke", "alice"]) == 2
    capsys.readouterr()
    cli_main(["token", "--instance", inst, "list"])
    assert "revoked" in capsys.readouterr().out

    from auditor.web import create_app

    app = create_app({"DATABASE_URL": database_url, "TESTING": True}, instance_path=inst)
    try:
        r = audit(app.test_client(), {"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
    finally:
        app.extensions["auditor"].store.dispose()


# --- rate limits --------------------------------------------------------------------------


def test_rate_limits_are_per_token_with_retry_after(app):
    store = app.extensions["auditor"].store
    slow, _ = store.create_token("slow", rate_limit="3/minute")
    other, _ = store.create_token("other")
    client = app.test_client()
    for _ in range(3):
        assert audit(client, {"Authorization": f"Bearer {slow}"}).status_code == 200
    r = audit(client, {"Authorization": f"Bearer {slow}"})
    assert r.status_code == 429
    assert r.json["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    assert audit(client, {"Authorization": f"Bearer {other}"}).status_code == 200
    assert audit(client).status_code == 200  # local use without a token is not limited


def test_a_tokens_budget_is_shared_across_endpoints(make_app):
    app = make_app(RATE_LIMIT="2/minute")
    token, _ = app.extensions["auditor"].store.create_token("t")
    auth = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert audit(client, auth).status_code == 200
    assert client.get("/api/v1/history", headers=auth).status_code == 200
    assert client.get("/api/v1/rules", headers=auth).status_code == 429


def test_the_default_rate_limit_applies_to_tokens_without_their_own(make_app):
    app = make_app(RATE_LIMIT="2/minute")
    token, _ = app.extensions["auditor"].store.create_token("t")
    client = app.test_client()
    codes = [audit(client, {"Authorization": f"Bearer {token}"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_local_requests_can_be_rate_limited_too(make_app):
    client = make_app(LOCAL_RATE_LIMIT="1/minute").test_client()
    assert [audit(client).status_code for _ in range(2)] == [200, 429]
    assert client.get("/healthz").status_code == 200  # health checks are never limited


@pytest.mark.redis
def test_redis_rate_limits_are_shared_between_workers(make_app, redis_url):
    import uuid

    prefix = uuid.uuid4().hex
    a = make_app(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    b = make_app(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    token, _ = a.extensions["auditor"].store.create_token("shared", rate_limit="2/minute")
    auth = {"Authorization": f"Bearer {token}"}
    codes = [audit(c.test_client(), auth).status_code for c in (a, b, a)]
    assert codes == [200, 200, 429]


# --- drafts: never logged, stored only on opt-in, kept for the retention period -----------


def test_draft_text_is_never_logged(make_app, caplog, capfd):
    secret = "UNIQUE-DRAFT-MARKER-9051 pricing for Acme"
    client = make_app().test_client()
    with caplog.at_level(logging.DEBUG):
        client.post("/api/v1/audit", json={"text": f"Hi there. {secret}. I know how you feel."})
        client.post("/api/v1/audit", json={"text": secret, "kind": "nope"})
        client.post("/api/v1/audit/batch", json={"items": [{"text": secret}, {"text": " "}]})
        client.post("/api/v1/audit", data=secret, content_type="application/json")
    out, err = capfd.readouterr()
    assert "UNIQUE-DRAFT-MARKER" not in caplog.text + out + err


def test_text_is_stored_only_for_tokens_that_opted_in(app):
    store = app.extensions["auditor"].store
    keep, _ = store.create_token("keeper", store_text=True)
    skip, _ = store.create_token("skipper")
    client = app.test_client()
    audit(client, {"Authorization": f"Bearer {keep}"}, subject="Renewal")
    audit(client, {"Authorization": f"Bearer {skip}"}, subject="Renewal")
    audit(client)
    kept = client.get("/api/v1/history", headers={"Authorization": f"Bearer {keep}"}).json
    assert kept["items"][0]["text"] == DRAFT and kept["items"][0]["subject"] == "Renewal"
    other = client.get("/api/v1/history", headers={"Authorization": f"Bearer {skip}"}).json
    assert "text" not in other["items"][0]
    assert "text" not in client.get("/api/v1/history").json["items"][0]

    from sqlalchemy import select

    from auditor.web.storage import AuditRecord

    with store.engine.connect() as conn:
        texts = conn.execute(select(AuditRecord.text)).scalars().all()
    assert sorted(t is not None for t in texts) == [False, False, True]


def test_local_text_storage_is_an_opt_in_setting(make_app):
    client = make_app(LOCAL_STORE_TEXT=True).test_client()
    audit(client)
    assert client.get("/api/v1/history").json["items"][0]["text"] == DRAFT


def test_audits_past_the_retention_period_are_purged(make_app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from auditor.web.storage import AuditRecord

    app = make_app(RETENTION_DAYS=30)
    store = app.extensions["auditor"].store
    client = app.test_client()
    audit(client)
    audit(client)
    with store.engine.begin() as conn:
        first = min(i["id"] for i in client.get("/api/v1/history").json["items"])
        conn.execute(
            update(AuditRecord)
            .where(AuditRecord.id == first)
            .values(created_at=datetime.now(UTC) - timedelta(days=31))
        )
    assert store.purge(30) == 1
    assert len(client.get("/api/v1/history").json["items"]) == 1
    assert store.purge(0) == 0  # 0 keeps everything


def test_firefox_extension_origin_is_accepted_only_with_a_valid_token(make_app):
    app = make_app(ALLOWED_ORIGINS=(EXT,))
    client = app.test_client()
    moz = "moz-extension://0d3c2b1a-1234-4abc-9def-112233445566"
    r = audit(client, {"Origin": moz})
    assert r.status_code == 403 and r.json["error"]["code"] == "origin_not_allowed"
    r = audit(client, {"Origin": moz, "Authorization": "Bearer not-a-real-token"})
    assert r.status_code == 401 and r.json["error"]["code"] == "invalid_token"
    token, _ = app.extensions["auditor"].store.create_token("firefox")
    r = audit(client, {"Origin": moz, "Authorization": f"Bearer {token}"})
    assert r.status_code == 200
