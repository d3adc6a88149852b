"""The page plan of a rebuild: the last plan's signatures reused where nothing they hash can have changed.

``pages.render.plan_pages`` is the pure full plan; this module keeps what it found (``PlanMemo``, in the
build cache) and gives the same pages (tests/test_incremental.py holds a rebuild's output equal to a clean
build's). Two cases save work. When every article lists as it did (only bodies edited), the pages that
show no body keep their last signatures and only the edited articles' pages are worked out again. When
every article still sits on the same list pages (same articles, dates, tags and authors; a headline or
summary edited), the article pages and the list pages that show an edited article are worked out again,
and the indexes and site map are kept. A kept page that must be rendered anyway (its file was deleted)
gets its context from a full plan made then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import jinja2

from sitegen.core.config import Config
from sitegen.core.model import PlanMemo, RelatedMemo, Site
from sitegen.core.timeline import Timeline
from sitegen.incremental.related import related_again
from sitegen.pages.render import Bodies, Page, Planner, hash_parts, listing, placement
from sitegen.site.collect import Related, list_page_count, pages_showing


def plan_again(site: Site, config: Config, env: jinja2.Environment, g: str, bodies: Bodies,
               memo: PlanMemo, related_memo: RelatedMemo, now: datetime | None = None,
               links: Mapping[str, str] | None = None, timeline: Timeline | None = None) -> list[Page]:
    """``render.plan_pages``'s pages, with the memos of the last plan and related-articles pass; both
    are brought up to date in place (the preview keeps them in memory, the build cache on disk)."""
    planner = Planner.of(site, config, env, g, bodies, links, timeline)
    articles = site.articles
    ids = planner.article_ids()
    known = dict(zip(memo.articles, zip(memo.listings, memo.placements, strict=True), strict=True))
    listings, placements = [], []
    for key, article in zip(ids, articles, strict=True):
        listed_as, placed = known.get(key) or (listing(article), placement(article))
        listings.append(listed_as)
        placements.append(placed)
    # The undated pages are in the site map: a change to their addresses or dates is a change of structure.
    pages_key = hash_parts(*[placement(p) for p in site.standalone])
    structure, layout = hash_parts(g, pages_key, *listings), hash_parts(g, pages_key, *placements)
    related_before = list(related_memo.found)  # related_again updates it in place
    if structure == memo.structure and len(related_before) == len(articles):
        related = Related(list(articles), related_before)  # what it looks at is part of every listing: as before
    else:
        related = related_again(articles, related_memo)
    n = len(articles)
    full = functools.cache(lambda: {p.path: p for p in planner.listed(listings, related)})

    def kept(path: str, template: str, signature: str) -> Page:
        return Page(path, template, signature, functools.partial(_context_of, full, path))

    if structure == memo.structure and len(memo.pages) >= n:  # only bodies changed
        listed = [kept(*entry) for entry in memo.pages]
        for i, key in enumerate(ids):
            if key != memo.articles[i]:
                listed[i] = planner.article_page(i, related)
    elif layout == memo.layout and len(memo.pages) > n + list_page_count(site):  # same list pages and indexes
        listed = [kept(*entry) for entry in memo.pages]
        for i in _articles_to_plan(ids, listings, memo, related.found, related_before):
            listed[i] = planner.article_page(i, related)
        edited = [a for a, new, old in zip(articles, listings, memo.listings, strict=True) if new != old]
        for position, page in planner.list_pages(pages_showing(site, edited), listings):
            listed[n + position] = page
    else:
        listed = list(full().values())
    memo.structure, memo.layout, memo.articles, memo.listings, memo.placements = \
        structure, layout, ids, listings, placements
    memo.pages = [(p.path, p.template, p.signature) for p in listed]
    return listed + planner.undated(now)


def _articles_to_plan(ids: list[str], listings: list[str], memo: PlanMemo, related: list[tuple[int, ...]],
                      related_before: list[tuple[int, ...]]) -> set[int]:
    """The article pages whose signatures may have changed, as positions, when every article keeps its
    place: the edited ones, their neighbours (which link to them), and those whose related articles
    changed or include an edited one. Everything, if the last related-articles pass is not comparable."""
    n = len(ids)
    if len(related) != n or len(related_before) != n:
        return set(range(n))
    edited = {i for i in range(n) if listings[i] != memo.listings[i]}
    todo = edited | {i for i in range(n) if ids[i] != memo.articles[i]}
    todo.update(j for i in edited for j in (i - 1, i + 1) if 0 <= j < n)
    todo.update(i for i, (now, before) in enumerate(zip(related, related_before, strict=True))
                if now != before or not edited.isdisjoint(now))
    return todo


def _context_of(full: Callable[[], dict[str, Page]], path: str) -> dict[str, Any]:
    return full()[path].context()
