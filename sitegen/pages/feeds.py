"""What the feeds and the site maps say: pure data for their templates, no Jinja here.

Atom 1.0 for the site, each tag and each author; JSON Feed 1.1 and RSS 2.0 for the site; the sitemaps.org
0.9 sitemap (split into a sitemap index past 50,000 URLs); the Google News sitemap; robots.txt. Every date
carries the site's timezone offset, and every entry id is a tag URI (RFC 4151) made of the host, the
publication day and the article's path, so it survives a move to https or under a sub-path.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit

from sitegen.core import urls
from sitegen.core.config import Config
from sitegen.core.errors import SitegenError
from sitegen.core.model import Article, Correction, Site, Tag

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org); past it, /sitemap.xml becomes an index
NEWS_WINDOW = timedelta(days=2)  # Google News: articles of the last two days
NEWS_LIMIT = 1_000  # ... at most 1,000 of them
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Categories per feed entry. Every tag feed repeats its entries, so an article with T tags would put T x T
# categories into the tag feeds (1,000 tags: a million, most of a 70 s build); readers file an entry under
# a few topics. Pelican lists all of them, Hugo's RSS none; tagging infers at most 8, so those are all kept.
TAG_LIMIT = 10


# --- the moment of the build ----------------------------------------------------------------------


def resolve_now(value: str | datetime | None, tz: tzinfo) -> datetime:
    """What "now" is for this build: ``--now``, else ``SOURCE_DATE_EPOCH``, else the clock.

    Only the news sitemap and the future-dated report depend on it, so a build is reproducible by
    setting either of the first two.
    """
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(tz)
    if value:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise SitegenError(f"--now '{value}' is not a date: write it as 2023-09-19 or "
                               "2023-09-19T08:30:00+02:00") from None
        if len(value.strip()) == 10:  # a bare date: the end of that day, so its articles are not "future"
            moment = datetime.combine(moment.date(), time(23, 59, 59))
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(tz)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz)
        except (ValueError, OverflowError, OSError):
            raise SitegenError(f"SOURCE_DATE_EPOCH '{epoch}' is not a whole number of seconds") from None
    return datetime.now(tz)


def future_articles(articles: Iterable[Article], now: datetime) -> list[Article]:
    """Articles whose date or embargo is after the build's moment."""
    return [a for a in articles if a.released > now]


# --- feeds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One feed file: where it goes, its title, the page it mirrors and its newest entries."""

    url: str
    title: str
    alternate: str
    entries: tuple[Article, ...]
    kind: str = "atom"  # "atom", "json" or "rss"
    deleted: tuple[Article, ...] = ()  # killed articles it would carry: Atom tombstones (RFC 6721)

    @property
    def template(self) -> str:
        return {"atom": "feed.xml", "json": "feed.json", "rss": "rss.xml"}[self.kind]


def site_feeds(site: Site, config: Config, killed: Sequence[Article] = ()) -> list[Feed]:
    """Every feed of the site: Atom, JSON Feed and RSS for all articles and for each section, Atom per tag
    and per author.

    A killed article leaves a tombstone (``at:deleted-entry``) in each Atom feed that would carry it: the
    site's, its section's, its tags' and its authors', while it is no older than the feed's oldest entry (a
    reader may still hold it) or the feed is not full."""
    limit = config.feed_limit
    latest = site.articles[:limit]

    def gone(entries: Sequence[Article], keep: Callable[[Article], bool]) -> tuple[Article, ...]:
        oldest = entries[-1].dated if len(entries) >= limit else None
        return tuple(a for a in killed if keep(a) and (oldest is None or a.dated >= oldest))

    feeds = [Feed(urls.feed_url(), config.title, urls.index_url(), latest, deleted=gone(latest, lambda a: True)),
             Feed(urls.json_feed_url(), config.title, urls.index_url(), latest, "json"),
             Feed(urls.rss_url(), config.title, urls.index_url(), latest, "rss")]
    for section, members in site.sections.items():
        name, alternate = f"{config.title}: {section.name}", urls.section_url(section.slug)
        deleted = gone(members[:limit], functools.partial(_in_section, section.slug))
        feeds += [Feed(urls.section_feed_url(section.slug), name, alternate, members[:limit], deleted=deleted),
                  Feed(urls.section_json_feed_url(section.slug), name, alternate, members[:limit], "json"),
                  Feed(urls.section_rss_url(section.slug), name, alternate, members[:limit], "rss")]
    tags = dict(site.tags)
    authors = dict(site.authors)
    for article in killed:  # a topic or byline only the killed article had keeps its feed, for its tombstone
        for tag in article.tags:
            if not any(t.slug == tag.slug for t in tags):
                tags[tag] = ()
        for author in article.authors:
            if not any(x.slug == author.slug for x in authors):
                authors[author] = ()
    for tag, members in tags.items():
        deleted = gone(members[:limit], functools.partial(_tagged, tag.slug))
        if members or deleted:
            feeds.append(Feed(urls.tag_feed_url(tag.slug), f"{config.title}: {tag.name}", urls.tag_url(tag.slug),
                              members[:limit], deleted=deleted))
    for author, members in authors.items():
        deleted = gone(members[:limit], functools.partial(_by, author.slug))
        if members or deleted:
            feeds.append(Feed(urls.author_feed_url(author.slug), f"{config.title}: {author.name}",
                              urls.author_url(author.slug), members[:limit], deleted=deleted))
    return feeds


def _in_section(slug: str, article: Article) -> bool:
    return urls.slugify(article.section) == slug


def _tagged(slug: str, article: Article) -> bool:
    return any(t.slug == slug for t in article.tags)


def _by(slug: str, article: Article) -> bool:
    return any(x.slug == slug for x in article.authors)


def corrections(articles: Iterable[Article]) -> list[tuple[Article, Correction]]:
    """Every note of the articles' ``corrections:``, newest first (ties: the article's own order)."""
    notes = [(a, c) for a in articles for c in a.corrections]
    return sorted(notes, key=lambda pair: -pair[1].date.timestamp())


def entry_tags(article: Article) -> tuple[Tag, ...]:
    """The tags a feed entry carries as categories: the first ``TAG_LIMIT``, in the article's own order."""
    return article.tags[:TAG_LIMIT]


def tag_uri(config: Config, article: Article) -> str:
    """A stable entry id: ``tag:example.org,2023-09-19:/2023/09/19/slug/`` (RFC 4151)."""
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"tag:{host},{article.dated.date().isoformat()}:{article.url}"


def feed_updated(entries: Sequence[Article]) -> datetime:
    """A feed changes when its newest entry does: the latest publication or update."""
    return max((a.modified for a in entries), default=EPOCH)


def rfc822(moment: datetime) -> str:
    """RSS 2.0 dates ('Tue, 19 Sep 2023 08:30:00 +0200'), spelled here, never by the locale."""
    offset = moment.strftime("%z") or "+0000"
    return (f"{WEEKDAYS[moment.weekday()]}, {moment.day:02d} {SHORT_MONTHS[moment.month - 1]} {moment.year} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {offset}")


def json_feed(feed: Feed, config: Config, bodies: Sequence[str | None], abs_url: Any,
              media: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A JSON Feed 1.1 document as a dict; ``bodies`` are the entries' HTML (None: summaries only);
    ``media``: each entry's picture by article URL (images.feed_media): its ``image`` and ``banner_image``."""
    items = []
    for article, body in zip(feed.entries, bodies, strict=True):
        item: dict[str, Any] = {"id": tag_uri(config, article), "url": abs_url(article.url), "title": article.title}
        if body is None:
            item["content_text"] = article.summary or article.title
        else:
            item["content_html"] = body
        if article.summary:
            item["summary"] = article.summary
        picture = (media or {}).get(article.url)
        if picture:
            item["image"] = picture["url"]
            if picture["banner"]:
                item["banner_image"] = picture["banner"]
        elif article.image:
            item["image"] = abs_url(article.image)
        item["date_published"] = article.dated.isoformat()
        item["date_modified"] = article.modified.isoformat()
        if article.authors:
            item["authors"] = [{"name": a.name, "url": abs_url(urls.author_url(a.slug))} for a in article.authors]
        if article.tags:
            item["tags"] = [t.name for t in entry_tags(article)]
        items.append(item)
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": abs_url(feed.alternate),
        "feed_url": abs_url(feed.url),
        "description": config.description,
        "language": config.language,
    }
    if config.image:
        document["icon"] = abs_url(config.image)
    document["authors"] = [{"name": config.publisher_name, "url": abs_url("/")}]
    document["items"] = items
    return document


# --- sitemaps ------------------------------------------------------------------------------------


def sitemap_entries(site: Site, extra: Sequence[str] = ()) -> list[tuple[str, datetime | None]]:
    """Every page of the site with its last change: articles, then every list page, then the indexes, then
    the undated pages (with no date unless they give one)."""
    modified = {a.url: a.modified for a in site.articles}  # each article is on ~5 list pages: worked out once
    newest = max(modified.values(), default=EPOCH)
    entries: list[tuple[str, datetime | None]] = list(modified.items())
    entries += [(p.url, max([modified[a.url] for a in p.articles], default=newest)) for p in site.pages]
    own = {p.url for p in site.standalone}  # a page of the site's own may stand at /corrections/
    entries += [(url, newest) for url in (urls.tags_index_url(), urls.authors_index_url(),
                                          urls.archive_index_url(), urls.corrections_url(), *extra) if url not in own]
    entries += [(p.url, p.updated or p.date) for p in site.standalone]
    return entries


Entry = tuple[str, datetime | None]  # a sitemap's URL and its last change, if known


def split_sitemap(entries: Sequence[Entry], limit: int | None = None) -> list[tuple[str, list[Entry]]]:
    """One ``/sitemap.xml`` or, past ``limit`` URLs (default SITEMAP_LIMIT), numbered parts for an index."""
    limit = limit or SITEMAP_LIMIT
    if len(entries) <= limit:
        return [(urls.sitemap_url(), list(entries))]
    return [(urls.sitemap_url(n + 1), list(entries[i:i + limit])) for n, i in enumerate(range(0, len(entries), limit))]


def news_entries(articles: Sequence[Article], now: datetime) -> list[Article]:
    """The Google News sitemap: articles dated today or on the two days before (in the site's timezone),
    newest first, at most 1,000.

    Whole days, so that the file changes only when the date does: every article of the last 48 hours is
    in, and one a little older does no harm (Google skips it).
    """
    today = now.date()
    first = today - NEWS_WINDOW
    return [a for a in articles if first <= a.dated.date() <= today][:NEWS_LIMIT]


def news_language(language: str) -> str:
    """Google News wants an ISO 639 code ('en'), except for Chinese ('zh-cn', 'zh-tw')."""
    parts = language.lower().replace("_", "-").split("-")
    if parts[0] == "zh" and len(parts) > 1:
        return "zh-tw" if parts[1] in ("tw", "hant", "hk", "mo") else "zh-cn"
    return parts[0]
