"""Newsroom time: which articles a build may publish at its moment "now", and when that next changes.

Pure, standard library only. ``split`` is the one place where embargoed (``date`` or ``embargo`` after now)
and killed articles are taken out, before any grouping: nothing downstream (lists, related articles, feeds,
sitemaps, search, counts) ever sees a held article, and a killed one only as its withdrawn notice and
feed tombstone. See docs/time.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sitegen.core.model import Article

NEWS_DAYS = 2  # the Google News sitemap lists today and the two days before (feeds.NEWS_WINDOW)


@dataclass
class Timeline:
    """The articles of one build, by what it may do with them at ``now``."""

    now: datetime
    listed: list[Article] = field(default_factory=list)  # published: pages, lists, feeds, sitemaps, search
    expired: list[Article] = field(default_factory=list)  # past ``expires``: own page only (noindex)
    killed: list[Article] = field(default_factory=list)  # ``status: killed``: withdrawn notice and tombstone
    held: list[Article] = field(default_factory=list)  # embargoed: written nowhere
    shown_held: list[Article] = field(default_factory=list)  # held, but listed: the preview, with a banner
    next_change: datetime | None = None  # the next moment at which the site changes by itself
    reasons: list[str] = field(default_factory=list)  # what happens then

    @property
    def withheld(self) -> list[Article]:
        """What must appear in no output file (its address only as a killed article's notice)."""
        return [*self.held, *self.killed]


def split(articles: Iterable[Article], now: datetime, *, future: bool = False, preview: bool = False) -> Timeline:
    """Sort the (non-draft) articles by what a build at ``now`` may publish.

    ``future`` (``--future``, ``publish_future: true``): embargoed articles are published as if their time
    had come (Hugo's ``--buildFuture``). ``preview`` (``sitegen serve``): they are listed too, and named in
    ``shown_held`` so that their pages carry the "EMBARGOED until …" banner and ``noindex``.
    A killed article that was never published stays held: its notice would name it early.
    """
    line = Timeline(now)
    for article in articles:
        if article.released > now and not future:
            if preview and not article.killed:
                line.shown_held.append(article)
                line.listed.append(article)
            else:
                line.held.append(article)
        elif article.killed:
            line.killed.append(article)
        elif article.expires is not None and article.expires <= now:
            line.expired.append(article)
        else:
            line.listed.append(article)
    line.next_change, line.reasons = next_change(line)
    return line


def next_change(line: Timeline) -> tuple[datetime | None, list[str]]:
    """The next moment after ``line.now`` at which a build would write something else, and why."""
    now = line.now
    events: list[tuple[datetime, str]] = []
    for article in [*line.held, *line.shown_held]:
        if not article.killed:
            events.append((article.released, f"the embargo on {article.path} lifts"))
    for article in line.listed:
        if article.expires is not None and article.expires > now:
            events.append((article.expires, f"{article.path} expires"))
    today = now.date()
    if any(a.dated.date() >= today - timedelta(days=NEWS_DAYS) for a in line.listed):
        midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=now.tzinfo)
        events.append((midnight, "the news sitemap's two-day window moves"))
    events = [(when, why) for when, why in events if when > now]
    if not events:
        return None, []
    first = min(when for when, _why in events)
    return first, sorted(why for when, why in events if when == first)
