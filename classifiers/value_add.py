"""Value-add: detectors for the VA rules in `rules/value_add.toml`.

Most VA rules are word lists or patterns run through the quote- and negation-aware `guarded`
matcher in `classifiers.self_orientation`; the ones here need sentence structure: open
questions (vs yes/no meeting asks), empty check-ins (vs a check-in that carries news), and
"nothing the reader can use" across the whole text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from classifiers import needles
from classifiers.rules import Context, Hit, Rule, detector, rule_regex
from classifiers.self_orientation import (
    _MARKERS,
    doc_cache,
    guarded_hits,
    in_quotes,
    is_question,
    value_deposits,
)
from classifiers.text import Doc, Span

_OPEN_START = frozenset("what how why which where who what's how's where's who's".split())
_OPEN_LEAD = re.compile(
    r"(?:tell me (?:more )?(?:about|what|how|why)|i'?d (?:love|like) to (?:hear|know|understand)"
    r" (?:how|what|why|which|where)|(?:i'm|i am) curious (?:how|what|why|which|where))\b",
    re.I,
)
_DIGIT = re.compile(r"\d")


@detector("open_question")
def open_question(doc: Doc, rule: Rule, ctx: Context) -> list[Hit]:
    """Questions that invite the reader's view; yes/no and scheduling questions are not."""
    return doc_cache(doc, f"hits:{rule.code}", lambda: list(_open_questions(doc, rule)))


def _open_questions(doc: Doc, rule: Rule) -> Iterator[Hit]:
    not_if = rule_regex(rule, "skip")
    with_lead = {s for s, _ in needles.by_sentence(doc, _OPEN_LEAD)}
    starts, _, lowers = doc.word_table
    for span in _with_question_mark(doc, with_lead):
        question = is_question(doc, span)
        if span not in with_lead and not question:
            continue
        lo, hi = doc.word_range(span)
        if hi - lo < 3:
            continue
        i = lo
        while i < hi - 1 and lowers[i] in _MARKERS:
            i += 1
        start = starts[i]
        lead = _OPEN_LEAD.match(doc.text, start, span.end)
        if not (question and lowers[i] in _OPEN_START) and not lead:
            # a lead-in clause: "If that backlog is mostly one question, what…?"
            comma = doc.text.find(",", start, span.end)
            after = bisect.bisect_right(starts, comma, lo, hi) if comma != -1 else hi
            if not (after < hi and question and lowers[after] in _OPEN_START):
                continue
            start = starts[after]
        if not_if is not None and needles.search(doc, not_if, start, span.end):
            continue
        if in_quotes(doc.text, span.start, start):
            continue
        yield Hit(start, span.end, {"match": doc.text[start : span.end]})


def _with_question_mark(doc: Doc, also: set[Span]) -> list[Span]:
    """The sentences holding a "?" (every question does) and those in `also`, in text order:
    found from the marks, so the many sentences without one are never looked at."""
    picked = set(also)
    text = doc.text
    i = text.find("?")
    while i != -1:
        s = doc.sentence_at(i)
        if s is not None:
            picked.add(s)
        i = text.find("?", s.end if s is not None else i + 1)
    return sorted(picked)


def _is_empty_check_in(doc: Doc, rule: Rule, match: re.Match[str], start: int, end: int) -> bool:
    """Nothing in the sentence besides the check-in and filler ("to see if you had a chance")."""
    if _DIGIT.search(doc.text, start, end):
        return False
    filler = _filler_words(rule)
    m_start, m_end = match.start(), match.end()
    starts, _, lowers = doc.word_table
    lo, hi = doc.word_range(Span(start, end))
    content = [
        lower
        for at, lower in zip(starts[lo:hi], lowers[lo:hi], strict=True)
        if not (m_start <= at < m_end) and lower not in filler
    ]
    return len(content) <= int(rule.params.get("max_content_words", 1))


_FILLER: dict[str, frozenset[str]] = {}


def _filler_words(rule: Rule) -> frozenset[str]:
    """The rule's filler words, lower-cased once per rule rather than per check-in."""
    words = _FILLER.get(rule.code)
    if words is None:
        words = _FILLER[rule.code] = frozenset(w.lower() for w in rule.params.get("filler", ()))
    return words


@detector("check_in")
def check_in(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Empty check-ins. `params.mode`: "empty" (the sentence says nothing else, so deleting it
    is safe) or "lead" (it opens a sentence that carries something: advise, don't delete)."""
    want_empty = rule.params.get("mode", "empty") == "empty"
    for m, s in guarded_hits(doc, rule):
        if _is_empty_check_in(doc, rule, m, s.start, s.end) == want_empty:
            yield Hit(m.start(), m.end(), {"match": m.group()})


@detector("no_value")
def no_value(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Document level: a text long enough to carry value that has no value deposit at all."""
    n = doc.word_count
    if n < int(rule.params.get("min_words", 40)):
        return
    if not value_deposits(doc, ctx):
        yield Hit(None, None, {"words": n})
