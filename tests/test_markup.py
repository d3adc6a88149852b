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


PIECES = st.sampled_from(list("ab cZ.,;:'\"!?()-+=~#>&|*_[]{}<`\\/%@$^1234567890\t\n é’—中\xa0\u3000\u2028")
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


# --- the fast path for formatted bodies (issue #14): equal to Python-Markdown, or not taken -----------

def same_as_python_markdown(source: str) -> str | None:
    """The fast path's HTML for ``source``, asserted equal to Python-Markdown's in both modes when taken."""
    fast = markup.simple_markdown(source)
    if fast is not None:
        assert fast == markup.render_markdown(source) == markup.render_markdown(source, unsafe_html=True), source
    return fast


SAFE_WORD = st.sampled_from(["news", "Kyiv", "talks", "2024", "é", "中文", "O'Neil", '"quoted"', "x", "AT&T", "a&b",
                             "&amp;", "&copy;", "&#169;", "&#x41;", "&#X41;", "&;", "(aside)", "end.",
                             "well,", "why?", "yes!", "a:b", "100%", "$5", "@me", "\\*", "\\_", "\\[", "\\]",
                             "\\>", "\\\\", "\\#", "\\(", "\\."])
# Words the grammar takes in the middle of a line only, or leaves to Python-Markdown: block markers, and
# marks inside a word
WORD = SAFE_WORD | st.sampled_from(["1 > 0", "&#xZZ;", "&#169", "&copy", "&\\#169;", "^", "~", "=", "#", "+",
                                    "-", "1.", "snake_case", "2*3", ":"])
# URLs: ordinary ones, and ones with what a URL may hold that matters to HTML or to SafeHtml
SAFE_URL = st.sampled_from(["https://example.org/", "https://example.org/a_b/c?d=1&e=2", "http://x.org/%20y#frag",
                            "/2024/01/02/slug/", "#section", "mailto:desk@example.org", "relative/page.html",
                            "a&amp;b", "x&lt;y", "https://e.org/~u/!$,;=:@+", "ftp://x"])
URL = SAFE_URL | st.sampled_from(["javascript:alert", "JavaScript:x", "&#106;avascript:x", "data:text/html,x",
                                  "vbscript:x", "file:///etc", "https://e.org/a*b"])


@st.composite
def inline_text(draw, near_misses: bool, safe: bool = False) -> str:
    """A run of words, emphasis and links; with near misses, also marks and brackets that are not quite.
    ``safe``: only what the fast path must take (words apart, none that starts a line with a block marker)."""
    words = SAFE_WORD if safe else WORD
    pieces = [draw(SAFE_WORD if safe else WORD)]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["word"] * 3 + ["em", "link"] + (["miss"] * 2 if near_misses else [])))
        if kind == "word":
            piece = draw(words)
        elif kind == "em":
            mark = draw(st.sampled_from(["*", "**", "_", "__"]))
            inner = " ".join(draw(st.lists(words, min_size=1, max_size=3)))
            piece = f"{mark}{inner}{mark}"
        elif kind == "link":
            text = " ".join(draw(st.lists(words, min_size=1, max_size=3)))
            piece = f"[{text}]({draw(SAFE_URL if safe else URL)})"
        else:
            piece = draw(st.sampled_from([
                "*", "**", "_", "***x***", "*x", "x*", "* x*", "*x *", "a*b*c", "_a_b", "a_b_", "__x_", "*x_",
                "**x*", "*x**", "![img](x.png)", "[^1](x)", "[^1]", "[x]", "[x] (y)", "[x](y z)", '[x](y "t")',
                "[x](<y>)", "[x](y(z))", "[ x ](y)", "[*x*](y)", "*[x](y)*", "[x]()", "[x][y]", "]", "[", "<b>",
                "<http://x.org>", "`code`", "{: .c}", "a | b", "  ", "\t", "*\\**", "_\\__", "&", "&#", "\\",
                "\\a", "a\\", "x  \ny", "\nmore", "\n- item", "\n# h", "\n> q", "\n1. n", "\n===", "\n---",
                "\n: def", "\n    code", "\n*[HTML]: Hyper", "\n[r]: http://x", "\n[^1]: note", "\n~~~", "\n***",
            ]))
        pieces.append(piece)
    return " ".join(pieces) if safe else "".join(p + draw(st.sampled_from([" ", " ", ""])) for p in pieces).strip()


@st.composite
def formatted_body(draw, near_misses: bool = False, safe: bool = False) -> str:
    """A body of paragraphs, headings, lists and quotations as people write them (and near misses)."""
    blocks: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        text = inline_text(near_misses, safe)
        kinds = ["p", "p", "h", "ul", "ol", "quote"]
        if safe and blocks and blocks[-1][0] in "-*+>123456789":  # two lists or quotes in a row are one
            kinds = ["p", "h"]
        kind = draw(st.sampled_from(kinds + (["miss"] if near_misses else [])))
        if kind == "p":
            block = "\n".join(draw(st.lists(text, min_size=1, max_size=3)))
        elif kind == "h":
            block = "#" * draw(st.integers(1, 6)) + " " + draw(text)
        elif kind == "ul":
            mark = draw(st.sampled_from("-*+"))
            block = "\n".join(f"{mark} {item}" for item in draw(st.lists(text, min_size=1, max_size=4)))
        elif kind == "ol":
            first = draw(st.sampled_from([1, 1, 2, 10]))
            block = "\n".join(f"{first + i}. {item}" for i, item in enumerate(draw(st.lists(text, min_size=1,
                                                                                              max_size=4))))
        elif kind == "quote":
            block = "\n".join(f"> {line}" for line in draw(st.lists(text, min_size=1, max_size=3)))
        else:
            block = draw(st.sampled_from(["#x", "####### x", "## x #", "##", "- a\nb", "-x", "1) x", "01. x",
                                          "1.x", "- a\n1. b", "1. a\n- b", "- a\n  - b", ">x", "> a\nb", ">",
                                          " p", "    code", "p ", "- a\n\n- b", "> a\n\n> b", "1. a\n\n2. b",
                                          "---", "* * *", "___", "===", "a\n---", "a\n===", "- # x", "- > x",
                                          "> - x", "> # x", "- [x](y)", "\n", "", "  ", "#\tx", "- ", "1. "]))
        blocks.append(block)
    separator = draw(st.sampled_from(["\n\n"] * 6 + (["\n", "\n\n\n", "\n \n"] if near_misses else [])))
    return separator.join(blocks) + draw(st.sampled_from(["", "\n", "\n\n"] if near_misses else ["", "\n"]))


MUTATIONS = st.sampled_from(list("*_[]()!#>-+=~:^&\\ \n1.`<{|\xa0\u3000")
                            + ["\n\n", "**", "__", "](", "![", "[^", "  \n", "\n- ", "\n1. ", "\n> ", "\n## ", "&amp",
                               "#x"])


@st.composite
def mutated(draw, bodies: st.SearchStrategy[str]) -> str:
    """A body the fast path takes, with one to three characters or marks put in, taken out or doubled anywhere:
    the near misses nobody thought to list."""
    body = draw(bodies)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["insert", "insert", "delete", "double"]))
        if action == "insert":
            body = body[:at] + draw(MUTATIONS) + body[at:]
        elif action == "delete":
            body = body[:at] + body[at + 1:]
        else:
            body = body[:at] + body[at:at + 1] * 2 + body[at + 1:]
    return body


@settings(max_examples=2000, deadline=None)
@given(formatted_body(safe=True))
def test_formatted_fast_path_is_identical_to_python_markdown(body):
    assert same_as_python_markdown(body) is not None, body  # and taken: the constructs it knows


@settings(max_examples=3000, deadline=None)
@given(mutated(formatted_body(safe=True)))
def test_formatted_fast_path_is_identical_to_python_markdown_for_mutated_bodies(body):
    same_as_python_markdown(body)


@settings(max_examples=1500, deadline=None)
@given(formatted_body())
def test_formatted_fast_path_is_identical_to_python_markdown_for_words_of_every_kind(body):
    same_as_python_markdown(body)


@settings(max_examples=1500, deadline=None)
@given(formatted_body(near_misses=True))
def test_formatted_fast_path_is_identical_to_python_markdown_for_near_misses(body):
    same_as_python_markdown(body)


@settings(max_examples=1500, deadline=None)
@given(PLAIN_TEXT)
def test_formatted_fast_path_is_identical_to_python_markdown_for_any_text(source):
    same_as_python_markdown(source)


def test_formatted_fast_path_takes_what_people_write():
    """Not a path that refuses everything: the common constructs are taken, and written as Markdown does."""
    body = ("Officials said *on Monday* that **talks** would _resume_ in [Geneva](https://example.org/a_b?x=1&y=2)"
            " & __elsewhere__.\n\n## What comes next\n\n- The first *point*\n- A [second](/2024/01/) one\n\n"
            "3. Third\n4. Fourth\n\n> Quoted *words*, a > b.\n> Second line\n\nEscaped \\*stars\\* &amp; AT&T.")
    assert same_as_python_markdown(body) == (
        '<p>Officials said <em>on Monday</em> that <strong>talks</strong> would <em>resume</em> in '
        '<a href="https://example.org/a_b?x=1&amp;y=2">Geneva</a> &amp; <strong>elsewhere</strong>.</p>\n'
        "<h2>What comes next</h2>\n<ul>\n<li>The first <em>point</em></li>\n"
        '<li>A <a href="/2024/01/">second</a> one</li>\n</ul>\n<ol start="3">\n<li>Third</li>\n<li>Fourth</li>\n'
        "</ol>\n<blockquote>\n<p>Quoted <em>words</em>, a &gt; b.\nSecond line</p>\n</blockquote>\n"
        "<p>Escaped *stars* &amp; AT&amp;T.</p>")


@pytest.mark.parametrize("body", [
    "![img](x.png)", "a [^1](x) b", "[x][r]\n\n[r]: https://e.org/", "- a\n\n- b", "> a\n\n> b", "1. a\n\n2. b",
    "- a\n  - b", "a\n---", "a\n===", "* * *", "x  \ny", "`code`", "*[HTML]: Hyper Text\n\nHTML", "a\n: def",
    "[click](javascript:alert)", "[click](&#106;avascript:x)", "text <b>bold</b>", "# Heading #", "    code",
    "| a | b |\n|---|---|\n| 1 | 2 |", "para\n{: .c}", "~~~\ncode\n~~~", "a_b_c and _d_", "a*b*c",
    "&#169 without its semicolon", "&\\#169; an escaped hash", "\xa0starts with a no-break space",
    "## Ends in one\u3000",
])
def test_formatted_fast_path_leaves_other_markdown_to_python_markdown(body):
    """Constructs the grammar does not take, or takes only where Markdown reads them one way, go to the parser:
    the fast path returns None (so render() is Python-Markdown's output)."""
    assert markup.simple_markdown(body) is None
    assert markup.render(body) == markup.render_markdown(body)
