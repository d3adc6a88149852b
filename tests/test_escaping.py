"""Hostile text in every field a writer controls reaches every output as text, never as markup or code.

One site is built whose headline, tags, author, summary, description and site title hold script-closing
tags, attribute breakers, entities, CDATA ends, template syntax and U+2028; then each file is read back
with a real parser (html.parser, xml.etree, json) and the text must come out exactly as written.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.cli import main
from tests.conftest import article, write_files

NASTY = ("</script><script>alert(1)</script> \"><img src=x onerror=alert(1)> ' onmouseover=' &amp; ]]> "
         "{{ 7*7 }} {% raw %} \u2028 <!-- Ünïcødé 中文 עברית")
TITLE = "T " + NASTY
TAG = "G " + NASTY
SECTION = "S " + NASTY
AUTHOR = "A " + NASTY
SUMMARY = "S " + NASTY
DESCRIPTION = "D " + NASTY
SITE_TITLE = "Site " + NASTY
HEADLINE = TITLE[:109] + "…"  # Google reads at most 110 characters of a NewsArticle headline
BODY = "Body text & more <b>bold</b>."
ATOM = "{http://www.w3.org/2005/Atom}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SCRIPT_TYPES = {"application/ld+json"}  # the only scripts a page without search may carry


class Tree(HTMLParser):
    """Every element and attribute of a page, its visible text, and the raw text of each script."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.scripts: list[tuple[str | None, str]] = []
        self.title = ""
        self._in: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "title"):
            self._in = tag
            if tag == "script":
                self.scripts.append((dict(attrs).get("type"), ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)
        elif self._in == "title":
            self.title += data
        else:
            self.text += data

    def meta(self, key: str) -> list[str]:
        return [a.get("content") or "" for t, a in self.elements
                if t == "meta" and key in (a.get("property"), a.get("name"))]


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    write_files(root, {
        "sitegen.yaml": f"title: {json.dumps(SITE_TITLE)}\nbase_url: https://example.org/news/\nsearch: false\n"
                        f"sections:\n  - {{slug: desk, name: {json.dumps(SECTION)}}}\n",
        "content/a.md": article(TITLE, date="2023-09-19", body=BODY, tags=json.dumps([TAG, "plain"]), section="desk",
                                authors=json.dumps([AUTHOR, "Reuters"]), summary=json.dumps(SUMMARY),
                                description=json.dumps(DESCRIPTION)),
        "content/b.md": article("Neighbour", date="2023-09-18", tags=json.dumps([TAG])),
    })
    assert main(["-C", str(root), "build", "--now", "2023-09-19", "-j", "1", "-q"]) == 0
    return root / "public"


def files(public: Path, suffix: str) -> list[Path]:
    found = sorted(p for p in public.rglob(f"*{suffix}") if p.is_file())
    assert found
    return found


def test_no_page_carries_an_injected_element_attribute_or_script(public):
    for path in files(public, ".html"):
        tree = Tree(path.read_text(encoding="utf-8"))
        for tag, attrs in tree.elements:
            assert tag != "img" or "onerror" not in attrs, path
            assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
            if tag == "script":
                assert attrs.get("type") in SCRIPT_TYPES, (path, attrs)
        assert "alert(1)" not in "".join(t for _k, t in tree.scripts if _k not in SCRIPT_TYPES)
        assert SITE_TITLE in tree.title, path


def test_article_page_shows_every_field_as_written(public):
    path = public / "2023/09/19"
    [page] = [p for p in path.rglob("index.html") if p.parent != path]
    tree = Tree(page.read_text(encoding="utf-8"))
    assert [t for t, _a in tree.elements].count("h1") == 1
    assert TITLE in tree.text and TAG in tree.text and AUTHOR in tree.text
    assert tree.title == f"{TITLE} – {SITE_TITLE}"
    assert tree.meta("og:title") == [TITLE] and tree.meta("twitter:title") == [TITLE]
    assert tree.meta("description") == [DESCRIPTION] == tree.meta("og:description") == tree.meta("twitter:description")
    assert tree.meta("og:site_name") == [SITE_TITLE]
    assert tree.meta("article:tag") == [TAG, "plain"] and tree.meta("article:section") == [SECTION]
    assert "Body text & more " in tree.text and "bold" in tree.text


def test_json_ld_cannot_close_its_script_and_round_trips(public):
    seen = 0
    for path in files(public, ".html"):
        html = path.read_text(encoding="utf-8")
        for kind, raw in Tree(html).scripts:
            assert kind == "application/ld+json"
            assert not re.search(r"</script|<!--", raw, re.I), path
            assert "\u2028" not in raw and "\u2029" not in raw, path  # line ends to pre-2019 JavaScript
            data = json.loads(raw)
            if data["@type"] == "NewsArticle" and data["headline"] == HEADLINE:
                seen += 1
                assert data["description"] == DESCRIPTION
                assert [a["name"] for a in data["author"]] == [AUTHOR, "Reuters"]
                assert data["keywords"] == [TAG, "plain"] and data["articleSection"] == SECTION
                assert data["publisher"]["name"] == SITE_TITLE
            if data["@type"] == "BreadcrumbList":
                names = [item["name"] for item in data["itemListElement"]]
                assert all("<" not in n or n in (TITLE, TAG, AUTHOR, SECTION) for n in names)
    assert seen == 1


def test_list_pages_show_tag_author_and_summary_as_text(public):
    tag_pages = [p for p in (public / "tags").glob("*/index.html")
                 if Tree(p.read_text("utf-8")).meta("og:title") == [TAG]]
    author_pages = [p for p in (public / "authors").glob("*/index.html")
                    if Tree(p.read_text("utf-8")).meta("og:title") == [AUTHOR]]
    assert len(tag_pages) == 1 and len(author_pages) == 1
    lists = [public / "index.html", public / "2023/09/19/index.html", public / "2023/index.html",
             tag_pages[0], author_pages[0]]
    for path in lists:
        tree = Tree(path.read_text(encoding="utf-8"))
        assert TITLE in tree.text and SUMMARY in tree.text, path  # the article's card
    for index in ("tags", "authors"):
        text = Tree((public / index / "index.html").read_text(encoding="utf-8")).text
        assert (TAG if index == "tags" else AUTHOR) in text


def test_atom_feeds_parse_and_keep_the_text(public):
    feeds = files(public, "feed.xml")
    assert len(feeds) == 1 + 1 + 2 + 2  # the site, its one section, two tags, two authors
    for path in feeds:
        root = ET.parse(path).getroot()
        assert root.findtext(f"{ATOM}title").startswith(SITE_TITLE)
        entry = next(e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == TITLE)
        assert entry.findtext(f"{ATOM}summary") == SUMMARY
        assert [a.findtext(f"{ATOM}name") for a in entry.iter(f"{ATOM}author")] == [AUTHOR, "Reuters"]
        assert [c.get("label") for c in entry.iter(f"{ATOM}category")] == [TAG, "plain"]
        assert entry.findtext(f"{ATOM}content").startswith("<p>Body text &amp; more ")  # type="html": escaped once


def test_rss_parses_and_keeps_the_text(public):
    channel = ET.parse(public / "rss.xml").getroot().find("channel")
    assert channel.findtext("title") == SITE_TITLE
    item = next(i for i in channel.iter("item") if i.findtext("title") == TITLE)
    assert [c.text for c in item.iter("{http://purl.org/dc/elements/1.1/}creator")] == [AUTHOR, "Reuters"]
    assert [c.text for c in item.iter("category")] == [TAG, "plain"]


def test_json_feed_parses_and_keeps_the_text(public):
    feed = json.loads((public / "feed.json").read_text(encoding="utf-8"))
    assert feed["title"] == SITE_TITLE
    item = next(i for i in feed["items"] if i["title"] == TITLE)
    assert item["summary"] == SUMMARY and item["tags"] == [TAG, "plain"]
    assert [a["name"] for a in item["authors"]] == [AUTHOR, "Reuters"]


def test_sitemaps_parse_and_the_news_title_is_exact(public):
    for path in files(public, "sitemap.xml"):
        root = ET.parse(path).getroot()
        for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
            assert loc.text.startswith("https://example.org/news/") and "<" not in loc.text and '"' not in loc.text
    news = ET.parse(public / "news-sitemap.xml").getroot()
    assert [t.text for t in news.iter(f"{NEWS}title")] == [TITLE, "Neighbour"]
    assert [t.text for t in news.iter(f"{NEWS}name")] == [SITE_TITLE] * 2


def test_hosting_files_hold_only_paths(public):
    for name in ("_headers", "_redirects", "robots.txt"):
        text = (public / name).read_text(encoding="utf-8")
        assert "<" not in text and "alert" not in text and "{{" not in text, name


def test_search_page_shows_the_site_title_as_text_and_its_script_holds_no_site_data(make_site):
    from tests.conftest import Page, render_texts

    config = make_site({"sitegen.yaml": f"title: {json.dumps(SITE_TITLE)}\nsearch: true\n"})
    pages = render_texts(config, article(TITLE))
    tree = Tree(pages["search/index.html"])
    [module] = [raw for kind, raw in tree.scripts if kind == "module"]
    assert not re.search(r"</script|<!--|\u2028", module, re.I)
    assert "Site" not in module  # the script reads the page's data attributes, never templated text
    assert f"Search {SITE_TITLE}" in Page(pages["search/index.html"]).text  # the search box's label
    assert tree.title == f"Search – {SITE_TITLE}"
