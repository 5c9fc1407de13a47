"""Site-audit benchmarks: stored-HTML audit rate, end-to-end crawl rate and memory, clustering.

    python bench/crawl.py                 # full: 400 stored pages, 2,000-page site, 100,000 texts
    python bench/crawl.py --quick         # small sizes, for a smoke run

Targets (issue #5, 2 cores): stored HTML >= 100 pages/s; 2,000-page loopback site at
concurrency 8 >= 50 pages/s end to end with flat memory; clustering 100,000 pages <= 60 s.
Prints figures only; nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.crawl_store import CrawlStore  # noqa: E402
from auditor.crawling import CrawlOptions, CrawlRunner, create_crawl  # noqa: E402
from auditor.extract import analyse_page  # noqa: E402
from fixtures.sites.generate import big_site, paragraph  # noqa: E402
from fixtures.sites.server import SiteServer  # noqa: E402


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def descendants(pid: int) -> list[int]:
    """All processes under `pid` (forkserver workers are grandchildren)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def _analyse(args: tuple[bytes, str]) -> int:
    rec = analyse_page(args[0], args[1])
    return rec.get("word_count") or 0


def bench_stored(n: int, repeats: int) -> None:
    site = big_site("http://bench.test", n)
    pages = [(p.body, "http://bench.test" + path) for path, p in site.items() if "/page-" in path]
    _analyse(pages[0])  # load rules once
    procs = os.cpu_count() or 1
    single, pooled = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        for page in pages:
            _analyse(page)
        single.append(len(pages) / (time.perf_counter() - t))
    with ProcessPoolExecutor(procs) as pool:
        list(pool.map(_analyse, pages[: procs * 2]))  # warm the workers
        for _ in range(repeats):
            t = time.perf_counter()
            list(pool.map(_analyse, pages, chunksize=8))
            pooled.append(len(pages) / (time.perf_counter() - t))
    s, p = statistics.median(single), statistics.median(pooled)
    print(f"stored HTML, extraction + audit, {len(pages)} pages (median of {repeats}):")
    print(f"  1 process : {s:7.1f} pages/s")
    print(f"  {procs} processes: {p:7.1f} pages/s  ({p / s:.2f}x; target >= 100)")


def bench_crawl(n: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, SiteServer(lambda b: big_site(b, n)) as srv:
        store = CrawlStore(f"sqlite:///{tmp}/bench.db")
        opts = CrawlOptions(
            max_pages=n + 10,
            concurrency=concurrency,
            allow_private=True,
            processes=os.cpu_count() or 1,
        )
        cid = create_crawl(store, srv.base + "/", opts)
        samples: list[tuple[int, float]] = []
        done = threading.Event()

        def watch() -> None:
            me = os.getpid()
            while not done.wait(0.5):
                c = store.counts(cid)
                samples.append((c["done"] + c["skipped"], rss_mb([me, *descendants(me)])))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        t = time.perf_counter()
        state = CrawlRunner(store, cid).run()
        elapsed = time.perf_counter() - t
        done.set()
        watcher.join()
        c = store.counts(cid)
    print(f"crawl of a {n}-page loopback site, concurrency {concurrency}, no delay:")
    print(f"  state {state}: {c['done']} audited, {c['skipped']} skipped in {elapsed:.1f} s")
    print(f"  {(c['done'] + c['skipped']) / elapsed:7.1f} pages/s end to end (target >= 50)")
    if samples:
        total = max(1, samples[-1][0])
        marks = []
        for q in (0.25, 0.5, 0.75, 1.0):
            point = next((s for s in samples if s[0] >= q * total), samples[-1])
            marks.append(f"{int(q * 100)}%: {point[1]:.0f} MB")
        print("  RSS (this process and its workers) at " + ", ".join(marks))


def bench_cluster(n: int) -> None:
    from classifiers.sameness import near_duplicate_clusters

    rng = random.Random(5)
    texts = {f"https://site.test/p/{i}": paragraph(rng, 5) for i in range(n)}
    keys = list(texts)
    for i in range(0, n, 50):  # one syndicated copy every 50 pages
        texts[keys[i + 1]] = texts[keys[i]] + " Republished with permission."
    t = time.perf_counter()
    clusters = near_duplicate_clusters(texts, 0.5)
    elapsed = time.perf_counter() - t
    print(
        f"near-duplicate clustering of {n:,} pages: {elapsed:.1f} s (target <= 60), "
        f"{len(clusters)} clusters (planted {n // 50})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--stored", type=int, default=400)
    ap.add_argument("--site", type=int, default=2000)
    ap.add_argument("--cluster", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--only", choices=("stored", "crawl", "cluster"))
    a = ap.parse_args()
    if a.quick:
        a.stored, a.site, a.cluster = 60, 200, 5_000
    if a.only in (None, "stored"):
        bench_stored(a.stored, 3 if not a.quick else 1)
    if a.only in (None, "crawl"):
        bench_crawl(a.site, a.concurrency)
    if a.only in (None, "cluster"):
        bench_cluster(a.cluster)


if __name__ == "__main__":
    main()
