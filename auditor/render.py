"""Renderers for a Report: text for people, JSON for programs, SARIF for code-review tools."""

from __future__ import annotations

import json
from typing import Any, cast

from auditor.report import Report
from classifiers.rules import rules_by_code

_LEVEL = {"error": "error", "warning": "warning", "suggestion": "note", "info": "note"}


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of an offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _where(report: Report, f: Any) -> str:
    if f.start is None:
        return "-"
    if f.field == "subject":
        return f"subject:{f.start + 1}"
    line, col = line_col(report.text, f.start)
    return f"{line}:{col}"


def _fix_text(report: Report, f: Any) -> str | None:
    s = f.suggestion
    if s is None:
        return None
    if not s.edits:
        return f"advice: {s.title}"
    src = report.subject if f.field == "subject" else report.text
    e = s.edits[0]
    old = (src or "")[e.start : e.end].strip()
    if e.replacement:
        return f"fix: {s.title}: “{_clip(old)}” → “{e.replacement}”"
    return f"fix: {s.title}: delete “{_clip(old)}”"


def _clip(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def to_text(report: Report, name: str = "<stdin>", color: bool = False) -> str:
    lines = []
    for f in report.findings:
        if f.polarity != "withdrawal":
            continue
        lines.append(f"{name}:{_where(report, f)}: {f.rule} [{f.severity}] {f.message}")
        fix = _fix_text(report, f)
        if fix:
            lines.append(f"    {fix}")
    deposits = [f for f in report.findings if f.polarity == "deposit"]
    if deposits:
        lines.append(
            f"{name}: trust deposits: "
            + ", ".join(f"{f.rule} {f.name} ({_where(report, f)})" for f in deposits[:8])
            + (" …" if len(deposits) > 8 else "")
        )
    lines.append(f"{name}: scores ({report.kind}, {report.word_count} words):")
    for key, value in report.scores.items():
        codes = [d.rule for d in report.drivers.get(key, [])][:6]
        direction = "higher is better" if key in ("trust", "value_add") else "higher is worse"
        lines.append(
            f"    {key:<17}{value:5.1f}  ({direction})  {'driven by ' + ', '.join(codes) if codes else 'no findings'}"
        )
    te = report.trust_equation
    lines.append(
        f"    T = (C {te['credibility']} + R {te['reliability']} + I {te['intimacy']}) / S {te['self_orientation']} = {te['T']}"
    )
    r = report.readability
    lines.append(
        f"    readability: Flesch {r['flesch_reading_ease']}, grade {r['flesch_kincaid_grade']}, "
        f"{r['avg_sentence_words']} words/sentence"
    )
    lines.append(f"{name}: verdict: {report.verdict.upper()} — {'; '.join(report.verdict_reasons)}")
    return "\n".join(lines)


def to_json(reports: list[tuple[str, Report]]) -> str:
    if len(reports) == 1:
        return json.dumps(reports[0][1].to_dict(), ensure_ascii=False, indent=2)
    return json.dumps(
        [{"file": n, **r.to_dict()} for n, r in reports], ensure_ascii=False, indent=2
    )


def to_sarif(reports: list[tuple[str, Report]]) -> str:
    rules = rules_by_code()
    used = sorted({f.rule for _, r in reports for f in r.withdrawals})
    results = []
    for name, report in reports:
        for f in report.withdrawals:
            result: dict[str, Any] = {
                "ruleId": f.rule,
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
                "properties": {"category": f.category, "field": f.field},
            }
            if f.start is not None and f.field == "body":
                end = cast(int, f.end)  # a finding with a start has an end
                sl, sc = line_col(report.text, f.start)
                el, ec = line_col(report.text, end)
                result["locations"] = [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": name},
                            "region": {
                                "startLine": sl,
                                "startColumn": sc,
                                "endLine": el,
                                "endColumn": ec,
                                "charOffset": f.start,
                                "charLength": end - f.start,
                            },
                        }
                    }
                ]
            else:
                result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": name}}}]
            if f.suggestion and f.suggestion.edits and f.field == "body":
                result["fixes"] = [
                    {
                        "description": {"text": f.suggestion.title},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": name},
                                "replacements": [
                                    {
                                        "deletedRegion": {
                                            "charOffset": e.start,
                                            "charLength": e.end - e.start,
                                        },
                                        "insertedContent": {"text": e.replacement},
                                    }
                                    for e in f.suggestion.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(result)
    driver_rules = []
    for code in used:
        rule = rules.get(code)
        driver_rules.append(
            {
                "id": code,
                "name": rule.name if rule else code,
                "shortDescription": {"text": rule.message if rule else code},
                "fullDescription": {"text": rule.rationale if rule else code},
                "defaultConfiguration": {"level": _LEVEL[rule.severity] if rule else "warning"},
            }
        )
    from auditor.engine import ENGINE_VERSION

    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "trust-auditor",
                        "version": ENGINE_VERSION,
                        "rules": driver_rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)
