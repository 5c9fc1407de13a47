"""`auditor index …`: build a sameness index from a folder of published content.

auditor index add content/ --index published.idx     # create, or add to, an index file
auditor index info --index published.idx
auditor index dupes content/ [--threshold 0.4]       # near-duplicate groups in a folder
auditor check draft.txt --corpus published.idx       # then audit against it
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _add(args: argparse.Namespace) -> int:
    from auditor.corpus import index_folder, load_index, save_index
    from classifiers.sameness import SamenessIndex

    target = Path(args.index)
    if target.is_dir():
        raise ValueError(f"{target}: is a folder; --index names the index file to write")
    index = load_index(target) if target.exists() else SamenessIndex()
    before = len(index)
    added = skipped = 0
    for folder in args.folders:
        index, report = index_folder(Path(folder), index, prefix=args.prefix)
        added += len(report.added)
        skipped += len(report.skipped)
        for doc_id, reason in report.skipped:
            print(f"skipped {doc_id}: {reason}")
    save_index(index, target)
    replaced = before + added - len(index)
    print(
        f"indexed {added} documents ({replaced} replaced, {skipped} skipped); "
        f"{target} holds {len(index)}"
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from auditor.corpus import load_index

    index = load_index(Path(args.index))
    print(f"{args.index}: {len(index)} documents, {index.k}-word shingles, window {index.w}")
    if args.list:
        for doc_id in index.doc_ids:
            print(doc_id)
    return 0


def _dupes(args: argparse.Namespace) -> int:
    from auditor.corpus import read_folder
    from classifiers.sameness import near_duplicate_clusters

    if not 0.0 < args.threshold <= 1.0:
        raise ValueError("--threshold must be in (0, 1]")
    texts = dict(read_folder(Path(args.folder)))
    clusters = near_duplicate_clusters(texts, args.threshold)
    for i, group in enumerate(clusters, 1):
        print(f"group {i} ({len(group)}): " + ", ".join(group))
    print(f"{len(clusters)} near-duplicate groups among {len(texts)} documents")
    return 1 if clusters else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("index", help="build a sameness index of published content")
    sub = p.add_subparsers(dest="index_command", required=True)

    a = sub.add_parser("add", help="add .txt/.md/.html files under folders to an index file")
    a.add_argument("folders", nargs="+", metavar="DIR")
    a.add_argument("--index", required=True, metavar="FILE", help="index file (created if absent)")
    a.add_argument("--prefix", default="", help="prepended to each document id (the file path)")
    a.set_defaults(func=_add)

    i = sub.add_parser("info", help="show what an index holds")
    i.add_argument("--index", required=True, metavar="FILE")
    i.add_argument("--list", action="store_true", help="list the document ids")
    i.set_defaults(func=_info)

    d = sub.add_parser("dupes", help="near-duplicate groups among the files of a folder")
    d.add_argument("folder", metavar="DIR")
    d.add_argument("--threshold", type=float, default=0.4, help="similarity 0..1 (default 0.4)")
    d.set_defaults(func=_dupes)
