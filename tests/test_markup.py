import html
import html.parser
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import markup
from sitegen.core.config import load_config
from tests.conftest import article


def shown(markdown_source: str) -> str:
    """What a reader sees: the rendered HTML's text."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup.render(markdown_source))).strip()


TRICKY = [
    "1. Not a list",
    "2) Nor this",
    "- not a bullet",
    "+ nor this",
    "* nor this",
    "# Not a heading",
    "> Not a quote",
    "    four leading spaces, not code",
    "\ttab, not code",
    "*stars* and _underscores_ and __double__",
    "[a link](http://example.org) and ![an image](x.png)",
    "<script>alert('x')</script> <b>bold</b>",
    "AT&T &amp; &copy; &#169;",
    r"back\slashes \\ \* \_",
    "`code` and ```fences```",
    "~~~",
    "---",
    "===",
    ": a definition",
    "| a | b |",
    "{: .attr} *[HTML]: abbreviation [^1]",
    "<http://autolink.example>",
    "trailing hash ##",
]


@pytest.mark.parametrize("text", TRICKY)
def test_literal_text_renders_character_for_character(text):
    assert shown(markup.literal(text)) == text.strip()


def test_literal_keeps_lines_after_setext_underlines():
    assert shown(markup.literal("Headline?\n===\nmore")) == "Headline?\n===\nmore"
    assert "<h1>" not in markup.render(markup.literal("Headline?\n==="))


def test_literal_never_emits_markup():
    rendered = markup.render(markup.literal("<script>alert(1)</script> [x](javascript:alert(1))"))
    assert "<script" not in rendered and "<a " not in rendered


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\u2028\u2029\x85"),
               min_size=1).filter(lambda t: t.strip()))
def test_literal_round_trips_any_single_line(text):
    assert " ".join(shown(markup.literal(text)).split()) == " ".join(text.split())


def test_render_is_ordinary_markdown_for_hand_written_content():
    assert markup.render("Some *emphasis*") == "<p>Some <em>emphasis</em></p>"
    assert "<table>" in markup.render("| a | b |\n|---|---|\n| 1 | 2 |")


def test_fast_path_knows_every_escape_python_markdown_knows():
    import markdown

    md = markdown.Markdown(extensions=markup.EXTENSIONS)
    assert set(markup._ESCAPABLE) == set(md.ESCAPED_CHARS)


PIECES = st.sampled_from(list("ab cZ.,;:'\"!?()-+=~#>&|*_[]{}<`\\/%@$^1234567890\t\n é’—中")
                         + ["\n\n", "&amp;", "&#32;", "&copy;", "&#x41;", "\\*", "\\>", "\\\\", "1. ", "  \n"])
PLAIN_TEXT = st.lists(PIECES, min_size=1, max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.lists(PLAIN_TEXT, min_size=1, max_size=4))
def test_fast_path_output_is_identical_to_python_markdown_for_literal_text(paragraphs):
    source = "\n\n".join(markup.literal(p) for p in paragraphs)
    fast = markup.plain_paragraphs(source)
    if fast is not None:
        assert fast == markup.render_markdown(source) == markup.render_markdown(source, unsafe_html=True)


@settings(max_examples=1500, deadline=None)
@given(PLAIN_TEXT)
def test_fast_path_output_is_identical_to_python_markdown_for_any_text(source):
    fast = markup.plain_paragraphs(source)
    if fast is not None:
        assert fast == markup.render_markdown(source) == markup.render_markdown(source, unsafe_html=True)


def test_fast_path_takes_converted_seed_bodies():
    body = "\n\n".join(markup.literal(p) for p in ["1. Not a list", "Plain *text* & more > less", "    indented"])
    assert markup.plain_paragraphs(body) == markup.render_markdown(body)


# --- safe by default: raw HTML omitted, script URLs neutralised (issue #7) ----------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "cite", "data"}
SCRIPT_SCHEMES = {"javascript", "vbscript", "data"}
SAFE_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|webp);base64,", re.IGNORECASE)


def browser_scheme(value: str) -> str:
    """The scheme a browser reads from an attribute value html.parser has already entity-decoded:
    C0 controls and spaces stripped at both ends, tabs and newlines removed anywhere (WHATWG URL)."""
    cleaned = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else ""


class Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text = ""
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text += data


def script_problems(rendered: str) -> list[str]:
    """What in rendered HTML could run script: <script>, on* handlers, script-scheme URLs."""
    problems = ["<script" for _ in range(rendered.lower().count("<script"))]
    for tag, attrs in Tags(rendered).tags:
        if tag in ("script", "iframe", "object", "embed"):
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=>")
            if name in URL_ATTRIBUTES and value and browser_scheme(value) in SCRIPT_SCHEMES:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                if not (tag == "img" and name == "src" and SAFE_DATA_IMAGE.match(cleaned)):
                    problems.append(f"<{tag} {name}={value!r}>")
    return problems


HOSTILE = {
    "script block": ("<script>alert(1)</script>\n\nAfter.", "After."),
    "inline script": ("Before <script>alert(1)</script> after.", "Before alert(1) after."),
    "img onerror": ('A picture <img src=x onerror="alert(1)"> here.', "A picture  here."),
    "iframe": ('<iframe src="javascript:alert(1)"></iframe>\n\nText.', "Text."),
    "markdown=1 block": ('<div markdown="1" onclick="alert(1)">\n*x* <b onmouseover=alert(1)>y</b>\n</div>', ""),
    "comment": ("<!-- <script>alert(1)</script> -->\n\nShown.", "Shown."),
    "javascript link": ("[click me](javascript:alert(1))", "click me"),
    "odd case": ("[click me](JaVaScRiPt:alert(1))", "click me"),
    "tab in scheme": ("[click me](java\tscript:alert(1))", "click me"),
    "newline entity in scheme": ("[click me](java&#10;script:alert(1))", "click me"),
    "entity-encoded scheme": ("[click me](&#106;avascript:alert(1))", "click me"),
    "hex entity and colon entity": ("[click me](&#x6A;avascript&colon;alert(1))", "click me"),
    "leading space": ("[click me](< javascript:alert(1)>)", "click me"),
    "control character": ("[click me](\x01javascript:alert(1))", "click me"),
    "angle-bracket destination": ("[click me](<javascript:alert(1)>)", "click me"),
    "autolink": ("See <javascript:alert(1)> now.", "See  now."),
    "reference link": ("[click me][r]\n\n[r]: javascript:alert(1)", "click me"),
    "vbscript": ("[click me](vbscript:msgbox(1))", "click me"),
    "image src": ("![a picture](javascript:alert(1))", ""),
    "data:text/html link": ("[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "click me"),
    "data:image link": ("[click me](data:image/png;base64,iVBORw0KGgo=)", "click me"),
    "svg data image": ("![a picture](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)", ""),
    "attr_list handler": ('A paragraph.\n{: onclick="alert(1)" }', "A paragraph."),
    "attr_list href": ('[click me](https://example.org/){: href="javascript&#58;alert(1)" }', "click me"),
    "fenced code handler": ('```{ .python onclick="alert(1)" }\nprint(1)\n```', "print(1)"),
}


@pytest.mark.parametrize("body, text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_nothing_that_runs(body, text):
    rendered = markup.render(body)
    assert script_problems(rendered) == []
    assert markup.render(body, unsafe_html=False) == rendered  # the default is the safe one
    assert " ".join(Tags(rendered).text.split()) == " ".join(text.split())


@pytest.mark.parametrize("body", [b for b, _text in HOSTILE.values() if "<" in b and "](" not in b])
def test_raw_html_is_replaced_by_hugos_mark(body):
    assert "<!-- raw HTML omitted -->" in markup.render(body)


def test_neutralised_links_keep_their_text_and_point_nowhere():
    assert markup.render("[click me](javascript:alert(1))") == '<p><a href="#ZgotmplZ">click me</a></p>'
    assert markup.render("![a picture](vbscript:x)") == '<p><img alt="a picture" src="#ZgotmplZ"></p>'


def test_ordinary_links_images_and_text_are_untouched():
    body = ("[a page](https://example.org/a?b=1&c=2) [mail](mailto:desk@example.org) [here](/2023/) "
            "![JavaScript: the cover](cover.png) ![dot](data:image/png;base64,iVBORw0KGgo=) "
            "[JavaScript: a guide](#guide) AT&T &amp; &copy; a < b")
    rendered = markup.render(body)
    assert rendered == markup.render(body, unsafe_html=True)
    assert 'href="https://example.org/a?b=1&amp;c=2"' in rendered
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in rendered
    assert "AT&amp;T &amp; &copy; a &lt; b" in rendered


@pytest.mark.parametrize("body, kept", [
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ('A picture <img src=x onerror="alert(1)"> here.', '<img src=x onerror="alert(1)">'),
    ('<iframe src="https://example.org/embed"></iframe>', '<iframe src="https://example.org/embed"></iframe>'),
    ('<div markdown="1">\n*x*\n</div>', "<div>\n<p><em>x</em></p>\n</div>"),
    ("[click me](javascript:alert(1))", '<a href="javascript:alert(1)">click me</a>'),  # as Hugo's unsafe does
])
def test_unsafe_html_lets_raw_html_through_as_before(body, kept):
    assert kept in markup.render(body, unsafe_html=True)
    assert kept not in markup.render(body)


def test_seed_text_renders_the_same_in_both_modes():
    body = markup.literal("<script>alert(1)</script> [x](javascript:alert(1)) &amp; <b>bold</b>")
    assert markup.render(body) == markup.render(body, unsafe_html=True)
    assert shown(body) == "<script>alert(1)</script> [x](javascript:alert(1)) &amp; <b>bold</b>"


HOSTILE_PIECES = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<iframe src=x>", "<b>",
    "</b>", '<div markdown="1">', "</div>", '<p markdown="1">', "<!--", "-->", "<", ">", "[x](", "![y](", "[x]",
    "[x][r]", "\n[r]: ", ")", "]", "[", "(", "javascript:", "JaVaScRiPt:", "java\tscript:", "java\nscript:",
    "&#106;", "&#x6A;avascript:", "&#0000106;", "&Tab;", "&NewLine;", "&colon;", "vbscript:", "data:",
    "data:text/html,", "data:image/png;base64,", "alert(1)", '{: onclick="alert(1)" }',
    '{: href="javascript:alert(1)" }', "{: src=javascript:x }", "```", "~~~", "{ .py onclick=x }",
    "    ", "\t", " ", "\n", "\n\n", '"', "'", "`", "*", "_", "&", "&amp;", "\\", "\x00", "\x01", "\x0b",
    "\u200b", "\ufeff", "1. ", "> ", "- ", "# ", "|", "<http://example.org>", "<me@example.org>",
])
HOSTILE_TEXT = st.lists(HOSTILE_PIECES | st.text(max_size=3), min_size=1, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)  # 30,000 examples found nothing either
@given(HOSTILE_TEXT)
def test_no_body_renders_anything_that_runs(body):
    assert script_problems(markup.render(body)) == []


def test_the_property_checker_sees_what_it_must():
    """script_problems is the oracle above: it must catch each kind of thing it looks for."""
    assert script_problems("<script>x</script>") == ["<script", "<script>"]
    assert script_problems('<p onclick="x">a</p>') == ["<p onclick=>"]
    assert script_problems('<a href=" &#106;ava&Tab;script:x">a</a>') == ["<a href=' java\\tscript:x'>"]
    assert script_problems('<img src="data:text/html,x">') == ["<img src='data:text/html,x'>"]
    assert script_problems('<img src="data:image/png;base64,AAAA"> <a href="https://x/">a</a>') == []


def test_a_site_shows_hostile_bodies_harmlessly_and_unsafe_html_is_a_real_switch(make_site):
    """End to end: the article page, then the same site with unsafe_html flipped, built incrementally,
    equals a clean build (the setting is part of the rendered-body cache key)."""
    from sitegen.build import BuildOptions, build
    from tests.conftest import read_page
    from tests.test_incremental import snapshot

    body = ("Before <script>alert('owned')</script> after.\n\n"
            "[click me](javascript:alert(1)) and ![a picture](&#106;avascript:alert(1))\n\n"
            '<iframe src="https://example.org/embed"></iframe>')
    config = make_site({"sitegen.yaml": "title: Safe\nsearch: false\n",
                        "content/a.md": article("Hostile", body=body, slug="hostile")})
    build(config, BuildOptions(jobs=1))
    page = read_page(config.output_path, "/2023/09/19/hostile/")
    assert "Before alert('owned') after." in page.text
    assert "click me" in page.text and "javascript:" not in page.html.lower()
    assert "<!-- raw HTML omitted -->" in page.html and "<iframe" not in page.html

    (config.root / "sitegen.yaml").write_text("title: Safe\nsearch: false\nunsafe_html: true\n", encoding="utf-8")
    unsafe = load_config(config.root)
    build(unsafe, BuildOptions(jobs=1))
    page = read_page(config.output_path, "/2023/09/19/hostile/")
    assert "<script>alert('owned')</script>" in page.html
    assert '<iframe src="https://example.org/embed"></iframe>' in page.html
    incremental = snapshot(config.output_path)
    build(unsafe, BuildOptions(jobs=1, clean=True))
    assert snapshot(config.output_path) == incremental
