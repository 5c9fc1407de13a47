"""Fetching for site crawls: pinned addresses, bounded time and size, robots.txt and sitemaps.

Every fetch ends in a `Fetched` with either a body or a `skip` reason the report shows; nothing
here raises for a bad site. Every connection resolves its host once, checks the answer against
the address policy and connects to exactly that address (so DNS rebinding cannot slip a private
address in after the check). Redirects are followed by hand so each hop is also checked against
scope and robots.txt, and loops are reported instead of followed.
"""

from __future__ import annotations

import gzip
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import httpcore
import httpx

from auditor.crawl_urls import AddressPolicy, AddressRefused, UrlError, canonical, origin

if TYPE_CHECKING:
    from protego import Protego

USER_AGENT = "TrustAuditor/0.1 (+https://github.com/trust-auditor; site audit)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_SITEMAPS = 50
MAX_SITEMAP_URLS = 200_000


@dataclass
class FetchLimits:
    timeout: float = 10.0  # seconds for the whole response, connect to last byte
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    encoding: str | None = None
    skip: str | None = None
    redirects: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.skip is None


class PinnedBackend(httpcore.NetworkBackend):
    """Opens each TCP connection to an address the policy approved in the same lookup.

    httpcore asks the backend for `connect_tcp(host, port)`; this resolves `host` once, refuses
    it (AddressRefused) if any answer is not allowed, and connects to those very addresses.
    TLS is untouched: httpcore still sends SNI and verifies the certificate for `host`.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.policy.addresses(host, port)
        deadline = None if timeout is None else time.monotonic() + timeout
        error: Exception | None = None
        for address in addresses:  # like socket.create_connection, but over checked answers
            left = None if deadline is None else max(0.01, deadline - time.monotonic())
            try:
                return self.inner.connect_tcp(address, port, left, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                error = e
        assert error is not None
        raise error

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        raise AddressRefused("refused: the crawler does not use Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport over `PinnedBackend` (httpx has no public hook for the backend)."""

    def __init__(
        self, policy: AddressPolicy, limits: httpx.Limits, verify: ssl.SSLContext | bool = True
    ) -> None:
        # No super().__init__(): it would build a default pool only to be replaced.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(policy),
        )


class Fetcher:
    """A thread-safe HTTP client that never follows a redirect, address or size it should not."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        policy: AddressPolicy | None = None,
        connections: int = 16,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.policy = policy or AddressPolicy(False)
        pool = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.limits.timeout),
            follow_redirects=False,
            headers={"User-Agent": self.limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=PinnedTransport(self.policy, pool, verify),
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def fetch(
        self,
        url: str,
        *,
        accept: tuple[str, ...] | None = HTML_TYPES,
        max_bytes: int | None = None,
        allowed: Callable[[str], str | None] | None = None,
        take: Callable[[str], bool] | None = None,
    ) -> Fetched:
        """GET `url`; `accept` None takes any content type; `allowed(url)` may veto a redirect.

        `take(url)` is asked before a redirect is followed to `url`; False stops there, unfetched
        (`skip` "redirects to ..."): the crawl has that URL and fetches it on its own, once.
        """
        max_bytes = max_bytes or self.limits.max_bytes
        start = time.monotonic()
        deadline = start + self.limits.timeout
        result = Fetched(url=url, final_url=url)
        current = url
        seen = {url}
        for hop in range(self.limits.max_redirects + 1):
            if allowed is not None and hop:
                veto = allowed(current)
                if veto:
                    result.skip = f"redirect to {current} {veto}"
                    break
            if take is not None and hop and not take(current):
                result.skip = f"redirects to {current}"
                break
            try:
                done = self._get(current, result, accept, max_bytes, deadline)
            except AddressRefused as e:  # raised at connect time, for every connection
                result.skip = str(e)
                break
            except httpx.TimeoutException:
                result.skip = f"timed out after {self.limits.timeout:g} s"
                break
            except httpx.HTTPError as e:
                result.skip = f"network error: {type(e).__name__}: {str(e)[:200]}"
                break
            if done:
                break
            location = result.body.decode("latin-1")  # _get leaves the Location here
            result.body = b""
            try:
                nxt = canonical(location, current)
            except UrlError as e:
                result.skip = f"bad redirect: {e}"
                break
            result.redirects.append(nxt)
            if nxt in seen:
                result.skip = f"redirect loop: {' -> '.join([url, *result.redirects])}"[:500]
                break
            seen.add(nxt)
            current = nxt
        else:
            result.skip = f"more than {self.limits.max_redirects} redirects"
        result.final_url = current
        result.elapsed = time.monotonic() - start
        if result.skip:
            result.body = b""
        return result

    def _get(
        self,
        url: str,
        result: Fetched,
        accept: tuple[str, ...] | None,
        max_bytes: int,
        deadline: float,
    ) -> bool:
        """One request. True when finished; False with the Location in `result.body` to follow."""
        with self.client.stream("GET", url) as r:
            result.status = r.status_code
            if r.is_redirect and "location" in r.headers:
                result.body = r.headers["location"].encode("latin-1", "replace")
                return False
            ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
            result.content_type = ctype
            if r.status_code >= 400:
                result.skip = f"HTTP {r.status_code} {r.reason_phrase}".strip()
                return True
            if r.status_code >= 300 or r.status_code == 204:
                result.skip = f"HTTP {r.status_code} without content"
                return True
            if accept is not None and ctype and ctype not in accept:
                result.skip = f"not HTML ({ctype})"
                return True
            declared = r.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                result.skip = f"larger than {max_bytes:,} bytes ({int(declared):,} declared)"
                return True
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    result.skip = f"larger than {max_bytes:,} bytes (stopped reading)"
                    return True
                if time.monotonic() > deadline:
                    result.skip = f"too slow: not complete after {self.limits.timeout:g} s"
                    return True
                chunks.append(chunk)
            result.body = b"".join(chunks)
            result.encoding = r.charset_encoding
            return True


# --- robots.txt -------------------------------------------------------------------------------


@dataclass
class Robots:
    """A host's robots.txt. RFC 9309: 4xx means no rules; 5xx or unreachable means stay out."""

    status: str
    text: str | None = None
    disallow_all: bool = False
    _parsed: Protego | None = None

    @property
    def parser(self) -> Protego | None:
        if self._parsed is None and self.text is not None:
            from protego import Protego

            self._parsed = Protego.parse(self.text)
        return self._parsed

    def why_not(self, url: str, agent: str) -> str | None:
        if self.disallow_all:
            return f"robots.txt unavailable ({self.status}); not crawling this host"
        p = self.parser
        if p is not None and not p.can_fetch(url, agent):
            return "disallowed by robots.txt"
        return None

    def crawl_delay(self, agent: str) -> float:
        p = self.parser
        d = p.crawl_delay(agent) if p is not None else None
        return float(d or 0.0)

    def sitemaps(self) -> list[str]:
        p = self.parser
        return list(p.sitemaps) if p is not None else []


def fetch_robots(fetcher: Fetcher, url: str) -> Robots:
    got = fetcher.fetch(origin(url) + "/robots.txt", accept=None, max_bytes=500_000)
    if got.ok:
        text = got.body.decode("utf-8", "replace")
        return Robots(status=f"HTTP {got.status}", text=text)
    if got.status is not None and 400 <= got.status < 500:
        return Robots(status=f"HTTP {got.status}", text="")
    return Robots(status=got.skip or "unreachable", disallow_all=True)


class RobotsCache:
    """One robots.txt per origin for a crawler process (`seed` can prime it from storage)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self._by_origin: dict[str, Robots] = {}
        self._lock = threading.Lock()

    def put(self, url: str, robots: Robots) -> None:
        self._by_origin[origin(url)] = robots

    def get(self, url: str) -> Robots:
        key = origin(url)
        with self._lock:
            if key not in self._by_origin:
                self._by_origin[key] = fetch_robots(self.fetcher, url)
            return self._by_origin[key]


# --- sitemaps ---------------------------------------------------------------------------------


def _gunzip(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limit)
    if d.unconsumed_tail:
        raise ValueError(f"sitemap is larger than {limit:,} bytes uncompressed")
    return out


def parse_sitemap(data: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) from sitemap XML, a sitemap index, or a plain URL list."""
    from lxml import etree

    head = data.lstrip()[:1]
    if head != b"<":
        urls = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines()]
        return [u for u in urls if u.startswith(("http://", "https://"))], []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    root = etree.fromstring(data, parser)
    if root is None:
        raise ValueError("not a sitemap (empty or unparsable XML)")
    locs = [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname == "loc"
    ]
    if etree.QName(root).localname == "sitemapindex":
        return [], locs
    if etree.QName(root).localname != "urlset":
        raise ValueError(f"not a sitemap (root element <{etree.QName(root).localname}>)")
    return locs, []


def read_sitemaps(
    fetcher: Fetcher, starts: list[str], notes: list[str], max_bytes: int = 50_000_000
) -> list[str]:
    """Page URLs from sitemaps, following indexes; problems go to `notes`, never raise."""
    pages: list[str] = []
    queue: list[str] = list(starts)
    seen: set[str] = set()
    while queue and len(seen) < MAX_SITEMAPS and len(pages) < MAX_SITEMAP_URLS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        got = fetcher.fetch(url, accept=None, max_bytes=max_bytes // 5)
        if not got.ok:
            if got.status != 404 or url not in starts[:1]:
                notes.append(f"sitemap {url}: {got.skip}")
            continue
        try:
            data = got.body
            if data[:2] == b"\x1f\x8b":
                data = _gunzip(data, max_bytes)
            found, children = parse_sitemap(data)
        except (ValueError, zlib.error, gzip.BadGzipFile, EOFError) as e:
            notes.append(f"sitemap {url}: unreadable ({e})")
            continue
        except Exception as e:  # lxml raises its own error types
            notes.append(f"sitemap {url}: unreadable ({type(e).__name__}: {e})")
            continue
        pages.extend(found)
        queue.extend(urljoin(url, c) for c in children)
    if queue:
        notes.append(f"stopped after {len(seen)} sitemaps; {len(queue)} more not read")
    return pages[:MAX_SITEMAP_URLS]
