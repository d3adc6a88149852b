"""Markdown to HTML, and plain text to Markdown that renders back to exactly that text."""

from __future__ import annotations

import re

import markdown

EXTENSIONS = ["extra", "sane_lists"]

_md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")


def render(text: str) -> str:
    """A Markdown body as HTML. One parser per process, reset between documents."""
    return _md.reset().convert(text)


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
