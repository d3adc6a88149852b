from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.core import urls
from sitegen.core.model import Article, Author, Period, Tag
from sitegen.site.collect import build_site, group_by_period, group_by_tag, paginate, sort_articles


def make(title: str, when: str, tags=(), authors=(), path: str | None = None, slug: str | None = None) -> Article:
    date = datetime.fromisoformat(when).replace(tzinfo=UTC)
    slug = slug or urls.slugify(title)
    return Article(
        title=title, date=date, slug=slug, url=urls.article_url(date, slug), path=Path(path or f"{slug}.md"),
        fingerprint=title, tags=tuple(Tag(t, urls.slugify(t)) for t in tags),
        authors=tuple(Author(a, urls.slugify(a)) for a in authors),
    )


def test_articles_sort_newest_first_and_ties_by_url():
    a, b, c = make("b", "2023-01-01"), make("a", "2023-01-01"), make("c", "2024-01-01")
    assert [x.title for x in sort_articles([a, b, c])] == ["c", "a", "b"]


def test_tags_group_by_slug_and_show_the_most_used_spelling():
    arts = [make("1", "2023-01-01", ["china"]), make("2", "2023-01-02", ["China"]),
            make("3", "2023-01-03", ["China", "Russia"])]
    groups = group_by_tag(arts)
    assert [(t.name, t.slug, len(m)) for t, m in groups.items()] == [("China", "china", 3), ("Russia", "russia", 1)]


def test_periods_group_years_months_and_days_newest_first():
    arts = [make("x", "2023-09-19"), make("y", "2023-09-01"), make("z", "2022-01-05")]
    groups = group_by_period(arts)
    assert list(groups)[:4] == [Period(2023), Period(2023, 9), Period(2023, 9, 19), Period(2023, 9, 1)]
    assert len(groups[Period(2023)]) == 2
    assert Period(2023, 9, 19).label == "19 September 2023"
    assert Period(2023, 9).label == "September 2023"


def test_paginate_links_pages_both_ways():
    arts = [make(str(i), f"2023-01-{i + 1:02d}") for i in range(25)]
    pages = paginate("index", "Home", arts, 10, urls.index_url)
    assert [(p.url, len(p.articles), p.prev_url, p.next_url) for p in pages] == [
        ("/", 10, None, "/page/2/"),
        ("/page/2/", 10, "/", "/page/3/"),
        ("/page/3/", 5, "/page/2/", None),
    ]
    assert paginate("index", "Home", [], 10, urls.index_url)[0].articles == ()


def test_two_articles_on_the_same_url_name_both_files():
    site, errors = build_site([make("Same", "2023-01-01", path="content/a.md"),
                               make("Same", "2023-01-01", path="content/b.md")], 10, "Site")
    assert [str(e) for e in errors] == [
        "content/b.md: same URL /2023/01/01/same/ as content/a.md: give one of them another 'slug' or 'date'"
    ]


def test_site_has_a_page_for_every_listing():
    site, errors = build_site([make("One", "2023-09-19", ["China"], ["Staff"])], 10, "Site")
    assert not errors
    assert sorted(p.url for p in site.pages) == [
        "/", "/2023/", "/2023/09/", "/2023/09/19/", "/authors/staff/", "/tags/china/",
    ]


def test_related_articles_share_tags_first_then_words_and_never_themselves():
    from sitegen.site.collect import related_articles

    arts = [
        make("Wheat prices climb in Kenya", "2023-01-01", ["Kenya", "Wheat"]),
        make("Kenya wheat harvest fails", "2023-01-02", ["Kenya", "Wheat"]),
        make("Kenya elects a president", "2023-01-03", ["Kenya"]),
        make("Wheat futures in Chicago", "2023-01-04", ["Markets"]),
        make("Nothing in common here", "2023-01-05", ["Elsewhere"]),
        make("Kenya votes again", "2023-01-06", ["Kenya"]),
    ]
    related = related_articles(arts, limit=3)
    assert set(related) == {a.url for a in arts}
    assert [a.title for a in related[arts[0].url]] == [
        "Kenya wheat harvest fails",  # two shared tags
        "Kenya elects a president",  # one shared tag, nearer in time than "Kenya votes again"
        "Kenya votes again"]
    # no shared tag: the two sharing a word come first, the nearer in time before the other
    assert [a.title for a in related[arts[3].url]][:2] == ["Kenya wheat harvest fails", "Wheat prices climb in Kenya"]
    assert all(a.url not in {r.url for r in related[a.url]} for a in arts)
    assert related == related_articles(list(reversed(arts)), limit=3)  # the input order does not matter


_TAGS = ["Kenya", "Wheat", "Markets", "China", "Elections", "Oil", "Rain"]
_WORDS = ["wheat", "kenya", "prices", "harvest", "votes", "oil", "rain", "floods", "court", "bank"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_related_articles_after_edits_equal_a_full_pass(data):
    """The memo path (only articles near a change worked out again) finds exactly what a full pass finds."""
    from dataclasses import replace

    from sitegen.core.model import RelatedMemo
    from sitegen.incremental.related import related_again
    from sitegen.site.collect import related_articles, sort_articles

    def title(draw_words):
        return " ".join(draw_words).capitalize() or "Untitled"

    n = data.draw(st.integers(20, 250))  # tag lists longer than two windows: the edges of a window matter
    arts = []
    for i in range(n):
        words = data.draw(st.lists(st.sampled_from(_WORDS), max_size=4))
        tags = data.draw(st.lists(st.sampled_from(_TAGS), max_size=3, unique=True))
        arts.append(make(f"{title(words)} {i}", f"2023-01-{1 + i % 28:02d}", tags))
    memo = RelatedMemo()
    assert related_again(sort_articles(arts), memo) == related_articles(arts)
    for _round in range(4):
        for i in data.draw(st.lists(st.integers(0, len(arts) - 1), max_size=4)):
            tags = data.draw(st.lists(st.sampled_from(_TAGS), max_size=3, unique=True))
            words = data.draw(st.lists(st.sampled_from(_WORDS), max_size=4))
            arts[i] = replace(arts[i], tags=tuple(Tag(t, urls.slugify(t)) for t in tags),
                              summary=" ".join(words))
        # articles deleted and added (anywhere in time) since the last pass: their neighbours are redone
        for i in sorted(set(data.draw(st.lists(st.integers(0, len(arts) - 1), max_size=3))), reverse=True):
            del arts[i]
        for _added in range(data.draw(st.integers(0, 3))):
            words = data.draw(st.lists(st.sampled_from(_WORDS), max_size=4))
            tags = data.draw(st.lists(st.sampled_from(_TAGS), max_size=3, unique=True))
            arts.append(make(f"{title(words)} added {len(arts)} {_round}",
                             f"2023-01-{data.draw(st.integers(1, 28)):02d}", tags))
        if data.draw(st.booleans()):
            memo.index = None  # as read back from the cache by the next build
        assert related_again(sort_articles(arts), memo) == related_articles(arts)


def test_a_first_related_pass_on_another_core_equals_a_full_pass_and_leaves_a_memo_edits_start_from():
    """What a clean build plans with (incremental.related.start, forked beside the rest of the plan)."""
    from dataclasses import replace

    from sitegen.core.model import RelatedMemo
    from sitegen.incremental import related
    from sitegen.site.collect import related_articles, sort_articles

    arts = [make(f"{_WORDS[i % 10]} {_WORDS[i * 7 % 10]} {i}", f"2023-01-{1 + i % 28:02d}",
                 [_TAGS[i % 7], _TAGS[i * 3 % 7]]) for i in range(300)]
    memo = RelatedMemo()
    started = related.start(sort_articles(arts), memo, jobs=2, least=1)
    assert started is not None and callable(started._found)  # still on its way
    assert started == related_articles(arts)
    assert memo.urls == [a.url for a in sort_articles(arts)] and len(memo.found) == len(memo.keys) == 300
    assert related.start(sort_articles(arts), memo, jobs=2, least=1) is None  # a pass to start from now
    arts[5] = replace(arts[5], tags=(Tag("Oil", "oil"),), summary="floods court")
    assert related.related_again(sort_articles(arts), memo) == related_articles(arts)
    assert related.start(sort_articles(arts), RelatedMemo(), jobs=1, least=1) is None  # one core: as before
    assert related.start(sort_articles(arts), RelatedMemo(), jobs=2) is None  # a small site: as before


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sets(st.sampled_from(["Oil", "Gas", "Kenya"])), st.booleans(),
                          st.sampled_from(["Ann", "Bo", "Cy"])), min_size=1, max_size=30),
       st.integers(1, 4), st.data())
def test_the_list_pages_showing_an_article_are_found_without_making_the_others(rows, per_page, data):
    from sitegen.site.collect import list_page_count, list_pages, pages_showing

    arts = [make(f"Story {i}", f"2023-0{1 + day % 3}-{1 + day % 28:02d}",
                 sorted(t.lower() if lower else t for t in tags), [author])  # spellings differ, slugs agree
            for i, (day, tags, lower, author) in enumerate(rows)]
    site, _ = build_site(arts, per_page, "Front")
    everything = list(enumerate(list_pages(site)))
    assert list_page_count(site) == len(everything) == len(site.pages)
    chosen = data.draw(st.lists(st.sampled_from(site.articles), max_size=3))
    expected = [(k, page) for k, page in everything if any(a in page.articles for a in chosen)]
    assert pages_showing(site, chosen) == expected
