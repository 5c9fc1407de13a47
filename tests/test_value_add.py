"""Value-add: deposits for what the reader can use, empty check-ins, and "nothing to use"."""

from __future__ import annotations

from pathlib import Path

from auditor import Config, audit
from classifiers.findings import Finding, apply_edits

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"
BAD = (SAMPLES / "cold-email-bad.txt").read_text()
GOOD = (SAMPLES / "cold-email-good.txt").read_text()


def _found(text: str, code: str, kind: str = "email") -> list[Finding]:
    return [
        f for f in audit(text, kind=kind, config=Config(select=[code])).findings if f.rule == code
    ]


def test_empty_check_in_sentence_is_deleted_cleanly():
    text = (
        "Hi Sarah,\n\nJust checking in to see if you had a chance to read my last email. "
        "The proration guide is at stripe.com/docs/billing/prorations.\n\nBob"
    )
    (f,) = _found(text, "VA108")
    assert f.suggestion.safe
    assert apply_edits(text, f.suggestion.edits) == (
        "Hi Sarah,\n\nThe proration guide is at stripe.com/docs/billing/prorations.\n\nBob"
    )


def test_check_in_that_carries_news_gets_advice_not_deletion():
    text = "Just checking in: the export fix you asked for shipped on Monday."
    assert _found(text, "VA108") == []
    (f,) = _found(text, "VA109")
    assert f.text == "Just checking in" and not f.suggestion.safe


def test_content_specific_follow_up_is_a_deposit_not_a_check_in():
    text = "Following up on your question about proration, here is Stripe's guide."
    assert _found(text, "VA114")
    assert _found(text, "VA108") == [] and _found(text, "VA109") == []


def test_nothing_usable_is_document_level_and_needs_forty_words():
    empty = (
        "Hi Sarah, I hope you are well. I wanted to reach out because we work with companies "
        "like yours and help them do great things. We have a great team and a great product "
        "and I think it could be a great fit. Let me know if you would like to learn more."
    )
    (f,) = _found(empty, "VA110")
    assert f.start is None and f.end is None
    assert f.message.startswith(f"In {len(empty.split())} words")
    assert _found("Thanks for the call today. Notes to follow.", "VA110") == []


def test_acid_test_counts_as_something_the_reader_can_use():
    text = (
        "Hi Sarah, I hope you are well. I wanted to reach out because we work with companies "
        "in your space. We have a great team and a great product. Honestly, if you only need "
        "invoicing, Wave is cheaper and does the job. Let me know if you would like more."
    )
    assert _found(text, "VA110") == []


def test_yes_no_meeting_asks_are_not_open_questions():
    assert _found("Do you have 30 minutes this week for a quick call?", "VA107") == []
    assert _found("What time works for a call on Thursday?", "VA107") == []
    (f,) = _found("If that backlog is mostly one question, what does it look like?", "VA107")
    assert f.text == "what does it look like?"


def test_figures_in_a_discount_or_meeting_ask_are_not_value():
    assert _found("We are offering a 30% discount if you sign this month.", "VA101") == []
    assert _found("Refunds dropped 18% after the help article went live.", "VA101")


def test_vague_value_claim_with_a_figure_is_specific_enough():
    assert _found("We drive results for teams like yours.", "VA111")
    assert _found("We drive results: refunds fell 18% in a quarter.", "VA111") == []


def test_self_sourced_data_is_not_data_with_a_source():
    assert _found("Our 2024 report found we are the best.", "VA103") == []
    assert _found("According to Gartner, most buyers prefer a rep-free experience.", "VA103")


def test_deposits_carry_no_suggestion_and_withdrawals_do():
    for f in audit(GOOD).findings:
        if f.rule.startswith("VA1"):
            assert f.polarity == "deposit" and f.suggestion is None
    report = audit("Just checking in on this.\n\nThanks,\nBob")
    (f,) = [f for f in report.findings if f.rule == "VA108"]
    assert f.suggestion is not None and f.suggestion.edits


def test_good_sample_adds_more_value_than_the_bad_one():
    good, bad = audit(GOOD), audit(BAD)
    assert good.scores["value_add"] > bad.scores["value_add"] + 50
    good_va = {f.rule for f in good.findings if f.rule.startswith("VA1")}
    assert {"VA101", "VA103", "VA104", "VA105", "VA106", "VA107", "VA112"} <= good_va
    bad_va = [f.rule for f in bad.findings if f.rule.startswith("VA1")]
    assert bad_va == ["VA110"]


def test_a_long_text_gets_the_same_deposits_as_its_parts():
    """The per-sentence prefilter of long texts must not lose matches the short text finds."""
    long_text = "\n\n".join([GOOD] * 8)
    short = {(f.rule, f.text) for f in audit(GOOD, kind="blog").findings if f.rule[:2] == "VA"}
    long_ = {(f.rule, f.text) for f in audit(long_text, kind="blog").findings if f.rule[:2] == "VA"}
    assert short and short <= long_
