"""Crawl jobs on real queues: huey on SQLite in-process, and `auditor worker` processes on Redis
sharing a PostgreSQL crawl database (what several worker machines would do)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conftest import pg_schema  # noqa: E402

from auditor.crawl_store import CrawlStore  # noqa: E402
from auditor.crawling import CrawlOptions, create_crawl  # noqa: E402
from auditor.jobs import EmbeddedWorker, enqueue  # noqa: E402
from fixtures.sites.generate import big_site  # noqa: E402
from fixtures.sites.server import SiteServer  # noqa: E402


def slow_site(n: int, sleep: float):
    def make(base: str):
        site = big_site(base, n)
        for path, page in site.items():
            if path.startswith(("/blog/", "/guides/", "/products/", "/help/")):
                page.sleep = sleep
        return site

    return make


def wait_for(store: CrawlStore, cid: str, states=("done", "failed"), timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = store.crawl(cid)["state"]
        if state in states:
            return state
        time.sleep(0.2)
    raise AssertionError(
        f"crawl still {store.crawl(cid)['state']} after {timeout} s: {store.counts(cid)}"
    )


def wait_counts(store: CrawlStore, cid: str, done_at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while store.counts(cid)["done"] < done_at_least:
        assert time.monotonic() < deadline, store.counts(cid)
        time.sleep(0.05)


def assert_complete_and_single(store: CrawlStore, cid: str, srv: SiteServer, n: int) -> list:
    rows = list(store.iter_pages(cid))
    assert store.counts(cid)["queued"] == store.counts(cid)["claimed"] == 0
    done = [r for r in rows if r["state"] == "done"]
    assert len(done) == n + 1, store.counts(cid)  # every page and the home page, none lost
    assert all(r["audits"] == 1 for r in done)  # and none audited twice
    return done


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema("ta_jobs")


class Workers:
    """`auditor worker` processes, started and stopped by the test."""

    def __init__(self, queue: str, db: str, tmp: Path) -> None:
        self.queue, self.db, self.tmp = queue, db, tmp
        self.procs: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.tmp / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        p = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "auditor.cli",
                "worker",
                "--queue",
                self.queue,
                "--db",
                self.db,
                "--threads",
                "1",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(p)
        return p

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def redis_queue(redis_url: str) -> Iterator[str]:
    import redis

    name = f"ta-test-{uuid.uuid4().hex[:8]}"
    yield f"{redis_url}/0?name={name}"
    client = redis.Redis.from_url(f"{redis_url}/0")
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)


def test_sqlite_queue_runs_a_crawl_in_process_without_a_server(tmp_path):
    n = 20
    with SiteServer(slow_site(n, 0.0)) as srv:
        store = CrawlStore(f"sqlite:///{tmp_path / 'crawls.db'}")
        cid = create_crawl(store, srv.base + "/", CrawlOptions(allow_private=True, concurrency=4))
        queue = f"sqlite:///{tmp_path / 'queue.db'}"
        worker = EmbeddedWorker(queue, threads=1).start()
        try:
            enqueue(cid, store.url, 1, queue)
            assert wait_for(store, cid) == "done"
        finally:
            worker.close()
        assert_complete_and_single(store, cid, srv, n)
        assert all(
            srv.hits[f"/{s}/page-{i}"] == 1
            for i, s in ((i, ("blog", "guides", "products", "help")[i % 4]) for i in range(n))
        )


@pytest.mark.redis
@pytest.mark.postgres
def test_two_redis_workers_share_one_crawl_without_losing_or_repeating_pages(
    tmp_path, redis_queue, pg_url
):
    n = 60
    with SiteServer(slow_site(n, 0.03)) as srv:
        workers = Workers(redis_queue, pg_url, tmp_path)
        try:
            workers.start()
            workers.start()
            from auditor.cli import main

            rc = main(
                ["crawl", srv.base + "/", "--allow-private", "--concurrency", "3", "--queue",
                 redis_queue, "--runners", "2", "--db", pg_url, "--no-progress",
                 "--out", str(tmp_path / "out")]
            )  # fmt: skip
            assert rc == 0
        finally:
            workers.stop()
        store = CrawlStore(pg_url)
        (crawl,) = store.list_crawls()
        cid = crawl["id"]
        assert crawl["state"] == "done"
        assert (tmp_path / "out" / "report.json").is_file()
        done = assert_complete_and_single(store, cid, srv, n)
        page_paths = [r["url"][len(srv.base) :] for r in done]
        assert all(srv.hits[p] == 1 for p in page_paths)  # no page fetched twice
        owners = {r["lease_owner"].rsplit(":", 1)[0] for r in done}
        assert len(owners) == 2  # both workers took part


@pytest.mark.redis
@pytest.mark.postgres
def test_crawl_completes_when_a_worker_is_killed_mid_crawl(tmp_path, redis_queue, pg_url):
    n = 60
    with SiteServer(slow_site(n, 0.1)) as srv:
        store = CrawlStore(pg_url)
        cid = create_crawl(
            store, srv.base + "/", CrawlOptions(allow_private=True, concurrency=3, lease=3.0)
        )
        workers = Workers(redis_queue, pg_url, tmp_path)
        try:
            victim = workers.start()
            workers.start()
            enqueue(cid, pg_url, 2, redis_queue)
            wait_counts(store, cid, 15)
            victim.kill()  # SIGKILL: no clean-up, its claimed rows stay claimed
            victim.wait()
            assert wait_for(store, cid, timeout=90) == "done"
        finally:
            workers.stop()
        assert_complete_and_single(store, cid, srv, n)


def test_interrupted_crawl_resumes_without_refetching_finished_pages(tmp_path):
    n = 40
    db = f"sqlite:///{tmp_path / 'crawls.db'}"
    with SiteServer(slow_site(n, 0.05)) as srv:
        cmd = [
            sys.executable,
            "-m",
            "auditor.cli",
            "crawl",
            srv.base + "/",
            "--allow-private",
            "--db",
            db,
            "--processes",
            "0",
            "--no-progress",
            "--concurrency",
            "2",
            "--out",
            str(tmp_path / "out"),
        ]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        store = CrawlStore(db)
        deadline = time.monotonic() + 60
        while not store.list_crawls():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        cid = store.list_crawls()[0]["id"]
        wait_counts(store, cid, 10)
        proc.kill()
        proc.wait()
        finished = {
            r["url"][len(srv.base) :] for r in store.iter_pages(cid) if r["state"] == "done"
        }
        hits_before = dict(srv.hits)
        assert store.crawl(cid)["state"] == "running" and len(finished) >= 10

        from auditor.cli import main

        assert (
            main(
                [
                    "crawl",
                    "--resume",
                    cid,
                    "--db",
                    db,
                    "--processes",
                    "0",
                    "--no-progress",
                    "--out",
                    str(tmp_path / "out"),
                ]
            )
            == 0
        )
        assert store.crawl(cid)["state"] == "done"
        for path in finished:
            assert srv.hits[path] == hits_before[path] == 1, path
        assert_complete_and_single(store, cid, srv, n)
        assert (tmp_path / "out" / "report.html").is_file()


def crawl_process(base: str, db: str, out: Path) -> subprocess.Popen:
    """`auditor crawl` in a process of its own, so the test can press Ctrl-C (SIGINT)."""
    cmd = [sys.executable, "-m", "auditor.cli", "crawl", base + "/", "--allow-private",
           "--db", db, "--processes", "0", "--no-progress", "--concurrency", "2",
           "--out", str(out)]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def resume(cid: str, db: str, out: Path) -> int:
    from auditor.cli import main

    return main(["crawl", "--resume", cid, "--db", db, "--processes", "0", "--no-progress",
                 "--out", str(out)])  # fmt: skip


def started_crawl(store: CrawlStore, proc: subprocess.Popen, state: str) -> str:
    deadline = time.monotonic() + 60
    while not store.list_crawls() or store.list_crawls()[0]["state"] != state:
        assert time.monotonic() < deadline and proc.poll() is None, proc.poll()
        time.sleep(0.02)
    return store.list_crawls()[0]["id"]


def test_ctrl_c_gives_back_the_pages_in_hand_and_the_crawl_resumes(tmp_path):
    n = 30
    db = f"sqlite:///{tmp_path / 'crawls.db'}"
    with SiteServer(slow_site(n, 0.2)) as srv:
        proc = crawl_process(srv.base, db, tmp_path / "out")
        store = CrawlStore(db)
        cid = started_crawl(store, proc, "running")
        wait_counts(store, cid, 5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert f"resume with: auditor crawl --resume {cid}".encode() in err
        counts = store.counts(cid)
        assert counts["claimed"] == 0 and counts["queued"] > 0  # given back, not left leased
        assert store.crawl(cid)["state"] == "running"
        assert resume(cid, db, tmp_path / "out") == 0
        assert store.crawl(cid)["state"] == "done"
        assert_complete_and_single(store, cid, srv, n)
        assert all(srv.hits[p] == 1 for p in srv.site if "/page-" in p)  # none fetched twice


def test_ctrl_c_while_seeding_leaves_a_crawl_the_next_run_seeds_at_once(tmp_path):
    n = 5

    def site(base: str):
        pages = slow_site(n, 0.0)(base)
        pages["/robots.txt"].sleep = 3.0  # the crawl is seeding while this is read
        return pages

    db = f"sqlite:///{tmp_path / 'crawls.db'}"
    with SiteServer(site) as srv:
        proc = crawl_process(srv.base, db, tmp_path / "out")
        store = CrawlStore(db)
        cid = started_crawl(store, proc, "seeding")
        while srv.hits["/robots.txt"] == 0:
            assert proc.poll() is None
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        assert proc.returncode == 130
        assert store.crawl(cid)["state"] == "pending"  # not "seeding" under a 60 s lease
        t0 = time.monotonic()
        assert resume(cid, db, tmp_path / "out") == 0
        assert time.monotonic() - t0 < 20
        assert_complete_and_single(store, cid, srv, n)
