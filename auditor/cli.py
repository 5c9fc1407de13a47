"""`auditor` command line. Exit codes: 0 verdict `send`, 1 otherwise, 2 usage or input errors.

Other parts add their subcommands by listing a module in `COMMAND_MODULES`; each module has
`register(subparsers)` and must import nothing heavy at module level (start-up time matters).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

COMMAND_MODULES: tuple[str, ...] = (
    "auditor.service_cli",
    "auditor.crawl_cli",
    "auditor.learned_cli",
    "auditor.index_cli",
)


class UsageError(Exception):
    pass


def _check(args: argparse.Namespace) -> int:
    from auditor.config import load_config
    from auditor.engine import audit
    from auditor.ingest import Draft, read_path, validate_text
    from auditor.render import to_json, to_sarif, to_text

    config = load_config(args.config)
    corpus = None
    if args.corpus:
        from auditor.corpus import load_corpus

        corpus = load_corpus(Path(args.corpus))
    reports = []
    for name in args.files:
        if name == "-":
            draft = Draft(validate_text(sys.stdin.buffer.read(), config.max_chars), None)
        else:
            path = Path(name)
            if not path.is_file():
                raise UsageError(f"{name}: no such file")
            if path.stat().st_size > config.max_chars * 4:
                raise UsageError(
                    f"{name}: file is larger than the {config.max_chars:,}-character limit"
                )
            draft = read_path(path)
        kind = args.kind or draft.kind or "email"
        subject = args.subject if args.subject is not None else draft.subject
        report = audit(
            draft.text, kind, subject=subject, html=draft.html, config=config, corpus=corpus
        )
        reports.append((name, report))
    if args.format == "json":
        print(to_json(reports))
    elif args.format == "sarif":
        print(to_sarif(reports))
    else:
        print("\n\n".join(to_text(r, n) for n, r in reports))
    return 0 if all(r.verdict == "send" for _, r in reports) else 1


def _rules(args: argparse.Namespace) -> int:
    from classifiers.rules import load_rules

    for r in load_rules():
        if args.category and r.category != args.category:
            continue
        fix = "edit" if r.fix.safe else "advice"
        print(f"{r.code}  {r.severity:<10} {r.category:<17} {fix:<6} {r.name}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from classifiers.rules import rules_by_code

    rule = rules_by_code().get(args.code.upper())
    if rule is None:
        raise UsageError(f"no rule {args.code!r}; `auditor rules` lists them")
    print(f"{rule.code} {rule.name}  ({rule.category}, {rule.severity}, {rule.polarity})")
    print(f"\n{rule.message}\n\nWhy: {rule.rationale}\n")
    print(f"Fix ({'safe edit' if rule.fix.safe else 'advice'}): {rule.fix.title}")
    if rule.fix.action == "replace":
        print(f"    replacement: “{rule.fix.replacement}”")
    print("\nFires on:")
    for ex in rule.fire:
        print(f"    ✗ {ex}")
    print("Stays silent on:")
    for ex in rule.pass_:
        print(f"    ✓ {ex}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor", description="Catch trust withdrawals before you send."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="audit files (or - for stdin)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=("email", "social", "blog", "page", "headline"))
    p.add_argument("--subject", help="subject line of an email (an .eml file brings its own)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--config", help="a .trust-auditor.toml or pyproject.toml")
    p.add_argument("--corpus", help="a folder of published content, or an index built from one")
    p.set_defaults(func=_check)

    p = sub.add_parser("rules", help="list the rules")
    p.add_argument("--category")
    p.set_defaults(func=_rules)

    p = sub.add_parser("explain", help="show one rule with its examples")
    p.add_argument("code")
    p.set_defaults(func=_explain)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, OSError) as e:
        msg = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        print(f"auditor: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
