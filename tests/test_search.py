"""Search: the shards of the Pagefind index, what an edit rebuilds, and searches in real headless Chromium."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import html
import http.server
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.core.config import Config
from sitegen.core.model import Article, Author, Tag
from sitegen.output import search
from tests.conftest import article, write_files

pytestmark = pytest.mark.skipif(search.unavailable() is not None, reason="Pagefind cannot run here")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARCHIVE_YEARS = range(2014, 2024)


def story(year: int, month: int, day: int, title: str, body: str, tags: str = "[World]",
          authors: str = "[Jane Doe]") -> str:
    return article(title, date=f"{year}-{month:02d}-{day:02d}", body=body, tags=tags, authors=authors)


def archive(root: Path, settings: str = "title: Search Test\n") -> None:
    """A ten-year archive: two articles a year, each holding 'harbour' and a word of its own."""
    files = {"sitegen.yaml": settings}
    for year in ARCHIVE_YEARS:
        files[f"content/{year}-03-01-a.md"] = story(year, 3, 1, f"Harbour report {year}",
                                                    f"The harbour reopened. Word{year}alpha appears here.",
                                                    tags="[Ports]", authors="[Ann Lee]")
        files[f"content/{year}-10-01-b.md"] = story(year, 10, 1, f"Budget talks {year}",
                                                    f"Budget talks at the harbour. Word{year}beta here.")
    write_files(root, files)


def build(root: Path, *args: str) -> None:
    assert main(["-C", str(root), "build", "-q", "-j", "2", *args]) == 0


def bundle_files(root: Path) -> dict[str, bytes]:
    folder = root / "public" / "pagefind"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def shards(root: Path) -> list[dict]:
    return json.loads((root / "public/pagefind/shards.json").read_text(encoding="utf-8"))["shards"]


def indexed(root: Path) -> dict[str, dict]:
    """Every record in the bundle, by URL: what Pagefind stored for the results page."""
    records = {}
    for path in (root / "public/pagefind").glob("*/fragment/*.pf_fragment"):
        data = json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
        records[data["url"]] = data
    return records


# --- the split and the records --------------------------------------------------------------------------


def fake(year: int, month: int, day: int = 1, n: int = 0) -> Article:
    moment = datetime(year, month, day, tzinfo=UTC) + timedelta(minutes=n)
    return Article(title=f"T{n}", date=moment, slug=f"t{n}", url=f"/{year}/{month:02d}/{day:02d}/t{n}/",
                   path=Path(f"t{n}.md"), fingerprint=f"f{n}", authors=(Author("Ann Lee", "ann-lee"),),
                   tags=(Tag("Ports", "ports"), Tag("World", "world")))


def test_the_newest_year_is_split_by_month_and_earlier_years_are_whole():
    articles = [fake(2021, 5), fake(2022, 1), fake(2022, 12), fake(2023, 2), fake(2023, 2, 9), fake(2023, 7)]
    assert search.shard_names(articles) == ["2021", "2022", "2022", "2023-02", "2023-02", "2023-07"]
    assert search.shard_names([]) == []


def test_a_past_year_over_the_limit_is_split_by_quarter_and_a_full_quarter_by_month(monkeypatch):
    monkeypatch.setattr(search, "SHARD_MIN", 3)
    articles = [fake(2020, 1, n=i) for i in range(4)] + [fake(2020, 5), fake(2020, 11)] + [fake(2021, 1)]
    assert search.shard_names(articles) == ["2020-01"] * 4 + ["2020-q2", "2020-q4", "2021-01"]


def test_the_shard_limit_grows_with_the_archive_between_its_bounds():
    assert search.shard_limit(10) == search.SHARD_MIN
    assert search.shard_limit(10_000) == search.SHARD_MIN
    assert search.shard_limit(50_000) == 50_000 // search.SHARD_SHARE
    assert search.shard_limit(1_000_000) == search.SHARD_MAX


def test_a_ten_year_archive_of_10k_articles_has_quarter_shards_of_a_few_hundred():
    articles = [fake(2014 + i // 1000, 1 + (i % 1000) // 84, 1 + i % 28, n=i) for i in range(10_000)]
    names = search.shard_names(articles)
    sizes = {name: names.count(name) for name in set(names)}
    assert sorted(n for n in sizes if n.startswith("2014")) == ["2014-q1", "2014-q2", "2014-q3", "2014-q4"]
    assert max(sizes.values()) <= search.SHARD_MIN
    assert 40 <= len(sizes) <= 60


def test_filters_are_the_articles_tags_authors_and_year():
    assert search.filters(fake(2019, 4)) == {"tag": ["Ports", "World"], "author": ["Ann Lee"], "year": ["2019"]}


def test_a_record_holds_the_headline_dateline_text_and_a_date_sort():
    record = search.record(fake(2019, 4), "<p>One &amp; <em>two</em></p><p>three &lt;b&gt;</p>", "en")
    assert record["content"] == "T0\nOne & two three <b>"
    assert record["meta"] == {"title": "T0", "date": "2019-04-01T00:00:00+00:00", "dateline": "1 April 2019"}
    assert record["sort"]["date"].startswith("2019-04-01T00:00:00Z")
    assert record["url"] == "/2019/04/01/t0/"


_WHITE = "".join(c for c in map(chr, range(0x3000 + 1)) if c.isspace())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "<p>", "</p>", "<br>", "&nbsp;", "&amp;", *_WHITE]), max_size=40))
def test_a_records_text_has_its_words_apart_by_one_space_whatever_the_white_space(parts):
    body = "".join(parts)
    # Every Unicode space (no-break, em, the line and paragraph separators...) parts words, as before the
    # split() fast path: the words Pagefind indexes and the excerpt it shows are the same.
    tags_out = re.sub(r"<[^>]*>", "", re.sub(r"</?p\b[^>]*>|<br\b[^>]*>", " ", body))
    assert search.text_of(body) == re.sub(r"\s+", " ", html.unescape(tags_out)).strip()


_ZONES = [UTC, ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns"), ZoneInfo("Europe/London")]


@settings(max_examples=1000, deadline=None)
@example(datetime(2515, 1, 1, 0, 0, 0, 999997), [(0, UTC, "/b/"), (2, UTC, "/a/")])  # a float's floor: a second late
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
       | st.datetimes(min_value=datetime(1969, 12, 31, 23, 59), max_value=datetime(1970, 1, 1, 0, 1)),
       st.lists(st.tuples(st.integers(-2_000_000, 2_000_000) | st.sampled_from([-1_000_000, -1, 0, 1, 1_000_000]),
                          st.sampled_from(_ZONES), st.sampled_from(["/a/", "/b/", "/a/b/", "/z/"])), max_size=8))
def test_records_go_to_pagefind_in_the_order_of_their_date_sort(base, items):
    """The shard's records are ordered by a cheaper key than their sort text; it must be the same order,
    moments a microsecond apart in one second and around it included, in any zone, before 1970 too."""
    articles = [Article(title="T", date=(base.replace(tzinfo=UTC) + timedelta(microseconds=shift)).astimezone(zone),
                        slug="t", url=url, path=Path("t.md"), fingerprint="f") for shift, zone, url in items]
    assert [search._sort_key(a) for a in sorted(articles, key=search._sort_order)] == \
        sorted(search._sort_key(a) for a in articles)

# --- the build ------------------------------------------------------------------------------------------


def test_the_bundle_has_one_shard_a_period_newest_first_with_every_article(tmp_path):
    archive(tmp_path)
    build(tmp_path)
    listed = shards(tmp_path)
    assert [s["name"] for s in listed] == ["2023-10", "2023-03", *[str(y) for y in reversed(ARCHIVE_YEARS[:-1])]]
    assert sorted(p.name for p in (tmp_path / "public/pagefind").iterdir()) == sorted(
        ["shards.json", *[s["path"].rstrip("/") for s in listed]])
    records = indexed(tmp_path)
    assert len(records) == 2 * len(ARCHIVE_YEARS)
    harbour = records["/2016/03/01/harbour-report-2016/"]
    assert harbour["meta"]["title"] == "Harbour report 2016" and harbour["meta"]["dateline"] == "1 March 2016"
    assert "Word2016alpha" in harbour["content"] and harbour["filters"]["year"] == ["2016"]
    # only what a search page needs: Pagefind's own UIs are not copied into every shard
    assert not list((tmp_path / "public/pagefind").glob("*/pagefind-ui.js"))


def test_an_edit_rebuilds_only_its_shard_and_equals_a_clean_build(tmp_path):
    site, clean = tmp_path / "site", tmp_path / "clean"
    archive(site)
    build(site)
    before = {s["name"]: s["path"] for s in shards(site)}
    stamps = {p: p.stat().st_mtime_ns for p in (site / "public/pagefind").glob("*/pagefind-entry.json")}
    edited = site / "content/2017-03-01-a.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("reopened", "reopened zanzibarine"), "utf-8")
    build(site)
    after = {s["name"]: s["path"] for s in shards(site)}
    assert [name for name in after if after[name] != before[name]] == ["2017"]
    for entry, stamp in stamps.items():  # the other shards were not written again
        if "2017." not in entry.parent.name:
            assert entry.stat().st_mtime_ns == stamp
    assert "zanzibarine" in indexed(site)["/2017/03/01/harbour-report-2017/"]["content"]
    archive(clean)
    (clean / "content/2017-03-01-a.md").write_bytes(edited.read_bytes())
    build(clean)
    assert bundle_files(site) == bundle_files(clean)  # byte for byte, shards.json included


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["body", "title", "address", "file", "delete", "add"])),
                min_size=1, max_size=6))
def test_a_shards_folder_from_the_last_plans_memo_is_the_one_a_fresh_plan_gives(edits):
    # The memo answers for a shard only when its articles' files and addresses are those it saw: any edit
    # to one of them (its body, headline, address, file; a deletion, an addition) names the shard anew.
    config = Config(root=Path("/site"), title="S")
    articles = [fake(2014 + n // 4, 1 + n % 12, 1 + n % 28, n) for n in range(40)]
    memo: dict[str, str] = {}
    search.plan(articles, config, memo)
    for n, how in edits:
        a = articles[n % len(articles)]
        changed = {"body": {"fingerprint": a.fingerprint + "x"}, "title": {"title": a.title + "x", "fingerprint":
                   a.fingerprint + "t"}, "address": {"url": a.url + "x/"}, "file": {"path": Path(f"{a.path}x")}}
        if how == "delete" and len(articles) > 1:
            articles.pop(n % len(articles))
        elif how == "add":
            articles.append(fake(2014 + n // 4, 1 + n % 12, 2, 100 + n))
        elif how in changed:
            articles[n % len(articles)] = dataclasses.replace(a, **changed[how])
        remembered = search.plan(articles, config, memo)
        assert [(s.name, s.folder) for s in remembered] == [(s.name, s.folder) for s in search.plan(articles, config)]
        assert sorted(memo.values()) == sorted(s.folder for s in remembered)  # this plan's shards, and only those


def test_renaming_a_section_reindexes_the_shards_of_its_articles_for_their_new_filter(tmp_path):
    site = tmp_path / "site"
    archive(site, "title: Search Test\nsections:\n  - {slug: world, name: World}\n")
    for path in (site / "content").glob("2019-*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("tags:", "section: world\ntags:"), "utf-8")
    build(site)
    before = {s["name"]: s["path"] for s in shards(site)}
    assert indexed(site)["/2019/03/01/harbour-report-2019/"]["filters"]["section"] == ["World"]
    (site / "sitegen.yaml").write_text("title: Search Test\nsections:\n  - {slug: world, name: World desk}\n")
    build(site)
    after = {s["name"]: s["path"] for s in shards(site)}
    assert [name for name in after if after[name] != before[name]] == ["2019"]
    assert indexed(site)["/2019/03/01/harbour-report-2019/"]["filters"]["section"] == ["World desk"]


def test_a_build_that_fails_after_its_index_was_started_leaves_the_bundle_as_it_was(tmp_path, capsys):
    archive(tmp_path)
    build(tmp_path)
    before = bundle_files(tmp_path)
    edited = tmp_path / "content/2017-03-01-a.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("reopened", "reopened zanzibarine"), "utf-8")
    write_files(tmp_path, {"templates/article.html": "{% extends 'base.html' %}{% block main %}"
                                                     "{{ article.title | no_such_filter }}{% endblock %}"})
    capsys.readouterr()
    assert main(["-C", str(tmp_path), "build", "-q", "-j", "2"]) == 1
    assert "no_such_filter" in capsys.readouterr().err
    assert bundle_files(tmp_path) == before  # the edited article's shard was written, then dropped
    assert not list((tmp_path / "public/pagefind").glob(".new-*"))
    (tmp_path / "templates/article.html").unlink()
    build(tmp_path)
    assert "zanzibarine" in indexed(tmp_path)["/2017/03/01/harbour-report-2017/"]["content"]


def test_a_pagefind_that_stops_during_an_edit_leaves_the_bundle_as_it_was_and_says_so(tmp_path, capsys,
                                                                                         monkeypatch):
    archive(tmp_path)
    build(tmp_path)
    before = bundle_files(tmp_path)
    real = search.executable()
    assert real is not None
    version = search._version_of(str(real))
    stopping = tmp_path / "pagefind"  # answers --version as the real one, then dies as a service
    stopping.write_text(f"#!/bin/sh\nif [ \"$1\" = --version ]; then echo '{version}'; exit 0; fi\n"
                        "head -c 10 >/dev/null; exit 3\n", encoding="utf-8")
    stopping.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(stopping))
    edited = tmp_path / "content/2017-03-01-a.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("reopened", "reopened zanzibarine"), "utf-8")
    capsys.readouterr()
    assert main(["-C", str(tmp_path), "build", "-q"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: search: Pagefind failed") == 1, err
    assert "zanzibarine" in (tmp_path / "public/2017/03/01/harbour-report-2017/index.html").read_text("utf-8")
    assert bundle_files(tmp_path) == before
    assert not list((tmp_path / "public/pagefind").glob(".new-*"))
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    search.unavailable.cache_clear()
    build(tmp_path)  # nothing else changed: the build tries the index again all the same
    assert "zanzibarine" in indexed(tmp_path)["/2017/03/01/harbour-report-2017/"]["content"]


def test_without_pagefind_an_unchanged_site_is_still_a_no_op_build(tmp_path, capsys, monkeypatch):
    """Search that cannot run here is said at each build, and is no reason to redo one."""
    archive(tmp_path)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    search.unavailable.cache_clear()
    try:
        build(tmp_path)
        capsys.readouterr()
        assert main(["-C", str(tmp_path), "build", "--explain"]) == 0
    finally:
        search.unavailable.cache_clear()
    said = capsys.readouterr()
    assert "search: Pagefind" in said.err
    assert [line for line in said.out.splitlines() if line.startswith("stages:")][0].count("ms") == 1  # check only


def test_adding_and_deleting_articles_rebuild_their_shards_and_drop_an_empty_one(tmp_path):
    archive(tmp_path)
    build(tmp_path)
    write_files(tmp_path, {"content/2023-12-24-new.md": story(2023, 12, 24, "Christmas port", "Quiet harbour.")})
    build(tmp_path)
    assert [s["name"] for s in shards(tmp_path)][:2] == ["2023-12", "2023-10"]
    (tmp_path / "content/2023-12-24-new.md").unlink()
    (tmp_path / "content/2015-03-01-a.md").unlink()
    build(tmp_path)
    names = [s["name"] for s in shards(tmp_path)]
    assert "2023-12" not in names and "2015" in names
    assert "/2015/03/01/harbour-report-2015/" not in indexed(tmp_path)
    assert len(list((tmp_path / "public/pagefind").iterdir())) == len(names) + 1  # no folder left behind


def test_a_new_year_folds_last_years_months_into_one_shard(tmp_path):
    archive(tmp_path)
    build(tmp_path)
    write_files(tmp_path, {"content/2024-01-02-new.md": story(2024, 1, 2, "New year", "Fireworks at the harbour.")})
    build(tmp_path)
    assert [s["name"] for s in shards(tmp_path)][:3] == ["2024-01", "2023", "2022"]


def test_two_clean_builds_give_the_same_bundle(tmp_path):
    # Pagefind writes filters in hash-map order; the bundle must not depend on it
    for name in ("one", "two"):
        archive(tmp_path / name)
        build(tmp_path / name)
    assert bundle_files(tmp_path / "one") == bundle_files(tmp_path / "two")


def test_search_off_removes_the_bundle(tmp_path):
    archive(tmp_path)
    build(tmp_path)
    (tmp_path / "sitegen.yaml").write_text("title: Search Test\nsearch: false\n", encoding="utf-8")
    build(tmp_path)
    assert not (tmp_path / "public/pagefind").exists() and not (tmp_path / "public/search").exists()


def test_the_search_page_says_search_needs_javascript_without_it(tmp_path):
    archive(tmp_path, "title: Search Test\nbase_url: https://example.org/news/\n")
    build(tmp_path)
    page = (tmp_path / "public/search/index.html").read_text(encoding="utf-8")
    noscript = page[page.index("<noscript>"):page.index("</noscript>")]
    assert "Search needs JavaScript" in noscript and 'href="/news/tags/"' in noscript
    assert 'data-bundle="/news/pagefind/" data-base="/news/"' in page


# --- in the browser -------------------------------------------------------------------------------------


class _Files(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "\0missing")
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def host() -> Iterator:
    """host(folder, "/news/") serves a folder at http://127.0.0.1:port/news/ (a static host, as deployed)."""
    servers = []

    def start(folder: Path, prefix: str = "/") -> str:
        handler = functools.partial(type("Files", (_Files,), {"prefix": prefix}), directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    yield page
    context.close()


def results(page, site_url: str, query: str) -> list[dict]:
    """Open the search page with a query (as a link to it would) and read the results it shows."""
    page.goto(f"{site_url}search/?{query}")
    page.wait_for_function("() => /result|No results|not available|nothing|not there yet/i.test("
                           "document.querySelector('#search [role=status]').textContent)", timeout=15_000)
    assert page.errors == []
    status = page.inner_text("#search [role=status]")
    assert "not available" not in status, (status, page.console)
    return page.eval_on_selector_all(".search-result", """items => items.map(item => ({
        title: item.querySelector('h2').innerText, href: item.querySelector('a').getAttribute('href'),
        date: item.querySelector('time').innerText, excerpt: item.querySelector('h2 + p + p').innerHTML}))""")


@pytest.mark.browser
def test_a_word_only_an_edited_article_holds_is_found_right_after_its_rebuild(tmp_path, host, page):
    archive(tmp_path)
    build(tmp_path)
    url = host(tmp_path / "public")
    assert results(page, url, "q=zanzibarine") == []
    edited = tmp_path / "content/2018-10-01-b.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Budget talks at", "Zanzibarine talks at"), "utf-8")
    build(tmp_path)
    [found] = results(page, url, "q=zanzibarine")
    assert found["title"] == "Budget talks 2018" and found["date"] == "1 October 2018"
    assert found["href"] == "/2018/10/01/budget-talks-2018/"
    assert "<mark>Zanzibarine</mark>" in found["excerpt"]


@pytest.mark.browser
def test_a_deleted_article_is_no_longer_found(tmp_path, host, page):
    archive(tmp_path)
    build(tmp_path)
    url = host(tmp_path / "public")
    assert [r["title"] for r in results(page, url, "q=word2020alpha")] == ["Harbour report 2020"]
    (tmp_path / "content/2020-03-01-a.md").unlink()
    build(tmp_path)
    assert results(page, url, "q=word2020alpha") == []
    assert len(results(page, url, "q=word2020beta")) == 1  # its neighbour in the shard is still there


@pytest.mark.browser
def test_every_year_of_a_ten_year_archive_is_found_newest_first_and_by_filter(tmp_path, host, page):
    archive(tmp_path)
    build(tmp_path)
    url = host(tmp_path / "public")
    for year in ARCHIVE_YEARS:
        assert [r["title"] for r in results(page, url, f"q=word{year}alpha")] == [f"Harbour report {year}"]
    newest = results(page, url, "q=harbour&sort=date")
    assert page.inner_text("#search [role=status]") == "20 results for “harbour”, newest first"
    assert [r["title"] for r in newest] == [f"{kind} {year}" for year in (2023, 2022, 2021, 2020, 2019)
                                            for kind in ("Budget talks", "Harbour report")]
    page.click(".search-more")
    page.wait_for_function("() => document.querySelectorAll('.search-result').length === 20")
    assert page.eval_on_selector_all(".search-result time", "t => t.map(e => e.innerText)")[-1] == "1 March 2014"
    by_year = results(page, url, "q=harbour&year=2016")
    assert sorted(r["title"] for r in by_year) == ["Budget talks 2016", "Harbour report 2016"]
    by_author = results(page, url, "q=harbour&author=Ann+Lee&sort=date")
    assert [r["title"] for r in by_author][:2] == ["Harbour report 2023", "Harbour report 2022"]
    assert len(results(page, url, "q=harbour&tag=World")) == 10  # the first page of the ten World articles
    assert page.inner_text("#search [role=status]").startswith("10 results")
    page.wait_for_selector("#search[data-filters]")
    assert "Ports (10)" in page.inner_text("select[name=tag]")  # the choices come from the index, with counts
    page.select_option("select[name=year]", "2015")  # choosing one searches again
    page.wait_for_function("() => document.querySelector('#search [role=status]').textContent.startsWith('1 result')")
    assert page.inner_text(".search-result h2") == "Budget talks 2015" and page.url.endswith("tag=World&year=2015")


@pytest.mark.browser
def test_search_works_under_a_sub_path(tmp_path, host, page):
    archive(tmp_path, "title: Search Test\nbase_url: https://example.org/news/\n")
    build(tmp_path)
    url = host(tmp_path / "public", "/news/")
    [found] = results(page, url, "q=word2019beta")
    assert found["href"] == "/news/2019/10/01/budget-talks-2019/"
    page.click(".search-result a")
    page.wait_for_url(f"{url}2019/10/01/budget-talks-2019/")
    assert "Word2019beta" in page.inner_text("article")


@pytest.mark.browser
def test_typing_a_query_searches_and_the_address_keeps_it(tmp_path, host, page):
    archive(tmp_path)
    build(tmp_path)
    url = host(tmp_path / "public")
    page.goto(f"{url}search/")
    page.wait_for_selector("#search[data-ready] form:not([hidden])")
    page.fill("#search-q", "word2021beta")
    page.wait_for_selector(".search-result")
    assert page.inner_text(".search-result h2") == "Budget talks 2021"
    assert page.url.endswith("/search/?q=word2021beta")


@pytest.mark.browser
@pytest.mark.server
def test_the_preview_searches_and_its_index_follows_a_save_within_seconds(tmp_path, page):
    from tests.test_serve import Preview

    archive(tmp_path, "title: Search Test\nbase_url: https://example.org/news/\n")
    preview = Preview(tmp_path)

    def eventually(query: str) -> list[dict]:
        deadline = time.monotonic() + 15  # the page at once, its index a few seconds later
        while not (found := results(page, preview.url, query)) and time.monotonic() < deadline:
            time.sleep(0.5)
        return found

    try:
        assert [r["href"] for r in eventually("q=word2022alpha")] == ["/news/2022/03/01/harbour-report-2022/"]
        edited = tmp_path / "content/2022-03-01-a.md"
        edited.write_text(edited.read_text(encoding="utf-8").replace("reopened", "reopened quokkaville"), "utf-8")
        assert [r["title"] for r in eventually("q=quokkaville")] == ["Harbour report 2022"]
    finally:
        preview.stop()
