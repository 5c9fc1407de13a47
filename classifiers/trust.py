"""Trust-equation parts C, R, I: detectors for the CR, RE and IN rules.

Word lists live in the rules' TOML (`params`); what stays here is structure that a single
regular expression cannot express: "a commitment *with* a when", "an owned error *followed by*
a fix", "thanks for your patience *without* any news", terms piling up in one sentence.
Every expression is compiled once (module level or cached per rule) and matched per sentence.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache

from classifiers import needles
from classifiers.rules import Context, Hit, Rule, detector, phrase_regex
from classifiers.text import Doc, Span

_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|satur|sun)(?:day)?"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A concrete "when": a day, a date, a clock time, a bounded interval, end of day/week.
WHEN = re.compile(
    r"\b(?=[tbencoumwfsjadiTBENCOUMWFSJADI0-9])(?:(?:today|tonight|tomorrow)(?![’'`]s)(?:\s+(?:morning|afternoon|evening))?"
    r"|this\s+(?:morning|afternoon|evening|week)"
    r"|(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|today|tomorrow|week|month)"
    r"|EOD|COB|(?:this|next)\s+(?:week|" + _DAY + r")"
    r"|(?:by|before|on|until|till|no\s+later\s+than)\s+(?:(?:this|next)\s+)?" + _DAY + r"\b"
    r"|" + _DAY + r"\s+(?:morning|afternoon|evening|at\s+\d)"
    r"|\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\d{1,2}:\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b"
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|within\s+(?:the\s+next\s+)?(?:\d+|an?|one|two|three|four|five|24|48)\s+"
    r"(?:business\s+|working\s+)?(?:hours?|days?|minutes?|weeks?)"
    r"|in\s+(?:the\s+next\s+)?(?:\d+|an|one|two|three)\s+(?:hours?|minutes?|business\s+days?))",
    re.IGNORECASE,
)
_I_WILL = re.compile(
    r"\b(?=[IiWw])(?:I|we)(?:['’]ll|\s+will|\s+shall|\s+am\s+going\s+to|\s+are\s+going\s+to)\s+",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"(?:not|never|no\s+longer)\b", re.IGNORECASE)
# A time limit in an offer is pressure, not a commitment ("sign by Friday and we'll …").
_OFFER = re.compile(
    r"\bif\s+you\s+(?:sign|buy|order|book|commit|act|purchase|upgrade|renew)\b"
    r"|\b(?:discount|offer\s+(?:ends|expires)|expires?|% off)\b",
    re.IGNORECASE,
)


@cache
def _list_regex(code: str, key: str, words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation per rule and word list (lists are data in the rule's params)."""
    return re.compile(phrase_regex(words), re.IGNORECASE)


@cache
def _verb_regex(code: str, verbs: tuple[str, ...]) -> re.Pattern[str]:
    """A committing verb right after "I'll", optionally softened ("I'll try to send")."""
    adverbs = r"(?:(?:try\s+to|aim\s+to|be\s+sure\s+to|definitely|certainly|also|then)\s+)?"
    return re.compile(adverbs + r"(?:" + "|".join(map(re.escape, verbs)) + r")\b", re.IGNORECASE)


def _param_regex(rule: Rule, key: str) -> re.Pattern[str]:
    """`_list_regex` for the rule's list, remembered per list object: turning the list into a
    hashable tuple on every call cost more than the rest of some detectors."""
    words = rule.params.get(key, ())
    held = _PARAM_REGEX.get((rule.code, key))
    if held is None or held[0] is not words:
        held = _PARAM_REGEX[(rule.code, key)] = (words, _list_regex(rule.code, key, tuple(words)))
    return held[1]


_PARAM_REGEX: dict[tuple[str, str], tuple[object, re.Pattern[str]]] = {}


def _by_sentence(doc: Doc, rx: re.Pattern[str]) -> Iterator[list[re.Match[str]]]:
    """Matches of `rx` grouped by sentence: one scan of the text instead of one per sentence."""
    group: list[re.Match[str]] = []
    current = -1
    for m in needles.matches(doc, rx):
        i = doc.sentence_index(m.start())
        if i != current and group:
            yield group
            group = []
        current = i
        group.append(m)
    if group:
        yield group


# --- credibility --------------------------------------------------------------------------


@detector("repeated_buzz_modifier")
def repeated_buzz_modifier(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """ "Digital this and Digital that": one impressive modifier repeated within a short stretch."""
    rx = _param_regex(rule, "modifiers")
    min_count = int(rule.params.get("min_count", 3))
    window = int(rule.params.get("window_words", 60))
    at = needles.match_starts(doc, rx)
    if at is not None and len(at) < min_count:
        return  # fewer places a modifier could start than the repeats needed
    by_word: dict[str, list[tuple[int, int]]] = {}
    for m in needles.matches(doc, rx):
        by_word.setdefault(m.group().lower().replace("’", "'"), []).append((m.start(), m.end()))
    if not by_word:
        return
    starts = doc.word_starts
    for spans in by_word.values():
        if len(spans) < min_count:
            continue
        idx = [bisect.bisect_left(starts, s) for s, _ in spans]
        # any run of `min_count` occurrences inside `window` words
        dense = any(
            idx[i + min_count - 1] - idx[i] <= window for i in range(len(idx) - min_count + 1)
        )
        if dense:
            for s, e in spans:
                yield Hit(s, e, {"match": doc.text[s:e], "count": len(spans)})


@detector("term_pileup")
def term_pileup(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Several distinct big technical terms in one sentence: talking over the reader."""
    rx = _param_regex(rule, "terms")
    min_terms = int(rule.params.get("min_terms", 3))
    at = needles.match_starts(doc, rx)
    if at is not None and not doc.crowded_sentences(at, min_terms):
        return  # no sentence has room for enough terms
    for found in _by_sentence(doc, rx):
        distinct = {m.group().lower() for m in found}
        if len(distinct) >= min_terms:
            terms = ", ".join(dict.fromkeys(m.group() for m in found))
            yield Hit(found[0].start(), found[-1].end(), {"terms": terms, "count": len(distinct)})


@detector("stacked_hedges")
def stacked_hedges(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Hedge on hedge ("could possibly perhaps"): the claim dissolves. One hedge is honest."""
    rx = _param_regex(rule, "hedges")
    min_hedges = int(rule.params.get("min_hedges", 3))
    at = needles.match_starts(doc, rx)
    if at is not None and not doc.crowded_sentences(at, 2):
        return  # every finding needs two hedges in one sentence
    for in_sentence in _by_sentence(doc, rx):
        # "May" with a capital mid-sentence is the month, not a hedge.
        found = [m for m in in_sentence if m.group() != "May"]
        if len(found) < 2:
            continue
        adjacent = any(
            doc.text[a.end() : b.start()].strip() == ""
            for a, b in zip(found, found[1:], strict=False)
        )
        if len({m.group().lower() for m in found}) >= min_hedges or adjacent:
            hedges = ", ".join(dict.fromkeys(m.group().lower() for m in found))
            yield Hit(found[0].start(), found[-1].end(), {"hedges": hedges})


# --- reliability --------------------------------------------------------------------------


@detector("vague_commitment")
def vague_commitment(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """ "I'll get back to you soon": a promise with no what or when cannot be kept or checked."""
    vague_acts = _param_regex(rule, "vague_acts")
    vague_times = _param_regex(rule, "vague_times")
    acts_at = needles.match_starts(doc, vague_acts)
    times_at = needles.match_starts(doc, vague_times)
    if acts_at == [] and times_at == []:
        return  # every hit needs a vague act or a vague time
    verbs = _verb_regex(rule.code, tuple(rule.params.get("commit_verbs", ())))
    for s, promises in needles.by_sentence(doc, _I_WILL):
        if WHEN.search(doc.text, s.start, s.end):
            continue
        for m in promises:
            tail_end = min(s.end, m.end() + 80)
            act = vague_acts.match(doc.text, m.end(), tail_end)
            if act is None:
                # "I'll send it over soon": a committing verb with a vague time. A prediction
                # ("we will soon find out") is not a promise.
                if not verbs.match(doc.text, m.end(), tail_end):
                    continue
                vt = vague_times.search(doc.text, m.end(), tail_end)
                if vt is None:
                    continue
                end = vt.end()
            else:
                end = act.end()
                vt = vague_times.match(doc.text, end + 1, tail_end)
                if vt is not None:
                    end = vt.end()
            yield Hit(m.start(), end, {"match": doc.text[m.start() : end]})
            break


@detector("concrete_commitment")
def concrete_commitment(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Deposit: "I'll send the revised quote by Thursday 3 pm" — a what and a when, checkable."""
    for s, promises in needles.by_sentence(doc, _I_WILL):
        m = promises[0]
        if _NEGATED.match(doc.text, m.end()) or needles.search(doc, _OFFER, s.start, s.end):
            continue
        reach = min(s.end, m.end() + int(rule.params.get("when_within_chars", 100)))
        w = WHEN.search(doc.text, m.end(), reach)
        if w is None:
            continue
        # a what: at least one word between "I'll" and the when ("I'll … by Friday")
        if not re.search(r"[A-Za-z]{2,}", doc.text[m.end() : w.start()]):
            continue
        yield Hit(m.start(), w.end(), {"when": w.group()})


_OWN_ERROR = re.compile(
    r"\b(?:I|we)\s+(?:(?:made|got)\s+(?:a|an)\s+(?:mistake|error)|got\s+(?:this|that|it)\s+wrong"
    r"|messed\s+(?:(?:this|that|it)\s+)?up|dropped\s+the\s+ball|sent\s+(?:you\s+)?the\s+wrong"
    r"|(?:overcharged|double[- ]charged|mis-?billed)\s+you"
    r"|missed\s+(?:the|our|your)\s+(?:deadline|date|call|meeting|delivery))"
    r"|\b(?:that|this|it)\s+(?:was|is)\s+(?:entirely\s+|completely\s+)?(?:my|our)\s+(?:mistake|fault|error)"
    r"|\bthat['’]s\s+on\s+(?:me|us)\b",
    re.IGNORECASE,
)
_FIX = re.compile(
    r"\b(?:I|we)(?:['’]ve|\s+have)?\s+(?:just\s+|now\s+|already\s+)?"
    r"(?:fixed|corrected|refunded|credited|reversed|re-?sent|resent|reissued|updated|changed|added)\b"
    r"|\b(?:I|we)(?:['’]ll|\s+will)\s+(?:\w+\s+){0,2}?(?:fix|correct|refund|credit|re-?send|resend|reissue|change)\b"
    r"|\bhappen\s+again\b|\b(?:going\s+forward|from\s+now\s+on),?\s+(?:we|I|every|all|each)\b",
    re.IGNORECASE,
)
_IF_BEFORE = re.compile(r"\b(?:if|whether|unless)\b[^.!?]*$", re.IGNORECASE)


@detector("owned_error_with_fix")
def owned_error_with_fix(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Deposit: own the error, then say what you did or will change (within a few sentences)."""
    sents = doc.sentences
    reach = int(rule.params.get("fix_within_sentences", 3))
    for s, owned in needles.by_sentence(doc, _OWN_ERROR):
        m, i = owned[0], doc.sentence_index(s.start)
        if _IF_BEFORE.search(doc.text, s.start, m.start()):
            continue
        last = sents[min(len(sents) - 1, i + reach)]
        if _FIX.search(doc.text, s.start, last.end):
            yield Hit(m.start(), m.end(), {"match": m.group()})


# --- intimacy -----------------------------------------------------------------------------

_NEWS = re.compile(
    r"\b(?=[iahwusIAHWUS])(?:is|are|has\s+been|have\s+been|was|were)\s+(?:now\s+|all\s+)?(?:fixed|resolved|restored"
    r"|shipped|sent|refunded|credited|delivered|live|back|approved|updated|processed|scheduled|booked)\b"
    r"|\b(?:I|we)(?:['’]ve|\s+have)\s+(?:just\s+|now\s+)?(?:fixed|resolved|restored|shipped|sent"
    r"|refunded|credited|found|identified|traced|updated|processed|scheduled|escalated|booked)\b"
    r"|\bhere(?:['’]s|\s+is)\s+(?:the|your|an?)\s+(?:update|fix|status|new)\b|\b(?:update|status):",
    re.IGNORECASE,
)


@detector("patience_without_news")
def patience_without_news(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Thanking someone for waiting while telling them nothing new reads as a script."""
    rx = _param_regex(rule, "phrases")
    hits = list(needles.matches(doc, rx))
    if not hits or _NEWS.search(doc.text) or WHEN.search(doc.text):
        return
    for m in hits:
        yield Hit(m.start(), m.end(), {"match": m.group()})


# "Why"/"where" questions to "you" are mostly challenges ("Why would you…", "Where is your proof?").
_QUESTION_OPENER = re.compile(
    r"^\W*(?:(?:so|and|but|out\s+of\s+curiosity|I['’]m\s+curious|curious|honest\s+question)[,:—–-]*\s+)?"
    r"(?:what|how|which|tell\s+me|(?:could|can|would)\s+you\s+tell\s+me|walk\s+me\s+through)\b",
    re.IGNORECASE,
)
# Anywhere in the sentence (every branch has a literal start, so `needles.search` finds them) …
_CHALLENGE = re.compile(
    r"\b(?:how|what)\s+(?:could|can|dare|do|did)\s+you\s+(?:not|say|claim|think|believe|expect|possibly|justify)\b"
    r"|\b(?:could|can|do|did|would|are|were|will)n[’']t\s+you\b|\byou\s+not\b|\band\s+not\b"
    r"|\bhow\s+(?:can|could|dare)\s+you\b|\bwhat\s+(?:have|did)\s+you\s+(?:ever\s+)?done\b"
    r"|\b(?:proof|seriously|on\s+earth|the\s+hell|wrong\s+with\s+you)\b",
    re.IGNORECASE,
)
# … or opening it ("How about you just…"), matched at the sentence's start.
_CHALLENGE_OPENER = re.compile(r"\W*how\s+about\b", re.IGNORECASE)
_ABOUT_THEM = re.compile(r"\b(?:you|your|yours|you['’](?:re|ve|d))\b|\bthat\s+concern\b", re.I)
_SMALL_TALK = re.compile(
    r"^\W*how\s+(?:are\s+you|is\s+(?:your\s+)?(?:day|week|weekend|everything)"
    r"|was\s+your\s+(?:day|week|weekend|trip|holiday|flight))\b",
    re.IGNORECASE,
)


def _register_needles(*regexes: re.Pattern[str]) -> None:
    """Put the literal starts of regexes tried with `needles.search` into the first automaton
    (found lazily, each new key set costs a rebuild of it mid-run)."""
    for rx in regexes:
        needles.register(needles.literal_prefixes(rx.pattern, rx.flags) or ())


_register_needles(_OFFER, _CHALLENGE)


def _question_sentences(doc: Doc) -> Iterator[Span]:
    """The sentences holding a "?", in order: the only ones that can end with one."""
    text = doc.text
    at = text.find("?")
    while at != -1:
        s = doc.sentence_at(at)
        if s is not None:
            yield s
            at = max(at, s.end - 1)
        at = text.find("?", at + 1)


@detector("curiosity_question")
def curiosity_question(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Deposit: an open question about their situation — not a favour ask for a call."""
    if "?" not in doc.text:
        return
    ask = _param_regex(rule, "favour_asks")
    min_words = int(rule.params.get("min_words", 5))
    max_words = int(rule.params.get("max_words", 30))
    for s in _question_sentences(doc):
        text = doc.text[s.start : s.end]
        if not text.rstrip().endswith("?"):
            continue
        if not _QUESTION_OPENER.match(text) or _SMALL_TALK.match(text):
            continue
        if not _ABOUT_THEM.search(text) or ask.search(text):
            continue
        # searched in place, where its rare needles occur: a sentence starts after a space or
        # at the text's start, so `\b` at its start sees what it would see in the cut-out `text`
        if _CHALLENGE_OPENER.match(text) or needles.search(doc, _CHALLENGE, s.start, s.end):
            continue
        if not min_words <= doc.count_of(s) <= max_words:
            continue
        yield Hit(s.start, s.end, {"match": text})
