"""Pure grouping: tags, authors, date archives and pagination. No I/O."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from . import urls
from .errors import ContentError
from .model import Article, Author, ListPage, Period, Site, Tag

K = TypeVar("K", Tag, Author, Period)


def sort_articles(articles: Iterable[Article]) -> list[Article]:
    """Newest first; same moment broken by URL so the order never depends on the file system."""
    return sorted(articles, key=lambda a: (-a.date.timestamp(), a.url))


def duplicate_urls(articles: Sequence[Article]) -> list[ContentError]:
    """Two articles that would write the same page: an error naming both files."""
    first: dict[str, Article] = {}
    errors = []
    for article in sorted(articles, key=lambda a: str(a.path)):
        other = first.setdefault(article.url, article)
        if other is not article:
            errors.append(ContentError(
                article.path, None,
                f"same URL {article.url} as {other.path}: give one of them another 'slug' or 'date'"))
    return errors


def group_by_tag(articles: Sequence[Article]) -> dict[Tag, tuple[Article, ...]]:
    """Tags keyed by slug; the spelling most articles use is the one shown."""
    return _group_named(articles, lambda a: a.tags, Tag)


def group_by_author(articles: Sequence[Article]) -> dict[Author, tuple[Article, ...]]:
    return _group_named(articles, lambda a: a.authors, Author)


def _group_named(articles: Sequence[Article], names: Callable[[Article], Iterable[K]], kind: type) -> dict:
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        for item in names(article):
            members[item.slug].append(article)
            spellings[item.slug][item.name] += 1
    groups = {}
    for slug in sorted(members, key=lambda s: (_best_name(spellings[s]).casefold(), s)):
        groups[kind(_best_name(spellings[slug]), slug)] = tuple(members[slug])
    return groups


def _best_name(counts: Counter[str]) -> str:
    return min(counts, key=lambda name: (-counts[name], name))


def group_by_period(articles: Sequence[Article]) -> dict[Period, tuple[Article, ...]]:
    """Year, month and day archives, newest period first."""
    groups: dict[Period, list[Article]] = defaultdict(list)
    for article in articles:
        day = article.period
        for period in (Period(day.year), Period(day.year, day.month), day):
            groups[period].append(article)
    return {p: tuple(groups[p]) for p in sorted(groups, key=lambda p: p.sort_key)}


def paginate(kind: str, title: str, articles: Sequence[Article], per_page: int,
             url: Callable[[int], str], subject: Tag | Author | Period | None = None) -> list[ListPage]:
    """Split a list into pages of ``per_page``; an empty list still gets its first page."""
    count = max(1, -(-len(articles) // per_page))
    return [
        ListPage(
            kind=kind,
            url=url(number),
            title=title,
            articles=tuple(articles[(number - 1) * per_page: number * per_page]),
            number=number,
            count=count,
            prev_url=url(number - 1) if number > 1 else None,
            next_url=url(number + 1) if number < count else None,
            subject=subject,
        )
        for number in range(1, count + 1)
    ]


def build_site(articles: Iterable[Article], per_page: int, site_title: str) -> tuple[Site, list[ContentError]]:
    """Group the articles into everything the renderer lists; report URL collisions."""
    ordered = sort_articles(articles)
    errors = duplicate_urls(ordered)
    tags = group_by_tag(ordered)
    authors = group_by_author(ordered)
    periods = group_by_period(ordered)
    pages = paginate("index", site_title, ordered, per_page, urls.index_url)
    for tag, members in tags.items():
        pages += paginate("tag", tag.name, members, per_page,
                          lambda n, s=tag.slug: urls.tag_url(s, n), tag)
    for author, members in authors.items():
        pages += paginate("author", author.name, members, per_page,
                          lambda n, s=author.slug: urls.author_url(s, n), author)
    for period, members in periods.items():
        pages += paginate("archive", period.label, members, per_page,
                          lambda n, p=period: urls.archive_url(p, n), period)
    site = Site(articles=tuple(ordered), tags=tags, authors=authors, periods=periods, pages=tuple(pages))
    return site, errors
