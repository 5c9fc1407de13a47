"""`auditor train --data DIR` and `auditor eval --data DIR`: rebuild and measure the learned models.

Imports nothing heavy at module level: scikit-learn loads only when one of these commands runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = "../shared/data"
DEFAULT_LABELED = "fixtures/labeled"
DEFAULT_B2B = "fixtures/clickbait_b2b.jsonl"

GAP_NOTES = (
    "Webis MSE sits at the 0.035 target's edge (0.0342 in exploration before our own B2B "
    "subject lines joined the training set and min_df was raised to keep the served vocabulary "
    "small). A finer C / min_df search by nested CV, or a character-CNN, would buy the margin.",
    "`audit()` binary figures (score ≥ 50) are low because the blend halves the model with a "
    "rule score that rarely passes 50; its AUC/Spearman/pairwise show the ordering is sound. "
    "Calibrating the blended score (isotonic on the train fold) would fix the threshold.",
    "Webis F1 at the product threshold (p ≥ 0.5) is below the 0.70 target: the graded head is "
    "calibrated to the *mean* judgement, and the binary label is the *median* ≥ 0.5, so a "
    "calibrated score sits below 0.5 for many posts three of five readers called bait. The 2017 "
    "challenge's best system reached F1 0.683 with neural models. Closing it would take a "
    "second, F1-tuned threshold for the finding (chosen by CV on train folds, never on test) "
    "or a pretrained sentence encoder, which this offline build cannot download.",
    "Our corpus is a few hundred texts: body-model figures carry wide confidence intervals "
    "(±0.1 on AUC at n ≈ 80). More labelled texts per genre, and a second labeller to measure "
    "agreement, would tighten them.",
    "Value-add does not yet use C3 (constructive comments) as a proxy feature; a C3-trained "
    "'specific and substantive' score as one more dense feature is the next step.",
)


def _data_dir(args: argparse.Namespace) -> Path:
    path = Path(args.data)
    if not path.is_dir():
        raise ValueError(f"{path}: no such folder (pass the shared data folder with --data)")
    return path


def _train(args: argparse.Namespace) -> int:
    from classifiers import train

    data = _data_dir(args)
    start = time.perf_counter()
    out = Path(args.out) if args.out else train.MODEL_DIR
    train.train_all(data, Path(args.labeled), out, only=tuple(args.only or ()))
    print(f"trained in {time.perf_counter() - start:.0f} s; models in {out}")
    return 0


def _rules_only_scorer(row: dict[str, Any]) -> dict[str, float]:
    from auditor import engine
    from auditor.config import Config

    saved = list(engine.ENRICHERS)
    engine.ENRICHERS.clear()
    try:
        report = engine.audit(
            row["text"], row.get("kind", "email"), subject=row.get("subject"),
            config=Config(ignore=["CB900", "CB901", "SO900", "VA900", "VA901", "LM900"]),
        )  # fmt: skip
    finally:
        engine.ENRICHERS.extend(saved)
    return dict(report.scores)


def _audit_scorer(row: dict[str, Any]) -> dict[str, float]:
    from auditor.engine import audit

    return dict(audit(row["text"], row.get("kind", "email"), subject=row.get("subject")).scores)


def _eval(args: argparse.Namespace) -> int:
    from classifiers import evaluate, train

    data = _data_dir(args)
    results: dict[str, Any] = {"notes": list(GAP_NOTES)}
    labeled = Path(args.labeled)
    if not args.skip_cv:
        print(f"clickbait: {args.folds}-fold CV on {data} …", file=sys.stderr)
        results["clickbait_cv"] = evaluate.cv_clickbait(
            data, labeled if labeled.is_dir() else None, args.folds,
            log=lambda m: print(m, file=sys.stderr),
        )  # fmt: skip
    results["clickbait_extra"] = evaluate.shipped_on_extra_splits(data)
    if Path(args.b2b).is_file():
        results["b2b"] = evaluate.b2b_check(Path(args.b2b))
    if labeled.is_dir():
        rows = train.labeled_rows(labeled)
        heldout = [r for r in rows if r.get("fold") == "heldout"]
        results["corpus_n"] = len(heldout)
        results["corpus"] = evaluate.corpus_figures(
            heldout,
            {"audit()": _audit_scorer, "rules": _rules_only_scorer, "model": evaluate.model_scorer},
        )
        if not args.skip_cv:
            results["corpus_cv"] = evaluate.cv_corpus([r for r in rows if r.get("fold") == "train"])
    command = f"auditor eval --data {args.data}" + (" --skip-cv" if args.skip_cv else "")
    text = evaluate.render(results, command)
    if not args.skip_cv:
        evaluate.update_cards(results, train.MODEL_DIR, command)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    print(text)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="rebuild the learned models (fixed seeds)")
    p.add_argument("--data", default=DEFAULT_DATA, help="shared data folder (read, never copied)")
    p.add_argument("--labeled", default=DEFAULT_LABELED, help="our labelled corpus folder")
    p.add_argument("--out", help="where to write the models (default: the package's models/)")
    p.add_argument(
        "--only", nargs="*", choices=("clickbait", "self_orientation", "value_add", "lemming")
    )
    p.set_defaults(func=_train)

    p = sub.add_parser("eval", help="measure the learned models and write docs/EVAL.md")
    p.add_argument("--data", default=DEFAULT_DATA, help="shared data folder (read, never copied)")
    p.add_argument("--labeled", default=DEFAULT_LABELED)
    p.add_argument("--b2b", default=DEFAULT_B2B, help="B2B subject lines to check ordering on")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--skip-cv", action="store_true", help="shipped models only (fast)")
    p.add_argument("--out", default="docs/EVAL.md", help="markdown report path, or - for none")
    p.set_defaults(func=_eval)
