"""Lemming (me-too) sameness: detectors for the LM rules in `rules/lemming.toml`.

Word lists live in the TOML; here are the checks a list cannot express: "leverage" as a verb
but not as a noun, a template opener that is (or is not) a sentence of its own, the
competitor-swap test, and hashtag counting. Near-duplicates of a corpus are `sameness.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import compress
from typing import Any

from classifiers import needles
from classifiers.rules import Context, Hit, Rule, detector, phrase_regex
from classifiers.self_orientation import doc_cache
from classifiers.text import Doc, Span

_RULE_REGEX: dict[str, re.Pattern[str]] = {}


def _phrases_regex(rule: Rule) -> re.Pattern[str]:
    rx = _RULE_REGEX.get(rule.code)
    if rx is None:
        phrases = rule.params.get("phrases", ())
        # A lookahead on the first letters lets the engine skip most positions cheaply.
        firsts = "".join(sorted({p.strip()[0].lower() for p in phrases if p.strip()}))
        prefix = f"(?=[{re.escape(firsts)}])" if firsts.isalpha() else ""
        rx = re.compile(prefix + phrase_regex(phrases), re.IGNORECASE)
        _RULE_REGEX[rule.code] = rx
    return rx


_PREV_WORD = re.compile(r"([A-Za-z]+(?:['’][A-Za-z]+)?)[ \t\"“”'‘’(]*$")
_NEXT_WORD = re.compile(r"[ \t\"“”'‘’]*([A-Za-z]+(?:['’][A-Za-z]+)?)")


def _prev_word(text: str, start: int) -> str | None:
    """The word just before `start` in the same clause (None after . ! ? : ; or a line break)."""
    m = _PREV_WORD.search(text, max(0, start - 40), start)
    return m.group(1).lower().replace("’", "'") if m else None


def _next_word(text: str, end: int) -> str | None:
    m = _NEXT_WORD.match(text, end)
    return m.group(1).lower().replace("’", "'") if m else None


_LEVERAGE = re.compile(r"\bleverag(?:e|es|ed|ing)\b", re.IGNORECASE)
_USE = {"leverage": "use", "leverages": "uses", "leveraged": "used", "leveraging": "using"}
_ADJECTIVAL = frozenset(
    "highly heavily over more less most too is are was were be being been so".split()
)


@detector("leverage_verb")
def leverage_verb(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """ "Leverage" used as a verb ("leverage our platform"), never the finance or negotiation noun."""
    cues: tuple[frozenset[str], ...] | None = None
    text = doc.text
    for m in needles.matches(doc, _LEVERAGE):
        if cues is None:
            cues = _cue_sets(rule)
        verb_cues, noun_cues, objects, finance = cues
        form = m.group().lower()
        prev, nxt = _prev_word(text, m.start()), _next_word(text, m.end())
        if nxt in ("ratio", "ratios", "multiple", "multiples", "covenant", "covenants"):
            continue
        if form == "leverage":
            verb = prev not in noun_cues and (prev in verb_cues or nxt in objects)
        elif form == "leverages":
            verb = prev not in noun_cues
        elif form == "leveraging":
            verb = nxt not in finance and prev not in noun_cues
        else:  # leveraged: adjective in finance unless it clearly takes an object
            verb = nxt in objects and nxt not in finance and prev not in _ADJECTIVAL
        if verb:
            yield Hit(
                m.start(), m.end(), {"match": m.group(), "replacement": _USE[form]}, _USE[form]
            )


_CUES: dict[str, tuple[frozenset[str], ...]] = {}


def _cue_sets(rule: Rule) -> tuple[frozenset[str], ...]:
    """The rule's word lists as sets, built once per rule rather than on every document."""
    sets = _CUES.get(rule.code)
    if sets is None:
        p = rule.params
        keys = ("verb_cues", "noun_cues", "objects", "finance_after")
        sets = _CUES[rule.code] = tuple(frozenset(p[k]) for k in keys)
    return sets


_SPECIFIC_AFTER = re.compile(
    r"\s+(?:with|on|in|at|after|since|following|despite|through)\b", re.IGNORECASE
)


# A character `str.isalnum` accepts: the regex module's word characters less the underscore.
_ALNUM = re.compile(r"[^\W_]")


@detector("filler_opener")
def filler_opener(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A "hope this finds you well" opener; `params.alone` picks whether it must be a sentence
    of its own (then deleting the sentence is a safe edit) or share one with other words."""
    alone_wanted = bool(rule.params.get("alone", True))
    if "hope" not in doc.lower and "trust" not in doc.lower:
        return
    for start, end, match, alone in _filler_openers(doc, rule):
        if alone == alone_wanted:
            yield Hit(start, end, {"match": match})


_OPENER_KEYS: dict[str, str] = {}


def _filler_openers(doc: Doc, rule: Rule) -> list[tuple[int, int, str, bool]]:
    """Each opener (start, end, text, alone in its sentence), found once per document for all
    the rules with the same phrases (LM105 and LM106 differ only in `alone`)."""
    rx = _phrases_regex(rule)
    key = _OPENER_KEYS.get(rule.code)
    if key is None:
        key = _OPENER_KEYS[rule.code] = "filler_opener:" + rx.pattern
    return doc_cache(doc, key, lambda: list(_find_filler_openers(doc, rx)))


def _find_filler_openers(doc: Doc, rx: re.Pattern[str]) -> Iterator[tuple[int, int, str, bool]]:
    text = doc.text
    for m in needles.matches(doc, rx):
        if text[m.end() : m.end() + 1] == "-" or _SPECIFIC_AFTER.match(text, m.end()):
            continue  # "well-prepared for…", "doing well with the migration": not filler
        s = doc.sentence_at(m.start())
        if s is None:
            continue
        # alone: no letter or digit in the sentence outside the match
        alone = not (_ALNUM.search(text, s.start, m.start()) or _ALNUM.search(text, m.end(), s.end))
        yield m.start(), m.end(), m.group(), alone


_STOP = frozenset(
    """a an the and or but nor to of for with without in on at by from as into onto across through
    throughout about over under within beyond is are was were be been being am do does did have has
    had that this these those their them they it its it's your you you're yours our ours we we're
    we've us i i'm my me can could will would shall should may might must so than then like such
    who whom which what how why where when while both also just very truly really only even each
    any some more most much many not no never always ever here there up out via per every all one
    let let's get gets make makes own whole new""".split()
)
_SELF = frozenset("we our us i my we're we've we'll ours".split())


@detector("competitor_swap")
def competitor_swap(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Seed 001's test: a sentence about the writer whose every content word is boilerplate,
    so a competitor's name could replace the writer's and it would stay true. A figure, a
    question or any capitalised name after the first word (a customer, a place) is specific."""
    kinds = _word_kinds(rule)
    min_words = int(rule.params.get("min_content_words", 4))
    text = doc.text
    starts, _, lowers = doc.word_table
    # Only a sentence with `min_words` generic words can fire: find those first, in C.
    plain = "\0".join(lowers).replace("’", "'").split("\0") if "’" in text else lowers
    generic = list(compress(starts, map(_generic_words(rule).__contains__, plain)))
    sentences = doc.sentences
    has_digit = _digit_search(text)
    for s in map(sentences.__getitem__, sorted(doc.crowded_sentences(generic, min_words))):
        if s.end - s.start < 20:
            continue
        last = text[s.end - 1]  # a sentence ends on its punctuation: no slice needed to see "?"
        if last == "?" or (last.isspace() and text[s.start : s.end].rstrip().endswith("?")):
            continue
        if has_digit is not None and has_digit(text, s.start, s.end):
            continue
        about_self = False
        content = 0
        boilerplate = True
        # Without digits, the segmenter's words are exactly the sentence's words of letters
        # (`[A-Za-z]+(?:['’-][A-Za-z]+)*`): a sentence starts and ends beside a space.
        lo, hi = doc.word_range(s)
        for i, (start, lower) in enumerate(zip(starts[lo:hi], lowers[lo:hi], strict=True)):
            lower = lower.replace("’", "'")
            kind = kinds.get(lower)
            if kind == _SELF_WORD:
                about_self = True
                continue
            if kind == _STOP_WORD:
                continue
            if kind is None and i == 0:
                about_self = True  # the writer's own name: swappable by definition
                continue
            if "'" in lower and lower.split("'")[0] in _STOP:
                continue  # "you'd", "that'll"
            if kind is None or (i > 0 and text[start].isupper()):
                boilerplate = False  # a specific word, or a named customer, place or product
                break
            content += 1  # a generic word
        if boilerplate and about_self and content >= min_words:
            yield Hit(s.start, s.end)


_ASCII_DIGIT = re.compile("[0-9]")


def _digit_search(text: str) -> Callable[[str, int, int], re.Match[str] | None] | None:
    """`search(text, start, end)` for a character `str.isdigit` accepts (a figure); None when
    the text holds none. `\\d` would miss "²" and the like, so other scripts get their own class."""
    if text.isascii():
        return _ASCII_DIGIT.search
    digits = "".join(sorted(filter(str.isdigit, set(text))))
    return re.compile(f"[{re.escape(digits)}]").search if digits else None


_SELF_WORD, _STOP_WORD, _GENERIC_WORD = 1, 2, 3
_KINDS: dict[str, dict[str, int]] = {}


def _word_kinds(rule: Rule) -> dict[str, int]:
    """Each listed word's role, the writer's own words first, then stop words, then the rule's
    generic words: one look-up per word instead of up to four set tests."""
    kinds = _KINDS.get(rule.code)
    if kinds is None:
        kinds = dict.fromkeys((w.lower() for w in rule.params["generic"]), _GENERIC_WORD)
        kinds.update(dict.fromkeys(_STOP, _STOP_WORD))
        kinds.update(dict.fromkeys(_SELF, _SELF_WORD))
        _KINDS[rule.code] = kinds
    return kinds


_GENERIC: dict[str, frozenset[str]] = {}


def _generic_words(rule: Rule) -> frozenset[str]:
    """The words `competitor_swap` counts as generic content: listed, not stop or self words."""
    words = _GENERIC.get(rule.code)
    if words is None:
        kinds = _word_kinds(rule)
        words = _GENERIC[rule.code] = frozenset(w for w, k in kinds.items() if k == _GENERIC_WORD)
    return words


_HASHTAG = re.compile(r"(?<![\w&/#])#[^\W\d_][\w]*")


@detector("hashtag_stuffing")
def hashtag_stuffing(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """The hashtags after the first `max_tags` (default 3), one hit per run of adjacent tags so
    that the deletions never overlap."""
    limit = int(rule.params.get("max_tags", 3))
    tags = list(_HASHTAG.finditer(doc.text))
    if len(tags) <= limit:
        return
    runs: list[list[re.Match[str]]] = []
    for m in tags[limit:]:
        if runs and not doc.text[runs[-1][-1].end() : m.start()].strip():
            runs[-1].append(m)
        else:
            runs.append([m])
    for run in runs:
        start, end = run[0].start(), run[-1].end()
        values = {"match": doc.text[start:end], "extra": len(run), "total": len(tags)}
        yield Hit(start, end, values)


# --- sameness against the team's published content (ctx.corpus) ------------------------------


def _corpus_matches(doc: Doc, ctx: Context) -> list[Any]:
    """The index's matches for the body, once per document (both LM9xx rules read them)."""
    if ctx.corpus is None or doc.field != "body":
        return []
    if "corpus_matches" not in doc.memo:
        doc.memo["corpus_matches"] = ctx.corpus.query(doc.text, min_shared=3, limit=5)
    return doc.memo["corpus_matches"]


def _snap_to_sentences(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Winnowing finds shared text to within a few words; report whole sentences."""
    first = doc.sentence_at(start)
    last = doc.sentence_at(max(start, end - 1))
    return (first.start if first else start, max(last.end if last else end, end))


def _match_summary(m: Any) -> dict[str, Any]:
    """Without offsets: the finding's own span is the one clients convert (UTF-16 for browsers)."""
    d = m.to_dict()
    d.pop("start", None)
    d.pop("end", None)
    return d


@detector("corpus_near_duplicate")
def corpus_near_duplicate(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """LM901: the draft nearly duplicates a published document."""
    matches = _corpus_matches(doc, ctx)
    if not matches:
        return
    from classifiers.sameness import NEAR_DUPLICATE  # numpy: only when a corpus is in use

    if matches[0].similarity >= NEAR_DUPLICATE:
        best = matches[0]
        start, end = _snap_to_sentences(doc, best.start, best.end)
        values = {"doc_id": best.doc_id, "similarity": f"{best.similarity:.2f}"}
        extra = {
            "match": _match_summary(best),
            "other_matches": [_match_summary(m) for m in matches[1:]],
        }
        yield Hit(start, end, values, extra=extra)


@detector("corpus_passage")
def corpus_passage(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """LM902: no near-duplicate, but a long passage is copied from a published document."""
    matches = _corpus_matches(doc, ctx)
    if not matches:
        return
    from classifiers.sameness import NEAR_DUPLICATE

    if matches[0].similarity >= NEAR_DUPLICATE:
        return
    passage = max(matches, key=lambda m: max(b - a for a, b in m.runs))
    a, b = max(passage.runs, key=lambda r: r[1] - r[0])
    words = doc.count_of(Span(a, b))
    if words >= int(rule.params.get("min_words", 25)):
        start, end = _snap_to_sentences(doc, a, b)
        values = {"doc_id": passage.doc_id, "words": str(words)}
        yield Hit(start, end, values, extra={"match": _match_summary(passage)})
