import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import markup


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
        assert fast == markup.render_markdown(source)


@settings(max_examples=1500, deadline=None)
@given(PLAIN_TEXT)
def test_fast_path_output_is_identical_to_python_markdown_for_any_text(source):
    fast = markup.plain_paragraphs(source)
    if fast is not None:
        assert fast == markup.render_markdown(source)


def test_fast_path_takes_converted_seed_bodies():
    body = "\n\n".join(markup.literal(p) for p in ["1. Not a list", "Plain *text* & more > less", "    indented"])
    assert markup.plain_paragraphs(body) == markup.render_markdown(body)
