"""Every report for ~4,500 texts as JSON lines, so that a change meant to be behaviour-preserving
(a speed-up) can be shown to be: dump before, dump after, `cmp` the two files.

Texts: every rule's examples in every kind it applies to, the labelled fixtures and copies of
them with mangled spacing, the engine benchmark's emails and posts, and (with --data) samples
of the public data sets read in place.

    python scripts/dump_reports.py OUT.jsonl [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from engine import make_text  # noqa: E402

from auditor import audit  # noqa: E402
from classifiers.rules import load_rules  # noqa: E402

PUBLIC = (
    ("stop_clickbait", "headline"),
    ("webis_clickbait17", "social"),
    ("c3_constructive", "social"),
)


def texts(data: Path | None) -> list[tuple[str, str, str | None]]:
    items: list[tuple[str, str, str | None]] = []
    for r in load_rules():
        kind = r.example_kind or ("headline" if r.scope == "headline" else None)
        for example in r.fire + r.pass_:
            for k in [kind] if kind else ["email", "blog", "social", "headline"]:
                if kind or k in r.kinds:
                    items.append((example, k, None))
    for path in sorted((ROOT / "fixtures" / "labeled").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                items.append((d["text"], d.get("kind", "email"), d.get("subject")))
                spaced = re.sub(" ", "  ", d["text"]).replace("\n\n", "\n \n")
                items.append((spaced, d.get("kind", "email"), None))
    rng = random.Random(11)
    items += [(make_text(rng, 150), "email", None) for _ in range(150)]
    items += [(make_text(rng, 1500), "blog", None) for _ in range(20)]
    if data is not None:
        for name, kind in PUBLIC:
            with gzip.open(data / name / "dev.jsonl.gz", "rt", encoding="utf-8") as fh:
                rows = [json.loads(line) for _, line in zip(range(400), fh, strict=False)]
            items += [(row["text"], kind, None) for row in rows]
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, help="the public data sets' folder (read in place)")
    args = ap.parse_args()
    items = texts(args.data)
    with args.out.open("w", encoding="utf-8") as out:
        for text, kind, subject in items:
            try:
                report = audit(text, kind=kind, subject=subject).to_dict()
            except ValueError as e:
                report = {"error": str(e)}
            out.write(json.dumps(report, sort_keys=True) + "\n")
    print(f"{len(items)} reports -> {args.out}")


if __name__ == "__main__":
    main()
