"""One crawl's work: seed (robots.txt, sitemaps), drain the frontier, finalize (clusters).

`CrawlRunner.run` is the task code: the CLI calls it in-process, queue workers from a task.
Any number of runners may work on one crawl at once; the store's leases keep them apart, and
a redirect is followed only through rows the runner holds, so no URL is fetched twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import asdict, dataclass, field, fields
from typing import Any, cast

from auditor.crawl_store import ACTIVE_STATES, CANCELLED, FINAL_STATES, CrawlStore, worker_id
from auditor.crawl_urls import AddressPolicy, Scope, UrlError, canonical, origin
from auditor.crawler import Fetcher, FetchLimits, Robots, RobotsCache, read_sitemaps
from auditor.extract import analyse_page
from classifiers.rules import RuleError

log = logging.getLogger("auditor.crawl")
MAX_ATTEMPTS = 3


@dataclass
class CrawlOptions:
    max_pages: int = 500
    concurrency: int = 4
    delay: float = 0.0
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    allow_private: bool | list[str] = False
    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    max_depth: int = 20
    sitemaps: bool = True
    follow_links: bool = True
    store_text: bool = False
    processes: int = 0
    lease: float = 60.0
    cluster_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.max_pages < 1 or self.concurrency < 1 or self.delay < 0 or self.timeout <= 0:
            raise ValueError("max_pages and concurrency must be >= 1, delay >= 0, timeout > 0")
        if self.max_pages > 1_000_000 or self.concurrency > 64:
            raise ValueError("max_pages is at most 1,000,000 and concurrency at most 64")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlOptions:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown crawl options: {sorted(unknown)}")
        return cls(**data)


def create_crawl(store: CrawlStore, url: str, options: CrawlOptions) -> str:
    """Validate the start URL and options and record a pending crawl; returns its id."""
    root = canonical(url)
    Scope(root, options.include, options.exclude)  # raises on a bad pattern
    return store.create_crawl(root, Scope(root).site, options.to_dict())


class CrawlRunner:
    """Works on one crawl until no open row is left (or `stop` is set, or it is cancelled)."""

    def __init__(
        self,
        store: CrawlStore,
        cid: str,
        *,
        owner: str | None = None,
        stop: threading.Event | None = None,
        cluster: Callable[[dict[str, str], float], list[list[str]]] | None = None,
    ) -> None:
        crawl = store.crawl(cid)
        if crawl is None:
            raise KeyError(f"no crawl {cid}")
        self.store, self.cid, self.crawl = store, cid, crawl
        self.opts = CrawlOptions.from_dict(crawl["options"])
        self.owner = owner or worker_id()
        self.stop = stop or threading.Event()
        self.cluster = cluster
        self.scope = Scope(crawl["root_url"], self.opts.include, self.opts.exclude)
        self.fetcher = Fetcher(
            FetchLimits(self.opts.timeout, self.opts.max_bytes, self.opts.max_redirects),
            AddressPolicy(self.opts.allow_private),
            connections=self.opts.concurrency * 2,
        )
        self.robots = RobotsCache(self.fetcher)
        self.agent = self.fetcher.limits.user_agent
        self._inflight: dict[Future, int] = {}
        self._cpu: ProcessPoolExecutor | None = None

    # -- seeding ----------------------------------------------------------------------------

    def _robots_for(self, url: str) -> Robots:
        return self.robots.get(url)

    def seed(self) -> None:
        root = self.crawl["root_url"]
        notes: list[str] = []
        robots = self._robots_for(root)
        self.store.save_robots(
            self.cid, origin(root), robots.status, robots.text, robots.disallow_all
        )
        if robots.disallow_all:
            notes.append(f"robots.txt: {robots.status}; the site is not crawled (RFC 9309)")
        urls: list[tuple[str, int, str]] = [(root, 0, "seed")]
        if self.opts.sitemaps and not robots.disallow_all:
            starts = robots.sitemaps() or [origin(root) + "/sitemap.xml"]
            found = read_sitemaps(self.fetcher, starts, notes)
            off = 0
            for u in found:
                try:
                    u = canonical(u)
                except UrlError:
                    continue
                if self.scope.why_not(u) is None:
                    urls.append((u, 1, "sitemap"))
                else:
                    off += 1
            if off:
                notes.append(f"{off} sitemap URLs are outside the crawl's scope and were left out")
        self.store.add_urls(self.cid, urls, self.opts.max_pages)
        self.store.add_notes(self.cid, notes)

    # -- one page ---------------------------------------------------------------------------

    def _analyse(self, body: bytes, url: str, encoding: str | None) -> dict[str, Any]:
        if self._cpu is not None:
            return self._cpu.submit(analyse_page, body, url, encoding).result()
        return analyse_page(body, url, encoding)

    def _veto(self, url: str) -> str | None:
        why = self.scope.why_not(url)
        if why:
            return f"leaves the crawl ({why})"
        return self._robots_for(url).why_not(url, self.agent)

    def process(self, row: dict[str, Any]) -> None:
        url, page_id = row["url"], row["id"]
        if row["attempts"] > MAX_ATTEMPTS:
            self._skip(page_id, f"gave up after {MAX_ATTEMPTS} attempts (workers lost)")
            return
        robots = self._robots_for(url)
        why = robots.why_not(url, self.agent)
        if why:
            self._skip(page_id, why)
            return
        delay = max(self.opts.delay, robots.crawl_delay(self.agent))
        if delay > 0:
            slot = self.store.reserve_slot(self.cid, origin(url), delay)
            if self.stop.wait(max(0.0, slot - time.time())):
                self.store.release(self.owner, [page_id])
                return
        if self.store.state(self.cid) == CANCELLED:  # cancelled while this row waited
            self._skip(page_id, CANCELLED)
            return
        hops: dict[str, int] = {}  # rows taken on the way through redirects: url -> id

        def take(hop: str) -> bool:
            """Follow a redirect only to a URL this worker now holds; else its row has it."""
            taken = self.store.claim_url(
                self.cid, hop, row["depth"], self.owner, self.opts.lease, self.opts.max_pages
            )
            if taken is not None:
                hops[hop] = taken
            return taken is not None

        got = self.fetcher.fetch(url, allowed=self._veto, take=take)
        base: dict[str, Any] = dict(
            http_status=got.status,
            content_type=got.content_type[:128] or None,
            final_url=got.final_url if got.final_url != url else None,
            elapsed_ms=int(got.elapsed * 1000),
        )
        if not got.ok:  # the hops led to the same end, so they share the reason
            for rid in (*hops.values(), page_id):
                self._skip(rid, got.skip, **base)
            return
        if got.final_url != url:  # the target's body is here: audit it under its own URL, once
            target = hops.pop(got.final_url, None)
            for rid in (page_id, *hops.values()):
                self._skip(rid, f"redirects to {got.final_url}", **base)
            if target is None:  # cannot happen: `take` gave every hop, the last one too
                return
            url, page_id, base = got.final_url, target, dict(base, final_url=None)
        self._audit(page_id, url, row["depth"], got.body, got.encoding, base)

    def _audit(
        self,
        page_id: int,
        url: str,
        depth: int,
        body: bytes,
        encoding: str | None,
        base: dict[str, Any],
    ) -> None:
        try:
            rec = self._analyse(body, url, encoding)
        except RuleError as e:  # the rules, not this page, are broken: stop and say so
            self.store.release(self.owner, [page_id])
            self.store.set_state(
                self.cid, "failed", expect=ACTIVE_STATES, error=f"rules failed to load: {e}"[:1000]
            )
            self.stop.set()
            return
        except Exception as e:  # a page must never take the crawl down
            log.warning("analysis failed for a page: %s", type(e).__name__)
            self._skip(page_id, f"could not be analysed ({type(e).__name__})", **base)
            return
        links = []
        if self.opts.follow_links and depth < self.opts.max_depth:
            for u in rec.get("links", []):
                if self.scope.why_not(u) is None:  # files are fetched up to their headers
                    links.append((u, depth + 1, "link"))
        canon = rec.get("canonical")
        if canon and canon != url and self.scope.why_not(canon) is None:
            links.append((canon, depth, "canonical"))
            self._skip(page_id, f"duplicate: its canonical URL is {canon}", links=links, **base)
            return
        if rec.get("skip"):
            self._skip(page_id, rec["skip"], title=rec.get("title") or None, links=links, **base)
            return
        values = dict(
            state="done",
            title=rec.get("title") or None,
            kind=rec["kind"],
            scores=rec["scores"],
            title_scores=rec.get("title_scores"),
            verdict=rec["verdict"],
            findings=rec["findings"],
            title_findings=rec.get("title_findings"),
            rules=rec["rules"],
            word_count=rec["word_count"],
            content_sha256=rec["content_sha256"],
            date=(rec.get("date") or None),
            author=rec.get("author"),
            **base,
        )
        if not self.store.finish_page(
            self.cid, page_id, self.owner, values, rec.get("text"), links, self.opts.max_pages
        ):
            log.warning("lease lost on a page; another worker has it")

    def _skip(
        self,
        page_id: int,
        reason: str | None,
        links: list[tuple[str, int, str]] | None = None,
        **values: Any,
    ) -> None:
        self.store.finish_page(
            self.cid,
            page_id,
            self.owner,
            dict(state="skipped", skip_reason=(reason or "skipped")[:1000], **values),
            links=links,
            link_limit=self.opts.max_pages,
        )

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> str:
        """Seed if nobody has, drain, and finalize if this runner saw the last row finish."""
        crawl = self.store.crawl(self.cid)
        if crawl is None or crawl["state"] in FINAL_STATES:
            return crawl["state"] if crawl else "missing"
        try:
            while True:
                state = self.store.state(self.cid)
                if state in ("pending", "seeding") and self.store.claim_seeding(
                    self.cid, self.opts.lease
                ):
                    try:
                        self.seed()
                    except BaseException:  # Ctrl-C or an error: the next runner seeds at once
                        self.store.set_state(self.cid, "pending", expect=["seeding"])
                        raise
                    self.store.set_state(self.cid, "running", expect=["seeding"])
                    break
                if state not in ("pending", "seeding"):
                    break
                if self.stop.wait(0.2):
                    return "stopped"
            for r in self.store.robots(self.cid):
                self.robots.put(
                    r["origin"],
                    Robots(
                        status=r["robots_status"] or "",
                        text=r["robots_text"],
                        disallow_all=bool(r["robots_disallow_all"]),
                    ),
                )
            if self.store.state(self.cid) == "running":
                self._drain()
            if self.store.state(self.cid) == CANCELLED:
                # rows added by a concurrent transaction after the cancel's sweep
                self.store.skip_unclaimed(self.cid, CANCELLED)
                return CANCELLED
            if self.stop.is_set():
                return "stopped"
            return self.finalize()
        finally:
            self.fetcher.close()

    def _drain(self) -> None:
        n = self.opts.concurrency
        if self.opts.processes > 0:
            self._cpu = cpu_pool(self.opts.processes)
        pool = ThreadPoolExecutor(n, thread_name_prefix="crawl")
        last_renew = last_reap = time.monotonic()
        self.store.release_dead(self.cid)
        try:
            while not self.stop.is_set():
                free = n - len(self._inflight)
                if free > 0:
                    for row in self.store.claim(self.cid, self.owner, free, self.opts.lease):
                        self._inflight[pool.submit(self.process, row)] = row["id"]
                if not self._inflight:
                    if self.store.open_rows(self.cid) == 0:
                        return
                    if time.monotonic() - last_reap > 2:
                        self.store.release_dead(self.cid)
                        last_reap = time.monotonic()
                    self.stop.wait(0.25)  # rows held by other workers: wait for them or their lease
                    continue
                done, _ = wait_futures(
                    list(self._inflight), timeout=0.5, return_when=FIRST_COMPLETED
                )
                for fut in done:
                    self._inflight.pop(fut)
                    exc = fut.exception()
                    if exc is not None:
                        log.error("crawl worker error: %s: %s", type(exc).__name__, exc)
                if time.monotonic() - last_renew > min(5.0, self.opts.lease / 4):
                    if self.store.state(self.cid) == "failed":
                        self.stop.set()  # another runner found the rules broken
                    self.store.renew(
                        self.cid, self.owner, list(self._inflight.values()), self.opts.lease
                    )
                    last_renew = time.monotonic()
        except BaseException:  # Ctrl-C: threads waiting for a politeness slot give rows back
            self.stop.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if self._inflight:
                self.store.release(self.owner, list(self._inflight.values()))
                self._inflight.clear()
            if self._cpu is not None:
                self._cpu.shutdown(cancel_futures=True)
                self._cpu = None

    def finalize(self) -> str:
        if self.store.open_rows(self.cid) or not self.store.set_state(
            self.cid, "finishing", expect=["running"]
        ):
            # cast: the crawl this runner works on exists (crawl rows are never deleted)
            return cast("dict[str, Any]", self.store.crawl(self.cid))["state"]
        try:
            texts = self.store.texts(self.cid)
            clusters = (self.cluster or near_duplicate_clusters)(texts, self.opts.cluster_threshold)
            crawl = cast("dict[str, Any]", self.store.crawl(self.cid))
            if crawl["dropped"]:
                self.store.add_notes(
                    self.cid,
                    [
                        f"{crawl['dropped']} discovered links were not queued: "
                        f"--max-pages {self.opts.max_pages} reached"
                    ],
                )
            self.store.set_state(
                self.cid, "done", expect=["finishing"], clusters=clusters, finished_at=time.time()
            )
            if not self.opts.store_text:
                self.store.purge_texts(self.cid)
        except Exception as e:
            self.store.set_state(self.cid, "failed", error=f"{type(e).__name__}: {e}"[:1000])
            raise
        except BaseException:  # Ctrl-C while clustering: leave it for a resume to finish
            self.store.set_state(self.cid, "running", expect=["finishing"])
            raise
        return "done"


def cpu_pool(processes: int) -> ProcessPoolExecutor:
    """Processes for extraction and audit; forkserver, since forking a threaded crawler is unsafe."""
    import multiprocessing

    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("forkserver"))


def near_duplicate_clusters(texts: dict[str, str], threshold: float) -> list[list[str]]:
    """Groups of near-identical pages, from the shared sameness index."""
    from classifiers.sameness import near_duplicate_clusters as clusters

    return [sorted(c) for c in clusters(texts, threshold) if len(c) > 1]
