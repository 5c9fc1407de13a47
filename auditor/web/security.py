"""Who may call the service.

On loopback (the laptop case) a request with no `Origin` (the CLI, scripts) needs no token,
and a browser request is accepted only from a pinned extension origin or the service's own
page: no website can reach the service, including by DNS rebinding (the Host is checked) or
by a no-cors GET (Sec-Fetch-Site is checked). Off loopback, or behind a proxy, every API call
needs a bearer token. Tokens carry their own rate limit and text-storage opt-in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter

from auditor.web.errors import ApiError
from auditor.web.storage import TokenInfo

API_PREFIX = "/api/"
PUBLIC_ENDPOINTS = frozenset({"health.healthz", "api.openapi"})
_PROXY_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "Forwarded")


@dataclass(frozen=True)
class Principal:
    """The caller: a token's owner, or the local user on loopback."""

    owner: str
    token: TokenInfo | None
    store_text: bool


@lru_cache(maxsize=256)
def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def local_request() -> bool:
    """Bound to loopback, from loopback, and not relayed by a proxy."""
    cfg = current_app.config
    return (
        is_loopback(cfg["BIND_HOST"])
        and is_loopback(request.remote_addr)
        and not any(h in request.headers for h in _PROXY_HEADERS)
    )


def token_required() -> bool:
    forced = current_app.config["REQUIRE_TOKEN"]
    return bool(forced) if forced is not None else not local_request()


def _check_host() -> None:
    cfg = current_app.config
    if not is_loopback(cfg["BIND_HOST"]):
        return
    host = _hostname(request.host or "")
    if not (is_loopback(host) or host in cfg["ALLOWED_HOSTS"]):
        raise ApiError(403, "host_not_allowed", "this service answers only to a loopback host name")


def _own_origin() -> str:
    return f"{request.scheme}://{request.host}"


def _check_origin() -> str | None:
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin in current_app.config["ALLOWED_ORIGINS"] or origin == _own_origin():
            return origin
        if origin.startswith("moz-extension://") and request.headers.get("Authorization"):
            # Firefox gives every install its own extension id, so it cannot be pinned: such an
            # origin is let through only with a bearer token, which `authenticate` then checks.
            return origin
        raise ApiError(
            403,
            "origin_not_allowed",
            "browser requests are accepted only from the pinned extension or this service's page",
        )
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        raise ApiError(403, "origin_not_allowed", "cross-site browser requests are refused")
    return None


def _bearer() -> str | None:
    auth = request.headers.get("Authorization")
    if not auth:
        return None
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "invalid_token", "use `Authorization: Bearer <token>`")
    return value.strip()


def authenticate() -> None:
    """before_request for every route: host, origin, token."""
    _check_host()
    if not request.path.startswith(API_PREFIX):
        return  # the page and its assets carry no data; the API calls they make are checked
    origin = _check_origin()
    g.cors_origin = origin
    if request.method == "OPTIONS":
        return
    token = _bearer()
    store = current_app.extensions["auditor"].store
    if token is not None:
        info = store.lookup_token(token)
        if info is None:
            raise ApiError(401, "invalid_token", "the token is unknown or revoked")
        g.principal = Principal(info.owner, info, info.store_text)
        return
    if token_required() and request.endpoint not in PUBLIC_ENDPOINTS:
        raise ApiError(
            401, "token_required", "send `Authorization: Bearer <token>` (`auditor token create`)"
        )
    g.principal = Principal("local", None, bool(current_app.config["LOCAL_STORE_TEXT"]))


def add_cors(resp: Response) -> Response:
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if request.path.startswith(API_PREFIX):
        resp.headers["Cache-Control"] = "no-store"
    origin = g.get("cors_origin")
    if origin and origin != _own_origin():
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE"
            resp.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            resp.headers["Access-Control-Max-Age"] = "600"
    return resp


# --- rate limits ----------------------------------------------------------------------------


def _rate_key() -> str:
    p: Principal | None = g.get("principal")
    if p is None or p.token is None:
        return f"local:{request.remote_addr}"
    return p.owner


def _rate_limit() -> str:
    p: Principal | None = g.get("principal")
    cfg = current_app.config
    if p is not None and p.token is not None:
        return p.token.rate_limit or cfg["RATE_LIMIT"]
    return cfg["LOCAL_RATE_LIMIT"] or cfg["RATE_LIMIT"]


def _exempt() -> bool:
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return True
    if request.endpoint in PUBLIC_ENDPOINTS:
        return True
    p: Principal | None = g.get("principal")
    return p is not None and p.token is None and not current_app.config["LOCAL_RATE_LIMIT"]


def make_limiter() -> Limiter:
    limiter = Limiter(
        key_func=_rate_key,
        # One budget per caller across every route, not one per route.
        application_limits=[_rate_limit],
        application_limits_exempt_when=_exempt,
        headers_enabled=True,
        strategy="moving-window",
    )
    limiter.request_filter(_exempt)  # skips the limiter's work entirely for exempt requests
    return limiter


def install(app: Flask, limiter: Limiter) -> None:
    """Order matters: authenticate first, so the limiter knows whose budget to charge."""
    app.before_request(authenticate)
    limiter.init_app(app)
    app.after_request(add_cors)
