"""Clickbait and aggregation rules beyond their declared examples: subjects, fake replies,
edits, and where in a text each rule may look."""

from __future__ import annotations

import pytest

from auditor import audit
from auditor.config import Config
from classifiers.clickbait import infer_first_contact
from classifiers.findings import apply_edits

COLD_BODY = (
    "Hi Dana,\n\nMy name is Lee and I lead partnerships at Acme. Your Q3 filing mentions a new "
    "Denver warehouse; we cut dock waits there for Brightline.\n\nLee"
)
REPLY_BODY = (
    "Thanks Dana, Thursday at 10 works.\n\nOn Tue, 4 Jun 2024 at 09:12, Dana Reyes "
    "<dana@example.com> wrote:\n> Can we move the call to Thursday?"
)


def _findings(text: str, code: str, kind: str = "email", **kw):
    report = audit(text, kind=kind, config=Config(select=[code]), **kw)
    return [f for f in report.findings if f.rule == code]


def test_fake_re_on_a_cold_email_is_flagged_on_the_subject_and_the_edit_removes_it():
    subject = "Re: quick question"
    (f,) = _findings(COLD_BODY, "CB106", subject=subject)
    assert f.field == "subject" and f.text == "Re:"
    assert apply_edits(subject, f.suggestion.edits) == "quick question"


def test_re_on_a_real_reply_with_quoted_thread_is_not_flagged():
    assert _findings(REPLY_BODY, "CB106", subject="Re: call on Thursday") == []


def test_re_without_thread_or_introduction_gets_the_benefit_of_the_doubt():
    body = "Thursday at 10 works. I'll bring the dock schedule."
    assert _findings(body, "CB106", subject="Re: call on Thursday") == []


@pytest.mark.parametrize(("first_contact", "fires"), [(True, True), (False, False)])
def test_caller_who_knows_whether_it_is_a_reply_decides(first_contact, fires):
    body = "Thursday at 10 works. I'll bring the dock schedule."
    found = _findings(body, "CB106", subject="RE: call", first_contact=first_contact)
    assert bool(found) is fires


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        (None, "Hello", True),
        ("Pricing for Brightline", "Hello", True),
        ("Re: pricing", REPLY_BODY, False),
        ("Fwd: pricing", "See below.\n\n---------- Forwarded message ---------\nFrom: x", False),
        ("Fwd: pricing", "See below.\n\nBegin forwarded message:\n\nFrom: x", False),
        ("Re: pricing", COLD_BODY, True),
        ("RE: pricing", "I came across your profile on LinkedIn.", True),
        ("Re: pricing", "I'm Lee from Acme, and we haven't met.", True),
        ("Re: pricing", "Agreed, let's keep the current price.", False),
    ],
)
def test_infer_first_contact(subject, body, expected):
    assert infer_first_contact(subject, body) is expected


def test_listicle_subject_line_is_flagged_on_the_subject_of_an_email():
    body = "Hi Dana,\n\nThe returns study you asked about is attached.\n\nLee"
    (f,) = _findings(body, "CB103", subject="7 things every marketer should know")
    assert f.field == "subject" and f.text == "7 things"


def test_listicle_formula_only_counts_in_the_opening_line_of_a_post():
    post = "We shipped the new export today.\n\nIt covers 7 things customers asked for in May."
    assert _findings(post, "CB103", kind="social") == []
    post = "Top 12 reasons why your emails get ignored\n\nNumber one: they are about you."
    (f,) = _findings(post, "CB103", kind="social")
    assert f.text == "Top 12 reasons"


def test_listicle_headline_is_not_looked_for_in_an_email_body():
    body = "7 things went wrong in the March rollout; the postmortem is attached."
    assert _findings(body, "CB103") == []


@pytest.mark.parametrize(
    ("text", "run", "fixed"),
    [
        ("Huge news!!! The pilot starts Monday.", "!!!", "Huge news! The pilot starts Monday."),
        ("Can you believe this?! We did it.", "?!", "Can you believe this? We did it."),
    ],
)
def test_punctuation_run_is_replaced_by_one_mark(text, run, fixed):
    (f,) = _findings(text, "CB104")
    assert f.text == run
    assert apply_edits(text, f.suggestion.edits) == fixed


def test_all_caps_run_is_one_finding_and_acronyms_beside_it_are_not_shouting():
    text = "FREE SHIPPING on every order. Our GDPR terms and SOC 2 report are attached."
    found = _findings(text, "CB105")
    assert [f.text for f in found] == ["FREE SHIPPING"]


def test_aggregation_is_anchored_to_the_links_and_counts_the_commentary():
    text = "Great reads this week:\n- https://a.example/x\n- https://b.example/y\n- https://c.example/z\nEnjoy!"
    (f,) = _findings(text, "CB109", kind="social")
    assert f.start == text.index("- https://a.example/x")
    assert f.text.endswith("https://c.example/z")
    assert "3 links or quotes with 5 words" in f.message


def test_round_up_with_a_line_of_commentary_per_link_is_not_aggregation():
    text = (
        "Three reads for carrier renewals:\n"
        "- https://a.example/x\nThe freight index fell 4% in May, the first drop since January.\n"
        "- https://b.example/y\nBrightline's study: tracking links cut returns by 12%.\n"
        "- https://c.example/z\nThe EU packaging rule starts in 2026; the annex lists the boxes."
    )
    assert _findings(text, "CB109", kind="social") == []


def test_listicle_body_names_the_heading_and_anchors_the_list():
    text = "Top 5 tips for cold email:\n1. Be short\n2. Personalize\n3. Add value\n4. Follow up\n5. Have a clear CTA"
    (f,) = _findings(text, "CB110", kind="blog")
    assert "Top 5 tips for cold email" in f.message
    assert f.text.startswith("1. Be short") and f.text.endswith("Have a clear CTA")


def test_engagement_bait_raises_the_clickbait_score_with_its_code_as_driver():
    bait = "Big news for sales teams. Like and share if you agree! Tag a friend who needs this."
    plain = "Our March release adds CSV export for invoices; the changelog lists every field."
    b, p = audit(bait, kind="social"), audit(plain, kind="social")
    assert b.scores["clickbait"] > p.scores["clickbait"]
    assert "CB107" in {d.rule for d in b.drivers["clickbait"]}
