"""Markdown to HTML, and plain text to Markdown that renders back to exactly that text."""

from __future__ import annotations

import re

import markdown

EXTENSIONS = ["extra", "sane_lists"]
# Part of every cache key for rendered HTML: change it when rendering changes.
CONFIG_KEY = f"python-markdown {markdown.__version__} {EXTENSIONS} fast-paragraphs 1"

_md: markdown.Markdown | None = None


def render(text: str) -> str:
    """A Markdown body as HTML. Plain paragraphs (all that converted seeds hold) take a fast path
    that gives byte-identical output; everything else goes through Python-Markdown."""
    fast = plain_paragraphs(text)
    if fast is not None:
        return fast
    return render_markdown(text)


def render_markdown(text: str) -> str:
    """Python-Markdown itself: one parser per process, reset between documents."""
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    return _md.reset().convert(text)


# Python-Markdown's backslash escapes with the extensions above.
_ESCAPABLE = "\\`*_{}[]()>#+-.!|"
_ESCAPE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + r"])")
# Anything that could be Markdown syntax once escapes are set aside: then the real parser decides.
_SYNTAX = re.compile(
    r"[\\`*_{}\[\]|<\t\x00-\x08\x0b-\x1f\x7f]"  # inline syntax, raw HTML, tabs, control characters
    r"|^[ \t]|[ \t]$"  # indentation (code blocks), trailing spaces (line breaks)
    r"|^(?:[#>+\-=~:]|\d+[.)])"  # block markers at the start of a line
    r"|&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[a-zA-Z0-9]+;)",  # a bare ampersand
    re.MULTILINE,
)
_HOLE = "\ue000"  # a private-use character stands in for each escaped character while checking


def plain_paragraphs(text: str) -> str | None:
    """HTML for a body of plain paragraphs exactly as Python-Markdown would write it, or None."""
    if _HOLE in text or "\r" in text:
        return None
    escaped: list[str] = []

    def hole(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return _HOLE

    holed = _ESCAPE.sub(hole, text.strip("\n"))
    if not holed or _SYNTAX.search(holed):
        return None
    paragraphs = holed.split("\n\n")
    if any(not p or p.startswith("\n") or p.endswith("\n") for p in paragraphs):
        return None  # three or more newlines in a row: leave the details to the parser
    html = "\n".join(f"<p>{p.replace('>', '&gt;')}</p>" for p in paragraphs)
    if not escaped:
        return html
    chars = iter(escaped)
    return _HOLE_RE.sub(lambda _match: _escaped_html(next(chars)), html)


_HOLE_RE = re.compile(_HOLE)


def _escaped_html(char: str) -> str:
    return "&gt;" if char == ">" else char


# Characters that mean something to Markdown anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]{}|])")
# Characters that mean something only at the start of a line: block markers. Those Markdown
# lets us backslash-escape get a backslash; the others a character reference.
_LINE_START = re.compile(r"^([#>+\-])")
_LINE_START_REF = re.compile(r"^([=~:])")
_ORDERED = re.compile(r"^(\d+)([.)])")


def literal(text: str) -> str:
    """Markdown source whose rendering shows ``text`` character for character.

    Seed text is text, not Markdown: list markers, headings, emphasis, links, HTML and
    entities must all reach the page as typed. Lines are kept; a blank line would end the
    paragraph, so callers pass one paragraph at a time.
    """
    out = []
    for line in text.split("\n"):
        line = line.rstrip()  # trailing double spaces would become <br>
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        # Python-Markdown expands tabs to spaces; a character reference keeps them.
        escaped = stripped.replace("&", "&amp;").replace("<", "&lt;").replace("\t", "&#9;")
        escaped = _INLINE.sub(r"\\\1", escaped)
        escaped = _ORDERED.sub(r"\1\\\2", escaped)
        escaped = _LINE_START.sub(r"\\\1", escaped)
        escaped = _LINE_START_REF.sub(lambda m: f"&#{ord(m.group(1))};", escaped)
        # Leading white space would start a code block: keep it as character references.
        out.append("".join(f"&#{ord(c)};" for c in indent) + escaped)
    return "\n".join(out)
