"""Training the learned models: scikit-learn Pipelines, saved with skops, exported for serving.

Pure: data comes from paths passed in (`auditor train --data ../shared/data`), never from the
repo. Every step is deterministic (fixed seeds, deterministic solvers), so retraining rebuilds
the shipped files. Imports scikit-learn and numpy: never import this module on a serving path.
"""

from __future__ import annotations

import gzip
import json
import platform
import sys
import zipfile
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from classifiers import calibration
from classifiers.learned import BODY_RATINGS, MODEL_DIR, LinearModel, body_input, lexical_features
from classifiers.learned import headline_features as headline_shape

if TYPE_CHECKING:
    import numpy.typing as npt

SEED = 0
MODEL_VERSION = "2025.1"
RATINGS = ("self_orientation", "value_add", "lemming", "clickbait")


# --- data -----------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def dev_rows(data_dir: Path, name: str) -> list[dict[str, Any]]:
    """The development split of one shared data set (`<data>/<name>/dev.jsonl.gz`)."""
    path = Path(data_dir) / name / "dev.jsonl.gz"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found (pass the shared data folder with --data)")
    return read_jsonl(path)


def labeled_rows(labeled_dir: Path) -> list[dict[str, Any]]:
    """Our own corpus (`fixtures/labeled/*.jsonl`), see its GUIDE.md."""
    rows: list[dict[str, Any]] = []
    for path in sorted(Path(labeled_dir).glob("*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows


def spread(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """Every k-th row, so a small slice keeps both labels (the files are sorted by label)."""
    if not limit or limit >= len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


# --- pipelines ------------------------------------------------------------------------------


def lexical_matrix(texts: Iterable[str]) -> np.ndarray:
    """`classifiers.learned.lexical_features` for a batch: the Pipeline's dense block."""
    return np.array([lexical_features(t) for t in texts], dtype=np.float64)


def headline_matrix(texts: Iterable[str]) -> np.ndarray:
    """`classifiers.learned.headline_features` for a batch: the graded head's dense block."""
    return np.array([headline_shape(t) for t in texts], dtype=np.float64)


DENSE_NAMES: dict[Callable[..., Any], str] = {
    lexical_matrix: "lexical_v1",
    headline_matrix: "headline_v1",
}


def headline_features(min_df: int = 2) -> FeatureUnion:
    """Lower-cased word and character n-grams only.

    Stop Clickbait is labelled by publisher, and its clickbait side is almost all Title Case
    (BuzzFeed house style): casing features would learn the publisher, not the bait.
    """
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True)),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=min_df + 1, sublinear_tf=True
                ),
            ),
        ]
    )


def graded_features(min_df: int = 4) -> FeatureUnion:
    """The graded head's blocks: word n-grams, *cased* character n-grams from single
    characters up (punctuation, digits, Title Case carry reader-judged bait on Webis, which is
    not labelled by publisher), and the headline's shape (`headline_v1`: length, a leading
    number, a closing question or colon), which L2-normalised n-grams cannot see.

    Chosen by 5-fold CV inside the training part of one outer fold for Webis MSE, and by
    GroupKFold on our corpus's train-fold subject lines for transfer (docs/EVAL.md); `min_df`
    counts the doubled rows of the soft-label fit, so 4 = two distinct texts.
    """
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True)),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 5),
                    min_df=min_df + 2,
                    sublinear_tf=True,
                    lowercase=False,
                ),
            ),
            (
                "shape",
                Pipeline(
                    [("extract", FunctionTransformer(headline_matrix)), ("scale", StandardScaler())]
                ),
            ),
        ]
    )


def body_features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            (
                "lexical",
                Pipeline(
                    [("extract", FunctionTransformer(lexical_matrix)), ("scale", StandardScaler())]
                ),
            ),
        ]
    )


def fit_clickbait_style(texts: Sequence[str], labels: Sequence[int], C: float = 4.0) -> Pipeline:
    """Stop Clickbait: headline style of viral publishers (binary)."""
    pipe = Pipeline(
        [
            ("features", headline_features()),
            ("model", LogisticRegression(C=C, max_iter=3000, random_state=SEED)),
        ]
    )
    return pipe.fit(list(texts), np.asarray(labels))


def fit_clickbait_graded(texts: Sequence[str], means: Sequence[float], C: float = 2.0) -> Pipeline:
    """Webis 2017: the mean judgement of five readers, learned as a soft label.

    Each text is seen once as clickbait with weight `truth_mean` and once as not with weight
    1 - `truth_mean`, so the logistic output estimates the share of readers who call it bait
    (cross-entropy against the soft label). Doubling the rows doubles document frequencies,
    hence min_df 4 (= 2 distinct tweets).
    """
    texts = list(texts)
    m = np.asarray(means, dtype=np.float64)
    pipe = Pipeline(
        [
            ("features", graded_features(min_df=4)),
            ("model", LogisticRegression(C=C, max_iter=3000, random_state=SEED)),
        ]
    )
    y = np.r_[np.ones(len(texts)), np.zeros(len(texts))]
    return pipe.fit(texts + texts, y, model__sample_weight=np.r_[m, 1.0 - m])


def soft_logistic(z: np.ndarray, means: np.ndarray) -> tuple[float, float]:
    """Platt scaling against a soft label: the (a, b) of sigmoid(a * z + b) that minimise the
    cross-entropy with the readers' mean judgement (a one-feature, unregularised fit)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1, 1)
    m = np.asarray(means, dtype=np.float64)
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(np.r_[z, z], np.r_[np.ones(len(m)), np.zeros(len(m))], sample_weight=np.r_[m, 1 - m])
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def recalibrate(pipe: Pipeline, a: float, b: float) -> Pipeline:
    """Fold sigmoid(a * z + b) into the logistic model, so the Pipeline and the served export
    both output the recalibrated probability with no extra step."""
    est = pipe.named_steps["model"]
    est.coef_ = est.coef_ * a
    est.intercept_ = est.intercept_ * a + b
    return pipe


def best_f1_threshold(labels: npt.ArrayLike, scores: npt.ArrayLike) -> tuple[float, float]:
    """The threshold in GRADED_THRESHOLDS with the highest F1 (ties: the higher threshold)."""
    y = np.asarray(labels)
    s = np.asarray(scores)
    best = max((f1_score(y, s >= t), t) for t in GRADED_THRESHOLDS)
    return float(best[1]), float(best[0])


GRADED_C = (0.75, 1.5, 3.0)
GRADED_INNER_FOLDS = 3
GRADED_THRESHOLDS = tuple(round(0.20 + 0.01 * i, 2) for i in range(41))  # 0.20 … 0.60


@dataclass
class GradedFit:
    pipe: Pipeline
    C: float
    calibration: tuple[float, float]
    threshold: float
    inner: dict[str, Any]  # the inner CV's figures per C, and the chosen threshold's F1


def select_and_fit_graded(
    texts: Sequence[str],
    means: Sequence[float],
    labels: Sequence[int],
    extra_texts: Sequence[str] = (),
    extra_means: Sequence[float] = (),
    log: Callable[[str], None] | None = None,
) -> GradedFit:
    """The graded head's whole protocol, run on whatever it is given as training data.

    An inner stratified K-fold over `texts` (the Webis rows; `extra_*`, our own subject lines,
    join every inner training fold) scores each C in GRADED_C by out-of-fold MSE against the
    mean judgement. At the best C, the inner out-of-fold logits fit a Platt recalibration and
    then the F1-best decision threshold on the binary `labels` (median ≥ 0.5). Finally the
    head is refitted on all of it and the recalibration folded into its coefficients.
    `auditor train` runs this on the whole dev set; `auditor eval` runs it inside each outer
    training fold, so the reported figures never see the fold they are measured on.
    """
    t = np.array(list(texts), dtype=object)
    m = np.asarray(means, dtype=np.float64)
    y = np.asarray(labels)
    et, em = list(extra_texts), list(extra_means)
    inner = StratifiedKFold(GRADED_INNER_FOLDS, shuffle=True, random_state=SEED + 1)
    splits = list(inner.split(t, y))
    z_by_c: dict[float, np.ndarray] = {}
    mse_by_c: dict[float, float] = {}
    for C in GRADED_C:
        z = np.zeros(len(t))
        for a, b in splits:
            pipe = fit_clickbait_graded(t[a].tolist() + et, m[a].tolist() + em, C=C)
            z[b] = pipe.decision_function(t[b].tolist())
        z_by_c[C] = z
        mse_by_c[C] = float(np.mean((1.0 / (1.0 + np.exp(-z)) - m) ** 2))
        if log:
            log(f"    graded head, inner CV: C={C} MSE {mse_by_c[C]:.5f}")
    best_c = min(GRADED_C, key=lambda c: (mse_by_c[c], c))
    a, b = soft_logistic(z_by_c[best_c], m)
    calibrated = 1.0 / (1.0 + np.exp(-(a * z_by_c[best_c] + b)))
    threshold, f1 = best_f1_threshold(y, calibrated)
    pipe = recalibrate(fit_clickbait_graded(t.tolist() + et, m.tolist() + em, C=best_c), a, b)
    inner_figs = {
        "folds": GRADED_INNER_FOLDS,
        "mse_by_C": {str(c): v for c, v in mse_by_c.items()},
        "mse_calibrated": float(np.mean((calibrated - m) ** 2)),
        "f1_at_threshold": f1,
    }
    return GradedFit(pipe, best_c, (a, b), threshold, inner_figs)


def fit_body(texts: Sequence[str], labels: Sequence[float], alpha: float = 1.0) -> Pipeline:
    """One rating of our corpus: ridge regression of label/3 on n-grams plus lexical features."""
    pipe = Pipeline([("features", body_features()), ("model", Ridge(alpha=alpha))])
    return pipe.fit(list(texts), np.asarray(labels, dtype=np.float64) / 3.0)


def body_training_set(rows: Sequence[dict[str, Any]], rating: str) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for r in rows:
        label = (r.get("labels") or {}).get(rating)
        if label is None:
            continue
        texts.append(body_input(r["text"], r.get("subject")))
        labels.append(int(label))
    return texts, labels


# --- export for serving -----------------------------------------------------------------------


@dataclass
class Exported:
    meta: dict[str, Any]
    terms: list[str]
    weights: array


def export(pipe: Pipeline, name: str) -> Exported:
    """What `classifiers.learned.LinearModel` needs to reproduce `pipe` without scikit-learn."""
    union: FeatureUnion = pipe.named_steps["features"]
    est = pipe.named_steps["model"]
    coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1)
    intercept = float(np.asarray(est.intercept_).reshape(-1)[0])
    link = "logistic" if isinstance(est, LogisticRegression) else "identity"
    blocks: list[dict[str, Any]] = []
    terms: list[str] = []
    weights = array("f")
    col = 0
    for _, tr in union.transformer_list:
        if isinstance(tr, TfidfVectorizer):
            vocab = tr.vocabulary_
            ordered = sorted(vocab, key=vocab.__getitem__)
            size = len(ordered)
            for t in ordered:
                if "\n" in t:
                    raise ValueError(f"{name}: a term contains a newline: {t!r}")
            if tr.analyzer not in ("word", "char_wb") or tr.norm != "l2" or not tr.use_idf:
                raise ValueError(f"{name}: unsupported vectorizer settings")
            idf_offset = len(weights)
            weights.extend(tr.idf_.astype(np.float32).tolist())
            coef_offset = len(weights)
            weights.extend(coef[col : col + size].astype(np.float32).tolist())
            blocks.append(
                {
                    "kind": tr.analyzer,
                    "ngram_range": list(tr.ngram_range),
                    "lowercase": bool(tr.lowercase),
                    "sublinear_tf": bool(tr.sublinear_tf),
                    "token_pattern": tr.token_pattern,
                    "size": size,
                    "idf_offset": idf_offset,
                    "coef_offset": coef_offset,
                }
            )
            terms.extend(ordered)
        else:
            extract, scale = tr.named_steps["extract"], tr.named_steps["scale"]
            size = len(scale.mean_)
            coef_offset = len(weights)
            weights.extend(coef[col : col + size].astype(np.float32).tolist())
            blocks.append(
                {
                    "kind": "dense",
                    "features": DENSE_NAMES[extract.func],
                    "size": size,
                    "mean": scale.mean_.tolist(),
                    "scale": scale.scale_.tolist(),
                    "coef_offset": coef_offset,
                }
            )
        col += size
    if col != coef.size:
        raise ValueError(f"{name}: exported {col} of {coef.size} coefficients")
    meta = {
        "name": name,
        "version": MODEL_VERSION,
        "format": 1,
        "link": link,
        "intercept": intercept,
        "blocks": blocks,
        "sklearn": sklearn.__version__,
    }
    return Exported(meta, terms, weights)


def write_exported(exp: Exported, folder: Path, extra_meta: dict[str, Any] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = exp.meta["name"]
    meta = {**exp.meta, **(extra_meta or {})}
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    (folder / f"{name}.terms").write_text("\n".join(exp.terms), encoding="utf-8")
    w = array("f", exp.weights)
    if sys.byteorder != "little":
        w.byteswap()
    (folder / f"{name}.weights").write_bytes(w.tobytes())


def save_pipeline(pipe: Pipeline, path: Path) -> None:
    import skops.io as sio

    for step in pipe.named_steps["features"].transformer_list:
        if isinstance(step[1], TfidfVectorizer):
            step[1].stop_words_ = None  # the pruned terms: introspection only, most of the size
    sio.dump(pipe, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


TRUSTED_TYPES = ("classifiers.train.lexical_matrix", "classifiers.train.headline_matrix")


def load_pipeline(path: Path) -> Pipeline:
    """Load a shipped skops file, trusting only the types our pipelines are built from."""
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    unknown = [t for t in untrusted if t not in TRUSTED_TYPES]
    if unknown:
        raise ValueError(f"{path}: refusing to load unexpected types {unknown}")
    return sio.load(path, trusted=untrusted)


CARD_DATA = {
    "clickbait_style": (
        "Stop Clickbait (Chakraborty et al., ASONAM 2016), enlarged release, dev split "
        "(22,482 headlines; 1 = BuzzFeed/Upworthy/ViralNova…, 0 = NYT/Guardian/WikiNews…).",
        "MIT (GitHub bhargaviparanjape/clickbait).",
        "Labelled by publisher, so it learns viral-publisher *style*; casing is removed "
        "(Stop Clickbait's bait side is Title Case). Drives finding CB901 only, not the score.",
    ),
    "clickbait_graded": (
        "Webis Clickbait Corpus 2017 dev split (13,341 news tweets, soft label = `truth_mean` "
        "of five readers) plus the headlines and email subjects of our corpus's train fold "
        "(label/3).",
        "Webis corpus (research use; copy in GitHub legendaryBowen/ClickbaitDetection); our "
        "corpus: the project's own, MIT.",
        "Trained mostly on news tweets: business subject lines get a B2B check in EVAL.md. "
        "Fake-reply and fake-alert subjects (“RE: our call”, “URGENT: account suspended”) "
        "score low; rules cover them. Very short plain subjects and page titles (“No rush”, "
        "“About us”) score higher than our guide's labels, as short tweets are usually bait "
        "on Webis.",
    ),
}
BODY_CARD = (
    "`fixtures/labeled/*.jsonl`, train fold only (labels 0–3, GUIDE.md); heldout fold unseen.",
    "The project's own corpus, MIT.",
    "A few hundred texts written by the team: wording far from the corpus genres is uncertain. "
    "Bag of n-grams + lexical features: it cannot see sentence order or facts.",
)


def write_card(
    pipe: Pipeline, name: str, folder: Path, extra: dict[str, Any] | None = None
) -> None:
    """The model card: data, licence, command, settings, versions; EVAL.md adds the figures."""
    data, licence, limits = CARD_DATA.get(name, BODY_CARD)
    selection = ""
    if extra and "selection" in extra:
        sel = extra["selection"]
        selection = (
            f"\n- **Selection** (inner {sel['folds']}-fold CV on the training data, seed "
            f"{SEED + 1}): C = {sel['C']} of {sel['C_grid']} by out-of-fold MSE against "
            f"truth_mean; Platt recalibration sigmoid({sel['platt'][0]:.3f}·z + "
            f"{sel['platt'][1]:.3f}) folded into the coefficients; decision threshold "
            f"p ≥ {extra['threshold']:.2f} (F1-best on the inner out-of-fold scores, "
            f"{sel['f1_at_threshold']:.3f}), used by finding CB900 (`rules/learned.toml`)."
        )
    est = pipe.named_steps["model"]
    blocks = ", ".join(
        f"{n}: {type(t).__name__}"
        + (
            f" {t.analyzer} {t.ngram_range} ({len(t.vocabulary_):,} terms)"
            if hasattr(t, "vocabulary_")
            else ""
        )
        for n, t in pipe.named_steps["features"].transformer_list
    )
    card_path = folder / f"{name}.md"
    figures = ""
    if card_path.is_file():
        old = card_path.read_text(encoding="utf-8")
        if FIGURES_MARK in old:
            figures = old[old.index(FIGURES_MARK) :]
    text = f"""# Model card: {name}

- **Version**: {MODEL_VERSION}; scikit-learn {sklearn.__version__} (pin this version to load
  `{name}.skops`), Python {platform.python_version()}, numpy {np.__version__}.
- **Pipeline**: FeatureUnion({blocks}) → {type(est).__name__}({est.get_params().get("C", est.get_params().get("alpha"))}).{selection}
- **Data**: {data}
- **Licence**: {licence}
- **Command**: `auditor train --data ../shared/data` (seed {SEED}; deterministic solvers), then
  `auditor eval --data ../shared/data` for the figures.
- **Serving**: `{name}.json/.terms/.weights`, scored in plain Python by
  `classifiers/learned.py` (agreement with the Pipeline pinned by tests/test_models.py).
- **Known limits**: {limits}

{figures or FIGURES_MARK + chr(10) + "Run `auditor eval` to fill in the figures." + chr(10)}"""
    card_path.write_text(text, encoding="utf-8")


FIGURES_MARK = "## Figures"


# --- calibration of the blended audit() score -------------------------------------------------

CORPUS_FOLDS = 5
# The ratings whose blend is served calibrated. Clickbait is measured the same way and left as
# the blend: on the train fold's CV no map raised its accuracy at 50 (docs/EVAL.md says more).
CALIBRATED = BODY_RATINGS
# Compared by train-fold CV on every training run; "isotonic" is what ships.
CALIBRATION_METHODS = ("uncalibrated", "isotonic", "isotonic_steps", "platt", "isotonic_label3")
CALIBRATION_CV_REPEATS = 10
# The calibration file's own version: 2025.2 added the per-rating blend weights.
CALIBRATION_VERSION = "2025.2"
# The learned half's weight w in a rating's blend, (1 − w) · rule + w · model: every weight of
# this grid is measured by train-fold CV on the out-of-fold halves...
BLEND_WEIGHT_GRID = tuple(i / 10 for i in range(11))
# ... and the one chosen never exceeds this: at 1.0 the rule findings would not move the score,
# and every score must be explained by its spans and findings (DESIGN.md).
MAX_MODEL_WEIGHT = 0.9
# Mean CV AUCs equal to this many decimals tie; a tie goes to the weight closest to the even
# blend the product shipped before (differences below it are noise on ~300 texts).
BLEND_AUC_DIGITS = 3

# (row, stand-in models) -> per rating with a learned half, its (rule, model) halves
HalvesScorer = Callable[
    [dict[str, Any], Mapping[str, LinearModel]], Mapping[str, tuple[float, float]]
]


def corpus_folds(rows: Sequence[dict[str, Any]], folds: int = CORPUS_FOLDS) -> list[int]:
    """Each row's fold for K-fold CV on our corpus: GroupKFold by `pair_id` (else `id`), so the
    versions of a minimal pair are never split. `auditor eval`'s body-model CV uses the same."""
    groups = [r.get("pair_id") or r["id"] for r in rows]
    out = [0] * len(rows)
    for k, (_, held) in enumerate(GroupKFold(folds).split(list(rows), groups=groups)):
        for i in held:
            out[i] = k
    return out


@dataclass
class CalibrationFit:
    iso: IsotonicRegression  # fitted on (blend, label >= 2): scikit-learn's own step function
    x: np.ndarray  # knots: each isotonic block's centroid, in blend units (0..100)
    y: np.ndarray  # 100 x the block's fitted share of label >= 2

    def predict(self, blends: Sequence[float] | np.ndarray) -> np.ndarray:
        """What `classifiers.calibration.Curve` serves, computed with numpy."""
        return np.interp(np.asarray(blends, dtype=np.float64), self.x, self.y)


def fit_calibration(
    blends: Sequence[float] | np.ndarray, target: Sequence[float] | np.ndarray
) -> CalibrationFit:
    """Isotonic regression of `target` (1 for label ≥ 2, else 0: what ships; label/3 is
    compared) on the uncalibrated blend, served as straight lines between the centroids of its
    constant blocks.

    Isotonic regression is a step function: scikit-learn's `predict` is flat across each block
    and ramps only between one block's last point and the next block's first, so on a few
    hundred texts it gives many ties — texts the blend told apart get one score, which costs
    AUC and minimal-pair ordering. Joining the blocks' centroids (x: their mean blend, y: their
    fitted value) keeps every fitted value and is strictly increasing inside the data's range,
    so `audit()` orders texts there exactly as before; beyond the first and last centroid it is
    constant, like `out_of_bounds="clip"`. `calibration_cv` compares it with the steps, with
    Platt scaling and with a label/3 target on every training run (docs/EVAL.md).
    """
    x = np.asarray(blends, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True, y_min=0.0, y_max=1.0)
    iso.fit(x, y)
    xs = np.sort(x, kind="stable")
    fitted = iso.predict(xs)  # equal x share a block, so block edges are where `fitted` moves
    starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
    ends = np.r_[starts[1:], len(xs)]
    knots_x = np.array([xs[a:b].mean() for a, b in zip(starts, ends, strict=True)])
    return CalibrationFit(iso, knots_x, 100.0 * fitted[starts])


def model_alone_at_50(fit: CalibrationFit, rating: str, weight: float = 0.5) -> float:
    """The learned score that, with no rule of the rating firing, gives a calibrated 50 at the
    rating's model weight `weight` (the blend is (1 − weight) · rule + weight · model).

    Explanations depend on it: a calibrated score of 50 or more must name a reason, and when no
    rule fired the reason is the model's finding (SO900, VA900, LM900 in rules/learned.toml),
    so each finding's `above` must not exceed this (tests/test_models.py pins it).
    """
    from classifiers.scoring import score

    base = score([], 0).scores[rating]  # the rule half when nothing fired (value-add: 24.2)
    i = int(np.searchsorted(fit.y, 50.0))  # first knot at or above 50
    if i == 0:
        blend = float(fit.x[0])
    elif i == len(fit.y) or weight <= 0.0:
        return 100.0  # never reaches 50 (or the model does not count): no threshold needed
    else:
        x0, x1, y0, y1 = fit.x[i - 1], fit.x[i], fit.y[i - 1], fit.y[i]
        blend = float(x0 + (x1 - x0) * (50.0 - y0) / (y1 - y0))
    return round(min(100.0, max(0.0, (blend - (1.0 - weight) * base) / weight)), 2)


def fit_platt(
    blends: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray
) -> Callable[[Any], np.ndarray]:
    """Platt scaling of the blend (compared in `calibration_cv`, not shipped)."""
    x = np.asarray(blends, dtype=np.float64).reshape(-1, 1) / 100.0
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(x, np.asarray(positive, dtype=int))
    return lambda b: (
        100.0 * lr.predict_proba(np.asarray(b, dtype=np.float64).reshape(-1, 1) / 100)[:, 1]
    )


def _calibrated(method: str, x: np.ndarray, labels: np.ndarray) -> Callable[[Any], np.ndarray]:
    pos = labels >= 2
    if method == "uncalibrated":
        return lambda b: np.asarray(b, dtype=np.float64)
    if method == "isotonic":
        return fit_calibration(x, pos).predict
    if method == "isotonic_steps":
        iso = fit_calibration(x, pos).iso
        return lambda b: 100.0 * iso.predict(np.asarray(b, dtype=np.float64))
    if method == "platt":
        return fit_platt(x, pos)
    if method == "isotonic_label3":  # expected label / 3 instead of P(label >= 2)
        return fit_calibration(x, labels / 3).predict
    raise ValueError(f"unknown calibration method {method!r}")


def calibration_figures(labels: Sequence[int], scores: Sequence[float]) -> dict[str, Any]:
    """Label ≥ 2 against score ≥ 50 (accuracy, F1), Brier score of score/100 against it, AUC,
    and the squared error of score/100 against label/3."""
    lab = np.asarray(labels)
    pos = (lab >= 2).astype(int)
    s = np.asarray(scores, dtype=np.float64)
    return {
        "accuracy": float(accuracy_score(pos, s >= 50)),
        "f1": float(f1_score(pos, s >= 50, zero_division=0)),
        "brier": float(np.mean((s / 100 - pos) ** 2)),
        "mse_label3": float(np.mean((s / 100 - lab / 3) ** 2)),
        "auc": float(roc_auc_score(pos, s)) if 0 < pos.sum() < len(pos) else None,
    }


def shuffled_group_folds(groups: Sequence[str], seed: int, folds: int = CORPUS_FOLDS) -> np.ndarray:
    """Each item's fold in a seeded random split of whole groups (GroupKFold's `shuffle` needs
    scikit-learn 1.6; this gives the same folds on every supported version)."""
    names = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[j]: i % folds for i, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups])


def calibration_cv(
    blends: Sequence[float],
    labels: Sequence[int],
    groups: Sequence[str],
    methods: Sequence[str] = CALIBRATION_METHODS,
) -> dict[str, dict[str, Any]]:
    """Per method, the figures of out-of-fold calibrated scores — each fold's blends mapped by
    a calibration fitted on the other folds' — averaged over CALIBRATION_CV_REPEATS shuffles of
    a group 5-fold split (minimal pairs together; seeds SEED, SEED + 1, …). One split of ~300
    texts moves accuracy by a point or two, more than some differences between methods."""
    x = np.asarray(blends, dtype=np.float64)
    lab = np.asarray(labels)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for seed in range(SEED, SEED + CALIBRATION_CV_REPEATS):
        fold = shuffled_group_folds(groups, seed)
        for method in methods:
            p = np.zeros(len(x))
            for k in range(CORPUS_FOLDS):
                p[fold == k] = _calibrated(method, x[fold != k], lab[fold != k])(x[fold == k])
            runs[method].append(calibration_figures(lab.tolist(), p.tolist()))
    out: dict[str, dict[str, Any]] = {}
    for method, figs in runs.items():
        out[method] = {
            k: None if any(f[k] is None for f in figs) else float(np.mean([f[k] for f in figs]))
            for k in figs[0]
        }
        out[method]["accuracy_sd"] = float(np.std([f["accuracy"] for f in figs]))
    return out


def blend_weight_cv(
    rule: Sequence[float] | np.ndarray,
    model: Sequence[float] | np.ndarray,
    labels: Sequence[int],
    groups: Sequence[str],
    folds: Sequence[int],
) -> dict[str, Any]:
    """Choose a rating's model weight from BLEND_WEIGHT_GRID on out-of-fold halves.

    For each weight, the blend (1 − w) · rule + w · model of the texts (train fold only) is
    scored in each of the corpus folds `folds` (the grouped folds the halves were computed out
    of): the criterion is the mean over folds of the AUC of label ≥ 2 (the blend has no fitted
    parameter, so each fold's AUC is already out of sample). The best weight up to
    MAX_MODEL_WEIGHT wins; ties at BLEND_AUC_DIGITS decimals go to the weight closest to 0.5.
    Reported alongside, not chosen on: the blend's figures after an isotonic calibration, by
    `calibration_cv` (accuracy and F1 at 50, Brier)."""
    r = np.asarray(rule, dtype=np.float64)
    m = np.asarray(model, dtype=np.float64)
    lab = np.asarray(labels)
    pos = lab >= 2
    fold = np.asarray(folds)
    grid: list[dict[str, Any]] = []
    for w in BLEND_WEIGHT_GRID:
        x = (1.0 - w) * r + w * m
        aucs = [
            float(roc_auc_score(pos[fold == k], x[fold == k]))
            for k in sorted(set(fold.tolist()))
            if 0 < pos[fold == k].sum() < (fold == k).sum()
        ]
        cal = calibration_cv(x.tolist(), lab.tolist(), groups, ("isotonic",))["isotonic"]
        grid.append(
            {
                "w": w,
                "auc": float(np.mean(aucs)),
                "auc_sd": float(np.std(aucs)),
                "calibrated": {k: cal[k] for k in ("accuracy", "f1", "brier", "auc")},
            }
        )
    eligible = [g for g in grid if g["w"] <= MAX_MODEL_WEIGHT]
    best = max(eligible, key=lambda g: (round(g["auc"], BLEND_AUC_DIGITS), -abs(g["w"] - 0.5)))
    return {"chosen": best["w"], "grid": grid}


def _serving_model(pipe: Pipeline, name: str) -> LinearModel:
    exp = export(pipe, name)
    return LinearModel(exp.meta, exp.terms, exp.weights)


@dataclass
class CalibrationBuild:
    table: dict[str, Any]  # the contents of models/calibration.json
    fits: dict[str, CalibrationFit]
    halves: list[dict[str, tuple[float, float]]]  # each train-fold row's out-of-fold halves


def train_calibration(
    labeled_dir: Path,
    data_dir: Path,
    halves_scorer: HalvesScorer,
    graded: Mapping[str, Any] | None,
    limit: int | None = None,
    log: Callable[[str], None] | None = None,
) -> CalibrationBuild:
    """Choose the blend weights and fit the calibration of `audit()`'s blended scores on the
    corpus's train fold only.

    Each train-fold text gets its rule and learned halves out of fold: for each of the
    `corpus_folds`, the body models and the graded clickbait head (Webis plus the other folds'
    subject lines, at the shipped head's C and Platt recalibration, `graded`) are refitted
    without that fold, and `halves_scorer` (the engine, `auditor.learned.blend_halves`) rates
    the fold's texts with them standing in. So no text's learned half has seen it, as at
    serving time. Per calibrated rating, `blend_weight_cv` then chooses the model weight on
    those halves (same folds), and the isotonic map is fitted on the blend at that weight.
    Clickbait's weights are measured too but it keeps the even blend, uncalibrated. The
    heldout fold is never read. `limit` thins Webis (tests only).
    """
    rows = [r for r in labeled_rows(labeled_dir) if r.get("fold") == "train"]
    folds = corpus_folds(rows)
    wb = spread(dev_rows(data_dir, "webis_clickbait17"), limit) if graded else []
    halves: list[dict[str, tuple[float, float]]] = [{} for _ in rows]
    for k in range(CORPUS_FOLDS):
        fit_rows = [r for r, f in zip(rows, folds, strict=True) if f != k]
        models = {n: _serving_model(p, n) for n, p in body_models(fit_rows).items()}
        if graded:
            et, em = headline_rows(fit_rows)
            head = fit_clickbait_graded(
                [r["text"] for r in wb] + et, [r["truth_mean"] for r in wb] + em, C=graded["C"]
            )
            a, b = graded["platt"]
            models["clickbait_graded"] = _serving_model(recalibrate(head, a, b), "clickbait_graded")
        for i, (row, f) in enumerate(zip(rows, folds, strict=True)):
            if f == k:
                halves[i] = dict(halves_scorer(row, models))
        if log:
            log(f"    calibration: out-of-fold blends, fold {k + 1}/{CORPUS_FOLDS}")
    ratings: dict[str, Any] = {}
    fits: dict[str, CalibrationFit] = {}
    cv: dict[str, Any] = {}
    for rating in calibration.RATINGS:
        idx = [i for i, h in enumerate(halves) if rating in h]
        rule = np.array([halves[i][rating][0] for i in idx], dtype=np.float64)
        model = np.array([halves[i][rating][1] for i in idx], dtype=np.float64)
        lab = [int(rows[i]["labels"][rating]) for i in idx]
        if len({v >= 2 for v in lab}) < 2:
            continue
        groups = [rows[i].get("pair_id") or rows[i]["id"] for i in idx]
        weight_cv = blend_weight_cv(rule, model, lab, groups, [folds[i] for i in idx])
        w = weight_cv["chosen"] if rating in CALIBRATED else calibration.EVEN_WEIGHT
        x = ((1.0 - w) * rule + w * model).tolist()  # what score() computes at weight w
        cv[rating] = {
            "n": len(x),
            "positives": sum(v >= 2 for v in lab),
            "model_weight": w,
            **calibration_cv(x, lab, groups),
            "blend_weights": weight_cv,
        }
        if rating in CALIBRATED:
            fits[rating] = fit_calibration(x, [float(v >= 2) for v in lab])
            ratings[rating] = {
                "n": len(x),
                "positives": sum(v >= 2 for v in lab),
                "model_weight": w,
                "model_alone_at_50": model_alone_at_50(fits[rating], rating, w),
                "x": fits[rating].x.tolist(),
                "y": fits[rating].y.tolist(),
            }
    table = {
        "format": calibration.FORMAT,
        "version": CALIBRATION_VERSION,
        "blend": "per rating: (1 - model_weight) * rule score + model_weight * model score; "
        "ratings not listed here blend 0.5/0.5",
        "weights": f"model_weight from {BLEND_WEIGHT_GRID[0]}, {BLEND_WEIGHT_GRID[1]}, ..., "
        f"{MAX_MODEL_WEIGHT} (capped so the rules always count), by the mean AUC of label >= 2 "
        f"over the {CORPUS_FOLDS} grouped folds of the out-of-fold halves "
        f"(ties at {BLEND_AUC_DIGITS} decimals -> closest to 0.5); the calibration is fitted "
        "on the blend at that weight",
        "maps": "uncalibrated blend (0..100) -> 100 * P(label >= 2); straight lines between "
        "knots, constant beyond the ends",
        "method": "isotonic regression of label >= 2 on the blend, knots at the centroids of "
        "its constant blocks (classifiers.train.fit_calibration)",
        "data": "fixtures/labeled, fold == train only (the heldout fold is never read)",
        "n_rows": len(rows),
        "fold": "train",
        "out_of_fold": f"{CORPUS_FOLDS}-fold GroupKFold by pair_id (else id); each text's "
        "learned half from models refitted without its fold",
        "cv": f"{CORPUS_FOLDS}-fold group CV of the calibration step on the out-of-fold blends, "
        f"mean of {CALIBRATION_CV_REPEATS} shuffles (seeds {SEED}–{SEED + CALIBRATION_CV_REPEATS - 1})",
        "command": "auditor train --data ../shared/data",
        "seed": SEED,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "uncalibrated": [r for r in calibration.RATINGS if r not in CALIBRATED],
        "ratings": ratings,
        "cv_figures": cv,
    }
    return CalibrationBuild(table, fits, halves)


def write_calibration(build: CalibrationBuild, folder: Path) -> None:
    """`calibration.json` (served by classifiers/calibration.py) and its card."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "calibration.json"
    path.write_text(json.dumps(build.table, indent=1) + "\n", encoding="utf-8")
    card = folder / "calibration.md"
    figures = ""
    if card.is_file():
        old = card.read_text(encoding="utf-8")
        if FIGURES_MARK in old:
            figures = old[old.index(FIGURES_MARK) :]
    t = build.table
    knots = ", ".join(f"{r} {len(c['x'])}" for r, c in t["ratings"].items())
    alone = ", ".join(f"{c['model_alone_at_50']:.1f} ({r})" for r, c in t["ratings"].items())
    weights = ", ".join(
        f"{c.get('model_weight', calibration.EVEN_WEIGHT):.1f} ({r})"
        for r, c in t["ratings"].items()
    )
    card.write_text(
        f"""# Model card: calibration

- **What**: per rating, the weight of the learned model in `audit()`'s blended score
  ((1 − w) · rules + w · model; w: {weights}) and a non-decreasing map from that blend to
  100 · P(label ≥ 2) under `fixtures/labeled/GUIDE.md`, so that a served 50 means even odds of
  "2 or more". Ratings: {", ".join(t["ratings"])}; served uncalibrated:
  {", ".join(t["uncalibrated"]) or "none"} (docs/EVAL.md, "Calibration", says why).
- **Version**: {t["version"]}; scikit-learn {t["sklearn"]}, numpy {t["numpy"]}, Python {t["python"]}.
- **Weights**: {t["weights"]}. Figures per weight: docs/EVAL.md, "Calibration".
- **Method**: {t["method"]}; straight lines between the knots ({knots}), constant beyond the
  first and last, so the map is strictly increasing where the data is and keeps `audit()`'s
  ordering there. Fitted on each text's *out-of-fold* blend: {t["out_of_fold"]}.
- **Data**: {t["data"]}; n = {t["n_rows"]} texts (a rating's n: the texts where a model takes
  part — headlines have no body-model half).
- **Licence**: The project's own corpus, MIT.
- **Command**: `{t["command"]}` (seed {t["seed"]}; deterministic), then
  `auditor eval --data ../shared/data` for the figures.
- **Serving**: `calibration.json`, applied in plain Python by `classifiers/calibration.py`
  (agreement with the numpy/scikit-learn fit pinned by tests/test_models.py).
- **Explanations**: with no rule of a rating firing, a model score of {alone} makes the
  calibrated score 50; the `above` of SO900/VA900/LM900 (`rules/learned.toml`) must not exceed
  it (a test pins it), so a calibrated 50 or more always names a rule or the model's finding.
- **Known limits**: a few hundred labelled texts, one labeller: the knots move by several
  points when texts are added. Headlines' self-orientation, value-add and lemming have no
  model half and stay uncalibrated rule scores. Drivers stay pre-calibration rule weights
  (classifiers/scoring.py).

{figures or FIGURES_MARK + chr(10) + "Run `auditor eval` to fill in the figures." + chr(10)}""",
        encoding="utf-8",
    )


# --- the whole build --------------------------------------------------------------------------


def headline_rows(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[float]]:
    """Our corpus's headlines and email subjects with their clickbait label / 3.

    Webis items are news tweets; these add the B2B register (subject lines, post titles) so
    the graded model does not learn only how news outlets tweet.
    """
    texts, means = [], []
    for r in rows:
        label = (r.get("labels") or {}).get("clickbait")
        text = r.get("subject") if r.get("kind") == "email" else None
        if r.get("kind") == "headline":
            text = r["text"]
        if label is not None and text and text.strip():
            texts.append(text)
            means.append(int(label) / 3.0)
    return texts, means


def train_clickbait(
    data_dir: Path,
    labeled_dir: Path | None = None,
    limit: int | None = None,
    meta: dict[str, dict[str, Any]] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Pipeline]:
    """Both clickbait heads. `meta`, when given, receives what the graded head's selection
    chose (C, recalibration, decision threshold, inner-CV figures) for its export and card."""
    sc = spread(dev_rows(data_dir, "stop_clickbait"), limit)
    wb = spread(dev_rows(data_dir, "webis_clickbait17"), limit)
    extra_t: list[str] = []
    extra_m: list[float] = []
    if labeled_dir is not None:
        own = [r for r in labeled_rows(labeled_dir) if r.get("fold") == "train"]
        extra_t, extra_m = headline_rows(own)
    graded = select_and_fit_graded(
        [r["text"] for r in wb],
        [r["truth_mean"] for r in wb],
        [int(r["label"]) for r in wb],
        extra_t,
        extra_m,
        log=log,
    )
    if meta is not None:
        meta["clickbait_graded"] = graded_meta(graded)
    return {
        "clickbait_style": fit_clickbait_style([r["text"] for r in sc], [r["label"] for r in sc]),
        "clickbait_graded": graded.pipe,
    }


def graded_meta(fit: GradedFit) -> dict[str, Any]:
    """What the export records of the graded head's selection: `threshold` is the CB900
    decision threshold (rules/learned.toml must carry the same value; a test pins it)."""
    return {
        "threshold": fit.threshold,
        "selection": {
            "C": fit.C,
            "C_grid": list(GRADED_C),
            "platt": [round(fit.calibration[0], 6), round(fit.calibration[1], 6)],
            **fit.inner,
        },
    }


def train_body(labeled_dir: Path) -> dict[str, Pipeline]:
    """Trained on the corpus's `train` fold only: the heldout fold stays unseen for EVAL.md."""
    return body_models([r for r in labeled_rows(labeled_dir) if r.get("fold") == "train"])


def body_models(rows: Sequence[dict[str, Any]]) -> dict[str, Pipeline]:
    """One body model per rating on `rows` (the train fold, or part of it for calibration)."""
    out = {}
    for rating in BODY_RATINGS:
        texts, labels = body_training_set(rows, rating)
        if len(set(labels)) > 1:
            out[rating] = fit_body(texts, labels)
    return out


def train_all(
    data_dir: Path,
    labeled_dir: Path,
    out_dir: Path = MODEL_DIR,
    log: Callable[[str], None] = print,
    only: Sequence[str] = (),
    *,
    halves_scorer: HalvesScorer | None,
) -> dict[str, Pipeline]:
    """Rebuild every shipped model: skops Pipeline + the exported serving files, then the blend
    weights and calibration of the blended scores (always refitted: they depend on every
    model). Pass `halves_scorer=None` only to skip them (the shipped ones then no longer
    match)."""
    pipes: dict[str, Pipeline] = {}
    extra: dict[str, dict[str, Any]] = {}
    if not only or "clickbait" in only:
        log("training clickbait models on Stop Clickbait and Webis 2017 (dev splits)…")
        pipes.update(train_clickbait(data_dir, labeled_dir, meta=extra, log=log))
    if not only or set(only) & set(BODY_RATINGS):
        log(f"training corpus models on {labeled_dir} (train fold)…")
        pipes.update({k: v for k, v in train_body(labeled_dir).items() if not only or k in only})
    env = {"python": platform.python_version(), "numpy": np.__version__}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, pipe in pipes.items():
        save_pipeline(pipe, out_dir / f"{name}.skops")
        write_exported(export(pipe, name), out_dir, {"trained_with": env, **extra.get(name, {})})
        write_card(pipe, name, out_dir, extra.get(name))
        log(f"  wrote {name}.skops and its serving export")
    if halves_scorer is None:
        log("  calibration not refitted (no blend scorer given)")
        return pipes
    log("calibrating the blended scores on the corpus's train fold (out of fold)…")
    build = train_calibration(
        labeled_dir, data_dir, halves_scorer, _graded_selection(extra, out_dir), log=log
    )
    write_calibration(build, out_dir)
    for rating, cv in build.table["cv_figures"].items():
        u, c = cv["uncalibrated"], cv["isotonic"]
        aucs = ", ".join(f"{g['w']:.1f}: {g['auc']:.3f}" for g in cv["blend_weights"]["grid"])
        log(f"  {rating}: CV AUC by model weight {aucs}; serving {cv['model_weight']:.1f}")
        log(
            f"  {rating}: train-fold CV accuracy at 50 {u['accuracy']:.3f} -> {c['accuracy']:.3f}"
            f", Brier {u['brier']:.4f} -> {c['brier']:.4f}"
            + ("" if rating in CALIBRATED else " (left uncalibrated)")
        )
    log("  wrote calibration.json and its card")
    return pipes


def _graded_selection(extra: Mapping[str, Any], folder: Path) -> dict[str, Any] | None:
    """The graded head's C and Platt (a, b): just chosen, or recorded in the shipped export."""
    if "clickbait_graded" in extra:
        return dict(extra["clickbait_graded"]["selection"])
    path = folder / "clickbait_graded.json"
    if not path.is_file():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")).get("selection") or {}) or None
