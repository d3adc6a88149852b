"""The page plan of a rebuild: the last plan's signatures reused where nothing they hash can have changed.

``pages.render.plan_pages`` is the pure full plan; this module keeps what it found (``PlanMemo``, in the
build cache) and gives the same pages (tests/test_incremental.py holds a rebuild's output equal to a clean
build's). Three cases save work. When every article lists as it did (only bodies edited), the pages that
show no body keep their last signatures and only the edited articles' pages are worked out again. When
every article still sits on the same list pages (same articles, dates, tags and authors; a headline or
summary edited), the article pages and the list pages that show an edited article are worked out again,
and the indexes and site map are kept. When articles were retagged, added, deleted or moved (the
templates, settings and undated pages as before), every page of each list they joined or left, the
article pages whose neighbours or related articles changed, the indexes and the site map are worked out
again, and the other pages keep their signatures. A kept page that must be rendered anyway (its file was
deleted) gets its context from a full plan made then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import jinja2

from sitegen.core import urls
from sitegen.core.config import Config
from sitegen.core.model import PlanMemo, RelatedMemo, Site
from sitegen.core.timeline import Timeline
from sitegen.incremental.related import related_again
from sitegen.pages.render import Bodies, Page, Planner, hash_parts, listing, placement
from sitegen.site.collect import Related, list_page_count, pages_showing, subject_key, subjects_of


def plan_again(site: Site, config: Config, env: jinja2.Environment, g: str, bodies: Bodies,
               memo: PlanMemo, related_memo: RelatedMemo, now: datetime | None = None,
               links: Mapping[str, str] | None = None, timeline: Timeline | None = None,
               related: Related | None = None) -> list[Page]:
    """``render.plan_pages``'s pages, with the memos of the last plan and related-articles pass; both
    are brought up to date in place (the preview keeps them in memory, the build cache on disk).
    ``related``: a first related-articles pass already started (``related.start``)."""
    planner = Planner.of(site, config, env, g, bodies, links, timeline)
    articles = site.articles
    ids = planner.article_ids()
    # The undated pages are in the site map: a change to their addresses or dates is a change of structure.
    pages_key = hash_parts(*[placement(p) for p in site.standalone])
    common = hash_parts(g, pages_key)
    # An article as the memo has it (the same id: address and content) lists, is placed and is in the
    # lists it was in; its subjects also depend on the settings' sections, which ``common`` holds.
    known = {key: j for j, key in enumerate(memo.articles)}
    subjects_known = common == memo.common and len(memo.subjects) == len(memo.articles)
    listings, placements, subjects = [], [], []
    for key, article in zip(ids, articles, strict=True):
        j = known.get(key)
        if j is None:
            listings.append(listing(article))
            placements.append(placement(article))
        else:
            listings.append(memo.listings[j])
            placements.append(memo.placements[j])
        subjects.append(memo.subjects[j] if j is not None and subjects_known else subjects_of(article, site))
    structure, layout = hash_parts(common, *listings), hash_parts(common, *placements)
    related_before = list(related_memo.found)  # related_again updates it in place
    if related is None and structure == memo.structure and len(related_before) == len(articles):
        related = Related(list(articles), related_before)  # what it looks at is part of every listing: as before
    elif related is None:
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
        shown = pages_showing(site, edited)
        for (position, _page), page in zip(shown, planner.list_pages([p for _, p in shown], listings), strict=True):
            listed[n + position] = page
    elif common == memo.common and len(memo.subjects) == len(memo.articles) < len(memo.pages):
        # Articles retagged, added, deleted or moved: the lists they joined or left are planned again.
        before_at = {key.split("\x1f", 1)[0]: j for j, key in enumerate(memo.articles)}
        at = [before_at.get(a.url) for a in articles]  # each article's position in the memo, None if new
        listed = _article_pages_again(planner, memo, ids, related, related_before, at, kept)
        listed += _list_pages_again(planner, memo, listings, subjects, at, kept)
        listed += planner.indexes()
    else:
        listed = list(full().values())
    memo.structure, memo.layout, memo.articles, memo.listings, memo.placements, memo.subjects, memo.common = \
        structure, layout, ids, listings, placements, subjects, common
    memo.pages = [(p.path, p.template, p.signature) for p in listed]
    related.found  # noqa: B018 - a pass started on another core is in the memo once this returns
    return listed + planner.undated(now)


def _article_pages_again(planner: Planner, memo: PlanMemo, ids: list[str], related: Related,
                         related_before: list[tuple[int, ...]], at: list[int | None],
                         kept: Callable[[str, str, str], Page]) -> list[Page]:
    """Each article's page, kept from the memo when it shows what it showed: the same article (an id holds
    its URL and content hash) between the same neighbours, with the same related articles; an article that
    links to others (``ref``) is planned again, as their addresses may have moved."""
    comparable = len(related_before) == len(memo.articles) and len(related.found) == len(ids)
    old, found, n, m = memo.articles, related.found, len(ids), len(memo.articles)
    moved = {k for k in range(min(n, m)) if ids[k] != old[k]}  # positions that hold another article, or changed
    pages = []
    for i, article in enumerate(planner.site.articles):
        j = at[i]
        same = (j is not None and comparable and not article.refs and ids[i] == old[j]
                and (ids[i - 1] if i else None) == (old[j - 1] if j else None)
                and (ids[i + 1] if i + 1 < n else None) == (old[j + 1] if j + 1 < m else None)
                and (found[i] == related_before[j] and moved.isdisjoint(found[i]) if i == j else
                     [ids[k] for k in found[i]] == [old[k] for k in related_before[j]]))
        pages.append(kept(*memo.pages[j]) if same and j is not None else planner.article_page(i, related))
    return pages


def _list_pages_again(planner: Planner, memo: PlanMemo, listings: list[str], subjects: list[tuple[str, ...]],
                      at: list[int | None], kept: Callable[[str, str, str], Page]) -> list[Page]:
    """The list pages after articles were retagged, added, deleted or moved: every page of each list an
    article joined or left (a tag, an author, a section, a date, the front page; a tag spelled anew) and
    the other pages showing an article whose listing changed are worked out again; the rest are kept."""
    site = planner.site
    touched: set[str] = set()
    for i, j in enumerate(at):
        if j is None or memo.subjects[j] != subjects[i]:
            touched.update(key.split("\x1f")[0] for key in set(memo.subjects[j] if j is not None else ())
                           ^ set(subjects[i]))
    for j in set(range(len(memo.articles))).difference(at):  # deleted, or moved to another address
        touched.update(key.split("\x1f")[0] for key in memo.subjects[j])
    edited = [a for a, j, listed_as in zip(site.articles, at, listings, strict=True)
              if j is not None and listed_as != memo.listings[j]]
    showing = {page.url for _position, page in pages_showing(site, edited)}
    before = {path: (template, signature) for path, template, signature in memo.pages[len(memo.articles):]}
    pages = site.pages
    paths = [urls.output_path(page.url) for page in pages]
    # A tag's or a period's pages share one subject: each subject's key is made once (11k pages at 10k articles).
    by_id = {id(page.subject): page.subject for page in pages}
    touched_ids = {at_id for at_id, subject in by_id.items() if subject_key(subject) in touched}
    again = [i for i, page in enumerate(pages)
             if page.url in showing or paths[i] not in before or id(page.subject) in touched_ids]
    planned = dict(zip(again, planner.list_pages([pages[i] for i in again], listings), strict=True))
    return [planned[i] if i in planned else kept(path, *before[path]) for i, path in enumerate(paths)]


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
