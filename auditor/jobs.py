"""Crawl jobs on a real task queue (huey): SQLite by default, Redis for many worker machines.

A queue is named by URL: `sqlite:///path/queue.db` (the default, no server; or
`TRUST_AUDITOR_QUEUE`), `redis://host:6379/0` for several machines, or `memory://`.
The task code is the same on every backend: a task is a `CrawlRunner` on one crawl, and the
crawl database (`TRUST_AUDITOR_CRAWL_DB`, PostgreSQL for several machines) keeps runners
apart, so enqueueing a crawl twice, or on two workers, never audits a page twice.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from auditor.crawl_store import CrawlStore, data_dir, default_db_url

log = logging.getLogger("auditor.jobs")
QUEUE_ENV = "TRUST_AUDITOR_QUEUE"
NAME = "trust-auditor-crawls"


def default_queue_url() -> str:
    return os.environ.get(QUEUE_ENV) or f"sqlite:///{data_dir() / 'queue.db'}"


def make_huey(url: str) -> Huey:
    """`?name=` on any URL names the queue (default trust-auditor-crawls)."""
    url, _, query = url.partition("?")
    params = dict(parse_qsl(query))
    name = params.pop("name", NAME)
    if params:
        url += "?" + urlencode(params)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url[len("sqlite:///") :], results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("memory://"):
        return MemoryHuey(name, results=False)
    raise ValueError(f"unsupported queue URL {url!r}: use sqlite:///PATH or redis://HOST:PORT/DB")


_stores: dict[str, CrawlStore] = {}
_queues: dict[str, tuple[Huey, Any]] = {}
_lock = threading.Lock()


def store_for(db_url: str | None) -> CrawlStore:
    """One store (and connection pool) per database per process."""
    key = db_url or default_db_url()
    with _lock:
        if key not in _stores:
            _stores[key] = CrawlStore(key)
        return _stores[key]


def get_queue(url: str | None = None) -> tuple[Huey, Any]:
    """(huey, crawl task) for a queue URL; the same task code is registered on every backend."""
    url = url or default_queue_url()
    with _lock:
        if url in _queues:
            return _queues[url]
        h = make_huey(url)

        @h.task(name="crawl")
        def crawl_task(crawl_id: str, db_url: str | None = None) -> str:
            from auditor.crawling import CrawlRunner

            return CrawlRunner(store_for(db_url), crawl_id).run()

        @h.periodic_task(crontab(minute="*"), name="revive_crawls")
        def revive_crawls() -> None:
            """Re-enqueue crawls whose every runner died (no heartbeat for two minutes)."""
            store = store_for(None)
            for cid in store.stale_crawls(older_than=120.0):
                log.info("reviving crawl %s", cid)
                crawl_task(cid, store.url)

        _queues[url] = (h, crawl_task)
        return _queues[url]


def enqueue(
    crawl_id: str, db_url: str | None = None, runners: int = 1, queue_url: str | None = None
) -> None:
    """Queue `runners` tasks on the crawl: each worker that picks one up shares the frontier."""
    _, task = get_queue(queue_url)
    for _ in range(max(1, runners)):
        task(crawl_id, db_url)


class EmbeddedWorker:
    """Runs queued tasks in a thread of this process (the service's default: no server)."""

    def __init__(self, queue_url: str | None = None, threads: int = 2) -> None:
        self.huey, _ = get_queue(queue_url)
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, name=f"crawl-worker-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> EmbeddedWorker:
        for t in self.threads:
            t.start()
        return self

    def _loop(self) -> None:
        while not self.stop.is_set():
            task = self.huey.dequeue()
            if task is None:
                self.stop.wait(0.3)
                continue
            try:
                self.huey.execute(task)
            except Exception:
                log.exception("crawl task failed")

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(5)


def run_worker(queue_url: str | None = None, workers: int = 2) -> None:
    """`auditor worker`: a huey consumer in the foreground; SIGINT/SIGTERM stop it."""
    huey, _ = get_queue(queue_url)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
