"""Pages from the site model: the only importer of Jinja2. One small, declared context per page kind.

``plan_pages`` lists every page with a *signature*: a hash of everything the page shows (its articles'
content hashes, its neighbours, the templates and settings). A page whose signature matches the last
build's is not rendered again. ``render_pages`` renders the rest on several processes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__, markup, urls
from .cache import Cache
from .config import Config
from .errors import BuildFailed, ContentError
from .model import MONTHS, Article, ListPage, Output, Period, Site
from .parallel import parallel_imap

PAGE_TEMPLATES = {
    "index": "index.html",
    "tag": "tag.html",
    "author": "author.html",
    "archive": "archive.html",
}
TEMPLATES = (
    "base.html", "article.html", "tags.html", "authors.html", "archive_index.html", "404.html",
    "feed.xml", "sitemap.xml", "robots.txt", *PAGE_TEMPLATES.values(),
)  # fmt: skip
TEMPLATE_SUFFIXES = ("html", "xml", "txt")
EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


@dataclass(frozen=True)
class Page:
    """One file to render: where it goes, with which template, and a hash of what it shows."""

    path: str
    template: str
    signature: str
    context: Callable[[], dict[str, Any]]


def make_env(config: Config) -> jinja2.Environment:
    """The template environment: autoescaping, and undefined names fail the build."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in config.theme_dirs("templates")]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(_jinja_cache(config))),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    base_path = config.base_path
    root_url = config.base_url.rstrip("/") + "/"
    cards: dict[str, Markup] = {}

    def card(article: Article) -> Markup:
        # An article's card appears on ~10 list pages (front, tags, author, archives): render it once.
        if article.url not in cards:
            cards[article.url] = Markup(env.get_template("partials/card.html").render(item=article))
        return cards[article.url]

    env.globals.update(
        site={
            "title": config.title,
            "description": config.description,
            "language": config.language,
            "base_url": root_url,
        },
        url_for=lambda url: urls.with_base(base_path, url),
        abs_url=lambda url: root_url + url.lstrip("/"),
        urls=urls,
        card=card,
    )
    env.filters.update(longdate=long_date, isodate=lambda d: d.isoformat())
    return env


def _jinja_cache(config: Config) -> Path:
    folder = config.cache_path / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def long_date(moment: datetime) -> str:
    """'19 September 2023': spelled by sitegen, never by the machine's locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def template_names(env: jinja2.Environment) -> list[str]:
    return sorted(set(TEMPLATES) | set(env.list_templates(extensions=TEMPLATE_SUFFIXES)))


def check_templates(env: jinja2.Environment) -> None:
    """Compile every template up front so all syntax errors are reported together."""
    errors = []
    for name in template_names(env):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            errors.append(ContentError(exc.filename or name, exc.lineno, f"template error: {exc.message}"))
        except jinja2.TemplateNotFound:
            errors.append(ContentError(name, None, "template not found in the site's templates/ "
                                                   "or the default theme"))
    if errors:
        raise BuildFailed(errors)


def global_signature(env: jinja2.Environment, config: Config) -> str:
    """What every page depends on: sitegen itself, the settings and every template's text."""
    check_templates(env)
    parts: list[Any] = [__version__, markup.CONFIG_KEY,
                        sorted((k, v) for k, v in vars(config).items() if k != "root")]
    for name in template_names(env):
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        parts += [name, source]
    return _hash(*parts)


def _hash(*parts: Any) -> str:
    """A short hash of the parts; strings are joined as they are (fast), anything else by its repr."""
    text = "\x1f".join(p if isinstance(p, str) else repr(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fingerprints(articles: Sequence[Article]) -> str:
    return ",".join([a.fingerprint for a in articles])


def _page(url: str, title: str, description: str, **context: Any) -> dict[str, Any]:
    return {"page_url": url, "title": title, "description": description, **context}


def article_context(article: Article, body: str, newer: Article | None, older: Article | None) -> dict[str, Any]:
    return _page(article.url, article.title, article.description,
                 article=article, body=Markup(body), newer=newer, older=older)


def list_context(page: ListPage, description: str, children: list[tuple[Period, int]]) -> dict[str, Any]:
    title = page.title if page.number == 1 else f"{page.title}, page {page.number}"
    return _page(page.url, title, description, page=page, children=children)


def plan_pages(site: Site, config: Config, cache: Cache, env: jinja2.Environment, g: str) -> list[Page]:
    """Every generated file of the site with its signature (``g``: the global one); nothing rendered yet."""
    pages: list[Page] = []
    articles = site.articles
    for i, article in enumerate(articles):
        newer = articles[i - 1] if i > 0 else None
        older = articles[i + 1] if i + 1 < len(articles) else None
        signature = _hash(g, "article", article.fingerprint, article.url,
                          newer.url if newer else "", newer.title if newer else "",
                          older.url if older else "", older.title if older else "")
        pages.append(Page(urls.output_path(article.url), "article.html", signature,
                          lambda a=article, n=newer, o=older: article_context(a, cache.html(a.fingerprint), n, o)))

    children: dict[Period, list[tuple[Period, int]]] = defaultdict(list)
    for period, members in site.periods.items():
        if period.parent is not None:
            children[period.parent].append((period, len(members)))
    for page in site.pages:
        kids = children.get(page.subject, []) if isinstance(page.subject, Period) else []
        description = _list_description(page, config)
        signature = _hash(g, page.kind, page.url, page.title, f"{page.number}/{page.count}",
                          _fingerprints(page.articles), str(kids) if kids else "")
        pages.append(Page(urls.output_path(page.url), PAGE_TEMPLATES[page.kind], signature,
                          lambda p=page, d=description, k=kids: list_context(p, d, k)))

    tag_counts = [(tag, len(members)) for tag, members in site.tags.items()]
    author_counts = [(author, len(members)) for author, members in site.authors.items()]
    years = [(p, len(m), children.get(p, [])) for p, m in site.periods.items() if p.month is None]
    indexes = [
        (urls.tags_index_url(), "tags.html", "Topics", f"Every topic covered by {config.title}.", "tags", tag_counts),
        (urls.authors_index_url(), "authors.html", "Authors", f"Everyone who writes for {config.title}.",
         "authors", author_counts),
        (urls.archive_index_url(), "archive_index.html", "Archive", f"Every article of {config.title} by date.",
         "years", years),
    ]
    for url, template, title, description, key, items in indexes:
        pages.append(Page(urls.output_path(url), template, _hash(g, url, items),
                          lambda u=url, t=title, d=description, k=key, i=items: _page(u, t, d, **{k: i})))
    pages.append(Page("404.html", "404.html", _hash(g, "404"),
                      lambda: _page("/404.html", "Page not found", "There is no page at this address.")))

    feeds = [(urls.feed_url(), config.title, urls.index_url(), articles[: config.feed_limit])]
    feeds += [(urls.tag_feed_url(tag.slug), f"{config.title}: {tag.name}", urls.tag_url(tag.slug),
               members[: config.feed_limit]) for tag, members in site.tags.items()]
    for url, title, alternate, entries in feeds:
        pages.append(Page(urls.output_path(url), "feed.xml", _hash(g, url, title, _fingerprints(entries)),
                          lambda u=url, t=title, a=alternate, e=entries: _feed_context(u, t, a, e, cache)))
    sitemap_signature = _hash(g, _fingerprints(articles), ",".join([p.url for p in site.pages]))
    pages.append(Page("sitemap.xml", "sitemap.xml", sitemap_signature, lambda: {"entries": _sitemap_entries(site)}))
    pages.append(Page("robots.txt", "robots.txt", _hash(g, "robots"), dict))
    return pages


def _feed_context(url: str, title: str, alternate: str, entries: Sequence[Article], cache: Cache) -> dict[str, Any]:
    updated = max((a.updated or a.date for a in entries), default=EPOCH)
    return {"feed_url": url, "feed_title": title, "alternate_url": alternate, "updated": updated,
            "entries": [(a, cache.html(a.fingerprint)) for a in entries]}


def _list_description(page: ListPage, config: Config) -> str:
    if page.kind == "index":
        return config.description
    what = {"tag": f"Articles tagged {page.title}", "author": f"Articles by {page.title}",
            "archive": f"Articles from {page.title}"}[page.kind]
    return f"{what} on {config.title}."


def _sitemap_entries(site: Site) -> list[tuple[str, datetime | None]]:
    entries: list[tuple[str, datetime | None]] = [(a.url, a.updated or a.date) for a in site.articles]
    entries += [(p.url, p.articles[0].date if p.articles else None) for p in site.pages]
    entries += [(urls.tags_index_url(), None), (urls.authors_index_url(), None),
                (urls.archive_index_url(), None)]
    return entries


# --- rendering --------------------------------------------------------------------------------------

_ACTIVE: tuple[jinja2.Environment, Sequence[Page]] | None = None  # what forked workers render from


def render_pages(pages: Sequence[Page], env: jinja2.Environment, jobs: int = 1) -> Iterator[Output]:
    """Render pages in order, on up to ``jobs`` processes; a template error raises BuildFailed."""
    global _ACTIVE
    _ACTIVE = (env, pages)
    try:
        yield from parallel_imap(_render_index, range(len(pages)), jobs)
    finally:
        _ACTIVE = None


def _render_index(index: int) -> Output:
    assert _ACTIVE is not None
    env, pages = _ACTIVE
    page = pages[index]
    return Output(page.path, render_template(env, page.template, page.context()))


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> bytes:
    try:
        return env.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc)
        message = exc.message if isinstance(exc, jinja2.TemplateSyntaxError) else str(exc)
        raise BuildFailed([ContentError(path or name, line, f"template error: {message}")]) from None


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """Jinja rewrites tracebacks so template lines appear as frames; the innermost one is the culprit."""
    found: tuple[str | None, int | None] = (getattr(exc, "filename", None), getattr(exc, "lineno", None))
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(tuple(f".{suffix}" for suffix in TEMPLATE_SUFFIXES)):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def static_files(config: Config) -> Iterator[Output]:
    """The theme's assets under /static/; a site's own file replaces the default of the same name."""
    seen: set[str] = set()
    for folder in config.theme_dirs("static"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in seen and not path.name.startswith("."):
                seen.add(rel)
                yield Output(urls.output_path(urls.static_url(rel)), path.read_bytes())
