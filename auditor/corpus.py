"""A team's published corpus: reading folders, saving and loading sameness index files.

The engine hands the loaded index to the LM901/LM902 rules (`classifiers/rules/lemming.toml`).
Importing this module is cheap; numpy and the index load only when a corpus is actually used.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.ingest import InputError, decode, html_to_text, markdown_to_text

if TYPE_CHECKING:
    from classifiers.sameness import SamenessIndex

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 5_000_000
# A passage this long copied verbatim is reuse even when the rest of the text is new.
MIN_PASSAGE_WORDS = 25


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


def resolve_corpus(corpus: Any) -> Any:
    """An index object as given, or the index (or folder) at a path, loaded once per file version."""
    if isinstance(corpus, str | os.PathLike):
        p = Path(corpus)
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_corpus(p)
        return _LOADED[key]
    return corpus
