"""Hugo shortcodes and Liquid tags in a migrated body: the few with a plain meaning rendered, the others
left as written and reported with their line, never dropped without a word.

Rendered: Hugo's ``figure`` (a <figure> with its caption), ``youtube`` (a link to the video, never an
embedded player: no third-party script or cookie reaches the reader), ``ref``/``relref`` and Jekyll's
``post_url``/``link`` (the address of another content file, worked out when the page is rendered, since
that file's address may change). Text inside code blocks and code spans is left alone.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field

from sitegen.content.markup import NEUTRALISED_URL, dangerous_url

REF_SCHEME = "sitegen-ref:"  # a ref's placeholder in the stored body: 'sitegen-ref:<n>', n its index in refs
_HUGO = re.compile(r"\{\{([<%])\s*(/?)\s*([A-Za-z][\w.-]*)(.*?)\s*[>%]\}\}")
_LIQUID_TAG = re.compile(r"\{%-?\s*([A-Za-z]\w*)(.*?)-?%\}")
_LIQUID_OUT = re.compile(r"\{\{(?![<%])-?\s*(.+?)\s*-?\}\}")
_ATTR = re.compile(r"""([A-Za-z][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))|"([^"]*)"|'([^']*)'|(\S+)""")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")


@dataclass
class Expanded:
    """A body with its shortcodes replaced by placeholders, and what to put in their place."""

    text: str
    blocks: dict[str, str] = field(default_factory=dict)  # placeholder -> HTML
    notes: list[str] = field(default_factory=list)  # 'file:line: ...'
    refs: list[str] = field(default_factory=list)  # 'line:target'

    def finish(self, body_html: str) -> str:
        """The rendered body with each placeholder replaced by its HTML."""
        for token, markup in self.blocks.items():
            body_html = body_html.replace(f"<p>{token}</p>", markup).replace(token, markup)
        return body_html


def expand(body: str, first_line: int, shown: str) -> Expanded | None:
    """The body's shortcodes and Liquid tags, or None when it holds none (the usual case: one scan).
    ``first_line``: the file's line of the body's first line; ``shown``: the file as messages name it."""
    if "{{" not in body and "{%" not in body:
        return None
    nonce = hashlib.sha1(body.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    found = Expanded("")
    lines = body.split("\n")
    fence = ""
    for number, line in enumerate(lines):
        stripped = _FENCE.match(line)
        if fence:
            if stripped and stripped.group(1)[0] == fence[0] and len(stripped.group(1)) >= len(fence):
                fence = ""
            continue
        if stripped:
            fence = stripped.group(1)
            continue
        if line.startswith(("    ", "\t")) or ("{{" not in line and "{%" not in line):
            continue
        lines[number] = _line(line, first_line + number, shown, nonce, found)
    found.text = "\n".join(lines)
    return found if found.blocks or found.notes or found.refs else None


def _line(line: str, number: int, shown: str, nonce: str, found: Expanded) -> str:
    # Code spans are left as they are: masked while looking, kept in the text.
    spans = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(line)]

    def in_code(at: int) -> bool:
        return any(start <= at < end for start, end in spans)

    def hugo(match: re.Match[str]) -> str:
        if in_code(match.start()):
            return match.group(0)
        closing, name, args = match.group(2), match.group(3), match.group(4)
        shown_code = f"{{{{{match.group(1)} {closing}{name} {match.group(1) if match.group(1) == '%' else '>'}}}}}"
        attrs, positional = _attributes(args)
        if not closing:
            if name == "figure":
                return _block(found, nonce, _figure(attrs, positional), match, line)
            if name == "youtube":
                video = attrs.get("id") or (positional[0] if positional else "")
                if _VIDEO_ID.fullmatch(video):
                    return _block(found, nonce, _youtube(video, attrs.get("title", "")), match, line)
            if name in ("ref", "relref") and (target := attrs.get("path") or (positional[0] if positional else "")):
                return _ref(found, number, target)
        found.notes.append(f"{shown}:{number}: the Hugo shortcode {shown_code.replace('  ', ' ')} is not something "
                           "sitegen renders: it shows as written; replace it with Markdown or HTML")
        return match.group(0)

    def liquid(match: re.Match[str]) -> str:
        if in_code(match.start()):
            return match.group(0)
        name, args = match.group(1), match.group(2).strip()
        if name in ("post_url", "link") and args:
            return _ref(found, number, args.split()[0].strip("\"'"))
        found.notes.append(f"{shown}:{number}: the Liquid tag {{% {name} %}} is not something sitegen renders: "
                           "it shows as written; replace it with Markdown or HTML")
        return match.group(0)

    def output(match: re.Match[str]) -> str:
        if not in_code(match.start()):
            found.notes.append(f"{shown}:{number}: the Liquid output {{{{ {_cut(match.group(1))} }}}} is not something "
                               "sitegen fills in: it shows as written; replace it with the text it stood for")
        return match.group(0)

    line = _HUGO.sub(hugo, line)
    line = _LIQUID_TAG.sub(liquid, line)
    return _LIQUID_OUT.sub(output, line)


def _cut(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attributes(args: str) -> tuple[dict[str, str], list[str]]:
    named: dict[str, str] = {}
    positional: list[str] = []
    for match in _ATTR.finditer(args):
        if match.group(1):
            named[match.group(1).lower()] = next(g for g in match.group(2, 3, 4) if g is not None)
        else:
            positional.append(next(g for g in match.group(5, 6, 7) if g is not None))
    return named, positional


def _block(found: Expanded, nonce: str, markup: str, match: re.Match[str], line: str) -> str:
    """A placeholder for block HTML: a paragraph of its own (a figure cannot sit inside a paragraph)."""
    token = f"sitegenblock{nonce}n{len(found.blocks)}"
    found.blocks[token] = markup
    alone = line.strip() == match.group(0).strip()
    return token if alone else f"\n\n{token}\n\n"


def _ref(found: Expanded, number: int, target: str) -> str:
    found.refs.append(f"{number}:{target}")
    return f"{REF_SCHEME}{len(found.refs) - 1}"


def _safe(url: str, image: bool = False) -> str:
    return NEUTRALISED_URL if dangerous_url(url, image=image) else url


def _figure(attrs: dict[str, str], positional: list[str]) -> str:
    src = attrs.get("src") or (positional[0] if positional else "")
    alt = attrs.get("alt", "")
    image = f'<img src="{html.escape(_safe(src, image=True))}" alt="{html.escape(alt)}">'
    if link := attrs.get("link"):
        image = f'<a href="{html.escape(_safe(link))}">{image}</a>'
    caption = " ".join(html.escape(attrs[key]) for key in ("title", "caption") if attrs.get(key))
    if attrs.get("attr"):
        caption += f" {html.escape(attrs['attr'])}" if caption else html.escape(attrs["attr"])
    return f"<figure>{image}<figcaption>{caption}</figcaption></figure>" if caption else f"<figure>{image}</figure>"


def _youtube(video: str, title: str) -> str:
    """A link out to the video: no embedded player, so no script or cookie of YouTube's on the page."""
    label = f"Watch “{html.escape(title)}” on YouTube" if title else "Watch the video on YouTube"
    return f'<p class="video-link"><a href="https://www.youtube.com/watch?v={video}">{label}</a></p>'
