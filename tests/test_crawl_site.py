"""`auditor crawl` and `auditor audit-dir` end to end: real servers, real files, the reports."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import lxml.html
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.cli import main  # noqa: E402
from auditor.site_report import SCORES  # noqa: E402
from fixtures.sites.generate import (  # noqa: E402
    XSS,
    Page,
    content_site,
    hostile_site,
    html_page,
    paragraph,
)
from fixtures.sites.server import SiteServer  # noqa: E402


def run_crawl(tmp_path: Path, base: str, out: str, *extra: str) -> tuple[int, Path]:
    rc = main(
        [
            "crawl",
            base + "/",
            "--allow-private",
            "--db",
            f"sqlite:///{tmp_path / 'crawls.db'}",
            "--out",
            str(tmp_path / out),
            "--processes",
            "0",
            "--timeout",
            "2",
            "--no-progress",
            *extra,
        ]
    )
    return rc, tmp_path / out


@pytest.fixture(scope="module")
def site_report(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("site")
    with SiteServer(content_site) as srv:
        rc, out = run_crawl(tmp, srv.base, "r1")
        yield srv, tmp, rc, out


def test_one_command_writes_html_csv_and_json(site_report):
    _, _, rc, out = site_report
    assert rc == 0
    assert {p.name for p in out.iterdir()} == {"report.html", "report.csv", "report.json"}


def test_report_json_pages_follow_the_contract(site_report):
    srv, _, _, out = site_report
    report = json.loads((out / "report.json").read_text())
    assert report["crawl"]["state"] == "done"
    urls = [p["url"] for p in report["pages"]]
    assert len(urls) == len(set(urls))
    for p in report["pages"]:
        assert {"url", "status", "skipped", "title", "scores", "verdict", "findings"} <= set(p)
        if p["skipped"] is None:
            assert p["status"] == 200
            assert set(p["scores"]) == set(SCORES)
            assert p["verdict"] in ("send", "review", "rewrite")
        else:
            assert isinstance(p["skipped"], str) and p["scores"] is None
    skipped = {p["url"][len(srv.base) :]: p["skipped"] for p in report["pages"] if p["skipped"]}
    assert skipped == {"/private/area": "disallowed by robots.txt"}


def test_syndicated_copies_form_one_cluster(site_report):
    srv, _, _, out = site_report
    report = json.loads((out / "report.json").read_text())
    assert report["clusters"] == [
        [
            srv.base + "/blog/post-0",
            srv.base + "/news/syndicated-0",
            srv.base + "/news/syndicated-1",
        ]
    ]
    by_url = {p["url"]: p for p in report["pages"]}
    assert by_url[srv.base + "/news/syndicated-0"]["cluster"] == 0
    assert by_url[srv.base + "/about"]["cluster"] is None


def test_listicle_page_is_listed_as_aggregation(site_report):
    srv, _, _, out = site_report
    report = json.loads((out / "report.json").read_text())
    flagged = {a["url"]: a["reasons"] for a in report["aggregation_pages"]}
    assert "numbered-list title" in flagged[srv.base + "/top-12-reasons"]
    assert srv.base + "/about" not in flagged


def test_sections_distributions_and_worst_pages(site_report):
    _, _, _, out = site_report
    report = json.loads((out / "report.json").read_text())
    sections = {s["section"]: s for s in report["sections"]}
    assert set(sections) == {"/", "/blog/", "/news/"}
    assert sections["/blog/"]["pages"] == 13  # 12 posts and the index
    audited = report["summary"]["audited"]
    assert sum(report["distributions"]["trust"]["bins"]) == audited
    worst = [w["trust"] for w in report["worst_pages"]]
    assert worst == sorted(worst) and len(worst) == 10


def test_csv_has_a_row_per_url(site_report):
    _, _, _, out = site_report
    rows = list(csv.DictReader(io.StringIO((out / "report.csv").read_text())))
    report = json.loads((out / "report.json").read_text())
    assert [r["url"] for r in rows] == [p["url"] for p in report["pages"]]
    assert all(r["trust"] for r in rows if not r["skipped"])


def test_html_report_has_charts_and_sortable_tables(site_report):
    _, _, _, out = site_report
    doc = lxml.html.fromstring((out / "report.html").read_bytes())
    assert len(doc.xpath("//svg//rect")) >= 10  # the histogram's bars
    assert doc.xpath("//table[contains(@class,'sortable')]")
    assert "Near-duplicate clusters" in doc.text_content()


def test_recrawl_reports_new_removed_and_changed_pages(tmp_path):
    with SiteServer(content_site) as srv:
        rc, _ = run_crawl(tmp_path, srv.base, "first")
        assert rc == 0
        del srv.site["/pricing"]
        srv.site["/"] = Page(
            html_page(
                "Acme Freight Audit",
                [paragraph(__import__("random").Random(5))],
                ["/about", "/pricing", "/careers", "/blog/"],
            )
        )
        srv.site["/careers"] = Page(
            html_page("Careers", [paragraph(__import__("random").Random(6))], [])
        )
        rc, out = run_crawl(tmp_path, srv.base, "second")
    report = json.loads((out / "report.json").read_text())
    changes = report["changes"]
    assert changes is not None
    assert changes["new"] == [srv.base + "/careers"]
    assert srv.base + "/pricing" in changes["removed"]
    assert srv.base + "/" in changes["changed_text"]
    assert "Changes since the last crawl" in (out / "report.html").read_text()


def test_script_injection_in_titles_and_bodies_is_escaped(tmp_path):
    with SiteServer(hostile_site) as srv:
        rc, out = run_crawl(tmp_path, srv.base, "evil")
    assert rc == 0
    html_text = (out / "report.html").read_text()
    doc = lxml.html.fromstring(html_text)
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    assert not doc.xpath("//img")
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
    assert "alert(" not in "".join(s.text or "" for s in scripts)
    assert "&lt;script&gt;" in html_text  # the titles are there, as text
    text = doc.text_content()
    assert 'Evil <script>alert("xss")</script>' in text
    report = json.loads((out / "report.json").read_text())
    assert any(XSS in (p["title"] or "") for p in report["pages"])


def test_audit_dir_reports_a_folder_of_saved_pages(tmp_path):
    folder = tmp_path / "saved"
    (folder / "blog").mkdir(parents=True)
    rng = __import__("random").Random(9)
    same = [paragraph(rng) for _ in range(4)]
    (folder / "blog" / "a.html").write_bytes(html_page("Post A", same, []))
    (folder / "blog" / "b.htm").write_bytes(html_page("Post A again", same, []))
    (folder / "about.html").write_bytes(html_page("About", [paragraph(rng) for _ in range(3)], []))
    (folder / "empty.html").write_bytes(b"")
    (folder / "notes.txt").write_text("ignored")
    rc = main(["audit-dir", str(folder), "--out", str(tmp_path / "out"), "--processes", "2"])
    assert rc == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    pages = {p["url"]: p for p in report["pages"]}
    assert set(pages) == {"about.html", "blog/a.html", "blog/b.htm", "empty.html"}
    assert pages["empty.html"]["skipped"]
    assert pages["blog/a.html"]["verdict"] in ("send", "review", "rewrite")
    assert report["clusters"] == [["blog/a.html", "blog/b.htm"]]


def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys):
    assert main(["crawl", "ftp://example.com/", "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err
    assert main(["crawl", "--resume", "0" * 32, "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert main(["audit-dir", str(tmp_path / "nope")]) == 2
    with pytest.raises(SystemExit):
        main(["crawl", "http://example.com/", "--format", "pdf"])


@pytest.mark.browser
def test_html_report_in_chromium_runs_no_injected_script_and_sorts(tmp_path):
    from chromium import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    with SiteServer(hostile_site) as srv:
        rc, out = run_crawl(tmp_path, srv.base, "evil")
    assert rc == 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            dialogs, errors = [], []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto((out / "report.html").as_uri())
            pages_table = page.locator("h2:has-text('All pages') ~ table").first
            header = pages_table.locator("th", has_text="page")
            first = lambda: pages_table.locator("tbody tr td .url").first.inner_text()  # noqa: E731
            header.click()
            asc = first()
            header.click()
            desc = first()
            assert asc != desc  # the sorting script ran: the CSP hash matches it
            assert dialogs == []  # no injected alert() ran
            assert not [e for e in errors if "Content Security Policy" in e and "inline" in e]
            assert 'Evil <script>alert("xss")</script>' in page.inner_text("body")
        finally:
            browser.close()
