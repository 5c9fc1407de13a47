"""API v1: audit, batch audit, rules, history, OpenAPI. Contract: ../shared/DESIGN.md "Service"."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from pydantic import BaseModel, ValidationError

from auditor.ingest import InputError
from auditor.web import openapi
from auditor.web.errors import ApiError
from auditor.web.schemas import (
    AuditRequest,
    BatchResponse,
    DeleteResponse,
    HistoryQuery,
    HistoryResponse,
    ReportModel,
    RulesResponse,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )


def read_json(model: type[BaseModel]) -> Any:
    """Parse and validate the body: 415 wrong type, 400 malformed, 422 invalid."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=False)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ApiError(422, "invalid_request", validation_message(e)) from None


def validation_message(e: ValidationError) -> str:
    """Field paths and reasons only: pydantic's own text would echo the (private) input."""
    parts = []
    for err in e.errors(include_input=False, include_url=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{loc}: {err['msg']}")
    more = e.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def input_error(e: InputError) -> ApiError:
    status = 413 if e.code == "text_too_large" else 422
    return ApiError(status, e.code, str(e))


def _run(item: AuditRequest) -> dict[str, Any]:
    from auditor.engine import audit

    state = current_app.extensions["auditor"]
    report = audit(
        item.text,
        item.kind,
        subject=item.subject,
        html=item.html,
        config=state.engine_config,
    )
    if item.record:
        principal = g.principal
        keep = principal.store_text
        state.store.record(
            principal.owner,
            report,
            text=report.text if keep else None,
            subject=report.subject if keep else None,
        )
    return report.to_dict(item.offset_encoding)


@openapi.operation(
    bp,
    "/audit",
    "POST",
    summary="Audit one draft",
    body=AuditRequest,
    response=ReportModel,
    tags=("audit",),
)
def audit_one() -> Response:
    """Returns exactly the engine's `Report.to_dict()`."""
    item = read_json(AuditRequest)
    try:
        out = _run(item)
    except InputError as e:
        raise input_error(e) from None
    _after_write()
    return json_response(out)


def _batch_model(app: Flask) -> type[BaseModel]:
    return app.extensions["auditor"].batch_model


@openapi.operation(
    bp,
    "/audit/batch",
    "POST",
    summary="Audit several drafts",
    body=_batch_model,
    response=BatchResponse,
    tags=("audit",),
)
def audit_batch() -> Response:
    """Items are audited in order; an item the engine refuses gets its own error."""
    batch = read_json(current_app.extensions["auditor"].batch_model)
    results: list[dict[str, Any]] = []
    for item in batch.items:
        try:
            results.append(_run(item))
        except InputError as e:
            results.append({"error": {"code": e.code, "message": str(e)}})
    _after_write()
    return json_response({"results": results})


@openapi.operation(
    bp,
    "/rules",
    "GET",
    summary="Every rule, with examples",
    response=RulesResponse,
    tags=("rules",),
)
def rules() -> Response:
    state = current_app.extensions["auditor"]
    if state.rules_json is None:
        from classifiers.rules import load_rules

        state.rules_json = json.dumps({"rules": [r.to_dict() for r in load_rules()]})
    return Response(state.rules_json, mimetype="application/json")


def _query(model: type[BaseModel]) -> Any:
    args = request.args.to_dict()
    if len(args) != len(list(request.args.items(multi=True))):
        raise ApiError(422, "invalid_request", "a query parameter is repeated")
    try:
        return model.model_validate(args)
    except ValidationError as e:
        raise ApiError(422, "invalid_request", validation_message(e)) from None


@openapi.operation(
    bp,
    "/history",
    "GET",
    summary="The caller's audits over time",
    query=HistoryQuery,
    response=HistoryResponse,
    errors=(401, 403, 422, 429),
    tags=("history",),
)
def history() -> Response:
    """Scores, verdict and rule codes per audit, newest first; text only if opted in."""
    q: HistoryQuery = _query(HistoryQuery)
    items = current_app.extensions["auditor"].store.history(
        g.principal.owner, kind=q.kind, since=q.since, before_id=q.before, limit=q.limit
    )
    next_before = items[-1]["id"] if len(items) == q.limit else None
    return json_response({"items": items, "next_before": next_before})


@openapi.operation(
    bp,
    "/history",
    "DELETE",
    summary="Delete all of the caller's stored audits",
    response=DeleteResponse,
    tags=("history",),
)
def delete_history() -> Response:
    deleted = current_app.extensions["auditor"].store.delete_owner(g.principal.owner)
    return json_response({"deleted": deleted})


def openapi_json() -> Response:
    state = current_app.extensions["auditor"]
    if state.openapi_json is None:
        from auditor.engine import ENGINE_VERSION

        doc = openapi.build_document(current_app, "Trust Auditor", ENGINE_VERSION)
        state.openapi_json = json.dumps(doc)
    return Response(state.openapi_json, mimetype="application/json")


bp.add_url_rule("/openapi.json", endpoint="openapi", view_func=openapi_json)  # public


def _after_write() -> None:
    state = current_app.extensions["auditor"]
    state.store.purge_if_due(current_app.config["RETENTION_DAYS"])
