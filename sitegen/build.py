"""The build, top to bottom: load, convert new seeds, collect, plan, render what changed, write."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sitegen import __version__
from sitegen.core.config import CONFIG_FILE, REDIRECTS_FILE, Config
from sitegen.core.errors import BuildFailed, ContentError, SitegenError, shown_path
from sitegen.core.files import files_under
from sitegen.core.model import Article, Output, Section, Site
from sitegen.core.parallel import default_jobs
from sitegen.incremental import manifest, notices
from sitegen.incremental.cache import Cache, Planned, SourceEntry, read_sources
from sitegen.output.write import Staged, Staging, WriteReport, open_staging, output_lock, write_outputs
from sitegen.pages.feeds import future_articles, resolve_now

# The stages that load Jinja2, Markdown and the converter are imported where they are first needed: a build
# with nothing to do stops at the manifest check, and importing them would be most of its time.
if TYPE_CHECKING:
    from jinja2 import Environment

    from sitegen.content.images import Catalog
    from sitegen.core.timeline import Timeline
    from sitegen.output.search import EarlyIndex
    from sitegen.pages.multilingual import Planned as PlannedEdition
    from sitegen.pages.render import Page
    from sitegen.seeds.convert import ConvertReport
    from sitegen.site.redirects import Plan as Redirects

Progress = Callable[[str, int, int], None]  # stage, done, total
T = TypeVar("T")
MANIFEST_FILE = "manifest.marshal"  # in the cache folder: what the last build read, for the no-op check


@dataclass(frozen=True)
class BuildOptions:
    """How to build, from the command line or the preview. Every field's default is ``sitegen build``'s."""

    jobs: int | None = None  # processes for loading and rendering; None: one per core (1: serial, same bytes)
    clean: bool = False  # ignore the cache and the last build's record
    # The moment embargoes, expiry and the news sitemap go by; None: SOURCE_DATE_EPOCH, else the clock
    now: str | datetime | None = None
    # Articles still under embargo are built too, with an "EMBARGOED until …" banner and noindex
    # (``sitegen serve`` only; a production build writes them nowhere, see timeline.py).
    preview: bool = False
    # The search shards an edit touched are rebuilt on a thread after the build returns (the preview's page
    # shows at once, its search a few seconds later).
    index_later: bool = False
    progress: Progress | None = field(default=None, compare=False)  # told each stage and count as it goes
    # Go ahead when no article would be published where the last build published some (otherwise an error:
    # a wrong folder or a deleted content folder must not empty the site).
    allow_empty: bool = False
    # The cache folder whose images/ holds the photos' derivatives (default: the settings' cache_dir); the
    # preview, whose own cache is private, shares the site's, as the files are named by content.
    image_cache: Path | None = None
    strict: bool = False  # every warning is an error (for CI), and nothing is written


@dataclass
class Session:
    """What a caller that builds again and again (the preview) keeps in memory between its builds.

    ``cache``: the build cache, used instead of reading and writing the one on disk (when its key fits).
    ``remembered``: content files known from elsewhere (the site's own cache), so that one deleted on purpose
    is not converted again. ``changed``: every input file changed since the last build, as the caller's
    file watcher saw them, set before each build (which consumes it); then only those are looked at again,
    and the output files are trusted to be as that build left them (the preview's own folder), so the
    no-op check is skipped. ``inputs`` and ``site``: the input files' stats as the last good build saw them,
    and the site it grouped, which the next build patches when the articles keep their places.
    """

    cache: Cache | None = None
    remembered: Mapping[str, SourceEntry] = field(default_factory=dict)
    changed: Collection[Path] | None = None
    inputs: dict[str, tuple[int, int]] | None = None
    site: Site | None = None


@dataclass
class BuildReport:
    articles: int
    pages: int
    tags: int
    files: WriteReport
    seconds: float
    converted: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rendered: list[tuple[str, str]] = field(default_factory=list)  # (output path, why it was rendered)
    # (content file, moment) of articles held back because their date or embargo is after now
    future: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)  # what this build recorded in redirects.yaml, as sentences
    next_change: str | None = None  # ISO time of the next moment the site changes by itself (sitegen schedule)
    next_reasons: list[str] = field(default_factory=list)
    published_future: list[tuple[str, str]] = field(default_factory=list)  # the same, published by --future
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, seconds) in order: --explain
    memory: list[tuple[str, int]] = field(default_factory=list)  # (stage, this process's peak MiB after it)
    warned: list[str] = field(default_factory=list)  # files named by a warning that spans several (notices.py)


def build(config: Config, options: BuildOptions = BuildOptions(), session: Session | None = None) -> BuildReport:
    """Build the site into the output folder, redoing only what changed since the last build.

    Raises BuildFailed (every error found) and leaves the output folder exactly as it was. ``session``: what
    the preview keeps between its builds (see Session). Each stage is timed (``BuildReport.stages``).
    """
    clock = _Clock(options.progress)
    options = replace(options, jobs=options.jobs or default_jobs())
    check_output_dir(config)
    with output_lock(config.output_path, on_wait=lambda: clock.say("waiting for another build")):
        look = clock("check", check_inputs, config, options, session)
        if look.last is not None:
            return unchanged_report(look.last, clock, options)
        with _opened_cache(config, options, session, look) as (cache, before):
            articles = clock("load", load_content, config, cache, look, options)
            loaded = clock("convert", convert_new_seeds, config, cache, articles, look, options, session, before)
            published = clock("timeline", split_timeline, config, loaded, look, options)
            early = clock("search", start_index, config, published, cache, options)
            with _cancelled_on_failure(early):
                grouped = clock("collect", collect_site, config, loaded, published, look, options, session, cache,
                                before)
                pictures = clock("images", prepare_images, config, loaded, grouped, options)
                plan = clock("plan", plan_site, config, cache, loaded, grouped, pictures, look, before, options)
                rendered = clock("render", render_changed, config, plan, options)
                written = clock("write", write_site, config, cache, plan, grouped, rendered, look, session)
                unindexed = clock("index", index_site, plan, grouped, cache, options, early)
                warnings = [*plan.warnings, *unindexed]
        clock("record", record_build, config, look, cache, loaded, grouped, plan, warnings, session, unindexed)
        if early is not None:
            early.close()
    return BuildReport(
        articles=plan.counts[0], pages=sum(1 for p in plan.pages if p.path.endswith(".html")),
        tags=plan.counts[1], files=written, seconds=clock.seconds(), converted=loaded.conversion.written,
        warnings=warnings, warned=loaded.warned, rendered=[(p.path, plan.reasons[p.path]) for p in plan.todo],
        future=_held(config, grouped.line), next_change=_iso(grouped.line.next_change),
        next_reasons=grouped.line.reasons, stages=clock.stages, memory=clock.memory,
        published_future=[(shown_path(a.path, config.root), a.released.isoformat())
                          for a in future_articles(grouped.line.listed, look.moment) if not options.preview],
        redirects=[f"{old} now redirects to {new} ({rel}: its address changed); recorded in {REDIRECTS_FILE}"
                   if new else f"{old} is {rel}'s address again: its redirect is cancelled in {REDIRECTS_FILE}"
                   for old, new, rel in plan.moved.recorded],
    )


# --- the stages, in order ---------------------------------------------------------------------------------


class _Clock:
    """Runs each stage, tells ``progress`` its name and records its time."""

    def __init__(self, progress: Progress | None) -> None:
        self.started = time.perf_counter()
        self.progress = progress or _noop_progress
        self.stages: list[tuple[str, float]] = []
        self.memory: list[tuple[str, int]] = []

    def __call__(self, name: str, stage: Callable[..., T], *args: Any) -> T:
        self.progress(STAGE_NAMES[name], 0, 0)
        start = time.perf_counter()
        try:
            return stage(*args)
        finally:
            self.stages.append((name, time.perf_counter() - start))
            self.memory.append((name, _peak_mib()))

    def say(self, what: str) -> None:
        self.progress(what, 0, 0)

    def seconds(self) -> float:
        return time.perf_counter() - self.started


def _peak_mib() -> int:
    """This process's peak resident memory so far (Linux counts KiB, macOS bytes), as Hugo's
    --printMemoryUsage shows its own: where a large archive's memory goes, stage by stage."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024


STAGE_NAMES = {"check": "checking for changes", "load": "loading content", "convert": "converting seeds",
               "timeline": "sorting by the clock", "search": "starting the search index", "collect": "collecting",
               "images": "images", "plan": "planning pages", "render": "rendering pages", "write": "writing the site",
               "index": "indexing for search", "record": "recording the build"}


@dataclass(frozen=True)
class Look:
    """What the no-op check saw: the input files as this build reads them, and the last build's record."""

    moment: datetime
    key: str  # the manifest's: settings, the day, preview or not
    inputs: dict[str, tuple[int, int]]  # input file -> (mtime_ns, size)
    listed: bool  # ``inputs`` names every content file (no symlinks, no unreadable folders under content/)
    watched: bool  # told by a watcher what changed: the output folder is trusted to be as the last build left it
    last: dict | None  # the last build's record when nothing changed since: the build is a no-op
    # The last build's output files' (size, mtime_ns), looked at on another core meanwhile: call to collect
    on_disk: Callable[[], dict[str, tuple[int, int]]] = dict
    seeds_listed: bool = False  # ``inputs`` names every seed as the converter would list them (no symlinks…)


def check_inputs(config: Config, options: BuildOptions, session: Session | None) -> Look:
    """The no-op check (manifest.py): when no input and no output file changed since the last good build,
    the build stops here, having read one small manifest, before Jinja2 or Markdown are imported."""
    manifest_path = config.cache_path / MANIFEST_FILE
    moment = resolve_now(options.now, config.tz)
    # the news sitemap lists the last days' articles; the preview also builds embargoed ones
    key = f"{_manifest_key(config)}|{moment.date()}|preview={options.preview}"
    roots = input_roots(config)
    changed = None if session is None else session.changed
    watched = None if session is None or session.inputs is None or changed is None or options.clean else \
        manifest.restat(session.inputs, changed, roots)
    if session is not None:
        session.changed = None  # consumed: the next build is told its own
    unusual: list[str] = []  # symlinks and unreadable folders: content files are then listed with care
    inputs = manifest.snapshot(roots, [config.seeds_path], unusual) if watched is None else watched
    content = f"{config.content_path}{os.sep}"
    listed = watched is not None or not any(f"{path}{os.sep}".startswith(content) for path in unusual)
    seeds = f"{config.seeds_path}{os.sep}"
    seeds_listed = watched is None and not any(f"{path}{os.sep}".startswith(seeds) for path in unusual)
    record = None if options.clean or watched is not None else manifest.load(manifest_path, key)
    if record is not None and record.get("next") is not None and moment.timestamp() >= record["next"]:
        record = None  # an embargo lifted, an article expired or the news window moved since: not a no-op
    last = manifest.unchanged(record, inputs, config.output_path)
    if last:
        return Look(moment, key, inputs, listed, watched is not None, last)
    manifest.forget(manifest_path)
    # the last build's output files, checked on another core meanwhile (see Cache.decide)
    on_disk = manifest.stats_in_background(config.output_path, record["paths"]) if record else dict
    return Look(moment, key, inputs, listed, watched is not None, None, on_disk, seeds_listed)


def unchanged_report(last: dict, clock: _Clock, options: BuildOptions) -> BuildReport:
    """The last build's summary, and its warnings about files, repeated until the files change."""
    articles, pages, tags = last["summary"]
    timing: tuple[list[list[str]], str | None, list[str]] = last.get("timing") or ([], None, [])
    said, warned = last.get("warnings") or ([], [])
    if options.strict and said:
        raise BuildFailed(_strict(said))
    return BuildReport(articles, pages, tags, WriteReport(kept=len(last["paths"])), clock.seconds(),
                       future=[(path, when) for path, when in timing[0]], next_change=timing[1],
                       next_reasons=list(timing[2]), stages=clock.stages, memory=clock.memory, warnings=list(said),
                       warned=list(warned))


def _strict(warnings: Iterable[str]) -> list[SitegenError]:
    return [SitegenError(f"{w} (--strict: warnings are errors)") for w in warnings]


@contextmanager
def _opened_cache(config: Config, options: BuildOptions, session: Session | None,
                  look: Look) -> Iterator[tuple[Cache, Mapping[str, SourceEntry]]]:
    """The build cache (the session's, when its key fits) and what the last build published, by content
    file. Closed at the end; the background stats are collected whatever happens; after a failed build the
    session forgets what this one read, which is not known to be built."""
    try:
        key = cache_key(config)
        # the last build's content files, also under --clean (which starts the cache afresh): deleted ones stay deleted
        known = read_sources(config.cache_path, key) if options.clean else None
        warm = session.cache if session is not None else None
        if warm is not None and warm.key == key and not options.clean:
            cache = warm
        else:
            with _set_aside(session is None):
                cache = Cache(config.cache_path, key, clean=options.clean)
        before = cache.state.sources if known is None else known
        try:
            yield cache, before
        except BaseException:
            if session is not None:
                session.inputs = session.site = None  # start afresh
                if session.cache is not None:  # what the last good build published stays the one a move is seen from
                    session.cache.state.sources = dict(before)
            raise
        finally:
            cache.close()
    finally:
        if session is None:
            gc.unfreeze()
        look.on_disk()  # collected: the child must not linger


@contextmanager
def _set_aside(wanted: bool) -> Iterator[None]:
    """What exists once this is done (above all the cache's record: a million objects at 10k articles that
    live until the build ends, and hold no cycles) set aside from the cycle collector, which walked them
    four times while they were made, ~40 ms of a one-file rebuild. ``_opened_cache`` gives them back at the
    end, so that a process that builds many times (the tests) can collect them then; the preview freezes its
    warm cache itself (serve.py). The young garbage is collected first (3 ms): frozen with the rest, a
    caller's garbage would wait for a full collection, rare at sitegen's thresholds (the test suite's own
    process grew to 200 MiB, and its forked workers' to 1 GiB)."""
    if not wanted:
        yield
        return
    gc.collect(1)
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


@dataclass(frozen=True)
class Loaded:
    """The content files as articles, every error found in them, and what the converter did."""

    articles: list[Article]
    errors: list[ContentError]
    conversion: ConvertReport
    # Every warning so far (seeds' remembered ones, the converter's, the content files'), said whether the
    # build then succeeds or fails (notices.py), and the files named by a warning that spans several.
    warnings: list[str]
    warned: list[str]
    converted: list[str]  # "converted seeds/x.txt" notes, said by a failed build too

    def failed(self, errors: Sequence[SitegenError], warnings: list[str] | None = None) -> BuildFailed:
        """The build's failure, with what it converted and every warning so far."""
        said = self.warnings if warnings is None else warnings
        return BuildFailed(list(errors), notes=self.converted, warnings=said, warned=self.warned)


def load_content(config: Config, cache: Cache, look: Look,
                 options: BuildOptions) -> tuple[list[Article], list[ContentError]]:
    """Content files → Articles and every error in them (load.py); an unchanged file's parse and body come
    from the cache."""
    from sitegen.content.load import load_articles

    return load_articles(config, cache, options.jobs or 1, look.inputs, complete=look.listed)


def convert_new_seeds(config: Config, cache: Cache, loaded: tuple[list[Article], list[ContentError]], look: Look,
                      options: BuildOptions, session: Session | None, before: Mapping[str, SourceEntry]) -> Loaded:
    """Seeds that no content file names yet become content files (convert.py), then all are loaded again."""
    from sitegen.content.load import load_articles

    articles, errors = loaded
    previous = {**(session.remembered if session is not None else {}), **before}
    conversion = convert(config, existing=articles, seeds=_seed_files(look.inputs, config), previous=previous,
                         seeds_listed=look.seeds_listed)
    if conversion.written:
        articles, errors = load_articles(config, cache, options.jobs or 1)
    cache.state.sources.update(conversion.remembered)
    warnings = [*notices.recall(config.cache_path, conversion.seed_warnings), *conversion.warnings,
                *(note for a in articles for note in a.notes)]
    unknown, warned = _unknown_keys(config, articles)
    warnings = [notices.relative(w, config.root) for w in [*warnings, *unknown]]
    return Loaded(articles, [*conversion.errors, *errors], conversion, warnings, warned,
                  [f"converted {shown_path(p, config.root)}" for p in conversion.written])


@dataclass(frozen=True)
class Grouped:
    """The articles at the build's moment (timeline.py), grouped into the site (collect.py)."""

    site: Site
    line: Timeline
    standalone: tuple[Article, ...]  # the undated pages, by address
    published: list[Article]  # every page that stands at its address: undated, listed and expired
    links: dict[str, str]  # what ``ref`` shortcodes may name → its address
    section_of: Callable[[str], Section | None]
    errors: list[SitegenError]  # every error so far: raised with the pictures' by the next stage
    multi: bool  # a multilingual site: one edition per language (multilingual.py), planned by plan_site


@dataclass(frozen=True)
class Published:
    """What the build's moment publishes (core/timeline.py): the undated pages, and the articles' timeline."""

    standalone: tuple[Article, ...]  # by address
    line: Timeline


def split_timeline(config: Config, loaded: Loaded, look: Look, options: BuildOptions) -> Published:
    """Drafts left out; embargoed articles held back, killed and expired ones set aside (docs/time.md)."""
    from sitegen.content.load import publishable
    from sitegen.core import timeline

    candidates = publishable(loaded.articles, config.drafts)
    standalone = tuple(sorted((a for a in candidates if a.kind == "page"), key=lambda a: a.url))
    # The one place where embargoed and killed articles are taken out: nothing after this sees them.
    return Published(standalone, timeline.split([a for a in candidates if a.kind == "article"], look.moment,
                                                future=config.publish_future, preview=options.preview))


def collect_site(config: Config, loaded: Loaded, moment: Published, look: Look, options: BuildOptions,
                 session: Session | None, cache: Cache, before: Mapping[str, SourceEntry]) -> Grouped:
    """The published articles grouped; every error so far collected."""
    from sitegen.pages import checks
    from sitegen.site.collect import build_site, duplicate_urls

    standalone, line = moment.standalone, moment.line
    published = [*standalone, *line.listed, *line.expired]
    section_of = checks.section_finder(config)
    multi = bool(config.languages)
    site = None if multi else reused_site(session, cache, config, standalone, line.listed)
    url_errors: list[ContentError] = []
    everyone = [*published, *line.killed, *line.held]
    if multi:
        from sitegen.pages import multilingual

        url_errors = multilingual.check(everyone, config)
        everyone = multilingual.with_full_urls(everyone, config)
        published = multilingual.with_full_urls(published, config)
    if site is None:  # a multilingual site's is its default edition's, for messages (plan_site makes them all)
        site, url_errors2 = build_site(line.listed, config.per_page, config.title, config.sections, section_of,
                                       standalone)
        url_errors += [] if multi else url_errors2
    if multi or line.expired or line.killed or line.held:  # their addresses are taken too, now or later
        seen = {str(e) for e in url_errors}
        url_errors += [e for e in duplicate_urls(everyone) if str(e) not in seen]
    links, structure_errors = checks.check_structure(config, published, section_of)
    errors: list[SitegenError] = [*loaded.errors, *url_errors, *structure_errors]
    if not errors and not options.allow_empty and not line.listed and not options.preview:
        errors += _emptied(config, before, line)
    return Grouped(site, line, standalone, published, links, section_of, errors, multi)


@dataclass(frozen=True)
class Pictures:
    catalog: Catalog  # every picture of the published pages, planned and made (images.py)
    notes: list[str]  # warnings about them (a lead image without alt text)


def prepare_images(config: Config, loaded: Loaded, grouped: Grouped, options: BuildOptions) -> Pictures:
    """Every picture the published articles name resolved to its file and planned (images.py); what the
    image cache lacks decoded once and encoded on the process pool. Raises every error so far, the
    pictures' with the rest."""
    from sitegen.content.images import PREVIEW, Catalog, Settings

    folder = options.image_cache or config.cache_path
    # the preview makes fewer first (images.PREVIEW), and what `sitegen build` will want on a thread afterwards
    production = Settings(config.image_widths, config.image_avif)
    catalog = Catalog(config.root, config.resolve(config.static_dir), config.content_path, folder,
                      config.base_path, config.base_url.rstrip("/") + "/", PREVIEW if options.preview else production,
                      later=production if options.preview else None)
    problems, notes = catalog.prepare(grouped.published, options.jobs or 1, fast=options.preview,
                                      make=not grouped.errors)
    if grouped.errors or problems:
        raise loaded.failed([*grouped.errors, *problems])
    return Pictures(catalog, notes)


def reused_site(session: Session | None, cache: Cache, config: Config, standalone: tuple[Article, ...],
                listed: list[Article]) -> Site | None:
    """The session's last site patched with the changed articles, when they all keep their places; else None."""
    from sitegen.site.collect import updated_site

    last = session.site if session is not None and cache is session.cache else None
    if last is None or (last.per_page, last.title, tuple(last.sections), last.standalone) != \
            (config.per_page, config.title, config.sections, standalone):
        return None
    return updated_site(last, listed)


@dataclass(frozen=True)
class Plan:
    """Every output file of the build, and which of its pages to render."""

    config: Config  # as planned: search off when Pagefind cannot run here
    env: Environment  # the templates (render.make_env)
    signature: str  # of the templates and settings
    pages: list[Page]
    todo: list[Page]  # to render
    keep: list[Page]  # as the last build left them
    reasons: dict[str, str]  # why each of ``todo`` is rendered
    statics: list[Output]  # theme assets and the site's own files at its root
    hosting: list[Output]  # _headers and _redirects
    moved: Redirects
    warnings: list[str]
    pictures: Catalog
    editions: list[PlannedEdition]  # a multilingual site's, one per language; [] for one language
    counts: tuple[int, int]  # articles and tags published


def plan_site(config: Config, cache: Cache, loaded: Loaded, grouped: Grouped, pictures: Pictures, look: Look,
              before: Mapping[str, SourceEntry], options: BuildOptions) -> Plan:
    """Every page with its signature (``incremental.plan``: the last plan reused where it can), redirects at
    old addresses, and the decision of which pages to render (``Cache.decide``); layout, redirect and
    root-file errors raised."""
    from sitegen.core.i18n import of as of_language
    from sitegen.core.i18n import untranslated_warning
    from sitegen.incremental import related
    from sitegen.incremental.plan import plan_again
    from sitegen.output import search
    from sitegen.output.hosting import HOSTING_FILES, hosting_files
    from sitegen.pages import checks
    from sitegen.pages.render import (
        global_signature,
        make_env,
        plan_pages,
        redirect_pages,
        set_cards,
        set_images,
        set_site_pages,
        static_files,
    )
    from sitegen.site import redirects

    warnings = [*loaded.warnings, *pictures.notes]
    if config.search and (problem := search.unavailable()):
        warnings.append(problem)
        config = replace(config, search=False)
    site, standalone, line = grouped.site, grouped.standalone, grouped.line
    # a first build's related articles, on another core while the templates and the other pages are planned
    first_related = None if grouped.multi else related.start(site.articles, cache.state.related, options.jobs or 1)
    env = make_env(config)
    warnings += [w for w in [untranslated_warning(of_language(config.language, config.root))] if w]
    set_site_pages(env, standalone)
    set_images(env, pictures.catalog)
    signature = global_signature(env, config)
    if cache.state.global_signature not in ("", signature):
        cache.forget_cards()
    layout_errors = checks.check_layouts(env, config, standalone)
    lines, redirect_errors = redirects.read(config.root)
    if layout_errors or redirect_errors:
        raise loaded.failed([*layout_errors, *redirect_errors], warnings)
    editions: list[PlannedEdition] = []
    if grouped.multi:
        from sitegen.pages import multilingual

        def plan_edition(site: Site, own: Config, env: Environment, signature: str, timeline: Timeline,
                         default: bool) -> list[Page]:
            if default:
                return plan_again(site, own, env, signature, cache.html, cache.state.plan, cache.state.related,
                                  now=look.moment, links=grouped.links, timeline=timeline)
            return plan_pages(site, own, env, signature, cache.html, now=look.moment, links=grouped.links,
                              timeline=timeline)

        editions, plan_errors = multilingual.plan_editions(config, plan_edition, line.listed, standalone, line,
                                                           grouped.links, grouped.section_of, pictures.catalog)
        if plan_errors:
            raise loaded.failed(plan_errors, warnings)
        warnings += [w for p in editions[1:]
                     if (w := untranslated_warning(of_language(p.edition.lang.code, config.root)))]
        live_pages = multilingual.link_translations(editions, config)
        site = editions[0].site  # the default language's, for messages
        earlier: Mapping[str, SourceEntry] = multilingual.entries_with_full_urls(before, config)
        killed = multilingual.with_full_urls(line.killed, config)
        counts = (sum(len(p.site.articles) for p in editions), sum(len(p.site.tags) for p in editions))
    else:
        live_pages = plan_again(site, config, env, signature, cache.html, cache.state.plan, cache.state.related,
                                now=look.moment, links=grouped.links, timeline=line, related=first_related)
        # the plan's common part: the signature and the undated pages, all a list page shows but its articles
        set_cards(env, cache, cache.state.plan.common, dict(zip([a.url for a in site.articles],
                                                                cache.state.plan.listings, strict=True)))
        earlier, killed, counts = before, line.killed, (len(site.articles), len(site.tags))
    statics = list(static_files(config))
    live = checks.owners(live_pages, statics, site, config, HOSTING_FILES)
    moved = redirects.plan(lines, grouped.published, live, redirects.detect(earlier, grouped.published), config.root)
    errors: list[SitegenError] = [*moved.errors, *checks.root_file_clashes(config, live)]
    warnings += moved.warnings
    if options.strict and warnings:
        errors += _strict(warnings)
    if errors:
        raise loaded.failed(errors, [] if options.strict else warnings)
    pages = live_pages + redirect_pages(moved.targets, moved.titles, config, env, signature)
    todo, keep, reasons = cache.decide(pages, config.output_path, signature, None if look.watched else look.on_disk())
    with _writing(config):
        hosting = hosting_files(config, [o.path for o in statics] + [rel for rel, _, _ in pictures.catalog.names()],
                                moved.targets, gone=[a.url for a in killed])
    return Plan(config, env, signature, pages, todo, keep, reasons, statics, hosting, moved,
                warnings, pictures.catalog, editions, counts)


@dataclass(frozen=True)
class Rendered:
    staging: Staging  # where the rendered pages wait until ``write_site`` commits them
    staged: list[Staged]


def render_changed(config: Config, plan: Plan, options: BuildOptions) -> Rendered:
    """The pages to render, rendered on the process pool; each worker stages the files it renders."""
    from sitegen.pages.render import render_pages

    with _writing(config):
        staging = open_staging(config.output_path)
        pages = render_pages(plan.todo, plan.env, options.jobs or 1, stage=staging.put)
        return Rendered(staging, staging.gather(_counting(pages, len(plan.todo), options.progress or _noop_progress)))


def write_site(config: Config, cache: Cache, plan: Plan, grouped: Grouped, rendered: Rendered, look: Look,
               session: Session | None) -> WriteReport:
    """All at once (write.py), then the build's records: the cache, redirects.yaml, the schedule."""
    from sitegen import schedule
    from sitegen.content.images import outputs as image_outputs
    from sitegen.site import redirects

    with _writing(config):
        # the photos' files are kept as pages are (by what they are copies of); the others are read one at a
        # time as they are written (a thousand photos' files would not fit in memory)
        files, kept, pictures = image_outputs(plan.pictures, config.output_path, cache.state.outputs,
                                              None if look.watched else look.on_disk())
        written = write_outputs(chain(rendered.staged, plan.statics, pictures, plan.hosting), config.output_path,
                                keep=[*(p.path for p in plan.keep), *(f.path for f in kept)],
                                previous=cache.state.outputs.keys() if cache.state.outputs else None,
                                staging=rendered.staging)
    outputs: list[Planned] = [*plan.pages, *files]
    unchanged: list[Planned] = [*plan.keep, *kept]
    cache.remember(outputs, unchanged, written.stats, plan.signature)
    redirects.record(config.root, plan.moved.recorded)
    if session is None or cache is not session.cache:
        cache.save()
    schedule.save_record(config, grouped.line)
    return written


def start_index(config: Config, published: Published, cache: Cache, options: BuildOptions) -> EarlyIndex | None:
    """After an edit, the few search shards it changed written by Pagefind while the pages are grouped,
    planned, rendered and written (``search.start_early``); put in place by ``index_site``, dropped if the
    build fails. Not for a clean build (``index_site`` streams its many shards), a multilingual site, nor
    the preview (whose index follows the page, in the background): for the first two, the shards are only
    planned here, so that the cache saved with the pages holds the plan's memo for the next edit."""
    if not config.search or config.languages:
        return None
    from sitegen.output import search

    memo = cache.state.search  # saved with the pages' record, which the index stage comes after
    articles = published.line.listed  # the site's articles, in another order: a shard sorts its own
    if options.index_later or not cache.state.outputs:
        search.plan(articles, config, memo)  # what the next edit's plan starts from
        return None
    return search.start_early(config.output_path, articles, config, cache.html, jobs=options.jobs or 1, memo=memo)


@contextmanager
def _cancelled_on_failure(early: EarlyIndex | None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if early is not None:
            early.cancel()
        raise


def index_site(plan: Plan, grouped: Grouped, cache: Cache, options: BuildOptions,
               early: EarlyIndex | None = None) -> list[str]:
    """The search index (search.py): only the shards whose articles changed are rebuilt (one index per
    language of a multilingual site). Its warnings, if any."""
    from sitegen.output import search

    config = plan.config
    if early is not None:  # started after the collect stage, with the same articles and settings
        problem = early.finish()
        return [problem] if problem else []
    if plan.editions:
        from sitegen.pages import multilingual

        indexes = multilingual.search_targets(plan.editions, config.output_path)
    else:
        indexes = [(config.output_path, grouped.site.articles, config)]
    memo = None if plan.editions else cache.state.search  # one edition's shards: start_index planned them
    warnings = []
    for folder, indexed, settings in indexes:
        problem = search.update_index(folder, indexed, settings, cache.html, enabled=config.search,
                                      jobs=options.jobs or 1, background=options.index_later, memo=memo)
        warnings += [problem] if problem else []
    return warnings


def record_build(config: Config, look: Look, cache: Cache, loaded: Loaded, grouped: Grouped, plan: Plan,
                 warnings: list[str], session: Session | None, unindexed: Sequence[str] = ()) -> None:
    """What the next build's no-op check compares with, and the session's memory of this build. None when
    Pagefind is there but the index could not be updated (``unindexed``: index_site's warnings): the next
    build, even with no input changed, then tries again to write the shards that are missing."""
    conversion = loaded.conversion
    # Inputs as they were when this build read them (plus what it converted): an edit made while
    # it ran differs from this record, so the next build sees it.
    inputs = look.inputs
    inputs.update(manifest.snapshot([config.resolve(p) for p in conversion.written]
                                    + ([config.root / REDIRECTS_FILE] if plan.moved.recorded else [])))
    if session is not None:
        session.inputs, session.site = inputs, None if grouped.multi else grouped.site
    # No record for a no-op check when a watcher tells what changed (the preview: it never needs one).
    # The record keeps this build's warnings about files, which a no-op build then repeats.
    if look.watched:
        return
    if unindexed and plan.config.search:  # planned with search: Pagefind was there (plan_site), and failed
        return  # check_inputs removed the last build's record already: none, and the next build is no no-op
    line = grouped.line
    manifest.save(config.cache_path / MANIFEST_FILE, look.key, inputs,
                  {path: (e.size, e.mtime_ns) for path, e in cache.state.outputs.items()},
                  (plan.counts[0], sum(1 for p in plan.pages if p.path.endswith(".html")), plan.counts[1]),
                  next_change=line.next_change.timestamp() if line.next_change else None,
                  timing=(_held(config, line), _iso(line.next_change), line.reasons),
                  warnings=(warnings, loaded.warned))


def _held(config: Config, line: Timeline) -> list[tuple[str, str]]:
    return [(shown_path(a.path, config.root), a.released.isoformat()) for a in [*line.held, *line.shown_held]]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@contextmanager
def _writing(config: Config) -> Iterator[None]:
    """An OSError of the output folder as an error naming it, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise SitegenError(f"cannot write the site to {config.output_dir}/: {exc.strerror}"
                           f"{f' ({exc.filename})' if exc.filename else ''}") from None


# --- helpers of the stages --------------------------------------------------------------------------------


def _unknown_keys(config: Config, articles: list[Article]) -> tuple[list[str], list[str]]:
    """Front-matter keys nothing reads, as warnings (notices.py), and the files they name."""
    from sitegen.content.load import KNOWN_KEYS
    from sitegen.incremental.notices import unknown_keys

    return unknown_keys(articles, config.root, config.theme_dirs("templates"), KNOWN_KEYS)


def _emptied(config: Config, before: Mapping[str, SourceEntry], line: Timeline) -> list[SitegenError]:
    """An error when this build would publish no article where the last one had some: a mistyped
    content_dir, a deleted or emptied content folder, must not take the live site down to nothing."""
    had = sum(1 for e in before.values() if e.article is not None and e.article.kind == "article"
              and not e.article.draft)
    if not had or line.held or line.killed or line.expired:  # the site still has their pages, or will
        return []
    return [SitegenError(f"this build would publish no articles, where the last one had {had}: check "
                         f"content_dir ('{config.content_dir}', now {_count_files(config.content_path)}) in "
                         f"{CONFIG_FILE}; to publish an empty site on purpose, run again with --allow-empty")]


def _count_files(folder: Path) -> str:
    count = sum(1 for rel, _path in files_under(folder) if rel.endswith(".md"))
    return f"{count} .md file{'s' if count != 1 else ''}" if folder.is_dir() else "missing"


def input_roots(config: Config) -> list[Path]:
    """Every file a build reads: content, seeds, templates, static files and the settings."""
    return [config.content_path, config.seeds_path, *config.theme_dirs("templates"),
            *config.theme_dirs("static"), config.root / CONFIG_FILE, config.root / REDIRECTS_FILE,
            config.root / "i18n"]


def _manifest_key(config: Config) -> str:
    # The day is part of the key: pages that depend on the date (a news sitemap) change daily.
    settings = sorted((k, repr(v)) for k, v in vars(config).items())
    return f"{__version__}|{settings}|{time.strftime('%Y-%m-%d', time.gmtime())}"


def cache_key(config: Config) -> str:
    """Settings that change every parsed article: a different key starts the cache afresh."""
    from sitegen.content import markup

    languages = f"|languages={','.join(lang.code for lang in config.languages)}" if config.languages else ""
    return (f"{__version__}|{markup.CONFIG_KEY}|unsafe_html={config.unsafe_html}|{config.timezone}|{config.root}"
            f"{languages}")


def convert(config: Config, force: bool = False, existing: Iterable[Article] | None = None,
            seeds: Iterable[str] | None = None, previous: Mapping[str, SourceEntry] | None = None,
            only: Collection[Path] | None = None, seeds_listed: bool = False) -> ConvertReport:
    """Turn seeds without a content file into content files; never touches an existing one unless forced.

    With the loaded articles and the seed files already listed, a build whose seeds are all named by some
    article's ``source`` skips the converter altogether (the usual case, and a cheap check), and otherwise
    it looks at the seeds no article names (one whose content file was deleted, say) rather than all, when
    ``seeds_listed`` says ``seeds`` is what the converter would list (no symlink to refuse among them). ``previous``
    (the last build's cache entries; read from the cache when not given) tells a content file deleted on
    purpose from one never written; ``only`` limits the run to those seeds.
    """
    from sitegen.seeds.convert import ConvertReport, convert_seeds, existing_from

    listed: list[str] | None = None
    known = None
    if existing is not None and seeds is not None and not force and only is None:
        existing = list(existing)
        root = str(config.root) + os.sep
        named = {a.source for a in existing if a.source}  # as the converter writes them: seeds/x.txt
        seeds = [seed for seed in seeds if not (seed.startswith(root) and seed[len(root):] in named)]
        if not seeds:
            return ConvertReport()
        known = existing_from(existing, config.root)
        unnamed = [seed for seed in seeds if seed not in known.by_plain]  # the sources as paths, normalised
        if not unnamed:
            return ConvertReport()
        listed = unnamed if seeds_listed else None  # the converter looks at these only
    if previous is None:  # sitegen convert on its own: the cache is only read
        previous = read_sources(config.cache_path, cache_key(config))
    if known is None and existing is not None:
        known = existing_from(existing, config.root)
    return convert_seeds(config.seeds_path, config.content_path, config.root, force=force, existing=known,
                         previous=previous, only=only, section=_seed_section(config), language=config.language,
                         languages=[lang.code for lang in config.languages], listed=listed)


def _seed_section(config: Config) -> str:
    """The slug converted seeds are given (``seed_section``), or ''."""
    section = config.section_named(config.seed_section) if config.seed_section else None
    return section.slug if section else ""


def _seed_files(inputs: dict[str, tuple[int, int]], config: Config) -> list[str]:
    prefix = str(config.seeds_path) + os.sep
    return [path for path in inputs if path.startswith(prefix) and path.endswith(".txt")]


def check_output_dir(config: Config) -> None:
    """A wrong ``output_dir`` must never replace the site's own sources."""
    output = config.output_path
    protected = [config.root, config.content_path, config.seeds_path, config.cache_path,
                 *config.theme_dirs("templates")[:1], *config.theme_dirs("static")[:1]]
    for folder in protected:
        if output == folder or output in folder.parents:
            raise SitegenError(f"output_dir '{config.output_dir}' would replace {folder}: "
                               "choose a folder of its own, such as 'public'")


def _counting(outputs: Iterable[T], total: int, progress: Progress) -> Iterator[T]:
    for done, output in enumerate(outputs, start=1):
        if done % 200 == 0 or done == total:
            progress("rendering pages", done, total)
        yield output


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None
