"""Self-orientation (S): detectors for the SO rules in `rules/self_orientation.toml`.

Self-orientation is framing, not pronoun counting: the question is who each sentence is
*about*. "You mentioned we missed the deadline" has a "we" in it and is about the reader.
So the frame of a sentence is read from its grammatical subject, after stripping discourse
markers ("So,", "Honestly,") and lead-in clauses ("If you're busy, we can…" is conditioned
on the reader, so it counts as reader-oriented).

This module also holds the quote- and negation-aware phrase matcher (`guarded`) that the
word-list rules of both self-orientation and value-add use: plain word lists firing inside
quoted speech or after "not" is the false-alarm pattern users hate in alex and proselint.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import cache, partial
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from classifiers import needles
from classifiers.findings import Finding
from classifiers.rules import (
    Context,
    Hit,
    Rule,
    detector,
    rule_needles,
    rule_regex,
    rules_by_code,
    run_rule,
)
from classifiers.text import Doc, Span, WordTable

T = TypeVar("T")

SELF_WORDS = frozenset(
    "i i'm im i've i'd i'll we we're we've we'd we'll my our ours me us myself ourselves".split()
)
READER_WORDS = frozenset("you you're you've you'd you'll your yours yourself yourselves".split())
# Words that start a sentence without being its subject.
_MARKERS = frozenset(
    """so and but also well now honestly frankly actually plus however then anyway okay ok yes
    oh again just still meanwhile first second third finally lastly besides otherwise overall
    basically really personally quick quickly ps p s anyhow""".split()
)
# Lead-ins whose clause runs to the first comma: "If you're busy, …", "On Tuesday, …".
_LEAD_INS = frozenset(
    """if when whenever since because as although though while after before unless once
    whether given until in on at for with during over last this next from by following like
    after thanks thank to based having seeing hi hello hey dear""".split()
)
_AUX = frozenset(
    """do does did can could would will are is was were have has had should shall may might
    am don't doesn't didn't can't couldn't won't wouldn't aren't isn't""".split()
)
_WH = frozenset("what how why when where which who whose".split())
# "Our call ran long" is about a shared event, not about the seller.
_SHARED_NOUNS = frozenset("call meeting conversation chat discussion talk session workshop".split())
# "I noticed your team…", "I'd love to hear how you…": a self subject looking at the reader.
_ATTENDING = frozenset(
    """noticed saw read heard learned spotted watched enjoyed loved liked love curious
    wondering wonder listened""".split()
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^.!?]{0,40}[,!:.]?$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^(?:best|thanks|thank you|many thanks|cheers|regards|kind regards|best regards|"
    r"warm regards|warmly|sincerely|all the best|talk soon|speak soon|yours)\b[^.!?,]{0,20},?$",
    re.I,
)
# Either of the two, in one match per sentence (a top-level alternation matches when either does).
_GREETING_OR_SIGN_OFF = re.compile(f"(?:{_GREETING.pattern})|(?:{_SIGN_OFF.pattern})", re.I)
# Used with `match` at a sentence's start (so no "^": it would hold only at the text's start).
_PLEASANTRY = re.compile(
    r"(?:i\s+)?hope\b|happy\s+\w+day\b|i trust (?:this|you)\b|how are you\b|good (?:morning|afternoon)\b",
    re.I,
)
# Names the writer uses for their own company: "I'm the AE at Acme Cloud", "here at Acme".
# Found from the preposition (fast to scan for), then confirmed by what comes before it.
_NAME_AFTER = re.compile(r"(?:at|with|from|for|At)\s+([A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,2})")
_NAME_CONTEXT = re.compile(
    r"(?:\b(?:I|we)(?:'m|’m| am| are|'re|’re)\s+(?:the|a|an)\s+[^.!?\n]{0,60}"
    r"|\b(?:here|we|work|working|calling|writing|reaching out|on behalf))\s*$",
    re.I,
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|without|nor|hardly|\w+n['’]t)\b(?:\s+[\w'’-]+){0,2}\s*$", re.I
)


def doc_cache(doc: Doc, key: str, compute: Callable[[], T]) -> T:
    """Per-document memo, so several rules can share one pass over the sentences."""
    store = doc.memo.get("self_orientation")
    if store is None:  # not `setdefault`: that built a new dict on every call
        store = doc.memo["self_orientation"] = {}
    if key not in store:
        store[key] = compute()
    return store[key]


def in_quotes(text: str, start: int, pos: int) -> bool:
    """Is `pos` inside quoted speech that opened in the same sentence?"""
    # counted in place: slicing the sentence out cost a copy per match
    if text.count("“", start, pos) > text.count("”", start, pos):
        return True
    return text.count('"', start, pos) % 2 == 1


def negated(text: str, sentence_start: int, pos: int) -> bool:
    return bool(_NEGATION.search(text, max(sentence_start, pos - 40), pos))


def is_question(doc: Doc, span: Span) -> bool:
    return doc.text[span.start : span.end].rstrip().rstrip("\"'”’)").endswith("?")


# --- sentence frames --------------------------------------------------------------------------


class Frame(NamedTuple):
    """Who one sentence is about: `self`, `reader` or `other`; the subject's span, and where
    the main clause starts (a tuple: one is built per sentence of every audit)."""

    span: Span
    about: str
    subject_start: int
    subject_end: int
    mentions_reader: bool
    clause_start: int  # for the opening rules: what they match from


# built in C: the generated `Frame.__new__` is a Python call per sentence
_new_frame = partial(tuple.__new__, Frame)


def self_names(doc: Doc) -> frozenset[str]:
    def compute() -> frozenset[str]:
        names: set[str] = set()
        text = doc.text
        for m in _NAME_AFTER.finditer(text):
            s = m.start()
            if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "'’"):
                continue
            first = m.group(1).split()[0].lower().removesuffix("'s").removesuffix("’s")
            # the cheap tests first: the context search below is the costly one
            if first in SELF_WORDS or first in READER_WORDS or len(first) <= 1 or first in names:
                continue
            if text.startswith("At", s):
                j = s - 1
                while j >= 0 and text[j].isspace():
                    j -= 1
                if j >= 0 and text[j] not in ".!?":
                    continue
            elif not _NAME_CONTEXT.search(text, max(0, s - 120), s):
                continue
            names.add(first)
        return frozenset(names)

    return doc_cache(doc, "self_names", compute)


def _main_clause(text: str, end: int, table: WordTable, lo: int, hi: int) -> tuple[int, bool]:
    """Index of the main clause's first word in the sentence whose words are `lo:hi` in the
    document's word table (and which ends at `end`), and whether a lead-in clause names the
    reader."""
    starts, ends, lowers = table
    i = lo
    while i < hi - 1 and lowers[i] in _MARKERS:
        i += 1
    if i < hi and lowers[i] in _LEAD_INS:
        comma = text.find(",", ends[i], end)
        if comma != -1:
            j = bisect_left(starts, comma, i, hi)  # the first word after the comma
            if j < hi and j - i <= 30:
                lead_reader = not READER_WORDS.isdisjoint(lowers[i:j])
                while j < hi - 1 and lowers[j] in _MARKERS:
                    j += 1
                return j, lead_reader
    return i, False


def _frame(
    text: str, span: Span, table: WordTable, lo: int, hi: int, names: frozenset[str]
) -> Frame:
    """The frame of the sentence `span`, whose words are `lo:hi` in the word table (indices
    into the document's table: no lists sliced per sentence)."""
    starts, ends, lowers = table
    mentions_reader = not READER_WORDS.isdisjoint(lowers[lo:hi])
    i, lead_reader = _main_clause(text, span.end, table, lo, hi)
    clause = starts[i] if i < hi else span.start
    if i < hi and lowers[i] in _WH:
        i += 1
    if i < hi - 1 and lowers[i] in _AUX:
        i += 1  # question inversion: "Do you…", "How are you…", "Can we…"
    if i >= hi:
        return _new_frame((span, "other", span.start, span.start, mentions_reader, clause))
    word = lowers[i].replace("’", "'").removesuffix("'s")
    about, end = "other", ends[i]
    if word == "let's" or (word == "let" and i + 2 < hi and lowers[i + 2] == "know"):
        about = "other"
    elif word == "let" and i + 1 < hi and lowers[i + 1] == "me":
        about, end = "self", ends[i + 1]
    elif word in ("my", "our") and i + 1 < hi and lowers[i + 1] in _SHARED_NOUNS:
        about = "other"
    elif word in SELF_WORDS or word in names:
        about = "self"
        if word in ("my", "our") and i + 1 < hi:
            end = ends[i + 1]
        if not _ATTENDING.isdisjoint(lowers[i + 1 : min(i + 5, hi)]) and not (
            READER_WORDS.isdisjoint(lowers[i + 1 : hi])
        ):
            about = "reader"
        elif lead_reader:
            about = "reader"
    elif word in READER_WORDS:
        about = "reader"
    return _new_frame((span, about, starts[i], end, mentions_reader, clause))


def frames(doc: Doc) -> list[Frame]:
    """The frame of every content sentence (greetings, sign-offs and fragments of under three
    words skipped)."""

    def compute() -> list[Frame]:
        names = self_names(doc)
        text, table, spans = doc.text, doc.word_table, doc.sentences
        # every sentence's word range (as `doc.word_range`), bisected in C
        los = map(bisect_left, repeat(table.starts), map(itemgetter(0), spans))
        his = map(bisect_left, repeat(table.starts), map(itemgetter(1), spans))
        greeting_or_sign_off = _GREETING_OR_SIGN_OFF.match
        return [
            _frame(text, span, table, lo, hi, names)
            for span, lo, hi in zip(spans, los, his, strict=True)
            if hi - lo >= 3 and not greeting_or_sign_off(text[span.start : span.end].strip())
        ]

    return doc_cache(doc, "frames", compute)


def opening_frames(doc: Doc, count: int = 2) -> list[Frame]:
    """The first content sentences after the greeting and any "I hope…" pleasantry."""
    out: list[Frame] = []
    for f in frames(doc):
        if not out and _PLEASANTRY.match(doc.text, f.span.start):
            continue
        out.append(f)
        if len(out) >= count:
            break
    return out


def frame_counts(doc: Doc) -> dict[str, float]:
    """How many frames are about whom (shared by SO102 and SO103: do not change the dict)."""

    def compute() -> dict[str, float]:
        fs = frames(doc)
        self_n = reader_n = about_reader = 0
        self_weight: float = 0  # an int while no self frame is seen, as `sum` gave
        for f in fs:
            if f.about == "self":
                self_n += 1
                # "We looked at the logs you sent" is the writer acting on the reader's behalf:
                # half weight.
                self_weight += 0.5 if f.mentions_reader else 1.0
            elif f.about == "reader":
                reader_n += 1
                about_reader += 1
            elif f.mentions_reader:
                about_reader += 1
        return {
            "total": len(fs),
            "self": self_n,
            "self_weight": self_weight,
            "reader": reader_n,
            "about_reader": about_reader,
        }

    return doc_cache(doc, "frame_counts", compute)


@detector("self_subject_share")
def self_subject_share(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Findings on the self subjects, only when they crowd out the reader across the text."""
    c = frame_counts(doc)
    p = rule.params
    if c["total"] < p.get("min_sentences", 3) or c["self"] < p.get("min_self", 3):
        return
    share = c["self_weight"] / c["total"]
    if share < p.get("min_share", 0.4) or c["self"] <= c["reader"]:
        return
    values = {
        "self": c["self"],
        "total": c["total"],
        "reader": c["reader"],
        "share": f"{share:.0%}",
    }
    for f in frames(doc):
        if f.about == "self":
            yield Hit(f.subject_start, f.subject_end, values)


@detector("reader_focus")
def reader_focus(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    c = frame_counts(doc)
    p = rule.params
    if c["total"] < p.get("min_sentences", 3):
        return
    share = c["about_reader"] / c["total"]
    if share >= p.get("min_share", 0.4) and c["about_reader"] >= p.get("ratio", 2.0) * c["self"]:
        yield Hit(
            None,
            None,
            {"about_reader": c["about_reader"], "self": c["self"], "total": c["total"]},
        )


# --- pattern rules with guards ----------------------------------------------------------------


def _matches(doc: Doc, rx: re.Pattern[str], keys: frozenset[str] | None) -> Iterator[re.Match[str]]:
    """Matches inside each sentence: tried where the regex's literal start occurs or, for a
    regex with none, in the sentences holding one of `keys` (see `_sentence_keys`). Not a
    generator itself: one layer fewer for every match to pass through."""
    if keys is None:
        return needles.matches(doc, rx, in_sentences=True)
    text = doc.text
    return (m for span in needles.sentences_with(doc, keys) for m in rx.finditer(text, *span))


def _sentence_keys(rule: Rule, rx: re.Pattern[str]) -> frozenset[str] | None:
    """The rule's needles, when `rx` has no literal start for `needles.matches` to use."""
    keys = rule_needles(rule)
    return keys if keys and needles.literal_prefixes(rx.pattern, rx.flags) is None else None


def _rule_matches(doc: Doc, rule: Rule, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """`_matches` for one of the rule's regexes."""
    return _matches(doc, rx, _sentence_keys(rule, rx))


class _Guard(NamedTuple):
    """A guarded rule's regexes and switches, read off its params once (per call and per
    match, those look-ups were a share of what the word-list rules cost)."""

    rx: re.Pattern[str] | None
    keys: frozenset[str] | None  # for `_matches`
    require: re.Pattern[str] | None
    skip: re.Pattern[str] | None
    skip_quoted: bool
    skip_negated: bool
    skip_questions: bool


def _guard(rule: Rule) -> _Guard:
    guard = _GUARDS.get(rule.code)
    if guard is None:
        rx, p = rule_regex(rule), rule.params
        guard = _GUARDS[rule.code] = _Guard(
            rx,
            _sentence_keys(rule, rx) if rx is not None else None,
            rule_regex(rule, "require"),
            rule_regex(rule, "skip"),
            bool(p.get("skip_quoted", True)),
            bool(p.get("skip_negated", False)),
            bool(p.get("skip_questions", False)),
        )
    return guard


_GUARDS: dict[str, _Guard] = {}  # by rule code, as `rule_regex` keeps the regexes


def guarded_hits(doc: Doc, rule: Rule) -> Iterator[tuple[re.Match[str], Span]]:
    """Matches of the rule's list or patterns, skipping quoted speech and, if asked, negations,
    questions, and sentences lacking `require` or containing `skip`."""
    g = _guard(rule)
    if g.rx is None:
        return
    text, sentence_at = doc.text, doc.sentence_at
    require, skip = g.require, g.skip
    for m in _matches(doc, g.rx, g.keys):
        start, end = m.span()
        if end == start:
            continue
        s = sentence_at(start) or Span(start, end)
        if g.skip_quoted and in_quotes(text, s.start, start):
            continue
        if g.skip_negated and negated(text, s.start, start):
            continue
        if g.skip_questions and is_question(doc, s):
            continue
        until = max(s.end, end)
        if require is not None and not needles.search(doc, require, s.start, until):
            continue
        if skip is not None and needles.search(doc, skip, s.start, until):
            continue
        yield m, s


@detector("guarded")
def guarded(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A word list or regex that respects quotes and (optionally) negation and questions."""
    for m, _ in guarded_hits(doc, rule):
        yield Hit(m.start(), m.end(), {"match": m.group()})


@detector("self_superlative")
def self_superlative(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Superlatives the writer claims for themselves; an appositive one ("Acme, the world's
    leading…") only counts in a sentence about the writer."""
    for m, _ in guarded_hits(doc, rule):
        yield Hit(m.start(), m.end(), {"match": m.group()})
    text = doc.text
    appositive = rule_regex(rule, "appositive")
    about_self: set[int] | None = None  # sentence starts: the frames are only read on a match
    for m in _rule_matches(doc, rule, appositive) if appositive is not None else ():
        s = doc.sentence_at(m.start()) or Span(m.start(), m.end())
        if in_quotes(text, s.start, m.start()):
            continue
        if about_self is None:
            about_self = {f.span.start for f in frames(doc) if f.about == "self"}
        if s.start in about_self:
            yield Hit(m.start(), m.end(), {"match": m.group()})
    # A named claim counts only for one of the writer's own names: with none, skip the regex
    # (it has no literal start, so it is costly to run).
    named = rule_regex(rule, "named")
    names = self_names(doc) if named is not None else frozenset()
    for m in _rule_matches(doc, rule, named) if named is not None and names else ():
        s = doc.sentence_at(m.start()) or Span(m.start(), m.end())
        if in_quotes(text, s.start, m.start()):
            continue
        if m.group("name").lower() in names:
            yield Hit(m.start(), m.end(), {"match": m.group()})


@detector("opening")
def opening(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """The rule's patterns, anchored at the start of one of the opening sentences."""
    rx = rule_regex(rule)
    skip = rule_regex(rule, "skip")
    if rx is None or doc.field != "body":
        return
    names = self_names(doc)
    name_rx = rule_regex(rule, "named")
    for f in opening_frames(doc, int(rule.params.get("sentences", 2))):
        start = f.clause_start
        if skip is not None and needles.search(doc, skip, f.span.start, f.span.end):
            continue
        m = rx.match(doc.text, start, f.span.end)
        if m is None and f.span.start != start:
            m = rx.match(doc.text, f.span.start, f.span.end)
        if m is None and name_rx is not None:
            m = name_rx.match(doc.text, start, f.span.end)
            if m is not None and m.group("name").lower() not in names:
                m = None
        if m is not None and m.end() > m.start():
            yield Hit(m.start(), m.end(), {"match": m.group().strip()})


# --- asks before giving -----------------------------------------------------------------------


def value_deposits(doc: Doc, ctx: Context) -> list[Finding]:
    """Every value deposit in the text (value-add deposits and the acid test), whatever the
    team's rule selection: "did they give anything?" is a fact about the text."""

    def compute() -> list[Finding]:
        out: list[Finding] = []
        for rule in _deposit_rules():
            out.extend(f for f in run_rule(doc, rule, ctx) if f.start is not None)
        return sorted(out, key=lambda f: f.start or 0)

    return doc_cache(doc, f"value_deposits:{ctx.kind}", compute)


@cache
def _deposit_rules() -> tuple[Rule, ...]:
    """The rules `value_deposits` runs, picked once (not on every document)."""
    return tuple(
        rule
        for rule in rules_by_code().values()
        if rule.polarity == "deposit"
        # declared VA1xx rules only: learned models (VA9xx) give a score, not a span
        and (rule.code.startswith("VA1") or rule.params.get("counts_as_value"))
    )


@detector("favour_ask")
def favour_ask(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Meeting, referral or intro asks in a first email before anything of value is given."""
    if not ctx.first_contact or doc.field != "body":
        return
    deposits: list[Finding] | None = None
    for m, _ in guarded_hits(doc, rule):
        if deposits is None:
            deposits = value_deposits(doc, ctx)
        if any((d.start or 0) < m.start() for d in deposits):
            continue
        yield Hit(m.start(), m.end(), {"match": m.group()})


def describe(doc: Doc) -> dict[str, Any]:
    """The frame counts, for debugging and the evaluation scripts."""
    return {**frame_counts(doc), "frames": [(f.span.start, f.about) for f in frames(doc)]}
