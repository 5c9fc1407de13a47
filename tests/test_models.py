"""The learned models: shipped files load, the fast path agrees with the Pipelines, retraining
on a small slice reproduces the pipeline, and the models plug into `audit()` with explanations."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from classifiers import learned

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELED = ROOT / "fixtures" / "labeled"
needs_data = pytest.mark.skipif(
    not (DATA / "stop_clickbait" / "dev.jsonl.gz").is_file(), reason="shared data not present"
)

HEADLINES = [
    "You won't believe what this CEO said about pipeline",
    "Revised SOW for the Q3 warehouse audit",
    "17 Things Every Sales Manager Needs To Know",
    "Court blocks merger of two regional freight carriers",
    "",
    "   ",
    "ÉCOLE İstanbul ﬁnance — 42% up?!",
    "a",
]


def _corpus_texts() -> list[str]:
    texts = []
    for path in sorted(LABELED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.append(learned.body_input(row["text"], row.get("subject")))
    return texts


@pytest.mark.parametrize("name", learned.MODEL_NAMES)
def test_every_shipped_model_loads_with_its_card(name):
    m = learned.model(name)
    assert m is not None, f"{name} is not shipped"
    assert m.meta["sklearn"] and m.meta["version"]
    assert (learned.MODEL_DIR / f"{name}.skops").is_file()
    card = (learned.MODEL_DIR / f"{name}.md").read_text(encoding="utf-8")
    assert "Licence" in card and "auditor train" in card and m.meta["sklearn"] in card


def test_cb900_uses_the_threshold_the_graded_head_learned():
    """The product's CB900 finding and the Webis F1 in docs/EVAL.md use one threshold: the one
    `auditor train` chose by cross-validation (recorded in clickbait_graded.json)."""
    import tomllib

    rules = tomllib.loads((ROOT / "classifiers" / "rules" / "learned.toml").read_text("utf-8"))
    cb900 = next(r for r in rules["rule"] if r["code"] == "CB900")
    learned_threshold = learned.model("clickbait_graded").meta["threshold"]
    assert cb900["params"]["threshold"] == pytest.approx(learned_threshold, abs=1e-9)


def test_all_models_load_within_300_ms_together():
    learned.model.cache_clear()
    start = time.perf_counter()
    for name in learned.MODEL_NAMES:
        learned.model(name)
    assert time.perf_counter() - start < 1.5  # budget 0.3 s; bench/models.py measures it


@pytest.mark.slow
@pytest.mark.parametrize("name", learned.MODEL_NAMES)
def test_fast_path_agrees_with_the_shipped_skops_pipeline(name):
    from classifiers.train import load_pipeline

    pipe = load_pipeline(learned.MODEL_DIR / f"{name}.skops")
    fast = learned.model(name)
    texts = HEADLINES + _corpus_texts()[:150]
    if name.startswith("clickbait"):
        ref = pipe.predict_proba(texts)[:, 1]
    else:
        ref = pipe.predict(texts)
    got = np.array([fast.predict(t) for t in texts])
    np.testing.assert_allclose(got, ref, atol=1e-5)


@needs_data
def test_retraining_on_a_small_slice_reproduces_the_pipeline(tmp_path):
    from classifiers import train

    meta: dict = {}
    first = train.train_clickbait(DATA, limit=400, meta=meta)
    second = train.train_clickbait(DATA, limit=400)
    assert meta["clickbait_graded"]["threshold"] in train.GRADED_THRESHOLDS
    for name, pipe in first.items():
        np.testing.assert_array_equal(pipe[-1].coef_, second[name][-1].coef_)
        train.write_exported(train.export(pipe, name), tmp_path)
        fast = learned.LinearModel.load(name, tmp_path)
        texts = HEADLINES + [r["text"] for r in train.dev_rows(DATA, "webis_clickbait17")[:200]]
        got = np.array([fast.predict(t) for t in texts])
        np.testing.assert_allclose(got, pipe.predict_proba(texts)[:, 1], atol=1e-5)
        train.save_pipeline(pipe, tmp_path / f"{name}.skops")
        again = train.load_pipeline(tmp_path / f"{name}.skops")
        np.testing.assert_allclose(again.predict_proba(texts), pipe.predict_proba(texts))


def test_body_model_retrains_with_the_lexical_block_and_exports_exactly(tmp_path):
    from classifiers import train

    rows = train.labeled_rows(LABELED)[:120]
    texts, labels = train.body_training_set(rows, "self_orientation")
    pipe = train.fit_body(texts, labels)
    train.write_exported(train.export(pipe, "self_orientation"), tmp_path)
    fast = learned.LinearModel.load("self_orientation", tmp_path)
    probe = texts[:40] + HEADLINES
    np.testing.assert_allclose([fast.predict(t) for t in probe], pipe.predict(probe), atol=1e-5)


def test_char_wb_and_word_ngrams_match_sklearn_analyzers():
    import re

    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = HEADLINES + ["Don't  stop\tme now — it's 2025!!", "x y", "naïve café déjà-vu"]
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    word = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    pat = re.compile(r"(?u)\b\w\w+\b")
    for t in texts:
        assert learned.char_wb_ngrams(t.lower(), 2, 5) == char(t)
        assert learned.word_ngrams(t.lower(), 1, 2, pat) == word(t)


def test_headline_audit_blends_the_learned_score_and_explains_it():
    bait = audit("You won't believe what this CEO said about pipeline", kind="headline")
    plain = audit("Revised SOW for the Q3 warehouse audit", kind="headline")
    assert bait.scores["clickbait"] > plain.scores["clickbait"]
    cb900 = [f for f in bait.findings if f.rule == "CB900"]
    assert cb900 and cb900[0].start == 0 and cb900[0].end == len(bait.text)
    assert "%" in cb900[0].message
    assert "model.clickbait_graded" in bait.versions


def test_email_subject_is_rated_by_the_clickbait_model_and_anchored_to_the_subject():
    r = audit(
        "Hi Sam, the revised contract is attached.",
        kind="email",
        subject="You won't believe what this CEO said about pipeline",
    )
    hits = [f for f in r.findings if f.rule == "CB900"]
    assert hits and hits[0].field == "subject"


def test_body_models_order_a_self_oriented_email_above_a_reader_oriented_one():
    pushy = (
        "Hi,\n\nWe are the industry-leading platform trusted by Fortune 500 brands. Our award-"
        "winning team built the best technology in the world. Book a 30-minute demo with me "
        "this week — our offer ends Friday.\n\nBest,\nKevin"
    )
    helpful = (
        "Hi Marta,\n\nYour Q2 review tracks on-time delivery per carrier but not dwell time at "
        "the Reno dock. Pulling last quarter's accessorial lines by carrier shows whether Reno "
        "stands out; the FMCSA data puts two of your carriers 40% above the regional median.\n\n"
        "Best,\nKevin"
    )
    a, b = audit(pushy), audit(helpful)
    assert a.scores["self_orientation"] > b.scores["self_orientation"]
    assert a.scores["value_add"] < b.scores["value_add"]
    assert a.scores["lemming"] > b.scores["lemming"]


def test_learned_predictions_are_cached_per_document():
    from classifiers.text import Doc

    doc = Doc("We are the best platform. Book a demo with us today.", "email")
    first = learned.body_predictions(doc)
    assert learned.body_predictions(doc) is first


def test_eval_reports_corpus_figures_without_cross_validation(tmp_path):
    from auditor.cli import main

    out = tmp_path / "EVAL.md"
    data = DATA if DATA.is_dir() else tmp_path
    assert main(["eval", "--data", str(data), "--skip-cv", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "held-out fold" in text and "| self_orientation | model |" in text
    assert "B2B subject lines" in text


def test_train_refuses_a_missing_data_folder(tmp_path, capsys):
    from auditor.cli import main

    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err
