"""A team's published corpus: reading folders, saving and loading sameness index files, and the
engine hook that reports near-duplicates of it (rules LM901, LM902).

Importing this module is cheap (it registers the hook); numpy and the index load only when a
corpus is actually used.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.engine import ENRICHERS
from auditor.ingest import InputError, decode, html_to_text, markdown_to_text
from classifiers.findings import Finding, Suggestion

if TYPE_CHECKING:
    from classifiers.rules import Context
    from classifiers.sameness import SamenessIndex
    from classifiers.text import Doc

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 5_000_000
# A passage this long copied verbatim is reuse even when the rest of the text is new.
MIN_PASSAGE_WORDS = 25

# The LM9xx findings come from the index, not from a rule file: their text lives here.
NEAR_DUPLICATE_RULE = {
    "rule": "LM901",
    "name": "near-duplicate-of-published",
    "rationale": "Seed 001: “promoting the same content” — 25 people sharing the same post is "
    "mass un-differentiation. A text that repeats what is already out there adds nothing new.",
}
PASSAGE_RULE = {
    "rule": "LM902",
    "name": "reused-passage",
    "rationale": "Seed 001: the aggregation delusion includes regurgitated text. A passage "
    "copied from published content reads as recycled to anyone who has seen it.",
}


@dataclass
class FolderReport:
    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def read_folder(folder: Path, report: FolderReport | None = None) -> Iterator[tuple[str, str]]:
    """(doc id, text) for every .txt/.md/.html file under `folder`, recursively, in path order.

    The id is the path relative to the folder. Hidden files and folders, binary or non-UTF-8
    files and files over 5 MB are skipped (and listed in `report`), never fatal.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("invalid_corpus", f"{folder}: not a folder")
    report = report if report is not None else FolderReport()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        doc_id = rel.as_posix()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                report.skipped.append((doc_id, "larger than 5 MB"))
                continue
            text = decode(path.read_bytes())
        except InputError as e:
            report.skipped.append((doc_id, str(e)))
            continue
        except OSError as e:
            report.skipped.append((doc_id, e.strerror or str(e)))
            continue
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            text = html_to_text(text)
        elif suffix in (".md", ".markdown"):
            text = markdown_to_text(text)
        if not text.strip():
            report.skipped.append((doc_id, "no text"))
            continue
        report.added.append(doc_id)
        yield doc_id, text


def index_folder(
    folder: Path, index: SamenessIndex | None = None, prefix: str = ""
) -> tuple[SamenessIndex, FolderReport]:
    """Add every document under `folder` to `index` (a new one if None); re-added ids replace."""
    from classifiers.sameness import SamenessIndex

    index = index if index is not None else SamenessIndex()
    report = FolderReport()
    for doc_id, text in read_folder(folder, report):
        index.add(prefix + doc_id, text)
    return index, report


def save_index(index: SamenessIndex, path: Path) -> None:
    """Write atomically: a crash mid-save leaves the previous index file intact."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            index.save(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_index(path: Path) -> SamenessIndex:
    from classifiers.sameness import SamenessIndex

    path = Path(path)
    try:
        with path.open("rb") as f:
            return SamenessIndex.load(f)
    except ValueError as e:
        raise InputError("invalid_corpus", f"{path}: {e}") from None


def load_corpus(path: Path) -> SamenessIndex:
    """A corpus given on the command line: an index file, or a folder indexed on the fly."""
    path = Path(path)
    if path.is_dir():
        return index_folder(path)[0]
    if path.is_file():
        return load_index(path)
    raise InputError("invalid_corpus", f"{path}: no such file or folder")


_LOADED: dict[tuple[str, int, int], SamenessIndex] = {}


def _resolve(corpus: Any) -> Any:
    if isinstance(corpus, str | os.PathLike):
        p = Path(corpus)
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_corpus(p)
        return _LOADED[key]
    return corpus


def _snap_to_sentences(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Winnowing finds shared text to within a few words; report whole sentences."""
    first = doc.sentence_at(start)
    last = doc.sentence_at(max(start, end - 1))
    return (first.start if first else start, max(last.end if last else end, end))


def sameness_enricher(
    body: Doc, subject: Doc | None, ctx: Context, extras: dict[str, Any]
) -> tuple[list[Finding], dict[str, float]]:
    """When `audit(..., corpus=…)` is given an index (or a path to one), report the closest
    published document the draft nearly duplicates (LM901), or else the longest passage it
    copies (LM902)."""
    corpus = extras.get("corpus")
    if corpus is None:
        return [], {}
    from classifiers.sameness import NEAR_DUPLICATE

    index = _resolve(corpus)
    matches = index.query(body.text, min_shared=3, limit=5)
    if not matches:
        return [], {}
    best = matches[0]
    others = [_summary(m) for m in matches[1:]]
    if best.similarity >= NEAR_DUPLICATE:
        start, end = _snap_to_sentences(body, best.start, best.end)
        meta, severity, weight = NEAR_DUPLICATE_RULE, "warning", 12.0
        message = (
            f"Near-duplicate of {best.doc_id} (similarity {best.similarity:.2f}): readers who "
            "have seen that text learn nothing new here."
        )
        title = f"Rewrite for this reader, or link to {best.doc_id} instead of repeating it."
    else:
        passage = max(matches, key=lambda m: max(b - a for a, b in m.runs))
        run = max(passage.runs, key=lambda r: r[1] - r[0])
        words = len(body.words_of(_span(run)))
        if words < MIN_PASSAGE_WORDS:
            return [], {}
        best = passage
        start, end = _snap_to_sentences(body, *run)
        meta, severity, weight = PASSAGE_RULE, "suggestion", 6.0
        message = (
            f"This passage (about {words} words) repeats {best.doc_id}; copied text reads as "
            "recycled to anyone who has seen the original."
        )
        title = f"Say it in your own words for this reader, or quote and link {best.doc_id}."
    finding = Finding(
        rule=meta["rule"],
        name=meta["name"],
        category="lemming",
        severity=severity,
        message=message,
        start=start,
        end=end,
        text=body.text[start:end],
        suggestion=Suggestion(title),
        field=body.field,
        weight=weight,
        extra={"match": _summary(best), "other_matches": others},
    )
    return [finding], {}


def _summary(m: Any) -> dict[str, Any]:
    """Without offsets: the finding's own span is the one clients convert (UTF-16 for browsers)."""
    d = m.to_dict()
    d.pop("start", None)
    d.pop("end", None)
    return d


def _span(run: tuple[int, int]) -> Any:
    from classifiers.text import Span

    return Span(run[0], run[1])


if sameness_enricher not in ENRICHERS:
    ENRICHERS.append(sameness_enricher)
