"""Pure grouping: tags, authors, date archives and pagination. No I/O."""

from __future__ import annotations

import re
from bisect import bisect_left
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


# --- related articles ---------------------------------------------------------------------------------

RELATED = 3  # related articles shown under each article
_WINDOW = 10  # neighbours (by date) looked at in each shared tag or word: bounded work on any site size
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
the and for with from that this was were are has have had not but its his her their they them after before
into over under about than then also been will would could should said says say more most new one two three
who what when where which while why how all any can may our out off per via
""".split())  # noqa: SIM905 - a word list reads best as words


def related_articles(articles: Sequence[Article], limit: int = RELATED) -> dict[str, tuple[Article, ...]]:
    """Each article's closest others, by URL: most shared tags first, then most similar headline and
    summary words, then nearest in time. Pure and deterministic.

    Only the ``_WINDOW`` nearest neighbours in time within each tag (and each word, for articles with
    few tags) are candidates, and only the nearest few of the best-sharing ones are compared word by
    word, so the work grows with the number of articles, not its square; news finds its recent context.
    """
    ordered = sort_articles(articles)
    words = [_words(a) for a in ordered]
    by_tag: dict[str, list[int]] = defaultdict(list)
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(ordered):
        for tag in article.tags:
            by_tag[tag.slug].append(i)
        for word in words[i]:
            by_word[word].append(i)
    related: dict[str, tuple[Article, ...]] = {}
    for i, article in enumerate(ordered):
        shared: Counter[int] = Counter()
        for tag in article.tags:
            shared.update(_neighbours(by_tag[tag.slug], i))
        if len(shared) < limit:
            for word in words[i]:
                for j in _neighbours(by_word[word], i):
                    shared.setdefault(j, 0)
        nearest = sorted([(-count, abs(j - i), j) for j, count in shared.items()])[: 3 * limit]
        mine = words[i]
        best = sorted([(key, -_similarity(mine, words[j]), distance, j) for key, distance, j in nearest])
        related[article.url] = tuple(ordered[j] for *_rest, j in best[:limit])
    return related


def _neighbours(members: list[int], i: int) -> list[int]:
    """The members nearest to article ``i`` (members are indexes in date order), ``i`` itself left out."""
    at = bisect_left(members, i)
    return [j for j in members[max(0, at - _WINDOW): at + _WINDOW + 1] if j != i]


def _words(article: Article) -> frozenset[str]:
    text = f"{article.title} {article.summary}".casefold()
    return frozenset(w for w in _WORD.findall(text) if w not in _STOP)


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5
