"""Seeds to content files: what a writer gets on disk and what a reader sees on the page."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import frontmatter, markup
from sitegen.core.errors import ContentError
from sitegen.seeds.convert import (
    ConvertReport,
    Seed,
    content_for,
    convert_seeds,
    parse_seed,
    read_seed,
    summary_of,
)
from tests.conftest import article, read_page, write_files

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = FIXTURES / "seeds"
INVALID = FIXTURES / "invalid_seeds"
SHIPPED = Path(__file__).resolve().parent.parent / "seeds" / "000_7bc5453d4a4e7406.txt"
KEYS = ["title", "date", "authors", "tags", "slug", "summary", "source"]


class Paragraphs(HTMLParser):
    """The text of each rendered <p>, and every tag the HTML used."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tags: set[str] = set()
        self._inside = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.add(tag)
        if tag == "p":
            self.texts.append("")
            self._inside = True

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "p"

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.texts[-1] += data


def shown(seed: Seed) -> Paragraphs:
    """Convert, read the file back like the loader does, render the body: what a reader sees."""
    _meta, body, _line = frontmatter.split(content_for(seed, "slug", "seeds/x.txt"), "x.md")
    return Paragraphs(markup.render(body))


def parse(text: str) -> Seed:
    return parse_seed(text, Path("seeds/x.txt"))


# --- the shipped seed and the content format -----------------------------------------------------------


def test_shipped_seed_becomes_the_documented_content_file():
    seed, warnings = read_seed(SHIPPED)
    assert warnings == []
    assert seed.title == "China’s FM in Moscow: Bilateral Relations, Ties with West on Top"
    assert seed.date == datetime.date(2023, 9, 19)
    assert (seed.byline, seed.authors) == ("Staff, Agencies", ("Staff", "Agencies"))
    assert len(seed.paragraphs) == 10
    assert seed.paragraphs[0].startswith("China’s foreign minister Wang Yi has held talks")

    text = content_for(seed, "chinas-fm-in-moscow-bilateral-relations-ties-with-west-on-top",
                       "seeds/000_7bc5453d4a4e7406.txt")
    meta, body, _ = frontmatter.split(text, "x.md")
    assert list(meta) == KEYS
    assert meta["title"] == seed.title and meta["date"] == seed.date
    assert meta["authors"] == ["Staff", "Agencies"]
    assert {"China", "Russia", "Ukraine", "Wang Yi", "Sergey Lavrov"} <= set(meta["tags"])
    assert meta["summary"] == seed.paragraphs[0]
    assert meta["source"] == "seeds/000_7bc5453d4a4e7406.txt"
    assert text.splitlines()[1:3] == [f'title: "{seed.title}"', "date: 2023-09-19"]
    assert Paragraphs(markup.render(body)).texts == list(seed.paragraphs)


def test_no_byline_means_no_authors_key():
    meta, _body, _ = frontmatter.split(content_for(parse("date 2023-01-02 Hello\n\nText.\n"), "s", "x"), "x")
    assert "authors" not in meta and list(meta) == [k for k in KEYS if k != "authors"]


# --- every valid edge case shows the seed's characters -------------------------------------------------

EXPECTED = {  # file: (title, byline, number of paragraphs, first paragraph)
    "bom_crlf.txt": ("Kyiv and Moscow Trade Blame Over Drone Strike", "Staff, Agencies", 2,
                     "Ukraine and Russia traded blame on Wednesday after a drone struck a depot near Kyiv."),
    "lone_cr.txt": ("Old Mac Line Ends", "Reuters", 2, "The first paragraph ends with a lone CR."),
    "liberal_layout.txt": ("Extra Blank Lines and Trailing Spaces", None, 2,
                           "The first paragraph starts right after the headline,\n"
                           "and wraps onto a second line."),
    "non_latin.txt": ("Путин и Си Цзиньпин провели переговоры в Пекине", None, 2,
                      "Владимир Путин и Си Цзиньпин обсудили торговлю."),
    "yaml_special.txt": (
        "- Breaking: \"Quotes\" 'single' #hash [a] {b} & *star* | pipe > gt % @at `tick` ---",
        "Jane Doe", 1, "A headline that YAML would love to misread."),
    "markdown_lookalike.txt": ("Text That Looks Like Markdown", None, 13,
                               "1. This line looks like a list but is text."),
    "by_sentence.txt": ("Prices Rose All Year", None, 2, "By the end of the year, prices rose."),
    "byline_no_blank.txt": ("Byline Without a Blank Line", "John Smith and Jane Doe", 1,
                            "The text follows the byline directly."),
    "same_headline_afp.txt": ("Storm Hits Coast", "AFP", 1, "A storm hit the coast, AFP reports."),
    "same_headline_reuters.txt": ("Storm Hits Coast", "Reuters", 1,
                                  "A storm hit the coast, Reuters reports."),
    "windows_1252.txt": ("Café Owners “Relieved” — Prices Fall €2", None, 1,
                         "The café’s owner said “prices fell”."),
    "utf16.txt": ("Sent as UTF-16", None, 1, "Some editors save with a byte-order mark. Ünïcödé survives."),
}


def test_every_fixture_seed_is_described():
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_valid_seed_round_trips_and_renders_literally(name):
    title, byline, count, first = EXPECTED[name]
    seed, _warnings = read_seed(SEEDS / name)
    assert (seed.title, seed.byline, len(seed.paragraphs)) == (title, byline, count)
    assert seed.paragraphs[0] == first

    meta, _body, _ = frontmatter.split(content_for(seed, "a-slug", "seeds/x.txt"), "x.md")
    assert meta["title"] == title
    assert meta["date"] == seed.date
    assert meta.get("authors") == (list(seed.authors) if byline else None)
    page = shown(seed)
    assert page.texts == list(seed.paragraphs)
    assert page.tags == {"p"}


def test_fixture_bytes_were_not_normalised_by_git():
    # These tests mean something only if the fixtures keep their bytes (see .gitattributes advice).
    assert (SEEDS / "bom_crlf.txt").read_bytes().startswith(b"\xef\xbb\xbf date")
    assert b"\r\n" in (SEEDS / "bom_crlf.txt").read_bytes()
    assert b"\r" in (SEEDS / "lone_cr.txt").read_bytes() and b"\n" not in (SEEDS / "lone_cr.txt").read_bytes()


def test_markdown_and_html_lookalikes_stay_text():
    seed, _ = read_seed(SEEDS / "markdown_lookalike.txt")
    page = shown(seed)
    assert page.tags == {"p"}  # no list, heading, quote, code, emphasis, link, image, table or script
    assert page.texts[3] == "> Not a quote."
    assert page.texts[4] == "    Four spaces, not code."
    assert page.texts[6] == ("Entities stay as typed: &amp; &copy; &#169; and a lone & too; "
                             "backslashes \\ \\\\ \\* stay.")
    assert page.texts[7] == "Tabs\tstay\ttabs and non\u00a0breaking\u00a0spaces stay."


def test_windows_1252_seed_is_read_with_a_warning():
    seed, warnings = read_seed(SEEDS / "windows_1252.txt")
    assert warnings == [f"{SEEDS / 'windows_1252.txt'}:1: not UTF-8 (byte 0xE9 on this line is not); read as "
                        "Windows-1252 — check the text and re-save it as UTF-8"]
    assert "Ã" not in seed.title + seed.paragraphs[0]


def test_trailing_spaces_go_but_leading_ones_stay():
    seed = parse("date 2023-01-02 Hello   \n\n  indented   \nnext line\t \n")
    assert seed.title == "Hello"
    assert seed.paragraphs == ("  indented\nnext line",)


@pytest.mark.parametrize(("line", "expected"), [
    ("By Staff, Agencies", ("Staff", "Agencies")),
    ("By John Smith and Jane Doe", ("John Smith", "Jane Doe")),
    ("By Reuters", ("Reuters",)),
    ("BY AFP", ("AFP",)),
    ("By Ann Lee, Bo Chen, and Cy Diaz", ("Ann Lee", "Bo Chen", "Cy Diaz")),
    ("By Ludwig van Beethoven & Sam Smith Jr.", ("Ludwig van Beethoven", "Sam Smith Jr.")),
    ("By Reuters.", ("Reuters",)),
    ("By the end of the year, prices rose.", None),
    ("By Monday, officials had agreed to talk.", None),
    ("By Tuesday the ceasefire had collapsed", None),
    ("By" + " Very Long Name" * 10, None),
    ("Byron Smith wrote this", None),
])
def test_byline_or_first_sentence(line, expected):
    seed = parse(f"date 2023-01-02 Headline\n\n{line}\n\nText.\n")
    if expected is None:
        assert (seed.byline, seed.authors, seed.paragraphs[0]) == (None, (), line)
    else:
        assert seed.authors == expected and seed.paragraphs == ("Text.",)


def test_summary_is_cut_at_a_word_boundary():
    long = " ".join(["word"] * 50) + "\nand " + "x" * 30 + " " + "more " * 60
    summary = summary_of(long)
    assert len(summary) <= 300 and summary.endswith("…")
    assert " ".join(long.split()).startswith(summary[:-1]) and not summary[:-1].endswith(" ")
    assert summary_of("Short.\nTwo lines.") == "Short. Two lines."
    assert len(summary_of("字" * 500)) == 300  # no spaces at all: cut anyway


def test_very_long_article_is_fast_and_complete():
    paragraphs = [f"Paragraph {i}: *not* <b>bold</b> & 1. text with Wang Yi and Russia." for i in range(5000)]
    text = "date 2023-01-02 A Long One\n\nBy Staff\n\n" + "\n\n".join(paragraphs) + "\n"
    started = time.perf_counter()
    seed = parse(text)
    content = content_for(seed, "a-long-one", "seeds/long.txt")
    elapsed = time.perf_counter() - started
    assert len(seed.paragraphs) == 5000 and content.count("\n\n") >= 4999
    assert elapsed < 3


_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
_LINE = st.text(_PRINTABLE, min_size=1, max_size=40).map(str.rstrip).filter(lambda s: s.strip() != "")
_PARAGRAPH = st.lists(_LINE, min_size=1, max_size=3).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(title=_LINE.map(str.strip), paragraphs=st.lists(_PARAGRAPH, min_size=1, max_size=4))
def test_any_printable_text_reaches_the_page_literally(title, paragraphs):
    text = f"date 2023-01-02 {title}\n\nBy Staff\n\n" + "\n\n".join(paragraphs) + "\n"
    seed = parse(text)
    assert seed.paragraphs == tuple(paragraphs)
    meta, _body, _ = frontmatter.split(content_for(seed, "s", "x"), "x.md")
    assert meta["title"] == title
    assert shown(seed).texts == paragraphs


# --- bad seeds ----------------------------------------------------------------------------------------

INVALID_MESSAGES = {
    "empty.txt": (1, "the seed is empty: write 'date YYYY-MM-DD Headline' on the first line, then the "
                     "article's paragraphs"),
    "blank_only.txt": (1, "the seed is empty: write 'date YYYY-MM-DD Headline' on the first line, then the "
                          "article's paragraphs"),
    "no_date_line.txt": (1, "the first line must be 'date YYYY-MM-DD Headline', but it is "
                            "'Hello there, this is a headline without…'"),
    "bad_date_format.txt": (1, "'19/09/2023' is not a date in YYYY-MM-DD form: write the first line as "
                               "'date YYYY-MM-DD Headline'"),
    "impossible_date.txt": (1, "2023-02-30 is not a real date (February 2023 has 28 days): fix the date on "
                               "the first line"),
    "no_month_13.txt": (1, "2023-13-01 is not a real date (there is no month 13): fix the date on the "
                           "first line"),
    "no_headline.txt": (2, "the first line has the date 2023-09-19 but no headline: write the headline after "
                           "the date"),
    "no_text.txt": (1, "'A Headline Alone' has no article text: add the article's paragraphs after "
                       "the byline"),
    "not_utf8.txt": (4, "is not UTF-8 text: byte 0x81 cannot be read as UTF-8 or as Windows-1252; re-save "
                        "the file as UTF-8"),
    "nul_bytes.txt": (1, "contains a NUL byte (0x00), so it is not plain text (UTF-16 without a byte-order "
                         "mark?): re-save the file as UTF-8"),
    "mixed_encoding.txt": (4, "mixes UTF-8 with another encoding: byte 0x93 is not UTF-8, though other text "
                              "is; re-save the file as UTF-8"),
    "control_char.txt": (3, "contains the control character U+0007, which a page cannot show: delete it"),
}


def test_every_invalid_fixture_has_its_message():
    assert sorted(p.name for p in INVALID.glob("*.txt")) == sorted(INVALID_MESSAGES)


@pytest.mark.parametrize("name", sorted(INVALID_MESSAGES))
def test_bad_seed_says_where_and_what_to_fix(name):
    line, message = INVALID_MESSAGES[name]
    with pytest.raises(ContentError) as caught:
        read_seed(INVALID / name)
    assert (caught.value.path, caught.value.line, caught.value.message) == (INVALID / name, line, message)
    assert str(caught.value) == f"{INVALID / name}:{line}: {message}"


def test_first_line_without_a_date():
    with pytest.raises(ContentError, match=r":1: the first line has no date: write it as 'date YYYY-MM-DD"):
        parse("date\n\nText.\n")


def test_a_folder_named_like_a_seed_is_an_error(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ContentError) as caught:
        read_seed(tmp_path / "folder.txt")
    assert str(caught.value) == (f"{tmp_path / 'folder.txt'}: is a folder, not a seed file: rename it so "
                                 "that it does not end in .txt")


def test_an_unreadable_seed_is_an_error(tmp_path, monkeypatch):
    seed = tmp_path / "locked.txt"
    seed.write_text("date 2023-01-02 Hi\n\nText.\n")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ContentError) as caught:
        read_seed(seed)
    assert str(caught.value) == f"{seed}: cannot read the seed: Permission denied"


# --- converting a folder ------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def run(site: Path, force: bool = False) -> ConvertReport:
    return convert_seeds(site / "seeds", site / "content", site, force=force)


def front(path: Path) -> dict:
    return frontmatter.split(path.read_text(encoding="utf-8"), path)[0]


def test_convert_writes_one_named_file_per_seed(site):
    report = run(site)
    assert report.errors == [] and report.skipped == []
    assert len(report.written) == len(EXPECTED)
    assert report.warnings == [f"{site / 'seeds/windows_1252.txt'}:1: not UTF-8 (byte 0xE9 on this line is not); "
                               "read as Windows-1252 — check the text and re-save it as UTF-8"]
    assert sorted(report.written) == sorted((site / "content").iterdir())
    for path in report.written:
        meta = front(path)
        assert path.name == f"{meta['date'].isoformat()}-{meta['slug']}.md"
        assert meta["source"].startswith("seeds/") and (site / meta["source"]).is_file()
    non_latin = front(site / "content/2023-09-23-putin-i-si-tszinpin-proveli-peregovory-v-pekine.md")
    assert non_latin["source"] == "seeds/non_latin.txt"


def test_same_headline_same_day_gets_distinct_urls_in_file_name_order(site):
    run(site)
    first = front(site / "content/2023-09-28-storm-hits-coast.md")
    second = front(site / "content/2023-09-28-storm-hits-coast-2.md")
    assert (first["source"], first["slug"]) == ("seeds/same_headline_afp.txt", "storm-hits-coast")
    assert (second["source"], second["slug"]) == ("seeds/same_headline_reuters.txt", "storm-hits-coast-2")


def test_a_slug_taken_by_an_existing_content_file_is_not_reused(site):
    (site / "content").mkdir()
    hand = site / "content/storm.md"
    hand.write_text('---\ntitle: "Mine"\ndate: 2023-09-28\nslug: storm-hits-coast\n---\nHand written.\n')
    run(site)
    assert hand.read_text().endswith("Hand written.\n")
    content = site / "content"
    assert front(content / "2023-09-28-storm-hits-coast-2.md")["source"] == "seeds/same_headline_afp.txt"
    assert front(content / "2023-09-28-storm-hits-coast-3.md")["source"] == "seeds/same_headline_reuters.txt"


def test_hand_edits_survive_a_second_run_even_after_a_rename(site):
    first = run(site)
    edited = first.written[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAn editor's note.\n", encoding="utf-8")
    moved = site / "content/2023/renamed.md"
    moved.parent.mkdir()
    first.written[1].rename(moved)
    again = run(site)
    assert again.written == [] and again.errors == []
    assert sorted(again.skipped) == sorted((site / "seeds").iterdir())
    assert edited.read_text(encoding="utf-8").endswith("An editor's note.\n")
    assert not first.written[1].exists()


def test_force_regenerates_in_place_and_keeps_the_hand_edit_as_a_backup(site):
    first = run(site)
    target = site / "content/2023-09-28-storm-hits-coast-2.md"
    original = target.read_text(encoding="utf-8")
    edited = original.replace("Reuters reports.", "Reuters reports, edited.")
    target.write_text(edited, encoding="utf-8")
    moved = site / "content/elsewhere.md"
    (site / "content/2023-09-28-storm-hits-coast.md").rename(moved)
    untouched = {p: p.stat().st_mtime_ns for p in (site / "content").iterdir() if p != target}
    time.sleep(0.01)
    forced = run(site, force=True)
    assert forced.written == [target]
    assert target.read_text(encoding="utf-8") == original
    assert forced.backups == {target: site / "content/2023-09-28-storm-hits-coast-2.md~"}
    assert (site / "content/2023-09-28-storm-hits-coast-2.md~").read_text(encoding="utf-8") == edited
    # the same text as it would write: neither rewritten nor backed up (the moved file included)
    assert sorted(forced.unchanged) == sorted(untouched)
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched
    assert front(moved)["slug"] == "storm-hits-coast"
    assert len(list((site / "content").iterdir())) == len(first.written) + 1


def test_a_second_forced_run_numbers_its_backups_and_the_loader_skips_them(site):
    run(site)
    target = site / "content/2023-09-28-storm-hits-coast.md"
    versions = []
    for edit in ("first edit", "second edit", "third edit"):
        versions.append(target.read_text(encoding="utf-8") + f"\n{edit}\n")
        target.write_text(versions[-1], encoding="utf-8")
        run(site, force=True)
    backups = [site / "content" / name for name in ("2023-09-28-storm-hits-coast.md~",
                                                    "2023-09-28-storm-hits-coast.md.~2~",
                                                    "2023-09-28-storm-hits-coast.md.~3~")]
    assert [b.read_text(encoding="utf-8") for b in backups] == versions
    assert "edit" not in target.read_text(encoding="utf-8")
    # backups are not articles: the seeds still count as converted, once each
    again = run(site)
    assert again.written == [] and len(again.skipped) == len(EXPECTED)


def test_force_writes_seeds_that_have_no_content_file_yet(site):
    report = run(site, force=True)
    assert len(report.written) == len(EXPECTED)


def test_good_seeds_are_converted_and_every_bad_one_reported(site):
    for bad in INVALID.iterdir():
        shutil.copy(bad, site / "seeds" / f"bad_{bad.name}")
    (site / "seeds/nested").mkdir()
    (site / "seeds/nested/folder.txt").mkdir()
    (site / "seeds/.hidden.txt").write_text("not a seed")
    report = run(site)
    assert len(report.written) == len(EXPECTED)
    assert sorted(e.path.name for e in report.errors) == sorted(
        [f"bad_{name}" for name in INVALID_MESSAGES] + ["folder.txt"])
    assert all(isinstance(e, ContentError) and e.message for e in report.errors)


def test_broken_content_files_do_not_stop_the_scan(site):
    (site / "content").mkdir()
    (site / "content/broken.md").write_text("---\ntitle: [unclosed\n---\n")
    (site / "content/no_front_matter.md").write_text("Just text.\n")
    (site / "content/binary.md").write_bytes(b"\xff\xfe\x00junk")
    report = run(site)
    assert report.errors == [] and len(report.written) == len(EXPECTED)


def test_a_seed_outside_the_root_is_named_by_its_absolute_path(site, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "far.txt").write_text("date 2023-01-02 Far Away\n\nText.\n", encoding="utf-8")
    report = convert_seeds(elsewhere, site / "content", site)
    assert front(report.written[0])["source"] == (elsewhere / "far.txt").resolve().as_posix()
    assert convert_seeds(elsewhere, site / "content", site).skipped == [elsewhere / "far.txt"]


def test_no_seeds_folder_is_nothing_to_do(tmp_path):
    assert convert_seeds(tmp_path / "seeds", tmp_path / "content", tmp_path) == ConvertReport()


def test_the_same_long_headline_twice_on_one_day_builds_two_pages(tmp_path):
    from sitegen.build import BuildOptions, build
    from sitegen.core.config import load_config

    headline = "Workers profits defence strike regulator forecast election regulator opposition again and again"
    for name in ("a.txt", "b.txt"):
        (tmp_path / "seeds").mkdir(exist_ok=True)
        (tmp_path / "seeds" / name).write_text(f" date 2024-01-02 {headline}\n\nText of {name}.\n", encoding="utf-8")
    report = build(load_config(tmp_path), BuildOptions(jobs=1))
    assert report.articles == 2
    pages = sorted(p.parent.name for p in (tmp_path / "public/2024/01/02").glob("*/index.html"))
    assert len(pages) == 2 and pages[1] == pages[0] + "-2"


# --- what a user sees on the command line: backups, chosen seeds, deleted files, symlinks, odd names -----

SETTINGS = "title: T\nsearch: false\nbase_url: https://example.org/news/\n"
SEED_A = " date 2023-09-19 Alpha Story\n\nBy Reuters\n\nAlpha text.\n"
SEED_B = " date 2023-09-20 Beta Story\n\nBeta text.\n"
A_FILE, B_FILE = "content/2023-09-19-alpha-story.md", "content/2023-09-20-beta-story.md"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_files(site, {"sitegen.yaml": SETTINGS, "seeds/a.txt": SEED_A, "seeds/b.txt": SEED_B})
    return site


def cli(site: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from sitegen.cli import main

    code = main(["-C", str(site), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_force_on_one_named_seed_backs_up_the_edit_and_leaves_the_others(small, capsys):
    assert cli(small, "convert", capsys=capsys)[0] == 0
    a, b = small / A_FILE, small / B_FILE
    a.write_text(a.read_text(encoding="utf-8").replace("Alpha text.", "Alpha text, corrected."), encoding="utf-8")
    b.write_text(b.read_text(encoding="utf-8") + "\nAn editor's note.\n", encoding="utf-8")
    edited_a, edited_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")

    code, out, err = cli(small, "convert", "--force", "seeds/a.txt", capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"backed up {A_FILE} to {A_FILE}~", f"wrote {A_FILE}",
                                "converted 1 seed, 0 already had a content file"]
    assert (small / f"{A_FILE}~").read_text(encoding="utf-8") == edited_a
    assert "Alpha text, corrected." not in a.read_text(encoding="utf-8")
    assert b.read_text(encoding="utf-8") == edited_b  # not named: untouched
    assert not (small / f"{B_FILE}~").exists()

    code, out, _err = cli(small, "convert", "--force", "seeds/a.txt", capsys=capsys)
    assert code == 0 and out.splitlines() == ["converted 0 seeds, 0 already had a content file, 1 unchanged"]
    assert not (small / f"{A_FILE}.~2~").exists()


def test_naming_something_that_is_not_a_seed_is_an_error(small, capsys):
    code, _out, err = cli(small, "convert", "--force", "seeds/nope.txt", "sitegen.yaml", capsys=capsys)
    assert code == 1
    assert "error: seeds/nope.txt: cannot convert this seed: there is no such file; name a seed file such as " \
           "seeds/example.txt" in err
    assert "error: sitegen.yaml: cannot convert this seed: it is not a .txt file in the seeds folder seeds/" in err
    assert not (small / "content").exists()


DELETED_WARNING = (f"warning: seeds/b.txt: its content file {B_FILE} was deleted, so it was not converted again; "
                   "delete the seed too, or run 'sitegen convert --force seeds/b.txt' to bring it back")


def test_a_deleted_content_file_stays_deleted_until_forced_back(small, capsys):
    code, out, _err = cli(small, "build", capsys=capsys)
    assert code == 0 and f"converted {B_FILE}" in out
    (small / B_FILE).unlink()
    beta_page = small / "public/2023/09/20/beta-story/index.html"

    for args in (["build"], ["build"], ["build", "--clean"], ["convert"], ["convert", "--force"]):
        code, out, err = cli(small, *args, capsys=capsys)
        assert code == 0, args
        assert DELETED_WARNING in err.splitlines(), args
        assert not (small / B_FILE).exists(), args
        assert "beta-story" not in out, args
    assert not beta_page.exists() and (small / "public/2023/09/19/alpha-story/index.html").is_file()
    assert cli(small, "build", capsys=capsys)[1].startswith("built 1 article,")

    code, out, err = cli(small, "convert", "--force", "seeds/b.txt", capsys=capsys)
    assert code == 0 and f"wrote {B_FILE}" in out and err == ""
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 0 and err == "" and out.startswith("built 2 articles,")
    assert "Beta text." in beta_page.read_text(encoding="utf-8")


def test_with_a_content_file_deleted_a_new_seed_is_still_converted_beside_the_articles_it_shares_a_name_with(
        small, capsys):
    # a build with a seed no article names looks at those seeds only: the others' articles still keep their
    # addresses, and the deleted one stays deleted
    assert cli(small, "build", capsys=capsys)[0] == 0
    (small / B_FILE).unlink()
    write_files(small, {"seeds/c.txt": SEED_A.replace("Alpha text.", "Another alpha.")})
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 0, err
    assert DELETED_WARNING in err.splitlines()
    assert "converted content/2023-09-19-alpha-story-2.md" in out.splitlines()
    assert front(small / "content/2023-09-19-alpha-story-2.md")["source"] == "seeds/c.txt"
    assert not (small / B_FILE).exists()
    assert "Another alpha." in (small / "public/2023/09/19/alpha-story-2/index.html").read_text(encoding="utf-8")
    assert "Alpha text." in (small / "public/2023/09/19/alpha-story/index.html").read_text(encoding="utf-8")


def test_without_a_cache_there_is_no_record_so_the_seed_is_converted_and_said_so(small, capsys):
    assert cli(small, "build", capsys=capsys)[0] == 0
    (small / B_FILE).unlink()
    shutil.rmtree(small / ".sitegen-cache")
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 0 and "warning" not in err
    assert f"converted {B_FILE}" in out.splitlines() and (small / B_FILE).is_file()


def test_a_broken_content_file_is_reported_not_duplicated(small, capsys):
    assert cli(small, "build", capsys=capsys)[0] == 0
    before = sorted(p.name for p in (small / "content").iterdir())
    b = small / B_FILE
    b.write_text(b.read_text(encoding="utf-8").replace("title:", "title: [unclosed", 1), encoding="utf-8")
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 1 and f"error: {B_FILE}:" in err and "converted" not in out
    assert sorted(p.name for p in (small / "content").iterdir()) == before


def test_a_seed_symlinked_from_outside_the_site_is_refused(small, capsys, tmp_path):
    secret = tmp_path / "private" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text(" date 2023-09-21 Private\n\nNot for the site.\n", encoding="utf-8")
    (small / "seeds/leak.txt").symlink_to(secret)
    (small / "seeds/elsewhere").symlink_to(secret.parent, target_is_directory=True)
    (small / "seeds/inside.txt").symlink_to(small / "seeds/a.txt")  # inside the site: followed
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 1
    assert f"error: seeds/elsewhere: is a symbolic link to the folder {secret.parent}, outside the site folder " \
           f"{small}: sitegen does not read files from outside the site, so that a link cannot publish them; " \
           "copy the folder into the site instead" in err.splitlines()
    assert f"error: seeds/leak.txt: is a symbolic link to {secret}, outside the site folder {small}: sitegen does " \
           "not read files from outside the site, so that a link cannot publish them; copy the file into the site " \
           "instead" in err.splitlines()
    assert not (small / "public").exists()
    assert not any("Private" in p.read_text(encoding="utf-8") for p in (small / "content").iterdir())


def test_odd_file_names_build_link_and_round_trip(small, capsys):
    seed_name = "seeds/Été 2023 — ü & 'x'.txt"
    write_files(small, {
        seed_name: " date 2023-09-22 Summer Of Odd Names\n\nBy AFP\n\nThe text of the odd seed.\n",
        "content/my article (1) ü.md": article("Hand Written Über Article", date="2023-09-23", tags="[Odd Names]",
                                               body="Hand text."),
    })
    code, out, err = cli(small, "build", capsys=capsys)
    assert code == 0 and "warning" not in err
    converted = small / "content/2023-09-22-summer-of-odd-names.md"
    assert f"converted {converted.relative_to(small)}" in out.splitlines()
    assert front(converted)["source"] == seed_name
    public = small / "public"
    seed_page = read_page(public, "/2023/09/22/summer-of-odd-names/")
    hand_page = read_page(public, "/2023/09/23/hand-written-uber-article/")
    assert "The text of the odd seed." in seed_page.text and "Hand text." in hand_page.text
    front_page = read_page(public, "/")
    assert {"/news/2023/09/22/summer-of-odd-names/", "/news/2023/09/23/hand-written-uber-article/"} <= \
        set(front_page.links)
    # source: round-trips: the next build and convert see the seed as converted, nothing is written twice
    code, out, err = cli(small, "build", "--clean", capsys=capsys)
    assert code == 0 and "converted" not in out and err == ""
    code, out, _err = cli(small, "convert", capsys=capsys)
    assert out.splitlines() == ["converted 0 seeds, 3 already had a content file"]
    code, out, _err = cli(small, "convert", "--force", seed_name, capsys=capsys)
    assert out.splitlines() == ["converted 0 seeds, 0 already had a content file, 1 unchanged"]
    assert sorted(p.name for p in (small / "content").iterdir()) == sorted(
        ["2023-09-19-alpha-story.md", "2023-09-20-beta-story.md", "2023-09-22-summer-of-odd-names.md",
         "my article (1) ü.md"])


def test_the_warning_quotes_an_odd_seed_name_for_the_shell(small, capsys):
    write_files(small, {"seeds/a b $x \\ \"q\".txt": " date 2023-09-24 Quoted\n\nText.\n"})
    assert cli(small, "build", capsys=capsys)[0] == 0
    (small / "content/2023-09-24-quoted.md").unlink()
    _code, _out, err = cli(small, "build", capsys=capsys)
    line = next(line for line in err.splitlines() if "was deleted" in line)
    command = line.split("run '", 1)[1].rsplit("' to bring it back", 1)[0]
    assert command.startswith("sitegen convert --force ")
    # what a shell makes of the printed command: one argument, the seed's name
    words = subprocess.run(["sh", "-c", "printf '%s\\n' " + command.removeprefix("sitegen convert --force ")],
                           capture_output=True, text=True, check=True).stdout
    assert words == 'seeds/a b $x \\ "q".txt\n'
