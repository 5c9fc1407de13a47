"""Every error is JSON `{"error": {"code", "message"}}` with a stable code: never a traceback,
never an HTML page. Logs name the error, never the request body (drafts are sensitive)."""

from __future__ import annotations

import json
import logging
import traceback

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("auditor.web")

# Stable codes for werkzeug's HTTP errors.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    411: "length_required",
    413: "body_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}
GENERIC_MESSAGES = {
    404: "no such resource",
    405: "method not allowed here",
    413: "the request body is over the limit",
    429: "too many requests; slow down",
    500: "the server hit an unexpected error; it has been logged",
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with this JSON error."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    resp = Response(body, status=status, mimetype="application/json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _from_http(e: HTTPException) -> Response:
    status = e.code or 500
    code = HTTP_CODES.get(status, f"http_{status}")
    message = GENERIC_MESSAGES.get(status) or (e.description or e.name or "error")
    if status == 429:
        message = f"rate limit exceeded ({e.description})" if e.description else message
    resp = error_response(status, code, message)
    # Keep headers such as Allow (405) and Retry-After (429).
    original = e.get_response()
    for name in ("Allow", "Retry-After"):
        if name in original.headers:
            resp.headers[name] = original.headers[name]
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError) -> Response:
        return error_response(e.status, e.code, e.message, e.headers)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> Response:
        return _from_http(e)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Response:
        # The type and the frames only: an exception's message may quote the draft.
        frames = "".join(traceback.format_tb(e.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s", type(e).__name__, request.method, request.path, frames
        )
        return error_response(500, "internal_error", GENERIC_MESSAGES[500])
