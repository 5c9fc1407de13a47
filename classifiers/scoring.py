"""From findings to the five scores and the trust equation, keeping the codes behind every number.

Directions (DESIGN.md): self_orientation, lemming, clickbait — higher is worse;
value_add, trust — higher is better. All on 0..100.

The trust equation T = (C + R + I) / S uses C, R, I, S on 1..10. T then lies in [0.3, 30];
`trust` maps it to 0..100 on a log scale, so that 50 is T = 3 (C=R=I=S) and each doubling of
T moves the score by the same amount.

A driver's `contribution` is signed in its score's own direction (for a problem rating, positive
means more of the problem; for value_add, C, R, I and trust, positive means better).

Where a rating has a learned half, the rule score is blended with it — (1 − w) · rule + w · model,
w per rating chosen by `auditor train` on the train fold's cross-validation and capped below 1
so that the rule findings always move the score — and the blend is then calibrated
(`calibration`, from `classifiers/calibration.py`): mapped onto 100 · P(label ≥ 2) of our
labelling guide, so that 50 is the point where "2 or more" becomes the likelier label. Drivers
stay in rule-weight units *before* the saturation, the blend and the calibration: they never
summed to the 0..100 score, and the calibration does not change what they say, because every
map is non-decreasing — a withdrawal added never lowers a problem score, a deposit never lowers
value_add. The trust equation reads the calibrated scores, the ones the report shows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from classifiers.findings import Finding

PROBLEM_RATINGS = ("self_orientation", "lemming", "clickbait")
SCORE_NAMES = ("trust", "self_orientation", "value_add", "lemming", "clickbait")
T_MIN, T_MAX = 0.3, 30.0
# The learned half's weight in a rating's blend when no weight was chosen for it (clickbait).
DEFAULT_MODEL_WEIGHT = 0.5
# How strongly one rating feeds a trust-equation part besides its own findings.
_SPILL = {
    "credibility": {"lemming": -0.35, "value_add": 0.35},
    "intimacy": {"value_add": 0.15},
}


@dataclass(slots=True)
class Driver:
    rule: str
    count: int
    contribution: float

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "count": self.count, "contribution": round(self.contribution, 2)}


@dataclass
class Scores:
    scores: dict[str, float]
    drivers: dict[str, list[Driver]]
    trust_equation: dict[str, float]
    trust_drivers: dict[str, list[Driver]] = field(default_factory=dict)


def _length_factor(word_count: int) -> float:
    """Many findings in a long text weigh less than the same in a short one."""
    return max(1.0, word_count / 200.0) ** 0.5


def _contributions(findings: Iterable[Finding]) -> dict[str, tuple[int, float]]:
    """Per rule: occurrences and signed weight, with repeats of one rule counting less each time."""
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
        weights[f.rule] = f.weight if f.polarity == "withdrawal" else -f.weight
    return {r: (n, weights[r] * min(n, 4) ** 0.6) for r, n in counts.items()}


def _by_category(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """The findings of each category, in order: every rating reads one category's findings."""
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        out[f.category].append(f)
    return out


def _drivers(contrib: Mapping[str, tuple[int, float]], scale: float = 1.0) -> list[Driver]:
    ds = [Driver(r, n, c * scale) for r, (n, c) in contrib.items()]
    return sorted(ds, key=lambda d: -abs(d.contribution))


def _saturate(raw: float, k: float = 25.0) -> float:
    return 100.0 * (1.0 - math.exp(-max(raw, 0.0) / k))


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def score(
    findings: list[Finding],
    word_count: int,
    extra: Mapping[str, float] | None = None,
    calibration: Mapping[str, Callable[[float], float]] | None = None,
    weights: Mapping[str, float] | None = None,
) -> Scores:
    """Combine findings (and optional learned signals in `extra`, 0..100 per rating) into scores.

    Where `extra` has a rating, its score is the blend (1 − w) · rule + w · learned, with w the
    rating's model weight in `weights` (chosen by `auditor train`; DEFAULT_MODEL_WEIGHT, an even
    blend, for a rating without one). `calibration` then maps that blend onto the served score;
    a rating without a map keeps the blend.
    """
    lf = _length_factor(word_count)
    by_category = _by_category(findings)
    scores: dict[str, float] = {}
    drivers: dict[str, list[Driver]] = {}
    raw: dict[str, float] = {}
    for rating in PROBLEM_RATINGS:
        contrib = _contributions(by_category[rating])
        raw[rating] = sum(c for _, c in contrib.values()) / lf
        scores[rating] = _saturate(raw[rating])
        drivers[rating] = _drivers(contrib, 1 / lf)

    # value_add counts deposits as positive, so flip the signs the helper uses for problems.
    va = _contributions(by_category["value_add"])
    raw["value_add"] = -sum(c for _, c in va.values()) / lf
    scores["value_add"] = 100.0 / (1.0 + math.exp(-(raw["value_add"] - 8.0) / 7.0))
    drivers["value_add"] = _drivers({r: (n, -c) for r, (n, c) in va.items()}, 1 / lf)

    if extra:
        for rating, learned in extra.items():
            if rating in scores:
                w = weights.get(rating, DEFAULT_MODEL_WEIGHT) if weights else DEFAULT_MODEL_WEIGHT
                blended = (1.0 - w) * scores[rating] + w * learned
                curve = calibration.get(rating) if calibration else None
                scores[rating] = curve(blended) if curve is not None else blended

    parts: dict[str, float] = {}
    trust_drivers: dict[str, list[Driver]] = {}
    for part in ("credibility", "reliability", "intimacy"):
        contrib = _contributions(by_category[part])
        own = -sum(c for _, c in contrib.values()) / lf
        spill = sum(w * (scores[r] - 50.0) / 10.0 for r, w in _SPILL.get(part, {}).items())
        parts[part] = _clamp(5.5 + (own + spill) / 5.0, 1.0, 10.0)
        own_drivers = _drivers({r: (n, -c) for r, (n, c) in contrib.items()}, 1 / lf)
        # what a part takes from other ratings is explained by those ratings' rules, weighted
        spilled = [
            Driver(d.rule, d.count, w * d.contribution)
            for r, w in _SPILL.get(part, {}).items()
            for d in drivers[r]
        ]
        trust_drivers[part] = sorted(own_drivers + spilled, key=lambda d: -abs(d.contribution))
    so = scores["self_orientation"]
    parts["self_orientation"] = _clamp(2.0 + 8.0 * so / 100.0, 1.0, 10.0)
    trust_drivers["self_orientation"] = drivers["self_orientation"]
    t = (parts["credibility"] + parts["reliability"] + parts["intimacy"]) / parts[
        "self_orientation"
    ]
    scores["trust"] = 100.0 * math.log(t / T_MIN) / math.log(T_MAX / T_MIN)
    merged: dict[str, Driver] = {}
    for part, ds in trust_drivers.items():
        sign = -1.0 if part == "self_orientation" else 1.0  # S divides: more S, less trust
        for d in ds:
            if d.rule in merged:  # a rule can move two parts (value-add feeds C and I)
                merged[d.rule].contribution += sign * d.contribution
            else:
                merged[d.rule] = Driver(d.rule, d.count, sign * d.contribution)
    drivers["trust"] = sorted(merged.values(), key=lambda d: -abs(d.contribution))
    equation = {k: round(v, 2) for k, v in parts.items()}
    equation["T"] = round(t, 3)
    return Scores(
        scores={k: round(_clamp(scores[k], 0.0, 100.0), 1) for k in SCORE_NAMES},
        drivers=drivers,
        trust_equation=equation,
        trust_drivers=trust_drivers,
    )
