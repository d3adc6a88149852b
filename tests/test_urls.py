import re
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.core import urls
from sitegen.core.model import Period


def test_slugify_keeps_words_and_drops_punctuation():
    assert urls.slugify("China’s FM in Moscow: Bilateral Relations") == "chinas-fm-in-moscow-bilateral-relations"


def test_slugify_transliterates_non_latin_headlines():
    assert urls.slugify("Путин встретился с Си Цзиньпином") == "putin-vstretilsya-s-si-tszinpinom"
    assert urls.slugify("中国外长访问莫斯科") == "zhongguowaizhangfangwenmosike"
    assert urls.slugify("Ελλάδα") == "ellada"


def test_slugify_never_returns_an_empty_slug():
    assert urls.slugify("!!! ??? …") .startswith("x")
    assert urls.slugify("🙂") != urls.slugify("🙃")


def test_slugify_caps_length_at_a_word_boundary():
    slug = urls.slugify("word " * 40)
    assert len(slug) <= urls.MAX_SLUG
    assert not slug.endswith("-")


@given(st.text())
def test_slugify_is_always_a_safe_single_segment(text):
    slug = urls.slugify(text)
    assert slug
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert slug == slug.strip("-")


def test_url_scheme_matches_the_design():
    assert urls.article_url(date(2023, 9, 19), "slug") == "/2023/09/19/slug/"
    assert urls.index_url(1) == "/"
    assert urls.index_url(2) == "/page/2/"
    assert urls.tag_url("china") == "/tags/china/"
    assert urls.tag_url("china", 3) == "/tags/china/page/3/"
    assert urls.archive_url(Period(2023)) == "/2023/"
    assert urls.archive_url(Period(2023, 9)) == "/2023/09/"
    assert urls.archive_url(Period(2023, 9, 1), 2) == "/2023/09/01/page/2/"
    assert urls.author_url("staff") == "/authors/staff/"
    assert urls.tag_feed_url("china") == "/tags/china/feed.xml"


def test_output_path_and_base_path():
    assert urls.output_path("/") == "index.html"
    assert urls.output_path("/2023/09/") == "2023/09/index.html"
    assert urls.output_path("/feed.xml") == "feed.xml"
    assert urls.with_base("/", "/tags/") == "/tags/"
    assert urls.with_base("/news/", "/tags/") == "/news/tags/"


# --- no input makes a URL or an output path that leaves its place -----------------------------------------

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HOSTILE_NAMES = ["..", "/", ".", "%2e%2e", "..%2f..", "../../etc/passwd", "..\\..\\boot.ini", "CON", "con",
                 "Nul", "LPT1", "COM9", "aux.txt", "🙂", "🙂🙃", "🇺🇦", "שלום עולם", "مرحبا بالعالم",
                 "\u202e\u200f\u200b", "\x00", " ", "-", "—", "...", "~", "$HOME", "C:\\Windows", "%00"]
_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=120)
_TEXT_OR_HOSTILE = st.one_of(_TEXT, st.sampled_from(HOSTILE_NAMES),
                             st.lists(st.sampled_from(HOSTILE_NAMES), min_size=2, max_size=4).map(" ".join))
_DAYS = st.one_of(st.dates(), st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(2024, 2, 29)]))


def assert_safe(url: str, output: Path) -> None:
    """A site-relative URL whose every segment is a plain name and whose file stays inside ``output``."""
    assert url.startswith("/") and "\\" not in url and "//" not in url, url
    segments = url.strip("/").split("/")
    assert all(s not in ("", ".", "..") for s in segments) or url == "/", url
    assert all(s.split(".")[0].lower() not in urls.WINDOWS_RESERVED for s in segments), url
    target = (output / urls.output_path(url)).resolve()
    assert target.is_relative_to(output) and target != output, url


@settings(max_examples=300, deadline=None)
@given(name=_TEXT_OR_HOSTILE)
def test_any_name_gives_one_plain_segment(name):
    slug = urls.slugify(name)
    assert _SLUG.fullmatch(slug), slug
    assert len(slug) <= urls.MAX_SLUG and slug not in urls.WINDOWS_RESERVED
    assert urls.slugify(slug) == slug  # a slug written back into front matter stays the same


@settings(max_examples=300, deadline=None)
@given(title=_TEXT_OR_HOSTILE, tag=_TEXT_OR_HOSTILE, author=_TEXT_OR_HOSTILE, day=_DAYS,
       page=st.integers(min_value=-3, max_value=10**6))
def test_every_url_function_stays_inside_the_output_folder(title, tag, author, day, page):
    output = Path("/srv/site/public")
    tag_slug, author_slug = urls.slugify(tag), urls.slugify(author)
    made = [
        urls.article_url(day, urls.slugify(title)),
        urls.article_url(day, urls.slugify(title, limit=4 * urls.MAX_SLUG)),
        urls.index_url(page), urls.tag_url(tag_slug, page), urls.author_url(author_slug, page),
        urls.tag_feed_url(tag_slug), urls.author_feed_url(author_slug),
        urls.archive_url(Period(day.year), page), urls.archive_url(Period(day.year, day.month), page),
        urls.archive_url(Period(day.year, day.month, day.day), page),
        urls.tags_index_url(), urls.authors_index_url(), urls.archive_index_url(), urls.feed_url(),
        urls.json_feed_url(), urls.rss_url(), urls.sitemap_url(), urls.sitemap_url(max(page, 1)),
        urls.news_sitemap_url(), urls.search_url(), urls.static_url("style.css"),
    ]
    for url in made:
        assert_safe(url, output)
        assert urls.with_base("/news/", url).startswith("/news/")


def test_hostile_tag_names_get_distinct_usable_slugs():
    slugs = {name: urls.slugify(name) for name in HOSTILE_NAMES}
    assert slugs["CON"] == slugs["con"] != "con"  # one page for every spelling, but never a Windows device name
    assert slugs["%2e%2e"] == "2e-2e" and slugs["שלום עולם"] == "slvm-vlm"
    dotted = [slugs[n] for n in ("..", "/", ".", "...", "-", " ")]
    assert len(set(dotted)) == len(dotted)  # punctuation-only names do not all land on one page
    assert slugs["🙂"] != slugs["🙂🙃"]
    for slug in slugs.values():
        assert_safe(urls.tag_url(slug), Path("/srv/site/public"))


def test_extreme_dates_make_four_digit_archive_paths():
    assert urls.article_url(date(1, 1, 1), "a") == "/0001/01/01/a/"
    assert urls.article_url(date(9999, 12, 31), "a") == "/9999/12/31/a/"
    assert urls.output_path(urls.archive_url(Period(1, 1, 1), 2)) == "0001/01/01/page/2/index.html"
