"""The "cannot fire" pre-checks of the rarely-firing rules at their edges: texts just at a
rule's threshold still fire, and offsets count for the sentence `Doc.sentence_index` gives."""

from __future__ import annotations

import pytest

from auditor import Config, audit
from classifiers.text import Doc


def _codes(text: str, code: str) -> list[str]:
    report = audit(text, kind="email", config=Config(select=[code]))
    return [f.rule for f in report.findings if f.rule == code]


def test_crowded_sentences_counts_offsets_as_sentence_index_places_them():
    doc = Doc("  One two three. Four five six.  Seven eight.")
    # before the first sentence, in it, in the gap after the second: all as sentence_index says
    offsets = [0, 2, 6, 31, 33, 39]
    assert [doc.sentence_index(o) for o in offsets] == [0, 0, 0, 1, 2, 2]
    assert doc.crowded_sentences(offsets, 3) == {0}
    assert doc.crowded_sentences(offsets, 2) == {0, 2}
    assert doc.crowded_sentences(offsets, 4) == set()
    assert doc.crowded_sentences([], 0) == {0, 1, 2}


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("We use AI, machine learning and blockchain for invoices.", True),  # just min_terms
        ("We use AI and machine learning. Blockchain is next for invoices.", False),
    ],
)
def test_term_pileup_at_its_threshold(text, fires):
    assert bool(_codes(text, "CR105")) is fires


def test_stacked_hedges_fire_on_two_adjacent_hedges():
    assert _codes("This could possibly help your team next quarter.", "CR107")


def test_competitor_swap_fires_with_exactly_the_minimum_generic_words():
    # "team", "delivers", "quality", "solutions": four generic words, as min_content_words asks
    assert _codes("Our team delivers quality solutions.", "LM111")
    assert not _codes("Our team delivers quality.", "LM111")


def test_vague_commitment_still_fires_with_only_a_vague_time():
    assert _codes("Thanks for the details. I'll send it over soon.", "RE101")
