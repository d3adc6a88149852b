"""Multilingual sites (``languages:`` in sitegen.yaml, docs/i18n.md): one edition of the site per language.

Each language is built as a site of its own, with the settings its pages see (its code, title and a base
URL under its base path, ``/es/``): its own front page, sections, tags, authors, archives, feeds, sitemap,
news sitemap, search index and 404 page, all under its folder of the output. Then every page learns its
translations: an article's are the articles of the other languages with the same translation key
(``translation_key:``, else the file's path without its language); any other page's are the pages at the
same address in the other editions (``/es/tags/`` is ``/tags/`` in Spanish). A page carries
``<link rel="alternate" hreflang>`` for each, and ``x-default`` for the default language's, and the
language switcher links them; the sitemaps carry the same as ``xhtml:link``. One robots.txt at the root
names every edition's sitemaps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.content.load import split_language
from sitegen.core import urls
from sitegen.core.config import Config
from sitegen.core.errors import ContentError
from sitegen.core.model import Article, Site, SiteLanguage
from sitegen.core.timeline import Timeline

if TYPE_CHECKING:
    import jinja2

    from sitegen.pages.render import Page


@dataclass(frozen=True)
class Edition:
    """One language of the site: its settings as its pages see them, and its folder in the output."""

    lang: SiteLanguage
    config: Config
    prefix: str  # its folder in the output: '' for a language at the root, 'es/' for /es/
    default: bool


def editions(config: Config) -> list[Edition]:
    """The languages of a multilingual site, the default one first."""
    root = config.base_url.rstrip("/") + "/"
    found = []
    for lang in config.languages:
        base = config.language_base(lang)
        own = replace(config, language=lang.code, title=lang.title or config.title,
                      description=lang.description or config.description, base_url=root + base.lstrip("/"),
                      languages=())
        found.append(Edition(lang, own, base.lstrip("/"), lang.code == config.language))
    return sorted(found, key=lambda e: not e.default)


def language_of(article: Article, config: Config) -> str:
    return article.lang or config.language


def translation_key(article: Article, config: Config) -> str:
    """What an article shares with its translations: ``translation_key:``, else its content file's path
    without the language it names and without the suffix (``fr/2024-01-03-x.md`` and ``2024-01-03-x.md``)."""
    if article.translation_key:
        return f"key:{article.translation_key}"
    path = config.root / article.path
    content = config.content_path
    within = path.relative_to(content).as_posix() if path.is_relative_to(content) else article.path.as_posix()
    plain, _lang = split_language(within, [lang.code for lang in config.languages])
    return f"path:{plain.rsplit('.', 1)[0]}"


def check(articles: Sequence[Article], config: Config) -> list[ContentError]:
    """Each article's language is one of the site's; no two articles of a language share a translation key."""
    from sitegen.content.frontmatter import key_line

    codes = [lang.code for lang in config.languages]
    errors = []
    seen: dict[tuple[str, str], Article] = {}
    for article in sorted(articles, key=lambda a: str(a.path)):
        code = language_of(article, config)
        if code not in codes:
            errors.append(ContentError(article.path, _line(config, article, "lang", key_line),
                                       f"lang '{code}' is not one of the site's languages ({', '.join(codes)})"))
            continue
        key = (code, translation_key(article, config))
        other = seen.setdefault(key, article)
        if other is not article:
            errors.append(ContentError(article.path, _line(config, article, "translation_key", key_line),
                                       f"{other.path} is already the '{code}' version of this article (the same "
                                       "translation_key or file name): give one of them another translation_key"))
    return errors


def _line(config: Config, article: Article, key: str, key_line: Callable[[str, str], int | None]) -> int | None:
    try:
        return key_line((config.root / article.path).read_text(encoding="utf-8-sig"), key)
    except (OSError, UnicodeDecodeError):
        return None


def of_language(items: Sequence[Article], code: str, config: Config) -> list[Article]:
    return [a for a in items if language_of(a, config) == code]


def timeline_of(line: Timeline, code: str, config: Config) -> Timeline:
    """The part of the build's timeline that is in one language."""
    return replace(line, listed=of_language(line.listed, code, config), expired=of_language(line.expired, code, config),
                   killed=of_language(line.killed, code, config), held=of_language(line.held, code, config),
                   shown_held=of_language(line.shown_held, code, config))


def full_url(edition: Edition, url: str) -> str:
    """A page's address on the whole site (site-relative, without the site's own sub-path): '/es/x/'."""
    return url if url.startswith(("http://", "https://")) else f"/{edition.prefix}{url.lstrip('/')}"


@dataclass
class Planned:
    """One edition, grouped and planned."""

    edition: Edition
    site: Site
    env: jinja2.Environment
    signature: str
    pages: list[Page]
    standalone: tuple[Article, ...]
    pictures: Any = None  # the build's pictures as this edition's pages look them up (``pictures_of``)


def pictures_of(catalog: Any, edition: Edition, others: Sequence[Edition]) -> Any:
    """The build's pictures (images.Catalog, keyed by the articles' addresses on the whole site, /es/x/) as
    one edition's pages ask for them, by their addresses inside the edition (/x/)."""
    if catalog is None:
        return None
    import copy

    mine = f"/{edition.prefix}"
    theirs = tuple(f"/{e.prefix}" for e in others if e.prefix and e is not edition)

    def own(table: dict[str, Any]) -> dict[str, Any]:
        if edition.prefix:
            return {"/" + key[len(mine):]: value for key, value in table.items() if key.startswith(mine)}
        return {key: value for key, value in table.items() if not key.startswith(theirs)} if theirs else table

    view = copy.copy(catalog)
    view.leads, view.body, view.signatures = own(catalog.leads), own(catalog.body), own(catalog.signatures)
    return view


# Pages with no translations to speak of: noindex, or not pages (feeds, sitemaps, robots.txt).
_NOT_TRANSLATED = ("404.html",)


def link_translations(planned: Sequence[Planned], config: Config) -> list[Page]:
    """Every edition's pages under its folder, each with its translations (hreflang and the language
    switcher), every sitemap with the same as xhtml:link, and one robots.txt at the root."""
    from sitegen.pages.render import Page, hash_parts

    root_url = config.base_url.rstrip("/") + "/"
    base_path = config.base_path
    # Which page of each edition is which: articles and undated pages by translation key, others by address.
    by_key: dict[str, dict[str, str]] = {}
    key_of_path: dict[tuple[str, str], str] = {}
    for plan in planned:
        code = plan.edition.lang.code
        for article in (*plan.site.articles, *plan.standalone):
            key = translation_key(article, config)
            path = urls.output_path(article.url)
            by_key.setdefault(key, {})[code] = path
            key_of_path[(code, path)] = key
    by_path: dict[str, dict[str, str]] = {}
    for plan in planned:
        for page in plan.pages:
            if page.path.endswith(".html") and page.path not in _NOT_TRANSLATED and \
                    (plan.edition.lang.code, page.path) not in key_of_path:
                by_path.setdefault(page.path, {})[plan.edition.lang.code] = page.path
    tables = hash_parts(repr(sorted(by_key.items())), repr(sorted(by_path.items())))
    editions_by_code = {p.edition.lang.code: p.edition for p in planned}
    default = next(p.edition for p in planned if p.edition.default)

    def address(code: str, path: str) -> str:
        """The site-relative address (with the site's sub-path) of a page path of an edition."""
        rel = path.removesuffix("index.html")
        return urls.with_base(base_path, "/" + editions_by_code[code].prefix + rel)

    def versions(code: str, path: str) -> dict[str, str]:
        key = key_of_path.get((code, path))
        return by_key.get(key, {}) if key is not None else by_path.get(path, {})

    def alternates(code: str, path: str) -> list[dict[str, str]]:
        found = versions(code, path)
        if len(found) < 2:
            return []
        links = [{"hreflang": c, "href": root_url + address(c, p).removeprefix(base_path)}
                 for c, p in sorted(found.items())]
        if default.lang.code in found:
            links.append({"hreflang": "x-default",
                          "href": root_url + address(default.lang.code, found[default.lang.code]).removeprefix(
                              base_path)})
        return links

    def switcher(code: str, path: str) -> list[dict[str, Any]]:
        found = versions(code, path)
        return [{"code": p.edition.lang.code, "name": p.edition.lang.name, "current": p.edition.lang.code == code,
                 "translated": p.edition.lang.code in found,
                 "href": address(p.edition.lang.code, found.get(p.edition.lang.code, "index.html"))}
                for p in planned]

    pages: list[Page] = []
    for plan in planned:
        code, prefix = plan.edition.lang.code, plan.edition.prefix
        for page in plan.pages:
            if page.path == "robots.txt":
                continue  # one for the whole site, below
            if page.template == "sitemap.xml":  # its translations worked out when it is rendered
                pages.append(Page(prefix + page.path, page.template, hash_parts(page.signature, tables),
                                  _with(_sitemap_context(page.context, code, alternates), plan.pictures), plan.env))
            elif page.path.endswith(".html") and page.template not in ("redirect.html",):
                alts, menu = alternates(code, page.path), switcher(code, page.path)
                pages.append(Page(prefix + page.path, page.template, hash_parts(page.signature, repr(alts), repr(menu)),
                                  _with(page.context, plan.pictures, translations=alts, languages=menu), plan.env))
            else:
                pages.append(Page(prefix + page.path, page.template, page.signature, _with(page.context, plan.pictures),
                                  plan.env))
    maps = []
    for plan in planned:
        for page in plan.pages:
            if page.template in ("sitemap.xml", "sitemap_index.xml", "news-sitemap.xml") and \
                    (page.template != "sitemap.xml" or not any(p.template == "sitemap_index.xml" for p in plan.pages)):
                maps.append(root_url + address(plan.edition.lang.code, page.path).removeprefix(base_path))
    robots_env = planned[0]
    pages.append(Page("robots.txt", "robots.txt", hash_parts(robots_env.signature, "robots", *maps),
                      lambda: {"sitemaps": maps}, robots_env.env))
    if default.prefix:  # the default language under /en/: the site's root sends readers there
        target = urls.with_base(base_path, "/" + default.prefix)
        pages.append(Page("index.html", "redirect.html", hash_parts(robots_env.signature, "root", target),
                          lambda: {"target": target, "target_abs": root_url + default.prefix,
                                   "title": default.config.title}, robots_env.env))
    return pages


def _sitemap_context(context: Callable[[], dict[str, Any]], code: str,
                     alternates: Callable[[str, str], list[dict[str, str]]]) -> Callable[[], dict[str, Any]]:
    """A sitemap part's context with, for each address it lists, its translations."""
    def made() -> dict[str, Any]:
        found = context()
        table = {url: links for url, _modified in found["entries"]
                 if (links := alternates(code, urls.output_path(url)))}
        return {**found, "sitemap_alternates": table}

    return made


def _with(context: Callable[[], dict[str, Any]], pictures: Any, **more: Any) -> Callable[[], dict[str, Any]]:
    """A page's context with ``more``, made (and then rendered) with its edition's pictures."""
    from sitegen.pages.render import set_images

    def made() -> dict[str, Any]:
        set_images(None, pictures)  # the page's edition: its cards' thumbnails and its own picture
        return {**context(), **more}

    return made


EditionPlanner = Callable[[Site, Config, "jinja2.Environment", str, Timeline, bool], "list[Page]"]


def plan_editions(config: Config, plan: EditionPlanner, listed: Sequence[Article], standalone: Sequence[Article],
                  line: Timeline, links: Mapping[str, str], section_of: Callable[[str], Any],
                  catalog: Any = None) -> tuple[list[Planned], list[ContentError]]:
    """Each language's site, grouped and planned (its pages' paths still inside its own folder).
    ``plan(site, config, env, signature, timeline, default)`` plans one edition's pages (the build passes
    one that reuses the last plan for the default language, where an edit rebuilds as little as on any
    site, and plans the others afresh, which is always correct).
    ``catalog``: the build's pictures (images.Catalog), prepared with the articles' whole-site addresses."""
    from sitegen.pages.render import global_signature, make_env, set_images, set_site_pages
    from sitegen.site.collect import build_site

    planned, errors = [], []
    every = editions(config)
    for edition in every:
        code, own = edition.lang.code, edition.config
        mine = of_language(listed, code, config)
        pages_here = tuple(of_language(standalone, code, config))
        site, url_errors = build_site(mine, config.per_page, own.title, config.sections, section_of, pages_here)
        errors += url_errors
        env = make_env(own, asset_base=config.base_path)
        set_site_pages(env, pages_here)
        pictures = pictures_of(catalog, edition, every)
        set_images(env, pictures)
        signature = global_signature(env, own)
        pages = plan(site, own, env, signature, timeline_of(line, code, config), edition.default)
        planned.append(Planned(edition, site, env, signature, pages, pages_here, pictures))
    return planned, errors


def with_full_urls(articles: Sequence[Article], config: Config) -> list[Article]:
    """The articles with their addresses on the whole site (``/es/2024/...``), for redirects and hosting."""
    by_code = {e.lang.code: e for e in editions(config)}
    return [a if not by_code[language_of(a, config)].prefix else
            replace(a, url=full_url(by_code[language_of(a, config)], a.url)) for a in articles
            if language_of(a, config) in by_code]


def entries_with_full_urls(entries: Mapping[str, Any], config: Config) -> dict[str, Any]:
    """The last build's cache entries by content file, each article with its address on the whole site."""
    found = {}
    for rel, entry in entries.items():
        article = getattr(entry, "article", None)
        full = with_full_urls([article], config) if article is not None else []
        found[rel] = entry._replace(article=full[0]) if full else entry
    return found


def search_targets(planned: Sequence[Planned], output: Path) -> list[tuple[Path, Sequence[Article], Config]]:
    """Where each edition's search index goes (its folder's pagefind/), with its articles and settings."""
    return [(output / p.edition.prefix if p.edition.prefix else output, p.site.articles, p.edition.config)
            for p in planned]
