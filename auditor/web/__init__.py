"""The Flask service: `create_app()` is the app factory (`auditor serve` runs it under gunicorn).

Blueprints are listed by import path in `BLUEPRINTS`; a part that adds one (crawl jobs, ...)
appends its `"module:attribute"` here with a one-line edit.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from pydantic import BaseModel

BLUEPRINTS: list[str] = [
    "auditor.web.api:bp",
    "auditor.web.pages:bp",
    "auditor.web.pages:health",
    "auditor.web.crawls:bp",
]


@dataclass
class ServiceState:
    """Per-app objects made once, never per request."""

    store: Any
    engine_config: Any
    batch_model: type[BaseModel]
    limiter: Any
    rules_json: str | None = None
    openapi_json: str | None = None


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_flask(
    test_config: dict[str, Any] | None = None, instance_path: str | os.PathLike[str] | None = None
) -> Flask:
    """A Flask object with the service's configuration only (the CLI's token commands use it)."""
    from auditor.web.config import Config, from_environment

    instance_path = instance_path or os.environ.get("AUDITOR_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return app


def make_store(app: Flask) -> Any:
    from auditor.web.storage import Store

    url = app.config["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'auditor.sqlite3'}"
    return Store(url, token_cache_seconds=float(app.config["TOKEN_CACHE_SECONDS"]))


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | os.PathLike[str] | None = None
) -> Flask:
    from auditor.config import load_config
    from auditor.web.errors import register_error_handlers
    from auditor.web.schemas import batch_request_model
    from auditor.web.security import install, make_limiter

    app = make_flask(test_config, instance_path)
    store = make_store(app)
    if app.config["AUTO_MIGRATE"]:
        store.migrate()
        store.dispose()  # gunicorn forks after this: each worker opens its own pool

    if app.config["ENGINE_CONFIG"]:
        engine_config = load_config(app.config["ENGINE_CONFIG"])
    else:
        engine_config = load_config(start=app.instance_path)
    engine_config.max_chars = int(app.config["MAX_CHARS"])

    limiter = make_limiter()
    app.extensions["auditor"] = ServiceState(
        store=store,
        engine_config=engine_config,
        batch_model=batch_request_model(int(app.config["BATCH_MAX"])),
        limiter=limiter,
    )
    register_error_handlers(app)
    install(app, limiter)
    for path in BLUEPRINTS:
        app.register_blueprint(_load(path))
    _warm_up(engine_config)
    return app


def _warm_up(engine_config: Any) -> None:
    """Load rules, detectors and models before gunicorn forks (--preload shares them
    copy-on-write): every rule's examples run once, so each detector has met its needles."""
    from auditor.engine import audit
    from auditor.ingest import InputError
    from classifiers import needles
    from classifiers.rules import load_rules

    for rule in load_rules():
        for example in rule.fire:
            # an example longer than this service's MAX_CHARS is skipped
            with contextlib.suppress(InputError):
                audit(example, rule.example_kind or "email", config=engine_config)
    needles.settle()
