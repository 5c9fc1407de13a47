"""Rule declarations: each rule is declared once, as data, in `classifiers/rules/*.toml`.

A rule matches by a word list (`phrases`), a regular expression (`pattern`) or a named
structural `detector` (code in `classifiers.detectors`). Everything a user sees about it —
code, name, category, severity, message, rationale, fix, examples — lives in its TOML entry,
the way ruff and Vale declare rules, so adding a rule touches one file and its examples are
tested automatically.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache
from importlib import resources
from itertools import chain
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from classifiers import needles
from classifiers.findings import CATEGORIES, SEVERITIES, Edit, Finding, Suggestion
from classifiers.text import KINDS, Doc, Span

DEFAULT_WEIGHT = {"info": 3.0, "suggestion": 5.0, "warning": 9.0, "error": 15.0}
SCOPES = ("any", "body", "opening", "closing", "headline")
FIX_ACTIONS = ("advice", "delete", "delete_sentence", "replace")
_CODE = re.compile(r"^[A-Z]{2,4}\d{3}$")


@dataclass(slots=True)
class Hit:
    """What a matcher found: a span (None for document level) and values for the message.
    Not frozen (treat it as read-only): a frozen dataclass sets each field through
    `object.__setattr__`, five calls for every hit of every rule."""

    start: int | None
    end: int | None
    values: dict[str, Any] = dc_field(default_factory=dict)
    replacement: str | None = None
    extra: dict[str, Any] | None = None  # structured detail for clients (e.g. the matched doc)


@dataclass(slots=True)
class Context:
    """Facts about the message as a whole that some rules need (first contact, the subject)."""

    kind: str = "email"
    subject: str | None = None
    first_contact: bool = True
    max_words: int = 200
    banned: dict[str, str] = dc_field(default_factory=dict)
    preferred: dict[str, str] = dc_field(default_factory=dict)
    corpus: Any = None  # a loaded sameness index of the team's published content, if any


Detector = Callable[[Doc, "Rule", Context], Iterable[Hit]]
DETECTORS: dict[str, Detector] = {}
# One module per rating holds that rating's detectors (DESIGN.md: classifiers/ layout).
DETECTOR_MODULES = (
    "classifiers.self_orientation",
    "classifiers.value_add",
    "classifiers.lemming",
    "classifiers.clickbait",
    "classifiers.trust",
    "classifiers.readability",
    "classifiers.learned",
)


def detector(name: str) -> Callable[[Detector], Detector]:
    def register(fn: Detector) -> Detector:
        DETECTORS[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class Fix:
    title: str
    action: str = "advice"
    replacement: str = ""

    @property
    def safe(self) -> bool:
        return self.action != "advice"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str
    severity: str
    message: str
    rationale: str
    fix: Fix
    fire: tuple[str, ...]
    pass_: tuple[str, ...]
    polarity: str = "withdrawal"
    weight: float = 0.0
    kinds: tuple[str, ...] = KINDS
    scope: str = "any"
    phrases: tuple[str, ...] = ()
    pattern: str | None = None
    detector: str | None = None
    case_sensitive: bool = False
    unless: str | None = None
    max_per_doc: int = 5
    params: dict[str, Any] = dc_field(default_factory=dict)
    example_kind: str | None = None

    @property
    def regex(self) -> re.Pattern[str] | None:
        return _compile(self)

    @property
    def unless_regex(self) -> re.Pattern[str] | None:
        return _compile_unless(self.unless) if self.unless else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "severity": self.severity,
            "polarity": self.polarity,
            "message": self.message,
            "rationale": self.rationale,
            "fix": {"title": self.fix.title, "action": self.fix.action, "safe": self.fix.safe},
            "kinds": list(self.kinds),
            "examples": {"fire": list(self.fire), "pass": list(self.pass_)},
        }


def phrase_regex(phrases: Iterable[str]) -> str:
    """One alternation for a word list: longest first, flexible spaces and apostrophes, word-bounded.

    A lookahead on the phrases' first letters goes in front: Python's `re` tries every branch
    of an alternation at every position, so failing fast elsewhere makes lists ~5x faster.
    """
    phrases = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    parts = []
    for p in phrases:
        esc = re.escape(p.replace("'", "’")).replace(r"\ ", r"\s+").replace("’", "['’]")
        parts.append(esc)
    firsts = {p[0].lower() for p in phrases} | {p[0].upper() for p in phrases}
    guard = "(?=[" + "".join(sorted(re.escape(c) for c in firsts)) + "])" if firsts else ""
    return guard + r"(?<![\w#@])(?:" + "|".join(parts) + r")(?![\w])"


_COMPILED: dict[str, re.Pattern[str] | None] = {}


@cache
def _compile_unless(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def _compile(rule: Rule) -> re.Pattern[str] | None:
    if rule.code not in _COMPILED:
        flags = 0 if rule.case_sensitive else re.IGNORECASE
        if rule.phrases:
            _COMPILED[rule.code] = re.compile(phrase_regex(rule.phrases), flags)
        elif rule.pattern:
            _COMPILED[rule.code] = re.compile(rule.pattern, flags | re.MULTILINE)
        else:
            _COMPILED[rule.code] = None
    return _COMPILED[rule.code]


class RuleError(ValueError):
    pass


def _rule_from_table(t: dict[str, Any], source: str) -> Rule:
    where = f"{source}: {t.get('code', '?')}"
    try:
        fix_t = t.get("fix", {"title": "Rewrite this part."})
        fix = Fix(fix_t["title"], fix_t.get("action", "advice"), fix_t.get("replacement", ""))
        rule = Rule(
            code=t["code"],
            name=t["name"],
            category=t["category"],
            severity=t["severity"],
            message=t["message"],
            rationale=t["rationale"],
            fix=fix,
            fire=tuple(t["fire"]),
            pass_=tuple(t["pass"]),
            polarity=t.get("polarity", "withdrawal"),
            weight=float(t.get("weight", DEFAULT_WEIGHT[t["severity"]])),
            kinds=tuple(t.get("kinds", KINDS)),
            scope=t.get("scope", "any"),
            phrases=tuple(t.get("phrases", ())),
            pattern=t.get("pattern"),
            detector=t.get("detector"),
            case_sensitive=bool(t.get("case_sensitive", False)),
            unless=t.get("unless"),
            max_per_doc=int(t.get("max_per_doc", 5)),
            params=dict(t.get("params", {})),
            example_kind=t.get("example_kind"),
        )
    except KeyError as e:
        raise RuleError(f"{where}: missing key {e}") from None
    problems = []
    if not _CODE.match(rule.code):
        problems.append("code must look like SO101")
    if rule.category not in CATEGORIES:
        problems.append(f"unknown category {rule.category!r}")
    if rule.severity not in SEVERITIES:
        problems.append(f"unknown severity {rule.severity!r}")
    if rule.polarity not in ("withdrawal", "deposit"):
        problems.append("polarity must be withdrawal or deposit")
    if rule.scope not in SCOPES:
        problems.append(f"unknown scope {rule.scope!r}")
    if rule.fix.action not in FIX_ACTIONS:
        problems.append(f"unknown fix action {rule.fix.action!r}")
    if sum(bool(x) for x in (rule.phrases, rule.pattern, rule.detector)) != 1:
        problems.append("exactly one of phrases, pattern, detector")
    if not set(rule.kinds) <= set(KINDS):
        problems.append(f"unknown kinds {set(rule.kinds) - set(KINDS)}")
    if not rule.fire or not rule.pass_:
        problems.append("needs at least one `fire` and one `pass` example")
    if problems:
        raise RuleError(f"{where}: " + "; ".join(problems))
    return rule


@cache
def load_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    folder = resources.files("classifiers") / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for t in data.get("rule", []):
            rule = _rule_from_table(t, entry.name)
            if rule.code in seen:
                raise RuleError(f"{rule.code} declared twice ({seen[rule.code]}, {entry.name})")
            seen[rule.code] = entry.name
            rules.append(rule)
    for module in DETECTOR_MODULES:
        importlib.import_module(module)  # each registers its detectors

    missing = [r.code for r in rules if r.detector and r.detector not in DETECTORS]
    if missing:
        raise RuleError(f"rules name unknown detectors: {missing}")
    for rule in rules:
        needles.register(rule_gate(rule) or ())
    return tuple(sorted(rules, key=lambda r: r.code))


@cache
def rules_by_code() -> Mapping[str, Rule]:
    """Every rule by its code, built once (detectors look rules up on every document)."""
    return MappingProxyType({r.code: r for r in load_rules()})


# --- matching -------------------------------------------------------------------------------


def _in_scope(doc: Doc, rule: Rule, start: int | None) -> bool:
    headline_doc = doc.field == "subject" or doc.kind == "headline"
    if rule.scope == "headline":
        if headline_doc:
            return True
        # The opening line of a post or page plays the headline's part.
        return (
            doc.kind in ("social", "blog", "page")
            and start is not None
            and doc.sentence_index(start) == 0
        )
    if headline_doc and rule.scope != "any":
        return False
    if start is None or rule.scope in ("any", "body"):
        return True
    i = doc.sentence_index(start)
    n = len(doc.sentences)
    first = _first_content_sentence(doc)
    if rule.scope == "opening":
        return i <= first + int(rule.params.get("opening_sentences", 1))
    if rule.scope == "closing":
        return i >= n - int(rule.params.get("closing_sentences", 3))
    return True


_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^.!?]{0,40}[,!:]?$",
    re.I,
)


def _first_content_sentence(doc: Doc) -> int:
    for i, s in enumerate(doc.sentences[:3]):
        if not _GREETING.match(doc.sentence_text(s)):
            return i
    return 0


_REGEX_CACHE: dict[tuple[str, str], re.Pattern[str] | None] = {}


def rule_regex(rule: Rule, key: str = "patterns") -> re.Pattern[str] | None:
    """Compile a rule's word list (`params.phrases`) or regexes (`params.patterns`) once."""
    cache_key = (rule.code, key)
    if cache_key not in _REGEX_CACHE:
        p = rule.params
        flags = 0 if rule.case_sensitive else re.IGNORECASE
        if key == "patterns" and p.get("phrases"):
            source = phrase_regex(p["phrases"])
        elif p.get(key):
            value = p[key]
            source = "|".join(f"(?:{x})" for x in value) if isinstance(value, list) else value
        else:
            source = None
        _REGEX_CACHE[cache_key] = re.compile(source, flags | re.MULTILINE) if source else None
    return _REGEX_CACHE[cache_key]


def rule_gate(rule: Rule) -> frozenset[str] | None:
    """Needles one of which a text must hold for the rule to fire (None: the rule has no such
    gate). Word lists, patterns and guarded lists get theirs from their regex's literal start."""
    if rule.code not in _GATES:
        gate = None
        if rule.detector is None:
            rx = rule.regex
        else:
            rx = rule_regex(rule) if rule.detector == "guarded" else None
        if rx is not None:
            gate = needles.literal_prefixes(rx.pattern, rx.flags)
            if gate is None and rule.detector == "guarded":
                gate = rule_needles(rule) or None
        _GATES[rule.code] = gate
    return _GATES[rule.code]


_GATES: dict[str, frozenset[str] | None] = {}


def rule_needles(rule: Rule) -> frozenset[str]:
    """`params.needles`: lower-case strings one of which every match contains, declared only for
    regexes with no literal start (`needles.literal_prefixes` finds the others' on its own);
    they pick the sentences such a regex is run on."""
    if rule.code not in _NEEDLES:
        _NEEDLES[rule.code] = frozenset(rule.params.get("needles", ()))
    return _NEEDLES[rule.code]


_NEEDLES: dict[str, frozenset[str]] = {}


def _regex_hits(doc: Doc, rule: Rule) -> Iterator[Hit]:
    rx = rule.regex
    assert rx is not None
    for m in needles.matches(doc, rx):
        if m.end() > m.start():
            yield Hit(m.start(), m.end(), {"match": m.group()})


def _sentence_around(doc: Doc, start: int) -> Span:
    return doc.sentence_at(start) or Span(start, start)


def _suggestion(doc: Doc, rule: Rule, hit: Hit) -> Suggestion:
    fix = rule.fix
    title = fix.title.format_map(_Values(hit.values)) if "{" in fix.title else fix.title
    if fix.action == "advice" or hit.start is None or hit.end is None:
        return _advice(title) if title is fix.title else Suggestion(title)
    if fix.action == "delete_sentence":
        s = _sentence_around(doc, hit.start)
        end = s.end
        while end < len(doc.text) and doc.text[end] in " \t":
            end += 1
        if end < len(doc.text) and doc.text[end] in "\r\n":
            # a sentence alone on its line(s): take the line break(s) after it too
            while end < len(doc.text) and doc.text[end] in "\r\n":
                end += 1
        edit = Edit(s.start, end, "")
    elif fix.action == "delete":
        start, end = hit.start, hit.end
        while end < len(doc.text) and doc.text[end] in ",;":
            end += 1
        if end < len(doc.text) and doc.text[end] == " ":
            end += 1
        elif start > 0 and doc.text[start - 1] == " ":
            start -= 1
        edit = Edit(start, end, "")
    else:
        repl = hit.replacement if hit.replacement is not None else fix.replacement
        original = doc.text[hit.start : hit.end]
        if repl and original[:1].isupper() and repl[:1].islower():
            repl = repl[0].upper() + repl[1:]
        edit = Edit(hit.start, hit.end, repl)
    return Suggestion(title, (edit,), safe=True)


@cache
def _advice(title: str) -> Suggestion:
    """A rule's fixed advice, one object shared by its findings (frozen, so safe to share):
    a frozen dataclass sets each field through `object.__setattr__`, a call per field."""
    return Suggestion(title)


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def run_rule(doc: Doc, rule: Rule, ctx: Context) -> list[Finding]:
    """A rule's findings on a document, computed once: rules that depend on others reuse them."""
    if ctx.kind not in rule.kinds:
        return []
    memo = _memo(doc)
    key = (rule.code, ctx.kind)
    found = memo.get(key)
    if found is None:  # the needles looked up only now: most calls find the memo filled
        at = needles.present(doc, rule_gate(rule) or frozenset())
        found = memo[key] = [] if gated_out(rule, at) else _run_rule(doc, rule, ctx)
    return list(found)


def _memo(doc: Doc) -> dict[tuple[str, str], list[Finding]]:
    """Findings by (rule code, kind), shared by `run_rule` and `run_rules`."""
    memo = doc.memo.get("rule_findings")
    if memo is None:
        memo = doc.memo["rule_findings"] = {}
    return memo


def gated_out(rule: Rule, at: Collection[str] | None) -> bool:
    """None of the rule's needles occurs in a document whose needles are `at`: it cannot fire."""
    gate = rule_gate(rule)
    return gate is not None and at is not None and gate.isdisjoint(at)


def _run_rule(doc: Doc, rule: Rule, ctx: Context) -> list[Finding]:
    if rule.detector:
        hits: Iterator[Hit] = iter(DETECTORS[rule.detector](doc, rule, ctx))
    else:
        hits = _regex_hits(doc, rule)
    first = next(hits, None)
    # most rules that run find nothing: the set-up of `_findings` is for those that do
    return [] if first is None else _findings(doc, rule, first, hits)


def _findings(doc: Doc, rule: Rule, first: Hit, rest: Iterator[Hit]) -> list[Finding]:
    """The findings for a rule's hits (`first`, then `rest`), in scope and not `unless`."""
    unless = rule.unless_regex
    # scope "any" admits every hit and "body" every hit outside headlines: no call per hit
    scope = rule.scope
    check_scope = scope != "any" and (
        scope != "body" or doc.field == "subject" or doc.kind == "headline"
    )
    message, templated = rule.message, "{" in rule.message
    text, field, withdrawal = doc.text, doc.field, rule.polarity == "withdrawal"
    out: list[Finding] = []
    for hit in chain((first,), rest):
        start, end = hit.start, hit.end
        if check_scope and not _in_scope(doc, rule, start):
            continue
        if unless is not None and start is not None:
            s = _sentence_around(doc, start)
            # a hit with a start has an end (Hit: both set, or both None at document level)
            if needles.search(doc, unless, s.start, max(s.end, cast(int, end))):
                continue
        out.append(
            Finding(
                rule.code,
                rule.name,
                rule.category,
                rule.severity,
                message.format_map(_Values(hit.values)) if templated else message,
                start,
                end,
                text[start:end] if start is not None else None,
                _suggestion(doc, rule, hit) if withdrawal else None,
                rule.polarity,
                field,
                rule.weight,
                hit.extra or {},
            )
        )
        if len(out) >= rule.max_per_doc:
            break
    return out


def run_rules(doc: Doc, rules: tuple[Rule, ...], ctx: Context) -> list[Finding]:
    """Every rule's findings, in order, with one look-up of the document's needles for all of
    their gates; a rule none of whose needles occurs is skipped without a call (per rule, the
    calls were a measurable share of a short audit)."""
    plan = _plan(rules, ctx.kind)
    live = plan.live(needles.present(doc, plan.gates))
    memo = _memo(doc)
    findings: list[Finding] = []
    for rule, code, key in plan.steps:
        if live is not None and code is not None and code not in live:
            continue  # it cannot fire (`run_rule`, if another rule asks for it, agrees)
        done = memo.get(key)
        if done is None:
            done = memo[key] = _run_rule(doc, rule, ctx)
        findings.extend(done)
    return findings


class _Plan(NamedTuple):
    """What `run_rules` needs of a rule list for one kind, worked out once."""

    rules: tuple[Rule, ...]  # kept, so the id the plan is filed under stays theirs
    gates: frozenset[str]  # all the rules' gates together: one look-up searches for each
    gated: dict[str, tuple[str, ...]]  # needle -> codes of the rules it lets through
    # per rule of the kind, in order: the rule, its code if it has a gate, its memo key
    steps: tuple[tuple[Rule, str | None, tuple[str, str]], ...]

    def live(self, found: Collection[str] | None) -> frozenset[str] | None:
        """Codes of the gated rules one of whose needles is among `found` (the document's);
        None when every rule must run. A look-up per needle found: testing each gate against
        them walked some 1,500 set entries per audit."""
        if found is None:
            return None
        return frozenset(chain.from_iterable(filter(None, map(self.gated.get, found))))


def _plan(rules: tuple[Rule, ...], kind: str) -> _Plan:
    plan = _PLANS.get((id(rules), kind))
    if plan is not None and plan.rules is rules:
        return plan
    gated: dict[str, list[str]] = {}
    for r in rules:
        for k in rule_gate(r) or ():
            gated.setdefault(k, []).append(r.code)
    plan = _Plan(
        rules,
        frozenset(gated),
        {k: tuple(codes) for k, codes in gated.items()},
        tuple(
            (r, r.code if rule_gate(r) is not None else None, (r.code, kind))
            for r in rules
            if kind in r.kinds
        ),
    )
    if isinstance(rules, tuple):  # the engine's rule lists are cached tuples: remember theirs
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[(id(rules), kind)] = plan
    return plan


_PLANS: dict[tuple[int, str], _Plan] = {}
