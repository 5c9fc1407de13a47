"""The site report: one dict (report.json's contract) and its CSV and self-contained HTML.

report.json contract: `pages` — each with `url`, `status` (HTTP status or null), `skipped`
(reason, or null when audited), `title`, the five `scores`, `verdict`, top `findings` — and
`clusters`, a list of lists of URLs. Everything else (distributions, sections, worst pages,
aggregation pages, changes since the last crawl) is derived from those and stored rows.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.crawl_store import CrawlStore
from auditor.crawl_urls import section

if TYPE_CHECKING:
    from jinja2 import Template

SCHEMA_VERSION = "1"
SCORES = ("trust", "self_orientation", "value_add", "lemming", "clickbait")
HIGHER_IS_WORSE = ("self_orientation", "lemming", "clickbait")
CHANGE_DELTA = 5.0
AGGREGATION_SCORE = 50.0
LISTICLE_TITLE = re.compile(
    r"^\s*(?:the\s+)?(?:top\s+)?\d{1,3}\s+(?:\w+\s+){0,3}"
    r"(?:reasons?|ways?|tips?|things?|tricks?|hacks?|ideas?|facts?|mistakes?|signs?|lessons?|tools?)\b",
    re.I,
)
FORMATS = ("json", "csv", "html")


def _page_entry(row: dict[str, Any], cluster_of: dict[str, int]) -> dict[str, Any]:
    audited = row["state"] == "done"
    return {
        "url": row["url"],
        "status": row["http_status"],
        "skipped": None if audited else (row["skip_reason"] or row["state"]),
        "title": row["title"],
        "section": section(row["url"]),
        "kind": row["kind"],
        "scores": row["scores"] if audited else None,
        "title_scores": row["title_scores"] if audited else None,
        "verdict": row["verdict"] if audited else None,
        "findings": row["findings"] or [] if audited else [],
        "title_findings": row["title_findings"] or [] if audited else [],
        "rules": row["rules"] or [] if audited else [],
        "word_count": row["word_count"],
        "date": row["date"],
        "author": row["author"],
        "depth": row["depth"],
        "source": row["source"],
        "final_url": row["final_url"],
        "content_sha256": row["content_sha256"],
        "cluster": cluster_of.get(row["url"]),
    }


def aggregation_reasons(page: dict[str, Any]) -> list[str]:
    """Why a page looks like a zero-insight aggregation/listicle page (empty: it does not)."""
    reasons = []
    s, ts = page["scores"] or {}, page["title_scores"] or {}
    if s.get("clickbait", 0) >= AGGREGATION_SCORE:
        reasons.append(f"clickbait {s['clickbait']:.0f} (body)")
    if ts.get("clickbait", 0) >= AGGREGATION_SCORE:
        reasons.append(f"clickbait {ts['clickbait']:.0f} (title)")
    if page["title"] and LISTICLE_TITLE.search(page["title"]):
        reasons.append("numbered-list title")
    return reasons


def _distribution(values: list[float]) -> dict[str, Any]:
    bins = [0] * 10
    for v in values:
        bins[min(9, max(0, int(v // 10)))] += 1
    if not values:
        return {"bins": bins, "count": 0, "mean": None, "median": None, "p10": None, "p90": None}
    qs = statistics.quantiles(values, n=10, method="inclusive") if len(values) > 1 else values * 9
    return {
        "bins": bins,
        "count": len(values),
        "mean": round(statistics.fmean(values), 1),
        "median": round(statistics.median(values), 1),
        "p10": round(qs[0], 1),
        "p90": round(qs[-1], 1),
    }


def _changes(store: CrawlStore, cid: str, pages: list[dict[str, Any]]) -> dict[str, Any] | None:
    prev = store.previous_done(cid)
    if prev is None:
        return None
    before = {
        r["url"]: r for r in store.iter_pages(prev["id"]) if r["state"] == "done" and r["scores"]
    }
    now = {p["url"]: p for p in pages if p["skipped"] is None}
    out: dict[str, Any] = {
        "previous_crawl": prev["id"],
        "previous_finished_at": prev["finished_at"],
        "new": sorted(set(now) - set(before)),
        "removed": sorted(set(before) - set(now)),
        "better": [],
        "worse": [],
        "changed_text": [],
    }
    for url in sorted(set(now) & set(before)):
        a, b = before[url]["scores"]["trust"], now[url]["scores"]["trust"]
        entry = {"url": url, "before": a, "after": b, "delta": round(b - a, 1)}
        if b - a >= CHANGE_DELTA:
            out["better"].append(entry)
        elif a - b >= CHANGE_DELTA:
            out["worse"].append(entry)
        if before[url]["content_sha256"] != now[url]["content_sha256"]:
            out["changed_text"].append(url)
    out["better"].sort(key=lambda e: -e["delta"])
    out["worse"].sort(key=lambda e: e["delta"])
    return out


def build_report(store: CrawlStore, cid: str, worst: int = 10) -> dict[str, Any]:
    crawl = store.crawl(cid)
    if crawl is None:
        raise KeyError(cid)
    clusters: list[list[str]] = crawl["clusters"] or []
    cluster_of = {u: i for i, c in enumerate(clusters) for u in c}
    pages = [_page_entry(r, cluster_of) for r in store.iter_pages(cid)]
    audited = [p for p in pages if p["skipped"] is None and p["scores"]]
    verdicts = {"send": 0, "review": 0, "rewrite": 0}
    for p in audited:
        verdicts[p["verdict"]] = verdicts.get(p["verdict"], 0) + 1
    skip_reasons: dict[str, int] = {}
    for p in pages:
        if p["skipped"] is not None:
            key = re.sub(r"https?://\S+", "URL", p["skipped"])[:80]
            skip_reasons[key] = skip_reasons.get(key, 0) + 1

    sections: dict[str, list[dict[str, Any]]] = {}
    for p in audited:
        sections.setdefault(p["section"], []).append(p)
    section_rows = []
    for name, ps in sorted(sections.items()):
        worst_page = min(ps, key=lambda p: p["scores"]["trust"])
        section_rows.append(
            {
                "section": name,
                "pages": len(ps),
                "mean": {k: round(statistics.fmean(p["scores"][k] for p in ps), 1) for k in SCORES},
                "verdicts": {v: sum(p["verdict"] == v for p in ps) for v in verdicts},
                "worst_url": worst_page["url"],
            }
        )

    aggregation = []
    for p in audited:
        reasons = aggregation_reasons(p)
        if reasons:
            aggregation.append({"url": p["url"], "title": p["title"], "reasons": reasons})

    worst_pages = [
        {
            "url": p["url"],
            "title": p["title"],
            "trust": p["scores"]["trust"],
            "verdict": p["verdict"],
            "findings": p["findings"],
        }
        for p in sorted(audited, key=lambda p: (p["scores"]["trust"], p["url"]))[:worst]
    ]
    counts = store.counts(cid)
    return {
        "schema_version": SCHEMA_VERSION,
        "crawl": {
            "id": cid,
            "root_url": crawl["root_url"],
            "state": crawl["state"],
            "created_at": crawl["created_at"],
            "finished_at": crawl["finished_at"],
            "options": {
                k: v for k, v in crawl["options"].items() if k not in ("lease", "processes")
            },
            "notes": crawl["notes"] or [],
            "error": crawl["error"],
        },
        "summary": {
            "pages": len(pages),
            "audited": len(audited),
            "skipped": counts["skipped"],
            "open": counts["queued"] + counts["claimed"],
            "verdicts": verdicts,
            "skip_reasons": dict(sorted(skip_reasons.items(), key=lambda kv: -kv[1])),
            "clusters": len(clusters),
            "pages_in_clusters": sum(len(c) for c in clusters),
            "aggregation_pages": len(aggregation),
        },
        "distributions": {k: _distribution([p["scores"][k] for p in audited]) for k in SCORES},
        "sections": section_rows,
        "worst_pages": worst_pages,
        "aggregation_pages": aggregation,
        "clusters": clusters,
        "changes": _changes(store, cid, pages),
        "pages": pages,
    }


# --- writers --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "url",
    "status",
    "skipped",
    "title",
    "section",
    "kind",
    "verdict",
    *SCORES,
    "title_clickbait",
    "word_count",
    "cluster",
    "rules",
    "top_finding",
)
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @: page titles must not."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def to_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in report["pages"]:
        s = p["scores"] or {}
        top = p["findings"][0] if p["findings"] else None
        w.writerow(
            _cell(v)
            for v in (
                p["url"],
                p["status"],
                p["skipped"],
                p["title"],
                p["section"],
                p["kind"],
                p["verdict"],
                *(s.get(k) for k in SCORES),
                (p["title_scores"] or {}).get("clickbait"),
                p["word_count"],
                p["cluster"],
                " ".join(p["rules"]),
                f"{top['rule']}: {top['message']}" if top else None,
            )
        )
    return buf.getvalue()


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1)


_SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var i = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.getAttribute('data-dir') !== 'asc';
    th.parentNode.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-dir'); });
    th.setAttribute('data-dir', asc ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    function key(r) {
      var c = r.cells[i], v = c.getAttribute('data-v');
      if (v === null) { v = c.textContent.trim(); }
      var n = parseFloat(v);
      return isNaN(n) ? v.toLowerCase() : n;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _template() -> Template:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates_site"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0f}"
    return env.get_template("report.html.j2")


def to_html(report: dict[str, Any]) -> str:
    """Self-contained page; all page content is autoescaped and a CSP allows only our script."""
    digest = base64.b64encode(hashlib.sha256(_SORT_SCRIPT.encode()).digest()).decode()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    return _template().render(
        r=report,
        scores=SCORES,
        higher_is_worse=HIGHER_IS_WORSE,
        script=_SORT_SCRIPT,
        csp=csp,
        max_bin=max([1, *report["distributions"]["trust"]["bins"]]),
    )


def write_report(
    report: dict[str, Any], out: Path, formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    writers = {"json": to_json, "csv": to_csv, "html": to_html}
    for fmt in formats:
        if fmt not in writers:
            raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
        path = out / f"report.{fmt}"
        path.write_text(writers[fmt](report), encoding="utf-8")
        written.append(path)
    return written
