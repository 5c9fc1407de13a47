"""Serving the score calibration: the blended rule + model score mapped onto P(label ≥ 2).

`score()` blends each rating's rule score 50/50 with its learned score. That blend orders texts
well, but its 50 does not mean anything: on our corpus a self-orientation blend of 21 already
means "more likely than not labelled 2 or 3". `auditor train` fits, per rating, an isotonic
regression of (label ≥ 2) on the *out-of-fold* blend of the corpus's train fold and ships it
as `models/calibration.json`: knots (x = uncalibrated blend, y = 100 · P(label ≥ 2)), joined
by straight lines (see `classifiers.train.fit_calibration` for why the knots are the isotonic
blocks' centroids). Here it is applied in plain Python, like `np.interp`, because importing
numpy or scikit-learn on the serving path costs 0.25–2 s. A calibrated 50 therefore means
"even odds that our labelling guide (fixtures/labeled/GUIDE.md) rates it 2 or more".

Ratings without knots in the file are served uncalibrated (clickbait: docs/EVAL.md says why).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CALIBRATION_FILE = Path(__file__).parent / "models" / "calibration.json"
FORMAT = 1
RATINGS = ("self_orientation", "value_add", "lemming", "clickbait")  # those with a learned half


@dataclass(frozen=True)
class Curve:
    """A non-decreasing piecewise-linear map on 0..100, constant beyond its first and last knot
    (`np.interp` semantics, which are also `IsotonicRegression(out_of_bounds="clip")`'s)."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.x or len(self.x) != len(self.y):
            raise ValueError("a calibration curve needs as many x as y knots, at least one")
        if any(b <= a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("calibration knots must have strictly increasing x")
        if any(b < a for a, b in zip(self.y, self.y[1:], strict=False)):
            raise ValueError("a calibration curve must not decrease")

    def __call__(self, score: float) -> float:
        """The calibrated score for an uncalibrated blend (both 0..100)."""
        x, y = self.x, self.y
        if score <= x[0]:
            return y[0]
        if score >= x[-1]:
            return y[-1]
        i = bisect_right(x, score)
        x0, x1, y0 = x[i - 1], x[i], y[i - 1]
        return y0 + (y[i] - y0) * (score - x0) / (x1 - x0)


def curves_from(data: Mapping[str, Any]) -> dict[str, Curve]:
    """The per-rating curves of a loaded calibration file."""
    if data.get("format") != FORMAT:
        raise ValueError(f"calibration format {data.get('format')!r}; this code reads {FORMAT}")
    return {
        rating: Curve(tuple(map(float, c["x"])), tuple(map(float, c["y"])))
        for rating, c in data.get("ratings", {}).items()
    }


def load(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    """The calibration file's contents (knots and metadata)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@cache
def curves() -> dict[str, Curve]:
    """The shipped curves, loaded once; empty when no calibration has been trained."""
    try:
        return curves_from(load())
    except FileNotFoundError:
        return {}


def version() -> str | None:
    """The shipped calibration's version for the report, or None."""
    try:
        return str(load().get("version", "?"))
    except FileNotFoundError:
        return None
