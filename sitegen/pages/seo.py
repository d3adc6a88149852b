"""What search engines and link previews read: schema.org JSON-LD, breadcrumbs, reading time, bylines.

Pure data, no Jinja: the templates print these dicts with ``tojson``, which escapes ``<``, ``>``, ``&`` and
``'`` as ``\\u003c``…, so no headline can close the ``<script>`` element it sits in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sitegen.core import i18n, urls
from sitegen.core.config import Config
from sitegen.core.model import Article, Author, ListPage, Period, Section

WORDS_PER_MINUTE = 230
HEADLINE_LIMIT = 110  # Google shows (and accepts) at most 110 characters of a NewsArticle headline
# Bylines that name an organisation rather than a person: wire services, desks and collective credits.
ORGANIZATIONS = {
    "reuters", "afp", "ap", "associated press", "agence france-presse", "agence france presse", "dpa", "efe",
    "ansa", "xinhua", "tass", "ria novosti", "interfax", "kyodo", "yonhap", "pti", "ani", "irna", "anadolu",
    "bloomberg", "upi", "bbc", "cnn", "al jazeera", "aljazeera", "staff", "agencies", "agency", "wires",
    "news desk", "newsdesk", "the editors", "editors", "editorial board", "newsroom",
}
ORGANIZATION_WORDS = {"staff", "agencies", "agency", "desk", "newsroom", "editors", "bureau", "wire", "wires",
                      "press", "news", "service", "team", "correspondents", "reporters"}
_TAGS = re.compile(r"<[^>]+>")
ENGLISH = i18n.Language("en")
AbsUrl = Callable[[str], str]


def is_organization(name: str) -> bool:
    """True for 'Reuters', 'AFP', 'Staff', 'Agencies', 'Moscow Bureau'; False for 'Jane Doe'."""
    folded = " ".join(name.casefold().split())
    if folded in ORGANIZATIONS:
        return True
    words = folded.replace(".", "").split()
    if len(name) <= 5 and name.isupper() and name.isalpha():  # AFP, DPA, EFE, UPI
        return True
    return any(word in ORGANIZATION_WORDS for word in words)


def word_count(body_html: str) -> int:
    """Words of the text, tags left out: for reading time and wordCount."""
    return len(_TAGS.sub(" ", body_html).split())


def reading_minutes(words: int) -> int:
    """Minutes a reader needs for ``words`` (``word_count``) at 230 words a minute, at least one."""
    return max(1, round(words / WORDS_PER_MINUTE))


def person(author: Author, abs_url: AbsUrl) -> dict[str, Any]:
    """A byline as schema.org Person, or Organization for wire services and desks."""
    kind = "Organization" if is_organization(author.name) else "Person"
    return {"@type": kind, "name": author.name, "url": abs_url(urls.author_url(author.slug))}


def publisher(config: Config, abs_url: AbsUrl) -> dict[str, Any]:
    """The site's publisher as schema.org Organization, with its logo when ``image`` is set."""
    data: dict[str, Any] = {"@type": "Organization", "name": config.publisher_name, "url": abs_url("/")}
    if config.image:
        data["logo"] = {"@type": "ImageObject", "url": abs_url(config.image)}
    if config.corrections_policy:
        data["correctionsPolicy"] = abs_url(config.corrections_policy)
    return data


def news_article(article: Article, words: int, config: Config, abs_url: AbsUrl,
                 section: Section | None = None, photos: list[dict[str, Any]] | None = None,
                 lang: i18n.Language | None = None) -> dict[str, Any]:
    """schema.org NewsArticle, with every property Google's article rich results read (``words``: the
    body's ``word_count``); ``articleSection`` is its section (desk), when it has one. ``photos``: the
    ImageObjects of its lead picture (images.image_objects: 16:9, 4:3, 1:1); an article without one gets
    no ``image`` (the site's logo is the publisher's, never the article's picture), but for a lead image
    of another site, named by its URL."""
    page = abs_url(article.url)
    headline = article.title if len(article.title) <= HEADLINE_LIMIT else article.title[: HEADLINE_LIMIT - 1] + "…"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "description": article.description,
        "url": page,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page},
        "datePublished": article.dated.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": [person(a, abs_url) for a in article.authors] or [publisher(config, abs_url)],
        "publisher": publisher(config, abs_url),
        "inLanguage": config.language,
        "wordCount": words,
    }
    if article.tags:
        data["keywords"] = [t.name for t in article.tags]
    if section is not None:
        data["articleSection"] = section.name
    if photos:
        data["image"] = photos
    elif article.image:  # another site's picture, or one a theme's own code placed
        data["image"] = [abs_url(article.image)]
    notes = [c for c in article.corrections if c.kind in ("correction", "clarification")]
    if notes:
        labels = note_labels(lang or ENGLISH)
        data["correction"] = [{"@type": "CorrectionComment", "text": f"{labels[c.kind]}: {c.text}",
                               "datePublished": c.date.isoformat()} for c in notes]
    if article.expires is not None:
        data["expires"] = article.expires.isoformat()
    return data


def note_labels(lang: i18n.Language) -> dict[str, str]:
    """The kinds of a note under an article, as the page names them."""
    _ = lang.gettext
    return {"correction": _("Correction"), "clarification": _("Clarification"), "update": _("Update")}


def website(config: Config, abs_url: AbsUrl) -> dict[str, Any]:
    """schema.org WebSite for the front page, with the search page as its SearchAction when there is one."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "WebSite", "name": config.title,
                            "url": abs_url("/"), "description": config.description, "inLanguage": config.language,
                            "publisher": publisher(config, abs_url)}
    if config.search:
        data["potentialAction"] = {"@type": "SearchAction", "target": abs_url(urls.search_url()) + "?q={query}",
                                   "query-input": "required name=query"}
    return data


def web_page(page: Article, config: Config, abs_url: AbsUrl) -> dict[str, Any]:
    """schema.org WebPage for an undated page (About, a policy)."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "WebPage", "name": page.title,
                            "description": page.description, "url": abs_url(page.url), "inLanguage": config.language,
                            "isPartOf": {"@type": "WebSite", "name": config.title, "url": abs_url("/")}}
    if page.updated:
        data["dateModified"] = page.updated.isoformat()
    return data


def collection_page(page: ListPage, title: str, description: str, config: Config, abs_url: AbsUrl) -> dict[str, Any]:
    """schema.org CollectionPage for a section's front, listing the articles it shows."""
    return {"@context": "https://schema.org", "@type": "CollectionPage", "name": title, "description": description,
            "url": abs_url(page.url), "inLanguage": config.language,
            "isPartOf": {"@type": "WebSite", "name": config.title, "url": abs_url("/")},
            "mainEntity": {"@type": "ItemList", "itemListElement": [
                {"@type": "ListItem", "position": i, "url": abs_url(a.url)}
                for i, a in enumerate(page.articles, start=1)]}}


def breadcrumb_list(trail: Sequence[tuple[str, str]], abs_url: AbsUrl) -> dict[str, Any]:
    """schema.org BreadcrumbList for the visible breadcrumbs: (name, site-relative URL) from the top."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": i, "name": name, "item": abs_url(url)}
                            for i, (name, url) in enumerate(trail, start=1)],
    }


def list_trail(page: ListPage, lang: i18n.Language | None = None) -> list[tuple[str, str]]:
    """The breadcrumbs of a list page, as its heading shows them, ending with the page's first page;
    ``lang``: the site's language (default English)."""
    lang = lang or ENGLISH
    _ = lang.gettext
    first = page.url if page.number == 1 else page.url.rsplit("page/", 1)[0]
    if page.kind == "section":
        return [(_("Home"), "/"), (page.title, first)]
    if page.kind == "tag":
        return [(_("Home"), "/"), (_("Topics"), urls.tags_index_url()), (page.title, first)]
    if page.kind == "author":
        return [(_("Home"), "/"), (_("Authors"), urls.authors_index_url()), (page.title, first)]
    if page.kind == "archive" and isinstance(page.subject, Period):
        ancestors = []
        period = page.subject
        while period.parent is not None:
            period = period.parent
            ancestors.append(period)
        return [(_("Home"), "/"), (_("Archive"), urls.archive_index_url()),
                *[(lang.period(p), urls.archive_url(p)) for p in reversed(ancestors)],
                (lang.period(page.subject), first)]
    return [(_("Home"), "/")]


def article_trail(article: Article, section: Section | None = None,
                  lang: i18n.Language | None = None) -> list[tuple[str, str]]:
    """Home › its section (else its first topic, else its day in the archive) › the article."""
    lang = lang or ENGLISH
    trail = [(lang.gettext("Home"), urls.index_url())]
    if section is not None:
        trail.append((section.name, urls.section_url(section.slug)))
    elif article.tags:
        trail.append((article.tags[0].name, urls.tag_url(article.tags[0].slug)))
    else:
        trail.append((lang.period(article.period), urls.archive_url(article.period)))
    trail.append((article.title, article.url))
    return trail
