"""Pure grouping: tags, authors, date archives and pagination. No I/O."""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from sys import intern
from typing import TypeVar

from sitegen.core import urls
from sitegen.core.errors import ContentError
from sitegen.core.model import Article, Author, ListPage, Period, Section, Site, Tag

K = TypeVar("K", Tag, Author)
Subject = Tag | Author | Period | Section | None


def sort_articles(articles: Iterable[Article]) -> list[Article]:
    """Newest first by time; a story dated without a time of day comes after that day's timed ones (it
    counts as the start of the day); the same moment is broken by the seed's file name, then the URL,
    so the order never depends on the file system."""
    return sorted(articles, key=_order)


def _order(article: Article) -> tuple[float, bool, str, str]:
    return (-article.dated.timestamp(), article.date_only, article.source or "", article.url)


def duplicate_urls(articles: Sequence[Article]) -> list[ContentError]:
    """Two articles that would write the same page: an error naming both files."""
    if len({a.url for a in articles}) == len(articles):  # the usual case, checked without sorting
        return []
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
    return _group_named(articles, attrgetter("tags"), Tag)


def group_by_author(articles: Sequence[Article]) -> dict[Author, tuple[Article, ...]]:
    return _group_named(articles, attrgetter("authors"), Author)


def _group_named(articles: Sequence[Article], names: Callable[[Article], Iterable[K]], kind: type) -> dict:
    members: dict[str, list[Article]] = defaultdict(list)
    written: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        for item in names(article):
            members[item.slug].append(article)
            written[item.slug].append(item.name)
    spellings = {slug: Counter(names) for slug, names in written.items()}  # counted in C: a third of the time
    groups = {}
    for slug in sorted(members, key=lambda s: (_best_name(spellings[s]).casefold(), s)):
        groups[kind(_best_name(spellings[slug]), slug)] = tuple(members[slug])
    return groups


def _best_name(counts: Counter[str]) -> str:
    return min(counts, key=lambda name: (-counts[name], name))


def group_by_period(articles: Sequence[Article]) -> dict[Period, tuple[Article, ...]]:
    """Year, month and day archives, newest period first."""
    # Grouped under plain tuples, which hash in C, then one Period each: hashing a Period three times an
    # article was most of the time of this function.
    groups: dict[tuple[int, ...], list[Article]] = defaultdict(list)
    for article in articles:
        for key in _period_keys(article):
            groups[key].append(article)
    periods = {Period(*key): members for key, members in groups.items()}
    return {p: tuple(periods[p]) for p in sorted(periods, key=lambda p: p.sort_key)}


def _period_keys(article: Article) -> tuple[tuple[int], tuple[int, int], tuple[int, int, int]]:
    """The keys (``Period.key``) of the year, month and day an article is archived under."""
    date = article.dated
    return (date.year,), (date.year, date.month), (date.year, date.month, date.day)


def paginate(kind: str, title: str, articles: Sequence[Article], per_page: int,
             url: Callable[[int], str], subject: Subject = None) -> list[ListPage]:
    """Split a list into pages of ``per_page``; an empty list still gets its first page."""
    count = _page_count(articles, per_page)
    address = ["", *map(url, range(1, count + 1))].__getitem__  # each page's, its neighbours' too: made once
    return [_list_page(kind, title, articles, per_page, address, subject, number, count)
            for number in range(1, count + 1)]


def _page_count(articles: Sequence[Article], per_page: int) -> int:
    return max(1, -(-len(articles) // per_page))


def _list_page(kind: str, title: str, articles: Sequence[Article], per_page: int, url: Callable[[int], str],
               subject: Subject, number: int, count: int) -> ListPage:
    return ListPage(
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


def build_site(articles: Iterable[Article], per_page: int, site_title: str, sections: Sequence[Section] = (),
               section_of: Callable[[str], Section | None] | None = None,
               standalone: Iterable[Article] = ()) -> tuple[Site, list[ContentError]]:
    """Group the articles into everything the renderer lists; report URL collisions. ``sections``: the
    settings' sections, in order; ``section_of``: the section an article's ``section`` names (checked
    before); ``standalone``: the undated pages, listed nowhere but the site map."""
    ordered = sort_articles(articles)
    pages = tuple(sorted(standalone, key=lambda a: a.url))
    errors = duplicate_urls([*ordered, *pages])
    find = section_of or (lambda _name: None)
    site = Site(articles=tuple(ordered), tags=group_by_tag(ordered), authors=group_by_author(ordered),
                periods=group_by_period(ordered), per_page=per_page, title=site_title, paginate=list_pages,
                sections=group_by_section(ordered, sections, find), standalone=pages, section_of=find)
    return site, errors


def group_by_section(articles: Sequence[Article], sections: Sequence[Section],
                     section_of: Callable[[str], Section | None]) -> dict[Section, tuple[Article, ...]]:
    """Each section's articles, newest first, in the settings' order; a section with none still listed."""
    members: dict[Section, list[Article]] = {section: [] for section in sections}
    for article in articles:
        if article.section and (section := section_of(article.section)) is not None and section in members:
            members[section].append(article)
    return {section: tuple(found) for section, found in members.items()}


def updated_site(previous: Site, articles: Sequence[Article]) -> Site | None:
    """``previous`` with the articles that changed replaced, when each still sits where it sat (same
    address, dates, tags and authors): the groups are patched instead of made again. None otherwise."""
    if len(articles) != len(previous.articles):
        return None
    before = {a.url: a for a in previous.articles}
    swap: dict[int, Article] = {}
    for article in articles:
        old = before.get(article.url)
        if old is None:
            return None
        if old is not article:
            if (old.date, old.updated, old.tags, old.authors, old.section, old.date_only, old.source,
                    old.corrections) != (article.date, article.updated, article.tags, article.authors,
                                         article.section, article.date_only, article.source, article.corrections):
                return None
            swap[id(old)] = article
    if not swap:
        return previous

    def patched(members: tuple[Article, ...]) -> tuple[Article, ...]:
        return tuple([swap.get(id(a), a) for a in members])

    changed = list(swap.values())
    tags, authors, periods = dict(previous.tags), dict(previous.authors), dict(previous.periods)
    sections = {section: patched(members) for section, members in previous.sections.items()}
    slugs = {a.slug for c in changed for a in c.tags} | {a.slug for c in changed for a in c.authors}
    for tag in [tag for tag in tags if tag.slug in slugs]:
        tags[tag] = patched(tags[tag])
    for author in [author for author in authors if author.slug in slugs]:
        authors[author] = patched(authors[author])
    for article in changed:
        for key in _period_keys(article):
            periods[Period(*key)] = patched(periods[Period(*key)])
    return Site(articles=patched(previous.articles), tags=tags, authors=authors, periods=periods,
                per_page=previous.per_page, title=previous.title, paginate=previous.paginate, sections=sections,
                standalone=previous.standalone, section_of=previous.section_of)


_Group = tuple[str, str, Sequence[Article], Callable[[int], str], Subject]


def _groups(site: Site) -> Iterator[_Group]:
    """Each paginated list, in page order: the front page, then each tag, author and archive period."""
    yield "index", site.title, site.articles, urls.index_url, None
    for section, members in site.sections.items():
        yield "section", section.name, members, functools.partial(urls.section_url, section.slug), section
    for tag, members in site.tags.items():
        yield "tag", tag.name, members, functools.partial(urls.tag_url, tag.slug), tag
    for author, members in site.authors.items():
        yield "author", author.name, members, functools.partial(urls.author_url, author.slug), author
    for period, members in site.periods.items():
        yield "archive", period.label, members, functools.partial(urls.archive_url, period), period


def list_pages(site: Site) -> tuple[ListPage, ...]:
    """Every list page: the paginated front page, then each tag's, author's and archive period's pages."""
    pages: list[ListPage] = []
    for kind, title, members, url, subject in _groups(site):
        pages += paginate(kind, title, members, site.per_page, url, subject)
    return tuple(pages)


def list_page_count(site: Site) -> int:
    return sum(_page_count(members, site.per_page) for _kind, _title, members, _url, _subject in _groups(site))


def subject_key(subject: Subject) -> str:
    """The key of a list's subject: ``tag:kenya``, ``author:…``, ``section:…``, ``period:2023-09``, or
    ``index`` for the front page."""
    if isinstance(subject, Tag):
        return f"tag:{subject.slug}"
    if isinstance(subject, Author):
        return f"author:{subject.slug}"
    if isinstance(subject, Section):
        return f"section:{subject.slug}"
    if isinstance(subject, Period):
        return "period:" + "-".join(map(str, subject.key))
    return "index"


def subjects_of(article: Article, site: Site) -> tuple[str, ...]:
    """The keys (``subject_key``) of the lists that show the article, tags and authors each with its
    spelling there (a new spelling can rename the tag's pages)."""
    section = site.section_of(article.section) if article.section else None
    # Interned: a day's, a tag's and an author's keys are shared by all their articles, in memory and in
    # the cache record (marshal writes a shared string once), not made again for each (60 MB at 100k)
    return ("index", *[intern("period:" + "-".join(map(str, key))) for key in _period_keys(article)],
            *[intern(f"tag:{t.slug}\x1f{t.name}") for t in article.tags],
            *[intern(f"author:{x.slug}\x1f{x.name}") for x in article.authors],
            *([intern(f"section:{section.slug}")] if section is not None else []))


def pages_showing(site: Site, articles: Iterable[Article]) -> list[tuple[int, ListPage]]:
    """The list pages that show any of ``articles`` (of the site), each with its position among
    ``list_pages(site)``, made without making the others (21k at 10k articles)."""
    wanted = list(articles)
    tags = {t.slug for a in wanted for t in a.tags}
    authors = {x.slug for a in wanted for x in a.authors}
    periods = {key for a in wanted for key in _period_keys(a)}
    sections = {s.slug for a in wanted if a.section and (s := site.section_of(a.section)) is not None}
    found: dict[int, ListPage] = {}
    position = 0
    for kind, title, members, url, subject in _groups(site):
        count = _page_count(members, site.per_page)
        if (subject is None or (isinstance(subject, Tag) and subject.slug in tags)
                or (isinstance(subject, Author) and subject.slug in authors)
                or (isinstance(subject, Period) and subject.key in periods)
                or (isinstance(subject, Section) and subject.slug in sections)):
            for article in wanted:
                at = bisect_left(members, _order(article), key=_order)
                if at < len(members) and members[at] is article:
                    number = at // site.per_page + 1
                    found[position + number - 1] = _list_page(kind, title, members, site.per_page, url, subject,
                                                              number, count)
        position += count
    return sorted(found.items())


# --- related articles ---------------------------------------------------------------------------------

RELATED = 3  # related articles shown under each article
WINDOW = 10  # neighbours (by date) looked at in each shared tag or word: bounded work on any site size
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
the and for with from that this was were are has have had not but its his her their they them after before
into over under about than then also been will would could should said says say more most new one two three
who what when where which while why how all any can may our out off per via
""".split())  # noqa: SIM905 - a word list reads best as words


def related_articles(articles: Sequence[Article], limit: int = RELATED, *, in_order: bool = False) -> Related:
    """Each article's closest others, by URL: most shared tags first, then most similar headline and
    summary words, then nearest in time. Pure and deterministic.

    Only the ``WINDOW`` nearest neighbours in time within each tag (and each word, for articles with
    few tags) are candidates, and only the nearest few of the best-sharing ones are compared word by
    word, so the work grows with the number of articles, not its square; news finds its recent context.
    ``in_order``: the articles are already sorted newest first (as ``build_site`` sorts them). A rebuild
    redoes only the articles near a change (``incremental.related``), with the same result.
    """
    ordered = list(articles) if in_order else sort_articles(articles)
    return Related(ordered, related_pass(related_keys(ordered), [words_of(a) for a in ordered], limit)[2])


# what related articles look at: tag slugs, headline, summary, and the time (nearest first, by the clock: an
# article added or deleted between two others moves neither nearer, so a rebuild redoes only its neighbours)
RelatedKey = tuple[tuple[str, ...], str, str, float]
Words = tuple[str, ...]  # an article's headline and summary words, sorted, each once


def related_keys(ordered: Sequence[Article]) -> list[RelatedKey]:
    return [(tuple([t.slug for t in a.tags]), a.title, a.summary, a.dated.timestamp()) for a in ordered]


def related_pass(keys: list[RelatedKey], words: list[Words], limit: int = RELATED) \
        -> tuple[dict[str, list[int]], dict[str, list[int]], list[tuple[int, ...]]]:
    """The positions under each tag and each word, and each article's related ones as positions."""
    by_tag, by_word = members(keys, words)
    return by_tag, by_word, [related_to(i, keys, words, by_tag, by_word, limit) for i in range(len(keys))]


class Related(Mapping[str, tuple[Article, ...]]):
    """Each article's related ones by URL, looked up when asked: a rebuild asks for a few, not 10k.
    ``found``: each article's related ones as positions in date order; given as a function, it is called
    when first needed (a pass still being worked out on another core: ``incremental.related.start``)."""

    def __init__(self, ordered: list[Article],
                 found: list[tuple[int, ...]] | Callable[[], list[tuple[int, ...]]]) -> None:
        self._ordered, self._found = ordered, found
        self._at = {a.url: i for i, a in enumerate(ordered)}

    @property
    def found(self) -> list[tuple[int, ...]]:
        if callable(self._found):
            self._found = self._found()
        return self._found

    def __getitem__(self, url: str) -> tuple[Article, ...]:
        return tuple(self._ordered[j] for j in self.found[self._at[url]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def members(keys: list[RelatedKey],
            words: list[Words]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Positions of the articles carrying each tag and each word, in date order."""
    by_tag: dict[str, list[int]] = defaultdict(list)
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, (tags, *_rest) in enumerate(keys):
        for slug in tags:
            by_tag[slug].append(i)
        for word in words[i]:
            by_word[word].append(i)
    return by_tag, by_word


def related_to(i: int, keys: list[RelatedKey], words: list[Words],
               by_tag: dict[str, list[int]], by_word: dict[str, list[int]], limit: int) -> tuple[int, ...]:
    shared: Counter[int] = Counter()
    for slug in keys[i][0]:
        shared.update(_neighbours(by_tag[slug], i))
    if len(shared) < limit:
        for word in words[i]:
            for j in _neighbours(by_word[word], i):
                shared.setdefault(j, 0)
    when = keys[i][3]
    nearest = sorted([(-count, abs(keys[j][3] - when), j) for j, count in shared.items()])[: 3 * limit]
    mine = frozenset(words[i])
    best = sorted([(key, -_similarity(mine, words[j]), distance, j) for key, distance, j in nearest])
    return tuple(j for *_rest, j in best[:limit])


def _neighbours(members: list[int], i: int) -> list[int]:
    """The members nearest to article ``i`` (members are indexes in date order), ``i`` itself left out."""
    at = bisect_left(members, i)
    return [j for j in members[max(0, at - WINDOW): at + WINDOW + 1] if j != i]


def words_of(article: Article) -> Words:
    # Interned and in a tuple, not a set: the same few thousand words recur in every headline, and at 100k
    # articles their own copies in 100k sets were the largest part of the build's memory.
    text = f"{article.title} {article.summary}".casefold()
    return tuple(sorted({intern(w) for w in _WORD.findall(text) if w not in _STOP}))


def _similarity(a: frozenset[str], b: Words) -> float:
    if not a or not b:
        return 0.0
    return len(a.intersection(b)) / (len(a) * len(b)) ** 0.5
