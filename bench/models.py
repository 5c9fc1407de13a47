"""Costs of the learned models: import, load, predict, and the engine with and without them.

Prints medians (and p90) over repeated runs; run with `python bench/models.py`. Each cold
figure is measured in a fresh interpreter so module caches do not hide it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = {
    "import classifiers.learned": "import classifiers.learned",
    "load all 5 exported models": (
        "import classifiers.learned as L, time; t=time.perf_counter()\n"
        "[L.model(n) for n in L.MODEL_NAMES]; print(time.perf_counter()-t)"
    ),
    "import sklearn (for comparison)": "import sklearn.linear_model",
    "load clickbait_graded.skops (for comparison)": (
        "import time; t=time.perf_counter()\nfrom classifiers.train import load_pipeline\n"
        "from classifiers.learned import MODEL_DIR\n"
        "load_pipeline(MODEL_DIR / 'clickbait_graded.skops'); print(time.perf_counter()-t)"
    ),
}


def cold(code: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        if "print(" in code:
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 cwd=ROOT, check=True)  # fmt: skip
            times.append(float(out.stdout.strip().splitlines()[-1]))
        else:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
            base = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], cwd=ROOT, check=True)
            times.append((base - t) - (time.perf_counter() - base))
    return statistics.median(times)


def warm(fn, runs: int = 200) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]


def main() -> None:
    from auditor import engine
    from classifiers import learned
    from classifiers.text import Doc

    print("cold costs (fresh interpreter, median of 5):")
    for label, code in COLD.items():
        print(f"  {label:<46} {1000 * cold(code):8.1f} ms")

    headline = "You won't believe what this CEO said about your pipeline"
    sentence = (
        "We help companies like yours streamline operations and you can see the numbers "
        "from your own dashboard before we talk. "
    )
    email150 = sentence * 6
    post1500 = sentence * 60
    m = learned.model("clickbait_graded")
    print("\nwarm costs (median / p90):")
    for label, fn in (
        ("clickbait_graded.predict(headline)", lambda: m.predict(headline)),
        ("body models, 150-word email", lambda: learned.body_predictions(Doc(email150))),
        ("body models, 1,500-word post", lambda: learned.body_predictions(Doc(post1500))),
    ):
        med, p90 = warm(fn)
        print(f"  {label:<46} {1000 * med:8.3f} / {1000 * p90:.3f} ms")

    saved = list(engine.ENRICHERS)
    for label, text, kind in (
        ("audit() 150-word email", email150, "email"),
        ("audit() 1,500-word social/blog post", post1500, "blog"),
    ):
        with_models = warm(lambda t=text, k=kind: engine.audit(t, k, subject=headline), 100)
        engine.ENRICHERS.clear()
        without = warm(
            lambda t=text, k=kind: engine.audit(
                t, k, subject=headline, config=engine.Config(ignore=["CB9", "SO9", "VA9", "LM9"])
            ),
            100,
        )
        engine.ENRICHERS.extend(saved)
        print(
            f"  {label:<46} {1000 * with_models[0]:8.3f} ms with models, "
            f"{1000 * without[0]:.3f} ms rules only (ratio {with_models[0] / without[0]:.2f})"
        )


if __name__ == "__main__":
    main()
