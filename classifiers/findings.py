"""The one data model for a finding, shared by the engine, CLI, API, extension and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

SEVERITIES = ("info", "suggestion", "warning", "error")
# The four ratings the customer asked for, the trust-equation parts they feed, and readability.
CATEGORIES = (
    "self_orientation",
    "value_add",
    "lemming",
    "clickbait",
    "credibility",
    "reliability",
    "intimacy",
    "readability",
)
FIELDS = ("body", "subject")


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "replacement": self.replacement}


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with the edits made. Edits from several findings may be combined; overlapping
    ones are refused, since applying both would garble the text."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            raise ValueError(f"edits overlap: {a.start}-{a.end} and {b.start}-{b.end}")
    for e in reversed(ordered):
        if not 0 <= e.start <= e.end <= len(text):
            raise ValueError(f"edit {e.start}-{e.end} is outside the text")
        text = text[: e.start] + e.replacement + text[e.end :]
    return text


@dataclass(frozen=True, slots=True)
class Suggestion:
    title: str
    edits: tuple[Edit, ...] = ()
    safe: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "edits": [e.to_dict() for e in self.edits], "safe": self.safe}


@dataclass(slots=True)
class Finding:
    """A trust withdrawal (or, with polarity "deposit", a trust-building signal) in the text.

    Deposits are findings too, so that every score can point at the spans that raised it.
    """

    rule: str
    name: str
    category: str
    severity: str
    message: str
    start: int | None = None
    end: int | None = None
    text: str | None = None
    suggestion: Suggestion | None = None
    polarity: str = "withdrawal"
    field: str = "body"
    weight: float = 0.0
    extra: dict[str, Any] = dc_field(default_factory=dict)

    @property
    def is_document_level(self) -> bool:
        return self.start is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "name": self.name,
            "category": self.category,
            "severity": self.severity,
            "polarity": self.polarity,
            "message": self.message,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
        }
        if self.extra:
            d["extra"] = self.extra
        return d
