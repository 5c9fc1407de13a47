"""Cheap exact tests that a rule cannot fire, for detectors that run on nearly every text but
rarely fire: they prove "no sentence holds enough of X" from offsets already at hand (the
needle scan's, the word table's) before any regex or per-word Python loop runs."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import partial
from itertools import compress
from operator import eq

from classifiers import needles
from classifiers.text import Doc


def match_starts(doc: Doc, rx: re.Pattern[str]) -> list[int] | None:
    """Sorted offsets where a match of `rx` may start (each holds one of its literal prefixes);
    None when that is unknown: no literal start, or offsets the needle scan cannot trust."""
    prefixes = needles.literal_prefixes(rx.pattern, rx.flags)
    if prefixes is None or not needles.usable(doc):
        return None
    return needles.starts(doc, prefixes)


def crowded_sentences(doc: Doc, offsets: Sequence[int], k: int) -> set[int]:
    """Indices of the sentences holding at least `k` of the sorted `offsets`, counted as
    `Doc.sentence_index` places them (an offset in the gap after a sentence counts for it)."""
    if k < 1:
        return set(range(len(doc.sentences)))
    if len(offsets) < k:
        return set()
    # `Doc.sentence_index` without a call per offset: starts after the first, so an offset
    # before the first sentence counts for it too
    later = [start for start, _ in doc.sentences[1:]]
    at = list(map(partial(bisect_right, later), offsets))
    return set(compress(at, map(eq, at, at[k - 1 :])))
