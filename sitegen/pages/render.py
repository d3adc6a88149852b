"""Pages from the site model: the only importer of Jinja2. One small, declared context per page kind.

``plan_pages`` lists every page with a *signature*: a hash of everything the page shows (its articles'
content hashes, its neighbours, its related articles, the templates and settings). A page whose signature
matches the last build's is not rendered again. ``render_pages`` renders the rest on several processes.
What feeds, site maps and structured data say is worked out in ``feeds.py`` and ``seo.py``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import types
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from sitegen import __version__
from sitegen.content import images, markup, shortcodes
from sitegen.core import i18n, urls
from sitegen.core.config import Config
from sitegen.core.errors import BuildFailed, ContentError
from sitegen.core.files import files_under
from sitegen.core.model import (
    MONTHS,
    Article,
    Author,
    ListPage,
    MenuEntry,
    Output,
    Period,
    Section,
    Site,
    Tag,
)
from sitegen.core.parallel import parallel_imap
from sitegen.core.timeline import Timeline
from sitegen.pages import feeds, seo
from sitegen.site.collect import related_articles

PAGE_TEMPLATES = {
    "index": "index.html",
    "section": "section.html",
    "tag": "tag.html",
    "author": "author.html",
    "archive": "archive.html",
}
TEMPLATES = (
    "base.html", "article.html", "tags.html", "authors.html", "archive_index.html", "404.html", "search.html",
    "feed.xml", "feed.json", "rss.xml", "sitemap.xml", "sitemap_index.xml", "news-sitemap.xml", "robots.txt",
    "page.html", "redirect.html", "partials/nav.html", "withdrawn.html", "corrections.html",
    *PAGE_TEMPLATES.values(),
)  # fmt: skip
TEMPLATE_SUFFIXES = ("html", "xml", "txt", "json")
FINGERPRINTED = (".css",)  # assets named by their content when ``fingerprint`` is on
# The URL scheme as templates see it: every *_url function of urls.py.
URLS = types.SimpleNamespace(**{n: getattr(urls, n) for n in dir(urls) if n.endswith("_url") or n == "with_base"})


class Page(NamedTuple):
    """One file to render: where it goes, with which template, and a hash of what it shows."""

    path: str
    template: str
    signature: str
    context: Callable[..., dict[str, Any]]  # called with no arguments (defaults bind a loop's values)
    env: jinja2.Environment | None = None  # its own environment (one language of a multilingual site)


class Fields(dict):
    """A dict whose keys are its attributes too, for the values every page shows (``site.title``,
    ``links.home``, the menu): Jinja looks a name up as an attribute before a key, and on a plain dict the
    attribute that is not there cost ~0.5 us, some 35 times a page. Made once, never changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__dict__.update(self)


try:  # MarkupSafe 3's escaping of a str, in C, without the Markup around it; older ones keep Jinja's escape
    from markupsafe import _escape_inner as _escape_text
    _FAST_ESCAPE = True
except ImportError:  # pragma: no cover - MarkupSafe 2
    _FAST_ESCAPE = False


def _escaped(value: Any) -> str:
    """``markupsafe.escape`` as a compiled template's output uses it, giving the text rather than a Markup
    of it: Jinja joins an output's parts into one string, and wraps what a block, macro or ``set`` makes in
    Markup itself; a Markup made for each of a page's ~85 values was a fifth of its rendering time."""
    if type(value) is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)
    return html() if html is not None else _escape_text(str(value))


class _Template(jinja2.Template):
    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: MutableMapping[str, Any],
                        globals: MutableMapping[str, Any]) -> jinja2.Template:
        # The compiled template's module reads ``escape`` at each output (jinja2/compiler.py: only there).
        if _FAST_ESCAPE and "escape" in namespace:
            namespace["escape"] = _escaped
        return super()._from_namespace(environment, namespace, globals)


class _Environment(jinja2.Environment):
    """Jinja's, with each template reading the environment's own globals: sitegen never gives a template
    globals of its own, and the ChainMap Jinja puts in front for them was copied into every render's
    context (and every include's) key by key, each key a failed lookup first: 12% of a page's time."""

    template_class = _Template

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return self.globals if not d else super().make_globals(d)


def make_env(config: Config, asset_base: str | None = None) -> jinja2.Environment:
    """The template environment: autoescaping, and undefined names fail the build. ``asset_base``: the
    base path of the theme's assets and the site's root files, when not the pages' (one language of a
    multilingual site, whose pages live under /es/)."""
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in config.theme_dirs("templates")]),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(_jinja_cache(config))),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no need to stat every template file for every page
    )
    base_path = config.base_path
    root_url = config.base_url.rstrip("/") + "/"
    lang = i18n.load(config.language, config.root)
    if lang.errors:
        raise BuildFailed(lang.errors)
    i18n.install(env, lang)
    assets = asset_names(config)
    own_files = root_files(config)
    cards: dict[str, Markup] = {}
    global _PICTURES
    _PICTURES = None  # until set_images: a build's pictures, never the last one's

    def card(article: Article) -> Markup:
        # An article's card appears on ~10 list pages (front, tags, author, archives): render it once, and
        # once across builds with a card store (set_cards): an article added moves ~1,000 list pages along,
        # which show cards the last build rendered.
        made = cards.get(article.url)
        if made is None:
            kept: _CardSource | None = env.sitegen_cards  # type: ignore[attr-defined]
            key = kept.key(article) if kept else ""
            html = kept.store.card(key) if kept else None
            if html is None:
                html = env.get_template("partials/card.html").render(item=article)
                if kept:
                    _FRESH_CARDS.append((key, html))
            made = cards[article.url] = Markup(html)
        return made

    def abs_url(url: str) -> str:
        return url if url.startswith(("http://", "https://")) else root_url + url.lstrip("/")

    def url_for(url: str) -> str:
        return urls.with_base(base_path, url)

    def asset_url(name: str) -> str:
        return urls.with_base(asset_base or base_path, f"/{name}" if name in own_files else
                              urls.static_url(assets.get(name, name)))

    # The default theme uses filters (``x|url``) and the ``links`` below: Jinja calls a filter directly, but
    # a function through its context (~1.3 µs more a call, ~50 calls a page); the functions stay for themes.
    def byline(authors: Sequence[Any], link: bool = True, conjunction: bool = True) -> Markup:
        """An article's authors, linked to their pages, joined as the site's language lists names."""
        names = [Markup('<a href="{}">{}</a>').format(url_for(urls.author_url(a.slug)), a.name) if link
                 else str(Markup.escape(a.name)) for a in authors]
        return Markup(lang.names([str(n) for n in names], conjunction))

    env.filters.update(url=url_for, abs_url=abs_url, card=card, thumbnail=thumbnail, byline=byline)
    env.extend(sitegen_cards=None)  # set_cards
    env.globals.update(
        links=Fields({
            "home": url_for("/"),
            "archive": url_for(urls.archive_index_url()),
            "tags": url_for(urls.tags_index_url()),
            "authors": url_for(urls.authors_index_url()),
            "search": url_for(urls.search_url()),
            "feed": url_for(urls.feed_url()),
            "json_feed": url_for(urls.json_feed_url()),
            "rss": url_for(urls.rss_url()),
            "corrections": url_for(urls.corrections_url()),
            "corrections_feed": url_for(urls.corrections_feed_url()),
            "favicon": urls.with_base(asset_base or base_path, urls.static_url("favicon.svg")),
            "style": urls.with_base(asset_base or base_path, urls.static_url(assets.get("style.css", "style.css"))),
        }),
    )
    env.globals.update(site_pages=[], menu=[
        Fields(name=e.name, url=e.url, href=e.url if e.url.startswith(("http://", "https://")) else url_for(e.url))
        for e in menu_entries(config)])
    env.globals.update(plural_forms=lang.plural_forms, note_labels=seo.note_labels(lang),
                       translations=[], languages=[], sitemap_alternates={})  # a multilingual site's
    env.globals.update(
        site=Fields({
            "title": config.title,
            "description": config.description,
            "language": config.language,
            "dir": lang.dir,
            "base_url": root_url,
            "base_path": base_path,
            "publisher": config.publisher_name,
            "image": config.image,
            "search": config.search,
            "sections": [Fields(slug=s.slug, name=s.name) for s in config.sections],
        }),
        url_for=url_for,
        abs_url=abs_url,
        asset_url=asset_url,
        urls=URLS,
        card=card,
    )
    env.filters.update(isodate=lambda d: d.isoformat(), rfc822=feeds.rfc822, script_json=script_json,
                       timeattr=time_attribute,
                       dateline=lambda a: lang.date(a.date) if a.date_only else lang.datetime(a.date))
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}
    return env


def _lang(config: Config) -> i18n.Language:
    """The site's language, as this build read it (``make_env``)."""
    return i18n.of(config.language, config.root)


def menu_entries(config: Config) -> tuple[MenuEntry, ...]:
    """The main navigation: the settings' ``menu``, or Latest, each section, then the indexes."""
    if config.menu is not None:
        return config.menu
    _ = i18n.of(config.language, config.root).gettext
    entries = [MenuEntry(_("Latest"), urls.index_url())]
    entries += [MenuEntry(s.name, urls.section_url(s.slug)) for s in config.sections]
    entries += [MenuEntry(_("Archive"), urls.archive_index_url()), MenuEntry(_("Topics"), urls.tags_index_url()),
                MenuEntry(_("Authors"), urls.authors_index_url())]
    if config.search:
        entries.append(MenuEntry(_("Search"), urls.search_url()))
    return tuple(entries)


_PICTURES: images.Catalog | None = None  # the build's pictures (set_images), read by contexts and signatures


def set_images(env: jinja2.Environment | None, catalog: images.Catalog | None) -> None:
    """The pictures of this build (images.Catalog, made and resolved): page contexts, signatures and the
    ``thumbnail`` filter read them. ``env`` None: only those (one edition's, as its page is rendered)."""
    global _PICTURES
    _PICTURES = catalog
    if env is not None:
        env.globals["images"] = catalog


class CardStore(Protocol):
    """Where the cards of the last builds are kept (the build cache): a card by its key, or None."""

    def card(self, key: str) -> str | None: ...

    def put_cards(self, items: Iterable[tuple[str, str]]) -> None: ...


class _CardSource(NamedTuple):
    store: CardStore
    signature: str
    listings: Mapping[str, str]

    def key(self, article: Article) -> str:
        return hash_parts(self.signature, self.listings.get(article.url) or listing(article))


_FRESH_CARDS: list[tuple[str, str]] = []  # the cards this process rendered and the store lacks, with their keys


def set_cards(env: jinja2.Environment, store: CardStore | None, signature: str,
              listings: Mapping[str, str] | None = None) -> None:
    """Cards from ``store``, and the cards rendered anew put there (``render_pages``), keyed by what a card
    shows: the article's ``listing`` (everything but its body, its pictures included; ``listings`` has
    those the plan worked out, by URL) under ``signature``: what every list page's signature holds besides
    its articles (the templates, the settings, the undated pages)."""
    env.sitegen_cards = _CardSource(store, signature, listings or {}) if store is not None else None  # type: ignore[attr-defined]


def thumbnail(article: Article) -> Markup:
    """An article's 16:9 card thumbnail as ``<picture>``, or nothing."""
    pictures = _PICTURES
    picture = pictures.lead(article) if pictures is not None else None
    if pictures is None or picture is None or not picture.plan.cards:
        return Markup("")
    return Markup(images.picture_html(pictures, picture, card=True, sizes=images.CARD_SIZES,
                                      css=' class="card-image"'))


def _picture_signature(article: Article | None) -> str:
    return _PICTURES.signature(article.url) if _PICTURES is not None and article is not None else ""


def _picture_context(article: Article, body: str) -> dict[str, Any]:
    """What a page with pictures adds to its context: the lead figure, the body's figures and Open Graph;
    nothing for one without."""
    if _PICTURES is None or not _picture_signature(article):
        return {"body": Markup(body)}
    lead = _PICTURES.lead(article)
    own = lead is not None and lead.src == article.image  # the front matter's, shown above the text
    found: dict[str, Any] = {"body": Markup(images.rewrite_body(_PICTURES, article.url, body))}
    if own and lead is not None:
        found["lead_figure"] = Markup(images.figure_html(_PICTURES, lead, lead=True, css="story-image"))
    if lead is not None:
        found["og_image"] = images.share_image(_PICTURES, lead)
    return found


def set_site_pages(env: jinja2.Environment, pages: Sequence[Article]) -> None:
    """The undated pages (About, a policy), as (title, link) for every page's footer."""
    env.globals["site_pages"] = [Fields(title=p.title, url=p.url, href=env.filters["url"](p.url)) for p in pages]


def script_json(data: Any) -> Markup:
    """JSON to put inside a <script> element: what ``tojson`` writes (nothing that can close the element or
    start a comment), and U+2028/2029 escaped too, which JavaScript before ES2019 reads as line ends."""
    text = str(htmlsafe_json_dumps(data, ensure_ascii=False))
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _jinja_cache(config: Config) -> Path:
    folder = config.cache_path / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def long_date(moment: datetime) -> str:
    """'19 September 2023': spelled by sitegen, never by the machine's locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def long_time(moment: datetime) -> str:
    """'19 September 2023, 14:30 CEST': the date, the time of day and the zone's abbreviation."""
    return f"{long_date(moment)}, {moment.hour:02d}:{moment.minute:02d} {moment.tzname() or ''}".rstrip()


def dateline(article: Article) -> str:
    """When an article was published, as its pages show it: with the time of day when it has one."""
    return long_date(article.dated) if article.date_only else long_time(article.dated)


def time_attribute(article: Article) -> str:
    """The ``datetime`` of an article's ``<time>``: ``2023-09-19`` for a date alone, else the full moment."""
    return article.dated.date().isoformat() if article.date_only else article.dated.isoformat()


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
    """What every page depends on: sitegen itself, the settings, every template's text, the asset names
    and the undated pages every footer links to (``env.globals["site_pages"]``, set by ``set_site_pages``)."""
    check_templates(env)
    parts: list[Any] = [__version__, markup.CONFIG_KEY,
                        sorted((k, v) for k, v in vars(config).items() if k != "root"),
                        sorted(asset_names(config).items()), env.globals.get("site_pages", [])]
    if words := i18n.signature(_lang(config)):  # the catalog and the site's own translations
        parts.append(words)
    loader = env.loader
    assert loader is not None  # make_env's
    for name in template_names(env):
        source, _filename, _uptodate = loader.get_source(env, name)
        parts += [name, source]
    return hash_parts(*parts)


def hash_parts(*parts: Any) -> str:
    """A short hash of the parts; strings are joined as they are (fast), anything else by its repr."""
    text = "\x1f".join(p if isinstance(p, str) else repr(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _fingerprints(articles: Sequence[Article]) -> str:
    return ",".join([a.fingerprint for a in articles])


def _shown(article: Article | None) -> str:
    """What a link to another article shows: its address, headline and date."""
    return "" if article is None else \
        f"{article.url}\x1e{article.title}\x1e{article.dated.isoformat()}\x1e{article.date_only}"


def _page(url: str, title: str, description: str, **context: Any) -> dict[str, Any]:
    """The keys base.html reads, with the defaults of a plain page."""
    page = {"page_url": url, "title": title, "description": description, "og_type": "website", "image": "",
            "jsonld": [], "alternates": [], "noindex": False, "unavailable_after": "", "og_image": None,
            "lead_figure": ""}
    return {**page, **context}


def article_context(article: Article, body: str, newer: Article | None, older: Article | None,
                    related: Sequence[Article], config: Config, abs_url: Callable[[str], str],
                    links: Mapping[str, str] | None = None, embargoed_until: datetime | None = None,
                    expired: bool = False) -> dict[str, Any]:
    """An article page: its body, neighbours, related articles, reading time and structured data.
    ``links``: the addresses its ``ref`` shortcodes point to (``resolved_refs``). ``embargoed_until``: the
    preview shows a held article, bannered and noindex; ``expired``: past its ``expires``, the page stays
    but is noindex and out of the search index."""
    section = config.section_named(article.section) if article.section else None
    lang = _lang(config)
    # An expired article's topic, author and day pages may be gone with it: its breadcrumbs lead home only.
    trail = [(lang.gettext("Home"), urls.index_url()), (article.title, article.url)] if expired else \
        seo.article_trail(article, section, lang)
    body = _with_refs(body, article, links or {}, config)
    words = seo.word_count(body)
    lead = _PICTURES.lead(article) if _PICTURES is not None else None
    photos = images.image_objects(_PICTURES, lead) if lead is not None and _PICTURES is not None else None
    jsonld = [seo.news_article(article, words, config, abs_url, section, photos, lang),
              seo.breadcrumb_list(trail, abs_url)]
    noindex = expired or embargoed_until is not None
    return _page(article.url, article.title, article.description, article=article,
                 newer=newer, older=older, related=related, minutes=seo.reading_minutes(words), trail=trail,
                 og_type="article", image=article.image or "", jsonld=jsonld, section=section,
                 embargoed_until=embargoed_until, expired=expired, noindex=noindex,
                 unavailable_after=article.expires.isoformat() if article.expires else "",
                 **_picture_context(article, body))


_REF = re.compile(re.escape(shortcodes.REF_SCHEME) + r"(\d+)")


def resolved_refs(article: Article, links: Mapping[str, str]) -> list[str]:
    """The addresses of the content files an article's ``ref`` shortcodes name, in order ('' if none)."""
    return [links.get(ref.split(":", 1)[1], "") for ref in article.refs]


def _with_refs(body: str, article: Article, links: Mapping[str, str], config: Config) -> str:
    if not article.refs:
        return body
    found = resolved_refs(article, links)
    return _REF.sub(lambda m: urls.with_base(config.base_path, found[int(m.group(1))] or "/"), body)


def page_context(page: Article, body: str, config: Config, abs_url: Callable[[str], str],
                 links: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An undated page (About): its body, breadcrumbs and WebPage markup."""
    trail = [(_lang(config).gettext("Home"), urls.index_url()), (page.title, page.url)]
    jsonld = [seo.web_page(page, config, abs_url), seo.breadcrumb_list(trail, abs_url)]
    return _page(page.url, page.title, page.description, article=page, trail=trail, image=page.image or "",
                 jsonld=jsonld, **_picture_context(page, _with_refs(body, page, links or {}, config)))


def list_context(page: ListPage, description: str, children: list[tuple[Period, int | None]], config: Config,
                 abs_url: Callable[[str], str]) -> dict[str, Any]:
    """A list page (front, tag, author, archive): its own title, description, feed and breadcrumbs."""
    lang = _lang(config)
    title = lang.period(page.subject) if isinstance(page.subject, Period) else page.title
    if page.number > 1:
        title = lang.gettext("%(title)s, page %(number)s") % {"title": title, "number": lang.number(page.number)}
        description = lang.gettext("%(description)s: page %(number)s of %(count)s.") % {
            "description": description.rstrip("."), "number": lang.number(page.number),
            "count": lang.number(page.count)}
    trail = seo.list_trail(page, lang)
    alternates = []
    if isinstance(page.subject, Tag):  # the subject of each kind of list page
        alternates.append((f"{page.title}", URLS.tag_feed_url(page.subject.slug)))
    elif isinstance(page.subject, Author):
        alternates.append((f"{page.title}", URLS.author_feed_url(page.subject.slug)))
    elif isinstance(page.subject, Section):
        alternates.append((f"{page.title}", URLS.section_feed_url(page.subject.slug)))
    jsonld = [seo.breadcrumb_list(trail, abs_url)] if len(trail) > 1 else []
    if page.kind == "section":
        jsonld.insert(0, seo.collection_page(page, title, description, config, abs_url))
    if page.kind == "index" and page.number == 1:
        jsonld = [seo.website(config, abs_url)]
    return _page(page.url, title, description, page=page, children=children, alternates=alternates, jsonld=jsonld)


Bodies = Callable[[str], str]  # a content file's rendered body, by its content hash (the loader stored it)


def plan_pages(site: Site, config: Config, env: jinja2.Environment, g: str, bodies: Bodies,
               now: datetime | None = None, links: Mapping[str, str] | None = None,
               timeline: Timeline | None = None) -> list[Page]:
    """Every generated file of the site with its signature (``g``: the global one); nothing rendered yet.

    ``now`` (default: ``feeds.resolve_now``) decides which articles the Google News sitemap lists.
    ``links``: the addresses ``ref`` shortcodes point to (content file → address). A rebuild plans the
    same pages, reusing the last plan where it can (``incremental.plan``).
    """
    planner = Planner.of(site, config, env, g, bodies, links, timeline)
    related = related_articles(site.articles, in_order=True)
    return planner.listed([listing(a) for a in site.articles], related) + planner.undated(now)


@dataclass(frozen=True)
class Planner:
    """What every page of one plan is worked out from; its methods make the plan's parts, for
    ``plan_pages`` and for the rebuild's reuse of the last plan (``incremental.plan``)."""

    site: Site
    config: Config
    abs_url: Callable[[str], str]
    g: str  # the global signature: templates and settings
    bodies: Bodies
    links: Mapping[str, str]
    timeline: Timeline | None
    banners: Mapping[str, datetime]  # the held articles shown with an embargo banner, by URL

    @classmethod
    def of(cls, site: Site, config: Config, env: jinja2.Environment, g: str, bodies: Bodies,
           links: Mapping[str, str] | None = None, timeline: Timeline | None = None) -> Planner:
        banners = {a.url: a.released for a in timeline.shown_held} if timeline is not None else {}
        return cls(site, config, _abs_url(env), g, bodies, links or {}, timeline, banners)

    def article_ids(self) -> list[str]:
        """Each article's URL, content hash, and banner and pictures if any: what its own page shows of it."""
        banners = self.banners
        return [f"{a.url}\x1f{a.fingerprint}" + (f"\x1fheld {banners[a.url].isoformat()}" if a.url in banners else "")
                + (f"\x1fpictures {p}" if (p := _picture_signature(a)) else "") for a in self.site.articles]

    def article_page(self, i: int, related: Mapping[str, tuple[Article, ...]],
                     show: Callable[[Article | None], str] = _shown) -> Page:
        return _article_page(self.site.articles, i, related, self.bodies, self.config, self.abs_url, self.g, show,
                             self.links, self.banners)

    def listed(self, listings: list[str], related: Mapping[str, tuple[Article, ...]]) -> list[Page]:
        """The pages whose signatures depend only on the articles' listings, and each article's own body:
        article pages (in date order, first), list pages (in ``site.pages`` order), then ``indexes``."""
        # the list pages first: the related articles, which article pages show, may still be on their way
        lists = self.list_pages(self.site.pages, listings) + self.indexes()
        show = _show_function(self.site.articles)
        return [self.article_page(i, related, show) for i in range(len(self.site.articles))] + lists

    def list_pages(self, pages: Sequence[ListPage], listings: list[str]) -> list[Page]:
        """These list pages of the site (of ``site.pages``); ``listings``: each article's, in date order."""
        listing_of = dict(zip([a.url for a in self.site.articles], listings, strict=True))
        children, lang = _children(self.site), _lang(self.config)
        return [_list_page(page, children, listing_of, self.config, self.abs_url, self.g, lang) for page in pages]

    def indexes(self) -> list[Page]:
        """The topic, author and archive indexes, the search and 404 pages, and the site map."""
        return (_index_pages(self.site, self.config, _children(self.site), self.g)
                + _sitemap_pages(self.site, self.config, self.g, self.abs_url))

    def undated(self, now: datetime | None) -> list[Page]:
        """The pages that are few whatever the site's size, planned afresh every time: feeds, the news
        sitemap and robots.txt, the undated pages, expired and withdrawn articles, the corrections."""
        site, config, g, links = self.site, self.config, self.g, self.links
        killed = self.timeline.killed if self.timeline is not None else []
        expired = self.timeline.expired if self.timeline is not None else []
        return (_feed_pages(site, config, self.bodies, self.abs_url, g, killed)
                + _news_pages(site, config, g, feeds.resolve_now(now, config.tz))
                + _standalone_pages(site, config, self.bodies, self.abs_url, g, links)
                + _expired_pages(expired, self.bodies, config, self.abs_url, g, links)
                + _withdrawn_pages(killed, config, g) + _corrections_pages(site, config, g))


def redirect_pages(redirects: Mapping[str, str], titles: Mapping[str, str], config: Config,
                   env: jinja2.Environment, g: str) -> list[Page]:
    """The pages left at old addresses (``redirects``: old → new; ``titles``: the new pages' titles)."""
    return _redirect_pages(redirects, titles, config, _abs_url(env), g)


def _abs_url(env: jinja2.Environment) -> Callable[[str], str]:
    """The environment's ``abs_url`` (make_env): a site-relative URL as an absolute one."""
    return cast(Callable[[str], str], env.globals["abs_url"])


def _standalone_pages(site: Site, config: Config, bodies: Bodies, abs_url: Callable[[str], str], g: str,
                      links: Mapping[str, str]) -> list[Page]:
    """The undated pages, each with its ``layout:`` template, else the site's own template named as the page
    (``templates/about.html`` for ``/about/``, as people coming from Jekyll expect), else page.html."""
    folders = config.theme_dirs("templates")
    own = {p.name for p in folders[0].glob("*.html")} - set(TEMPLATES) if len(folders) > 1 and site.standalone \
        else set()
    pages = []
    for page in site.standalone:
        named = f"{page.url.rstrip('/').rsplit('/', 1)[-1]}.html"
        template = f"{page.layout}.html" if page.layout else named if named in own else "page.html"
        signature = hash_parts(g, "page", page.fingerprint, page.url, template, *resolved_refs(page, links),
                               *([_picture_signature(page)] if page.media else []))
        pages.append(Page(urls.output_path(page.url), template, signature,
                          lambda p=page: page_context(p, bodies(p.fingerprint), config, abs_url, links)))
    return pages


def _redirect_pages(redirects: Mapping[str, str], titles: Mapping[str, str], config: Config,
                    abs_url: Callable[[str], str], g: str) -> list[Page]:
    """A small page at each old address, sending readers and search engines to the new one."""
    pages = []
    for old, new in redirects.items():
        external = new.startswith(("http://", "https://"))
        target = new if external else urls.with_base(config.base_path, new)
        title = titles.get(new, new)
        pages.append(Page(urls.output_path(old), "redirect.html", hash_parts(g, "redirect", old, new, title),
                          lambda t=target, n=new, title=title: {"target": t, "target_abs": n if n.startswith(
                              ("http://", "https://")) else abs_url(n), "title": title}))
    return pages


def listing(article: Article) -> str:
    """A hash of everything a list page, site map or neighbour can show of an article: all but its body."""
    return hash_parts(article.title, article.date.isoformat() if article.date else "", article.slug, article.url,
                      article.authors, article.tags, article.summary, article.description, article.source,
                      article.draft, article.updated, article.image, article.extra, article.section, article.date_only,
                      article.embargo, article.expires, article.killed, article.kill_note, article.corrections,
                      *([article.media, _picture_signature(article)] if article.media else []))


def placement(article: Article) -> str:
    """What decides which list pages show an article, where, and what the indexes and site map say of it."""
    return hash_parts(article.url, article.date.isoformat() if article.date else "", article.updated, article.tags,
                      article.authors, article.draft, article.section, article.date_only, article.source,
                      article.corrections)


def _show_function(articles: Sequence[Article]) -> Callable[[Article | None], str]:
    shown = {a.url: _shown(a) for a in articles}  # each article is shown ~5 times (neighbour, related)

    def show(article: Article | None) -> str:
        return shown[article.url] if article else ""

    return show


def _children(site: Site) -> dict[Period, list[tuple[Period, int]]]:
    """Each year's months and each month's days, with their article counts."""
    children: dict[Period, list[tuple[Period, int]]] = defaultdict(list)
    for period, members in site.periods.items():
        if period.parent is not None:
            children[period.parent].append((period, len(members)))
    return children


def _list_page(page: ListPage, children: dict[Period, list[tuple[Period, int]]], listing: dict[str, str],
               config: Config, abs_url: Callable[[str], str], g: str, lang: i18n.Language) -> Page:
    kids: list[tuple[Period, int | None]] = []
    if isinstance(page.subject, Period):
        # A year's months (a month's days) on each of its pages, with their counts on the first only: a
        # count is in every page's signature that shows it, and an article added or deleted would otherwise
        # have every page of its year rendered again, when its place in the list moves one or two.
        kids = [(p, n if page.number == 1 else None) for p, n in children.get(page.subject, [])]
    description = _list_description(page, config, lang)
    signature = hash_parts(g, page.kind, page.url, page.title, f"{page.number}/{page.count}",
                           ",".join([listing[a.url] for a in page.articles]),
                           ",".join([f"{p.label}:{n}" for p, n in kids]))
    return Page(urls.output_path(page.url), PAGE_TEMPLATES[page.kind], signature,
                lambda: list_context(page, description, kids, config, abs_url))


def _article_page(articles: Sequence[Article], i: int, related: Mapping[str, tuple[Article, ...]], bodies: Bodies,
                  config: Config, abs_url: Callable[[str], str], g: str,
                  show: Callable[[Article | None], str] = _shown, links: Mapping[str, str] | None = None,
                  banners: Mapping[str, datetime] | None = None) -> Page:
    article = articles[i]
    newer = articles[i - 1] if i > 0 else None
    older = articles[i + 1] if i + 1 < len(articles) else None
    near = related[article.url]
    refs = resolved_refs(article, links) if article.refs and links else []
    banner = (banners or {}).get(article.url)
    signature = hash_parts(g, "article", article.fingerprint, article.url, show(newer), show(older),
                           *[show(r) for r in near], *refs, banner.isoformat() if banner else "",
                           *([_picture_signature(article)] if article.media else []))
    return Page(urls.output_path(article.url), "article.html", signature,
                lambda: article_context(article, bodies(article.fingerprint), newer, older, near, config,
                                        abs_url, links, embargoed_until=banner))


def _expired_pages(expired: Sequence[Article], bodies: Bodies, config: Config, abs_url: Callable[[str], str],
                   g: str, links: Mapping[str, str]) -> list[Page]:
    """Articles past their ``expires``: the page stays at its address (noindex, out of every list)."""
    return [Page(urls.output_path(a.url), "article.html",
                 hash_parts(g, "expired", a.fingerprint, a.url, *(resolved_refs(a, links) if a.refs else []),
                            *([_picture_signature(a)] if a.media else [])),
                 lambda a=a: article_context(a, bodies(a.fingerprint), None, None, (), config, abs_url, links,
                                             expired=True)) for a in expired]


def _withdrawn_pages(killed: Sequence[Article], config: Config, g: str) -> list[Page]:
    """A killed article's address keeps only a withdrawn notice: no headline, no text, noindex."""
    _ = _lang(config).gettext
    title, description = _("Article withdrawn"), _("This article was withdrawn by %(site)s.") % {"site": config.title}
    return [Page(urls.output_path(a.url), "withdrawn.html", hash_parts(g, "withdrawn", a.url, a.kill_note,
                                                                 a.modified.isoformat()),
                 lambda a=a: _page(a.url, title, description,
                                   note=a.kill_note, withdrawn=a.modified, noindex=True)) for a in killed]


def _corrections_pages(site: Site, config: Config, g: str) -> list[Page]:
    """/corrections/, every correction, clarification and update of the published articles, newest first,
    and its Atom feed."""
    notes = feeds.corrections(site.articles)
    shown = ",".join([f"{_shown(a)}\x1e{c.date.isoformat()}\x1e{c.kind}\x1e{c.text}" for a, c in notes])
    _ = _lang(config).gettext
    title = _("Corrections")
    description = _("Every correction, clarification and update to articles of %(site)s, newest first.") % {
        "site": config.title}
    page = Page(urls.output_path(urls.corrections_url()), "corrections.html", hash_parts(g, "corrections", shown),
                lambda: _page(urls.corrections_url(), title, description, notes=notes,
                              alternates=[(title, urls.corrections_feed_url())] if notes else []))
    feed = Page(urls.corrections_feed_url().lstrip("/"), "feed.xml", hash_parts(g, "corrections feed", shown),
                lambda: _corrections_feed_context(notes, config))
    taken = {urls.output_path(p.url) for p in site.standalone}  # a page of the site's own there wins
    return [p for p in (page, *([feed] if notes else [])) if p.path not in taken]  # no empty feed


def _corrections_feed_context(notes: list[tuple[Article, Any]], config: Config) -> dict[str, Any]:
    """The corrections feed, with feed.xml's keys: one entry per article corrected, the latest notes first."""
    entries = list(dict.fromkeys(a for a, _note in notes))[: config.feed_limit]
    feed_title = _lang(config).gettext("%(site)s: corrections") % {"site": config.title}
    return {"feed_url": urls.corrections_feed_url(), "feed_title": feed_title,
            "alternate_url": urls.corrections_url(), "updated": feeds.feed_updated(entries),
            "entries": [(a, None) for a in entries], "entry_id": lambda a: feeds.tag_uri(config, a),
            "entry_tags": feeds.entry_tags, "deleted": [], "notes_of": lambda a: a.corrections, "media": {}}


def _index_pages(site: Site, config: Config, children: dict[Period, list[tuple[Period, int]]],
                 g: str) -> list[Page]:
    """The topic, author and archive indexes, the search page and the 404 page."""
    tag_counts = [(tag, len(members)) for tag, members in site.tags.items()]
    author_counts = [(author, len(members)) for author, members in site.authors.items()]
    years = [(p, len(m), children.get(p, [])) for p, m in site.periods.items() if p.month is None]
    _ = _lang(config).gettext
    named = {"site": config.title}
    indexes = [
        (urls.tags_index_url(), "tags.html", _("Topics"), _("Every topic covered by %(site)s.") % named, "tags",
         tag_counts),
        (urls.authors_index_url(), "authors.html", _("Authors"), _("Everyone who writes for %(site)s.") % named,
         "authors", author_counts),
        (urls.archive_index_url(), "archive_index.html", _("Archive"), _("Every article of %(site)s by date.") % named,
         "years", years),
    ]
    if config.search:
        indexes.append((urls.search_url(), "search.html", _("Search"), _("Search every article of %(site)s.") % named,
                        "articles", len(site.articles)))
    pages = []
    for url, template, title, description, key, items in indexes:
        pages.append(Page(urls.output_path(url), template, hash_parts(g, url, items),
                          lambda u=url, t=title, d=description, k=key, i=items: _page(u, t, d, **{k: i})))
    title, description = _("Page not found"), _("There is no page at this address.")
    pages.append(Page("404.html", "404.html", hash_parts(g, "404"),
                      lambda: _page("/404.html", title, description, noindex=True)))
    return pages


def _feed_pages(site: Site, config: Config, bodies: Bodies, abs_url: Callable[[str], str], g: str,
                killed: Sequence[Article] = ()) -> list[Page]:
    full = config.feed_content == "full"
    pages = []
    for feed in feeds.site_feeds(site, config, killed):
        signature = hash_parts(g, feed.url, feed.title, feed.alternate, _fingerprints(feed.entries),
                               *[_picture_signature(a) for a in feed.entries if a.media],
                               ",".join([a.url for a in feed.entries]),
                               ",".join([f"{a.url} {a.modified.isoformat()} {a.kill_note}" for a in feed.deleted]))
        pages.append(Page(feed.url.lstrip("/"), feed.template, signature,
                          lambda f=feed: _feed_context(f, config, bodies, full, abs_url)))
    return pages


def _feed_context(feed: feeds.Feed, config: Config, bodies: Bodies, full: bool,
                  abs_url: Callable[[str], str]) -> dict[str, Any]:
    texts = [bodies(a.fingerprint) if full else None for a in feed.entries]
    pictures = _PICTURES
    if pictures is not None:
        texts = [images.rewrite_body(pictures, a.url, b, feed=True) if b is not None and a.media else b
                 for a, b in zip(feed.entries, texts, strict=True)]
    media = {a.url: images.feed_media(pictures, p) for a in feed.entries
             if pictures is not None and a.media and (p := pictures.lead(a)) is not None}
    context = {"feed_url": feed.url, "feed_title": feed.title, "alternate_url": feed.alternate,
               "updated": max([feeds.feed_updated(feed.entries), *[a.modified for a in feed.deleted]]),
               "entries": list(zip(feed.entries, texts, strict=True)),
               "entry_id": lambda a: feeds.tag_uri(config, a), "entry_tags": feeds.entry_tags,
               "deleted": feed.deleted, "notes_of": lambda a: (), "media": media}
    if feed.kind == "json":
        context["feed"] = feeds.json_feed(feed, config, texts, abs_url, media)
    return context


def _sitemap_pages(site: Site, config: Config, g: str, abs_url: Callable[[str], str]) -> list[Page]:
    """The sitemap, or a sitemap index and its parts. Each part's context has ``entries`` (URL and moment)
    and ``sitemap_urls`` (URL, absolute URL and lastmod text), which the default template shows: 21k
    entries through two filters each took longer than rendering the site's other pages after an edit."""
    extra = [urls.search_url()] if config.search else []
    parts = feeds.split_sitemap(feeds.sitemap_entries(site, extra))
    texts: dict[datetime, str] = {}  # a list page shares its newest article's moment

    def text(moment: datetime | None) -> str:
        if moment is None:
            return ""
        found = texts.get(moment)
        if found is None:
            found = texts[moment] = moment.isoformat()
        return found

    pages = []
    for url, part in parts:
        shown = [(u, text(m)) for u, m in part]
        pages.append(Page(url.lstrip("/"), "sitemap.xml", hash_parts(g, url, *[f"{u} {t}" for u, t in shown]),
                          functools.partial(_sitemap_context, part, shown, abs_url)))
    if len(parts) > 1:
        index = [(url, max(m for _u, m in part if m)) for url, part in parts]
        pages.append(Page(urls.sitemap_url().lstrip("/"), "sitemap_index.xml", hash_parts(g, "index", repr(index)),
                          lambda: {"sitemaps": index}))
    return pages


def _sitemap_context(entries: list[feeds.Entry], shown: list[tuple[str, str]],
                     abs_url: Callable[[str], str]) -> dict[str, Any]:
    return {"entries": entries, "sitemap_urls": [(u, abs_url(u), t) for u, t in shown]}


def _news_pages(site: Site, config: Config, g: str, now: datetime) -> list[Page]:
    """The Google News sitemap (the last days' articles, as of ``now``) and robots.txt, which names it.
    Written even when nothing is recent (an empty ``urlset``, as Google allows), so the address a newsroom
    registers in Search Console never answers 404 after a quiet weekend."""
    news = feeds.news_entries(site.articles, now)
    maps = [urls.sitemap_url(), urls.news_sitemap_url()]
    return [Page(urls.news_sitemap_url().lstrip("/"), "news-sitemap.xml",
                 hash_parts(g, "news", ",".join([_shown(a) for a in news])),
                 lambda: {"entries": news, "news_language": feeds.news_language(config.language)}),
            Page("robots.txt", "robots.txt", hash_parts(g, "robots", *maps), lambda: {"sitemaps": maps})]


def _list_description(page: ListPage, config: Config, lang: i18n.Language) -> str:
    if page.kind == "index":
        return config.description
    if page.kind == "section" and isinstance(page.subject, Section) and page.subject.description:
        return page.subject.description
    _ = lang.gettext
    sentence = {"section": _("%(name)s news on %(site)s."), "tag": _("Articles tagged %(name)s on %(site)s."),
                "author": _("Articles by %(name)s on %(site)s."),
                "archive": _("Articles from %(name)s on %(site)s.")}[page.kind]
    name = lang.period(page.subject) if isinstance(page.subject, Period) else page.title
    return sentence % {"name": name, "site": config.title}


# --- rendering --------------------------------------------------------------------------------------

_ACTIVE: tuple[jinja2.Environment, Sequence[Page], Callable[[Output, str], Any] | None] | None = None
# ^ what forked workers render from


def render_pages(pages: Sequence[Page], env: jinja2.Environment, jobs: int = 1,
                 stage: Callable[[Output, str], Any] | None = None) -> Iterator[Any]:
    """Render pages in order, on up to ``jobs`` processes; a template error raises BuildFailed. Yields each
    page's Output; with ``stage`` (the output stage's ``Staging.put``), the worker that rendered a page
    hands it over there, under a name unique in this build, and what ``stage`` returns is yielded instead."""
    global _ACTIVE
    _ACTIVE = (env, pages, stage)
    kept: _CardSource | None = env.sitegen_cards  # type: ignore[attr-defined]
    fresh: list[tuple[str, str]] = []
    _FRESH_CARDS.clear()
    try:
        for result, cards in parallel_imap(_render_index, range(len(pages)), jobs):
            fresh += cards
            if kept and len(fresh) >= 1000:
                kept.store.put_cards(fresh)
                fresh = []
            yield result
        if kept and fresh:
            kept.store.put_cards(fresh)
    finally:
        _ACTIVE = None


def _render_index(index: int) -> tuple[Any, list[tuple[str, str]]]:
    """A page rendered and staged, with the cards rendered for it that the store lacked."""
    assert _ACTIVE is not None
    env, pages, stage = _ACTIVE
    page = pages[index]
    output = Output(page.path, render_template(page.env or env, page.template, page.context()))
    cards = _FRESH_CARDS[:]
    _FRESH_CARDS.clear()
    return output if stage is None else stage(output, f"r{index}"), cards


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


# --- static files ----------------------------------------------------------------------------------


class StaticFile(NamedTuple):
    """One file of a static folder: where it is, and whether it is the site's own (published at the site
    root, as Hugo publishes ``static/``) or a theme asset (under /static/, stylesheets fingerprinted)."""

    path: Path
    at_root: bool


# The one hidden folder a site publishes: RFC 8615's, for security.txt, Apple's and Android's app links.
PUBLISHED_HIDDEN = (".well-known",)


def _static_sources(config: Config) -> dict[str, StaticFile]:
    """File name → file, for the site's static folder and the default theme's. A site file with the name of
    a theme asset (``style.css``) replaces that asset; every other site file lands at the site root."""
    folders = config.theme_dirs("static")
    theme_folder = folders[-1]
    theme: dict[str, Path] = dict(files_under(theme_folder, skip_hidden=True))
    found: dict[str, StaticFile] = {}
    if len(folders) > 1:
        for rel, path in files_under(folders[0], skip_hidden=True, keep=PUBLISHED_HIDDEN):
            found[rel] = StaticFile(path, rel not in theme)
    for rel, path in theme.items():
        found.setdefault(rel, StaticFile(path, False))
    return dict(sorted(found.items()))


def root_files(config: Config) -> dict[str, Path]:
    """The site's own static files, published at the site root (``static/ads.txt`` → ``/ads.txt``)."""
    return {rel: f.path for rel, f in _static_sources(config).items() if f.at_root}


def asset_names(config: Config) -> dict[str, str]:
    """Theme stylesheet name → its fingerprinted name (``style.css`` → ``style.1a2b3c4d5e.css``)."""
    if not config.fingerprint:
        return {}
    names = {}
    for rel, source in _static_sources(config).items():
        if rel.endswith(FINGERPRINTED) and not source.at_root:
            stem, dot, suffix = rel.rpartition(".")
            names[rel] = f"{stem}.{hashlib.sha256(source.path.read_bytes()).hexdigest()[:10]}{dot}{suffix}"
    return names


def static_files(config: Config) -> Iterator[Output]:
    """The theme's assets under /static/ (each stylesheet also under its fingerprinted name), then the
    site's own files at the site root. A site's own ``_headers`` or ``_redirects`` is not among them: its
    lines go first into the generated file of that name (deploy_headers.hosting_files)."""
    fingerprinted = asset_names(config)
    for rel, source in _static_sources(config).items():
        if source.at_root:
            if rel not in HOSTING_OWN:
                yield Output(rel, source.path.read_bytes())
            continue
        data = source.path.read_bytes()
        yield Output(urls.output_path(urls.static_url(rel)), data)
        if rel in fingerprinted:
            yield Output(urls.output_path(urls.static_url(fingerprinted[rel])), data)


HOSTING_OWN = ("_headers", "_redirects")  # a site's own, merged into the generated ones
