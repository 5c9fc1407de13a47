"""The crawler against real HTTP servers on 127.0.0.1: robots.txt, sitemaps, and bad sites."""

from __future__ import annotations

import random
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.crawl_store import CrawlStore  # noqa: E402
from auditor.crawl_urls import AddressPolicy, AddressRefused, Scope, canonical, section  # noqa: E402
from auditor.crawler import Fetcher, FetchLimits, PinnedTransport, parse_sitemap  # noqa: E402
from auditor.crawling import CrawlOptions, CrawlRunner, create_crawl  # noqa: E402
from fixtures.sites.generate import (  # noqa: E402
    Page,
    content_site,
    html_page,
    paragraph,
    trap_site,
)
from fixtures.sites.server import SiteServer  # noqa: E402

LOOPBACK_ONLY = ["127.0.0.1/32"]  # 127.0.0.1 allowed; any other private target still refused


def crawl(tmp_path: Path, base: str, **opts) -> tuple[CrawlStore, str, dict[str, dict]]:
    store = CrawlStore(f"sqlite:///{tmp_path / 'c.db'}")
    o = dict(allow_private=LOOPBACK_ONLY, timeout=1.5, max_bytes=300_000, concurrency=4)
    o.update(opts)
    cid = create_crawl(store, base + "/", CrawlOptions(**o))
    assert CrawlRunner(store, cid).run() == "done"
    rows = {r["url"][len(base) :]: r for r in store.iter_pages(cid)}
    return store, cid, rows


@pytest.fixture(scope="module")
def traps(tmp_path_factory: pytest.TempPathFactory):
    with SiteServer(trap_site) as srv:
        t0 = time.monotonic()
        store, cid, rows = crawl(tmp_path_factory.mktemp("traps"), srv.base)
        yield srv, store, cid, rows, time.monotonic() - t0


def reason(rows: dict[str, dict], path: str) -> str:
    assert path in rows, f"{path} not in the crawl"
    return rows[path]["skip_reason"] or ""


def test_every_trap_url_ends_audited_or_with_a_reason(traps):
    srv, store, cid, rows, _ = traps
    assert store.counts(cid)["queued"] == store.counts(cid)["claimed"] == 0
    for path, row in rows.items():
        assert row["state"] in ("done", "skipped"), path
        if row["state"] == "skipped":
            assert row["skip_reason"], path
    assert rows["/"]["state"] == "done"


def test_slow_pages_time_out_without_stalling_the_crawl(traps):
    *_, rows, elapsed = traps
    assert "timed out" in reason(rows, "/slow")
    assert "too slow" in reason(rows, "/trickle")
    assert elapsed < 15  # the server would hold /slow for 5 s and /trickle for 8 s


def test_redirect_loops_are_reported_not_followed(traps):
    srv, *_, rows, _ = traps
    assert reason(rows, "/loop-a").startswith("redirect loop")
    assert reason(rows, "/loop-b") == reason(rows, "/loop-a")  # a hop is listed, same reason
    assert srv.hits["/loop-a"] == 1 and srv.hits["/loop-b"] == 1


def test_redirect_chains_stop_at_the_limit(traps):
    srv, *_, rows, _ = traps
    assert "more than 5 redirects" in reason(rows, "/chain-0")
    assert srv.hits["/chain-7"] == 0


def test_huge_page_is_cut_off_while_streaming(traps):
    *_, rows, _ = traps
    assert "larger than 300,000 bytes" in reason(rows, "/huge")


def test_non_html_is_skipped_with_its_content_type(traps):
    *_, rows, _ = traps
    assert reason(rows, "/report.pdf") == "not HTML (application/pdf)"
    assert reason(rows, "/data") == "not HTML (application/json)"


def test_http_errors_are_reported_with_their_status(traps):
    *_, rows, _ = traps
    assert rows["/missing"]["http_status"] == 404 and "HTTP 404" in reason(rows, "/missing")
    assert rows["/error"]["http_status"] == 500 and "HTTP 500" in reason(rows, "/error")


def test_broken_html_is_still_audited(traps):
    *_, rows, _ = traps
    row = rows["/broken"]
    assert row["state"] == "done"
    assert set(row["scores"]) == {"trust", "self_orientation", "value_add", "lemming", "clickbait"}
    assert row["title"].startswith("Broken")


def test_page_without_text_says_so(traps):
    *_, rows, _ = traps
    assert reason(rows, "/empty") == "no main text found"


def test_off_site_redirects_are_refused_before_any_lookup(traps):
    *_, rows, _ = traps
    assert reason(rows, "/to-metadata") == (
        "redirect to http://169.254.169.254/latest/ leaves the crawl (off-site)"
    )
    assert reason(rows, "/to-other-loopback").endswith("leaves the crawl (off-site)")


def test_redirects_to_private_or_link_local_addresses_are_refused_when_connecting(traps):
    srv, *_ = traps
    fetcher = Fetcher(FetchLimits(timeout=2), AddressPolicy(LOOPBACK_ONLY))  # no scope veto
    try:
        metadata = fetcher.fetch(srv.base + "/to-metadata")
        other = fetcher.fetch(srv.base + "/to-other-loopback")
    finally:
        fetcher.close()
    assert metadata.skip == (
        "refused: 169.254.169.254 resolves to link-local address 169.254.169.254 "
        "(use --allow-private)"
    )
    assert "loopback address 127.0.0.2" in other.skip


def test_redirected_page_is_audited_once_under_its_target_url(traps):
    srv, *_, rows, _ = traps
    assert reason(rows, "/moved").startswith("redirects to ")
    assert rows["/moved-here"]["state"] == "done"
    assert srv.hits["/moved"] == 1 and srv.hits["/moved-here"] == 1


def redirect_site(base: str) -> dict[str, Page]:
    """Redirects whose targets and hops are linked too, or not, and a loop of linked pages."""
    rng = random.Random(4)

    def page(title: str) -> Page:
        return Page(html_page(title, [paragraph(rng) for _ in range(2)], []))

    links = ["/old", "/new", "/a", "/c", "/d", "/x", "/y"]
    return {
        "/": Page(html_page("Home", [paragraph(rng) for _ in range(2)], links)),
        "/old": Page(status=301, headers={"Location": "/new"}),
        "/new": page("New"),
        "/a": Page(status=302, headers={"Location": "/b"}),
        "/b": page("B"),
        "/c": Page(status=301, headers={"Location": "/d"}),
        "/d": Page(status=301, headers={"Location": "/e"}),
        "/e": page("E"),
        "/x": Page(status=302, headers={"Location": "/y"}),
        "/y": Page(status=302, headers={"Location": "/x"}),
        "/robots.txt": Page(b"User-agent: *\nDisallow:\n", content_type="text/plain"),
    }


@pytest.mark.parametrize("concurrency", [1, 4])
def test_every_url_is_fetched_once_even_through_redirects(tmp_path, concurrency):
    with SiteServer(redirect_site) as srv:
        _, _, rows = crawl(tmp_path, srv.base, concurrency=concurrency, sitemaps=False)
    assert dict(srv.hits) == {p: 1 for p in srv.site}  # every path, exactly once
    assert {p for p, r in rows.items() if r["state"] == "done"} == {"/", "/new", "/b", "/e"}
    assert rows["/b"]["source"] == "redirect"  # met only as a redirect target, listed too
    for path in ("/old", "/a", "/c", "/d"):
        assert reason(rows, path).startswith("redirects to "), path
    if concurrency == 1:  # one page at a time: each redirect is followed to its end
        assert reason(rows, "/old") == f"redirects to {srv.base}/new"
        assert reason(rows, "/c") == reason(rows, "/d") == f"redirects to {srv.base}/e"
        assert reason(rows, "/x").startswith("redirect loop")
        assert reason(rows, "/y") == reason(rows, "/x")
    else:  # /x and /y may run at once: each then says where it goes, neither follows on
        for path in ("/x", "/y"):
            assert reason(rows, path).startswith(("redirect loop", "redirects to ")), path


def test_localhost_is_refused_when_connecting_unless_private_addresses_are_allowed():
    with SiteServer(trap_site) as srv:
        url = srv.base.replace("127.0.0.1", "localhost") + "/"
        refused = Fetcher(FetchLimits(timeout=2), AddressPolicy(False))
        allowed = Fetcher(FetchLimits(timeout=2), AddressPolicy(True))
        try:
            got = refused.fetch(url)
            assert sum(srv.hits.values()) == 0
            with pytest.raises(AddressRefused, match="loopback address 127.0.0.1"):
                refused.client.get(url)  # the transport itself refuses, whatever the caller
            ok = allowed.fetch(url)
        finally:
            refused.close()
            allowed.close()
    assert got.skip == (
        "refused: localhost resolves to loopback address 127.0.0.1 (use --allow-private)"
    )
    assert ok.ok and ok.status == 200 and srv.hits["/"] == 1


def test_every_connection_is_checked_again_even_after_a_redirect():
    with (
        SiteServer(trap_site, host="127.0.0.2") as inner,
        SiteServer(
            lambda base: {"/go": Page(status=302, headers={"Location": inner.base + "/"})}
        ) as outer,
    ):
        fetcher = Fetcher(FetchLimits(timeout=2), AddressPolicy(LOOPBACK_ONLY))
        follows = httpx.Client(  # httpx following redirects by itself: still checked
            transport=PinnedTransport(AddressPolicy(LOOPBACK_ONLY), httpx.Limits()),
            follow_redirects=True,
        )
        wider = Fetcher(FetchLimits(timeout=2), AddressPolicy(["127.0.0.0/8"]))
        try:
            got = fetcher.fetch(outer.base + "/go")
            with pytest.raises(AddressRefused, match="loopback address 127.0.0.2"):
                follows.get(outer.base + "/go")
            assert sum(inner.hits.values()) == 0  # never connected to the refused address
            assert wider.fetch(outer.base + "/go").ok  # the policy refused it, not the network
        finally:
            for client in (fetcher, wider, follows):
                client.close()
    assert got.skip.startswith("refused: 127.0.0.2 resolves to loopback address 127.0.0.2")
    assert got.final_url == inner.base + "/" and outer.hits["/go"] == 3
    assert inner.hits["/"] == 1


@pytest.fixture
def localhost_cert(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_tls_verifies_the_host_name_while_connecting_to_the_pinned_address(localhost_cert):
    key, cert = localhost_cert
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    srv = SiteServer(trap_site)
    srv.httpd.socket = server_ctx.wrap_socket(srv.httpd.socket, server_side=True)
    port = srv.httpd.server_address[1]
    fetcher = Fetcher(FetchLimits(timeout=3), AddressPolicy(LOOPBACK_ONLY), verify=client_ctx)
    with srv:
        try:
            by_name = fetcher.fetch(f"https://localhost:{port}/")
            by_address = fetcher.fetch(f"https://127.0.0.1:{port}/")
        finally:
            fetcher.close()
    assert by_name.ok and by_name.status == 200  # connected to 127.0.0.1, verified "localhost"
    assert by_address.skip.startswith("network error") and "certificate" in by_address.skip


def test_canonical_link_deduplicates_pages(traps):
    *_, rows, _ = traps
    assert "canonical URL is" in reason(rows, "/alias")
    assert rows["/canonical-page"]["state"] == "done"


def test_loopback_is_refused_without_allow_private(tmp_path):
    with SiteServer(trap_site) as srv:
        _, _, rows = crawl(tmp_path, srv.base, allow_private=False)
    assert "loopback address 127.0.0.1" in rows["/"]["skip_reason"]
    assert srv.hits["/"] == 0


def test_sitemap_index_and_gzip_child_are_read_first(tmp_path):
    with SiteServer(content_site) as srv:
        store, cid, rows = crawl(tmp_path, srv.base)
    sitemap_rows = [p for p, r in rows.items() if r["source"] == "sitemap"]
    assert sorted(sitemap_rows) == sorted(f"/blog/post-{i}" for i in range(12))
    assert srv.hits["/sitemap_index.xml"] == 1 and srv.hits["/sitemaps/posts.xml.gz"] == 1
    assert all(srv.hits[p] == 1 for p, r in rows.items() if r["state"] == "done")  # once each


def test_robots_disallow_is_obeyed_and_reported(tmp_path):
    with SiteServer(content_site) as srv:
        _, _, rows = crawl(tmp_path, srv.base)
    assert rows["/private/area"]["skip_reason"] == "disallowed by robots.txt"
    assert srv.hits["/private/area"] == 0


def test_robots_server_error_means_the_site_is_not_crawled(tmp_path):
    def site(base: str) -> dict[str, Page]:
        s = content_site(base)
        s["/robots.txt"] = Page(b"oops", status=503, content_type="text/plain")
        return s

    with SiteServer(site) as srv:
        store, cid, rows = crawl(tmp_path, srv.base)
    assert list(rows) == ["/"]
    assert "robots.txt unavailable (HTTP 503" in rows["/"]["skip_reason"]
    assert any("robots.txt" in n for n in store.crawl(cid)["notes"])
    assert srv.hits["/"] == 0


def test_missing_robots_allows_everything(tmp_path):
    def site(base: str) -> dict[str, Page]:
        s = content_site(base)
        del s["/robots.txt"]
        return s

    with SiteServer(site) as srv:
        _, _, rows = crawl(tmp_path, srv.base)
    assert rows["/private/area"]["state"] == "done"


def test_crawl_delay_from_robots_spaces_requests(tmp_path):
    def site(base: str) -> dict[str, Page]:
        return {
            "/": Page(html_page("Home", ["Some words on a page. " * 20], ["/a", "/b", "/c"])),
            "/a": Page(html_page("A", ["Other words on page a. " * 20], [])),
            "/b": Page(html_page("B", ["More words on page b. " * 20], [])),
            "/c": Page(html_page("C", ["Last words on page c. " * 20], [])),
            "/robots.txt": Page(b"User-agent: *\nCrawl-delay: 0.4\n", content_type="text/plain"),
        }

    with SiteServer(site) as srv:
        t0 = time.monotonic()
        _, _, rows = crawl(tmp_path, srv.base, concurrency=4, sitemaps=False)
        elapsed = time.monotonic() - t0
    assert sum(r["state"] == "done" for r in rows.values()) == 4
    assert elapsed >= 3 * 0.4 - 0.05  # four fetches from one host: at least three gaps


def test_max_pages_bounds_the_crawl_and_says_so(tmp_path):
    with SiteServer(content_site) as srv:
        store, cid, rows = crawl(tmp_path, srv.base, max_pages=5)
    assert len(rows) == 5
    assert any("--max-pages 5 reached" in n for n in store.crawl(cid)["notes"])


def test_include_and_exclude_patterns_limit_the_crawl(tmp_path):
    with SiteServer(content_site) as srv:
        _, _, rows = crawl(tmp_path, srv.base, exclude=[r"/blog/post-1\d"], sitemaps=False)
    assert "/blog/post-10" not in rows and "/blog/post-1" in rows
    scope = Scope("http://x.test/", include=[r"/blog/"])
    assert scope.why_not("http://x.test/about") == "not matched by --include"
    assert scope.why_not("http://other.test/blog/a") == "off-site"


def test_canonical_urls_drop_fragments_tracking_and_default_ports():
    assert canonical("HTTP://Example.COM:80/a//b?utm_source=x&b=2&a=1#top") == (
        "http://example.com/a/b?a=1&b=2"
    )
    assert canonical("../c", "https://example.com/a/b/") == "https://example.com/a/c"
    assert section("https://example.com/blog/x") == "/blog/"
    assert section("https://example.com/about") == "/"


def test_address_policy_refuses_private_ranges():
    policy = AddressPolicy(False)
    assert "loopback" in policy.check("127.0.0.1", 80)
    assert "private" in policy.check("10.1.2.3", 80)
    assert "link-local" in policy.check("169.254.169.254", 80)
    assert AddressPolicy(True).check("10.1.2.3", 80) is None


def test_sitemap_parser_refuses_entities_and_reads_plain_lists():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url>'
        b"</urlset>"
    )
    urls, _ = parse_sitemap(xxe)
    assert not any("root:" in u for u in urls)
    assert parse_sitemap(b"https://a.test/1\nnot a url\nhttps://a.test/2\n") == (
        ["https://a.test/1", "https://a.test/2"],
        [],
    )


def test_fetcher_reports_connection_refused(tmp_path):
    fetcher = Fetcher(FetchLimits(timeout=1), AddressPolicy(True))
    got = fetcher.fetch("http://127.0.0.1:9/")
    fetcher.close()
    assert got.skip.startswith("network error")
