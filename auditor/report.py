"""The `Report` every client renders: the API returns exactly `Report.to_dict()`."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from classifiers.findings import Finding
from classifiers.scoring import Driver

OFFSET_ENCODINGS = ("codepoint", "utf-16")
SCHEMA_VERSION = "1"


def _astral_positions(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]


def to_utf16(text: str, offset: int) -> int:
    """Code-point offset -> UTF-16 code-unit offset (browsers count the latter)."""
    if text.isascii():
        return offset
    return offset + bisect.bisect_left(_astral_positions(text), offset)


def from_utf16(text: str, offset: int) -> int:
    if text.isascii():
        return offset
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


@dataclass
class Report:
    kind: str
    verdict: str
    verdict_reasons: list[str]
    scores: dict[str, float]
    drivers: dict[str, list[Driver]]
    trust_equation: dict[str, float]
    trust_drivers: dict[str, list[Driver]]
    readability: dict[str, float | int]
    word_count: int
    findings: list[Finding]
    versions: dict[str, str]
    text_sha256: str
    text: str = field(repr=False, default="")
    subject: str | None = field(repr=False, default=None)
    text_was_extracted: bool = False

    @property
    def withdrawals(self) -> list[Finding]:
        return [f for f in self.findings if f.polarity == "withdrawal"]

    def to_dict(self, offset_encoding: str = "codepoint") -> dict[str, Any]:
        if offset_encoding not in OFFSET_ENCODINGS:
            raise ValueError(f"offset_encoding must be one of {OFFSET_ENCODINGS}")
        findings = [f.to_dict() for f in self.findings]
        if offset_encoding == "utf-16":
            for d in findings:
                src = self.subject if d["field"] == "subject" else self.text
                _convert(d, src or "")
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "verdict": self.verdict,
            "verdict_reasons": self.verdict_reasons,
            "scores": self.scores,
            "drivers": {k: [d.to_dict() for d in v] for k, v in self.drivers.items()},
            "trust_equation": {
                **self.trust_equation,
                "drivers": {k: [d.to_dict() for d in v] for k, v in self.trust_drivers.items()},
            },
            "readability": self.readability,
            "word_count": self.word_count,
            "findings": findings,
            "offset_encoding": offset_encoding,
            "versions": self.versions,
            "text_sha256": self.text_sha256,
        }
        if self.text_was_extracted:
            out["audited_text"] = self.text  # offsets point into this, not into the HTML sent
        return out


def _convert(d: dict[str, Any], text: str) -> None:
    if d["start"] is not None:
        d["start"], d["end"] = to_utf16(text, d["start"]), to_utf16(text, d["end"])
    if d["suggestion"]:
        for e in d["suggestion"]["edits"]:
            e["start"], e["end"] = to_utf16(text, e["start"]), to_utf16(text, e["end"])
