"""The learned models: shipped files load, the fast path agrees with the Pipelines, retraining
on a small slice reproduces the pipeline, and the models plug into `audit()` with explanations."""

from __future__ import annotations

import json
import math
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
    from auditor.learned import blend_halves
    from classifiers import calibration, train

    meta: dict = {}
    first = train.train_clickbait(DATA, limit=400, meta=meta)
    second = train.train_clickbait(DATA, limit=400)
    assert meta["clickbait_graded"]["threshold"] in train.GRADED_THRESHOLDS

    # the blend weights and calibration: chosen and fitted on the train fold only, out of
    # fold, and rebuilt bit for bit
    folds_read: set[str] = set()

    def scorer(row, models):
        folds_read.add(row["fold"])
        return blend_halves(row, models)

    selection = meta["clickbait_graded"]["selection"]
    cal = train.train_calibration(LABELED, DATA, scorer, selection, limit=400)
    again = train.train_calibration(LABELED, DATA, blend_halves, selection, limit=400)
    assert folds_read == {"train"}, "weights and calibration must never read the heldout fold"
    assert cal.table == again.table
    assert set(cal.table["ratings"]) == set(train.CALIBRATED)
    train.write_calibration(cal, tmp_path)
    loaded = calibration.load(tmp_path / "calibration.json")
    served = calibration.curves_from(loaded)
    weights = calibration.weights_from(loaded)
    grid = np.linspace(-5.0, 105.0, 1101)
    for rating, fit in cal.fits.items():
        np.testing.assert_allclose([served[rating](v) for v in grid], fit.predict(grid), atol=1e-9)
        chosen = cal.table["cv_figures"][rating]["blend_weights"]
        assert weights[rating] == chosen["chosen"] == cal.table["ratings"][rating]["model_weight"]
        assert weights[rating] <= train.MAX_MODEL_WEIGHT, "the rule half must still count"
        # the calibration was fitted on the blend at the chosen weight, as score() computes it
        w = weights[rating]
        rows = [i for i, h in enumerate(cal.halves) if rating in h]
        blends = [(1.0 - w) * cal.halves[i][rating][0] + w * cal.halves[i][rating][1] for i in rows]
        assert len(blends) == cal.table["ratings"][rating]["n"]
        assert (fit.iso.X_min_, fit.iso.X_max_) == (min(blends), max(blends)), rating
    assert "clickbait" not in weights, "clickbait keeps the even blend"
    assert "Model card: calibration" in (tmp_path / "calibration.md").read_text("utf-8")

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


def test_ascii_fast_paths_agree_with_the_regexes():
    """`tokens`, the lexical words and the sentence-end count skip the regex scan on ASCII
    text; random strings of the characters that decide them must give the regexes' results."""
    import random
    import re

    pat = re.compile(learned.SKLEARN_TOKEN_PATTERN)
    rng = random.Random(0)
    pieces = list("aAzZ09_'’ .!?\n\t\x1c,-$%") + ["i'm", "YOU", "We", "rock'n'roll", "x'9", "é"]
    for _ in range(20_000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        for text in (t, t.replace("’", "'").replace("é", "e")):
            assert learned.tokens(text, pat) == pat.findall(text)
            words = [w.encode() for w in learned._WORD.findall(text)]
            assert learned._word_runs(text).split() == words
            assert learned._sentence_ends(text) == len(learned._SENT_END.findall(text))


def _lexical_features_by_regex(text: str) -> list[float]:
    """`learned.lexical_features` transcribed plainly: a string per `_WORD` match, regex scans."""
    import re

    words = learned._WORD.findall(text)
    lowered = [w.lower() for w in words]
    sing = sum(w in learned._FIRST_SING for w in lowered)
    plur = sum(w in learned._FIRST_PLUR for w in lowered)
    second = sum(w in learned._SECOND for w in lowered)
    n = len(words)
    digits = sum(w[0].isdigit() for w in words)
    caps_mid = sum(w[0].isupper() for w in words[1:])
    sentences = max(1, len(learned._SENT_END.findall(text)) or 1)
    has_url = re.search(r"https?://|www\.", text, re.I) is not None
    money = sum(text.count(c) for c in "%$£€")
    denom = max(n, 1)
    return [
        sing / denom,
        plur / denom,
        second / denom,
        (second - sing - plur) / (second + sing + plur + 1),
        digits / denom,
        1.0 if has_url else 0.0,
        text.count("?") / sentences,
        text.count("!") / sentences,
        math.log1p(n),
        n / sentences / 20.0,
        money / denom,
        caps_mid / denom,
    ]


def test_lexical_features_equal_a_plain_regex_transcription_bit_for_bit():
    """`lexical_features` counts on translated bytes, not a string per word; the models read its
    floats, so on random strings of the characters that decide them (and on their ASCII part, the
    fast path) every value must equal the plain transcription's to the last bit."""
    import random
    from array import array

    rng = random.Random(1)
    pieces = [*"aAzZq09'’ \t\n.!?,-$%£€éİ", "http://", "HTTPS://", "www.", "WwW.", "I", "i'm"]
    pieces += ["We're", "YOU", "you’ll", "Our", "ourselves", "x'9", "ab'cd9", "rock'n'roll", "''"]
    for _ in range(15_000):
        t = "".join(rng.choices(pieces, k=rng.randint(0, 30)))
        for text in (t, t.encode("ascii", "ignore").decode("ascii")):
            got = array("d", learned.lexical_features(text)).tobytes()
            assert got == array("d", _lexical_features_by_regex(text)).tobytes(), text


def test_sentence_grams_are_the_analyzer_applied_to_each_sentence():
    """`top_sentence` weighs each sentence's own n-grams, and the body models score the whole
    text's; on ASCII text both come from one tokenization per sentence, which must give what
    the word analyzer gives on each piece (random texts, with words split by sentence edges)."""
    import random

    from classifiers.text import Doc, Span

    block = next(b for b in learned.model("lemming").blocks if b.kind == "word")

    def analyze(t: str) -> list[str]:
        return learned.word_ngrams(t.lower(), block.lo, block.hi, block.pattern)

    rng = random.Random(1)
    pieces = list("aZ9_'’ .!?\n,-") + [
        "We",
        "don't",
        "Hi Sam,",
        "U.S. ",
        "3.5",
        "é",
        "\n\n",
        "\n10. ",
    ]
    for _ in range(3_000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for text in (t, t.replace("’", "'").replace("é", "e")):
            doc = Doc(text)
            grams = learned._doc_grams(doc, block)
            assert grams.whole == analyze(text)
            by_sentence = [
                [g for part in grams.parts for g in grams.pool[slice(*part[i])]]
                for i in range(len(doc.sentences))
            ]
            assert by_sentence == [analyze(text[s.start : s.end]) for s in doc.sentences]
            # any spans, not only the segmenter's: edges inside a word, tokens in the gaps
            cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 6)))
            spans = [Span(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
            got = learned._piece_tokens(text, spans, block.pattern)
            if got is not None:
                toks, ranges = got
                assert toks == learned.tokens(text, block.pattern)
                assert [toks[a:b] for a, b in ranges] == [
                    learned.tokens(text[s.start : s.end], block.pattern) for s in spans
                ]


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
    assert "| self_orientation | audit(), uncalibrated |" in text
    assert "## Calibration of the blended `audit()` score" in text
    assert "would fix the threshold" not in text, "no stale claim that calibration is missing"
    assert "### Blend weights" in text and "| value_add | mean AUC (SD) |" in text
    assert "What would close it: a per-rating blend weight" not in text, "weights are chosen"


def test_train_refuses_a_missing_data_folder(tmp_path, capsys):
    from auditor.cli import main

    assert main(["train", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err


def _synthetic_calibration_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    blends = np.round(rng.uniform(0.0, 80.0, n), 1)  # rounded: ties in x, as real blends have
    positive = rng.random(n) < 1.0 / (1.0 + np.exp(-(blends - 30.0) / 6.0))
    return blends, positive.astype(float)


def test_plain_python_calibration_agrees_with_scikit_learn_on_a_grid():
    """The served `Curve` is `np.interp` over the knots, which is also what a fitted
    `IsotonicRegression(out_of_bounds="clip")` predicts over its own thresholds."""
    from classifiers import train
    from classifiers.calibration import Curve

    blends, positive = _synthetic_calibration_data()
    fit = train.fit_calibration(blends, positive)
    grid = np.linspace(-10.0, 110.0, 2401)

    shipped = Curve(tuple(fit.x.tolist()), tuple(fit.y.tolist()))
    np.testing.assert_allclose([shipped(v) for v in grid], fit.predict(grid), atol=1e-9)

    steps = Curve(tuple(fit.iso.X_thresholds_), tuple(100.0 * fit.iso.y_thresholds_))
    np.testing.assert_allclose([steps(v) for v in grid], 100.0 * fit.iso.predict(grid), atol=1e-9)

    # the knots keep scikit-learn's fitted values: each block's centroid maps to its value
    np.testing.assert_allclose(100.0 * fit.iso.predict(fit.x), fit.y, atol=1e-9)
    inside = grid[(grid >= fit.x[0]) & (grid <= fit.x[-1])]
    served = np.array([shipped(v) for v in inside])
    assert np.all(np.diff(served) > 0), "strictly increasing inside the data: ordering kept"


def test_shipped_calibration_loads_and_is_monotone():
    from classifiers import calibration, train

    table = calibration.load()
    for key in ("version", "data", "n_rows", "out_of_fold", "command", "sklearn", "seed"):
        assert table.get(key) not in (None, ""), key
    assert "train" in table["data"] and "heldout" in table["data"]
    curves = calibration.curves()
    assert set(curves) == set(train.CALIBRATED) == set(table["ratings"])
    assert "clickbait" in table["uncalibrated"] and "clickbait" not in curves
    assert table["format"] == calibration.FORMAT
    weights = calibration.weights()
    assert set(weights) == set(curves), "every calibrated rating carries its blend weight"
    for rating, w in weights.items():
        assert w in train.BLEND_WEIGHT_GRID and w <= train.MAX_MODEL_WEIGHT, rating
        assert w == table["cv_figures"][rating]["blend_weights"]["chosen"], rating
    assert table["cv_figures"]["clickbait"]["model_weight"] == 0.5
    grid = [i / 10 for i in range(-50, 1051)]
    for rating, curve in curves.items():
        served = [curve(v) for v in grid]
        assert all(0.0 <= v <= 100.0 for v in served), rating
        assert all(b >= a for a, b in zip(served, served[1:], strict=False)), rating
        assert served[-1] > 50.0 > served[0], f"{rating}: the map must cross 50"
        assert table["ratings"][rating]["n"] >= 200


def test_a_calibrated_score_of_50_always_names_a_reason():
    """With no rule of the rating firing, a model score just under its finding's `above` keeps
    the calibrated score under 50; at `above` the finding (SO900/VA900/LM900) fires instead."""
    import tomllib

    from classifiers import calibration
    from classifiers.scoring import score

    rules = tomllib.loads((ROOT / "classifiers" / "rules" / "learned.toml").read_text("utf-8"))
    finding = {"self_orientation": "SO900", "value_add": "VA900", "lemming": "LM900"}
    table = calibration.load()
    for rating in calibration.curves():
        rule = next(r for r in rules["rule"] if r["code"] == finding[rating])
        above = float(rule["params"]["above"])
        assert above <= table["ratings"][rating]["model_alone_at_50"], rating
        below = score(
            [], 80, {rating: above - 0.05}, calibration.curves(), calibration.weights()
        ).scores[rating]
        assert below < 50.0, f"{rating}: {below} with no reason behind it"


def test_score_blends_with_each_ratings_model_weight():
    from classifiers.scoring import score

    rule = score([], 80).scores
    learned_half = {"self_orientation": 70.0, "value_add": 90.0, "clickbait": 60.0}
    got = score([], 80, learned_half, None, {"self_orientation": 0.9, "value_add": 0.0}).scores
    assert got["self_orientation"] == pytest.approx(0.1 * rule["self_orientation"] + 0.9 * 70.0)
    assert got["value_add"] == pytest.approx(rule["value_add"]), "weight 0: the rule score"
    assert got["clickbait"] == pytest.approx(0.5 * rule["clickbait"] + 0.5 * 60.0), "no weight"
    assert got["lemming"] == rule["lemming"], "no learned half: the rule score"
    even = score([], 80, learned_half).scores
    assert even["self_orientation"] == pytest.approx(0.5 * rule["self_orientation"] + 35.0)


def test_calibration_files_without_weights_still_load_as_the_even_blend():
    from classifiers import calibration

    table = calibration.load()
    old = {
        "format": 1,
        "ratings": {r: {"x": c["x"], "y": c["y"]} for r, c in table["ratings"].items()},
    }
    assert calibration.weights_from(old) == dict.fromkeys(table["ratings"], 0.5)
    assert set(calibration.curves_from(old)) == set(table["ratings"])
    with pytest.raises(ValueError, match="rules must count"):
        calibration.weights_from({"format": 2, "ratings": {"value_add": {"model_weight": 1.0}}})
    with pytest.raises(ValueError, match="format"):
        calibration.weights_from({"format": 3, "ratings": {}})


def test_blend_weight_is_chosen_by_fold_auc_capped_and_ties_go_to_the_even_blend():
    from classifiers import train

    rng = np.random.default_rng(0)
    n = 300
    labels = rng.integers(0, 4, n)
    groups = [f"g{i}" for i in range(n)]
    folds = [i % train.CORPUS_FOLDS for i in range(n)]
    noise = rng.uniform(0.0, 100.0, n)
    perfect = labels * 25.0 + rng.uniform(0.0, 5.0, n)
    # a model that alone orders perfectly and rules that are noise: capped below 1
    got = train.blend_weight_cv(noise, perfect, labels.tolist(), groups, folds)
    assert [g["w"] for g in got["grid"]] == list(train.BLEND_WEIGHT_GRID)
    assert got["grid"][-1]["auc"] == 1.0
    assert (
        got["chosen"]
        == max(
            (g for g in got["grid"] if g["w"] <= train.MAX_MODEL_WEIGHT),
            key=lambda g: (round(g["auc"], train.BLEND_AUC_DIGITS), -abs(g["w"] - 0.5)),
        )["w"]
    )
    assert got["chosen"] <= train.MAX_MODEL_WEIGHT
    # rules that are the model's own score: every weight ties, the even blend wins
    same = train.blend_weight_cv(perfect, perfect, labels.tolist(), groups, folds)
    assert same["chosen"] == 0.5
    # noisy model, perfect rules: the rules' side of the grid
    assert train.blend_weight_cv(perfect, noise, labels.tolist(), groups, folds)["chosen"] < 0.5


def test_audit_serves_the_calibrated_blend_where_a_model_takes_part():
    from auditor.engine import BLEND_WEIGHTS, CALIBRATION
    from auditor.learned import blend_halves, uncalibrated
    from classifiers import calibration

    text = (
        "Hi Sam,\n\nWe are the industry-leading platform trusted by Fortune 500 brands. Book a "
        "demo with me this week.\n\nBest,\nKevin"
    )
    before = dict(CALIBRATION)
    blends: dict[str, float] = {}
    with uncalibrated(blends):
        raw = audit(text, subject="Quick question")
    assert dict(CALIBRATION) == before, "the context manager restores the served maps"
    served = audit(text, subject="Quick question")
    assert set(blends) == {"self_orientation", "value_add", "lemming", "clickbait"}
    for rating, blend in blends.items():
        assert raw.scores[rating] == pytest.approx(round(blend, 1))
        curve = calibration.curves().get(rating)
        want = curve(blend) if curve is not None else blend
        assert served.scores[rating] == pytest.approx(round(want, 1)), rating
    assert "model.calibration" in served.versions
    # the blend is (1 − w) · rule + w · model at the shipped weights (0.5 where none)
    assert dict(BLEND_WEIGHTS) == calibration.weights()
    shipped = {name: learned.model(name) for name in learned.MODEL_NAMES}
    halves = blend_halves({"text": text, "subject": "Quick question"}, shipped)
    assert dict(BLEND_WEIGHTS) == calibration.weights(), "blend_halves restores the weights"
    for rating, (rule, model) in halves.items():
        w = calibration.weights().get(rating, 0.5)
        assert blends[rating] == pytest.approx((1.0 - w) * rule + w * model), rating
    # headlines: no body-model half, so those ratings are the rule scores, uncalibrated
    head = audit("Revised SOW for the Q3 warehouse audit", kind="headline")
    seen: dict[str, float] = {}
    with uncalibrated(seen):
        audit("Revised SOW for the Q3 warehouse audit", kind="headline")
    assert set(seen) == {"clickbait"} and head.scores["clickbait"] == pytest.approx(
        round(seen["clickbait"], 1)
    )
