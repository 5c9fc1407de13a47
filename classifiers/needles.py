r"""Every rule's literal needles found in one pass over a document.

Running some ninety rule regexes over the whole text was most of an audit's cost. Instead,
`literal_prefixes` reads off each regex (from its parsed form) the lower-case strings every
match starts with; one Aho–Corasick pass finds all of them, and each regex is then tried only
where one of its prefixes starts (`matches`), with results identical to `finditer` — pinned by
tests/test_needles.py for every regex the rules use. A rule whose regex has no such start can
still name substrings every match contains (`params.needles`) to pick the sentences to scan.

The scan runs over the text lower-cased, with every space character folded to " " and runs
of spaces collapsed to one, so a prefix can reach past `\s+` ("we may not"); offsets are
mapped back. The automaton grows on its own: keys it lacks are found with `str.find` for that
document and join it when the next document is scanned.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from re import _constants as _c  # type: ignore[attr-defined]  # private: typeshed has no stub
from re import _parser  # type: ignore[attr-defined]  # private: typeshed has no stub
from typing import Any

import ahocorasick

from classifiers.text import Doc, Span

_keys: frozenset[str] = frozenset()
_pending: set[str] = set()
_automaton: ahocorasick.Automaton | None = None


def register(keys: Iterable[str]) -> None:
    """Announce needles ahead of use, so the first scan already holds them."""
    new = {k for k in keys if k and k not in _keys}
    _pending.update(new)


def settle() -> None:
    """Fold keys met since the last build into the automaton now (a server does this before it
    forks its workers, so no worker pays for the rebuild on a request)."""
    _current()


def _current() -> tuple[ahocorasick.Automaton | None, frozenset[str]]:
    global _automaton, _keys
    if _pending:
        keys = _keys | _pending
        auto = ahocorasick.Automaton()
        for k in keys:
            auto.add_word(k, (len(k), k))
        auto.make_automaton()
        _automaton, _keys = auto, frozenset(keys)  # swapped together: readers see one or the other
        _pending.difference_update(keys)
    return _automaton, _keys


def _find_all(text: str, key: str) -> list[int]:
    out, i = [], text.find(key)
    while i != -1:
        out.append(i)
        i = text.find(key, i + 1)
    return out


class _Found:
    """One document's needle occurrences, by key, as offsets into the text. The scan runs over
    the folded text with every run of spaces collapsed to one (so a needle "we may" finds
    "We\n  may"); `cuts`/`adds` map scan offsets back, each hit as it is found."""

    __slots__ = ("at", "scanned", "extra", "scan", "cuts", "adds", "sorted", "usable")
    extra: set[str]  # keys looked for directly, outside the automaton (declared: set in a tuple)

    def __init__(self, doc: Doc, scanned: frozenset[str]) -> None:
        text = folded(doc)
        self.cuts: list[int] = []  # scan offsets just after each collapsed run
        self.adds: list[int] = []  # characters dropped up to and including that run
        if "  " in text:
            dropped = 0
            for m in _RUN.finditer(text):
                dropped += m.end() - m.start() - 1
                self.cuts.append(m.end() - dropped)
                self.adds.append(dropped)
            text = _RUN.sub(" ", text)
        self.scan, self.scanned, self.extra = text, scanned, set()
        self.usable = usable(doc)  # held here: the hot paths read it with the occurrences
        self.at: dict[str, list[int]] = {}
        # sorted start offsets per key set: a rule's gate, then its matches, ask for the same
        self.sorted: dict[frozenset[str], list[int]] = {}

    def fill(self, auto: ahocorasick.Automaton) -> None:
        """Every key of the automaton found in the scan, at its offset in the text (mapped
        here, once per hit: mapping per key on use cost a call and a list per key)."""
        at = self.at
        if not self.cuts:
            for end, (n, k) in auto.iter(self.scan):
                at.setdefault(k, []).append(end - n + 1)
            return
        cuts, adds = self.cuts, self.adds
        for end, (n, k) in auto.iter(self.scan):
            p = end - n + 1
            i = bisect.bisect_right(cuts, p)  # as `unfold` does, without a call per hit
            at.setdefault(k, []).append(p + adds[i - 1] if i else p)

    def unfold(self, positions: list[int]) -> list[int]:
        """Scan offsets mapped back to offsets in the text."""
        cuts, adds = self.cuts, self.adds
        if not cuts:
            return positions
        return [p + adds[i - 1] if (i := bisect.bisect_right(cuts, p)) else p for p in positions]

    def find(self, keys: frozenset[str]) -> None:
        """Look directly for the `keys` the automaton lacked (they join it at its next build)."""
        if _subset(keys, self.scanned):
            return
        for k in keys - self.scanned - self.extra:
            self.extra.add(k)
            _pending.add(k)
            at = _find_all(self.scan, k)
            if at:
                self.at[k] = self.unfold(at)

    def starts(self, keys: frozenset[str]) -> list[int]:
        """Sorted start offsets of every occurrence of any of `keys` (shared: do not change)."""
        out = self.sorted.get(keys)
        if out is None:
            self.find(keys)
            at = self.at
            # in C, walking the document's few keys; the order does not matter, the sort follows
            present = keys.intersection(at)
            if len(present) == 1:
                out = at[next(iter(present))]
            else:
                out = [p for k in present for p in at[k]]
                out.sort()
            self.sorted[keys] = out
        return out


_RUN = re.compile("   *")  # runs of two or more: written so that the regex engine can skip
# ahead to each "  " (a literal start), not try a match at every space


def _found(doc: Doc) -> _Found:
    """The document's occurrences, scanned on first use (callers on hot paths write
    `doc.memo.get("needles") or _found(doc)`: the common case costs no call)."""
    found = doc.memo.get("needles")
    if found is None:
        auto, keys = _current()
        found = doc.memo["needles"] = _Found(doc, keys)
        if auto is not None:
            found.fill(auto)
    return found


@lru_cache(maxsize=4096)  # bounded: each automaton rebuild brings a new `scanned`
def _subset(keys: frozenset[str], scanned: frozenset[str]) -> bool:
    return keys <= scanned


_SPACES = {cp: " " for cp in range(0x3001) if chr(cp).isspace()}  # what `\s` matches
# the same for ASCII text, as a bytes table: `bytes.translate` is a table look-up per byte
_ASCII_SPACES = bytes.maketrans(
    bytes(c for c in _SPACES if c < 128), b" " * sum(c < 128 for c in _SPACES)
)


def folded(doc: Doc) -> str:
    """The text lower-cased with every space character as " " (same length as the text)."""
    text = doc.memo.get("folded")
    if text is None:
        lower = doc.lower
        if lower.isascii():
            text = lower.encode("ascii").translate(_ASCII_SPACES).decode("ascii")
        else:
            text = lower.translate(_SPACES)
        doc.memo["folded"] = text
    return text


def usable(doc: Doc) -> bool:
    """The lower-cased text lines up with the text and holds every case-insensitive match
    (re.IGNORECASE matches "ı" and "ſ" to i and s; `.lower()` keeps them)."""
    ok = doc.memo.get("needles_usable")
    if ok is None:
        text = doc.text
        ok = len(doc.lower) == len(text) and "ı" not in text and "ſ" not in text
        doc.memo["needles_usable"] = ok
    return ok


def present(doc: Doc, keys: frozenset[str]) -> dict[str, list[int]] | None:
    """The document's needles by key, with all of `keys` looked for; None when offsets cannot
    be trusted (then every gate must pass)."""
    found = _found(doc)
    found.find(keys)
    return found.at if found.usable else None


def starts(doc: Doc, keys: frozenset[str]) -> list[int]:
    """Sorted start offsets in the text of every occurrence of any of `keys` (shared: do not
    change the list)."""
    return (doc.memo.get("needles") or _found(doc)).starts(keys)


_HELD: dict[int, tuple[re.Pattern[str], frozenset[str] | None]] = {}


def _hold(rx: re.Pattern[str]) -> tuple[re.Pattern[str], frozenset[str] | None]:
    """A compiled regex with its literal prefixes, by the regex's id (the regex kept, so the id
    stays its own). Looked up per call of `match_starts`: a Pattern as a key hashes
    its whole compiled code, and `literal_prefixes` hashes a new (pattern, flags) tuple."""
    if len(_HELD) > 4096:  # regexes compiled on the fly (a team's word lists) come and go
        _HELD.clear()
    _HELD[id(rx)] = held = (rx, literal_prefixes(rx.pattern, rx.flags))
    return held


def match_starts(doc: Doc, rx: re.Pattern[str]) -> list[int] | None:
    """Sorted offsets where a match of `rx` may start (one of its literal prefixes starts
    there; shared: do not change the list); None when unknown: the regex has no literal
    start, or the document's offsets cannot be trusted."""
    prefixes = (_HELD.get(id(rx)) or _hold(rx))[1]
    found = doc.memo.get("needles") or _found(doc)
    if prefixes is None or not found.usable:
        return None
    return found.starts(prefixes)


def search(doc: Doc, rx: re.Pattern[str], start: int, end: int) -> re.Match[str] | None:
    """`rx.search(doc.text, start, end)`, trying only where one of its literal prefixes starts."""
    positions = match_starts(doc, rx)
    if positions is None:
        return rx.search(doc.text, start, end)
    text = doc.text
    match = rx.match
    for i in range(bisect.bisect_left(positions, start), len(positions)):
        pos = positions[i]
        if pos > end:  # a match may be empty, so one starting at `end` itself still counts
            break
        m = match(text, pos, end)
        if m is not None:
            return m
    return None


def sentences_with(doc: Doc, keys: frozenset[str]) -> list[Span]:
    """The sentences holding one of `keys`, in order (a key in the gap after a sentence counts
    for that sentence); the whole text when offsets cannot be trusted."""
    found = doc.memo.get("needles") or _found(doc)
    if not found.usable:
        return [Span(0, len(doc.text))]
    sents = doc.sentences
    picked: list[Span] = []
    for pos in found.starts(keys):
        s = sents[doc.sentence_index(pos)] if sents else None
        if s is not None and (not picked or picked[-1] != s):
            picked.append(s)
    return picked


_MAX_PREFIXES = 2000
_MAX_CLASS = 12


def _lower(cp: int) -> str | None:
    """A pattern character as it appears in the scanned text (lower-cased, spaces as " ")."""
    c = chr(cp)
    if c.isspace():
        return " "
    c = c.lower()
    return c if len(c) == 1 else None


def _extend(prefixes: set[str], chars: set[str]) -> set[str]:
    # the scanned text never holds two spaces in a row: " " after " " adds nothing
    return {p if c == " " and p.endswith(" ") else p + c for p in prefixes for c in chars}


def _class_chars(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The lower-cased characters a small `[...]` class can match; None if large or negated."""
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            c = _lower(av)
            if c is None:
                return None
            out.add(c)
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            for cp in range(av[0], av[1] + 1):
                c = _lower(cp)
                if c is None:
                    return None
                out.add(c)
        elif op is _c.CATEGORY and av is _c.CATEGORY_SPACE:
            out.add(" ")  # the scanned text has every space character folded to " "
        elif op is _c.CATEGORY and av is _c.CATEGORY_DIGIT:
            out.update("0123456789")
        else:
            return None
    return out if len(out) <= _MAX_CLASS else None


def _walk(items: Any, open_: set[str], closed: set[str]) -> set[str]:
    """Extend the still-open literal prefixes through `items`; move those that can grow no
    further into `closed`. Returns the prefixes still open after `items`."""
    for op, av in items:
        if not open_:
            break
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # zero-width: restricts where a match starts, never what it starts with
        chars: set[str] | None = None
        if op is _c.LITERAL:
            c = _lower(av)
            chars = {c} if c is not None else None
        elif op is _c.IN:
            chars = _class_chars(av)
        elif op is _c.SUBPATTERN:
            open_ = _walk(av[3], open_, closed)
            continue
        elif op is _c.ATOMIC_GROUP:
            open_ = _walk(av, open_, closed)
            continue
        elif op is _c.BRANCH:
            grown: set[str] = set()
            for alt in av[1]:
                grown |= _walk(alt, set(open_), closed)
            open_ = grown
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            if _only_spaces(av[2]):  # any run of spaces is one " " in the scanned text
                spaced = _extend(open_, {" "})
                open_ = spaced if av[0] >= 1 else open_ | spaced
                continue
            closed |= _walk(av[2], set(open_), closed)  # present: its first repetition, then stop
            if av[0] >= 1:
                return set()
            continue  # optional: the match may also go straight on to what follows
        if op is not _c.BRANCH:
            if chars is None or len(open_) * len(chars) > _MAX_PREFIXES:
                closed |= open_
                return set()
            open_ = _extend(open_, chars)
        if len(open_) > _MAX_PREFIXES:
            closed |= open_
            return set()
    return open_


def _only_spaces(items: Any) -> bool:
    if len(items) != 1:
        return False
    op, av = items[0]
    if op is _c.LITERAL:
        return _lower(av) == " "
    return op is _c.IN and _class_chars(av) == {" "}


@cache
def literal_prefixes(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case strings one of which every match of the regex starts with, read off its
    parsed form; None when some match may start with anything (no literal start)."""
    try:
        tree = _parser.parse(pattern, flags)
    except re.error:
        return None
    closed: set[str] = set()
    closed |= _walk(tree.data, {""}, closed)
    if not closed or any(not p.strip() for p in closed):
        return None  # no literal start, or one as common as a space
    # a prefix that extends another adds nothing: keep the shortest. In sorted order the
    # strings a prefix starts come right after it.
    out: set[str] = set()
    kept = None
    for p in sorted(closed):
        if kept is None or not p.startswith(kept):
            out.add(p)
            kept = p
    return frozenset(out)


def matches(
    doc: Doc, rx: re.Pattern[str], *, in_sentences: bool = False
) -> Iterator[re.Match[str]]:
    """What `rx.finditer` yields over the text (or over each sentence, bounded by its end),
    looking only where one of the regex's literal prefixes starts. Lazy: many rules stop at
    their first few matches. Each start is tried with `rx.match` (one scan from the first start
    costs more: measured, in instructions per audit)."""
    positions = match_starts(doc, rx)
    if positions is None:
        spans = doc.sentences if in_sentences else [Span(0, len(doc.text))]
        for s in spans:
            yield from rx.finditer(doc.text, s.start, s.end)
        return
    text = doc.text
    match = rx.match
    end = len(text)
    bound = doc.sentence_at if in_sentences else None
    last = -1  # a position found twice (by two prefixes), or inside the last match, is skipped
    for pos in positions:
        if pos < last:
            continue
        if bound is not None and (pos >= end or last < 0):  # left the sentence, or the first
            sentence = bound(pos)
            if sentence is None:  # in the gap between two sentences
                continue
            end = sentence.end
        last = pos + 1
        m = match(text, pos, end)
        if m is not None and m.end() > pos:
            last = m.end()
            yield m


def by_sentence(doc: Doc, rx: re.Pattern[str]) -> Iterator[tuple[Span, list[re.Match[str]]]]:
    """Each sentence with the matches of `rx` inside it (searched within its bounds), in order;
    sentences without one are left out."""
    span: Span | None = None
    group: list[re.Match[str]] = []
    for m in matches(doc, rx, in_sentences=True):
        s = doc.sentence_at(m.start())
        if s != span:
            if group and span is not None:
                yield span, group
            span, group = s, []
        group.append(m)
    if group and span is not None:
        yield span, group
