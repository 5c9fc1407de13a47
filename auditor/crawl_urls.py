"""URL rules of a crawl: one canonical spelling per page, what is in scope, and which section."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(?:utm_\w+|gclid|fbclid|mc_cid|mc_eid|_hsenc|_hsmi|ref_src)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlError(ValueError):
    pass


def canonical(url: str, base: str | None = None) -> str:
    """One spelling per page: absolute, lower-case host, no default port, fragment or tracking."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UrlError(f"not an http(s) URL: {url[:200]}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UrlError(f"URL has no host: {url[:200]}")
    try:
        port = parts.port
    except ValueError:
        raise UrlError(f"URL has an invalid port: {url[:200]}") from None
    netloc = f"[{host}]" if ":" in host else host
    if port and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        )
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def site_key(url: str) -> str:
    """The host a crawl stays on; `www.` and the bare domain count as one site."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def section(url: str) -> str:
    """The report groups pages by their first path segment: `/blog/x` -> `/blog/`."""
    path = urlsplit(url).path
    segs = [s for s in path.split("/") if s]
    if len(segs) <= 1 and not path.endswith("/"):
        return "/"
    return f"/{segs[0]}/" if segs else "/"


class Scope:
    """Which discovered URLs a crawl follows: same site, include/exclude regexes."""

    def __init__(self, root: str, include: Iterable[str] = (), exclude: Iterable[str] = ()):
        self.site = site_key(root)
        self.ports = {urlsplit(root).port}
        try:
            self.include = [re.compile(p) for p in include]
            self.exclude = [re.compile(p) for p in exclude]
        except re.error as e:
            raise UrlError(f"invalid --include/--exclude pattern: {e}") from None

    def same_site(self, url: str) -> bool:
        p = urlsplit(url)
        return site_key(url) == self.site and p.port in self.ports

    def why_not(self, url: str) -> str | None:
        """None if the URL is in scope, else the reason it is not."""
        if not self.same_site(url):
            return "off-site"
        if self.include and not any(rx.search(url) for rx in self.include):
            return "not matched by --include"
        if any(rx.search(url) for rx in self.exclude):
            return "matched by --exclude"
        return None


# --- addresses --------------------------------------------------------------------------------


class AddressRefused(Exception):
    """A host the crawl may not connect to: it resolves to a refused address, or not at all."""


class AddressPolicy:
    """Refuses loopback, private, link-local and other non-public addresses unless allowed.

    `allow` is True (everything), False (public only) or a list of networks (tests use this to
    allow 127.0.0.1 but still refuse other private targets, e.g. after a redirect).
    `addresses` is what the crawler's connections use: the answer it checks is the answer it
    connects to, so a second DNS lookup cannot swap in another address (DNS rebinding).
    """

    def __init__(self, allow: bool | Iterable[str] = False):
        if allow is True:
            self.all_allowed = True
            self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        else:
            self.all_allowed = False
            self.networks = [ipaddress.ip_network(n, strict=False) for n in (allow or [])]

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, every one allowed; raises AddressRefused if any is not."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise AddressRefused(f"DNS lookup failed: {e}") from None
        out: list[str] = []
        for info in infos:
            raw = str(info[4][0])
            if raw in out:
                continue
            if not self.all_allowed:
                why = self._why_not(ipaddress.ip_address(raw.split("%")[0]))
                if why:
                    raise AddressRefused(f"refused: {host} resolves to {why} (use --allow-private)")
            out.append(raw)
        if not out:
            raise AddressRefused(f"DNS lookup failed: no address for {host}")
        return out

    def check(self, host: str, port: int) -> str | None:
        """None if the host may be fetched, else why not (resolves the name)."""
        try:
            self.addresses(host, port)
        except AddressRefused as e:
            return str(e)
        return None

    def _why_not(self, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        if addr.is_global and not addr.is_multicast:
            return None
        if any(addr in net for net in self.networks):
            return None
        kind = (
            "loopback"
            if addr.is_loopback
            else "link-local"
            if addr.is_link_local
            else "private"
            if addr.is_private
            else "non-public"
        )
        return f"{kind} address {addr}"
