"""Storage: SQLAlchemy models and the few queries the service makes.

SQLite in the instance folder by default, PostgreSQL by URL; the schema comes from the Alembic
migrations in `auditor/web/migrations`. Draft text is stored only when its owner opted in;
scores, rule codes and the text's hash always are.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast, overload

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

if TYPE_CHECKING:
    from sqlalchemy import Row, Table

SCORE_NAMES = ("trust", "self_orientation", "value_add", "lemming", "clickbait")
TOKEN_PREFIX = "ta_"


class Base(DeclarativeBase):
    pass


class Token(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    store_text: Mapped[bool] = mapped_column(Boolean, default=False)
    rate_limit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRecord(Base):
    __tablename__ = "audits"
    __table_args__ = (Index("ix_audits_owner_created", "owner", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    owner: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16))
    trust: Mapped[float] = mapped_column(Float)
    self_orientation: Mapped[float] = mapped_column(Float)
    value_add: Mapped[float] = mapped_column(Float)
    lemming: Mapped[float] = mapped_column(Float)
    clickbait: Mapped[float] = mapped_column(Float)
    word_count: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list[str]] = mapped_column(JSON)
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)


_INSERT_AUDIT = cast("Table", AuditRecord.__table__).insert()  # declared as a FromClause


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    store_text: bool
    rate_limit: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def owner(self) -> str:
        return f"token:{self.id}"


def hash_token(token: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is a safe, fast lookup key."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@overload
def _utc(value: datetime) -> datetime: ...
@overload
def _utc(value: None) -> None: ...
def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting platforms write them) mean psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Store:
    """One per app. The engine is made lazily per process, so gunicorn's forks never share
    the pool the master (which ran the migrations under --preload) may have opened."""

    def __init__(self, url: str, token_cache_seconds: float = 5.0) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._token_cache: dict[str, tuple[float, TokenInfo | None]] = {}
        self.token_cache_seconds = token_cache_seconds
        self._last_purge = 0.0

    @property
    def engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            with self._lock:
                if self._engine is None or self._pid != os.getpid():
                    self._engine = make_engine(self.url)
                    self._pid = os.getpid()
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def migrate(self) -> None:
        from auditor.web.migrate import upgrade

        upgrade(self.engine)

    # --- tokens ---------------------------------------------------------------------------

    def create_token(
        self, name: str, *, store_text: bool = False, rate_limit: str | None = None
    ) -> tuple[str, TokenInfo]:
        """Returns the token itself (shown once, never stored) and its record."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(Token).values(
                    name=name,
                    token_hash=hash_token(token),
                    prefix=token[:10],
                    store_text=store_text,
                    rate_limit=rate_limit,
                    created_at=now,
                )
            )
            token_id = int(cast("Row[Any]", result.inserted_primary_key)[0])  # one row inserted
        return token, TokenInfo(token_id, name, token[:10], store_text, rate_limit, now, None)

    def list_tokens(self) -> list[TokenInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(Token).order_by(Token.id)).mappings().all()
        return [self._token_info(r) for r in rows]

    def revoke_token(self, name_or_id: str) -> bool:
        cond = Token.name == name_or_id
        if name_or_id.isdigit():
            cond = cond | (Token.id == int(name_or_id))
        with self.engine.begin() as conn:
            n = conn.execute(
                update(Token)
                .where(cond, Token.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        self._token_cache.clear()
        return n > 0

    def lookup_token(self, token: str) -> TokenInfo | None:
        """The active token's record, or None. Cached briefly: a revocation takes effect
        within `token_cache_seconds` in every worker."""
        key = hash_token(token)
        now = time.monotonic()
        hit = self._token_cache.get(key)
        if hit is not None and now - hit[0] < self.token_cache_seconds:
            return hit[1]
        with self.engine.connect() as conn:
            row = conn.execute(select(Token).where(Token.token_hash == key)).mappings().first()
        info = self._token_info(row) if row is not None else None
        if info is not None and info.revoked_at is not None:
            info = None
        if len(self._token_cache) > 10_000:
            self._token_cache.clear()
        self._token_cache[key] = (now, info)
        return info

    @staticmethod
    def _token_info(row: Any) -> TokenInfo:
        return TokenInfo(
            id=row["id"],
            name=row["name"],
            prefix=row["prefix"],
            store_text=bool(row["store_text"]),
            rate_limit=row["rate_limit"],
            created_at=_utc(row["created_at"]),
            revoked_at=_utc(row["revoked_at"]),
        )

    # --- history --------------------------------------------------------------------------

    def record(
        self,
        owner: str,
        report: Any,
        *,
        text: str | None = None,
        subject: str | None = None,
    ) -> int:
        """Store one audit's scores and rule codes (and the text only if given)."""
        params: dict[str, Any] = {name: float(report.scores[name]) for name in SCORE_NAMES}
        params.update(
            owner=owner,
            created_at=datetime.now(UTC),
            kind=report.kind,
            verdict=report.verdict,
            word_count=report.word_count,
            rules=sorted({f.rule for f in report.findings}),
            text_sha256=report.text_sha256,
            text=text,
            subject=subject,
        )
        # A Core insert with bound parameters: compiled once, cheap on every request.
        with self.engine.begin() as conn:
            result = conn.execute(_INSERT_AUDIT, params)
            return int(cast("Row[Any]", result.inserted_primary_key)[0])  # one row inserted

    def history(
        self,
        owner: str,
        *,
        kind: str | None = None,
        since: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Newest first."""
        q = select(AuditRecord).where(AuditRecord.owner == owner)
        if kind:
            q = q.where(AuditRecord.kind == kind)
        if since is not None:
            q = q.where(AuditRecord.created_at >= since)
        if before_id is not None:
            q = q.where(AuditRecord.id < before_id)
        q = q.order_by(AuditRecord.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        out = []
        for r in rows:
            item: dict[str, Any] = {
                "id": r["id"],
                "created_at": _utc(r["created_at"]).isoformat(),
                "kind": r["kind"],
                "verdict": r["verdict"],
                "scores": {name: r[name] for name in SCORE_NAMES},
                "word_count": r["word_count"],
                "rules": list(r["rules"] or []),
                "text_sha256": r["text_sha256"],
            }
            if r["text"] is not None:
                item["text"] = r["text"]
                item["subject"] = r["subject"]
            out.append(item)
        return out

    def delete_owner(self, owner: str) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(AuditRecord).where(AuditRecord.owner == owner)).rowcount

    def purge(self, retention_days: int) -> int:
        """Drop audits older than the retention period (0 keeps everything)."""
        if retention_days <= 0:
            return 0
        cutoff = datetime.now(UTC) - timedelta(days=retention_days)
        with self.engine.begin() as conn:
            return conn.execute(delete(AuditRecord).where(AuditRecord.created_at < cutoff)).rowcount

    def purge_if_due(self, retention_days: int, every_seconds: float = 3600.0) -> None:
        now = time.monotonic()
        if now - self._last_purge >= every_seconds:
            self._last_purge = now
            self.purge(retention_days)

    def ping(self) -> bool:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
