"""`auditor serve`, `auditor token create|list|revoke`, `auditor db upgrade|purge`."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("serve", help="run the web service under gunicorn (foreground)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    p.add_argument("--instance", help="instance folder (SQLite database, config.py)")
    p.add_argument("--access-log", action="store_true", help="log each request line to stderr")
    p.set_defaults(func=_serve)

    p = subparsers.add_parser("token", help="API tokens for the service")
    p.add_argument("--instance", help="instance folder")
    tsub = p.add_subparsers(dest="token_command", required=True)
    c = tsub.add_parser("create", help="create a token (printed once)")
    c.add_argument("name")
    c.add_argument("--store-text", action="store_true", help="keep draft text in history")
    c.add_argument("--rate-limit", help='e.g. "120/minute" (default: the service\'s RATE_LIMIT)')
    c.set_defaults(func=_token_create)
    ls = tsub.add_parser("list", help="list tokens (never the secret)")
    ls.set_defaults(func=_token_list)
    r = tsub.add_parser("revoke", help="revoke a token by name or id")
    r.add_argument("token")
    r.set_defaults(func=_token_revoke)

    p = subparsers.add_parser("db", help="service database maintenance")
    p.add_argument("--instance", help="instance folder")
    dsub = p.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("upgrade", help="run migrations to the latest").set_defaults(func=_db_upgrade)
    dsub.add_parser("purge", help="drop audits past the retention period").set_defaults(
        func=_db_purge
    )


def _store(args: argparse.Namespace) -> Any:
    from auditor.web import make_flask, make_store

    store = make_store(make_flask(instance_path=args.instance))
    store.migrate()
    return store


def _token_create(args: argparse.Namespace) -> int:
    from limits import parse

    if args.rate_limit:
        try:
            parse(args.rate_limit)
        except ValueError:
            raise ValueError(f"rate limit {args.rate_limit!r} is not like '120/minute'") from None
    store = _store(args)
    from sqlalchemy.exc import IntegrityError

    try:
        token, info = store.create_token(
            args.name, store_text=args.store_text, rate_limit=args.rate_limit
        )
    except IntegrityError:
        raise ValueError(f"a token named {args.name!r} exists") from None
    print(token)
    print(
        f"created token {info.id} {info.name!r} (shown once; keep it secret)"
        + ("; stores draft text" if info.store_text else ""),
        file=sys.stderr,
    )
    return 0


def _token_list(args: argparse.Namespace) -> int:
    for t in _store(args).list_tokens():
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(
            f"{t.id:>4}  {t.name:<24} {t.prefix}…  {state:<18} "
            f"text:{'yes' if t.store_text else 'no':<4} limit:{t.rate_limit or 'default'}"
            f"  created {t.created_at:%Y-%m-%d}"
        )
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    if not _store(args).revoke_token(args.token):
        raise ValueError(f"no active token {args.token!r}")
    print(f"revoked {args.token}", file=sys.stderr)
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    _store(args)
    print("database is at the latest migration", file=sys.stderr)
    return 0


def _db_purge(args: argparse.Namespace) -> int:
    from auditor.web import make_flask, make_store

    app = make_flask(instance_path=args.instance)
    n = make_store(app).purge(int(app.config["RETENTION_DAYS"]))
    print(f"purged {n} audits older than {app.config['RETENTION_DAYS']} days", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from auditor.web.security import is_loopback

    host = args.host
    bind = f"[{host}]:{args.port}" if ":" in host else f"{host}:{args.port}"
    options: dict[str, Any] = {
        "bind": bind,
        "workers": max(1, args.workers),
        "threads": max(1, args.threads),
        "worker_class": "gthread" if args.threads > 1 else "sync",
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-" if args.access_log else None,
        # Request lines only; bodies (drafts) are never logged.
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "trust-auditor",
        # gunicorn 27's control socket sits at one path per user: several services collide.
        "control_socket_disable": True,
    }
    test_config = {"BIND_HOST": host}
    if args.instance:
        os.environ["AUDITOR_INSTANCE_PATH"] = os.path.abspath(args.instance)

    class Service(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorn lacks some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from auditor.web import create_app

            app = create_app(test_config)
            if not is_loopback(host) or app.config["REQUIRE_TOKEN"]:
                store = app.extensions["auditor"].store
                if not any(t.revoked_at is None for t in store.list_tokens()):
                    print(
                        "auditor serve: every API call needs a token here; "
                        "create one with `auditor token create NAME`",
                        file=sys.stderr,
                    )
                store.dispose()
            print(f"Trust Auditor on http://{bind}/", file=sys.stderr)
            return app

    Service().run()
    return 0
