"""The engine's contract (DESIGN.md "public API" and "Findings") and its handling of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor import Config, InputError, audit
from auditor.report import from_utf16, to_utf16
from classifiers.findings import CATEGORIES, SEVERITIES

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"
BAD = (SAMPLES / "cold-email-bad.txt").read_text()
GOOD = (SAMPLES / "cold-email-good.txt").read_text()
SCORE_KEYS = {"trust", "self_orientation", "value_add", "lemming", "clickbait"}


@pytest.mark.parametrize("kind", ["email", "social", "blog", "page", "headline"])
def test_every_kind_returns_the_five_scores_in_range(kind):
    report = audit(BAD if kind != "headline" else "You Won't Believe These 12 Tricks!!!", kind=kind)
    assert set(report.scores) == SCORE_KEYS
    assert all(0.0 <= v <= 100.0 for v in report.scores.values())
    assert report.verdict in ("send", "review", "rewrite")


def test_report_dict_is_json_ready_and_complete():
    d = audit(BAD, kind="email", subject="Quick question").to_dict()
    json.dumps(d)
    for key in (
        "scores",
        "drivers",
        "verdict",
        "verdict_reasons",
        "trust_equation",
        "readability",
        "word_count",
        "findings",
        "versions",
        "offset_encoding",
    ):
        assert key in d
    for part in ("credibility", "reliability", "intimacy", "self_orientation", "T"):
        assert part in d["trust_equation"]
    for key in ("flesch_reading_ease", "flesch_kincaid_grade", "avg_sentence_words"):
        assert key in d["readability"]


def test_findings_are_anchored_to_exact_spans_and_ordered():
    report = audit(BAD, kind="email")
    body = [f for f in report.findings if f.field == "body" and f.start is not None]
    assert body, "the bad sample must produce findings"
    assert [f.start for f in body] == sorted(f.start for f in body)
    for f in body:
        assert BAD[f.start : f.end] == f.text
        assert f.category in CATEGORIES and f.severity in SEVERITIES
        if f.suggestion:
            for e in f.suggestion.edits:
                assert 0 <= e.start <= e.end <= len(BAD)


def test_every_score_names_the_rules_that_drove_it():
    report = audit(BAD, kind="email")
    codes = {f.rule for f in report.findings}
    for name in SCORE_KEYS:
        if name == "value_add":
            continue
        if report.scores[name] > 0:
            drivers = report.drivers[name]
            assert drivers, f"{name} has a number but no reasons"
            assert {d.rule for d in drivers} <= codes


def test_good_version_of_a_message_outscores_the_bad_one():
    good, bad = audit(GOOD, kind="email"), audit(BAD, kind="email")
    assert good.scores["trust"] > bad.scores["trust"] + 15
    assert good.scores["self_orientation"] < bad.scores["self_orientation"]
    assert good.scores["value_add"] > bad.scores["value_add"]
    assert good.scores["lemming"] <= bad.scores["lemming"]
    assert bad.verdict == "rewrite"
    assert good.verdict == "send"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_text"),
        ("   \n\t ", "empty_text"),
        (b"\x00\x01\x02binary", "binary_input"),
        (b"caf\xe9 au lait", "invalid_encoding"),
        ("x" * 1001, "text_too_large"),
        (12345, "invalid_type"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(text, code):
    with pytest.raises(InputError) as e:
        audit(text, kind="email", config=Config(max_chars=1000))
    assert e.value.code == code
    assert isinstance(e.value, ValueError)


def test_unknown_kind_is_refused():
    with pytest.raises(InputError) as e:
        audit("Hello there, a normal sentence.", kind="tweet")
    assert e.value.code == "invalid_kind"


def test_html_is_rated_on_visible_text_only():
    html = """<html><head><title>t</title><style>.x{content:"I know how you feel"}</style></head>
    <body><script>var s = "challenge me to defend it";</script>
    <p hidden>I know how you feel</p><!-- I know how you feel -->
    <p>Your renewal is on <b>3 March</b>. The invoice is attached.</p></body></html>"""
    report = audit(html, kind="page", html=True)
    assert "challenge" not in report.text and "know how" not in report.text
    assert "Your renewal is on 3 March." in report.text
    assert not {f.rule for f in report.findings} & {"SO101", "IN101"}
    assert report.to_dict()["audited_text"] == report.text


def test_hostile_html_without_visible_text_is_refused():
    with pytest.raises(InputError):
        audit("<script>alert(1)</script><style>p{}</style>", kind="page", html=True)


def test_utf16_offsets_count_surrogate_pairs():
    text = "🚀🚀 I know how you feel about the delay."
    report = audit(text, kind="email", config=Config(select=["IN101"]))
    (f,) = [f for f in report.findings if f.rule == "IN101"]
    d = report.to_dict(offset_encoding="utf-16")["findings"][0]
    assert d["start"] == f.start + 2 and d["end"] == f.end + 2
    assert text.encode("utf-16-le")[d["start"] * 2 : d["end"] * 2].decode("utf-16-le") == f.text
    assert from_utf16(text, to_utf16(text, f.start)) == f.start


def test_config_ignore_and_select_prefixes():
    text = "I know how you feel. Take the specs and challenge me to defend it."
    assert {f.rule for f in audit(text, config=Config(ignore=["IN"])).findings} & {"IN101"} == set()
    only = {f.rule for f in audit(text, config=Config(select=["SO101"])).findings}
    assert only == {"SO101"}


def test_subject_findings_carry_the_subject_field():
    report = audit(
        "Thanks for the call today; notes below.",
        kind="email",
        subject="I know how you feel",
        config=Config(select=["IN101"]),
    )
    (f,) = report.findings
    assert f.field == "subject" and f.start == 0 and f.text == "I know how you feel"


def test_trust_parts_name_the_rules_of_the_ratings_they_draw_on():
    report = audit(BAD, kind="email")
    te = report.to_dict()["trust_equation"]
    cred = {d["rule"] for d in te["drivers"]["credibility"]}
    assert cred & {d.rule for d in report.drivers["lemming"]}, "C moved by lemming, unexplained"
    trust = {d.rule: d.contribution for d in report.drivers["trust"]}
    so = [d.rule for d in report.drivers["self_orientation"] if d.contribution > 0]
    assert so and all(trust[r] < 0 for r in so), "self-orientation must lower trust"
    assert len(trust) == len(report.drivers["trust"]), "each rule listed once"


def test_edits_apply_together_and_overlaps_are_refused():
    from classifiers.findings import Edit, apply_edits

    text = "I know how you feel. Just checking in."
    assert apply_edits(text, [Edit(21, 38, ""), Edit(0, 19, "That sounds hard")]) == (
        "That sounds hard. "
    )
    with pytest.raises(ValueError, match="overlap"):
        apply_edits(text, [Edit(0, 10, "x"), Edit(5, 12, "y")])
    with pytest.raises(ValueError, match="outside"):
        apply_edits(text, [Edit(30, 99, "")])


def test_every_safe_edit_on_the_bad_sample_applies_and_removes_its_finding():
    from classifiers.findings import apply_edits

    report = audit(BAD, kind="email")
    safe = [f for f in report.findings if f.suggestion and f.suggestion.safe and f.field == "body"]
    assert safe
    for f in safe:
        fixed = apply_edits(BAD, f.suggestion.edits)
        assert fixed != BAD
        again = audit(fixed, kind="email", config=Config(select=[f.rule]))
        assert sum(g.rule == f.rule for g in again.findings) < sum(
            g.rule == f.rule for g in report.findings
        ), f"{f.rule}: its own edit did not remove the finding"
