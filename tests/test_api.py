"""API v1 contract: each test runs on SQLite and PostgreSQL (see conftest.database_url)."""

from __future__ import annotations

import json

import pytest

from auditor import audit
from classifiers.rules import load_rules

EMAIL = (
    "Hi Sam, I noticed your team doubled its support staff this quarter. "
    "I know how you feel about vendor calls. Would a 10-minute call next Tuesday help?"
)


def utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def test_audit_returns_exactly_the_engine_report(client):
    r = client.post("/api/v1/audit", json={"text": EMAIL, "kind": "email", "subject": "Support"})
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.get_json() == audit(EMAIL, "email", subject="Support").to_dict()


def test_audit_defaults_to_email_and_codepoint_offsets(client):
    body = client.post("/api/v1/audit", json={"text": EMAIL}).get_json()
    assert body["kind"] == "email"
    assert body["offset_encoding"] == "codepoint"
    assert any(f["rule"] == "IN101" for f in body["findings"])


def test_html_audit_reports_the_text_its_offsets_point_into(client):
    html = "<html><body><script>x()</script><p>I know how you feel.</p></body></html>"
    body = client.post("/api/v1/audit", json={"text": html, "kind": "page", "html": True}).json
    text = body["audited_text"]
    assert "<p>" not in text and "x()" not in text
    f = next(f for f in body["findings"] if f["rule"] == "IN101")
    assert text[f["start"] : f["end"]] == f["text"]


@pytest.mark.parametrize(
    "prefix",
    ["😀🚀 ", "Cafe\u0301 😀 ", "👩‍👩‍👧 ne\u0303w ", "\U0001f1eb\U0001f1f7 e\u0301\u0301 "],
)
def test_utf16_offsets_slice_the_same_text_a_browser_would(client, prefix):
    text = prefix + "Thanks for the update. I know how you feel 😀 about this. 🚀 Best, Ana"
    enc = client.post("/api/v1/audit", json={"text": text, "offset_encoding": "utf-16"}).json
    cp = client.post("/api/v1/audit", json={"text": text}).json
    assert enc["offset_encoding"] == "utf-16"
    spans = [f for f in enc["findings"] if f["start"] is not None]
    assert spans, "the draft should produce anchored findings"
    for f, g in zip(enc["findings"], cp["findings"], strict=True):
        if f["start"] is None:
            continue
        assert utf16_slice(text, f["start"], f["end"]) == f["text"] == text[g["start"] : g["end"]]
        assert f["start"] > g["start"]  # astral characters before it count twice
        for e in (f["suggestion"] or {}).get("edits", []):
            assert utf16_slice(text, e["start"], e["end"]) == f["text"]


def test_utf16_offsets_of_a_subject_finding_point_into_the_subject(client):
    subject = "🔥🔥 I know how you feel"
    body = client.post(
        "/api/v1/audit",
        json={
            "text": "Hello there, a short note.",
            "subject": subject,
            "offset_encoding": "utf-16",
        },
    ).json
    for f in body["findings"]:
        if f["field"] == "subject" and f["start"] is not None:
            assert utf16_slice(subject, f["start"], f["end"]) == f["text"]


def test_batch_audits_items_in_order_and_reports_item_errors_in_place(client):
    items = [
        {"text": EMAIL},
        {"text": "   "},
        {"text": "Top 12 reasons why you need this", "kind": "headline"},
    ]
    r = client.post("/api/v1/audit/batch", json={"items": items})
    assert r.status_code == 200
    results = r.json["results"]
    assert len(results) == 3
    assert results[0] == audit(EMAIL, "email").to_dict()
    assert results[1] == {
        "error": {"code": "empty_text", "message": results[1]["error"]["message"]}
    }
    assert results[2]["kind"] == "headline"


def test_batch_is_bounded_by_batch_max(make_app):
    client = make_app(BATCH_MAX=3).test_client()
    r = client.post("/api/v1/audit/batch", json={"items": [{"text": "Hello there."}] * 4})
    assert r.status_code == 422
    assert r.json["error"]["code"] == "invalid_request"
    assert "items" in r.json["error"]["message"]
    assert client.post("/api/v1/audit/batch", json={"items": []}).status_code == 422


def test_rules_lists_every_rule_as_declared(client):
    r = client.get("/api/v1/rules")
    assert r.status_code == 200
    assert r.json == {"rules": [rule.to_dict() for rule in load_rules()]}


def test_history_keeps_scores_per_user_newest_first_filterable_by_kind(client):
    for text, kind in [(EMAIL, "email"), ("Top 12 reasons why", "headline"), (EMAIL, "email")]:
        assert client.post("/api/v1/audit", json={"text": text, "kind": kind}).status_code == 200
    items = client.get("/api/v1/history").json["items"]
    assert [i["kind"] for i in items] == ["email", "headline", "email"]
    assert items[0]["id"] > items[1]["id"] > items[2]["id"]
    report = audit(EMAIL, "email").to_dict()
    assert items[0]["scores"] == report["scores"]
    assert items[0]["verdict"] == report["verdict"]
    assert items[0]["rules"] == sorted({f["rule"] for f in report["findings"]})
    assert items[0]["text_sha256"] == report["text_sha256"]
    assert "text" not in items[0]  # not opted in: the draft is not stored
    emails = client.get("/api/v1/history?kind=email").json["items"]
    assert [i["kind"] for i in emails] == ["email", "email"]


def test_history_pages_with_before_and_limit(client):
    for n in range(5):
        client.post("/api/v1/audit", json={"text": f"Note number {n} for you."})
    page1 = client.get("/api/v1/history?limit=2").json
    assert len(page1["items"]) == 2 and page1["next_before"] == page1["items"][-1]["id"]
    page2 = client.get(f"/api/v1/history?limit=2&before={page1['next_before']}").json
    assert page2["items"][0]["id"] < page1["items"][-1]["id"]
    page3 = client.get(f"/api/v1/history?limit=2&before={page2['next_before']}").json
    assert len(page3["items"]) == 1 and page3["next_before"] is None


def test_history_since_filters_by_time(client):
    client.post("/api/v1/audit", json={"text": EMAIL})
    assert client.get("/api/v1/history?since=2000-01-01T00:00:00Z").json["items"]
    assert client.get("/api/v1/history?since=2999-01-01T00:00:00Z").json["items"] == []


def test_audit_with_record_false_leaves_no_history(client):
    client.post("/api/v1/audit", json={"text": EMAIL, "record": False})
    client.post("/api/v1/audit/batch", json={"items": [{"text": EMAIL, "record": False}]})
    assert client.get("/api/v1/history").json["items"] == []


def test_delete_history_removes_only_the_callers_audits(app, client):
    store = app.extensions["auditor"].store
    token, _ = store.create_token("rep")
    auth = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/audit", json={"text": EMAIL})
    client.post("/api/v1/audit", json={"text": EMAIL}, headers=auth)
    client.post("/api/v1/audit", json={"text": EMAIL}, headers=auth)
    r = client.delete("/api/v1/history", headers=auth)
    assert r.status_code == 200 and r.json == {"deleted": 2}
    assert client.get("/api/v1/history", headers=auth).json["items"] == []
    assert len(client.get("/api/v1/history").json["items"]) == 1


def test_healthz_reports_database_and_versions(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok" and r.json["database"] == "ok"
    assert r.json["versions"]["engine"]


def test_healthz_says_503_as_json_when_the_database_is_gone(make_app, tmp_path):
    app = make_app()
    app.extensions["auditor"].store.url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    app.extensions["auditor"].store.dispose()
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["error"]["code"] == "database_unavailable"


def test_openapi_document_is_valid_and_built_from_the_request_models(client):
    from openapi_spec_validator import validate

    from auditor.web.schemas import AuditRequest

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    body = doc["paths"]["/api/v1/audit"]["post"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[1]
    assert (
        doc["components"]["schemas"][name]["properties"].keys() == AuditRequest.model_fields.keys()
    )
    batch = doc["paths"]["/api/v1/audit/batch"]["post"]["requestBody"]["content"]
    batch_schema = doc["components"]["schemas"][
        batch["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    assert batch_schema["properties"]["items"]["maxItems"] == 50
    for path, ops in doc["paths"].items():
        for op in ops.values():
            if "requestBody" in op:  # a POST without a body (cancel a crawl) has none of these
                assert {"400", "413", "415", "422", "429"} <= op["responses"].keys(), path
    params = {p["name"] for p in doc["paths"]["/api/v1/history"]["get"]["parameters"]}
    assert params == {"kind", "since", "before", "limit"}


def test_report_model_accepts_real_reports(client):
    from auditor.web.schemas import ReportModel

    for text, kind in [(EMAIL, "email"), ("<p>I know how you feel</p>", "page")]:
        report = client.post(
            "/api/v1/audit", json={"text": text, "kind": kind, "html": kind == "page"}
        ).json
        model = ReportModel.model_validate(report)
        assert (
            json.loads(model.model_dump_json(exclude_none=True, by_alias=True))["scores"]
            == report["scores"]
        )
