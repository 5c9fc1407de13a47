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


def _data_dir(args: argparse.Namespace) -> Path:
    path = Path(args.data)
    if not path.is_dir():
        raise ValueError(f"{path}: no such folder (pass the shared data folder with --data)")
    return path


def _train(args: argparse.Namespace) -> int:
    from auditor.learned import blend_halves
    from classifiers import train

    data = _data_dir(args)
    start = time.perf_counter()
    out = Path(args.out) if args.out else train.MODEL_DIR
    train.train_all(
        data, Path(args.labeled), out, only=tuple(args.only or ()), halves_scorer=blend_halves
    )
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


def _uncalibrated_audit_scorer(row: dict[str, Any]) -> dict[str, float]:
    from auditor.learned import uncalibrated

    with uncalibrated():
        return _audit_scorer(row)


def _even_blend_scorer(row: dict[str, Any]) -> dict[str, float]:
    from auditor.learned import blend_weights, uncalibrated

    with blend_weights({}), uncalibrated():
        return _audit_scorer(row)


def _eval(args: argparse.Namespace) -> int:
    from classifiers import calibration, evaluate, train

    data = _data_dir(args)
    results: dict[str, Any] = {}
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
            {
                "audit()": _audit_scorer,
                evaluate.BEFORE: _uncalibrated_audit_scorer,
                "rules": _rules_only_scorer,
                "model": evaluate.model_scorer,
            },
        )
        results["corpus_model_texts"] = evaluate.corpus_figures(
            [r for r in heldout if r.get("kind") != "headline"],
            {
                "audit()": _audit_scorer,
                evaluate.BEFORE: _uncalibrated_audit_scorer,
                evaluate.EVEN_BLEND: _even_blend_scorer,
            },
        )
        if not args.skip_cv:
            results["corpus_cv"] = evaluate.cv_corpus([r for r in rows if r.get("fold") == "train"])
            if (data / "c3_constructive").is_dir():
                results["c3"] = evaluate.c3_value_add(data, rows)
    if calibration.CALIBRATION_FILE.is_file():
        results["calibration"] = calibration.load()
    results["notes"] = evaluate.gap_notes(results)
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
