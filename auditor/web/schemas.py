"""Request and response models. The same pydantic models validate requests and generate
`/api/v1/openapi.json` (see `openapi.py`), so the document cannot drift from the checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, field_validator

Kind = Literal["email", "social", "blog", "page", "headline"]
OffsetEncoding = Literal["codepoint", "utf-16"]
Severity = Literal["info", "suggestion", "warning", "error"]
Verdict = Literal["send", "review", "rewrite"]


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AuditRequest(_Strict):
    """One draft to audit."""

    text: str = Field(description="The draft (plain text, or HTML with `html: true`).")
    kind: Kind = "email"
    subject: str | None = Field(None, description="An email's subject line.")
    html: bool = Field(False, description="Extract the visible text from HTML first.")
    offset_encoding: OffsetEncoding = Field(
        "codepoint", description="`utf-16` for browsers: every offset counts UTF-16 code units."
    )
    record: bool = Field(
        True,
        description="Keep this audit's scores in the caller's history (the text only if "
        "the caller's token opted in). Editors auditing as you type send false.",
    )


class CrawlRequest(_Strict):
    """A site to crawl and audit."""

    # `max_pages` has no upper bound here: `crawl_request_model` adds the service's cap.

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="Start URL (http or https). The crawl stays on its site and port; "
        "a URL that is not one is refused with 422 `invalid_url`.",
        examples=["https://example.com/"],
        json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]"},
    )
    max_pages: int = Field(200, ge=1, description="URLs the crawl lists at most.")
    concurrency: int = Field(4, ge=1, le=32, description="Pages fetched at once.")
    delay: float = Field(0.0, ge=0, le=60, description="Seconds between requests to a host.")
    include: list[str] = Field(
        default_factory=list, max_length=20, description="Regexes a URL must match."
    )
    exclude: list[str] = Field(
        default_factory=list, max_length=20, description="Regexes that leave a URL out."
    )
    allow_private: bool = Field(
        False,
        description="Allow loopback, private and link-local addresses: refused with 403 "
        "unless the service allows it (`CRAWL_ALLOW_PRIVATE`).",
    )
    sitemaps: bool = Field(True, description="Read robots.txt's sitemaps (or /sitemap.xml).")
    store_text: bool = Field(False, description="Keep the pages' main text after the crawl.")
    timeout: float = Field(10.0, gt=0, le=60, description="Seconds per page.")


@cache
def crawl_request_model(max_pages: int) -> type[BaseModel]:
    """The crawl body, bounded by the service's `CRAWL_MAX_PAGES` (one class per bound)."""
    return create_model(
        "CrawlRequest",
        __base__=CrawlRequest,
        __doc__=CrawlRequest.__doc__,
        max_pages=(
            int,
            Field(min(200, max_pages), ge=1, le=max_pages, description="URLs listed at most."),
        ),
    )


class CrawlPath(BaseModel):
    """Path parameters of the crawl routes."""

    cid: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="A crawl id, as `POST /api/v1/crawls` gave it."
    )


def batch_request_model(max_items: int) -> type[BaseModel]:
    """The batch body, bounded by the configured `BATCH_MAX`."""
    return create_model(
        "BatchRequest",
        __base__=_Strict,
        items=(list[AuditRequest], Field(min_length=1, max_length=max_items)),
    )


class HistoryQuery(BaseModel):
    """Query string of `GET /api/v1/history` (strings converted, so not strict)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    since: AwareDatetime | None = Field(
        None, description="RFC 3339 date-time with offset; only audits at or after it."
    )
    before: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Page on: only audits with a lower id."
    )
    limit: int = Field(100, ge=1, le=500)

    @field_validator("since", mode="before")
    @classmethod
    def _rfc3339(cls, value: Any) -> Any:
        # pydantic would also take "0.5" (a Unix time) or a bare date; the schema says RFC 3339.
        if isinstance(value, str) and not _RFC3339.match(value):
            raise ValueError("must be an RFC 3339 date-time such as 2026-01-31T09:00:00Z")
        return value

    @field_validator("since")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        # 0001-01-01T00:00:00+14:00 parses, but has no UTC equivalent a database can hold
        if value is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise ValueError("date-time is out of range") from None
        return value


# --- responses ----------------------------------------------------------------------------


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable.")
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class EditModel(BaseModel):
    start: int
    end: int
    replacement: str


class SuggestionModel(BaseModel):
    title: str
    edits: list[EditModel]
    safe: bool


class FindingModel(BaseModel):
    rule: str
    name: str
    category: str
    severity: Severity
    polarity: Literal["withdrawal", "deposit"]
    message: str
    field: Literal["body", "subject"]
    start: int | None
    end: int | None
    text: str | None
    suggestion: SuggestionModel | None
    extra: dict[str, Any] | None = None


class DriverModel(BaseModel):
    rule: str
    count: int
    contribution: float


class ScoresModel(BaseModel):
    trust: float
    self_orientation: float
    value_add: float
    lemming: float
    clickbait: float


class TrustEquationModel(BaseModel):
    credibility: float
    reliability: float
    intimacy: float
    self_orientation: float
    T: float
    drivers: dict[str, list[DriverModel]]


class ReportModel(BaseModel):
    """Exactly `Report.to_dict()`."""

    schema_version: str
    kind: Kind
    verdict: Verdict
    verdict_reasons: list[str]
    scores: ScoresModel
    drivers: dict[str, list[DriverModel]]
    trust_equation: TrustEquationModel
    readability: dict[str, float | int]
    word_count: int
    findings: list[FindingModel]
    offset_encoding: OffsetEncoding
    versions: dict[str, str]
    text_sha256: str
    audited_text: str | None = Field(
        None, description="With `html: true`: the extracted text the offsets point into."
    )


class BatchResponse(BaseModel):
    results: list[ReportModel | ErrorResponse] = Field(
        description="One per item, in order: a report, or that item's error."
    )


class RuleFix(BaseModel):
    title: str
    action: str
    safe: bool


class RuleExamples(BaseModel):
    fire: list[str]
    pass_: list[str] = Field(alias="pass")


class RuleModel(BaseModel):
    code: str
    name: str
    category: str
    severity: Severity
    polarity: Literal["withdrawal", "deposit"]
    message: str
    rationale: str
    fix: RuleFix
    kinds: list[Kind]
    examples: RuleExamples


class RulesResponse(BaseModel):
    rules: list[RuleModel]


class HistoryItem(BaseModel):
    id: int
    created_at: datetime
    kind: Kind
    verdict: Verdict
    scores: ScoresModel
    word_count: int
    rules: list[str]
    text_sha256: str
    text: str | None = Field(None, description="Only when the caller opted in to storing text.")
    subject: str | None = None


class HistoryResponse(BaseModel):
    items: list[HistoryItem] = Field(description="Newest first.")
    next_before: int | None = Field(description="Pass as `before` for the next page.")


class DeleteResponse(BaseModel):
    deleted: int = Field(description="Audits removed.")


class HealthResponse(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    versions: dict[str, str]


# --- crawls -------------------------------------------------------------------------------


class _Closed(BaseModel):
    """Crawl responses list every key they send (`additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid")


CrawlState = Literal["pending", "seeding", "running", "finishing", "done", "failed", "cancelled"]


class CrawlProgress(_Closed):
    audited: int
    skipped: int = Field(description="Listed with a reason instead of a score.")
    queued: int
    in_progress: int
    total: int
    fraction: float = Field(description="Share of the listed URLs that are finished, 0..1.")


class CrawlLinks(_Closed):
    self_: str = Field(alias="self")
    report: str
    csv: str
    html: str
    cancel: str


class CrawlStatus(_Closed):
    """A crawl's state and progress."""

    id: str
    url: str
    state: CrawlState
    created_at: float = Field(description="Unix time.")
    finished_at: float | None
    progress: CrawlProgress
    notes: list[str]
    error: str | None
    links: CrawlLinks


class PageFinding(_Closed):
    rule: str
    name: str
    severity: Severity
    message: str
    text: str | None


class SitePage(_Closed):
    url: str
    status: int | None = Field(description="HTTP status, or null if nothing was fetched.")
    skipped: str | None = Field(description="Why the page has no scores; null when audited.")
    title: str | None
    section: str
    kind: Kind | None
    scores: ScoresModel | None
    title_scores: ScoresModel | None
    verdict: Verdict | None
    findings: list[PageFinding]
    title_findings: list[PageFinding]
    rules: list[str]
    word_count: int | None
    date: str | None
    author: str | None
    depth: int
    source: str
    final_url: str | None
    content_sha256: str | None
    cluster: int | None = Field(description="Index into `clusters`.")


class SiteCrawlInfo(_Closed):
    id: str
    root_url: str
    state: CrawlState
    created_at: float
    finished_at: float | None
    options: dict[str, Any]
    notes: list[str]
    error: str | None


class SiteSummary(_Closed):
    pages: int
    audited: int
    skipped: int
    open: int
    verdicts: dict[str, int]
    skip_reasons: dict[str, int]
    clusters: int
    pages_in_clusters: int
    aggregation_pages: int


class ScoreDistribution(_Closed):
    bins: list[int] = Field(description="Ten bins: 0-10, 10-20, ... 90-100.")
    count: int
    mean: float | None
    median: float | None
    p10: float | None
    p90: float | None


class SiteSection(_Closed):
    section: str
    pages: int
    mean: dict[str, float]
    verdicts: dict[str, int]
    worst_url: str


class WorstPage(_Closed):
    url: str
    title: str | None
    trust: float
    verdict: Verdict
    findings: list[PageFinding]


class AggregationPage(_Closed):
    url: str
    title: str | None
    reasons: list[str]


class TrustChange(_Closed):
    url: str
    before: float
    after: float
    delta: float


class SiteChanges(_Closed):
    previous_crawl: str
    previous_finished_at: float | None
    new: list[str]
    removed: list[str]
    better: list[TrustChange]
    worse: list[TrustChange]
    changed_text: list[str]


class SiteReport(_Closed):
    """report.json (contract: `auditor/site_report.py`)."""

    schema_version: str
    crawl: SiteCrawlInfo
    summary: SiteSummary
    distributions: dict[str, ScoreDistribution]
    sections: list[SiteSection]
    worst_pages: list[WorstPage]
    aggregation_pages: list[AggregationPage]
    clusters: list[list[str]] = Field(description="Near-duplicate groups of URLs.")
    changes: SiteChanges | None = Field(description="Against the site's previous finished crawl.")
    pages: list[SitePage] = Field(description="Every URL the crawl listed, audited or not.")
