"""Time the self-orientation (SO) and value-add (VA) rules beside every other rule family.

Each run segments a fresh `Doc` first (segmentation is shared by all rules, so it is timed
separately), then runs every declared rule family in code order and records its time. Prints
p50/p95 per family for a ~150-word email and a ~1,500-word post, plus whole-engine `audit()`
for scale. Learned-model rules (codes x9xx) are grouped as ML. Figures are printed, never asserted.

    python bench/so_va_rules.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

from auditor import audit
from classifiers.rules import Context, load_rules, run_rule
from classifiers.text import Doc

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"


def _texts() -> dict[str, tuple[str, str]]:
    bad = (SAMPLES / "cold-email-bad.txt").read_text()
    good = (SAMPLES / "cold-email-good.txt").read_text()
    email = good + "\n\n" + bad.split("\n\n", 2)[1]  # about 150 words
    post = "\n\n".join([good, bad] * 6)  # about 1,500 words
    return {"email": (email, "email"), "post": (post, "blog")}


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    rules = load_rules()
    for name, (text, kind) in _texts().items():
        audit(text, kind=kind)  # warm caches and compiled regexes
        fam: dict[str, list[float]] = defaultdict(list)
        seg, whole = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            doc = Doc(text, kind)
            _ = doc.sentences, doc.word_table, doc.lower
            seg.append(time.perf_counter() - t0)
            ctx = Context(kind=kind)
            per: dict[str, float] = defaultdict(float)
            for rule in rules:
                t1 = time.perf_counter()
                run_rule(doc, rule, ctx)
                family = "ML" if rule.code[2] == "9" else rule.code[:2]  # learned: SO900…
                per[family] += time.perf_counter() - t1
            for k, v in per.items():
                fam[k].append(v)
            t2 = time.perf_counter()
            audit(text, kind=kind)
            whole.append(time.perf_counter() - t2)
        words = Doc(text).word_count
        print(f"{name} ({words} words, {args.runs} runs)")
        print(f"  {'segmentation':14} p50 {_pct(seg, 0.5):7.3f} ms  p95 {_pct(seg, 0.95):7.3f} ms")
        for k in sorted(fam, key=lambda k: -statistics.median(fam[k])):
            print(
                f"  {k + ' rules':14} p50 {_pct(fam[k], 0.5):7.3f} ms  p95 {_pct(fam[k], 0.95):7.3f} ms"
            )
        print(
            f"  {'audit() total':14} p50 {_pct(whole, 0.5):7.3f} ms  p95 {_pct(whole, 0.95):7.3f} ms"
        )


if __name__ == "__main__":
    main()
