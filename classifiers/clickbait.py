"""Clickbait and zero-insight aggregation: detectors for the CB rules in `rules/clickbait.toml`.

Each detector is named by a rule in `classifiers/rules/*.toml`; the rule holds its text.
"""

from __future__ import annotations

from collections.abc import Iterator

from classifiers.rules import Context, Hit, Rule, detector
from classifiers.text import Doc


@detector("all_caps_words")
def all_caps_words(doc: Doc, rule: Rule, ctx: Context) -> Iterator[Hit]:
    """Shouting: runs of ALL-CAPS words that are not acronyms (short, or listed as allowed)."""
    allowed = set(rule.params.get("allow", ()))
    min_len = int(rule.params.get("min_len", 4))
    for w in doc.words:
        token = doc.text[w.start : w.end]
        if len(token) >= min_len and token.isupper() and token.isalpha() and token not in allowed:
            yield Hit(w.start, w.end, {"match": token})
