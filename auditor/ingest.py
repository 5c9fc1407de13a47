"""Turning what users send (plain text, Markdown, HTML, .eml) into the text the rules read.

Bad input is refused here with an `InputError` (a `ValueError` with a stable `code`), so no
rule ever sees binary data, markup or an unbounded string.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast


class InputError(ValueError):
    """Input the engine will not rate; `code` is stable and shared with the API's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Draft:
    text: str
    kind: str | None = None
    subject: str | None = None
    html: bool = False


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("binary_input", "input looks binary (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("invalid_encoding", f"input is not valid UTF-8 (byte {e.start})") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def validate_text(text: object, max_chars: int) -> str:
    if isinstance(text, bytes | bytearray):
        text = decode(bytes(text))
    if not isinstance(text, str):
        raise InputError("invalid_type", f"text must be a string, not {type(text).__name__}")
    if len(text) > max_chars:
        raise InputError(
            "text_too_large", f"text has {len(text):,} characters; the limit is {max_chars:,}"
        )
    if not text.strip():
        raise InputError("empty_text", "text is empty or only whitespace")
    sample = text[:8192]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise InputError("binary_input", "input looks binary (control characters), not text")
    return text


# --- HTML -----------------------------------------------------------------------------------

_HIDDEN = (
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "svg",
    "canvas",
    "iframe",
    "object",
    "meta",
    "link",
)
_BLOCK = frozenset(
    """address article aside blockquote br dd details div dl dt fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul""".split()
)


def html_to_text(html: str) -> str:
    """Visible text only: scripts, styles, comments and markup never reach a rule."""
    from bs4 import BeautifulSoup, Comment, Tag

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(_HIDDEN):
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    # name=None is find_all's default; bs4's overloads only accept attrs= with a name given
    for tag in soup.find_all(None, attrs={"hidden": True}):
        tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)):
        tag.decompose()
    parts: list[str] = []
    for node in soup.descendants:
        if isinstance(node, str):
            if type(node).__name__ in ("NavigableString",):
                parts.append(re.sub(r"\s+", " ", str(node)))
        elif cast(Tag, node).name in _BLOCK:  # every non-string node of a soup is a Tag
            parts.append("\n")
    text = "".join(parts)
    lines = [ln.strip() for ln in text.split("\n")]
    out, blank = [], False
    for ln in lines:
        if ln:
            out.append(ln)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    return "\n".join(out).strip()


# --- Markdown: mask markup with spaces, so offsets and line:col stay those of the file --------

_MD_MASKS = (
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),  # images: nothing to read
    re.compile(r"(?<=\])\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets
    re.compile(r"^\s{0,3}#{1,6}\s", re.M),  # heading marks
    re.compile(r"^\s{0,3}>\s?", re.M),  # quote marks
    re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`{1,3}"),  # emphasis, code ticks
    re.compile(r"<!--.*?-->", re.S),
)


def markdown_to_text(md: str) -> str:
    out = md
    for rx in _MD_MASKS:
        out = rx.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), out)
    out = re.sub(r"(?<!!)\[([^\]]*)\]", lambda m: " " + m.group(1) + " ", out)
    return out


# --- e-mail ---------------------------------------------------------------------------------

_QUOTE_HEADER = re.compile(
    r"^(?:On .{4,200}wrote:\s*$|-{2,}\s*Original Message\s*-{2,}|From: .+\n(?:Sent|Date): )",
    re.M | re.I,
)
_SIGNATURE = re.compile(r"^(?:-- ?$|Sent from my \w+|Get Outlook for \w+)", re.M)


def strip_quoted_and_signature(body: str) -> str:
    cut = len(body)
    for rx in (_QUOTE_HEADER, _SIGNATURE):
        m = rx.search(body)
        if m:
            cut = min(cut, m.start())
    kept = [ln for ln in body[:cut].splitlines() if not ln.lstrip().startswith(">")]
    return "\n".join(kept).rstrip()


def parse_eml(data: bytes) -> Draft:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    subject = str(msg.get("subject", "") or "").strip() or None
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise InputError("empty_text", "the message has no text or HTML body")
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        raise InputError("invalid_encoding", "the message body cannot be decoded") from None
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return Draft(strip_quoted_and_signature(content), "email", subject)


_KIND_BY_SUFFIX = {
    ".eml": "email",
    ".html": "page",
    ".htm": "page",
    ".md": "blog",
    ".markdown": "blog",
}


def read_path(path: Path) -> Draft:
    """Read a file the CLI was given; the suffix decides how it is turned into text."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return parse_eml(data)
    text = decode(data)
    if suffix in (".html", ".htm"):
        return Draft(text, "page", html=True)
    if suffix in (".md", ".markdown"):
        return Draft(markdown_to_text(text), "blog")
    return Draft(text, _KIND_BY_SUFFIX.get(suffix))
