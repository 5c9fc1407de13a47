"""Site report building from stored rows: changes, distributions, CSV safety, aggregation."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from pathlib import Path

import lxml.html

from auditor.crawl_store import CrawlStore
from auditor.site_report import aggregation_reasons, build_report, to_csv, to_html


def scores(trust: float, clickbait: float = 0.0) -> dict[str, float]:
    return {
        "trust": trust,
        "self_orientation": 10.0,
        "value_add": 40.0,
        "lemming": 5.0,
        "clickbait": clickbait,
    }


def stored_crawl(store: CrawlStore, pages: dict[str, float | str], title: str = "T") -> str:
    """A finished crawl with the given url -> trust (or url -> skip reason)."""
    cid = store.create_crawl("https://site.test/", "site.test", {"max_pages": 10})
    store.set_state(cid, "running")
    store.add_urls(cid, [(u, 0, "seed") for u in pages])
    rows = store.claim(cid, "me", len(pages), 60)
    for row in rows:
        value = pages[row["url"]]
        if isinstance(value, str):
            store.finish_page(cid, row["id"], "me", {"state": "skipped", "skip_reason": value})
        else:
            store.finish_page(
                cid,
                row["id"],
                "me",
                {
                    "state": "done",
                    "title": title,
                    "scores": scores(value),
                    "verdict": "send" if value >= 55 else "rewrite",
                    "findings": [],
                    "rules": [],
                    "word_count": 100,
                    "content_sha256": str(value),
                    "http_status": 200,
                },
            )
    store.set_state(cid, "done", clusters=[])
    return cid


def test_recrawl_sorts_pages_into_new_removed_better_and_worse(tmp_path: Path):
    store = CrawlStore(f"sqlite:///{tmp_path / 'r.db'}")
    u = "https://site.test/"
    stored_crawl(store, {u + "a": 50.0, u + "b": 60.0, u + "c": 70.0, u + "gone": 40.0})
    cid = stored_crawl(
        store,
        {
            u + "a": 70.0,
            u + "b": 40.0,
            u + "c": 72.0,
            u + "new": 55.0,
            u + "x": "HTTP 404 Not Found",
        },
    )
    changes = build_report(store, cid)["changes"]
    assert changes["new"] == [u + "new"]
    assert changes["removed"] == [u + "gone"]
    assert [e["url"] for e in changes["better"]] == [u + "a"]
    assert [(e["url"], e["delta"]) for e in changes["worse"]] == [(u + "b", -20.0)]
    assert set(changes["changed_text"]) == {u + "a", u + "b", u + "c"}


def test_first_crawl_has_no_changes_and_counts_every_url(tmp_path: Path):
    store = CrawlStore(f"sqlite:///{tmp_path / 'r.db'}")
    u = "https://site.test/"
    cid = stored_crawl(store, {u + "a": 20.0, u + "blog/b": 90.0, u + "x": "HTTP 500 Error"})
    report = build_report(store, cid)
    assert report["changes"] is None
    assert report["summary"]["audited"] == 2 and report["summary"]["skipped"] == 1
    assert report["distributions"]["trust"]["bins"][2] == 1
    assert report["distributions"]["trust"]["bins"][9] == 1
    assert report["worst_pages"][0]["url"] == u + "a"
    assert {s["section"] for s in report["sections"]} == {"/", "/blog/"}
    assert report["summary"]["skip_reasons"] == {"HTTP 500 Error": 1}


def test_csv_neutralises_spreadsheet_formulas_in_titles(tmp_path: Path):
    store = CrawlStore(f"sqlite:///{tmp_path / 'r.db'}")
    cid = stored_crawl(store, {"https://site.test/a": 50.0}, title='=HYPERLINK("http://evil")')
    rows = list(csv.DictReader(io.StringIO(to_csv(build_report(store, cid)))))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'


def test_html_pins_its_one_script_with_a_hash(tmp_path: Path):
    store = CrawlStore(f"sqlite:///{tmp_path / 'r.db'}")
    cid = stored_crawl(store, {"https://site.test/a": 50.0}, title="<b>bold</b>")
    html = to_html(build_report(store, cid))
    doc = lxml.html.fromstring(html)
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    (script,) = doc.xpath("//script")
    digest = base64.b64encode(hashlib.sha256(script.text.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # the browser runs our sorter, nothing else
    assert "unsafe-inline" not in csp.split("script-src")[1]
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_aggregation_needs_a_clickbait_score_or_a_numbered_title():
    page = {"scores": scores(50.0), "title_scores": scores(50.0, clickbait=80.0), "title": "Ok"}
    assert aggregation_reasons(page) == ["clickbait 80 (title)"]
    page = {"scores": scores(50.0), "title_scores": None, "title": "Top 12 Reasons Why X"}
    assert aggregation_reasons(page) == ["numbered-list title"]
    page = {"scores": scores(50.0), "title_scores": None, "title": "Our 2024 pricing"}
    assert aggregation_reasons(page) == []
