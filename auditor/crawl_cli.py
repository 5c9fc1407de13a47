"""`auditor crawl`, `auditor audit-dir`, `auditor crawl-report` and `auditor worker`."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from concurrent.futures import Future


def _formats(value: str) -> tuple[str, ...]:
    from auditor.site_report import FORMATS

    fmts = tuple(f.strip() for f in value.split(",") if f.strip())
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise argparse.ArgumentTypeError(f"formats are {', '.join(FORMATS)} (comma-separated)")
    return fmts


def _progress(store: Any, cid: str, done: threading.Event, show: bool) -> None:
    """Draw pages done/queued/failed until `done` is set."""
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=1, unit="page", file=sys.stderr, dynamic_ncols=True)
    try:
        while True:
            finished = done.wait(0.5)
            c = store.counts(cid)
            if bar is not None:
                bar.total = max(1, c["total"])
                bar.n = c["done"] + c["skipped"]
                bar.set_postfix(
                    audited=c["done"], queued=c["queued"] + c["claimed"], skipped=c["skipped"]
                )
                bar.refresh()
            if finished:
                return
    finally:
        if bar is not None:
            bar.close()


def _report(store: Any, cid: str, out: Path, formats: tuple[str, ...]) -> None:
    from auditor.site_report import build_report, write_report

    report = build_report(store, cid)
    paths = write_report(report, out, formats)
    s = report["summary"]
    print(
        f"crawl {cid}: {s['audited']} pages audited, {s['skipped']} skipped, "
        f"{s['clusters']} near-duplicate clusters, {s['aggregation_pages']} aggregation pages"
    )
    for p in paths:
        print(f"  {p}")


def _crawl(args: argparse.Namespace) -> int:
    from auditor.crawl_store import CANCELLED, FINAL_STATES, CrawlStore
    from auditor.crawl_urls import UrlError
    from auditor.crawling import CrawlOptions, CrawlRunner, create_crawl

    store = CrawlStore(args.db)
    if args.resume:
        crawl = store.crawl(args.resume)
        if crawl is None:
            raise ValueError(f"no crawl {args.resume} in {store.url}")
        cid = args.resume
        if crawl["state"] == CANCELLED:
            raise ValueError(f"crawl {cid} was cancelled; start a new crawl instead")
        if crawl["state"] == "failed":
            store.set_state(cid, "running", expect=["failed"], error=None)
    else:
        if not args.url:
            raise ValueError("give a URL to crawl (or --resume ID)")
        try:
            opts = CrawlOptions(
                max_pages=args.max_pages,
                concurrency=args.concurrency,
                delay=args.delay,
                include=args.include,
                exclude=args.exclude,
                allow_private=args.allow_private,
                timeout=args.timeout,
                max_bytes=args.max_bytes,
                store_text=args.store_text,
                processes=args.processes if args.processes is not None else (os.cpu_count() or 1),
                sitemaps=not args.no_sitemaps,
            )
            cid = create_crawl(store, args.url, opts)
        except UrlError as e:
            raise ValueError(str(e)) from None
    print(
        f"crawl {cid} (resume with: auditor crawl --resume {cid} --db {store.url})", file=sys.stderr
    )
    out = Path(args.out or f"crawl-{cid[:8]}")
    done = threading.Event()
    show = not args.no_progress and sys.stderr.isatty()
    drawer = threading.Thread(target=_progress, args=(store, cid, done, show), daemon=True)
    drawer.start()
    stop = threading.Event()
    try:
        if args.queue:
            from auditor.jobs import enqueue

            enqueue(cid, store.url, args.runners, args.queue)
            while store.state(cid) not in FINAL_STATES:
                time.sleep(0.5)
        else:
            CrawlRunner(store, cid, stop=stop).run()
    except KeyboardInterrupt:
        # The runner has given back the rows it held (and reset a seeding or finishing
        # crawl), so a resume starts at once and fetches no finished page again.
        stop.set()
        done.set()
        if args.queue:
            print(f"\nstopped watching; crawl {cid} goes on in the queue", file=sys.stderr)
        else:
            print(f"\ninterrupted; resume with: auditor crawl --resume {cid}", file=sys.stderr)
        return 130
    finally:
        done.set()
        drawer.join(2)
    # found or created above; crawls are never deleted
    state = cast("dict[str, Any]", store.crawl(cid))["state"]
    if state != "done":
        print(f"crawl {cid} ended in state {state}", file=sys.stderr)
    _report(store, cid, out, args.format)
    return 0 if state == "done" else 2


def _audit_dir(args: argparse.Namespace) -> int:
    """Audit a folder of saved HTML pages and write the same site report."""
    from tempfile import TemporaryDirectory

    from auditor.crawl_store import CrawlStore, worker_id
    from auditor.crawling import CrawlOptions, cpu_pool, near_duplicate_clusters
    from auditor.extract import analyse_page

    folder = Path(args.dir)
    if not folder.is_dir():
        raise ValueError(f"{args.dir}: not a folder")
    files = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file()
    )
    if not files:
        raise ValueError(f"{args.dir}: no .html or .htm files")
    with TemporaryDirectory() as tmp:
        store = CrawlStore(args.db or f"sqlite:///{Path(tmp) / 'audit-dir.db'}")
        opts = CrawlOptions(max_pages=max(1, len(files)), store_text=False)
        cid = store.create_crawl(str(folder.resolve()), f"dir:{folder.resolve()}", opts.to_dict())
        store.set_state(cid, "running")
        rel = {p.relative_to(folder).as_posix(): p for p in files}
        store.add_urls(cid, [(u, 0, "file") for u in rel], None)
        owner = worker_id()
        rows = store.claim(cid, owner, len(rel), lease=3600)
        texts: dict[str, str] = {}
        processes = args.processes if args.processes is not None else (os.cpu_count() or 1)

        def one(row: dict[str, Any], rec: dict[str, Any] | Exception) -> None:
            values: dict[str, Any]
            if isinstance(rec, Exception):
                values = dict(state="skipped", skip_reason=f"could not be read ({rec})")
            elif rec.get("skip"):
                values = dict(state="skipped", skip_reason=rec["skip"], title=rec.get("title"))
            else:
                texts[row["url"]] = rec.pop("text")
                values = dict(
                    state="done",
                    **{
                        k: rec.get(k)
                        for k in (
                            "title",
                            "kind",
                            "scores",
                            "title_scores",
                            "verdict",
                            "findings",
                            "title_findings",
                            "rules",
                            "word_count",
                            "content_sha256",
                            "date",
                            "author",
                        )
                    },
                )
            store.finish_page(cid, row["id"], owner, values)

        max_bytes = 20_000_000

        def read(row: dict[str, Any]) -> bytes:
            path = rel[row["url"]]
            if path.stat().st_size > max_bytes:
                raise ValueError(f"larger than {max_bytes:,} bytes")
            return path.read_bytes()

        rec: dict[str, Any] | Exception
        if processes > 1:
            with cpu_pool(processes) as pool:
                futs: list[tuple[dict[str, Any], Future[dict[str, Any]] | Exception]] = []
                for row in rows:
                    try:
                        futs.append((row, pool.submit(analyse_page, read(row), row["url"])))
                    except (OSError, ValueError) as e:
                        futs.append((row, e))
                for row, fut in futs:
                    try:
                        rec = fut if isinstance(fut, Exception) else fut.result()
                    except Exception as e:  # a broken file must not stop the folder
                        rec = e
                    one(row, rec)
        else:
            for row in rows:
                try:
                    rec = analyse_page(read(row), row["url"])
                except Exception as e:
                    rec = e
                one(row, rec)
        clusters = near_duplicate_clusters(texts, opts.cluster_threshold)
        store.set_state(cid, "done", clusters=clusters, finished_at=time.time())
        _report(store, cid, Path(args.out or "audit-dir-report"), args.format)
        store.dispose()
    return 0


def _crawl_report(args: argparse.Namespace) -> int:
    from auditor.crawl_store import CrawlStore

    store = CrawlStore(args.db)
    if store.crawl(args.id) is None:
        raise ValueError(f"no crawl {args.id} in {store.url}")
    _report(store, args.id, Path(args.out or f"crawl-{args.id[:8]}"), args.format)
    return 0


def _worker(args: argparse.Namespace) -> int:
    if args.db:
        os.environ["TRUST_AUDITOR_CRAWL_DB"] = args.db
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from auditor.jobs import default_queue_url, run_worker

    queue = args.queue or default_queue_url()
    print(f"auditor worker on {queue}", file=sys.stderr, flush=True)
    run_worker(queue, args.threads)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crawl", help="crawl a site and write a trust report (HTML, CSV, JSON)")
    p.add_argument("url", nargs="?", help="start URL, e.g. https://example.com/")
    p.add_argument("--max-pages", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=4, help="pages fetched at once")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between requests to a host")
    p.add_argument("--include", action="append", default=[], metavar="REGEX")
    p.add_argument("--exclude", action="append", default=[], metavar="REGEX")
    p.add_argument(
        "--allow-private",
        action="store_true",
        help="allow loopback, private and link-local addresses (refused by default)",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per page")
    p.add_argument("--max-bytes", type=int, default=5_000_000, help="largest page read")
    p.add_argument("--no-sitemaps", action="store_true", help="follow links only")
    p.add_argument("--store-text", action="store_true", help="keep the pages' text (opt-in)")
    p.add_argument("--processes", type=int, help="processes for extraction and audit")
    p.add_argument("--out", help="report folder (default crawl-<id>)")
    p.add_argument("--format", type=_formats, default=("html", "csv", "json"))
    p.add_argument("--db", help="crawl database URL (default: TRUST_AUDITOR_CRAWL_DB or SQLite)")
    p.add_argument("--queue", help="run on a task queue (e.g. redis://127.0.0.1:6379/0)")
    p.add_argument("--runners", type=int, default=2, help="tasks queued on the crawl (--queue)")
    p.add_argument("--resume", metavar="ID", help="continue an interrupted crawl")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_crawl)

    p = sub.add_parser("audit-dir", help="audit a folder of saved HTML pages")
    p.add_argument("dir")
    p.add_argument("--out", help="report folder (default audit-dir-report)")
    p.add_argument("--format", type=_formats, default=("html", "csv", "json"))
    p.add_argument("--processes", type=int)
    p.add_argument("--db", help="keep the records in this database (default: a temporary one)")
    p.set_defaults(func=_audit_dir)

    p = sub.add_parser("crawl-report", help="write the report of a stored crawl again")
    p.add_argument("id")
    p.add_argument("--db")
    p.add_argument("--out")
    p.add_argument("--format", type=_formats, default=("html", "csv", "json"))
    p.set_defaults(func=_crawl_report)

    p = sub.add_parser("worker", help="run crawl jobs from the task queue")
    p.add_argument("--queue", help="queue URL (default TRUST_AUDITOR_QUEUE or SQLite)")
    p.add_argument("--db", help="crawl database URL")
    p.add_argument("--threads", type=int, default=2, help="tasks run at once")
    p.set_defaults(func=_worker)
