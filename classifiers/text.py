"""Segmentation with exact character spans: every finding is anchored to offsets in the audited text."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property, partial
from itertools import accumulate, compress
from operator import eq
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any, TypedDict

    from classifiers.findings import Finding
    from classifiers.needles import _Found

    class DocMemo(TypedDict, total=False):
        """What `Doc.memo` holds, by key (for the type checker; a plain dict at run time)."""

        needles: _Found
        folded: str
        needles_usable: bool
        readability: dict[str, float | int]
        rule_findings: dict[tuple[str, str], list[Finding]]  # by (rule code, kind)
        self_orientation: dict[str, Any]
        learned: dict[Any, Any]  # by name, or by (name, analyzer or kind)
        corpus_matches: list[Any]


KINDS = ("email", "social", "blog", "page", "headline")

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
# Candidate sentence ends: terminal punctuation plus closing quotes/brackets, then whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_ABBREV = frozenset(
    """mr mrs ms dr prof sr jr st vs etc inc ltd co corp e.g i.e eg ie approx dept est fig no
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun u.s a.m p.m""".split()
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·▪►✓✔]|\d{1,3}[.)]|[a-z][.)])\s+")


class Span(NamedTuple):
    start: int
    end: int


_new_span = partial(tuple.__new__, Span)
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")  # words and the gaps between them, alternating


class WordTable(NamedTuple):
    """A text's words as parallel lists: rules read only the lower-cased words or the starts,
    and an object per word cost more than finding the words."""

    starts: list[int]
    ends: list[int]
    lowers: list[str]


def word_table(text: str) -> WordTable:
    """Every `_WORD` match's start, end and lower-cased text, without a Python step per word."""
    parts = _WORD_SPLIT.split(text)  # gap, word, gap, ..., word, gap
    if len(parts) == 1:
        return WordTable([], [], [])
    offsets = list(accumulate(map(len, parts)))  # where each part ends
    # words hold no "\0", and lower-casing them keeps their lengths (ASCII letters, ’)
    lowers = "\0".join(parts[1::2]).lower().split("\0")
    return WordTable(offsets[0:-1:2], offsets[1::2], lowers)


def _line_spans(text: str) -> list[Span]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        left = line.lstrip()
        if left:  # not blank: the span runs from its first to its last non-space character
            spans.append(_new_span((pos + len(line) - len(left), pos + len(line.rstrip()))))
        pos += len(line)
    return spans


def _joins_next(text: str, line: Span, nxt: Span) -> bool:
    """A hard-wrapped line continues into the next one; greetings, headings and list items do not."""
    start, end = line
    if end - start < 40 or text[end - 1] in ".!?:;…,":
        return False
    if nxt.start - end > 1 + text.count("\r", end, nxt.start):
        return False  # blank line between
    return not (_LIST_ITEM.match(text, nxt.start) or _LIST_ITEM.match(text[start:end]))


def _blocks(text: str) -> list[Span]:
    lines = _line_spans(text)
    blocks: list[Span] = []
    for i, line in enumerate(lines):
        if blocks and i > 0 and _joins_next(text, lines[i - 1], line):
            blocks[-1] = Span(blocks[-1].start, line.end)
        else:
            blocks.append(line)
    return blocks


_LONGEST_ABBREV = max(map(len, _ABBREV))


def _is_abbreviation(text: str, dot_at: int) -> bool:
    # a token longer than any abbreviation is none (nor an initial): walk back no further
    stop = max(0, dot_at - _LONGEST_ABBREV - 1)
    i = dot_at
    while i > stop and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    if dot_at - i > _LONGEST_ABBREV:
        return False
    token = text[i:dot_at].lower()
    return token in _ABBREV or (len(token) == 1 and text[i].isupper())


_PUNCT = ".!?…"  # what every `_END` match starts with


def _ends(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """`_END.finditer(text, start, end)`, tried only where terminal punctuation occurs (a
    scan of the regex over every character cost more than the rest of the split)."""
    at = []
    for ch in _PUNCT:
        i = text.find(ch, start, end)
        while i != -1:
            at.append(i)
            i = text.find(ch, i + 1, end)
    at.sort()
    match = _END.match
    last = -1
    for pos in at:
        if pos >= last and (m := match(text, pos, end)) is not None:
            last = m.end()
            yield m


def split_sentences(text: str) -> list[Span]:
    sentences: list[Span] = []
    for block in _blocks(text):
        start, block_end = block
        for m in _ends(text, start, block_end):
            end = m.end()
            if end >= block_end:
                break
            if m.group() == "." and _is_abbreviation(text, m.start()):
                continue
            nxt = block_end
            for j in range(end, block_end):
                if not text[j].isspace():
                    nxt = j
                    break
            ch = text[nxt] if nxt < block_end else ""
            if ch and (ch.isupper() or ch.isdigit() or ch in "\"'“‘(["):
                sentences.append(_new_span((start, end)))
                start = nxt
        if start < block_end:
            sentences.append(_new_span((start, block_end)))
    return sentences


@dataclass
class Doc:
    """A text to audit, segmented once and shared by every rule."""

    text: str
    kind: str = "email"
    field: str = "body"
    _starts: list[int] = dc_field(default_factory=list, repr=False)
    # Per-document results that several rules share (models' predictions, figures, subjects).
    memo: DocMemo = dc_field(default_factory=cast("Callable[[], DocMemo]", dict), repr=False)

    @cached_property
    def sentences(self) -> list[Span]:
        spans = split_sentences(self.text)
        self._starts = [s.start for s in spans]
        return spans

    @cached_property
    def word_table(self) -> WordTable:
        return word_table(self.text)

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def word_count(self) -> int:
        return len(self.word_table.lowers)

    def sentence_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def sentence_at(self, offset: int) -> Span | None:
        sents = self.sentences
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0:
            s = sents[i]
            start, end = s
            # start <= offset (the bisect); an empty sentence holds its start
            if offset < end or offset == start:
                return s
        return None

    def sentence_index(self, offset: int) -> int:
        self.sentences  # noqa: B018 - fills _starts
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def crowded_sentences(self, offsets: Sequence[int], k: int) -> set[int]:
        """Indices of the sentences holding at least `k` of the sorted `offsets`, each placed by
        `sentence_index` (a rule needing k hits in one sentence can rule itself out)."""
        if k < 1:
            return set(range(len(self.sentences)))
        if len(offsets) < k:
            return set()
        self.sentences  # noqa: B018 - fills _starts
        # `sentence_index` without a call per offset: bisecting the starts after the first
        # places an offset before the first sentence in it too
        at = list(map(partial(bisect.bisect_right, self._starts[1:]), offsets))
        # sorted offsets: k of them in one sentence are the i-th to the (i + k - 1)-th
        return set(compress(at, map(eq, at, at[k - 1 :])))

    @property
    def word_starts(self) -> list[int]:
        return self.word_table.starts

    def word_range(self, span: Span) -> tuple[int, int]:
        """Where a span's words sit in the word table: `table.lowers[lo:hi]` are its words."""
        starts = self.word_table.starts
        lo = bisect.bisect_left(starts, span.start)
        return lo, bisect.bisect_left(starts, span.end, lo)

    def count_of(self, span: Span) -> int:
        lo, hi = self.word_range(span)
        return hi - lo
