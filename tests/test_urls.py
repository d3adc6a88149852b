from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sitegen import urls
from sitegen.model import Period


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
