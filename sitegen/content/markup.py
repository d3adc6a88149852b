"""Markdown to HTML, and plain text to Markdown that renders back to exactly that text."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from typing import Any

import markdown
from markdown.extensions import extra
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ["extra", "sane_lists"]
# Without raw HTML there is no HTML for extra's md_in_html to parse Markdown inside: a block written
# with markdown="1" is raw HTML like any other and is omitted whole. Otherwise the same extensions.
SAFE_EXTENSIONS = [name for name in extra.extensions if name != "md_in_html"] + ["sane_lists"]
# What stands in for raw HTML on the page, as Hugo writes it.
OMITTED = "<!-- raw HTML omitted -->"
# What a link or image URL with a script scheme becomes: Go's html/template marker, known to Hugo users;
# a valid URL (an <img> needs a src), and `sitegen check` reports it as a broken link on the page.
NEUTRALISED_URL = "#ZgotmplZ"
# Part of every cache key for rendered HTML: change it when rendering changes.
CONFIG_KEY = f"python-markdown {markdown.__version__} {EXTENSIONS} fast-paragraphs 1 safe-html 1 shortcodes 1"

_parsers: dict[bool, markdown.Markdown] = {}


def render(text: str, unsafe_html: bool = False) -> str:
    """A Markdown body as HTML. Plain paragraphs (all that converted seeds hold) take a fast path
    that gives byte-identical output; everything else goes through Python-Markdown.

    By default raw HTML is omitted and script URLs are neutralised (see ``SafeHtml``); ``unsafe_html``
    (the site's ``unsafe_html: true``) renders exactly what Python-Markdown writes. The fast path is
    right for both: it refuses any '<' and any '[', so there is neither HTML nor a link in its input.
    """
    fast = plain_paragraphs(text)
    if fast is not None:
        return fast
    return render_markdown(text, unsafe_html)


def render_markdown(text: str, unsafe_html: bool = False) -> str:
    """Python-Markdown itself: one parser per process and setting, reset between documents."""
    md = _parsers.get(unsafe_html)
    if md is None:
        if unsafe_html:
            md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        else:
            md = markdown.Markdown(extensions=[*SAFE_EXTENSIONS, SafeHtml()], output_format="html")
        _parsers[unsafe_html] = md
    return md.reset().convert(text)


class SafeHtml(markdown.Extension):
    """Hugo's default (goldmark without ``unsafe``) for Python-Markdown: hand-written HTML and script
    URLs never reach the page.

    - Raw HTML blocks and inline tags (and comments) are replaced by ``<!-- raw HTML omitted -->``;
      the text between inline tags stays. Entities (``&amp;``) and a bare ``a < b`` show as written.
    - ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` URLs in links and images (inline,
      reference, or set with ``{: href=...}``) become ``#ZgotmplZ``, whatever the case, entities,
      white space or control characters in them. Images may keep ``data:image/png|gif|jpeg|webp;base64``
      (pictures cannot run script); links may not. ``on*`` attributes (attr_list, fenced code) are dropped.

    Why not in ``unsafe_html`` mode too: Hugo's ``markup.goldmark.renderer.unsafe`` turns both checks off
    (goldmark writes ``if r.Unsafe || !IsDangerousURL(url)``), and rightly so: an author allowed
    ``<a href="javascript:...">`` gains nothing from a neutralised ``[x](javascript:...)``, while
    bookmarklet links would break. So a content folder renders the same in both tools.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.preprocessors.register(_OmitHtmlBlocks(md), "html_block", 20)
        md.inlinePatterns.register(_OmitInlineHtml(HTML_RE, md), "html", 90)
        fenced = md.preprocessors["fenced_code_block"]
        config = fenced.config  # type: ignore[attr-defined]  # set by its __init__; the stubs do not declare it
        md.preprocessors.register(_SafeFencedCode(md, config), "fenced_code_block", 25)
        md.treeprocessors.register(_SafeUrls(md), "safe_urls", -10)  # after attr_list (8) and unescape (0)


class _OmitHtmlBlocks(HtmlBlockPreprocessor):
    """Python-Markdown's raw block finder; everything it stashes is raw HTML, so the stash gets the mark."""

    def run(self, lines: list[str]) -> list[str]:
        stash = self.md.htmlStash.rawHtmlBlocks
        start = len(stash)
        lines = super().run(lines)
        stash[start:] = [OMITTED] * (len(stash) - start)
        return lines


class _OmitInlineHtml(HtmlInlineProcessor):
    """An inline tag or comment: the mark instead (entities use another pattern and stay)."""

    # InlineProcessor's handleMatch takes other arguments than Pattern's: its stubs ignore the override too
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # type: ignore[override]  # noqa: N802
        return self.md.htmlStash.store(OMITTED), m.start(0), m.end(0)


class _SafeFencedCode(FencedBlockPreprocessor):
    """Fenced code writes its HTML itself: ``{ onclick="..." }`` after the fence must not reach it."""

    def handle_attrs(self, attrs: Iterable[tuple[str, str]]) -> tuple[str, list[str], dict[str, Any]]:
        id_, classes, configs = super().handle_attrs(attrs)
        return id_, classes, {k: v for k, v in configs.items() if not k.lower().startswith("on")}


# Attributes whose value a browser follows as a URL (attr_list can put any of them on any element).
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite",
                   "data", "longdesc", "lowsrc", "dynsrc", "codebase", "manifest", "ping", "srcset", "icon"}
_DANGEROUS = ("javascript:", "vbscript:", "file:", "data:")
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp);base64,")
# What browsers ignore inside a scheme: C0 controls and space (stripped at the ends, tabs and newlines
# anywhere); we drop every control, format character and white space anywhere, which only blocks more.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f"
                        r"\u3000\ufeff]")


def dangerous_url(value: str, image: bool = False) -> bool:
    """Whether a browser would run ``value`` (an attribute's text, entities still in it) as a script URL.

    Entities are decoded until nothing changes (a browser decodes once; more only blocks more), then
    invisible characters dropped and case folded: ``&#106;ava&Tab;Script:`` is ``javascript:``.
    """
    decoded = value
    while True:
        again = html.unescape(decoded)
        if again == decoded:
            break
        decoded = again
    cleaned = _INVISIBLE.sub("", decoded).lower()
    if not cleaned.startswith(_DANGEROUS):
        return False
    return not (image and _DATA_IMAGE.match(cleaned))


class _SafeUrls(Treeprocessor):
    """Neutralise script URLs and drop event handlers on every element Markdown made."""

    def run(self, root: etree.Element) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks

        def resolve(match: re.Match[str]) -> str:
            # Only entities may stand in an attribute: any other stashed HTML (a code block, the
            # omitted mark) would be pasted into the attribute unescaped by the raw HTML postprocessor.
            index = int(match.group(1))
            item = stash[index] if index < len(stash) else ""
            return item if isinstance(item, str) and _ENTITY.fullmatch(item) else ""

        for element in root.iter():
            for name, value in list(element.items()):
                if name.lower().startswith("on"):
                    del element.attrib[name]
                    continue
                if value is None:
                    continue
                if _PLACEHOLDER.search(value):
                    value = _PLACEHOLDER.sub(resolve, value)
                    element.set(name, value)
                if name.lower() in _URL_ATTRIBUTES and dangerous_url(value, image=element.tag == "img"):
                    element.set(name, NEUTRALISED_URL)


_PLACEHOLDER = re.compile(markdown.util.HTML_PLACEHOLDER % r"([0-9]+)")
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")


# Python-Markdown's backslash escapes with the extensions above.
_ESCAPABLE = "\\`*_{}[]()>#+-.!|"
_ESCAPE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + r"])")
# Anything that could be Markdown syntax once escapes are set aside: then the real parser decides.
# One alternation with ^ and $ (MULTILINE) took 0.2 ms an article, a tenth of a clean build: the checks
# are split so that each is a fast scan for its first character (``_has_syntax``; the same verdict).
_SYNTAX_CHAR = re.compile(r"[\\`*_{}\[\]|<\t\x00-\x08\x0b-\x1f\x7f]")  # inline syntax, raw HTML, tabs, controls
_LINE_MARK = r"(?:[ #>+\-=~:]|\d+[.)])"  # indentation (a code block) or a block marker
_SYNTAX_LINE = re.compile(r"\n" + _LINE_MARK)  # ... at the start of a line after the first
_SYNTAX_FIRST = re.compile(_LINE_MARK)  # ... at the start of the first
_BARE_AMP = re.compile(r"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[a-zA-Z0-9]+;)")


def _has_syntax(text: str) -> bool:
    """Whether ``text`` holds anything Markdown could read as syntax (tabs are inline syntax here, so a
    trailing space is the only trailing white space left to find: a line break)."""
    return bool(_SYNTAX_CHAR.search(text) or _SYNTAX_LINE.search(text) or _SYNTAX_FIRST.match(text)
                or " \n" in text or text.endswith(" ") or ("&" in text and _BARE_AMP.search(text)))
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
    if not holed or _has_syntax(holed):
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
