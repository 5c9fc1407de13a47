"""Every rule's declared examples: each `fire` example fires it, each `pass` example does not."""

from __future__ import annotations

import pytest

from auditor import audit
from auditor.config import Config
from classifiers.rules import load_rules

RULES = load_rules()


def _fired(rule, text: str) -> bool:
    kind = rule.example_kind or ("email" if "email" in rule.kinds else rule.kinds[0])
    # Team-vocabulary rules (TA) fire only on configured words: their params name the example vocabulary.
    config = Config(
        select=[rule.code],
        banned_phrases=dict(rule.params.get("example_banned", {})),
        preferred_terms=dict(rule.params.get("example_preferred", {})),
    )
    corpus = None
    if rule.params.get("example_corpus"):
        from classifiers.sameness import SamenessIndex

        corpus = SamenessIndex()
        for doc_id, published in rule.params["example_corpus"].items():
            corpus.add(doc_id, published)
    report = audit(text, kind=kind, config=config, corpus=corpus)
    return any(f.rule == rule.code for f in report.findings)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_fires_on_each_fire_example(rule):
    missed = [ex for ex in rule.fire if not _fired(rule, ex)]
    assert not missed, f"{rule.code} did not fire on {missed}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_stays_silent_on_each_pass_example(rule):
    false_alarms = [ex for ex in rule.pass_ if _fired(rule, ex)]
    assert not false_alarms, f"{rule.code} fired on {false_alarms}"


def test_rule_codes_are_unique_and_every_rule_is_documented():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert r.message and r.rationale and r.fix.title, r.code


def test_needle_gate_never_hides_a_phrase_match():
    """Phrase rules run only where a phrase's literal start occurs; every phrase still matches itself."""
    import re

    from classifiers.rules import _regex_hits
    from classifiers.text import Doc

    for rule in RULES:
        for phrase in rule.phrases:
            doc = Doc(f"Well, {phrase} indeed.")
            hits = list(_regex_hits(doc, rule))
            assert hits, f"{rule.code}: phrase {phrase!r} gated out of a text containing it"
            assert re.search(rule.regex, doc.text)
