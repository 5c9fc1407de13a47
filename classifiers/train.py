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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from classifiers.learned import BODY_RATINGS, MODEL_DIR, body_input, lexical_features
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
    rows = [r for r in labeled_rows(labeled_dir) if r.get("fold") == "train"]
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
) -> dict[str, Pipeline]:
    """Rebuild every shipped model: skops Pipeline + the exported serving files."""
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
    return pipes
