"""Sameness index benchmark: build time, query latency and recall on a synthetic corpus.

    python bench/sameness.py                 # 100,000 documents (target: query p50 <= 20 ms)
    python bench/sameness.py --docs 20000    # quicker

Documents are drawn from a Zipf-distributed vocabulary (80-250 words each), so common words
and short common phrases recur the way they do in real prose. Queries are half near-duplicates
of indexed documents (about 10% of words replaced, plus a new greeting and sign-off) and half
fresh texts. Figures are printed, never asserted: run it on the machine you care about.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from classifiers.sameness import NEAR_DUPLICATE, SamenessIndex  # noqa: E402


def _vocabulary(n: int, rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 10, size=n)
    return ["".join(rng.choice(letters, size=int(ln))) for ln in lengths]


def _texts(n: int, vocab: list[str], rng: np.random.Generator) -> list[str]:
    ranks = np.arange(1, len(vocab) + 1)
    p = 1.0 / ranks**1.07
    p /= p.sum()
    lengths = rng.integers(80, 251, size=n)
    words = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
    out, pos = [], 0
    for ln in lengths.tolist():
        out.append(" ".join(vocab[i] for i in words[pos : pos + ln]) + ".")
        pos += ln
    return out


def _edit(text: str, vocab: list[str], rng: np.random.Generator) -> str:
    words = text.split()
    for i in rng.choice(len(words), size=max(1, len(words) // 10), replace=False):
        words[int(i)] = vocab[int(rng.integers(len(vocab)))]
    return "Hi Sam,\n\n" + " ".join(words) + "\n\nBest, Lee"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--vocab", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    vocab = _vocabulary(args.vocab, rng)

    t0 = time.perf_counter()
    texts = _texts(args.docs, vocab, rng)
    gen_s = time.perf_counter() - t0

    index = SamenessIndex()
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        index.add(f"doc-{i}", text)
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.query("warm up the index so that the first query pays for sorting")
    finalize_s = time.perf_counter() - t0

    half = args.queries // 2
    targets = rng.choice(args.docs, size=half, replace=False)
    dup_queries = [(f"doc-{int(t)}", _edit(texts[int(t)], vocab, rng)) for t in targets]
    fresh_queries = [(None, t) for t in _texts(args.queries - half, vocab, rng)]
    times, found, false_hits = [], 0, 0
    for expected, q in dup_queries + fresh_queries:
        t0 = time.perf_counter()
        matches = index.query(q, threshold=NEAR_DUPLICATE)
        times.append((time.perf_counter() - t0) * 1000)
        if expected is not None:
            found += bool(matches and matches[0].doc_id == expected)
        else:
            false_hits += bool(matches)

    buf = io.BytesIO()
    t0 = time.perf_counter()
    index.save(buf)
    save_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    SamenessIndex.load(buf.getvalue())
    load_s = time.perf_counter() - t0

    times.sort()
    arrays = index.to_arrays()
    mem_mb = sum(a.nbytes for a in arrays.values()) / 1e6
    words = sum(len(t.split()) for t in texts)
    print(f"documents              {args.docs:,} ({words / args.docs:.0f} words on average)")
    print(f"fingerprints           {len(arrays['keys']):,} ({mem_mb:.1f} MB of arrays)")
    print(f"corpus generation      {gen_s:.1f} s (not part of the index)")
    print(f"build: add()           {add_s:.1f} s ({add_s / args.docs * 1e6:.0f} us per document)")
    print(f"build: sort on 1st use {finalize_s:.2f} s")
    print(
        f"query                  p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms, max {times[-1]:.2f} ms "
        f"over {len(times)} queries (target p50 <= 20 ms)"
    )
    print(f"near-duplicates found  {found}/{len(dup_queries)} (10% of words replaced)")
    print(f"fresh texts matched    {false_hits}/{len(fresh_queries)} (should be 0)")
    print(
        f"save / load            {save_s:.2f} s / {load_s:.2f} s, {len(buf.getvalue()) / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
