"""The site's records. Plain frozen dataclasses, standard library only, so every stage can share them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache, cached_property
from operator import attrgetter
from pathlib import Path
from typing import Any, cast, get_type_hints

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Tag:
    name: str
    slug: str


@dataclass(frozen=True, order=True)
class Author:
    name: str
    slug: str


@dataclass(frozen=True, order=True)
class Section:
    """A desk (World, Politics, Sport): one per article at most, set in front matter, declared in sitegen.yaml."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class MenuEntry:
    """One link of the main navigation: a site-relative URL ('/world/') or an absolute one."""

    name: str
    url: str


@dataclass(frozen=True)
class SiteLanguage:
    """One language of a multilingual site (``languages:``): its code, its name in itself, its own site
    title and description (empty: the site's) and the base path its pages live under ('/' or '/es/')."""

    code: str
    name: str
    title: str = ""
    description: str = ""
    base: str = ""


@dataclass(frozen=True)
class Period:
    """A year, a month or a day of the date archive."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def sort_key(self) -> tuple[int, bool, int, bool, int]:
        """Newest first, each period followed by its own months or days (2023, 2023-09, 2023-09-19, …)."""
        return (-self.year, self.month is not None, -(self.month or 0), self.day is not None, -(self.day or 0))

    @property
    def label(self) -> str:
        # Month names are spelled here, not by the locale, so output never depends on the machine.
        if self.month is None:
            return f"{self.year}"
        if self.day is None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"

    @property
    def key(self) -> tuple[int, ...]:
        """(year,), (year, month) or (year, month, day)."""
        return tuple(part for part in (self.year, self.month, self.day) if part is not None)

    @property
    def parent(self) -> Period | None:
        if self.day is not None:
            return Period(self.year, self.month)
        if self.month is not None:
            return Period(self.year)
        return None


@dataclass(frozen=True)
class Correction:
    """One dated note under an article: a correction, a clarification or an update."""

    date: datetime
    kind: str  # "correction", "clarification" or "update"
    text: str

    @property
    def label(self) -> str:
        return self.kind.capitalize()


# Slots: 30 fields in a dict of its own were 1.6 kB an article (a slotted one is 0.3 kB), 150 MB of the
# build's memory at 100k articles; and made (``article_of``) and read faster.
@dataclass(frozen=True, slots=True)
class Article:
    title: str
    date: datetime | None  # timezone-aware, in the site's timezone; None only for an undated page
    slug: str
    url: str  # site-relative, e.g. /2023/09/19/slug/
    path: Path  # the content file it came from
    fingerprint: str  # hash of the content file: the key of its rendered body in the cache
    authors: tuple[Author, ...] = ()
    tags: tuple[Tag, ...] = ()
    summary: str = ""
    description: str = ""
    source: str | None = None
    draft: bool = False
    updated: datetime | None = None
    image: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    kind: str = "article"  # or "page": an undated page (About), in no feed, list, archive or related list
    section: str = ""  # the section as written in front matter (a slug or name of the settings' sections)
    aliases: tuple[str, ...] = ()  # its earlier addresses (Hugo's aliases, Jekyll's redirect_from)
    layout: str = ""  # the template it asks for (Hugo's and Jekyll's layout), without .html
    notes: tuple[str, ...] = ()  # warnings about the file (shortcodes left in the body), each 'file:line: ...'
    refs: tuple[str, ...] = ()  # content files its body links to (Hugo's ref), each 'line:target'
    # Newsroom time (docs/time.md): a date without a time of day (shown as a date, listed after the day's
    # timed stories), an embargo, an expiry, a kill and the corrections.
    date_only: bool = False
    embargo: datetime | None = None  # not published before this moment (nor before ``date``)
    expires: datetime | None = None  # dropped from lists and feeds from this moment, its page noindex
    killed: bool = False  # ``status: killed``: only a withdrawn notice stays at its address
    kill_note: str = ""
    corrections: tuple[Correction, ...] = ()
    # Its pictures (docs/images.md): the lead image of ``image:`` and the body's images, each with its line,
    # as JSON (images.media_json); '' when it has none.
    media: str = ""
    # A multilingual site (docs/i18n.md): the article's language ('' for the site's default) and the key its
    # translations share (``translation_key:``; '' for the file's stem).
    lang: str = ""
    translation_key: str = ""

    @property
    def dated(self) -> datetime:
        """``date``, typed for code that handles articles (``kind`` 'article'), which always have one: only an
        undated page (About) has None, and this gives it None as ``date`` does."""
        return cast(datetime, self.date)

    @property
    def released(self) -> datetime:
        """When it may first be published: its date, or its embargo when that is later."""
        return self.embargo if self.embargo is not None and self.embargo > self.dated else self.dated

    @property
    def modified(self) -> datetime:
        """Its last change: ``updated``, or its latest correction, or its publication."""
        latest = max((c.date for c in self.corrections), default=None)
        candidates = [m for m in (self.updated, latest) if m is not None]
        return max(candidates) if candidates else self.dated

    @property
    def period(self) -> Period:
        return Period(self.dated.year, self.dated.month, self.dated.day)

    def __reduce__(self) -> tuple:
        # Compact pickling (results of load workers, the cache's rare records): tags and authors as plain
        # pairs, shared again on load.
        return (article_from_values, (article_values(self),))


@cache
def shared_tag(name: str, slug: str) -> Tag:
    """One Tag object per spelling, shared by every article that carries it."""
    return Tag(name, slug)


@cache
def shared_author(name: str, slug: str) -> Author:
    return Author(name, slug)


ARTICLE_FIELDS = tuple(fields(Article))
_FIELD_NAMES = tuple(f.name for f in ARTICLE_FIELDS)
_FIELD_TYPES = get_type_hints(Article)
_ALL_FIELDS = attrgetter(*_FIELD_NAMES)
_PAIRED = tuple(i for i, name in enumerate(_FIELD_NAMES) if _FIELD_TYPES[name] in (tuple[Author, ...], tuple[Tag, ...]))


def field_type(name: str) -> Any:
    """An Article field's declared type (``str | None``, ``tuple[Tag, ...]``...): the cache codes by it."""
    return _FIELD_TYPES[name]


def article_values(article: Article) -> tuple:
    """All fields in order, tags and authors as (name, slug) pairs: plain values for pickle and marshal."""
    values = list(_ALL_FIELDS(article))
    for i in _PAIRED:
        values[i] = tuple((x.name, x.slug) for x in values[i])
    return tuple(values)


def article_from_values(values: tuple) -> Article:
    """The inverse of ``article_values``."""
    shared = list(values)
    for i in _PAIRED:
        make = shared_author if _FIELD_TYPES[_FIELD_NAMES[i]] == tuple[Author, ...] else shared_tag
        shared[i] = tuple(make(*pair) for pair in shared[i])
    return article_of(*shared)


def _article_maker() -> Callable[..., Article]:
    """``article_of``: an Article from all its fields in order, without the frozen dataclass's checked
    ``__init__``, each slot filled by its own descriptor (a rebuild makes every article of the site from
    its cache record). Written out from the field list, as dataclasses writes ``__init__``."""
    count = len(_FIELD_NAMES)
    source = (f"def article_of({', '.join(f'v{i}' for i in range(count))}):\n    a = new(Article)\n"
              + "".join(f"    set{i}(a, v{i})\n" for i in range(count)) + "    return a\n")
    namespace: dict[str, Any] = {"new": object.__new__, "Article": Article}
    namespace.update({f"set{i}": getattr(Article, name).__set__ for i, name in enumerate(_FIELD_NAMES)})
    exec(source, namespace)  # noqa: S102 - our own source, from the field list
    return cast(Callable[..., Article], namespace["article_of"])


article_of = _article_maker()


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated list: the front page, a tag, an author or a date archive."""

    kind: str  # "index", "section", "tag", "author" or "archive"
    url: str
    title: str
    articles: tuple[Article, ...]
    number: int = 1
    count: int = 1
    prev_url: str | None = None  # newer entries
    next_url: str | None = None  # older entries
    subject: Tag | Author | Period | Section | None = None


@dataclass(frozen=True)
class Site:
    """Everything the renderer needs, grouped once; newest article first everywhere."""

    articles: tuple[Article, ...]
    tags: dict[Tag, tuple[Article, ...]]
    authors: dict[Author, tuple[Article, ...]]
    periods: dict[Period, tuple[Article, ...]]
    per_page: int
    title: str  # the front page's
    paginate: Callable[[Site], tuple[ListPage, ...]] = field(repr=False, compare=False)
    # Each section of the settings (in their order, empty ones too) with its articles.
    sections: dict[Section, tuple[Article, ...]] = field(default_factory=dict)
    standalone: tuple[Article, ...] = ()  # the undated pages (About), by address: in no list
    section_of: Callable[[str], Section | None] = field(default=lambda _name: None, repr=False, compare=False)

    @cached_property
    def pages(self) -> tuple[ListPage, ...]:
        """Every list page (front, tags, authors, archives). Made when first asked for: a rebuild after a
        body edit keeps every list page as it was and never needs them (21k objects at 10k articles)."""
        return self.paginate(self)


@dataclass(frozen=True)
class Output:
    """One file of the built site: where it goes (relative to the output folder) and its bytes."""

    path: str
    data: bytes


@dataclass
class RelatedMemo:
    """What the last related-articles pass saw and found, so the next one redoes only the articles near a
    change. Kept in the build cache; positions are indexes in date order."""

    urls: list[str] = field(default_factory=list)
    keys: list[tuple[tuple[str, ...], str, str, float]] = field(default_factory=list)  # tags, title, summary, time
    # each article's words (related.Words); marshal keeps one copy of each word, shared, and reads them back
    # 7x faster than splitting a space-separated string each
    words: list[tuple[str, ...]] = field(default_factory=list)
    found: list[tuple[int, ...]] = field(default_factory=list)  # each article's related, as positions
    # Not saved: each article's words as sets and the positions under each tag and word, kept while the
    # memo stays in memory (the preview's) so that an edit updates them instead of making them again.
    index: tuple[list[tuple[str, ...]], dict[str, list[int]], dict[str, list[int]]] | None = \
        field(default=None, compare=False, repr=False)


@dataclass
class PlanMemo:
    """The last page plan, so a build whose articles still list the same way (only bodies changed) reuses
    the signatures of the ~2 pages per article that show no body instead of working them all out again,
    one whose articles still sit on the same list pages (a headline or summary edited) works out
    only the list pages that show an edited article, and one whose articles are the same in the same order
    (tags, authors or a section edited) works out the pages of the tags, authors and sections that changed.
    Kept in the build cache; positions are indexes in date order."""

    structure: str = ""  # a hash of the templates, the settings and every article's listing, in order
    articles: list[str] = field(default_factory=list)  # each article's URL and content hash
    listings: list[str] = field(default_factory=list)  # a hash of all a list page can show of each article
    pages: list[tuple[str, str, str]] = field(default_factory=list)  # (path, template, signature): articles' first
    layout: str = ""  # a hash of the templates, the settings and what places each article on list pages, in order
    placements: list[str] = field(default_factory=list)  # that for each article: its URL, dates, tags, authors
    subjects: list[tuple[str, ...]] = field(default_factory=list)  # each article's tags, authors, section
    common: str = ""  # a hash of the templates, the settings and the undated pages' addresses and dates
