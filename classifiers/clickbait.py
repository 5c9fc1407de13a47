"""Clickbait and zero-insight aggregation: detectors for the CB rules in `rules/clickbait.toml`.

Each detector is named by a rule in `classifiers/rules/*.toml`; the rule holds its text and
word lists. `infer_first_contact` is what the engine uses to tell a real reply from a fake
"Re:", so the rule and every first-contact rule agree on what a first message is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from classifiers.rules import Context, Hit, Rule, detector, rules_by_code
from classifiers.text import Doc

# --- headlines ------------------------------------------------------------------------------

# "Three lessons from our migration" is how people write; the formula starts at four.
_NUMBER_WORDS = (
    "four five six seven eight nine ten eleven twelve thirteen fourteen fifteen twenty thirty "
    "fifty hundred"
)
_LISTICLE_CACHE: dict[str, re.Pattern[str]] = {}


def _listicle_regex(rule: Rule) -> re.Pattern[str]:
    rx = _LISTICLE_CACHE.get(rule.code)
    if rx is None:
        nouns = "|".join(
            sorted({re.escape(n) for n in rule.params["nouns"]}, key=len, reverse=True)
        )
        words = "|".join(_NUMBER_WORDS.split())
        # "Top 3 …" is the formula whatever the number; a bare count only from four.
        number = rf"(?:top\s+(?:\d{{1,3}}|two|three|{words})|[4-9]|[1-9]\d{{1,2}}|{words})\b"
        rx = re.compile(
            r"[\s#>*\"“'‘]*(?:(?:the|these|our|my|here\s+are(?:\s+the)?|here's|heres)\s+)?"
            r"(?P<m>" + number + r"\s+(?:(?:of\s+the\s+(?:best|worst|most|greatest|"
            r"funniest|biggest)\b)|(?:[\w'’-]+\s+){0,2}?(?:" + nouns + r")\b))",
            re.IGNORECASE,
        )
        _LISTICLE_CACHE[rule.code] = rx
    return rx


def _listicle_match(doc: Doc, rule: Rule) -> re.Match[str] | None:
    return _listicle_regex(rule).match(doc.text)


@detector("listicle_headline")
def listicle_headline(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A headline that opens with a count of reasons, tips or things ("Top 12 reasons why…")."""
    m = _listicle_match(doc, rule)
    if m:
        yield Hit(m.start("m"), m.end("m"), {"match": m.group("m")})


_PUNCT_RUN = re.compile(r"(?<=[\w)\]\"”’'])[!?]{2,}(?=$|[\s\"”’')\]])")


@detector("punctuation_runs")
def punctuation_runs(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """ "!!", "?!", "!?" and "???" after a word: shouting marks (not `!!` in code or "5!")."""
    text = doc.text
    if "!!" not in text and "!?" not in text and "?!" not in text and "??" not in text:
        return  # a run needs two marks in a row: four substring tests beat the regex's scan
    for m in _PUNCT_RUN.finditer(text):
        run = m.group()
        mixed = "!" in run and "?" in run
        if run.count("!") >= 2 or mixed or run.count("?") >= 3:
            repl = "?" if "?" in run else "!"
            yield Hit(m.start(), m.end(), {"match": run, "replacement": repl}, repl)


_UPPER_SETS: dict[tuple[str, str], frozenset[str]] = {}


def _upper_set(rule: Rule, key: str) -> frozenset[str]:
    words = _UPPER_SETS.get((rule.code, key))
    if words is None:
        words = frozenset(w.upper() for w in rule.params.get(key, ()))
        _UPPER_SETS[(rule.code, key)] = words
    return words


# "(?<![\w'’])[A-Z][A-Z'’]*[A-Z](?![\w'’])" with the look-behind moved past the first letter
# (it then checks the character before that letter): same matches, but a pattern that opens
# with a character class lets the regex engine skip straight to the next capital.
_CAPS = re.compile(r"[A-Z](?<![\w'’][A-Z])[A-Z'’]*[A-Z](?![\w'’])")


@detector("all_caps_words")
def all_caps_words(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Shouting: a run of ALL-CAPS words that holds a word from the `shout` list, or two or more
    words that are not known acronyms (`allow`). A lone unknown capitalised word (NASCAR, WCAG)
    is taken for an acronym or a brand: precision over recall."""
    allowed = _upper_set(rule, "allow")
    shout = _upper_set(rule, "shout")
    text = doc.text
    run: list[tuple[int, int, str]] = []

    def flush() -> Iterator[Hit]:
        if run:
            unknown = sum(1 for _, _, tok in run if tok not in allowed and len(tok) >= 3)
            loud = unknown >= 2 or any(tok in shout for _, _, tok in run)
            if loud and not all(tok in allowed for _, _, tok in run):
                start, end = run[0][0], run[-1][1]
                yield Hit(start, end, {"match": text[start:end]})
            run.clear()

    for m in _CAPS.finditer(text):
        if run and text[run[-1][1] : m.start()].strip(" ,-–—"):
            yield from flush()
        run.append((m.start(), m.end(), m.group().replace("’", "'")))
    yield from flush()


# --- fake replies ---------------------------------------------------------------------------

REPLY_PREFIX = re.compile(r"^\s*(?P<m>(?:(?:re|fwd?|aw|sv|wg)\s*(?:\[\d+\])?\s*:\s*)+)", re.I)
_THREAD = re.compile(
    r"^\s*>|^On .{4,200}wrote:\s*$|-{2,}\s*(?:Original|Forwarded)\s+Message\s*-{2,}"
    r"|^Begin forwarded message:|^From: .+\n(?:Sent|Date): ",
    re.I | re.M,
)
# Things nobody writes in a real reply to someone they already talk to.
_INTRODUCTION = re.compile(
    r"\bmy\s+name\s+is\b|\b(?:introduce|introducing)\s+(?:myself|ourselves)\b"
    r"|\bwe\s+(?:haven['’]t|have\s+not)\s+(?:met|spoken|been\s+introduced)\b"
    r"|\byou\s+don['’]t\s+know\s+me\b"
    r"|\bI\s+(?:came|stumbled)\s+(?:across|upon)\s+your\b"
    r"|\bI\s+found\s+your\s+(?:profile|name|company|website|details)\b"
    r"|\bI(?:['’]m|\s+am)\s+[A-Z][a-z]+,?\s+(?:from|at|with)\s+[A-Z]",
    re.I,
)


def infer_first_contact(subject: str | None, body: str) -> bool:
    """Is this the first message to the reader? A subject without "Re:"/"Fwd:" says yes. With
    one, quoted thread text says no; an introduction of the sender says yes (the "Re:" is
    fake); otherwise we assume a genuine reply, since mail clients often hide the thread."""
    if not subject or not REPLY_PREFIX.match(subject):
        return True
    if _THREAD.search(body):
        return False
    return bool(_INTRODUCTION.search(body))


@detector("fake_reply")
def fake_reply(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A "Re:"/"Fwd:" subject on a first contact, or on a subject line audited on its own."""
    if doc.field != "subject" and doc.kind != "headline":
        return
    if not ctx.first_contact:
        return
    m = REPLY_PREFIX.match(doc.text)
    if m:
        prefix = m.group("m").rstrip()
        start = m.start("m")
        yield Hit(start, start + len(prefix), {"match": prefix})


# --- aggregation ----------------------------------------------------------------------------

_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·▪►✓✔]|\d{1,3}[.)]|[a-z][.)])\s+")
_QUOTE_LINE = re.compile(r"^\s*(?:>|[\"“„«].{8,}[\"”»](?:\s*[-—–~]\s*\S.{0,60})?\s*$)", re.S)
_ATTRIBUTION = re.compile(r"^\s*[-—–~]\s*[A-Z][\w.'’ -]{1,60}$")
_WORD = re.compile(r"\w+")


def _lines(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            lead = len(body) - len(body.lstrip())
            yield pos + lead, pos + len(body.rstrip())
        pos += len(line)


@detector("aggregation")
def aggregation(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A text made mostly of links and quotes from elsewhere, with little commentary of its own:
    at least `min_items` link or quote lines, and fewer than `comment_words_per_item` words of
    the writer's own per item."""
    p = rule.params
    max_link_words = int(p.get("max_link_line_words", 8))
    min_items = int(p.get("min_items", 3))
    text, lower = doc.text, doc.lower
    marks = lower.count("http") + lower.count("www.") + text.count("“") + text.count('"') // 2
    if marks + text.count(">") < min_items:
        return  # cannot hold enough links or quotes
    items: list[tuple[int, int]] = []
    comment_words = 0
    for start, end in _lines(text):
        line = text[start:end]
        stripped = _URL.sub(" ", _BULLET.sub("", line))
        words = len(_WORD.findall(stripped))
        is_link = bool(_URL.search(line)) and words <= max_link_words
        is_quote = bool(_QUOTE_LINE.match(line)) or (
            bool(items) and items[-1][1] <= start and bool(_ATTRIBUTION.match(line))
        )
        if is_link or is_quote:
            items.append((start, end))
        else:
            comment_words += words
    quote_or_link = [it for it in items if not _ATTRIBUTION.match(text[it[0] : it[1]])]
    n = len(quote_or_link)
    if n >= min_items and comment_words < int(p.get("comment_words_per_item", 8)) * n:
        yield Hit(items[0][0], items[-1][1], {"items": n, "comment_words": comment_words})


@detector("listicle_body")
def listicle_body(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """A "Top N …" heading over a bare list: short items and almost nothing else."""
    p = rule.params
    headline_rule = rules_by_code().get("CB103")
    if headline_rule is None:
        return
    m = _listicle_match(doc, headline_rule)
    if not m:
        return
    text = doc.text
    heading_end = text.find("\n", m.end())
    if heading_end == -1:
        return
    item_spans: list[tuple[int, int]] = []
    item_words: list[int] = []
    other = 0
    for start, end in _lines(text[heading_end:]):
        start, end = start + heading_end, end + heading_end
        line = text[start:end]
        n = len(_WORD.findall(_BULLET.sub("", line)))
        if _BULLET.match(line):
            item_spans.append((start, end))
            item_words.append(n)
        else:
            other += n
    if (
        len(item_spans) >= int(p.get("min_items", 3))
        and sum(item_words) / len(item_words) <= float(p.get("max_item_words", 10))
        and other <= int(p.get("max_other_words", 30))
    ):
        heading = text[m.start("m") : min(heading_end, m.end("m") + 40)].strip()
        yield Hit(
            item_spans[0][0],
            item_spans[-1][1],
            {"heading": heading.rstrip(":"), "items": len(item_spans)},
        )
