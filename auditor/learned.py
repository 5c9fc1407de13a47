"""Plugs the learned models into `audit()` through the engine's enricher hook.

Imported by `auditor/__init__.py`; costs nothing until the first audit, when the exported
models load (plain Python, no scikit-learn). Findings come from the detectors declared in
`classifiers/rules/learned.toml`; this hook only hands the learned 0..100 scores to `score()`.
"""

from __future__ import annotations

from typing import Any

from auditor.engine import ENRICHERS, MODEL_VERSIONS
from classifiers import learned
from classifiers.findings import Finding
from classifiers.rules import Context
from classifiers.text import Doc


def enrich(
    body: Doc, subject: Doc | None, ctx: Context, extras: dict[str, Any]
) -> tuple[list[Finding], dict[str, float]]:
    scores = learned.learned_scores(body, subject, ctx.kind)
    if scores and not any(k.startswith("model.") for k in MODEL_VERSIONS):
        MODEL_VERSIONS.update(learned.versions())
    return [], scores


if enrich not in ENRICHERS:
    ENRICHERS.append(enrich)
