"""Storage: the shipped migrations build exactly the models, up and down, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from auditor.web.migrate import current, downgrade, upgrade
from auditor.web.storage import Base, Store


def test_migrations_create_exactly_the_models(database_url):
    store = Store(database_url)
    try:
        upgrade(store.engine)
        assert current(store.engine) == "0001"
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        store.dispose()


def test_migrations_downgrade_to_nothing_and_up_again(database_url):
    store = Store(database_url)
    try:
        upgrade(store.engine)
        downgrade(store.engine, "base")
        tables = set(inspect(store.engine).get_table_names())
        assert not tables & {"audits", "api_tokens"}
        upgrade(store.engine)
        assert {"audits", "api_tokens"} <= set(inspect(store.engine).get_table_names())
    finally:
        store.dispose()


def test_upgrade_is_idempotent_so_every_start_may_run_it(database_url):
    store = Store(database_url)
    try:
        upgrade(store.engine)
        token, _ = store.create_token("kept")
        upgrade(store.engine)
        assert store.lookup_token(token) is not None
    finally:
        store.dispose()


def test_sqlite_database_lives_in_the_instance_folder_by_default(tmp_path, monkeypatch):
    from auditor.web import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True}, instance_path=tmp_path / "inst")
    try:
        assert (tmp_path / "inst" / "auditor.sqlite3").is_file()
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        app.extensions["auditor"].store.dispose()


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    from auditor.web import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text("BATCH_MAX = 2\nMAX_CHARS = 50\n")
    app = create_app(instance_path=inst)
    try:
        client = app.test_client()
        r = client.post("/api/v1/audit", json={"text": "word " * 20})
        assert r.status_code == 413
        r = client.post("/api/v1/audit/batch", json={"items": [{"text": "Hi there."}] * 3})
        assert r.status_code == 422
    finally:
        app.extensions["auditor"].store.dispose()


def test_environment_variables_configure_the_service(monkeypatch):
    from auditor.web.config import from_environment

    env = {
        "DATABASE_URL": "postgresql+psycopg://u@h/db",
        "AUDITOR_ALLOWED_ORIGINS": "chrome-extension://a, chrome-extension://b",
        "AUDITOR_REQUIRE_TOKEN": "true",
        "AUDITOR_MAX_CONTENT_LENGTH": "5000",
        "AUDITOR_TOKEN_CACHE_SECONDS": "1.5",
    }
    assert from_environment(env) == {
        "DATABASE_URL": "postgresql+psycopg://u@h/db",
        "ALLOWED_ORIGINS": ("chrome-extension://a", "chrome-extension://b"),
        "REQUIRE_TOKEN": True,
        "MAX_CONTENT_LENGTH": 5000,
        "TOKEN_CACHE_SECONDS": 1.5,
    }


def test_plain_postgres_urls_use_psycopg_3():
    from auditor.web.storage import normalise_url

    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
