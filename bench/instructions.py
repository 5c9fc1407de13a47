"""Instructions per audit under callgrind: a figure that does not move with the machine's load.

Wall-clock medians on a shared 2-core machine swing by 30% between runs; callgrind counts the
instructions executed, which repeat exactly for the same code and inputs (hash seed fixed). Each
figure is (run with N audits − run with none) / N, after the same warm-up, so start-up, imports
and the model loads cancel out. Needs valgrind (Debian package `valgrind`).

    python bench/instructions.py [--emails 40] [--posts 8]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
WORKLOAD = """
import random, sys
sys.path.insert(0, {bench!r})
from engine import make_text
from auditor import audit
kind, words, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
texts = [make_text(rng, words) for _ in range(10 + n)]
for t in texts:  # the first ten warm up: lazy loads, regex compilation, memos
    audit(t, kind=kind)
"""


def instructions(script: Path, kind: str, words: int, n: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, str(script), kind, str(words), str(n)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise RuntimeError("callgrind printed no total:\n" + out[-2000:])
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emails", type=int, default=40)
    ap.add_argument("--posts", type=int, default=8)
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    script = Path(os.environ.get("TMPDIR", "/tmp")) / "trust_auditor_instructions.py"
    script.write_text(WORKLOAD.format(bench=str(HERE.resolve())), encoding="utf-8")
    subprocess.run([sys.executable, "-c", "import auditor"], check=True)  # .pyc files written
    for label, kind, words, n in (
        ("150-word email", "email", 150, args.emails),
        ("1,500-word post", "blog", 1500, args.posts),
    ):
        per_audit = (
            instructions(script, kind, words, n) - instructions(script, kind, words, 0)
        ) / n
        print(f"{label}: {per_audit / 1e6:.2f} M instructions per audit ({n} audits)")


if __name__ == "__main__":
    main()
