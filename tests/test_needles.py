"""The needle prefilter: a rule's regex tried only where its literal start occurs must find
exactly what a scan of the whole text (or of each sentence) finds."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import Config, audit
from classifiers import needles
from classifiers.rules import gated_out, load_rules, rule_gate
from classifiers.text import Doc

LABELED = Path(__file__).parent.parent / "fixtures" / "labeled"


def _mangle(text: str, rng: random.Random) -> str:
    """The same words with the spacing users paste: doubled spaces, tabs, CRLF, wrapped lines."""
    out = []
    for ch in text:
        if ch == " ":
            ch = rng.choice([" ", " ", " ", "  ", "\t", "\n", " \n ", "\u00a0"])
        elif ch == "\n":
            ch = rng.choice(["\n", "\r\n", "\n\n\n"])
        out.append(ch)
    return "".join(out)


def _texts() -> list[str]:
    texts = [ex for r in load_rules() for ex in (*r.fire, *r.pass_)]
    for path in sorted(LABELED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines()[:12]:
            texts.append(json.loads(line)["text"])
    rng = random.Random(5)
    texts += [_mangle(t, rng) for t in texts[::4]]
    texts += ["WE ARE THE WORLD'S LEADING PROVIDER!!!", "ſo we may not be the right fit", "İ"]
    return texts


TEXTS = _texts()


@pytest.fixture(scope="module")
def regexes_in_use() -> dict[tuple[str, int, bool], re.Pattern[str]]:
    """Every regex the rules hand to `needles.matches` while auditing the texts, as used."""
    seen: dict[tuple[str, int, bool], re.Pattern[str]] = {}
    real = needles.matches

    def spy(doc, rx, *, in_sentences=False):
        seen[(rx.pattern, rx.flags, in_sentences)] = rx
        return real(doc, rx, in_sentences=in_sentences)

    config = Config(banned_phrases={"circle back": ""}, preferred_terms={"utilize": "use"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(needles, "matches", spy)
        for text in TEXTS[::3]:
            for kind in ("email", "social"):
                audit(text, kind=kind, config=config)
    return seen


def _expected(doc: Doc, rx: re.Pattern[str], in_sentences: bool) -> list[tuple[int, int]]:
    spans = doc.sentences if in_sentences else [(0, len(doc.text))]
    return [m.span() for s, e in spans for m in rx.finditer(doc.text, s, e)]


def test_the_rules_route_their_regexes_through_the_prefilter(regexes_in_use):
    assert len(regexes_in_use) >= 50
    with_prefixes = [
        rx for rx in regexes_in_use.values() if needles.literal_prefixes(rx.pattern, rx.flags)
    ]
    assert len(with_prefixes) >= 40


def test_prefiltered_matches_equal_a_full_scan_for_every_regex_in_use(regexes_in_use):
    for (_, _, in_sentences), rx in regexes_in_use.items():
        for text in TEXTS:
            doc = Doc(text)
            got = [m.span() for m in needles.matches(doc, rx, in_sentences=in_sentences)]
            assert got == _expected(doc, rx, in_sentences), (rx.pattern[:80], text[:80])


WORDS = "we I you may might not be the right fit a an it's here’s best $40 3% per cent 9 am".split()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", "  ", "\n", "\t", ", ", ". "])),
        max_size=30,
    )
)
def test_prefiltered_matches_equal_a_full_scan_on_generated_text(parts):
    text = "".join(w + sep for w, sep in parts)
    for rule in load_rules():
        rx = rule.regex
        if rx is None:
            continue
        doc = Doc(text)
        assert [m.span() for m in needles.matches(doc, rx)] == _expected(doc, rx, False)


@pytest.mark.parametrize(
    ("pattern", "flags", "prefixes"),
    [
        (r"\bbest(?:-in-class|\s+in\s+class)\b", re.I, {"best-in-class", "best in class"}),
        (
            r"(?:we|I)\s+(?:may|might)\s+not",
            re.I,
            {f"{a} {b} not" for a in ("we", "i") for b in ("may", "might")},
        ),
        # an optional part: the match starts with it (cut after its first pass) or without it
        (r"(?:just\s+)?check(?:ing)?\s+in", re.I, {"just ", "checking", "check in"}),
        (r"[$€]\s?\d", 0, {f"{c}{s}{d}" for c in "$€" for s in ("", " ") for d in "0123456789"}),
        (r"(?:\s|^)x", 0, {" x", "x"}),
        (r"\d+%", 0, set("0123456789")),
        (r"Re:\s*", 0, {"re:"}),
    ],
)
def test_literal_prefixes_read_the_start_of_every_match(pattern, flags, prefixes):
    assert needles.literal_prefixes(pattern, flags) == frozenset(prefixes)


@pytest.mark.parametrize(
    "pattern",
    [r"\w+ly\b", r"(?-i:[A-Z])\w+ says", r"(?:\w+\s+)?foo", r"[^.!?]{0,60}deal", r".*x"],
)
def test_literal_prefixes_give_up_when_a_match_may_start_anywhere(pattern):
    assert needles.literal_prefixes(pattern, re.I) is None


def test_a_needle_the_automaton_lacks_is_found_directly_and_joins_it():
    key = "zqxj-needle"
    doc = Doc("Nothing here. Then zqxj-needle twice: ZQXJ-NEEDLE.")
    assert needles.starts(doc, frozenset({key})) == [19, 38]
    needles.starts(Doc("another text"), frozenset())  # the next scan rebuilds the automaton
    assert key in needles._current()[1]


def test_every_rule_gate_lets_through_each_of_its_fire_examples():
    for rule in load_rules():
        gate = rule_gate(rule)
        if gate is None:
            continue
        for example in rule.fire:
            at = needles.present(Doc(example), gate)
            assert not gated_out(rule, at), (rule.code, example)
        assert gated_out(rule, needles.present(Doc("Zzz qqq."), gate)), rule.code


def test_text_whose_case_folding_shifts_offsets_skips_the_prefilter():
    doc = Doc("İstanbul: we may not be the right fit.")
    assert not needles.usable(doc)
    rx = re.compile(r"we\s+may", re.I)
    assert [m.span() for m in needles.matches(doc, rx)] == [m.span() for m in rx.finditer(doc.text)]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=127), max_size=60),
        st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=60),
    )
)
def test_the_folded_text_is_the_lower_cased_text_with_every_space_as_one_blank(text):
    doc = Doc(text)
    expected = "".join(" " if c.isspace() else c for c in text.lower())
    assert needles.folded(doc) == expected


@pytest.mark.parametrize("odd", ["ı", "ſ"])
def test_text_with_a_letter_that_ignorecase_folds_but_lower_keeps_skips_the_prefilter(odd):
    assert needles.usable(Doc("we may not"))
    assert not needles.usable(Doc(f"we may not, {odd}"))
