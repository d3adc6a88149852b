"""Fuzzing the inputs a writer controls: seeds, front matter, Markdown bodies and whole content files.

Whatever the text, sitegen answers with its own errors (``path:line: message``), never a traceback; and valid
seeds survive convert -> load -> render with every headline, date, author, tag and paragraph intact.
The example counts are in each test's ``settings``; test_convert.py, test_frontmatter.py and test_urls.py hold
the narrower properties (literal seed text, dumped titles, slugs) this file does not repeat.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.content import frontmatter, load
from sitegen.core.errors import ContentError
from sitegen.seeds.convert import convert_seeds, read_seed

UTC = ZoneInfo("UTC")
HUGE = "word " * 40_000  # a 200,000-character line
FRAGMENTS = ["\r\n", "\r", "\n", "\n\n", "\ufeff", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\t",
             "    ", "---", "+++", "date 2023-09-19 ", "date 2023-02-30 ", "By ", "by Jane Doe and Reuters",
             "title: ", "date: ", "tags: ", "authors: ", ": ", "[", "]", "{", "}", "&a ", "*a", "<<: *a", "!!binary ",
             "!!python/name:os.system", "!!timestamp ", "'", '"', "\\", "&amp;", "<script>", "</p>", "*", "_",
             "# ", "> ", "1. ", "```", "[x](javascript:alert(1))", "<!--", "]]>", "{{ 7*7 }}", "🙂", "中文", "עברית",
             "9999-12-31", "0001-01-01", "2023-09-19T25:00:00+99:00", "1e999", "-.inf", ".nan", "~", "null",
             "yes", "no", HUGE]
# Any text a UTF-8 file can hold (no lone surrogates), mixed with the pieces that matter to the parsers.
ANY_TEXT = st.lists(st.one_of(st.text(st.characters(blacklist_categories=["Cs"]), max_size=30),
                              st.sampled_from(FRAGMENTS)), max_size=25).map("".join)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(text: str) -> None:
    """Load one content file as a build does; only sitegen's own errors may come out."""
    try:
        load.parse_article(text, Path("content/x.md"), UTC)
    except ContentError:
        pass
    except load._Errors as exc:  # load_articles unpacks these into ContentErrors  # noqa: SLF001
        assert exc.errors and all(isinstance(e, ContentError) for e in exc.errors)
        for error in exc.errors:
            assert str(error).startswith("content/x.md")


# --- (a) seeds --------------------------------------------------------------------------------------------


@FAST
@given(text=ANY_TEXT, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_seed_text_is_a_seed_or_a_content_error(text, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.txt"
        path.write_bytes(text.encode(encoding, "replace"))
        try:
            seed, _warnings = read_seed(path)
        except ContentError as exc:
            assert exc.path == path and "\n" not in exc.message
        else:
            assert seed.title and seed.paragraphs


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_seed_bytes_are_a_seed_or_a_content_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.txt"
        path.write_bytes(b"date 2023-09-19 Headline\n\n" + data)
        try:
            read_seed(path)
        except ContentError as exc:
            assert exc.path == path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(ANY_TEXT.map(lambda t: "date 2023-09-19 Headline\n\n" + t), min_size=1, max_size=3))
def test_convert_seeds_reports_every_bad_seed_and_writes_the_rest(texts):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "seeds").mkdir()
        for i, text in enumerate(texts):
            (root / "seeds" / f"{i:03d}.txt").write_text(text, encoding="utf-8")
        report = convert_seeds(root / "seeds", root / "content", root)
        assert len(report.written) + len(report.errors) == len(texts)
        for path in report.written:  # what the converter writes, the loader reads without complaint
            load.parse_article(path.read_text(encoding="utf-8"), path, UTC)


# --- (b, c, d) content files ------------------------------------------------------------------------------


@FAST
@given(block=ANY_TEXT)
def test_any_front_matter_is_an_article_or_content_errors(block):
    parse(f"---\n{block}\n---\nBody text.\n")
    parse(f"+++\n{block}\n+++\nBody text.\n")


@FAST
@given(block=ANY_TEXT)
def test_any_front_matter_after_a_title_and_date(block):
    parse(f"---\ntitle: Headline\ndate: 2023-09-19\n{block}\n---\nBody text.\n")


@FAST
@given(body=ANY_TEXT)
def test_any_markdown_body_renders(body):
    try:
        article, html = load.parse_article(f"---\ntitle: Headline\ndate: 2023-09-19\n---\n{body}", Path("x.md"), UTC)
    except ContentError as exc:  # the one thing a body can get wrong: characters no page can show
        assert "contains the control character" in exc.message
        return
    assert article.title == "Headline" and isinstance(html, str)
    assert len(article.summary) <= 301


@FAST
@given(text=ANY_TEXT)
def test_any_whole_content_file(text):
    parse(text)
    parse("---\n" + text)


# --- valid seeds round-trip -------------------------------------------------------------------------------

_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))
_WORD = st.text(_PRINTABLE, min_size=1, max_size=12)
_LINE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
_MARKUP = st.sampled_from(["<b>x</b>", "&amp;", "*y*", "_z_", "[a](b)", "`c`", "\\", "# h", "1.", "> q", "<!--",
                           "]]>", "{{ 7*7 }}", "<script>alert(1)</script>", "&#x41;", "a\u00a0b", "|a|b|"])
_PARAGRAPH_LINE = st.lists(st.one_of(_WORD, _MARKUP), min_size=1, max_size=10).map(" ".join)
_PARAGRAPH = st.lists(_PARAGRAPH_LINE, min_size=1, max_size=3).map("\n".join).filter(
    lambda p: not p.lower().startswith("by "))
_AUTHORS = st.lists(st.sampled_from(["Jane Doe", "Reuters", "Staff", "Agencies", "Ali Khan", "María López"]),
                    unique=True, max_size=3)


def _byline(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Paragraphs(HTMLParser):
    """The text of each top-level <p> of a rendered body, entities decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "p":
            self.texts.append("")
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.texts[-1] += data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_LINE, day=st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)), authors=_AUTHORS,
       paragraphs=st.lists(_PARAGRAPH, min_size=1, max_size=5), crlf=st.booleans(), bom=st.booleans())
def test_valid_seeds_round_trip_through_convert_and_load(title, day, authors, paragraphs, crlf, bom):
    lines = [f"date {day.isoformat()} {title}", ""]
    if authors:
        lines += [f"By {_byline(authors)}", ""]
    text = "\n".join(lines) + "\n\n".join(paragraphs) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "seeds").mkdir()
        (root / "seeds" / "a.txt").write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
        report = convert_seeds(root / "seeds", root / "content", root)
        assert not report.errors and len(report.written) == 1
        content = report.written[0].read_text(encoding="utf-8")
    meta, _body, _line = frontmatter.split(content, "x.md")
    article, html = load.parse_article(content, Path("x.md"), UTC)
    assert article.title == title
    assert article.date.date() == day
    assert [a.name for a in article.authors] == authors
    assert [t.name for t in article.tags] == meta.get("tags", [])
    assert Paragraphs(html).texts == paragraphs


# --- end to end: the command line never shows a traceback -------------------------------------------------


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=ANY_TEXT, front=ANY_TEXT, body=ANY_TEXT)
def test_building_fuzzed_content_exits_0_or_1_without_a_traceback(seed, front, body):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for rel, text in {"seeds/a.txt": "date 2023-09-19 Headline\n\n" + seed, "seeds/b.txt": seed,
                          "content/c.md": f"---\ntitle: T\ndate: 2023-09-19\n{front}\n---\n{body}",
                          "content/d.md": f"---\ntitle: U\ndate: 2023-09-18\n---\n{body}"}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        (root / "sitegen.yaml").write_text("search: false\n")
        result = subprocess.run([sys.executable, "-m", "sitegen.cli", "-C", str(root), "build", "-j", "1",
                                 "--now", "2023-09-19"], capture_output=True, text=True, timeout=60)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        if result.returncode == 1:
            assert "error: " in result.stderr

