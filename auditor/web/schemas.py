"""Request and response models. The same pydantic models validate requests and generate
`/api/v1/openapi.json` (see `openapi.py`), so the document cannot drift from the checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
