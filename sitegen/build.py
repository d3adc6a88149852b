"""The build, top to bottom: load, convert new seeds, collect, plan, render what changed, write."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from . import __version__, manifest
from .cache import Cache, OutputEntry, SourceEntry, read_state
from .config import CONFIG_FILE, REDIRECTS_FILE, Config
from .errors import BuildFailed, ContentError, SitegenError, shown_path
from .feeds import future_articles, resolve_now
from .model import Article, Output, Section, Site
from .parallel import default_jobs
from .write import WriteReport, open_staging, output_lock, write_outputs

# The stages that load Jinja2, Markdown and the converter are imported where they are first needed: a build
# with nothing to do stops at the manifest check, and importing them would be most of its time.
if TYPE_CHECKING:
    from .convert import ConvertReport
    from .images import Catalog
    from .render import Page
    from .timeline import Timeline

Progress = Callable[[str, int, int], None]  # stage, done, total
T = TypeVar("T")


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


def build(config: Config, *, jobs: int | None = None, clean: bool = False,
          progress: Progress | None = None, now: str | datetime | None = None,
          warm: Cache | None = None, remembered: Mapping[str, SourceEntry] | None = None,
          changed: Collection[Path] | None = None, index_later: bool = False,
          preview: bool = False, allow_empty: bool = False, image_cache: Path | None = None) -> BuildReport:
    """Build the site into the output folder, redoing only what changed since the last build.

    Raises BuildFailed (every error found) and leaves the output folder exactly as it was.
    ``now`` (default: SOURCE_DATE_EPOCH, else the clock) decides the news sitemap and what counts as future.
    ``warm``: a cache kept in the caller's memory from its last build (the preview's), used instead of
    reading and writing the one on disk. ``remembered``: content files known from elsewhere (the site's own
    cache, for the preview), so one deleted on purpose is not converted again. ``changed``: every input
    file changed since the last good build with ``warm``, as the caller's file watcher saw them; then only
    those are looked at again instead of every input file, and the output files are trusted to be as
    that build left them (the preview's, in a folder of its own), so the no-op check is skipped.
    ``index_later``: the search shards an edit touched are rebuilt on a thread after this returns (the
    preview's page shows at once, its search a few seconds later).
    ``preview``: articles still under embargo are built too, with an "EMBARGOED until …" banner and
    noindex (``sitegen serve`` only; a production build writes them nowhere, see timeline.py).
    ``allow_empty``: go ahead when no article would be published where the last build published some
    (otherwise that is an error: a wrong folder or a deleted content folder must not empty the site).
    ``image_cache``: the cache folder whose ``images/`` holds the photos' derivatives (default: the settings'
    ``cache_dir``); the preview, whose own cache is private, shares the site's, as the files are named by content.
    """
    started = time.perf_counter()
    jobs = jobs or default_jobs()
    report = _noop_progress if progress is None else progress
    check_output_dir(config)
    with output_lock(config.output_path, on_wait=lambda: report("waiting for another build", 0, 0)):
        manifest_path = config.cache_path / "manifest.marshal"
        moment = resolve_now(now, config.tz)
        # the news sitemap lists the last days' articles; the preview also builds embargoed ones
        key = f"{_manifest_key(config)}|{moment.date()}|preview={preview}"
        roots = input_roots(config)
        watched = None if warm is None or warm.inputs is None or changed is None or clean else \
            manifest.restat(warm.inputs, changed, roots)
        unusual: list[str] = []  # symlinks and unreadable folders: content files are then listed with care
        inputs = manifest.snapshot(roots, [config.seeds_path], unusual) if watched is None else watched
        content = f"{config.content_path}{os.sep}"
        listed = watched is not None or not any(f"{path}{os.sep}".startswith(content) for path in unusual)
        record = None if clean or watched is not None else manifest.load(manifest_path, key)
        if record is not None and record.get("next") is not None and moment.timestamp() >= record["next"]:
            record = None  # an embargo lifted, an article expired or the news window moved since: not a no-op
        last = manifest.unchanged(record, inputs, config.output_path)
        if last:
            articles, pages, tags = last["summary"]
            timing = last.get("timing") or ([], None, [])
            return BuildReport(articles, pages, tags, WriteReport(kept=len(last["paths"])),
                               time.perf_counter() - started, future=[tuple(x) for x in timing[0]],
                               next_change=timing[1], next_reasons=list(timing[2]))
        manifest.forget(manifest_path)
        # the last build's output files, checked on another core meanwhile (see _decide)
        on_disk = manifest.stats_in_background(config.output_path, record["paths"]) if record else dict
        from . import redirects, schedule, search, timeline
        from .collect import build_site, duplicate_urls, updated_site
        from .deploy_headers import hosting_files
        from .i18n import of as of_language
        from .i18n import untranslated_warning
        from .images import outputs as image_outputs
        from .load import load_articles, publishable
        from .render import (
            global_signature,
            make_env,
            plan_pages,
            render_pages,
            set_images,
            set_site_pages,
            static_files,
        )

        key_now = cache_key(config)
        # the last build's content files, also under --clean (which starts the cache afresh): deleted ones stay deleted
        known = read_state(config.cache_path, key_now).sources if clean else None
        if warm is not None and warm.key == key_now and not clean:
            cache = warm
        else:
            cache = Cache(config.cache_path, key_now, clean=clean)
        before = cache.state.sources if known is None else known  # what the last build published, by file
        previous = {**(remembered or {}), **before}
        try:
            report("loading content", 0, 0)
            articles, errors = load_articles(config, cache, jobs, inputs, complete=listed)
            conversion = convert(config, existing=articles, seeds=_seed_files(inputs, config), previous=previous)
            if conversion.written:
                articles, errors = load_articles(config, cache, jobs)
            cache.state.sources.update(conversion.remembered)
            report("collecting", 0, 0)
            candidates = publishable(articles, config.drafts)
            standalone = tuple(sorted((a for a in candidates if a.kind == "page"), key=lambda a: a.url))
            # The one place where embargoed and killed articles are taken out: nothing below sees them.
            line = timeline.split([a for a in candidates if a.kind == "article"], moment,
                                  future=config.publish_future, preview=preview)
            listed_articles = line.listed
            published = [*standalone, *listed_articles, *line.expired]  # the pages that stand at their address
            section_of = _section_finder(config)
            multi = bool(config.languages)  # a multilingual site: one edition per language (multilingual.py)
            if multi:
                from . import multilingual
            last_site = None if multi else cache.site if cache is warm and cache.site is not None and \
                (cache.site.per_page, cache.site.title, tuple(cache.site.sections), cache.site.standalone) == \
                (config.per_page, config.title, config.sections, standalone) else None
            site = updated_site(last_site, listed_articles) if last_site is not None else None
            url_errors = []
            everyone = [*standalone, *listed_articles, *line.expired, *line.killed, *line.held]
            if multi:
                url_errors = multilingual.check(everyone, config)
                everyone = multilingual.with_full_urls(everyone, config)
                published = multilingual.with_full_urls(published, config)
            elif site is None:
                site, url_errors = build_site(listed_articles, config.per_page, config.title, config.sections,
                                              section_of, standalone)
            if multi or line.expired or line.killed or line.held:  # their addresses are taken too, now or later
                known = {str(e) for e in url_errors}
                url_errors = [*url_errors, *[e for e in duplicate_urls(everyone) if str(e) not in known]]
            links, structure_errors = _check_structure(config, published, section_of)
            errors = [*conversion.errors, *errors, *url_errors, *structure_errors]
            if not errors and not allow_empty and not listed_articles and not preview:
                errors += _emptied(config, before, line)
            report("images", 0, 0)
            catalog = _catalog(config, preview, image_cache)
            image_errors, image_notes = catalog.prepare(published, jobs, fast=preview, make=not errors)
            errors += image_errors
            if errors:
                raise BuildFailed(errors, notes=[f"converted {shown_path(p, config.root)}" for p in conversion.written])

            warnings = list(conversion.warnings)
            notes = [note for a in articles for note in a.notes] + image_notes
            warnings += notes
            if config.search and (problem := search.unavailable()):
                warnings.append(problem)
                config = replace(config, search=False)
            env = make_env(config)
            warnings += [w for w in [untranslated_warning(of_language(config.language, config.root))] if w]
            set_site_pages(env, standalone)
            set_images(env, catalog)
            signature = global_signature(env, config)
            layout_errors = _check_layouts(env, config, standalone)
            lines, redirect_errors = redirects.read(config.root)
            if layout_errors or redirect_errors:
                raise BuildFailed([*layout_errors, *redirect_errors])
            if multi:
                planned, plan_errors = multilingual.plan_editions(config, cache, listed_articles, standalone, line,
                                                                  moment, links, section_of, catalog)
                if plan_errors:
                    raise BuildFailed(plan_errors)
                warnings += [w for p in planned[1:] if (w := untranslated_warning(of_language(p.edition.lang.code,
                                                                                              config.root)))]
                live_pages = multilingual.link_translations(planned, config)
                site = planned[0].site  # the default language's, for messages
            else:
                live_pages = plan_pages(site, config, cache, env, signature, now=moment, links=links,
                                        timeline=line)
            statics = list(static_files(config))
            live = _owners(live_pages, statics, site, config)
            earlier = multilingual.entries_with_full_urls(before, config) if multi else before
            moved = redirects.plan(lines, published, live, redirects.detect(earlier, published), config.root)
            errors = [*moved.errors, *_root_file_clashes(config, live)]
            if errors:
                raise BuildFailed(errors)
            warnings += moved.warnings
            pages = live_pages + plan_redirect_pages(moved.targets, moved.titles, config, env, signature)
            todo, keep, reasons = _decide(pages, cache, config.output_path, signature,
                                          on_disk() if watched is None else None)
            try:
                # read one at a time as they are written (a thousand photos' files would not fit in memory)
                pictures = image_outputs(catalog, config.output_path, cache.state.outputs,
                                         on_disk() if watched is None else None)
                killed = multilingual.with_full_urls(line.killed, config) if multi else line.killed
                hosting = hosting_files(config, [o.path for o in statics] + [rel for rel, _ in catalog.names()],
                                        moved.targets, gone=[a.url for a in killed])
                staging = open_staging(config.output_path)  # the workers stage the pages they render
                rendered = _counting(render_pages(todo, env, jobs, stage=staging.put), len(todo), report)
                written = write_outputs(chain(rendered, statics, pictures, hosting), config.output_path,
                                        keep=[p.path for p in keep],
                                        previous=cache.state.outputs.keys() if cache.state.outputs else None,
                                        staging=staging)
            except OSError as exc:
                raise SitegenError(f"cannot write the site to {config.output_dir}/: {exc.strerror}"
                                   f"{f' ({exc.filename})' if exc.filename else ''}") from None
            _remember(cache, pages, keep, written, signature)
            redirects.record(config.root, moved.recorded)
            if cache is not warm:
                cache.save()
            schedule.save_record(config, line)
            # Only the shards whose articles changed are rebuilt: see search.py
            indexes = multilingual.search_targets(planned, config.output_path) if multi else \
                [(config.output_path, site.articles, config)]
            for folder, indexed, settings in indexes:
                problem = search.update_index(folder, indexed, settings, cache.html, enabled=config.search, jobs=jobs,
                                              background=index_later)
                warnings += [problem] if problem else []
            counts = (sum(len(p.site.articles) for p in planned), sum(len(p.site.tags) for p in planned)) if multi \
                else (len(site.articles), len(site.tags))
        except BaseException:
            if warm is not None:
                warm.inputs = warm.site = None  # what this build read is not known to be built: start afresh
                # ... and what the last good build published stays the one a moved address is compared with
                warm.state.sources = dict(before)
            raise
        finally:
            on_disk()  # collected, whatever happened: the child must not linger
            cache.close()
        html_pages = sum(1 for p in pages if p.path.endswith(".html"))
        # Inputs as they were when this build read them (plus what it converted): an edit made while
        # it ran differs from this record, so the next build sees it.
        inputs.update(manifest.snapshot([config.resolve(p) for p in conversion.written]
                                        + ([config.root / REDIRECTS_FILE] if moved.recorded else [])))
        if warm is not None:
            warm.inputs, warm.site = inputs, None if multi else site
        # No record for a no-op check when there is a deleted seed's warning or a content file's (a shortcode
        # left in a body) to repeat until it is dealt with,
        # or when a watcher tells what changed (the preview: it never needs one)
        held = [(shown_path(a.path, config.root), a.released.isoformat()) for a in [*line.held, *line.shown_held]]
        next_change = line.next_change.isoformat() if line.next_change else None
        if not conversion.deleted and not notes and watched is None:
            manifest.save(manifest_path, key, inputs,
                          {path: (e.size, e.mtime_ns) for path, e in cache.state.outputs.items()},
                          (counts[0], html_pages, counts[1]),
                          next_change=line.next_change.timestamp() if line.next_change else None,
                          timing=(held, next_change, line.reasons))
    return BuildReport(
        articles=counts[0],
        pages=html_pages,
        tags=counts[1],
        files=written,
        seconds=time.perf_counter() - started,
        converted=conversion.written,
        warnings=warnings,
        rendered=[(p.path, reasons[p.path]) for p in todo],
        future=held,
        next_change=next_change,
        next_reasons=line.reasons,
        published_future=[(shown_path(a.path, config.root), a.released.isoformat())
                          for a in future_articles(listed_articles, moment) if not preview],
        redirects=[f"{old} now redirects to {new} ({rel}: its address changed); recorded in {REDIRECTS_FILE}"
                   if new else f"{old} is {rel}'s address again: its redirect is cancelled in {REDIRECTS_FILE}"
                   for old, new, rel in moved.recorded],
    )


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
    count = sum(1 for p in folder.rglob("*.md") if p.is_file()) if folder.is_dir() else 0
    return f"{count} .md file{'s' if count != 1 else ''}" if folder.is_dir() else "missing"
def _catalog(config: Config, preview: bool, folder: Path | None) -> Catalog:
    """The build's pictures (images.py), with the settings' widths; the preview makes no AVIF."""
    from .images import Catalog, Settings

    return Catalog(config.root, config.resolve(config.static_dir), config.content_path, folder or config.cache_path,
                   config.base_path, config.base_url.rstrip("/") + "/",
                   Settings(config.image_widths, config.image_avif and not preview))


def _section_finder(config: Config) -> Callable[[str], Section | None]:
    """The section a front matter ``section:`` names (slug or name, any case), looked up once per spelling."""
    known: dict[str, Section | None] = {}

    def find(name: str) -> Section | None:
        if name not in known:
            known[name] = config.section_named(name)
        return known[name]

    return find


def _line_of(config: Config, article: Article, *keys: str) -> int | None:
    from .frontmatter import key_line

    try:
        text = (config.root / article.path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return next((line for key in keys if (line := key_line(text, key))), None)


def _check_structure(config: Config, published: list[Article],
                     section_of: Callable[[str], Section | None]) -> tuple[dict[str, str], list[ContentError]]:
    """Each section named in front matter is one of the settings'; each ``ref`` names a content file.
    Returns the addresses refs can name (content path, path without suffix, file name or stem → address)."""
    errors = []
    known = ", ".join(s.slug for s in config.sections) or "none yet: list them under 'sections:' in sitegen.yaml"
    for article in published:
        if article.section and section_of(article.section) is None:
            errors.append(ContentError(article.path, _line_of(config, article, "section", "category", "categories"),
                                       f"unknown section '{article.section}'; the sections are: {known}"))
    links = _ref_targets(config, published) if any(a.refs for a in published) else {}
    for article in published:
        for ref in article.refs:
            line, target = ref.split(":", 1)
            if target not in links:
                errors.append(ContentError(article.path, int(line), f"the ref to '{target}' names no published "
                                                                    "content file: give its path in content/"))
    return links, errors


def _ref_targets(config: Config, published: list[Article]) -> dict[str, str]:
    content = f"{config.content_path.relative_to(config.root).as_posix()}/" \
        if config.content_path.is_relative_to(config.root) else ""
    exact: dict[str, str] = {}
    loose: dict[str, set[str]] = {}
    for article in published:
        within = article.path.as_posix().removeprefix(content)
        stem = within.rsplit(".", 1)[0]
        for key in (within, stem, f"/{within}", f"/{stem}"):
            exact[key] = article.url
        name = within.rsplit("/", 1)[-1]
        for key in (name, name.rsplit(".", 1)[0]):
            loose.setdefault(key, set()).add(article.url)
    for key, found in loose.items():
        if len(found) == 1:  # a file name two files share names neither
            exact.setdefault(key, next(iter(found)))
    return exact


def _check_layouts(env: object, config: Config, standalone: tuple[Article, ...]) -> list[ContentError]:
    from .render import template_names

    names = set(template_names(env))  # type: ignore[arg-type]
    return [ContentError(page.path, _line_of(config, page, "layout"),
                         f"layout '{page.layout}' has no template: add templates/{page.layout}.html, "
                         "or remove the line to use page.html")
            for page in standalone if page.layout and f"{page.layout}.html" not in names]


class _Owners(Mapping[str, str]):
    """Every output file a build writes (relative to the output folder), with what makes it, worked out only
    when an error names it: a clash is rare, and 20k descriptions a build would cost more than the check."""

    def __init__(self, pages: list[Page], statics: list[Output], site: Site, theme: set[str]) -> None:
        from .deploy_headers import HOSTING_FILES

        self._site = site
        self._theme = theme
        self._paths = {p.path for p in pages} | theme | {n for n in HOSTING_FILES if n.startswith("_")}

    def __getitem__(self, path: str) -> str:
        if path not in self._paths:
            raise KeyError(path)
        if path in self._theme:
            return f"the theme's file {path}"
        url = "/" + path.removesuffix("index.html")
        made = next((a for a in (*self._site.articles, *self._site.standalone) if a.url == url), None)
        return f"the page of {made.path}" if made else f"the generated page {path}"

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _owners(pages: list[Page], statics: list[Output], site: Site, config: Config) -> _Owners:
    """Every output file a build writes, with what makes it: for errors that name both sides of a clash."""
    from .render import root_files

    own = set(root_files(config))
    return _Owners(pages, statics, site, {o.path for o in statics if o.path not in own})


def _root_file_clashes(config: Config, live: Mapping[str, str]) -> list[ContentError]:
    """A site file in static/ that would replace a page the build makes: an error naming both."""
    from .render import HOSTING_OWN, root_files

    errors = []
    static = Path(config.static_dir)
    for rel in root_files(config):
        if rel in HOSTING_OWN:  # merged into the generated one
            continue
        if rel in live:
            errors.append(ContentError(static / rel, None, f"would be published at /{rel}, replacing "
                                                           f"{live[rel]}: rename or move the file"))
        elif config.search and rel.split("/", 1)[0] == "pagefind":
            errors.append(ContentError(static / rel, None, "would be published in /pagefind/, the search "
                                                           "index's folder: rename or move the file"))
    return errors


def plan_redirect_pages(targets: Mapping[str, str], titles: Mapping[str, str], config: Config, env: object,
                        signature: str) -> list[Page]:
    from .render import redirect_pages

    return redirect_pages(targets, titles, config, env, signature)


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
    from . import markup

    languages = f"|languages={','.join(lang.code for lang in config.languages)}" if config.languages else ""
    return (f"{__version__}|{markup.CONFIG_KEY}|unsafe_html={config.unsafe_html}|{config.timezone}|{config.root}"
            f"{languages}")


def convert(config: Config, force: bool = False, existing: Iterable[Article] | None = None,
            seeds: Iterable[str] | None = None, previous: Mapping[str, SourceEntry] | None = None,
            only: Collection[Path] | None = None) -> ConvertReport:
    """Turn seeds without a content file into content files; never touches an existing one unless forced.

    With the loaded articles and the seed files already listed, a build whose seeds are all named by some
    article's ``source`` skips the converter altogether (the usual case, and a cheap check). ``previous``
    (the last build's cache entries; read from the cache when not given) tells a content file deleted on
    purpose from one never written; ``only`` limits the run to those seeds.
    """
    from .convert import ConvertReport, convert_seeds, existing_from

    if existing is not None and seeds is not None and not force and only is None:
        existing = list(existing)
        root = str(config.root) + os.sep
        named = {a.source for a in existing if a.source}  # as the converter writes them: seeds/x.txt
        if all(seed.startswith(root) and seed[len(root):] in named for seed in seeds):
            return ConvertReport()
        named = {os.path.normpath(os.path.join(config.root, a.source)) for a in existing if a.source}
        if all(seed in named for seed in seeds):
            return ConvertReport()
    if previous is None:  # sitegen convert on its own: the cache is only read
        previous = read_state(config.cache_path, cache_key(config)).sources
    known = existing_from(existing, config.root) if existing is not None else None
    return convert_seeds(config.seeds_path, config.content_path, config.root, force=force, existing=known,
                         previous=previous, only=only, section=_seed_section(config), language=config.language,
                         languages=[lang.code for lang in config.languages])


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


def _decide(pages: list[Page], cache: Cache, output_dir: Path, signature: str,
            on_disk: Mapping[str, tuple[int, int]] | None = None) -> tuple[list[Page], list[Page], dict[str, str]]:
    """Which pages to render, which to keep as they are, and why. Each kept page's file must still be as
    written: ``on_disk`` has the (size, mtime_ns) of output files already looked at (any other is looked
    at here); None trusts the output folder (the preview's own, which nobody else writes)."""
    previous = cache.state.outputs
    base = str(output_dir) + os.sep
    settings_changed = cache.state.global_signature != signature
    todo, keep, reasons = [], [], {}
    for page in pages:
        entry = previous.get(page.path)
        if entry is None:
            reason = "new page" if previous else "no earlier build in the cache"
        elif entry.signature != page.signature:
            reason = "templates or settings changed" if settings_changed else "what it shows changed"
        elif on_disk is None:
            reason = ""
        else:
            found = on_disk.get(page.path) or manifest.size_and_mtime(base + page.path)
            reason = "the output file is missing" if found is None else \
                "" if found == (entry.size, entry.mtime_ns) else "the output file was changed outside sitegen"
        if reason:
            todo.append(page)
            reasons[page.path] = reason
        else:
            keep.append(page)
    return todo, keep, reasons


def _remember(cache: Cache, pages: list[Page], keep: list[Page], written: WriteReport, signature: str) -> None:
    previous = cache.state.outputs
    kept = {p.path for p in keep}
    outputs = {}
    for page in pages:
        if page.path in kept:
            outputs[page.path] = previous[page.path]
        elif page.path in written.stats:
            size, mtime_ns = written.stats[page.path]
            outputs[page.path] = OutputEntry(page.signature, size, mtime_ns)
    for path, (size, mtime_ns) in written.stats.items():
        outputs.setdefault(path, OutputEntry("", size, mtime_ns))  # static files: compared by bytes
    cache.state.outputs = outputs
    cache.state.global_signature = signature


def _counting(outputs: Iterable[T], total: int, progress: Progress) -> Iterator[T]:
    for done, output in enumerate(outputs, start=1):
        if done % 200 == 0 or done == total:
            progress("rendering pages", done, total)
        yield output


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None
