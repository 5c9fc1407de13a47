"""Honest evaluation of the learned models: K-fold CV on the shared dev sets, the held-out fold of
our corpus, the B2B subject-line check, and `docs/EVAL.md`.

Pure: data comes from paths passed in. Imports scikit-learn (through `classifiers.train`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

from classifiers import learned, train
from classifiers.text import Doc

RATINGS = train.RATINGS
# Direction of "positive" for binary figures: the problem is present (label >= 2), except
# value-add where positive means "valuable" (label >= 2). Scores use the same directions.
Scorer = Callable[[dict[str, Any]], Mapping[str, float]]


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _auc(y: Sequence[int], s: Sequence[float]) -> float | None:
    return float(roc_auc_score(y, s)) if len(set(y)) == 2 else None


def binary_figures(y: Sequence[int], scores01: Sequence[float], threshold: float = 0.5) -> dict:
    pred = [int(s >= threshold) for s in scores01]
    return {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "auc": _auc(y, scores01),
    }


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    if len(set(a)) < 2 or len(set(b)) < 2:
        return None
    return float(spearmanr(a, b).statistic)


def pairwise_ordering(
    items: Sequence[tuple[Any, float, float]],
) -> tuple[float, int]:
    """Within each group, for every two items whose labels differ: does the score order agree?

    `items` are (group, label, score). Ties in score count as half right.
    """
    right = total = 0.0
    groups: dict[Any, list[tuple[float, float]]] = {}
    for g, label, s in items:
        groups.setdefault(g, []).append((label, s))
    for members in groups.values():
        for (la, sa), (lb, sb) in itertools.combinations(members, 2):
            if la == lb:
                continue
            total += 1
            if sa == sb:
                right += 0.5
            elif (sa > sb) == (la > lb):
                right += 1
    return right, int(total)


# --- clickbait on the shared dev sets -------------------------------------------------------


def cv_clickbait(
    data_dir: Path,
    labeled_dir: Path | None = None,
    folds: int = 5,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """K-fold CV (stratified, seed 0): each fold retrains both heads as `auditor train` does."""
    sc = train.dev_rows(data_dir, "stop_clickbait")
    wb = train.dev_rows(data_dir, "webis_clickbait17")
    own_t, own_m = [], []
    if labeled_dir is not None:
        own = [r for r in train.labeled_rows(labeled_dir) if r.get("fold") == "train"]
        own_t, own_m = train.headline_rows(own)
    sct = np.array([r["text"] for r in sc], dtype=object)
    scy = np.array([r["label"] for r in sc])
    wbt = np.array([r["text"] for r in wb], dtype=object)
    wby = np.array([r["label"] for r in wb])
    wbm = np.array([r["truth_mean"] for r in wb])
    k = StratifiedKFold(folds, shuffle=True, random_state=train.SEED)
    p_style = np.zeros(len(sc))
    p_graded = np.zeros(len(wb))
    p_graded_on_sc = np.zeros(len(sc))
    for i, ((a, b), (c, d)) in enumerate(zip(k.split(sct, scy), k.split(wbt, wby), strict=True)):
        style = train.fit_clickbait_style(sct[a].tolist(), scy[a])
        graded = train.fit_clickbait_graded(wbt[c].tolist() + own_t, wbm[c].tolist() + own_m)
        p_style[b] = style.predict_proba(sct[b].tolist())[:, 1]
        p_graded[d] = graded.predict_proba(wbt[d].tolist())[:, 1]
        p_graded_on_sc[b] = graded.predict_proba(sct[b].tolist())[:, 1]
        log(f"  clickbait fold {i + 1}/{folds} done")
    best_f1, best_t = max((f1_score(wby, p_graded >= t), t) for t in np.arange(0.30, 0.61, 0.025))
    return {
        "folds": folds,
        "stop_clickbait": {
            "style": binary_figures(scy.tolist(), p_style.tolist()),
            "graded": binary_figures(scy.tolist(), p_graded_on_sc.tolist()),
        },
        "webis": {
            **binary_figures(wby.tolist(), p_graded.tolist()),
            "mse": float(mean_squared_error(wbm, p_graded)),
            "mse_baseline": float(np.var(wbm)),
            "spearman": spearman(wbm.tolist(), p_graded.tolist()),
            "best_f1": float(best_f1),
            "best_threshold": float(best_t),
        },
    }


def shipped_on_extra_splits(data_dir: Path) -> dict[str, Any]:
    """The shipped models on any split other than `dev` (e.g. a held-back `test.jsonl.gz`)."""
    out: dict[str, Any] = {}
    style, graded = learned.model("clickbait_style"), learned.model("clickbait_graded")
    for name in ("stop_clickbait", "webis_clickbait17"):
        folder = Path(data_dir) / name
        for path in sorted(folder.glob("*.jsonl*")) if folder.is_dir() else []:
            if path.name.startswith("dev."):
                continue
            rows = train.read_jsonl(path)
            y = [int(r["label"]) for r in rows]
            if name == "stop_clickbait" and style is not None:
                out[f"{name}/{path.name}"] = binary_figures(
                    y, [style.predict(r["text"]) for r in rows]
                )
            elif graded is not None:
                p = [graded.predict(r["text"]) for r in rows]
                fig = binary_figures(y, p)
                if all("truth_mean" in r for r in rows):
                    m = [r["truth_mean"] for r in rows]
                    fig["mse"] = float(mean_squared_error(m, p))
                out[f"{name}/{path.name}"] = fig
    return out


def b2b_check(path: Path) -> dict[str, Any]:
    """Our own B2B subject lines and post openers (labels 0..3): does the model order them?"""
    rows = train.read_jsonl(path)
    graded = learned.model("clickbait_graded")
    if graded is None:
        return {}
    scores = [graded.predict(r["text"]) for r in rows]
    labels = [r["label"] for r in rows]
    right, total = pairwise_ordering([(0, lab, s) for lab, s in zip(labels, scores, strict=True)])
    by_level = {
        lvl: float(np.mean([s for s, lab in zip(scores, labels, strict=True) if lab == lvl]))
        for lvl in sorted(set(labels))
    }
    return {
        "n": len(rows),
        "spearman": spearman(labels, scores),
        "auc": _auc([int(lab >= 2) for lab in labels], scores),
        "pairwise": right / total if total else None,
        "mean_by_label": by_level,
        "rows": [
            {"text": r["text"], "label": r["label"], "score": round(100 * s, 1)}
            for r, s in zip(rows, scores, strict=True)
        ],
    }


# --- our corpus -------------------------------------------------------------------------------


def model_scorer(row: dict[str, Any]) -> dict[str, float]:
    """The learned half alone, as `audit()` computes it (no rules)."""
    kind = row.get("kind", "email")
    subject = row.get("subject") if kind == "email" else None
    body = Doc(row["text"], kind)
    sub = Doc(subject, kind, field="subject") if subject else None
    return learned.learned_scores(body, sub, kind)


def corpus_figures(rows: Sequence[dict[str, Any]], scorers: Mapping[str, Scorer]) -> dict:
    """Per rating and scorer: accuracy/F1/AUC at label >= 2 vs score >= 50, Spearman, pairs."""
    out: dict[str, Any] = {}
    scored = {name: [fn(r) for r in rows] for name, fn in scorers.items()}
    for rating in RATINGS:
        per: dict[str, Any] = {}
        for name, all_scores in scored.items():
            items = [
                (r, s[rating])
                for r, s in zip(rows, all_scores, strict=True)
                if rating in s and (r.get("labels") or {}).get(rating) is not None
            ]
            if not items:
                continue
            labels = [r["labels"][rating] for r, _ in items]
            scores = [s for _, s in items]
            fig = binary_figures([int(lab >= 2) for lab in labels], [s / 100 for s in scores])
            fig["spearman"] = spearman(labels, scores)
            right, total = pairwise_ordering(
                [(r["pair_id"], r["labels"][rating], s) for r, s in items if r.get("pair_id")]
            )
            fig["pairs"] = total
            fig["pairwise"] = right / total if total else None
            per[name] = fig
        out[rating] = per
    return out


def cv_corpus(rows: Sequence[dict[str, Any]], folds: int = 5) -> dict[str, Any]:
    """GroupKFold (minimal pairs kept together) on the train fold: the body models' CV figures."""
    out: dict[str, Any] = {}
    for rating in learned.BODY_RATINGS:
        usable = [r for r in rows if (r.get("labels") or {}).get(rating) is not None]
        if len(usable) < folds * 4:
            continue
        texts, labels = train.body_training_set(usable, rating)
        groups = [r.get("pair_id") or r["id"] for r in usable]
        pred = np.zeros(len(texts))
        for a, b in GroupKFold(folds).split(texts, labels, groups):
            pipe = train.fit_body([texts[i] for i in a], [labels[i] for i in a])
            pred[b] = pipe.predict([texts[i] for i in b])
        scores = [learned.to_score(p) / 100 for p in pred]
        fig = binary_figures([int(lab >= 2) for lab in labels], scores)
        fig["spearman"] = spearman(labels, scores)
        out[rating] = fig
    return out


def card_figures(results: Mapping[str, Any]) -> dict[str, list[str]]:
    """The figure lines each model card repeats from EVAL.md."""
    out: dict[str, list[str]] = {}
    cb = results.get("clickbait_cv")
    if cb:
        st, wb = cb["stop_clickbait"]["style"], cb["webis"]
        out["clickbait_style"] = [
            f"- Stop Clickbait, {cb['folds']}-fold CV: accuracy {_f(st['accuracy'])}, "
            f"F1 {_f(st['f1'])}, AUC {_f(st['auc'])} (target accuracy ≥ 0.97)."
        ]
        out["clickbait_graded"] = [
            f"- Webis 2017, {cb['folds']}-fold CV: MSE vs truth_mean {_f(wb['mse'], 4)} "
            f"(target ≤ 0.035; predicting the mean: {_f(wb['mse_baseline'], 4)}), F1 at p ≥ 0.5 "
            f"{_f(wb['f1'])} (target 0.70), AUC {_f(wb['auc'])}, Spearman {_f(wb['spearman'])}."
        ]
    b2b = results.get("b2b")
    if b2b:
        out.setdefault("clickbait_graded", []).append(
            f"- B2B subject lines (n = {b2b['n']}): Spearman {_f(b2b['spearman'])}, "
            f"pairwise ordering {_f(b2b['pairwise'])}."
        )
    for rating, per in (results.get("corpus") or {}).items():
        fig = per.get("model")
        if fig and rating in learned.BODY_RATINGS:
            out[rating] = [
                f"- Corpus held-out fold (n = {fig['n']}), model alone: AUC {_f(fig['auc'])}, "
                f"Spearman {_f(fig['spearman'])}, accuracy {_f(fig['accuracy'])}, "
                f"F1 {_f(fig['f1'])}, minimal-pair ordering {_f(fig['pairwise'])} "
                f"({fig['pairs']} pairs)."
            ]
            if per.get("audit()"):
                a = per["audit()"]
                out[rating].append(
                    f"- Blended with the rules in `audit()`: AUC {_f(a['auc'])}, "
                    f"Spearman {_f(a['spearman'])}."
                )
    for rating, fig in (results.get("corpus_cv") or {}).items():
        out.setdefault(rating, []).append(
            f"- 5-fold GroupKFold on the train fold: AUC {_f(fig['auc'])}, "
            f"Spearman {_f(fig['spearman'])}."
        )
    return out


def update_cards(results: Mapping[str, Any], folder: Path, command: str) -> None:
    for name, lines in card_figures(results).items():
        path = folder / f"{name}.md"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        head = text.split(train.FIGURES_MARK)[0].rstrip()
        body = "\n".join(lines)
        path.write_text(
            f"{head}\n\n{train.FIGURES_MARK}\n\nFrom `{command}` (full table: docs/EVAL.md):\n\n"
            f"{body}\n",
            encoding="utf-8",
        )


# --- EVAL.md ----------------------------------------------------------------------------------

TARGETS = {
    "stop_accuracy": 0.97,
    "webis_f1": 0.70,
    "webis_mse": 0.035,
}


def render(results: Mapping[str, Any], command: str) -> str:
    """`docs/EVAL.md` from the figures `auditor eval` computed."""
    L: list[str] = [
        "# Evaluation of the learned models",
        "",
        f"Generated by `{command}` — do not edit by hand. Model cards: `classifiers/models/`.",
        "",
    ]
    cb = results.get("clickbait_cv")
    if cb:
        sc, wb = cb["stop_clickbait"], cb["webis"]
        ok = lambda good: "met" if good else "**not met**"  # noqa: E731
        L += [
            f"## Clickbait — {cb['folds']}-fold cross-validation on the shared dev sets",
            "",
            "Each fold retrains both heads exactly as `auditor train` does (seed 0).",
            "",
            "| data | head | n | accuracy | F1 | AUC | MSE vs truth_mean | Spearman | target |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| Stop Clickbait | style (product's CB901) | {sc['style']['n']} | "
            f"{_f(sc['style']['accuracy'])} | {_f(sc['style']['f1'])} | {_f(sc['style']['auc'])} "
            f"| – | – | accuracy ≥ 0.97: {ok(sc['style']['accuracy'] >= TARGETS['stop_accuracy'])} |",
            f"| Stop Clickbait | graded (the score), p ≥ 0.5 | {sc['graded']['n']} | "
            f"{_f(sc['graded']['accuracy'])} | {_f(sc['graded']['f1'])} | {_f(sc['graded']['auc'])} "
            "| – | – | (cross-task: see below) |",
            f"| Webis 2017 | graded (the score), p ≥ 0.5 | {wb['n']} | {_f(wb['accuracy'])} | "
            f"{_f(wb['f1'])} | {_f(wb['auc'])} | {_f(wb['mse'], 4)} | {_f(wb['spearman'])} | "
            f"MSE ≤ 0.035: {ok(wb['mse'] <= TARGETS['webis_mse'])}; "
            f"F1 ≥ 0.70: {ok(wb['f1'] >= TARGETS['webis_f1'])} |",
            "",
            f"- Webis MSE of always predicting the mean: {_f(wb['mse_baseline'], 4)}. "
            f"Best F1 over thresholds chosen *after the fact* on these out-of-fold scores: "
            f"{_f(wb['best_f1'])} at p ≥ {wb['best_threshold']:.3f} (optimistic; not used).",
            "- Two heads, because the two sets measure different things: Stop Clickbait is "
            "labelled by publisher (viral sites vs news wires), Webis by five readers' "
            "judgements of each post. One score cannot be calibrated to Webis' mean judgement "
            "and also split Stop Clickbait at 0.97: tried as a stacked blend, every weighting "
            "that reached 0.97 on Stop Clickbait raised Webis MSE above 0.06. The product's "
            "0–100 clickbait score is the graded head (score/100 ≈ share of readers calling it "
            "bait); the style head drives the CB901 finding.",
            "",
        ]
    extra = results.get("clickbait_extra")
    if extra:
        L += ["### Shipped models on other splits found in the data folder", ""]
        L += ["| split | n | accuracy | F1 | AUC | MSE |", "|---|---|---|---|---|---|"]
        for name, fig in extra.items():
            L.append(
                f"| {name} | {fig['n']} | {_f(fig['accuracy'])} | {_f(fig['f1'])} | "
                f"{_f(fig['auc'])} | {_f(fig.get('mse'), 4)} |"
            )
        L.append("")
    b2b = results.get("b2b")
    if b2b:
        L += [
            "## Clickbait — our B2B subject lines and post openers (`fixtures/clickbait_b2b.jsonl`)",
            "",
            "Written by us, labelled 0–3 with the corpus guide, never trained on: does the shipped "
            "graded model (trained on news tweets) order business subject lines sensibly?",
            "",
            f"- n = {b2b['n']}; Spearman {_f(b2b['spearman'])}; AUC (label ≥ 2) "
            f"{_f(b2b['auc'])}; pairwise ordering accuracy {_f(b2b['pairwise'])}",
            "- mean score by label: "
            + ", ".join(f"{k}: {100 * v:.0f}" for k, v in b2b["mean_by_label"].items()),
            "",
            "| label | score | text |",
            "|---|---|---|",
        ]
        for r in sorted(b2b["rows"], key=lambda r: (r["label"], r["score"])):
            L.append(f"| {r['label']} | {r['score']:.0f} | {r['text'].replace('|', '/')} |")
        L.append("")
    corpus = results.get("corpus")
    if corpus:
        L += [
            f"## Our corpus — held-out fold (`fixtures/labeled`, n = {results.get('corpus_n')})",
            "",
            "Never used for training or tuning. Binary figures: label ≥ 2 vs score ≥ 50 "
            "(for value-add, positive = valuable). Spearman against the 0–3 label. Pairwise: "
            "ordering accuracy within minimal pairs whose labels differ. `audit()` is the "
            "product (rules blended 50/50 with the model); `rules` is the engine with the "
            "learned parts switched off; `model` is the learned half alone.",
            "",
            "| rating | scorer | n | accuracy | F1 | AUC | Spearman | pairs | pairwise |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for rating, per in corpus.items():
            for name, fig in per.items():
                L.append(
                    f"| {rating} | {name} | {fig['n']} | {_f(fig['accuracy'])} | {_f(fig['f1'])} "
                    f"| {_f(fig['auc'])} | {_f(fig['spearman'])} | {fig['pairs']} | "
                    f"{_f(fig['pairwise'])} |"
                )
        L.append("")
    cvc = results.get("corpus_cv")
    if cvc:
        L += [
            "### Body models — 5-fold GroupKFold on the corpus's train fold (pairs kept together)",
            "",
            "| rating | n | accuracy | F1 | AUC | Spearman |",
            "|---|---|---|---|---|---|",
        ]
        for rating, fig in cvc.items():
            L.append(
                f"| {rating} | {fig['n']} | {_f(fig['accuracy'])} | {_f(fig['f1'])} | "
                f"{_f(fig['auc'])} | {_f(fig['spearman'])} |"
            )
        L.append("")
    notes = results.get("notes")
    if notes:
        L += ["## Gaps and what would close them", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(L)
