"""Engine speed and memory beside peer prose linters, measured in one run on the same texts.

Prints medians (p50) and p95 per text size for: audit() in-process, proselint, write-good and
alex (npm, when `npm ci` has been run in bench/), plus `auditor check` wall time and peak RSS.
Ratios are against the engine in the same run; absolute numbers vary with the machine.

    python bench/engine.py [--emails 200] [--posts 40] [--cli-runs 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
SENTENCES = [
    "I hope this email finds you well.",
    "My name is Dana and I lead partnerships at Brightline Analytics.",
    "You mentioned on Tuesday that your team closes about 300 invoices a week by hand.",
    "We are the leading provider of cutting-edge revenue intelligence.",
    "Our award-winning platform leverages AI to unlock synergy across your organization.",
    "The Forrester 2025 Total Economic Impact study found a 14% drop in days sales outstanding.",
    "If that backlog is mostly one question, a help-centre article may fix it without any new tool.",
    "Just checking in to see if you had a chance to review my last email.",
    "I know how you feel about another vendor pitch.",
    "What does a typical month-end close look like for your team?",
    "I'll send the revised quote by Thursday at 3 pm.",
    "We apologize for any inconvenience this may have caused.",
    "Sign before Friday and we will take 30% off, so act now!",
    "Here is the checklist we give every new customer, whether or not they buy.",
    "Your renewal is on 3 March, and the price stays at $42 a seat.",
    "Do you have 15 minutes this week for a quick call?",
    "Honestly, if you only need reporting, Metabase is free and may be enough.",
    "At the end of the day, it is all about moving the needle.",
    "The trade-off is that setup takes two weeks of your engineers' time.",
    "Looking forward to hearing from you.",
    "Tell me what's behind that concern?",
    "Thousands of companies trust us to deliver best-in-class results.",
    "Last quarter your support queue doubled after the pricing change.",
    "Digital transformation is a journey, and we are your trusted partner.",
]


def make_text(rng: random.Random, words: int) -> str:
    out, n, para = [], 0, []
    while n < words:
        s = rng.choice(SENTENCES)
        para.append(s)
        n += len(s.split())
        if len(para) >= rng.randint(2, 4):
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "Hi Sam,\n\n" + "\n\n".join(out) + "\n\nBest,\nAlex"


def timed(fn, texts: list[str], warm: list[str]) -> list[float]:
    for t in warm:
        fn(t)  # steady state: lazy loads, regex compilation, memos filled on other texts
    times = []
    for t in texts:
        start = time.perf_counter()
        fn(t)
        times.append((time.perf_counter() - start) * 1000)
    return times


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100)[int(q) - 1] if len(xs) > 2 else max(xs)


def proselint_fn():
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return None
    CheckRegistry().register_many(__register__)
    return lambda t: LintFile("<bench>", t).lint()


def node_peers(sets: dict[str, list[str]]) -> dict[str, dict[str, list[float]]]:
    if not (HERE / "node_modules" / "write-good").exists():
        print("  (peers: run `npm ci --prefix bench` to measure write-good and alex)")
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(sets, fh)
    p = subprocess.run(
        ["node", str(HERE / "peers.mjs"), fh.name], capture_output=True, text=True, timeout=600
    )
    if p.returncode != 0:
        print("  (peers failed: " + p.stderr.strip().splitlines()[-1] + ")")
        return {}
    return json.loads(p.stdout)


def cli_wall(runs: int, sample: Path) -> tuple[list[float], float]:
    exe = shutil.which("auditor") or str(Path(sys.executable).with_name("auditor"))
    subprocess.run([exe, "check", str(sample)], capture_output=True)  # warms the syllable cache
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "check", str(sample)], capture_output=True)
        walls.append((time.perf_counter() - start) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return walls, rss_mb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emails", type=int, default=200)
    ap.add_argument("--posts", type=int, default=40)
    ap.add_argument("--cli-runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="repeat every tool; medians over rounds")
    args = ap.parse_args()
    rng = random.Random(7)
    sets = {
        "150-word email": [make_text(rng, 150) for _ in range(args.emails)],
        "1,500-word post": [make_text(rng, 1500) for _ in range(args.posts)],
    }
    warm_rng = random.Random(8)
    warm = {
        label: [make_text(warm_rng, len(texts[0].split())) for _ in range(20)]
        for label, texts in sets.items()
    }

    t0 = time.perf_counter()
    from auditor import audit

    audit("Warm-up: load the rules and tables.", kind="email")
    print(f"engine import + first audit: {(time.perf_counter() - t0) * 1000:.0f} ms")
    # the build matters: a PGO/LTO CPython (a distribution's) audits about a fifth faster
    print(f"python {sys.version.split()[0]} at {sys.executable}")

    # Rounds alternate the tools, so a machine that slows down mid-run hits every tool alike;
    # the figures are medians over rounds of each round's p50.
    lint = proselint_fn()
    if lint is None:
        print("  (proselint not installed)")
    rounds: list[dict[str, dict[str, list[float]]]] = []
    for _ in range(args.rounds):
        results: dict[str, dict[str, list[float]]] = {"trust-auditor": {}}
        for label, texts in sets.items():
            kind = "email" if "email" in label else "blog"
            results["trust-auditor"][label] = timed(
                lambda t, k=kind: audit(t, kind=k), texts, warm[label]
            )
        if lint:
            results["proselint"] = {
                label: timed(lint, texts, warm[label]) for label, texts in sets.items()
            }
        results.update(node_peers(sets))
        rounds.append(results)

    for label in sets:
        print(f"\n{label} ({len(sets[label])} texts, {len(rounds)} round(s))")
        print(f"  {'tool':<15}{'p50 ms':>9}{'p95 ms':>9}{'p50 / ours':>12}  per round")
        ours = [statistics.median(r["trust-auditor"][label]) for r in rounds]
        for tool in rounds[0]:
            meds = [statistics.median(r[tool][label]) for r in rounds if tool in r]
            p95 = statistics.median(pct(r[tool][label], 95) for r in rounds if tool in r)
            ratios = [m / o for m, o in zip(meds, ours, strict=False)]
            each = " ".join(f"{x:.2f}x" for x in ratios) if len(rounds) > 1 else ""
            print(
                f"  {tool:<15}{statistics.median(meds):9.2f}{p95:9.2f}"
                f"{statistics.median(ratios):11.2f}x  {each}"
            )

    sample = HERE.parent / "fixtures" / "samples" / "cold-email-bad.txt"
    walls, rss = cli_wall(args.cli_runs, sample)
    print(
        f"\n`auditor check` on one file: wall p50 {statistics.median(walls):.0f} ms "
        f"(min {min(walls):.0f}, max {max(walls):.0f}) over {len(walls)} runs; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
