"""Serving the score calibration: the blended rule + model score mapped onto P(label ≥ 2).

`score()` blends each rating's rule score with its learned score, (1 − w) · rule + w · model.
`auditor train` chooses w per rating from 0.0, 0.1, …, 0.9 by cross-validation on the *out-of-
fold* rule and model halves of the corpus's train fold (the AUC of label ≥ 2; never 1.0, so the
rule findings always move the score) and ships it as the rating's `model_weight`. The blend
orders texts well, but its 50 does not mean anything: on our corpus an even self-orientation
blend of 21 already meant "more likely than not labelled 2 or 3". So `auditor train` also fits,
per rating, an isotonic regression of (label ≥ 2) on the out-of-fold blend at the chosen weight
and ships it in `models/calibration.json`: knots (x = uncalibrated blend, y = 100 · P(label ≥ 2)), joined
by straight lines (see `classifiers.train.fit_calibration` for why the knots are the isotonic
blocks' centroids). Here it is applied in plain Python, like `np.interp`, because importing
numpy or scikit-learn on the serving path costs 0.25–2 s. A calibrated 50 therefore means
"even odds that our labelling guide (fixtures/labeled/GUIDE.md) rates it 2 or more".

Ratings without knots in the file are served uncalibrated, and ratings without a weight keep
the even blend (clickbait: docs/EVAL.md says why). Format 1 files (before weights were chosen)
still load: their ratings get the even blend they were fitted on.
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
FORMAT = 2  # 2: each calibrated rating carries its `model_weight`
READABLE_FORMATS = (1, 2)  # 1: no weights, fitted on the even blend
EVEN_WEIGHT = 0.5  # a rating's model weight when the file gives none (scoring's default)
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
    _check_format(data)
    return {
        rating: Curve(tuple(map(float, c["x"])), tuple(map(float, c["y"])))
        for rating, c in data.get("ratings", {}).items()
    }


def weights_from(data: Mapping[str, Any]) -> dict[str, float]:
    """The per-rating model weights of a loaded calibration file: each calibrated rating's
    `model_weight`, or the even blend its curve was fitted on (format 1, or none recorded)."""
    _check_format(data)
    out = {}
    for rating, c in data.get("ratings", {}).items():
        w = float(c.get("model_weight", EVEN_WEIGHT))
        if not 0.0 <= w < 1.0:
            raise ValueError(f"{rating}: model weight {w} outside [0, 1): the rules must count")
        out[rating] = w
    return out


def _check_format(data: Mapping[str, Any]) -> None:
    if data.get("format") not in READABLE_FORMATS:
        raise ValueError(
            f"calibration format {data.get('format')!r}; this code reads {READABLE_FORMATS}"
        )


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


@cache
def weights() -> dict[str, float]:
    """The shipped model weights per calibrated rating, loaded once; empty when no calibration
    has been trained (every rating then keeps the even blend)."""
    try:
        return weights_from(load())
    except FileNotFoundError:
        return {}


def version() -> str | None:
    """The shipped calibration's version for the report, or None."""
    try:
        return str(load().get("version", "?"))
    except FileNotFoundError:
        return None
