"""Crawled HTML -> main text (trafilatura), metadata, links; then the same `audit()` as drafts.

Pages are parsed, never rendered: no script on a page runs. `analyse_page` is a plain
function of bytes so a process pool can run it on every core.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from auditor.crawl_urls import UrlError, canonical

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from trafilatura.settings import Document

BLOG_PATH = re.compile(r"/(?:blog|news|posts?|articles?|insights|stories|journal)/", re.I)
TOP_FINDINGS = 3
_SEVERITY_RANK = {"error": 0, "warning": 1, "suggestion": 2, "info": 3}


@dataclass
class Extracted:
    title: str = ""
    text: str = ""
    date: str | None = None
    author: str | None = None
    links: list[str] = field(default_factory=list)
    canonical: str | None = None
    nofollow: bool = False
    noindex: bool = False


def _parse(html: bytes | str, encoding: str | None) -> HtmlElement | None:
    import lxml.html

    if isinstance(html, bytes) and encoding:
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            html = html.decode(encoding)
    if isinstance(html, str):
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses str with an XML declaration
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except Exception:  # lxml's ParserError for empty or hopeless documents
        return None


def extract(html: bytes | str, url: str, encoding: str | None = None) -> Extracted:
    """Main text, title, date, author, links and canonical URL of one page."""
    import trafilatura

    tree = _parse(html, encoding)
    out = Extracted()
    if tree is None:
        return out
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "robots":
            content = (meta.get("content") or "").lower()
            out.nofollow |= "nofollow" in content or "none" in content
            out.noindex |= "noindex" in content or "none" in content
    base = url
    for b in tree.iter("base"):
        if href := b.get("href"):
            base = href
            break
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (href := link.get("href")):
            with contextlib.suppress(UrlError):
                out.canonical = canonical(href, url)
            break
    if not out.nofollow:
        seen = set()
        for a in tree.iter("a"):
            href = a.get("href")
            if not href or "nofollow" in (a.get("rel") or "").lower():
                continue
            try:
                u = canonical(href, base)
            except (UrlError, ValueError):
                continue
            if u not in seen:
                seen.add(u)
                out.links.append(u)
    titles = tree.xpath("//title")
    title_tag = " ".join((titles[0].text_content() or "").split()) if titles else ""
    extracted = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True, fast=True
    )
    doc = cast("Document | None", extracted)  # not a dict: that comes only with as_dict=True
    if doc is not None:
        out.text = (doc.text or "").strip()
        out.title = " ".join((doc.title or "").split()) or title_tag
        out.date = doc.date or None
        out.author = doc.author or None
    else:
        out.title = title_tag
    return out


def _top(findings: list[Any], n: int = TOP_FINDINGS) -> list[dict[str, Any]]:
    withdrawals = [f for f in findings if f.polarity == "withdrawal"]
    withdrawals.sort(key=lambda f: (_SEVERITY_RANK.get(f.severity, 9), -f.weight))
    return [
        {
            "rule": f.rule,
            "name": f.name,
            "severity": f.severity,
            "message": f.message,
            "text": (f.text or "")[:200] or None,
        }
        for f in withdrawals[:n]
    ]


def choose_kind(url: str, date: str | None) -> str:
    return "blog" if BLOG_PATH.search(url) or date else "page"


def analyse_page(
    html: bytes | str, url: str, encoding: str | None = None, keep_text: bool = True
) -> dict[str, Any]:
    """Extract and audit one page: the record a crawl stores (plus `text` for clustering)."""
    from auditor.engine import audit
    from auditor.ingest import InputError

    ex = extract(html, url, encoding)
    rec: dict[str, Any] = {
        "title": ex.title[:500],
        "date": ex.date,
        "author": (ex.author or "")[:200] or None,
        "links": ex.links,
        "canonical": ex.canonical,
        "noindex": ex.noindex,
        "skip": None,
    }
    if not ex.text:
        rec["skip"] = "no main text found"
        return rec
    kind = choose_kind(url, ex.date)
    try:
        report = audit(ex.text, kind)
    except InputError as e:
        rec["skip"] = f"not audited: {e}"
        return rec
    rec.update(
        kind=kind,
        scores=report.scores,
        verdict=report.verdict,
        findings=_top(report.findings),
        rules=sorted({f.rule for f in report.withdrawals}),
        word_count=report.word_count,
        content_sha256=hashlib.sha256(ex.text.encode("utf-8")).hexdigest(),
    )
    if ex.title:
        try:
            head = audit(ex.title, "headline")
            rec["title_scores"] = head.scores
            rec["title_findings"] = _top(head.findings, 2)
            rec["rules"] = sorted(set(rec["rules"]) | {f.rule for f in head.withdrawals})
        except InputError:
            pass
    if keep_text:
        rec["text"] = ex.text
    return rec
