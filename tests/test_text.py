"""Segmentation shortcuts must agree with the plain scans they replace, on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.text import (
    _ABBREV,
    _END,
    _WORD,
    Doc,
    _ends,
    _is_abbreviation,
    split_sentences,
)

# Sentence-ish text: words, abbreviations, initials, digits, quotes, odd spaces and punctuation.
PIECES = st.sampled_from(
    ["We", "ship", "it", "Dr", "e.g", "U.S", "J", "3", "4.5", "ſo", "Σ", "½", "don't", "month-end"]
    + [".", "!", "?", "…", "...", "!?", "”", "’", ")", "]", '"', " ", "  ", "\n", "\r\n", "\t"]
    + ["\u00a0", "\u2028", "\n\n", "- ", "1. "]
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.integers(0, 5), st.integers(0, 5))
def test_sentence_ends_equal_a_full_regex_scan(text, cut_start, cut_end):
    start, end = min(cut_start, len(text)), max(0, len(text) - cut_end)
    expected = [m.span() for m in _END.finditer(text, start, end)] if start <= end else []
    assert [m.span() for m in _ends(text, start, end)] == expected


def _abbreviation_by_full_walk(text: str, dot_at: int) -> bool:
    i = dot_at
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    token = text[i:dot_at].lower()
    return token in _ABBREV or (len(token) == 1 and text[i].isupper())


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_abbreviation_check_equals_a_walk_over_the_whole_token(text):
    for at in [i for i, ch in enumerate(text) if ch == "."]:
        assert _is_abbreviation(text, at) == _abbreviation_by_full_walk(text, at)


def test_sentences_split_at_ends_but_not_after_abbreviations_or_initials():
    text = "Dr. Lee met J. Smith at 3 p.m. on Friday. It went well!  Next steps?\nSee you."
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == [
        "Dr. Lee met J. Smith at 3 p.m. on Friday.",
        "It went well!",
        "Next steps?",
        "See you.",
    ]


# Character by character: letters of both cases, digits, joiners alone and in runs, non-ASCII
# letters (not word characters to `_WORD`), underscores and spaces of several kinds.
WORDY = st.text(alphabet="aZq09'’-_ .é\u00a0\nİſ", max_size=40)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(TEXTS, WORDY))
def test_word_table_equals_the_word_regex_match_by_match(text):
    found = list(_WORD.finditer(text))
    doc = Doc(text)
    assert doc.word_table == (
        [m.start() for m in found],
        [m.end() for m in found],
        [m.group().lower() for m in found],
    )
    for span in split_sentences(text):
        inside = [m for m in found if span.start <= m.start() < span.end]
        lo, hi = doc.word_range(span)
        assert doc.word_table.lowers[lo:hi] == [m.group().lower() for m in inside]
        assert doc.count_of(span) == len(inside)
