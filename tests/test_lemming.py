"""Lemming (me-too) rules beyond their declared examples: the edits they propose, and silence on
specific, clean business writing."""

from __future__ import annotations

import pytest

from auditor import audit
from auditor.config import Config
from classifiers.findings import apply_edits


def _findings(text: str, code: str, kind: str = "email", **kw):
    report = audit(text, kind=kind, config=Config(select=[code]), **kw)
    return [f for f in report.findings if f.rule == code]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We can help you leverage your existing CRM data.",
            "We can help you use your existing CRM data.",
        ),
        ("Leveraging our platform, teams close faster.", "Using our platform, teams close faster."),
        ("Acme leverages AI to route tickets.", "Acme uses AI to route tickets."),
    ],
)
def test_leverage_verb_edit_replaces_it_with_the_matching_form_of_use(text, expected):
    (f,) = _findings(text, "LM102")
    assert f.suggestion.safe
    assert apply_edits(text, f.suggestion.edits) == expected


def test_filler_opener_on_its_own_line_is_deleted_with_its_line_break_and_keeps_the_greeting():
    text = (
        "Hi Sam,\n\nI hope this email finds you well.\n\nYour Q3 filing mentions a new warehouse."
    )
    (f,) = _findings(text, "LM105")
    assert f.text == "I hope this email finds you well"
    assert apply_edits(text, f.suggestion.edits) == (
        "Hi Sam,\n\nYour Q3 filing mentions a new warehouse."
    )


def test_filler_opener_sharing_a_sentence_with_the_greeting_gets_advice_not_a_deletion():
    text = "Hi Sam, I hope this email finds you well. Your Q3 filing mentions a new warehouse."
    assert _findings(text, "LM105") == []
    (f,) = _findings(text, "LM106")
    assert not f.suggestion.safe and f.suggestion.edits == ()


def test_hashtags_beyond_three_are_flagged_as_one_run_and_deleting_it_keeps_the_first_three():
    text = "Case study is live. #retail #returns #logistics #supplychain #ecommerce #growth"
    (f,) = _findings(text, "LM112", kind="social")
    assert f.text == "#supplychain #ecommerce #growth"
    assert f.message.startswith("6 hashtags")
    assert (
        apply_edits(text, f.suggestion.edits) == "Case study is live. #retail #returns #logistics"
    )


def test_surplus_hashtags_in_separate_places_get_separate_non_overlapping_edits():
    text = "#sales #marketing #growth #hustle Big week ahead. Thanks all #team #q3"
    found = _findings(text, "LM112", kind="social")
    assert [f.text for f in found] == ["#hustle", "#team #q3"]
    edits = [e for f in found for e in f.suggestion.edits]
    spans = sorted((e.start, e.end) for e in edits)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert apply_edits(text, edits) == "#sales #marketing #growth Big week ahead. Thanks all"


def test_hashtag_stuffing_does_not_apply_to_email():
    text = "Notes: #retail #returns #logistics #supplychain #ecommerce"
    assert _findings(text, "LM112", kind="email") == []


def test_competitor_swap_flags_the_whole_boilerplate_sentence_only():
    text = (
        "Acme delivers innovative solutions that empower businesses to achieve their goals. "
        "Last month we cut Brightline's invoice backlog from 900 to 40."
    )
    (f,) = _findings(text, "LM111")
    assert f.text.startswith("Acme delivers") and f.text.endswith("goals.")


def test_quoted_buzzword_is_not_the_writers_own():
    text = "Your CFO called our last deck “best-in-class fluff”, and she was right."
    assert _findings(text, "LM101") == []


def test_boilerplate_email_scores_higher_on_lemming_than_a_specific_one_with_codes_behind_it():
    boiler = (
        "Hi Sam,\n\nI hope this email finds you well. I wanted to reach out because we help "
        "companies like yours leverage best-in-class, cutting-edge solutions. At the end of the "
        "day, we are your trusted partner.\n\nDon't hesitate to reach out!\n\nLooking forward to "
        "hearing from you."
    )
    specific = (
        "Hi Sam,\n\nYour Q3 filing says detention fees at the Denver dock rose to $41,000. "
        "Brightline had the same problem; moving pickups to 6 am cut theirs by a third in two "
        "months. The schedule they used is attached; it works with any carrier.\n\nLee"
    )
    b, s = audit(boiler), audit(specific)
    assert b.scores["lemming"] > s.scores["lemming"] + 30
    codes = {d.rule for d in b.drivers["lemming"]}
    assert {"LM105", "LM107", "LM110", "LM102", "LM101", "LM104", "LM108"} <= codes


CLEAN = [
    (
        "email",
        "Hi Priya,\n\nThe March invoice double-counted 14 seats; I've issued a credit note for "
        "$1,260, attached. It will show on your April statement. If finance needs a corrected "
        "PDF instead, tell me which address to send it to.\n\nLee",
    ),
    (
        "email",
        "Hi Tom,\n\nYou asked on Tuesday whether the export handles 2 million rows. It does, in "
        "about 4 minutes on the standard plan; above 5 million, split by month. Ledgerly's "
        "importer is faster for one-off migrations, if that is what you need.\n\nAna",
    ),
    (
        "social",
        "We moved our support team to a four-day rota in May. Median first reply went from 3h "
        "to 2h10m, and sick days fell by a quarter. The rota template is in the comments. "
        "#support #operations",
    ),
    (
        "blog",
        "Why we stopped discounting at quarter end\n\nFor three years we gave 15% off in the last "
        "week of every quarter. Deals closed, but renewal rates for those customers were 11 "
        "points lower. This post walks through the numbers and what we do instead.",
    ),
    (
        "headline",
        "Q3 revenue rose 12% as renewals beat forecast",
    ),
    (
        "page",
        "Pricing\n\nStarter: $29 a month for up to 5 users. Team: $99 a month for up to 25. "
        "Both include SSO and GDPR data processing terms. No setup fees; cancel any month.",
    ),
]


@pytest.mark.parametrize(
    ("kind", "text"), CLEAN, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CLEAN)]
)
def test_specific_clean_writing_raises_no_lemming_or_clickbait_rule(kind, text):
    report = audit(text, kind=kind, config=Config(select=["LM1", "CB1"]))
    assert [(f.rule, f.text) for f in report.findings] == []
