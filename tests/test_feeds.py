"""Feeds, sitemaps, robots.txt and structured data: what feed readers, crawlers and link previews read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from sitegen.build import BuildOptions, build
from sitegen.cli import main
from sitegen.content.load import load_articles
from sitegen.core.errors import SitegenError
from sitegen.incremental.cache import Cache
from sitegen.pages import feeds, seo
from sitegen.pages.render import make_env, plan_pages
from sitegen.site.collect import build_site
from tests.conftest import Page, article, write_files
from tests.conftest import render_texts as render

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as a JSON Schema: the required keys, the types.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "icon": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
        "items": {"type": "array", "items": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "url": {"type": "string"},
                "title": {"type": "string"},
                "content_html": {"type": "string"},
                "content_text": {"type": "string"},
                "summary": {"type": "string"},
                "image": {"type": "string"},
                "banner_image": {"type": "string"},
                "date_published": {"type": "string", "pattern": RFC3339.pattern},
                "date_modified": {"type": "string", "pattern": RFC3339.pattern},
                "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
    "$defs": {"author": {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
                         "additionalProperties": False}},
}




def three(**meta: str) -> list[str]:
    return [article("Oldest", date="2023-09-17", tags="[China]", authors="[Jane Doe]", **meta),
            article("Middle <b>&</b>", date="2023-09-18T08:30:00+02:00", tags="[China, Russia]",
                    authors="[Reuters]", updated="2023-09-19T10:00:00+02:00", body="Full **text** here."),
            article("Newest", date="2023-09-19", tags="[Russia]", authors="[Jane Doe, AFP]")]


def test_atom_feeds_for_the_site_each_tag_and_each_author_parse_cleanly(make_site):
    config = make_site({}, base_url="https://example.org/news/", timezone="Europe/Berlin")
    out = render(config, *three())
    for path in ("feed.xml", "tags/china/feed.xml", "tags/russia/feed.xml", "authors/jane-doe/feed.xml",
                 "authors/reuters/feed.xml", "authors/afp/feed.xml"):
        parsed = feedparser.parse(out[path])
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
    site = feedparser.parse(out["feed.xml"])
    assert [e.title for e in site.entries] == ["Newest", "Middle <b>&</b>", "Oldest"]
    assert site.feed.links[0].href == "https://example.org/news/feed.xml"
    middle = site.entries[1]
    assert middle.id == "tag:example.org,2023-09-18:/2023/09/18/middle-b-b/"
    assert middle.link == "https://example.org/news/2023/09/18/middle-b-b/"
    assert "<strong>text</strong>" in middle.content[0].value
    assert [a.name for a in feedparser.parse(out["authors/jane-doe/feed.xml"]).entries[0].authors] == ["Jane Doe",
                                                                                                       "AFP"]
    root = ElementTree.fromstring(out["feed.xml"])
    dates = [e.text for e in root.iter() if e.tag in (f"{ATOM}updated", f"{ATOM}published")]
    assert dates and all(RFC3339.match(d) for d in dates)
    assert "2023-09-18T08:30:00+02:00" in dates  # the site's timezone offset, as written
    assert "2023-09-17T00:00:00+02:00" in dates  # a bare date is midnight in the site's timezone
    assert root.find(f"{ATOM}updated").text == "2023-09-19T10:00:00+02:00"  # the newest change


def test_feed_limit_and_summary_only_feeds(make_site):
    config = make_site({}, feed_limit=2, feed_content="summary")
    out = render(config, *three())
    atom = ElementTree.fromstring(out["feed.xml"])
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert all(e.find(f"{ATOM}content") is None and e.find(f"{ATOM}summary") is not None for e in entries)
    data = json.loads(out["feed.json"])
    assert len(data["items"]) == 2 and all("content_html" not in i and i["content_text"] for i in data["items"])
    assert "<strong>" not in out["rss.xml"] and "&lt;strong&gt;" not in out["rss.xml"]


def test_json_feed_follows_json_feed_1_1(make_site):
    jsonschema = pytest.importorskip("jsonschema")
    config = make_site({}, base_url="https://example.org/news/", image="/static/logo.png")
    out = render(config, *three(image="/img/a.jpg"))
    data = json.loads(out["feed.json"])
    jsonschema.validate(data, JSON_FEED_SCHEMA)
    assert data["feed_url"] == "https://example.org/news/feed.json"
    assert data["icon"] == "https://example.org/news/static/logo.png"
    oldest = data["items"][-1]
    assert oldest["image"] == "https://example.org/news/img/a.jpg"
    assert oldest["authors"] == [{"name": "Jane Doe", "url": "https://example.org/news/authors/jane-doe/"}]
    assert data["items"][1]["title"] == "Middle <b>&</b>"


def test_rss_is_rss_2_with_rfc_822_dates(make_site):
    config = make_site({}, timezone="America/New_York")
    out = render(config, *three())
    parsed = feedparser.parse(out["rss.xml"])
    assert not parsed.bozo and parsed.version == "rss20"
    assert [e.title for e in parsed.entries] == ["Newest", "Middle <b>&</b>", "Oldest"]
    assert "<pubDate>Tue, 19 Sep 2023 00:00:00 -0400</pubDate>" in out["rss.xml"]
    assert feeds.rfc822(datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)) == "Mon, 02 Jan 2023 03:04:05 +0000"


def test_every_page_announces_its_feeds(make_site):
    config = make_site({}, base_url="https://example.org/news/")
    out = render(config, *three())
    for path, text in out.items():
        if path.endswith(".html"):
            assert 'type="application/atom+xml" title="sitegen news (Atom)" href="/news/feed.xml"' in text, path
            assert 'type="application/feed+json"' in text and 'type="application/rss+xml"' in text, path
    assert 'href="/news/tags/china/feed.xml"' in out["tags/china/index.html"].split("</head>")[0]
    assert 'href="/news/authors/afp/feed.xml"' in out["authors/afp/index.html"].split("</head>")[0]


def test_sitemap_lists_every_page_with_lastmod_and_robots_names_it(make_site):
    config = make_site({}, base_url="https://example.org/news/")
    out = render(config, *three(), now=datetime(2030, 1, 1, tzinfo=UTC))
    root = ElementTree.fromstring(out["sitemap.xml"])
    listed = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod").text for u in root}
    pages = {"https://example.org/news/" + p.removesuffix("index.html") for p in out
             if p.endswith(".html") and p != "404.html"}
    assert set(listed) == pages
    assert listed["https://example.org/news/2023/09/18/middle-b-b/"] == "2023-09-19T08:00:00+00:00"
    assert out["robots.txt"] == ("User-agent: *\nAllow: /\n\nSitemap: https://example.org/news/sitemap.xml\n"
                                 "Sitemap: https://example.org/news/news-sitemap.xml\n")
    # nothing of the last two days: the news sitemap is still there, an empty urlset (Google: keep the file)
    news = ElementTree.fromstring(out["news-sitemap.xml"])
    assert news.tag == f"{SITEMAP}urlset" and len(news) == 0


def test_a_big_site_gets_a_sitemap_index(make_site, monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 5)
    config = make_site({})
    out = render(config, *three())
    index = ElementTree.fromstring(out["sitemap.xml"])
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [s.find(f"{SITEMAP}loc").text.removeprefix("http://localhost:8000/") for s in index]
    assert parts == [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)] and len(parts) > 1
    urls = [u.find(f"{SITEMAP}loc").text for p in parts for u in ElementTree.fromstring(out[p])]
    assert len(urls) == len(set(urls)) == sum(1 for p in out if p.endswith(".html") and p != "404.html")
    assert all(len(ElementTree.fromstring(out[p])) <= 5 for p in parts)


def test_news_sitemap_lists_the_last_two_days_and_changes_with_the_day(make_site):
    config = make_site({}, base_url="https://example.org/news/", title="The Wire", publisher="Wire Media",
                       language="en-GB")
    texts = three()
    out = render(config, *texts, now=datetime(2023, 9, 19, 12, tzinfo=UTC))
    root = ElementTree.fromstring(out["news-sitemap.xml"])
    assert [u.find(f"{SITEMAP}loc").text.rsplit("/", 2)[-2] for u in root] == ["newest", "middle-b-b", "oldest"]
    first = root[0].find(f"{NEWS}news")
    assert first.find(f"{NEWS}publication/{NEWS}name").text == "Wire Media"
    assert first.find(f"{NEWS}publication/{NEWS}language").text == "en"
    assert first.find(f"{NEWS}title").text == "Newest"
    assert first.find(f"{NEWS}publication_date").text == "2023-09-19T00:00:00+00:00"
    assert out["robots.txt"].endswith("Sitemap: https://example.org/news/sitemap.xml\n"
                                      "Sitemap: https://example.org/news/news-sitemap.xml\n")
    later = render(config, *texts, now=datetime(2023, 9, 21, 9, tzinfo=UTC))
    assert len(ElementTree.fromstring(later["news-sitemap.xml"])) == 1


def test_the_news_sitemaps_signature_follows_the_day(make_site):
    config = make_site({})
    write_files(config.root, {f"content/{i}.md": text for i, text in enumerate(three())})
    cache = Cache(config.cache_path, "test")
    articles, _ = load_articles(config, cache)
    site, _ = build_site(articles, config.per_page, config.title)
    env = make_env(config)

    def signatures(now: datetime) -> dict[str, str]:
        return {p.path: p.signature for p in plan_pages(site, config, env, "g", cache.html, now=now)}

    morning = signatures(datetime(2023, 9, 19, 1, tzinfo=UTC))
    assert signatures(datetime(2023, 9, 19, 23, tzinfo=UTC)) == morning
    next_day = signatures(datetime(2023, 9, 20, 1, tzinfo=UTC))
    assert {p for p in morning if morning[p] != next_day.get(p)} == {"news-sitemap.xml"}


def test_now_comes_from_the_option_then_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1695081600")  # 2023-09-19T00:00:00Z
    assert feeds.resolve_now(None, UTC) == datetime(2023, 9, 19, tzinfo=UTC)
    assert feeds.resolve_now("2024-01-02", UTC) == datetime(2024, 1, 2, 23, 59, 59, tzinfo=UTC)
    assert feeds.resolve_now("2024-01-02T10:00:00+02:00", UTC) == datetime(2024, 1, 2, 8, tzinfo=UTC)
    with pytest.raises(SitegenError, match="--now 'soon' is not a date"):
        feeds.resolve_now("soon", UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SitegenError, match="SOURCE_DATE_EPOCH"):
        feeds.resolve_now(None, UTC)


def test_a_future_dated_article_is_held_back_and_reported_unless_published_on_purpose(make_site, capsys):
    config = make_site({"content/a.md": article("Tomorrow's news", date="2023-09-20"),
                        "content/b.md": article("Today's news", date="2023-09-19")})
    report = build(config, BuildOptions(now="2023-09-19T12:00:00+00:00"))
    assert report.future == [("content/a.md", "2023-09-20T00:00:00+00:00")]
    assert not (config.output_path / "2023/09/20/tomorrows-news/index.html").exists()
    assert main(["-C", str(config.root), "build", "--clean", "--now", "2023-09-19T12:00:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "held until 2023-09-20T00:00:00+00:00: content/a.md" in out
    assert "next change: 2023-09-20T00:00:00+00:00" in out
    assert out.strip().endswith("; 1 article held")
    assert main(["-C", str(config.root), "build", "--future", "--now", "2023-09-19T12:00:00+00:00"]) == 0
    assert "published before its time (2023-09-20T00:00:00+00:00, publish_future/--future): content/a.md" in \
        capsys.readouterr().out
    assert (config.output_path / "2023/09/20/tomorrows-news/index.html").is_file()


def json_ld(html: str) -> list[dict]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def test_articles_carry_news_article_and_breadcrumb_json_ld(make_site):
    config = make_site({}, base_url="https://example.org/news/", title="The Wire", image="/static/logo.png")
    out = render(config, *three(image="https://cdn.example.org/a.jpg"))
    news, crumbs = json_ld(out["2023/09/18/middle-b-b/index.html"])
    assert news["@context"] == "https://schema.org" and news["@type"] == "NewsArticle"
    assert news["headline"] == "Middle <b>&</b>"
    assert (news["datePublished"], news["dateModified"]) == ("2023-09-18T06:30:00+00:00", "2023-09-19T08:00:00+00:00")
    assert news["author"] == [{"@type": "Organization", "name": "Reuters",
                               "url": "https://example.org/news/authors/reuters/"}]
    assert news["publisher"]["name"] == "The Wire" and news["publisher"]["logo"]["url"].endswith("/static/logo.png")
    assert news["mainEntityOfPage"]["@id"] == "https://example.org/news/2023/09/18/middle-b-b/"
    assert news["keywords"] == ["China", "Russia"]
    assert "image" not in news  # no photo of its own: the site's logo is the publisher's, never its image
    oldest, _ = json_ld(out["2023/09/17/oldest/index.html"])
    assert oldest["image"] == ["https://cdn.example.org/a.jpg"]
    assert oldest["author"][0]["@type"] == "Person"
    assert [i["name"] for i in crumbs["itemListElement"]] == ["Home", "China", "Middle <b>&</b>"]
    assert crumbs["itemListElement"][-1]["item"] == news["url"]


def test_json_ld_cannot_break_out_of_its_script_element(make_site):
    config = make_site({})
    evil = "</script><script>alert(1)</script> & 'q' <!--"
    out = render(config, article(evil, tags=f"[{json.dumps(evil)}]", authors=f"[{json.dumps(evil)}]"))
    html = out[next(p for p in out if p.count("/") == 4)]
    head = html.split("</head>")[0]
    assert "alert(1)</script>" not in head and "<!--" not in head.split("<script")[1]
    assert json_ld(html)[0]["headline"] == evil


def test_pages_have_canonical_description_and_social_tags(make_site):
    config = make_site({"sitegen.yaml": "per_page: 1\n"}, base_url="https://example.org/news/")
    out = render(config, *three(image="/img/a.jpg"))
    second = Page(out["page/2/index.html"]).html
    assert '<link rel="canonical" href="https://example.org/news/page/2/">' in second
    assert '<meta name="description" content="News built with sitegen: page 2 of 3.">' in second
    story = out["2023/09/17/oldest/index.html"]
    for tag in ('<meta property="og:type" content="article">',
                '<meta property="og:url" content="https://example.org/news/2023/09/17/oldest/">',
                '<meta property="og:image" content="https://example.org/news/img/a.jpg">',
                '<meta name="twitter:card" content="summary_large_image">',
                '<meta property="article:published_time" content="2023-09-17T00:00:00+00:00">'):
        assert tag in story, tag
    assert '<meta name="twitter:card" content="summary">' in out["index.html"]
    assert '<meta name="robots" content="noindex">' in out["404.html"]


@pytest.mark.parametrize(("name", "organization"), [
    ("Reuters", True), ("AFP", True), ("AP", True), ("Staff", True), ("Agencies", True), ("Moscow Bureau", True),
    ("Associated Press", True), ("Jane Doe", False), ("Li Wei", False), ("Wang Yi", False)])
def test_bylines_that_are_organisations(name, organization):
    assert seo.is_organization(name) is organization


def test_reading_time():
    assert seo.reading_minutes(seo.word_count("<p>" + "word " * 10 + "</p>")) == 1
    assert seo.reading_minutes(seo.word_count("<p>" + "word " * 1150 + "</p>")) == 5


def test_the_demo_builds_with_every_feed(tmp_path: Path):
    site = tmp_path / "s"
    write_files(site, {"content/a.md": article("One", tags="[X]", authors="[Y]")})
    assert main(["-C", str(site), "build", "-q"]) == 0
    for name in ("feed.xml", "feed.json", "rss.xml", "tags/x/feed.xml", "authors/y/feed.xml", "sitemap.xml",
                 "robots.txt"):
        assert (site / "public" / name).is_file(), name


def test_the_front_page_describes_the_site_and_its_search(make_site):
    config = make_site({}, base_url="https://example.org/news/", title="The Wire")
    out = render(config, *three())
    [site] = json_ld(out["index.html"])
    assert site["@type"] == "WebSite" and site["name"] == "The Wire" and site["url"] == "https://example.org/news/"
    assert site["potentialAction"]["target"] == "https://example.org/news/search/?q={query}"


def test_feed_content_must_be_full_or_summary(make_site):
    from sitegen.core.errors import BuildFailed

    with pytest.raises(BuildFailed) as caught:
        make_site({"sitegen.yaml": "feed_content: excerpt\n"})
    assert str(caught.value.errors[0]).endswith("feed_content must be one of full, summary, not 'excerpt'")


def test_a_feed_entry_carries_its_first_ten_tags_as_categories(make_site):
    # Every tag feed repeats its entries: all of an article's tags in each made 1,000 tags a million categories.
    config = make_site({})
    names = [f"Topic {i}" for i in range(25)]
    out = render(config, article("Many", tags=json.dumps(names)),
                 article("Few", date="2023-09-18", tags=json.dumps(names[:8])))
    for path in ("feed.xml", "tags/topic-0/feed.xml", "tags/topic-24/feed.xml"):
        parsed = feedparser.parse(out[path])
        assert not parsed.bozo, path
        assert [t.label for t in parsed.entries[0].tags] == names[:10], path
    site = feedparser.parse(out["feed.xml"])
    assert [t.term for t in site.entries[1].tags] == [f"topic-{i}" for i in range(8)]  # a normal article: all
    rss = feedparser.parse(out["rss.xml"])
    assert [t.term for t in rss.entries[0].tags] == names[:10]
    assert [t.term for t in rss.entries[1].tags] == names[:8]
    items = json.loads(out["feed.json"])["items"]
    assert [items[0]["tags"], items[1]["tags"]] == [names[:10], names[:8]]
    assert "Topic 24" in Page(out["2023/09/19/many/index.html"]).text  # the article page still lists every tag
