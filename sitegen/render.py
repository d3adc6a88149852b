"""Pages from the site model: the only importer of Jinja2. One small, declared context per page kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import jinja2
from markupsafe import Markup

from . import urls
from .config import Config
from .errors import BuildFailed, ContentError
from .model import MONTHS, Article, ListPage, Output, Period, Site

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
EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def make_env(config: Config) -> jinja2.Environment:
    """The template environment: autoescaping, and undefined names fail the build."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in config.theme_dirs("templates")]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    base_path = config.base_path
    root_url = config.base_url.rstrip("/") + "/"
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
    )
    env.filters.update(longdate=long_date, isodate=lambda d: d.isoformat())
    return env


def long_date(moment: datetime) -> str:
    """'19 September 2023': spelled by sitegen, never by the machine's locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def check_templates(env: jinja2.Environment) -> None:
    """Compile every template up front so all syntax errors are reported together."""
    errors = []
    names = sorted(set(TEMPLATES) | set(env.list_templates(extensions=["html", "xml", "txt"])))
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            errors.append(ContentError(exc.filename or name, exc.lineno, f"template error: {exc.message}"))
        except jinja2.TemplateNotFound:
            errors.append(ContentError(name, None, "template not found in the site's templates/ "
                                                   "or the default theme"))
    if errors:
        raise BuildFailed(errors)


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> bytes:
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
        if filename.endswith((".html", ".xml", ".txt")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _page(url: str, title: str, description: str, **context: Any) -> dict[str, Any]:
    return {"page_url": url, "title": title, "description": description, **context}


def article_context(article: Article, newer: Article | None, older: Article | None) -> dict[str, Any]:
    return _page(article.url, article.title, article.description,
                 article=article, body=Markup(article.html), newer=newer, older=older)


def list_context(page: ListPage, site_title: str, description: str,
                 children: list[tuple[Period, int]]) -> dict[str, Any]:
    title = page.title if page.kind == "index" else f"{page.title}"
    if page.number > 1:
        title = f"{title}, page {page.number}"
    return _page(page.url, title, description, page=page, children=children)


def render_site(site: Site, env: jinja2.Environment, config: Config) -> Iterator[Output]:
    """Every file of the site, one at a time, so a large site never sits in memory whole."""
    check_templates(env)
    articles = site.articles
    for i, article in enumerate(articles):
        newer = articles[i - 1] if i > 0 else None
        older = articles[i + 1] if i + 1 < len(articles) else None
        yield _html(env, "article.html", article.url, article_context(article, newer, older))

    children: dict[Period, list[tuple[Period, int]]] = defaultdict(list)
    for period, members in site.periods.items():
        if period.parent is not None:
            children[period.parent].append((period, len(members)))
    for page in site.pages:
        description = _list_description(page, config)
        context = list_context(page, config.title, description, children.get(page.subject, []))
        yield _html(env, PAGE_TEMPLATES[page.kind], page.url, context)

    tag_counts = [(tag, len(members)) for tag, members in site.tags.items()]
    yield _html(env, "tags.html", urls.tags_index_url(),
                _page(urls.tags_index_url(), "Tags", f"Every topic covered by {config.title}.",
                      tags=tag_counts))
    author_counts = [(author, len(members)) for author, members in site.authors.items()]
    yield _html(env, "authors.html", urls.authors_index_url(),
                _page(urls.authors_index_url(), "Authors", f"Everyone who writes for {config.title}.",
                      authors=author_counts))
    years = [(p, len(m), children.get(p, [])) for p, m in site.periods.items() if p.month is None]
    yield _html(env, "archive_index.html", urls.archive_index_url(),
                _page(urls.archive_index_url(), "Archive", f"Every article of {config.title} by date.",
                      years=years))
    yield Output("404.html", _render(env, "404.html", _page("/404.html", "Page not found",
                                                            "There is no page at this address.")))

    yield _feed(env, urls.feed_url(), config.title, urls.index_url(), articles[: config.feed_limit])
    for tag, members in site.tags.items():
        yield _feed(env, urls.tag_feed_url(tag.slug), f"{config.title}: {tag.name}", urls.tag_url(tag.slug),
                    members[: config.feed_limit])
    yield Output("sitemap.xml", _render(env, "sitemap.xml", {"entries": _sitemap_entries(site)}))
    yield Output("robots.txt", _render(env, "robots.txt", {}))
    yield from static_files(config)


def _html(env: jinja2.Environment, template: str, url: str, context: dict[str, Any]) -> Output:
    return Output(urls.output_path(url), _render(env, template, context))


def _list_description(page: ListPage, config: Config) -> str:
    if page.kind == "index":
        return config.description
    what = {"tag": f"Articles tagged {page.title}", "author": f"Articles by {page.title}",
            "archive": f"Articles from {page.title}"}[page.kind]
    return f"{what} on {config.title}."


def _feed(env: jinja2.Environment, url: str, title: str, alternate: str,
          entries: tuple[Article, ...]) -> Output:
    updated = max((a.updated or a.date for a in entries), default=EPOCH)
    context = {"feed_url": url, "feed_title": title, "alternate_url": alternate, "entries": entries,
               "updated": updated}
    return Output(urls.output_path(url), _render(env, "feed.xml", context))


def _sitemap_entries(site: Site) -> list[tuple[str, datetime | None]]:
    entries: list[tuple[str, datetime | None]] = [(a.url, a.updated or a.date) for a in site.articles]
    entries += [(p.url, p.articles[0].date if p.articles else None) for p in site.pages]
    entries += [(urls.tags_index_url(), None), (urls.authors_index_url(), None),
                (urls.archive_index_url(), None)]
    return entries


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

