"""`audit()`: the one entry point. The CLI, the service, the extension and crawls all call it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any

from auditor.config import Config
from auditor.corpus import resolve_corpus
from auditor.ingest import InputError, html_to_text, validate_text
from auditor.report import Report
from classifiers import readability
from classifiers.clickbait import infer_first_contact
from classifiers.findings import Finding
from classifiers.rules import Context, Rule, load_rules, run_rules
from classifiers.scoring import score
from classifiers.text import KINDS, Doc

ENGINE_VERSION = "0.1.0"

# Optional hooks other parts register (learned models, the sameness index), so that the
# engine never imports them eagerly: each returns extra findings and/or learned scores.
Enricher = Callable[
    [Doc, Doc | None, Context, dict[str, Any]], tuple[list[Finding], dict[str, float]]
]
ENRICHERS: list[Enricher] = []
MODEL_VERSIONS: dict[str, str] = {}
# Per rating, the map from the blended rule + learned score to the served one; registered with
# the learned models (auditor/learned.py), applied by `score()` only where a model took part.
CALIBRATION: dict[str, Callable[[float], float]] = {}
# Per rating, the learned half's weight in that blend (classifiers/scoring.py; 0.5 without one).
BLEND_WEIGHTS: dict[str, float] = {}


def _active_rules(config: Config, kind: str | None = None) -> tuple[Rule, ...]:
    """The rules a configuration turns on (for one kind, when given), worked out once."""
    return _rules_for(tuple(config.select), tuple(config.ignore), kind)


@cache
def _rules_for(
    select: tuple[str, ...], ignore: tuple[str, ...], kind: str | None
) -> tuple[Rule, ...]:
    config = Config(select=list(select), ignore=list(ignore))
    return tuple(
        r for r in load_rules() if config.enabled(r.code) and (kind is None or kind in r.kinds)
    )


def audit(
    text: str | bytes,
    kind: str = "email",
    *,
    subject: str | None = None,
    html: bool = False,
    config: Config | None = None,
    first_contact: bool | None = None,
    corpus: Any = None,
) -> Report:
    """Rate one text. Raises `InputError` (a ValueError) for input it will not rate."""
    config = config or Config()
    if kind not in KINDS:
        raise InputError("invalid_kind", f"kind must be one of {', '.join(KINDS)}")
    text = validate_text(text, config.max_chars)
    if html:
        text = html_to_text(text)
        if not text.strip():
            raise InputError("empty_text", "the HTML has no visible text")
    if subject is not None:
        subject = validate_text(subject, 2_000) if subject.strip() else None
    if kind == "headline":
        subject = None

    if first_contact is None:
        # A "Re:" alone does not make a reply: a fake one on a cold email is a clickbait trick
        # (CB106). Thread text or a self-introduction in the body decides; see the docstring.
        first_contact = infer_first_contact(subject, text)
    ctx = Context(
        kind=kind,
        subject=subject,
        first_contact=first_contact,
        max_words=int(config.threshold(kind, "max_words")),
        banned=config.banned_phrases,
        preferred=config.preferred_terms,
        corpus=resolve_corpus(corpus) if corpus is not None else None,
    )
    rules = _active_rules(config, kind)

    body = Doc(text, kind)
    findings = run_rules(body, rules, ctx)
    subject_doc = Doc(subject, kind, field="subject") if subject else None
    if subject_doc is not None:
        findings.extend(run_rules(subject_doc, rules, ctx))

    learned: dict[str, float] = {}
    for enrich in ENRICHERS:
        extra_findings, extra_scores = enrich(body, subject_doc, ctx, {"config": config})
        findings.extend(f for f in extra_findings if config.enabled(f.rule))
        learned.update(extra_scores)

    findings.sort(key=lambda f: (f.field != "subject", f.start is not None, f.start or 0, f.rule))
    words = body.word_count + (subject_doc.word_count if subject_doc else 0)
    result = score(findings, words, learned, CALIBRATION, BLEND_WEIGHTS)
    verdict, reasons = _verdict(result.scores["trust"], findings, kind, config)
    return Report(
        kind=kind,
        verdict=verdict,
        verdict_reasons=reasons,
        scores=result.scores,
        drivers=result.drivers,
        trust_equation=result.trust_equation,
        trust_drivers=result.trust_drivers,
        readability=readability.figures(body),
        word_count=words,
        findings=findings,
        versions={
            "engine": ENGINE_VERSION,
            "rules": str(len(_active_rules(config))),
            **MODEL_VERSIONS,
        },
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        subject=subject,
        text_was_extracted=html,
    )


def _verdict(
    trust: float, findings: list[Finding], kind: str, config: Config
) -> tuple[str, list[str]]:
    withdrawals = [f for f in findings if f.polarity == "withdrawal"]
    errors = sorted({f.rule for f in withdrawals if f.severity == "error"})
    warnings = sorted({f.rule for f in withdrawals if f.severity == "warning"})
    rewrite_below = config.threshold(kind, "rewrite_below")
    review_below = config.threshold(kind, "review_below")
    if trust < rewrite_below or errors:
        reasons = (
            [f"trust {trust:.0f} is below {rewrite_below:.0f}"] if trust < rewrite_below else []
        )
        reasons += [f"{code} is an error" for code in errors]
        return "rewrite", reasons
    if trust < review_below or warnings:
        reasons = [f"trust {trust:.0f} is below {review_below:.0f}"] if trust < review_below else []
        reasons += [f"{code} is a warning" for code in warnings]
        return "review", reasons
    return "send", [f"trust {trust:.0f}; no warnings"]
