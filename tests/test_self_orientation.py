"""Self-orientation: framing by sentence subject, the opening, asks before giving, and guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import Config, audit
from classifiers.rules import load_rules, rule_needles, rule_regex
from classifiers.self_orientation import frame_counts, frames, in_quotes
from classifiers.text import Doc

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"
BAD = (SAMPLES / "cold-email-bad.txt").read_text()
GOOD = (SAMPLES / "cold-email-good.txt").read_text()


def _about(sentence: str) -> str:
    (frame,) = frames(Doc(sentence))
    return frame.about


def _codes(text: str, kind: str = "email", select: str = "SO", **kw) -> list[str]:
    return [f.rule for f in audit(text, kind=kind, config=Config(select=[select]), **kw).findings]


@pytest.mark.parametrize(
    "sentence",
    [
        "You mentioned we missed the deadline.",
        "If you're busy, we can send a summary instead.",
        "When your team is ready, we will run the import.",
        "I noticed your team doubled its support staff.",
        "I'd love to hear how you handle renewals.",
        "How are you handling the renewal backlog?",
        "So, you were right about the invoice.",
    ],
)
def test_sentence_about_the_reader_despite_we_or_i(sentence):
    assert _about(sentence) == "reader"


@pytest.mark.parametrize(
    "sentence",
    [
        "We developed this new technology last year.",
        "Honestly, we are proud of the release.",
        "On Tuesday, we shipped the new dashboard.",
        "Our award-winning platform leverages AI.",
        "Can we set up a call next week?",
        "Let me show you what the dashboard does.",
    ],
)
def test_sentence_with_a_self_subject_is_self_oriented(sentence):
    assert _about(sentence) == "self"


@pytest.mark.parametrize(
    "sentence",
    [
        "Our call on Tuesday ran long.",
        "Let me know what you decide.",
        "Stripe's guide has a worked example.",
        "There are two options below.",
    ],
)
def test_shared_events_third_parties_and_closers_are_neither(sentence):
    assert _about(sentence) == "other"


def test_the_writers_company_name_counts_as_self():
    doc = Doc("I'm the account executive at Acme Cloud. Acme Cloud ships dashboards every week.")
    assert [f.about for f in frames(doc)] == ["self", "self"]


def test_greeting_and_sign_off_are_not_counted():
    doc = Doc("Hi Sarah,\n\nYou asked about the invoice. It is attached.\n\nBest regards,\nBob")
    assert frame_counts(doc)["total"] == 2


def test_self_heavy_email_gets_a_finding_per_self_subject_with_the_ratio():
    text = (
        "We built a new analytics suite. We are proud of it. Our engineers spent two years "
        "on it. I think it is fast. You can see it here."
    )
    found = [f for f in audit(text, config=Config(select=["SO102"])).findings]
    assert [f.text for f in found] == ["We", "We", "Our engineers", "I"]
    assert found[0].message.startswith("4 of 5 sentences have you or your company")
    assert "self-focus 80%" in found[0].message
    assert all(text[f.start : f.end] == f.text for f in found)


def test_writer_acting_for_the_reader_is_not_self_oriented():
    reply = (
        "Hi Dana,\n\nThanks for the reply on Friday. We looked at the export logs you sent and "
        "found the cause. We shipped a fix this morning, and your export ran in 4 minutes. "
        "I've attached the run log so your team can check it.\n\nBest,\nPriya"
    )
    assert "SO102" not in _codes(reply)


def test_first_person_narrative_in_a_blog_post_is_not_flagged_for_subject_share():
    post = "I ran support for ten years. We hired too fast. I was wrong about speed. We learned."
    assert "SO102" not in _codes(post, kind="blog")
    assert "SO102" in _codes(post, kind="email")


def test_reader_focus_deposit_on_the_good_sample_only():
    assert "SO103" in _codes(GOOD)
    assert "SO103" not in _codes(BAD)


def test_favour_ask_fires_in_a_first_email_but_not_in_a_reply():
    text = "Hi Sarah,\n\nWe sell billing software. Could we set up a quick call on Thursday?"
    assert "SO111" in _codes(text)
    assert "SO111" not in _codes(text, subject="Re: billing tickets")
    assert "SO111" not in _codes(text, first_contact=False)


def test_favour_ask_after_a_value_deposit_is_fine_even_with_rule_selection():
    text = (
        "Hi Sarah,\n\nStripe's proration guide (stripe.com/docs/billing/prorations) covers most "
        "of those tickets. Could we set up a quick call on Thursday?"
    )
    # the deposit rules are not selected, yet they still count as value given
    assert "SO111" not in _codes(text, select="SO111")


def test_opening_rules_only_fire_in_the_opening():
    late = (
        "Hi Sarah,\n\nYou mentioned 1,200 billing tickets a month. Most are about proration. "
        "Stripe's guide covers it. My name is Bob and I'm the VP of Sales at Acme."
    )
    assert "SO105" not in _codes(late)
    early = "Hi Sarah,\n\nMy name is Bob and I'm the VP of Sales at Acme. You mentioned tickets."
    assert "SO105" in _codes(early)


def test_appositive_superlative_counts_only_when_the_sentence_is_about_the_writer():
    own = "I am the account executive at Acme Cloud, the world's leading provider of dashboards."
    other = "Your biggest client is Walmart, the world's largest retailer, so returns matter."
    assert "SO104" in _codes(own)
    assert "SO104" not in _codes(other)


def test_self_superlative_is_advice_not_an_automatic_edit():
    (f,) = [
        f for f in audit("Our award-winning platform cuts churn.").findings if f.rule == "SO104"
    ]
    assert f.suggestion is not None and not f.suggestion.safe and not f.suggestion.edits


def test_acid_test_lowers_self_orientation():
    base = "Hi Sarah, you mentioned proration tickets. Stripe's guide covers most of them."
    honest = base + " If you only need invoicing, Wave is cheaper and does the job."
    assert audit(honest).scores["self_orientation"] <= audit(base).scores["self_orientation"]
    assert "SO114" in _codes(honest)


def test_good_sample_is_less_self_oriented_than_the_bad_one():
    good, bad = audit(GOOD), audit(BAD)
    assert good.scores["self_orientation"] < bad.scores["self_orientation"] - 40
    so_bad = {f.rule for f in bad.findings if f.rule.startswith("SO1")}
    assert {"SO101", "SO102", "SO104", "SO105", "SO107", "SO108", "SO111"} <= so_bad
    withdrawals = [
        f for f in good.findings if f.rule.startswith("SO1") and f.polarity == "withdrawal"
    ]
    assert withdrawals == []


def test_self_orientation_score_names_its_rules():
    report = audit(BAD)
    drivers = {d.rule for d in report.drivers["self_orientation"]}
    assert drivers and drivers <= {f.rule for f in report.findings}


WITH_NEEDLES = [r for r in load_rules() if rule_needles(r)]
NEEDLE_KEYS = ("patterns", "appositive", "named")


@pytest.mark.parametrize("rule", WITH_NEEDLES, ids=[r.code for r in WITH_NEEDLES])
def test_every_raw_match_contains_one_of_the_rules_needles(rule):
    """The needle prefilter may only skip sentences the regex could never match."""
    keys = rule_needles(rule)
    texts = [*rule.fire, *rule.pass_, GOOD, BAD]
    for key in NEEDLE_KEYS:
        rx = rule_regex(rule, key)
        if rx is None:
            continue
        for text in texts:
            for m in rx.finditer(text):
                assert any(k in m.group().lower() for k in keys), (rule.code, m.group())


@pytest.mark.parametrize("rule", WITH_NEEDLES, ids=[r.code for r in WITH_NEEDLES])
def test_needles_are_declared_only_where_a_regex_has_no_literal_start(rule):
    """Elsewhere the prefilter reads the regex's own start, and declared needles would be dead."""
    from classifiers.needles import literal_prefixes

    regexes = [rx for key in NEEDLE_KEYS if (rx := rule_regex(rule, key)) is not None]
    assert any(literal_prefixes(rx.pattern, rx.flags) is None for rx in regexes), rule.code


def test_in_quotes_counts_only_the_sentence_before_the_position():
    text = 'He said “we may not be the right fit” and "no".'
    assert in_quotes(text, 0, text.index("we"))
    assert not in_quotes(text, 0, text.index("and"))
    assert in_quotes(text, 0, text.index("no"))
    assert not in_quotes(text, text.index("we"), text.index("and"))  # the quote opened before


def test_the_opening_skips_a_pleasantry_after_the_greeting():
    from classifiers.self_orientation import opening_frames

    text = (
        "Hi Sam,\n\nI hope this email finds you well. We are the leading provider of revenue "
        "intelligence. You mentioned that close takes nine days."
    )
    first = opening_frames(Doc(text))[0]
    assert text[first.span.start :].startswith("We are the leading provider")
    # a sentence that only starts like one is kept
    text = "Hi Sam,\n\nHopefully the numbers help. We cut close to four days."
    first = opening_frames(Doc(text))[0]
    assert text[first.span.start :].startswith("Hopefully the numbers help")
