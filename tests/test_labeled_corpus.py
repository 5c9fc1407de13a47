"""The project's own labelled corpus (fixtures/labeled/): schema, coverage, folds and pairs.

Models train on this corpus and report final figures on its heldout fold, so a malformed row,
a pair split across folds or a lopsided label distribution would silently corrupt both.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "labeled"
RATINGS = ("self_orientation", "value_add", "lemming", "clickbait")
KINDS = {"email", "social", "blog", "page", "headline"}
FIELDS = {"id", "kind", "genre", "subject", "text", "labels", "pair_id", "fold", "notes"}
ISSUE_GENRES = {
    "cold_outreach",
    "follow_up",
    "customer_service",
    "referral_ask",
    "social_post",
    "blog_intro",
    "landing_page",
    "subject_line",
}


def expected_fold(row: dict) -> str:
    """The fold rule documented in GUIDE.md: a hash of the pair id (else the id)."""
    key = row["pair_id"] or row["id"]
    return "heldout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 5 == 0 else "train"


def _load() -> list[tuple[str, int, dict]]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert line.strip(), f"{path.name}:{lineno} blank line"
            rows.append((path.name, lineno, json.loads(line)))
    return rows


@pytest.fixture(scope="module")
def located() -> list[tuple[str, int, dict]]:
    return _load()


@pytest.fixture(scope="module")
def rows(located) -> list[dict]:
    return [row for _, _, row in located]


def test_every_line_of_every_file_is_a_json_object(located):
    assert located, f"no .jsonl files in {CORPUS}"
    bad = [f"{f}:{n}" for f, n, row in located if not isinstance(row, dict)]
    assert not bad


def test_every_row_has_exactly_the_documented_fields_with_valid_types(located):
    problems = []
    for f, n, row in located:
        where = f"{f}:{n} {row.get('id')}"
        if set(row) != FIELDS:
            problems.append(f"{where}: fields {sorted(set(row) ^ FIELDS)}")
            continue
        if not re.fullmatch(r"[a-z]+-\d{3}", row["id"]):
            problems.append(f"{where}: id format")
        if row["kind"] not in KINDS:
            problems.append(f"{where}: kind {row['kind']!r}")
        if not re.fullmatch(r"[a-z]+(_[a-z]+)*", row["genre"]):
            problems.append(f"{where}: genre {row['genre']!r}")
        if row["subject"] is not None and (row["kind"] != "email" or not row["subject"].strip()):
            problems.append(f"{where}: subject only on emails, and never blank")
        if not isinstance(row["text"], str) or not row["text"].strip():
            problems.append(f"{where}: empty text")
        elif row["text"] != row["text"].strip():
            problems.append(f"{where}: text has surrounding whitespace")
        if row["pair_id"] is not None and not re.fullmatch(r"pair-[a-z]+-\d{2}", row["pair_id"]):
            problems.append(f"{where}: pair_id {row['pair_id']!r}")
        if row["fold"] not in {"train", "heldout"}:
            problems.append(f"{where}: fold {row['fold']!r}")
        if not isinstance(row["notes"], str) or "\n" in row["notes"]:
            problems.append(f"{where}: notes must be one line of text")
    assert not problems, "\n".join(problems)


def test_labels_are_the_four_ratings_as_integers_from_0_to_3(rows):
    bad = [
        r["id"]
        for r in rows
        if not isinstance(r["labels"], dict)
        or set(r["labels"]) != set(RATINGS)
        or any(type(v) is not int or not 0 <= v <= 3 for v in r["labels"].values())
    ]
    assert not bad, bad


def test_ids_are_unique(rows):
    dupes = [i for i, n in Counter(r["id"] for r in rows).items() if n > 1]
    assert not dupes, dupes


def test_no_text_appears_twice(rows):
    norm = Counter(" ".join(r["text"].lower().split()) for r in rows)
    dupes = [t[:60] for t, n in norm.items() if n > 1]
    assert not dupes, dupes


def test_corpus_has_at_least_400_rows(rows):
    assert len(rows) >= 400


def test_every_kind_and_every_genre_the_issue_names_is_present(rows):
    assert {r["kind"] for r in rows} == KINDS
    assert {r["genre"] for r in rows} >= ISSUE_GENRES


@pytest.mark.parametrize("rating", RATINGS)
def test_each_rating_has_both_ends_well_covered(rows, rating):
    values = Counter(r["labels"][rating] for r in rows)
    assert values[0] >= 60, f"{rating}: only {values[0]} rows at 0"
    assert values[2] + values[3] >= 60, f"{rating}: only {values[2] + values[3]} rows at 2-3"


def test_texts_range_from_subject_lines_to_long_emails(rows):
    words = [len(r["text"].split()) for r in rows]
    assert min(words) <= 5
    assert sum(w >= 150 for w in words) >= 5


def test_fold_is_the_documented_hash_of_the_pair_or_id(rows):
    wrong = [r["id"] for r in rows if r["fold"] != expected_fold(r)]
    assert not wrong, wrong


def test_both_folds_present_with_about_a_fifth_held_out(rows):
    held = sum(r["fold"] == "heldout" for r in rows)
    assert 0.12 <= held / len(rows) <= 0.30, held


def test_minimal_pairs_stay_in_one_fold(rows):
    folds = defaultdict(set)
    for r in rows:
        if r["pair_id"]:
            folds[r["pair_id"]].add(r["fold"])
    split = [p for p, f in folds.items() if len(f) > 1]
    assert not split, split


def test_there_are_at_least_60_minimal_pairs_each_with_two_or_more_versions(rows):
    sizes = Counter(r["pair_id"] for r in rows if r["pair_id"])
    singletons = [p for p, n in sizes.items() if n < 2]
    assert not singletons, singletons
    assert len(sizes) >= 60


def test_versions_of_a_pair_are_labelled_differently(rows):
    """A minimal pair exists to contrast; identical labels mean one version was not rewritten."""
    labels = defaultdict(set)
    for r in rows:
        if r["pair_id"]:
            labels[r["pair_id"]].add(tuple(r["labels"][k] for k in RATINGS))
    same = [p for p, vectors in labels.items() if len(vectors) < 2]
    assert not same, same


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def test_no_two_unpaired_texts_are_near_duplicate_templates(rows):
    """Texts with swapped nouns would teach a model the template instead of the rating."""
    shingles = {r["id"]: _shingles(r["text"]) for r in rows if len(r["text"].split()) >= 20}
    pair_of = {r["id"]: r["pair_id"] for r in rows}
    holders = defaultdict(list)
    for rid, grams in shingles.items():
        for gram in grams:
            holders[gram].append(rid)
    shared = Counter()
    for ids in holders.values():
        shared.update(combinations(sorted(ids), 2))
    near = []
    for (a, b), common in shared.items():
        if pair_of[a] and pair_of[a] == pair_of[b]:
            continue
        jaccard = common / (len(shingles[a]) + len(shingles[b]) - common)
        if jaccard > 0.25:
            near.append((a, b, round(jaccard, 2)))
    assert not near, near
