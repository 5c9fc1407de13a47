"""The sameness index: near-duplicates and copied passages, its file format, the engine hook
(LM901/LM902), site-audit clusters and the `auditor index` commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

from auditor import audit
from auditor.cli import main
from auditor.config import Config
from auditor.corpus import load_corpus, read_folder, save_index
from classifiers.sameness import (
    NEAR_DUPLICATE,
    SamenessIndex,
    fingerprint_values,
    near_duplicate_clusters,
)

RETURNS = (
    "Brightline cut returns by twelve percent after sending customers a tracking link with "
    "every order. The link let buyers see when the parcel would arrive, so fewer of them ordered "
    "a second size as insurance. Support tickets about late parcels fell by a third in the same "
    "quarter, and the team moved two agents to onboarding."
)
DOCKS = (
    "Acme helps logistics teams in Ohio cut detention fees by routing trucks to docks with open "
    "slots. The pilot at the Columbus yard took two weeks, needed no new hardware, and paid for "
    "itself before the second invoice."
)
LISBON = (
    "Spring rain in Lisbon rarely lasts a whole day, and the tram lines up to the castle stay "
    "busy with visitors who came for the tiles and stayed for the custard tarts."
)


@pytest.fixture
def index() -> SamenessIndex:
    idx = SamenessIndex()
    idx.add("blog/returns.md", RETURNS)
    idx.add("pages/docks.html", DOCKS)
    idx.add("travel/lisbon.txt", LISBON)
    return idx


def test_lightly_edited_copy_is_found_with_its_span(index):
    draft = "Hi Sam,\n\n" + RETURNS.replace("twelve percent", "12%").replace("late", "delayed")
    (m, *_) = index.query(draft, threshold=NEAR_DUPLICATE)
    assert m.doc_id == "blog/returns.md"
    assert NEAR_DUPLICATE <= m.similarity < 1.0
    assert draft.index("Brightline") <= m.start < draft.index("tracking")
    assert m.end > draft.index("onboarding") - 30


def test_unrelated_text_matches_nothing(index):
    text = "Our March release adds CSV export for invoices and a dark mode for the dashboard."
    assert index.query(text) == []


def test_copied_paragraph_inside_a_long_new_text_is_found_by_containment(index):
    new = " ".join(
        f"Paragraph {i} talks about a different warehouse and its staff." for i in range(30)
    )
    draft = new + "\n\n" + DOCKS + "\n\n" + new.replace("warehouse", "office")
    (m,) = index.query(draft)
    assert m.doc_id == "pages/docks.html"
    assert m.similarity < NEAR_DUPLICATE
    copied = max(m.runs, key=lambda r: r[1] - r[0])
    assert draft.index(DOCKS) <= copied[0] < draft.index(DOCKS) + 40
    assert copied[1] > draft.index(DOCKS) + len(DOCKS) - 40


def test_adding_an_existing_id_replaces_its_text(index):
    index.add("blog/returns.md", LISBON.replace("Lisbon", "Porto"))
    assert len(index) == 3
    assert index.query(RETURNS) == []
    assert {m.doc_id for m in index.query(LISBON)} == {"travel/lisbon.txt", "blog/returns.md"}


def test_text_shorter_than_a_shingle_is_indexed_but_never_matches():
    idx = SamenessIndex()
    assert idx.add("tiny", "Buy now") == 0
    assert len(idx) == 1 and idx.query("Buy now") == []


def test_fingerprints_do_not_depend_on_the_process_hash_seed():
    code = (
        f"from classifiers.sameness import fingerprint_values as f; print(f({RETURNS!r}).tolist())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    assert outs.pop().strip() == str(fingerprint_values(RETURNS).tolist())


def test_save_and_load_round_trip_gives_the_same_answers(index):
    buf = io.BytesIO()
    index.save(buf)
    loaded = SamenessIndex.load(buf.getvalue())
    assert loaded.doc_ids == index.doc_ids and (loaded.k, loaded.w) == (index.k, index.w)
    assert loaded.query(RETURNS) == index.query(RETURNS)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_load_refuses_garbage_pickles_and_tampered_arrays(index):
    good = index.to_arrays()
    with pytest.raises(ValueError, match="not a sameness index"):
        SamenessIndex.load(b"definitely not an index")
    with pytest.raises(ValueError, match="not a sameness index"):
        SamenessIndex.load(_npz(**{**good, "meta": np.array([{"evil": 1}], dtype=object)}))
    with pytest.raises(ValueError, match="corrupt"):
        SamenessIndex.load(_npz(**{**good, "keys": good["keys"][::-1].copy()}))
    with pytest.raises(ValueError, match="corrupt"):
        SamenessIndex.load(_npz(**{**good, "docs": good["docs"] + np.uint32(99)}))
    meta = bytes(good["meta"]).replace(b'"version": 1', b'"version": 99')
    with pytest.raises(ValueError, match="rebuild"):
        SamenessIndex.load(_npz(**{**good, "meta": np.frombuffer(meta, dtype=np.uint8)}))


def test_clusters_group_near_duplicates_and_leave_singletons_out():
    texts = {
        "c": RETURNS,
        "a": RETURNS.replace("twelve percent", "12%"),
        "b": "Updated: " + RETURNS,
        "d": DOCKS,
        "e": LISBON,
    }
    assert near_duplicate_clusters(texts, 0.5) == [["a", "b", "c"]]


def test_a_shared_footer_alone_does_not_chain_pages_into_one_cluster():
    footer = "Acme Ltd, 4 Dock Road, Columbus. Call us on weekdays between nine and five."
    texts = {"footer-only": footer, "p1": RETURNS + " " + footer, "p2": LISBON + " " + footer}
    assert near_duplicate_clusters(texts, NEAR_DUPLICATE) == []


def test_verbatim_copies_cluster_even_past_the_posting_cap():
    """Fingerprints shared by more than `max_posting` texts nominate no pairs; verbatim copies
    (a post syndicated to many pages) still group."""
    texts = {f"copy-{i:02d}": RETURNS for i in range(8)} | {"other": DOCKS, "more": LISBON}
    assert near_duplicate_clusters(texts, 0.5, max_posting=4) == [
        [f"copy-{i:02d}" for i in range(8)]
    ]


def test_cluster_threshold_must_be_a_fraction():
    with pytest.raises(ValueError):
        near_duplicate_clusters({"a": RETURNS}, 0)


# --- engine hook ---------------------------------------------------------------------------


def test_audit_with_a_corpus_reports_the_near_duplicate_anchored_to_whole_sentences(index):
    draft = "Hi Sam,\n\n" + RETURNS + "\n\nWorth a call?"
    report = audit(draft, corpus=index)
    (f,) = [f for f in report.findings if f.rule.startswith("LM9")]
    assert f.rule == "LM901" and f.category == "lemming"
    assert "blog/returns.md" in f.message and "similarity" in f.message
    assert draft[f.start : f.end] == RETURNS
    assert f.extra["match"]["doc_id"] == "blog/returns.md"
    assert "LM901" in {d.rule for d in report.drivers["lemming"]}
    assert not [f for f in audit(draft).findings if f.rule.startswith("LM9")]


def test_copied_passage_in_new_text_is_reported_as_reuse(index):
    new = " ".join(
        f"Paragraph {i} talks about a different warehouse and its staff." for i in range(30)
    )
    draft = new + "\n\n" + DOCKS
    (f,) = [f for f in audit(draft, kind="blog", corpus=index).findings if f.rule.startswith("LM9")]
    assert f.rule == "LM902" and "pages/docks.html" in f.message
    assert draft[f.start : f.end] == DOCKS


def test_corpus_may_be_given_as_a_path_and_can_be_ignored_in_config(index, tmp_path):
    path = tmp_path / "pub.idx"
    save_index(index, path)
    assert any(f.rule == "LM901" for f in audit(RETURNS, corpus=str(path)).findings)
    quiet = audit(RETURNS, corpus=str(path), config=Config(ignore=["LM9"]))
    assert not [f for f in quiet.findings if f.rule.startswith("LM9")]


# --- folders and the CLI -------------------------------------------------------------------


@pytest.fixture
def published(tmp_path):
    root = tmp_path / "pub"
    (root / "blog").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "blog" / "returns.md").write_text("# Returns\n\n" + RETURNS)
    (root / "docks.html").write_text(
        f"<html><head><title>t</title></head><body><p>{DOCKS}</p>"
        "<script>var secret = 'do not index';</script></body></html>"
    )
    (root / ".git" / "notes.txt").write_text(LISBON)
    (root / "logo.txt").write_bytes(b"\x00\x01\x02binary")
    (root / "image.png").write_bytes(b"\x89PNG")
    return root


def test_read_folder_extracts_visible_text_and_skips_hidden_binary_and_other_files(published):
    docs = dict(read_folder(published))
    assert sorted(docs) == ["blog/returns.md", "docks.html"]
    assert "secret" not in docs["docks.html"] and DOCKS in docs["docks.html"]


def test_index_add_then_check_with_corpus_reports_the_duplicate(published, tmp_path, capsys):
    idx = tmp_path / "pub.idx"
    assert main(["index", "add", str(published), "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert "indexed 2 documents" in out and "skipped logo.txt" in out
    assert main(["index", "add", str(published), "--index", str(idx)]) == 0
    assert "2 replaced" in capsys.readouterr().out and len(load_corpus(idx)) == 2

    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Sam,\n\n" + RETURNS)
    for corpus in (idx, published):  # an index file, or a folder indexed on the fly
        main(["check", str(draft), "--corpus", str(corpus)])
        assert "LM901" in capsys.readouterr().out


def test_check_with_a_bad_corpus_exits_2_with_a_clear_error(tmp_path, capsys):
    draft = tmp_path / "draft.txt"
    draft.write_text(RETURNS)
    bad = tmp_path / "bad.idx"
    bad.write_text("not an index")
    assert main(["check", str(draft), "--corpus", str(bad)]) == 2
    assert "not a sameness index" in capsys.readouterr().err
    assert main(["check", str(draft), "--corpus", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_index_dupes_lists_groups_of_a_folder(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(RETURNS)
    (tmp_path / "b.txt").write_text("Updated: " + RETURNS)
    (tmp_path / "c.txt").write_text(LISBON)
    assert main(["index", "dupes", str(tmp_path)]) == 1
    assert "group 1 (2): a.txt, b.txt" in capsys.readouterr().out
