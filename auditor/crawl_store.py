"""Crawl records in a real database (SQLite by default, PostgreSQL by URL).

The database, not the task queue, is the crawl frontier: every URL is one row, workers claim
rows atomically with a lease, and a result is written only by the lease holder. So two
workers never audit one URL twice, a dead worker's rows are taken over when its lease
expires, and an interrupted crawl resumes from the rows still open. Page text is kept only
while the crawl runs (for near-duplicate clustering) unless the crawl opted in to keep it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
    update,
)

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

metadata = MetaData()

crawls = Table(
    "ta_crawls",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site", String(255), nullable=False, index=True),
    Column("root_url", Text, nullable=False),
    Column("options", JSON, nullable=False),
    # pending|seeding|running|finishing|done|failed|cancelled
    Column("state", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("heartbeat_at", Float),
    Column("seed_until", Float),
    Column("dropped", Integer, nullable=False, default=0),
    Column("notes", JSON, nullable=False, default=list),
    Column("clusters", JSON),
    Column("error", Text),
)

pages = Table(
    "ta_crawl_pages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("crawl_id", String(32), ForeignKey("ta_crawls.id", ondelete="CASCADE"), nullable=False),
    Column("url_hash", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("depth", Integer, nullable=False, default=0),
    Column("source", String(16), nullable=False),  # seed|sitemap|link|canonical|redirect
    Column("state", String(16), nullable=False),  # queued|claimed|done|skipped
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("audits", Integer, nullable=False, default=0),
    Column("http_status", Integer),
    Column("final_url", Text),
    Column("content_type", String(128)),
    Column("skip_reason", Text),
    Column("title", Text),
    Column("kind", String(16)),
    Column("scores", JSON),
    Column("title_scores", JSON),
    Column("verdict", String(16)),
    Column("findings", JSON),
    Column("title_findings", JSON),
    Column("rules", JSON),
    Column("word_count", Integer),
    Column("content_sha256", String(64)),
    Column("date", String(32)),
    Column("author", String(200)),
    Column("fetched_at", Float),
    Column("elapsed_ms", Integer),
    UniqueConstraint("crawl_id", "url_hash", name="ta_crawl_pages_url"),
    Index("ta_crawl_pages_state", "crawl_id", "state"),
)

texts = Table(
    "ta_crawl_texts",
    metadata,
    Column(
        "page_id", Integer, ForeignKey("ta_crawl_pages.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("crawl_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
)

hosts = Table(
    "ta_crawl_hosts",
    metadata,
    Column("crawl_id", String(32), primary_key=True),
    Column("origin", String(255), primary_key=True),
    Column("next_at", Float, nullable=False, default=0.0),
    Column("robots_status", String(200)),
    Column("robots_text", Text),
    Column("robots_disallow_all", Integer, nullable=False, default=0),
)

OPEN_STATES = ("queued", "claimed")
FINAL_STATES = ("done", "failed", "cancelled")
ACTIVE_STATES = ("pending", "seeding", "running")  # what a cancel may stop
CANCELLED = "cancelled"  # the crawl's state, and the skip reason of pages it never fetched


def data_dir() -> Path:
    """Where crawls and the embedded queue live by default (XDG data folder)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = base / "trust-auditor"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_db_url() -> str:
    return os.environ.get("TRUST_AUDITOR_CRAWL_DB") or f"sqlite:///{data_dir() / 'crawls.db'}"


def url_hash(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def worker_id() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class CrawlStore:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_db_url()
        self.engine: Engine = _make_engine(self.url)
        for attempt in range(3):  # workers starting together may race to create the tables
            try:
                metadata.create_all(self.engine)
                break
            except Exception:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        self.dialect = self.engine.dialect.name

    # -- crawls ---------------------------------------------------------------------------

    def create_crawl(self, root_url: str, site: str, options: dict[str, Any]) -> str:
        cid = uuid.uuid4().hex
        with self.engine.begin() as c:
            c.execute(
                crawls.insert().values(
                    id=cid,
                    site=site,
                    root_url=root_url,
                    options=options,
                    state="pending",
                    created_at=time.time(),
                    dropped=0,
                    notes=[],
                )
            )
        return cid

    def crawl(self, cid: str) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            row = c.execute(select(crawls).where(crawls.c.id == cid)).mappings().first()
        return dict(row) if row else None

    def state(self, cid: str) -> str | None:
        with self.engine.connect() as c:
            return c.execute(select(crawls.c.state).where(crawls.c.id == cid)).scalar()

    def list_crawls(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(crawls).order_by(crawls.c.created_at.desc()).limit(limit)
            ).mappings()
            return [dict(r) for r in rows]

    def set_state(
        self, cid: str, new: str, expect: Iterable[str] | None = None, **values: Any
    ) -> bool:
        """Atomic state transition: True only for the one caller that made it."""
        stmt = update(crawls).where(crawls.c.id == cid)
        if expect is not None:
            stmt = stmt.where(crawls.c.state.in_(list(expect)))
        with self.engine.begin() as c:
            return c.execute(stmt.values(state=new, **values)).rowcount == 1

    def claim_seeding(self, cid: str, lease: float) -> bool:
        now = time.time()
        stmt = (
            update(crawls)
            .where(
                crawls.c.id == cid,
                or_(
                    crawls.c.state == "pending",
                    and_(crawls.c.state == "seeding", crawls.c.seed_until < now),
                ),
            )
            .values(state="seeding", seed_until=now + lease, heartbeat_at=now)
        )
        with self.engine.begin() as c:
            return c.execute(stmt).rowcount == 1

    def heartbeat(self, cid: str) -> None:
        with self.engine.begin() as c:
            c.execute(update(crawls).where(crawls.c.id == cid).values(heartbeat_at=time.time()))

    def add_notes(self, cid: str, notes: list[str]) -> None:
        if not notes:
            return
        with self.engine.begin() as c:
            cur = c.execute(select(crawls.c.notes).where(crawls.c.id == cid)).scalar() or []
            c.execute(update(crawls).where(crawls.c.id == cid).values(notes=[*cur, *notes][-200:]))

    def cancel(self, cid: str) -> bool:
        """Stop a pending or running crawl: True only for the caller that stopped it.

        Queued rows are skipped as "cancelled" in the same transaction, so no worker can claim
        one afterwards; rows in flight finish (or are skipped by their worker before fetching).
        """
        with self.engine.begin() as c:
            stopped = c.execute(
                update(crawls)
                .where(crawls.c.id == cid, crawls.c.state.in_(ACTIVE_STATES))
                .values(state=CANCELLED, finished_at=time.time())
            ).rowcount
            if stopped == 1:
                self._skip_unclaimed(c, cid, CANCELLED)
        return stopped == 1

    def skip_unclaimed(self, cid: str, reason: str) -> int:
        """Skip queued rows, and claimed rows whose lease ran out (their worker is gone)."""
        with self.engine.begin() as c:
            return self._skip_unclaimed(c, cid, reason)

    def _skip_unclaimed(self, c: Connection, cid: str, reason: str) -> int:
        lapsed = and_(pages.c.state == "claimed", pages.c.lease_until < time.time())
        return c.execute(
            update(pages)
            .where(pages.c.crawl_id == cid, or_(pages.c.state == "queued", lapsed))
            .values(state="skipped", skip_reason=reason, lease_owner=None, lease_until=None)
        ).rowcount

    def previous_done(self, cid: str) -> dict[str, Any] | None:
        """The last finished crawl of the same site before this one (for the change report)."""
        me = self.crawl(cid)
        if me is None:
            return None
        with self.engine.connect() as c:
            row = (
                c.execute(
                    select(crawls)
                    .where(
                        crawls.c.site == me["site"],
                        crawls.c.state == "done",
                        crawls.c.created_at < me["created_at"],
                        crawls.c.id != cid,
                    )
                    .order_by(crawls.c.created_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def stale_crawls(self, older_than: float) -> list[str]:
        """Running crawls nobody has touched lately: a worker should pick them up again."""
        cutoff = time.time() - older_than
        with self.engine.connect() as c:
            return list(
                c.execute(
                    select(crawls.c.id).where(
                        crawls.c.state.in_(["pending", "seeding", "running", "finishing"]),
                        or_(crawls.c.heartbeat_at.is_(None), crawls.c.heartbeat_at < cutoff),
                    )
                ).scalars()
            )

    # -- hosts: robots.txt and a shared politeness clock ----------------------------------

    def save_robots(self, cid: str, origin: str, status: str, text: str | None, deny: bool) -> None:
        with self.engine.begin() as c:
            exists = c.execute(
                select(hosts.c.origin).where(hosts.c.crawl_id == cid, hosts.c.origin == origin)
            ).first()
            values = dict(robots_status=status, robots_text=text, robots_disallow_all=int(deny))
            if exists:
                c.execute(
                    update(hosts)
                    .where(hosts.c.crawl_id == cid, hosts.c.origin == origin)
                    .values(**values)
                )
            else:
                c.execute(hosts.insert().values(crawl_id=cid, origin=origin, next_at=0.0, **values))

    def robots(self, cid: str) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            return [
                dict(r) for r in c.execute(select(hosts).where(hosts.c.crawl_id == cid)).mappings()
            ]

    def reserve_slot(self, cid: str, origin: str, delay: float) -> float:
        """The time this worker may fetch from `origin`: one slot per `delay`, across workers."""
        now = time.time()
        with self.engine.begin() as c:
            c.execute(  # a host first met after a redirect has no row yet
                self._insert_ignore(hosts), [dict(crawl_id=cid, origin=origin, next_at=0.0)]
            )
            new = func.max if self.dialect == "sqlite" else func.greatest
            res = c.execute(
                update(hosts)
                .where(hosts.c.crawl_id == cid, hosts.c.origin == origin)
                .values(next_at=new(hosts.c.next_at, now) + delay)
                .returning(hosts.c.next_at)
            ).first()
        return (res[0] - delay) if res else now

    # -- pages ----------------------------------------------------------------------------

    def add_urls(
        self, cid: str, urls: Iterable[tuple[str, int, str]], limit: int | None = None
    ) -> int:
        """Queue (url, depth, source) rows not seen before; returns how many were new."""
        with self.engine.begin() as c:
            return self._add_urls(c, cid, list(urls), limit)

    def _add_urls(
        self, c: Connection, cid: str, urls: list[tuple[str, int, str]], limit: int | None
    ) -> int:
        rows = {url_hash(u): (u, d, s) for u, d, s in urls}
        if not rows:
            return 0
        have: set[str] = set()
        keys = list(rows)
        for i in range(0, len(keys), 500):
            have.update(
                c.execute(
                    select(pages.c.url_hash).where(
                        pages.c.crawl_id == cid, pages.c.url_hash.in_(keys[i : i + 500])
                    )
                ).scalars()
            )
        new = [k for k in keys if k not in have]
        dropped = 0
        if limit is not None and new:
            total = c.execute(
                select(func.count()).select_from(pages).where(pages.c.crawl_id == cid)
            ).scalar_one()
            keep = max(0, limit - total)
            dropped, new = len(new) - min(keep, len(new)), new[:keep]
        if dropped:
            c.execute(
                update(crawls).where(crawls.c.id == cid).values(dropped=crawls.c.dropped + dropped)
            )
        if not new:
            return 0
        state = c.execute(select(crawls.c.state).where(crawls.c.id == cid)).scalar()
        stopped = state == CANCELLED  # links found by pages in flight: listed, never fetched
        c.execute(
            self._insert_ignore(pages),
            [
                dict(
                    crawl_id=cid,
                    url_hash=k,
                    url=rows[k][0],
                    depth=rows[k][1],
                    source=rows[k][2],
                    state="skipped" if stopped else "queued",
                    skip_reason=CANCELLED if stopped else None,
                    attempts=0,
                    audits=0,
                )
                for k in new
            ],
        )
        return len(new)

    def claim_url(
        self, cid: str, url: str, depth: int, owner: str, lease: float, limit: int | None
    ) -> int | None:
        """Take the row of `url` for `owner` before following a redirect to it: a queued row is
        claimed, a new URL is added already claimed (source "redirect"). None if the URL is
        taken, finished, or cannot be added (crawl full or cancelled): then do not fetch it.

        So every URL a crawl fetches is a row held by the one worker fetching it, whether it
        came from a link or from the middle of a redirect chain: none is fetched twice."""
        key = url_hash(url)
        now = time.time()
        with self.engine.begin() as c:
            if c.execute(select(crawls.c.state).where(crawls.c.id == cid)).scalar() == CANCELLED:
                return None
            row = c.execute(
                update(pages)
                .where(pages.c.crawl_id == cid, pages.c.url_hash == key, pages.c.state == "queued")
                .values(
                    state="claimed",
                    lease_owner=owner,
                    lease_until=now + lease,
                    attempts=pages.c.attempts + 1,
                )
                .returning(pages.c.id)
            ).first()
            if row:
                return row[0]
            if c.execute(
                select(pages.c.id).where(pages.c.crawl_id == cid, pages.c.url_hash == key)
            ).first():
                return None
            if limit is not None:
                total = c.execute(
                    select(func.count()).select_from(pages).where(pages.c.crawl_id == cid)
                ).scalar_one()
                if total >= limit:
                    c.execute(
                        update(crawls)
                        .where(crawls.c.id == cid)
                        .values(dropped=crawls.c.dropped + 1)
                    )
                    return None
            row = c.execute(
                self._insert_ignore(pages)
                .values(
                    crawl_id=cid,
                    url_hash=key,
                    url=url,
                    depth=depth,
                    source="redirect",
                    state="claimed",
                    lease_owner=owner,
                    lease_until=now + lease,
                    attempts=1,
                    audits=0,
                )
                .returning(pages.c.id)
            ).first()
        return row[0] if row else None

    def _insert_ignore(self, table: Table) -> Insert:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table).on_conflict_do_nothing()
        return table.insert()

    def claim(self, cid: str, owner: str, n: int, lease: float) -> list[dict[str, Any]]:
        """Atomically take up to `n` open rows (queued, or claimed by a lease that expired)."""
        now = time.time()
        claimable = and_(
            pages.c.crawl_id == cid,
            or_(
                pages.c.state == "queued",
                and_(pages.c.state == "claimed", pages.c.lease_until < now),
            ),
        )
        ids = (
            select(pages.c.id)
            .where(claimable)
            .order_by(pages.c.depth, pages.c.id)
            .limit(n)
            .with_for_update(skip_locked=True)
        )
        if self.dialect == "postgresql":
            # A CTE runs once; an IN (subquery) may be re-scanned and, skipping the rows this
            # very UPDATE has locked, return more than `n`.
            picked = ids.cte("picked")
            target = pages.c.id == picked.c.id
        else:
            target = pages.c.id.in_(ids.scalar_subquery())
        stmt = (
            update(pages)
            .where(target, claimable)
            .values(
                state="claimed",
                lease_owner=owner,
                lease_until=now + lease,
                attempts=pages.c.attempts + 1,
            )
            .returning(pages.c.id, pages.c.url, pages.c.depth, pages.c.attempts)
        )
        with self.engine.begin() as c:
            return [dict(r) for r in c.execute(stmt).mappings()]

    def renew(self, cid: str, owner: str, ids: list[int], lease: float) -> None:
        if not ids:
            return
        with self.engine.begin() as c:
            c.execute(
                update(pages)
                .where(
                    pages.c.id.in_(ids), pages.c.lease_owner == owner, pages.c.state == "claimed"
                )
                .values(lease_until=time.time() + lease)
            )
            c.execute(update(crawls).where(crawls.c.id == cid).values(heartbeat_at=time.time()))

    def release(self, owner: str, ids: list[int]) -> None:
        """Give rows back (a worker stopping cleanly), so a resume starts them at once."""
        if not ids:
            return
        with self.engine.begin() as c:
            c.execute(
                update(pages)
                .where(
                    pages.c.id.in_(ids), pages.c.lease_owner == owner, pages.c.state == "claimed"
                )
                .values(state="queued", lease_owner=None, lease_until=None)
            )

    def release_dead(self, cid: str) -> int:
        """Give back rows claimed by processes of this machine that no longer run.

        Owners are `host:pid:nonce`; another machine's rows wait for their lease to expire.
        """
        host = os.uname().nodename
        with self.engine.connect() as c:
            owners = c.execute(
                select(pages.c.lease_owner)
                .where(pages.c.crawl_id == cid, pages.c.state == "claimed")
                .distinct()
            ).scalars()
            dead = [o for o in owners if o and _dead_here(o, host)]
        for owner in dead:
            with self.engine.begin() as c:
                c.execute(
                    update(pages)
                    .where(
                        pages.c.crawl_id == cid,
                        pages.c.lease_owner == owner,
                        pages.c.state == "claimed",
                    )
                    .values(state="queued", lease_owner=None, lease_until=None)
                )
        return len(dead)

    def finish_page(
        self,
        cid: str,
        page_id: int,
        owner: str,
        values: dict[str, Any],
        text: str | None = None,
        links: list[tuple[str, int, str]] | None = None,
        link_limit: int | None = None,
    ) -> bool:
        """Write a result if this worker still holds the row; False if its lease was lost."""
        audited = values.get("state") == "done"
        stmt = (
            update(pages)
            .where(pages.c.id == page_id, pages.c.lease_owner == owner, pages.c.state == "claimed")
            .values(
                lease_until=None,
                fetched_at=time.time(),
                audits=pages.c.audits + (1 if audited else 0),
                **values,
            )
        )
        with self.engine.begin() as c:
            if c.execute(stmt).rowcount != 1:
                return False
            if text is not None:
                c.execute(
                    self._insert_ignore(texts), [dict(page_id=page_id, crawl_id=cid, text=text)]
                )
            if links:  # same transaction: no one may see the crawl empty before these exist
                self._add_urls(c, cid, links, link_limit)
        return True

    def counts(self, cid: str) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(pages.c.state, func.count())
                .where(pages.c.crawl_id == cid)
                .group_by(pages.c.state)
            ).all()
        out = {"queued": 0, "claimed": 0, "done": 0, "skipped": 0}
        out.update({s: n for s, n in rows})
        out["total"] = sum(out[k] for k in ("queued", "claimed", "done", "skipped"))
        return out

    def open_rows(self, cid: str) -> int:
        with self.engine.connect() as c:
            return c.execute(
                select(func.count())
                .select_from(pages)
                .where(pages.c.crawl_id == cid, pages.c.state.in_(OPEN_STATES))
            ).scalar_one()

    def skip_open(self, cid: str, reason: str) -> None:
        with self.engine.begin() as c:
            c.execute(
                update(pages)
                .where(pages.c.crawl_id == cid, pages.c.state.in_(OPEN_STATES))
                .values(state="skipped", skip_reason=reason, lease_owner=None, lease_until=None)
            )

    def iter_pages(self, cid: str, batch: int = 1000) -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            with self.engine.connect() as c:
                rows = [
                    dict(r)
                    for r in c.execute(
                        select(pages)
                        .where(pages.c.crawl_id == cid, pages.c.id > last)
                        .order_by(pages.c.id)
                        .limit(batch)
                    ).mappings()
                ]
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    def texts(self, cid: str) -> dict[str, str]:
        """url -> stored main text of the audited pages (for near-duplicate clustering)."""
        with self.engine.connect() as c:
            return {
                url: text
                for url, text in c.execute(
                    select(pages.c.url, texts.c.text)
                    .join(texts, texts.c.page_id == pages.c.id)
                    .where(texts.c.crawl_id == cid)
                )
            }

    def purge_texts(self, cid: str) -> None:
        with self.engine.begin() as c:
            c.execute(texts.delete().where(texts.c.crawl_id == cid))

    def dispose(self) -> None:
        self.engine.dispose()


def _dead_here(owner: str, host: str) -> bool:
    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=10)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
