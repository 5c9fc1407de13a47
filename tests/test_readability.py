"""Readability figures and the RD rules that explain them."""

from __future__ import annotations

import importlib

import pytest

from auditor import Config, audit
from classifiers.readability import count_syllables, figures
from classifiers.text import Doc

# Clean prose (no digits, hyphens or apostrophes) so textstat's own word and sentence
# splitting sees the same words and sentences as ours.
PROSE = [
    "You mentioned that your support team answers about twelve hundred billing tickets a month. "
    "Most of them are about proration after a plan change. A short help article with a worked "
    "example may answer the common question. If the backlog is wider than that, we could compare "
    "notes next week.",
    "Our organisation delivers comprehensive implementation methodologies that facilitate "
    "operational excellence across distributed business units. Stakeholders benefit from "
    "accelerated transformation and measurable efficiency improvements.",
    "The cat sat on the mat. It was a sunny day and the birds sang in the trees. We walked to the "
    "park and ate our lunch by the pond.",
]


class _SyllableView(dict):
    """textstat reads `cmudict[word][0]` and counts the phones that end in a stress digit."""

    def __getitem__(self, word: str) -> list[list[str]]:
        return [["AH0"] * count_syllables(word)]


@pytest.fixture
def textstat_offline(monkeypatch):
    textstat = pytest.importorskip("textstat")
    counts = importlib.import_module("textstat.backend.counts._count_syllables")
    monkeypatch.setattr(counts, "get_cmudict", lambda lang: _SyllableView())
    counts.count_syllables.cache_clear()
    yield textstat
    counts.count_syllables.cache_clear()


@pytest.mark.parametrize("text", PROSE, ids=["plain-email", "corporate", "simple"])
def test_figures_agree_with_textstat(textstat_offline, text):
    ours = figures(Doc(text))
    assert ours["flesch_reading_ease"] == pytest.approx(
        textstat_offline.flesch_reading_ease(text), abs=0.05
    )
    assert ours["flesch_kincaid_grade"] == pytest.approx(
        textstat_offline.flesch_kincaid_grade(text), abs=0.05
    )
    assert ours["words"] == textstat_offline.lexicon_count(text)
    assert ours["sentences"] == textstat_offline.sentence_count(text)


def test_figures_are_computed_once_per_doc_and_returned_as_copies():
    doc = Doc(PROSE[0])
    first = figures(doc)
    first["flesch_reading_ease"] = -1.0
    assert figures(doc)["flesch_reading_ease"] != -1.0
    assert figures(doc) == figures(Doc(PROSE[0]))


def _findings(text: str, kind: str = "email", config: Config | None = None):
    config = config or Config(select=["RD"])
    return [f for f in audit(text, kind=kind, config=config).findings if f.rule.startswith("RD")]


def test_long_sentence_counts_its_words_in_the_message():
    sentence = "Word " + " ".join(["word"] * 39) + "."
    (finding,) = [f for f in _findings("Short one. " + sentence) if f.rule == "RD101"]
    assert "40 words" in finding.message
    assert finding.text == sentence


def test_length_budget_comes_from_config_thresholds_and_says_by_how_much():
    text = "We cut onboarding from six weeks to two. Want the checklist we used for it?"
    words = Doc(text).word_count
    assert not [f for f in _findings(text) if f.rule == "RD102"]
    config = Config(select=["RD102"])
    config.thresholds["email"]["max_words"] = 10
    (finding,) = _findings(text, config=config)
    assert finding.start is None  # document level
    assert f"{words} words" in finding.message and f"{words - 10} over" in finding.message
    assert "budget is 10" in finding.message


def test_hard_to_read_reports_the_flesch_figure():
    text = PROSE[1]
    report = audit(text, kind="email", config=Config(select=["RD103"]))
    (finding,) = report.findings
    assert f"{report.readability['flesch_reading_ease']:.0f}" in finding.message
    assert not _findings(PROSE[0])
    # Long reads have their own budget: the email threshold does not apply to a blog.
    assert not _findings(text, kind="blog")


def test_wall_of_text_is_anchored_to_the_paragraph():
    wall = " ".join(["This sentence adds ten more words to the long paragraph."] * 13)
    text = f"Hi Sam,\n\n{wall}\n\nBest,\nAna"
    (finding,) = [f for f in _findings(text) if f.rule == "RD104"]
    assert finding.text == wall
    assert "130-word paragraph" in finding.message
    split = wall.replace("paragraph. This", "paragraph.\n\nThis", 6)
    assert not [f for f in _findings(f"Hi Sam,\n\n{split}") if f.rule == "RD104"]


def test_jargon_density_names_examples_and_ignores_names():
    jargon = (
        "Our comprehensive methodology facilitates operational optimisation, enabling "
        "organisational stakeholders to institutionalise scalable governance and accelerate "
        "strategic differentiation across every business initiative this year."
    )
    (finding,) = [f for f in _findings(jargon) if f.rule == "RD105"]
    assert "“" in finding.message and "%" in finding.message
    names = (
        "Priya, Alejandro and Konstantinos from Massachusetts met Bartholomew at the Philadelphia "
        "office on Tuesday. They agreed the export works and the team can start next week."
    )
    assert not [f for f in _findings(names) if f.rule == "RD105"]


def test_readability_findings_change_no_score():
    text = PROSE[1] + " " + " ".join(["word"] * 40) + "."
    with_rd = audit(text, kind="email")
    without = audit(text, kind="email", config=Config(ignore=["RD"]))
    assert {f.rule[:2] for f in with_rd.findings} >= {"RD"}
    assert with_rd.scores == without.scores
    assert with_rd.trust_equation == without.trust_equation


def test_document_level_readability_rules_skip_the_subject_line():
    subject = PROSE[1]
    report = audit("Short and plain.", kind="email", subject=subject, config=Config(select=["RD"]))
    assert not [f for f in report.findings if f.field == "subject" and f.start is None]
