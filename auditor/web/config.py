"""Config objects for the service, in the Flask tutorial's style.

`create_app` starts from `Config`, then the instance folder's `config.py` (if any), then
`AUDITOR_*` environment variables (and `DATABASE_URL`), then the mapping a caller passes.
"""

from __future__ import annotations

import os
from typing import Any

# Pinned ids of the browser extension (`chrome-extension://<id>`), allowed as browser origins
# by default. The extension's manifest pins its id with a "key".
DEFAULT_EXTENSION_ORIGINS: tuple[str, ...] = (
    "chrome-extension://iodcphcihhcmolcpmhebbfigkjbeagif",
)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class Config:
    """Defaults for a laptop: loopback, SQLite in the instance folder, no token from the CLI."""

    TESTING = False
    # SQLAlchemy URL; None means `sqlite:///<instance>/auditor.sqlite3`.
    DATABASE_URL: str | None = None
    # Run Alembic migrations to head when the app is created (serve runs them once, before fork).
    AUTO_MIGRATE = True
    # The address `auditor serve` binds; off loopback every request needs a token.
    BIND_HOST = "127.0.0.1"
    # None: decided from BIND_HOST and the peer address; True/False force it.
    REQUIRE_TOKEN: bool | None = None
    # Browser origins allowed besides the service's own page.
    ALLOWED_ORIGINS: tuple[str, ...] = DEFAULT_EXTENSION_ORIGINS
    # Extra Host header values accepted on loopback (DNS-rebinding guard); off loopback any.
    ALLOWED_HOSTS: tuple[str, ...] = ()
    # Request body limit in bytes, checked from Content-Length before the body is read.
    MAX_CONTENT_LENGTH = 1_000_000
    # Characters of text one audit accepts (the engine's limit).
    MAX_CHARS = 200_000
    # Items in one batch request.
    BATCH_MAX = 50
    # Rate limits (Flask-Limiter syntax) per token; local requests without a token are exempt
    # unless LOCAL_RATE_LIMIT is set. Storage: memory:// (per worker) or redis://host:port.
    RATE_LIMIT = "600/minute"
    LOCAL_RATE_LIMIT: str | None = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # Audit history: scores and rule codes are kept this many days (0 = keep forever).
    RETENTION_DAYS = 90
    # Whether requests without a token (loopback only) store the draft text in history.
    LOCAL_STORE_TEXT = False
    # How long a worker trusts its cached token lookup (a revocation takes this long).
    TOKEN_CACHE_SECONDS = 5.0
    # Path to a .trust-auditor.toml for the engine; None = built-in defaults.
    ENGINE_CONFIG: str | None = None


class TestingConfig(Config):
    TESTING = True
    TOKEN_CACHE_SECONDS = 0.0
    RATE_LIMIT = "1000/minute"


class ProductionConfig(Config):
    """A team server: bound to every interface, tokens always, shared rate-limit storage."""

    BIND_HOST = "0.0.0.0"
    REQUIRE_TOKEN = True


_ENV_TYPES: dict[str, type] = {
    "DATABASE_URL": str,
    "AUTO_MIGRATE": bool,
    "BIND_HOST": str,
    "REQUIRE_TOKEN": bool,
    "ALLOWED_ORIGINS": tuple,
    "ALLOWED_HOSTS": tuple,
    "MAX_CONTENT_LENGTH": int,
    "MAX_CHARS": int,
    "BATCH_MAX": int,
    "RATE_LIMIT": str,
    "LOCAL_RATE_LIMIT": str,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_ENABLED": bool,
    "RETENTION_DAYS": int,
    "LOCAL_STORE_TEXT": bool,
    "ENGINE_CONFIG": str,
    "TOKEN_CACHE_SECONDS": float,
}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """`AUDITOR_<KEY>` variables (and plain `DATABASE_URL`) as typed config values."""
    environ = dict(os.environ if environ is None else environ)
    out: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        out["DATABASE_URL"] = environ["DATABASE_URL"]
    for key, typ in _ENV_TYPES.items():
        raw = environ.get(f"AUDITOR_{key}")
        if raw is None:
            continue
        if typ is bool:
            out[key] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif typ is int or typ is float:
            out[key] = typ(raw)
        elif typ is tuple:
            out[key] = tuple(v.strip() for v in raw.split(",") if v.strip())
        else:
            out[key] = raw
    return out
