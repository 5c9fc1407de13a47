"""Plugs the learned models into `audit()` through the engine's enricher hook.

Imported by `auditor/__init__.py`; costs next to nothing until the first audit, when the
exported models load (plain Python, no scikit-learn). Findings come from the detectors declared
in `classifiers/rules/learned.toml`; this hook only hands the learned 0..100 scores to
`score()`. Importing it also registers the calibration of the blended scores
(`classifiers/models/calibration.json`: per rating the model weight of the blend and a few
dozen knots) with the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from auditor.engine import BLEND_WEIGHTS, CALIBRATION, ENRICHERS, MODEL_VERSIONS
from classifiers import calibration, learned
from classifiers.findings import Finding
from classifiers.rules import Context
from classifiers.text import Doc


def enrich(
    body: Doc, subject: Doc | None, ctx: Context, extras: dict[str, Any]
) -> tuple[list[Finding], dict[str, float]]:
    scores = learned.learned_scores(body, subject, ctx.kind)
    if scores and not any(k.startswith("model.") for k in MODEL_VERSIONS):
        MODEL_VERSIONS.update(learned.versions())
        cal = calibration.version()
        if cal is not None:
            MODEL_VERSIONS["model.calibration"] = cal
    return [], scores


@contextmanager
def uncalibrated(record: dict[str, float] | None = None) -> Iterator[None]:
    """Within it, `audit()` serves the uncalibrated blends, and `record` (if given) receives
    each blended rating's value: what `auditor train` fits the calibration on and what
    `auditor eval` reports as the "before". Not thread-safe: for training and evaluation."""
    saved = dict(CALIBRATION)
    CALIBRATION.clear()
    if record is not None:
        for rating in calibration.RATINGS:
            CALIBRATION[rating] = _recorder(record, rating)
    try:
        yield
    finally:
        CALIBRATION.clear()
        CALIBRATION.update(saved)


def _recorder(record: dict[str, float], rating: str) -> Callable[[float], float]:
    def keep(blended: float) -> float:
        record[rating] = blended
        return blended

    return keep


@contextmanager
def blend_weights(weights: Mapping[str, float]) -> Iterator[None]:
    """Within it, `audit()` blends with `weights` (model weight per rating; the rest 0.5)
    instead of the shipped ones. Not thread-safe: for training and evaluation."""
    saved = dict(BLEND_WEIGHTS)
    BLEND_WEIGHTS.clear()
    BLEND_WEIGHTS.update(weights)
    try:
        yield
    finally:
        BLEND_WEIGHTS.clear()
        BLEND_WEIGHTS.update(saved)


def blended_scores(row: Mapping[str, Any], models: Mapping[str, Any]) -> dict[str, float]:
    """The uncalibrated blend `audit()` gives a corpus row (at the shipped weights), per rating
    that has a learned half, with `models` (LinearModels by name, e.g. fitted without the row's
    fold) standing in for the shipped ones. It lives here because `classifiers` never imports
    the engine."""
    from auditor.engine import audit

    seen: dict[str, float] = {}
    with learned.stand_in(models), uncalibrated(seen):
        audit(row["text"], row.get("kind", "email"), subject=row.get("subject"))
    return seen


def blend_halves(
    row: Mapping[str, Any], models: Mapping[str, Any]
) -> dict[str, tuple[float, float]]:
    """Per rating that has a learned half, the (rule, model) halves `audit()` blends for a
    corpus row, with `models` standing in as in `blended_scores`: the blend at model weight 0
    is exactly the rule half, at 1 exactly the model half. `classifiers.train.train_calibration`
    chooses each rating's weight and fits its calibration on them."""
    rule: dict[str, float] = {}
    model: dict[str, float] = {}
    for w, seen in ((0.0, rule), (1.0, model)):
        with blend_weights(dict.fromkeys(calibration.RATINGS, w)):
            seen.update(blended_scores(row, models))
    return {r: (rule[r], model[r]) for r in rule}


CALIBRATION.update(calibration.curves())
BLEND_WEIGHTS.update(calibration.weights())
if enrich not in ENRICHERS:
    ENRICHERS.append(enrich)
