"""Credibility, reliability and intimacy rules (CR, RE, IN) and team vocabulary (TA): behaviour
beyond each rule's own fire/pass examples — how they feed the trust equation, their edits, their
context guards, and staying quiet on good business writing."""

from __future__ import annotations

import pytest

from auditor import Config, audit
from classifiers.findings import apply_edits
from classifiers.rules import load_rules

MINE = ("CR", "RE", "IN", "TA")
TRUST_PARTS = ("CR", "RE", "IN")


def _codes(text: str, kind: str = "email", **config) -> list[str]:
    report = audit(text, kind=kind, config=Config(select=list(MINE), **config))
    return [f.rule for f in report.findings]


# Realistic, well-written business texts: no trust withdrawal of ours may fire on any of them.
GOOD_TEXTS = [
    (
        "email",
        "Hi Sarah,\n\nYou mentioned on Tuesday's panel that your support team answers about 1,200 "
        "billing tickets a month, most about proration after a plan change.\n\nStripe's guide "
        "on prorations has a worked example your agents could link to. If the backlog is mostly "
        "one question, a help-centre article may fix it without any new tool.\n\nWhat does a "
        "typical proration ticket look like on your side?\n\nThanks,\nBob",
    ),
    (
        "email",
        "Hi Tom,\n\nWe made a mistake on your March invoice: it billed 40 seats instead of 14. "
        "I've refunded the $312 difference today, and from now on every invoice is checked "
        "against the seat count before it goes out.\n\nI'll send the corrected invoice by "
        "Thursday 3 pm.\n\nMaria",
    ),
    (
        "email",
        "Hi Ana,\n\nThe Team plan costs $12 a seat per month. The trade-off is that it syncs "
        "hourly, not live, so it won't help if your reps need same-minute updates. For that, "
        "the Enterprise plan or a tool like Gong may suit you better.\n\nWhat would make this "
        "worth your time?\n\nLee",
    ),
    (
        "email",
        "Hi Dev,\n\nThanks for flagging the export bug. We traced it to the date filter and the "
        "fix ships tomorrow morning; I'll confirm here once it is live.\n\nThat payroll question "
        "is handled by Acme Payroll, so I've copied Jan, their support lead, who can help "
        "today.\n\nPriya",
    ),
    (
        "social",
        "We cut our own onboarding from six weeks to two. Three things did it: one owner per "
        "account, a checklist the customer can see, and a call on day three. What has worked "
        "for your team?",
    ),
    (
        "blog",
        "Most churn we see starts in the first month. In our 2023 review of 40 accounts, 31 of "
        "the 35 that left had no admin log in during week two. This won't help if your product "
        "is used once a quarter, but for daily tools a day-ten check-in costs little. Your "
        "numbers may differ; the method is in the appendix.",
    ),
]


@pytest.mark.parametrize("kind,text", GOOD_TEXTS, ids=[f"good-{i}" for i in range(len(GOOD_TEXTS))])
def test_no_withdrawal_fires_on_good_business_writing(kind, text):
    report = audit(text, kind=kind, config=Config(select=list(MINE)))
    withdrawals = [(f.rule, f.text) for f in report.findings if f.polarity == "withdrawal"]
    assert withdrawals == []


def test_good_texts_earn_deposits_in_every_trust_part():
    found = set()
    for kind, text in GOOD_TEXTS:
        found |= {f.rule[:2] for f in audit(text, kind=kind).findings if f.polarity == "deposit"}
    assert {"CR", "RE", "IN"} <= found


def test_every_withdrawal_rule_has_several_hard_pass_examples():
    for rule in load_rules():
        if rule.code.startswith(MINE + ("RD",)) and rule.polarity == "withdrawal":
            assert len(rule.pass_) >= 3, rule.code


def test_trust_rules_only_use_their_own_categories():
    categories = {"CR": "credibility", "RE": "reliability", "IN": "intimacy"}
    for rule in load_rules():
        if rule.code[:2] in categories:
            assert rule.category == categories[rule.code[:2]], rule.code


def test_deposits_carry_no_suggestion_and_withdrawals_always_do():
    text = (
        "Studies show this works. I'll get back to you soon. I'll send the quote by Friday. "
        "Tell me what's behind that concern?"
    )
    report = audit(text, kind="email", config=Config(select=list(TRUST_PARTS)))
    assert {f.polarity for f in report.findings} == {"withdrawal", "deposit"}
    for f in report.findings:
        if f.polarity == "deposit":
            assert f.suggestion is None and f.severity == "info"
        else:
            assert f.suggestion is not None and f.suggestion.title
        assert text[f.start : f.end] == f.text


def test_vague_commitment_rewritten_with_a_when_becomes_a_deposit():
    vague = "Thanks for the call. I'll get back to you soon."
    concrete = "Thanks for the call. I'll send the revised quote by Thursday 3 pm."
    assert _codes(vague) == ["RE101"]
    assert _codes(concrete) == ["RE121"]
    before = audit(vague).trust_equation["reliability"]
    after = audit(concrete).trust_equation["reliability"]
    assert after > before


def test_reliability_part_names_the_rules_behind_it():
    report = audit("We apologize for any inconvenience. I'll look into it.", kind="email")
    drivers = {d.rule for d in report.trust_drivers["reliability"]}
    assert {"RE101", "RE103"} <= drivers
    assert report.trust_equation["reliability"] < 5.5


def test_fake_empathy_safe_edit_turns_into_an_acknowledgment():
    text = "I know how you feel about the delay."
    (finding,) = [f for f in audit(text).findings if f.rule == "IN101"]
    assert finding.suggestion.safe
    fixed = apply_edits(text, finding.suggestion.edits)
    assert fixed == "I can see why that's frustrating about the delay."
    assert "IN101" not in _codes(fixed)
    assert "IN121" in _codes(fixed)


def test_owned_error_needs_a_fix_nearby():
    owned = "We made a mistake on your invoice."
    assert "RE122" not in _codes(owned)
    assert "RE122" in _codes(owned + " I've refunded the difference today.")
    far = owned + " One. Two. Three. Four. I've refunded the difference."
    assert "RE122" not in _codes(far)


def test_patience_is_fine_next_to_news_and_a_withdrawal_without():
    assert "IN104" in _codes("Thanks for your patience. We are still working on it.")
    assert "IN104" not in _codes("Thanks for your patience. The fix is now live.")
    assert "IN104" not in _codes("Thanks for your patience. The fix ships on 3 June.")


def test_unsupported_claim_is_quiet_once_a_source_is_named():
    assert "CR103" in _codes("Studies show buyers prefer short emails.")
    assert "CR103" not in _codes("Studies show buyers prefer short emails (Gong, 2023).")
    assert "CR103" not in _codes(
        "Studies by Gong show buyers prefer short emails, see gong.io/labs."
    )


def test_digital_this_digital_that_quotes_seed_004():
    text = "Our Digital workflows give you Digital insight on the Digital edge."
    findings = [f for f in audit(text).findings if f.rule == "CR104"]
    assert len(findings) == 3
    assert "3 times" in findings[0].message


def test_not_our_department_is_fine_when_the_handoff_is_owned():
    assert "RE104" in _codes("The feedback page is not our department.")
    assert "RE104" not in _codes(
        "The feedback page is not our department, but I've forwarded your note to the web team."
    )


def test_curiosity_questions_exclude_favour_asks_and_challenges():
    assert "IN122" in _codes("What would make this worth your time?")
    assert "IN122" not in _codes("What time works for a 15-minute call with you?")
    assert "IN122" not in _codes("How could you not see this coming for your team?")


def test_faceless_salutation_only_in_the_opening():
    late = "Hi Maria,\n\nThanks for the note.\n\nThe file is attached.\n\nBest,\nTo whom it may concern"
    assert "IN103" not in _codes(late)
    assert "IN103" in _codes("To whom it may concern,\n\nThe file is attached.")


# --- team vocabulary ------------------------------------------------------------------------


def test_team_rules_are_silent_without_team_config():
    assert _codes("Our synergy lets us circle back and utilize the data.") == []


def test_banned_phrase_message_carries_the_team_advice():
    report = audit(
        "Let’s touch base next week.",
        config=Config(
            select=["TA"], banned_phrases={"let's touch base": "Propose a date instead."}
        ),
    )
    (finding,) = report.findings
    assert finding.rule == "TA001"
    assert finding.text == "Let’s touch base"
    assert finding.message.endswith("Propose a date instead.")
    assert finding.suggestion.title == "Propose a date instead."
    assert not finding.suggestion.safe


def test_banned_phrase_without_advice_still_explains():
    report = audit("Synergy!", config=Config(select=["TA"], banned_phrases={"synergy": ""}))
    assert "team asked writers not to use it" in report.findings[0].message


def test_preferred_term_is_a_safe_replacement_that_keeps_capitals():
    text = "Utilize the app. We utilize it daily, and the mobile app too."
    report = audit(
        text,
        config=Config(select=["TA"], preferred_terms={"utilize": "use", "app": "mobile app"}),
    )
    found = [(f.rule, f.text) for f in report.findings]
    assert found == [("TA002", "Utilize"), ("TA002", "app"), ("TA002", "utilize")]
    edits = [e for f in report.findings for e in f.suggestion.edits]
    assert all(f.suggestion.safe for f in report.findings)
    assert (
        apply_edits(text, edits) == "Use the mobile app. We use it daily, and the mobile app too."
    )
