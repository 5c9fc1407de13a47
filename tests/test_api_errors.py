"""Every bad request gets the right status and a JSON `{"error": {"code", "message"}}`."""

from __future__ import annotations

import http.client
import json

import pytest


def assert_error(r, status: int, code: str) -> None:
    assert r.status_code == status, r.data[:300]
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert b"Traceback" not in r.data and b"<html" not in r.data.lower()


@pytest.mark.parametrize("raw", [b"{", b"{'text': 'x'}", b"", b"\xff\xfe{}", b"[1,]", b"NaN]"])
def test_malformed_json_is_400(client, raw):
    r = client.post("/api/v1/audit", data=raw, content_type="application/json")
    assert_error(r, 400, "malformed_json")


def test_deeply_nested_json_is_refused_cleanly(client):
    raw = b"[" * 100_000 + b"]" * 100_000
    r = client.post("/api/v1/audit", data=raw, content_type="application/json")
    assert r.status_code in (400, 422)
    assert r.get_json()["error"]["code"] in ("malformed_json", "invalid_request")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "text"),
        ({"text": 42}, "text"),
        ({"text": "hi", "kind": "tweet"}, "kind"),
        ({"text": "hi", "offset_encoding": "utf-8"}, "offset_encoding"),
        ({"text": "hi", "html": "yes"}, "html"),
        ({"text": "hi", "subject": ["a"]}, "subject"),
        ({"text": "hi", "colour": "red"}, "colour"),
        ([], "body"),
        ("just a string", "body"),
    ],
)
def test_missing_or_invalid_fields_are_422_naming_the_field(client, body, where):
    r = client.post("/api/v1/audit", json=body)
    assert_error(r, 422, "invalid_request")
    assert where in r.get_json()["error"]["message"]


def test_validation_messages_never_echo_the_draft(client):
    secret = "CONFIDENTIAL-PRICING-7731"
    r = client.post("/api/v1/audit", json={"text": secret, "kind": secret})
    assert_error(r, 422, "invalid_request")
    assert secret not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   \n\t ", "empty_text"),
        ("a\x00b\x00c", "binary_input"),
        ("\x01\x02\x03" * 50, "binary_input"),
    ],
)
def test_text_the_engine_refuses_is_422_with_the_engine_code(client, text, code):
    assert_error(client.post("/api/v1/audit", json={"text": text}), 422, code)


def test_html_with_no_visible_text_is_422(client):
    r = client.post("/api/v1/audit", json={"text": "<script>x()</script>", "html": True})
    assert_error(r, 422, "empty_text")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_wrong_content_type_is_415(client, content_type):
    kwargs = {"data": '{"text": "hello"}'}
    if content_type:
        kwargs["content_type"] = content_type
    assert_error(client.post("/api/v1/audit", **kwargs), 415, "unsupported_media_type")


def test_json_with_a_charset_parameter_is_accepted(client):
    r = client.post(
        "/api/v1/audit",
        data=json.dumps({"text": "Hello there, friend."}),
        content_type="application/json; charset=utf-8",
    )
    assert r.status_code == 200


def test_body_over_the_limit_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    r = client.post("/api/v1/audit", json={"text": "word " * 400})
    assert_error(r, 413, "body_too_large")


def test_text_over_the_character_limit_is_413(make_app):
    client = make_app(MAX_CHARS=100).test_client()
    assert_error(client.post("/api/v1/audit", json={"text": "word " * 40}), 413, "text_too_large")


def test_body_limit_is_checked_before_the_body_is_read(make_app):
    """Announce a 1 GB body and send none of it: the answer must come at once."""
    from conftest import LiveServer

    server = LiveServer(make_app(MAX_CONTENT_LENGTH=10_000))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.putrequest("POST", "/api/v1/audit")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(1_000_000_000))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413
        assert json.loads(resp.read())["error"]["code"] == "body_too_large"
        conn.close()
    finally:
        server.stop()


def test_unknown_route_is_json_404(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/no/such/page"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    r = client.get("/api/v1/audit")
    assert_error(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


def test_repeated_or_invalid_query_parameters_are_422(client):
    assert_error(client.get("/api/v1/history?limit=0"), 422, "invalid_request")
    assert_error(client.get("/api/v1/history?limit=many"), 422, "invalid_request")
    assert_error(client.get("/api/v1/history?kind=tweet"), 422, "invalid_request")
    assert_error(client.get("/api/v1/history?since=yesterday"), 422, "invalid_request")
    assert_error(client.get("/api/v1/history?kind=email&kind=blog"), 422, "invalid_request")
    assert_error(client.get("/api/v1/history?sort=asc"), 422, "invalid_request")


def test_unexpected_failure_is_json_500_without_traceback_or_draft(client, monkeypatch, caplog):
    import auditor.engine

    secret = "SECRET-DRAFT-4242 about our pricing"

    def boom(*args, **kwargs):
        raise RuntimeError(f"engine failed on {args[0]!r}")

    monkeypatch.setattr(auditor.engine, "audit", boom)
    with caplog.at_level("DEBUG"):
        r = client.post("/api/v1/audit", json={"text": secret})
    assert_error(r, 500, "internal_error")
    assert secret not in r.get_data(as_text=True)
    assert "RuntimeError" in caplog.text  # the failure is logged ...
    assert "SECRET-DRAFT" not in caplog.text  # ... but never the draft
