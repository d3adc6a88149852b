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
    """A Markdown body as HTML. Plain paragraphs (all that converted seeds hold) and bodies of the common
    constructs people write (``simple_markdown``) take fast paths that give byte-identical output;
    everything else goes through Python-Markdown.

    By default raw HTML is omitted and script URLs are neutralised (see ``SafeHtml``); ``unsafe_html``
    (the site's ``unsafe_html: true``) renders exactly what Python-Markdown writes. The fast paths are
    right for both: they refuse any '<', and every link they take has a URL no browser runs as script.
    """
    fast = plain_paragraphs(text)
    if fast is None:
        fast = simple_markdown(text)
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
# Indentation (a code block), other white space (Python-Markdown strips it from a paragraph's start), or a
# block marker
_LINE_MARK = r"(?:[^\S\n]|[#>+\-=~:]|\d+[.)])"
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


# --- the common constructs, without Python-Markdown ------------------------------------------------------
# Hand-written news is paragraphs with some emphasis and links, now and then a subheading, a bulleted or
# numbered list, a quotation. ``simple_markdown`` writes exactly what Python-Markdown (with the extensions
# above, either ``unsafe_html`` setting) writes for bodies made of only these, and returns None for anything
# else, however close: the grammar it takes is narrower than Markdown's, so that what it takes has one
# reading (tests/test_markup.py holds it equal to Python-Markdown on generated bodies and near misses).
#
#   blocks, one blank line apart:  paragraph lines | "#"×1-6 " " heading | "- "/"* "/"+ " items (tight, one
#   line each) | "1. " items | "> " quoted lines; never two lists or two quotes in a row (Markdown joins
#   them), no line starting with a block marker or white space inside any of them.
#   inline: text | *em* _em_ **strong** __strong__ (plain text inside, at word boundaries) |
#   [text](url) (plain text; a URL without spaces, quotes, brackets or parentheses, not a script URL);
#   backslash escapes; entities and a bare '&' as the serializer writes them.

# Characters the fast path never takes (after escapes are set aside): raw HTML, code, attribute lists,
# tables, a backslash that escapes nothing, tabs and control characters, the escape stand-in.
_REFUSED = re.compile(r"[\\`{}|<\t\x00-\x08\x0b-\x1f\x7f]")
_MARKER = re.compile(_LINE_MARK)  # a block marker or white space at the start of a line's text
_HEADING = re.compile(r"(#{1,6}) (.*[^#\s])")  # Python-Markdown strips white space around the text
_BULLET = re.compile(r"[*+-] ")
_NUMBER = re.compile(r"(\d+)\. ")
_INLINE_TOKEN = re.compile(
    # a link: its text plain (no footnote mark first), its URL one run of unreserved characters
    r"\[(?P<text>[^\s\[\]*_^](?:[^\[\]\n*_]*[^\s\[\]*_])?)\]\((?P<url>[^\s()<>\"'\\`{}|\[\]^*\ue000]+)\)"
    # emphasis or strong: the same mark on both sides, at word boundaries, plain text inside
    r"|(?<![\w*_])(?P<mark>\*\*|__|\*|_)(?P<em>[^\s*_\[\]](?:[^*_\[\]\n]*[^\s*_\[\]])?)(?P=mark)(?![\w*_])")
_INLINE_SYNTAX = re.compile(r"[*_\[\]]")
_OPEN_CHARREF = re.compile(r"&#(?![0-9]+;|[xX][0-9a-fA-F]+;)")
_AMP = re.compile(r"&(?!(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);)", re.I)  # Python-Markdown's serializer's RE_AMP
_SAFE_SCHEMES = ("http://", "https://", "/", "#", "mailto:")
_EMPHASIS_TAGS = {"*": "em", "_": "em", "**": "strong", "__": "strong"}


def simple_markdown(text: str) -> str | None:
    """HTML for a body of paragraphs, headings, simple lists and quotations with emphasis and links, exactly
    as Python-Markdown would write it; None for anything the fast path is not sure of."""
    if _HOLE in text or "&\\#" in text:  # '&\#169;' is '&#169;' to the serializer, which sees the '#' put back
        return None
    escaped: list[str] = []
    if "\\" in text:
        def hole(match: re.Match[str]) -> str:
            escaped.append(match.group(1))
            return _HOLE

        holed = _ESCAPE.sub(hole, text.strip("\n"))
    else:
        holed = text.strip("\n")
    if not holed or _REFUSED.search(holed) or " \n" in holed or holed.endswith(" "):
        return None
    if "&#" in holed and _OPEN_CHARREF.search(holed):
        return None  # Python-Markdown's HTML reader closes '&#169' as '&#169;' (and '&#x1g' as '&#x1;g')
    out: list[str] = []
    last = ""  # the kind of the block before: two lists or two quotes in a row are one in Markdown
    for block in holed.split("\n\n"):
        if not block or block[0] == "\n" or block[-1] == "\n":
            return None  # three or more newlines in a row
        first = block[0]
        if first == "#":
            match = _HEADING.fullmatch(block)
            if match is None or _MARKER.match(match.group(2)):
                return None
            body = _inline(match.group(2))
            if body is None:
                return None
            level = len(match.group(1))
            out.append(f"<h{level}>{body}</h{level}>")
            last = "h"
        elif first in "*+-" and block[1:2] == " ":
            items = _items(block, _BULLET)
            if items is None or last == "ul":
                return None
            out.append("<ul>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ul>")
            last = "ul"
        elif "0" <= first <= "9" and _NUMBER.match(block):
            items = _items(block, _NUMBER)
            if items is None or last == "ol":
                return None
            start = _NUMBER.match(block).group(1)  # type: ignore[union-attr]  # matched just above
            out.append((f'<ol start="{start}">\n' if start != "1" else "<ol>\n")
                       + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ol>")
            last = "ol"
        elif first == ">":
            lines = block.split("\n")
            if last == "quote" or any(line[:2] != "> " for line in lines):
                return None
            body = _paragraph("\n".join(line[2:] for line in lines))
            if body is None:
                return None
            out.append(f"<blockquote>\n<p>{body}</p>\n</blockquote>")
            last = "quote"
        else:
            body = _paragraph(block)
            if body is None:
                return None
            out.append(f"<p>{body}</p>")
            last = "p"
    html = "\n".join(out)
    if not escaped:
        return html
    chars = iter(escaped)
    return _HOLE_RE.sub(lambda _match: _escaped_html(next(chars)), html)


def _items(block: str, marker: re.Pattern[str]) -> list[str] | None:
    """The items of a tight list, one line each, every line an item of the same kind; else None."""
    items = []
    for line in block.split("\n"):
        match = marker.match(line)
        if match is None:
            return None
        content = line[match.end():]
        if not content or _MARKER.match(content):
            return None
        item = _inline(content)
        if item is None:
            return None
        items.append(item)
    return items


def _paragraph(text: str) -> str | None:
    """The HTML inside a paragraph of these lines, or None when a line starts with a block marker."""
    if _MARKER.match(text) or ("\n" in text and _SYNTAX_LINE.search(text)):
        return None
    return _inline(text)


def _inline(text: str) -> str | None:
    """Text with emphasis and links as HTML, or None when it holds syntax the fast path does not take."""
    found = _INLINE_SYNTAX.search(text)
    if found is None:
        return _text_html(text)
    out = []
    end = 0
    while found is not None:
        # every mark or bracket starts a link or an emphasis, or the fast path gives up
        match = _INLINE_TOKEN.match(text, found.start())
        if match is None:
            return None
        gap = text[end:match.start()]
        out.append(_text_html(gap))
        url = match.group("url")
        if url is not None:
            if gap.endswith("!"):
                return None  # an image
            if not url.startswith(_SAFE_SCHEMES) and dangerous_url(url):
                return None  # neutralised, or not, as the site's setting says: Python-Markdown decides
            out.append(f'<a href="{_AMP.sub("&amp;", url)}">{_text_html(match.group("text"))}</a>')
        else:
            tag = _EMPHASIS_TAGS[match.group("mark")]
            out.append(f"<{tag}>{_text_html(match.group('em'))}</{tag}>")
        end = match.end()
        found = _INLINE_SYNTAX.search(text, end)
    out.append(_text_html(text[end:]))
    return "".join(out)


def _text_html(text: str) -> str:
    """Text as Python-Markdown's serializer writes it: a bare '&' and '>' escaped (there is no '<')."""
    if "&" in text:
        text = _AMP.sub("&amp;", text)
    return text.replace(">", "&gt;") if ">" in text else text
