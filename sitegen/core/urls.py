"""The URL scheme, in one place: every page's site-relative URL and the file that serves it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

from anyascii import anyascii

from sitegen.core.model import Period

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80
# Names Windows refuses for a file or folder, whatever the case: a site must also build (and deploy) there.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))})


def slugify(text: str, limit: int = MAX_SLUG) -> str:
    """A readable ASCII slug, never empty and never a path: non-Latin text is transliterated."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", text)).lower()
    ascii_text = ascii_text.replace("'", "")  # "China's" -> "chinas"
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    if not slug:
        # Nothing transliterable (emoji, punctuation): a stable name derived from the text.
        slug = "x" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    elif slug in WINDOWS_RESERVED:
        # "CON", "con" and "Con" must still share a page: the suffix comes from the slug, not the text.
        slug += "-" + hashlib.sha1(slug.encode()).hexdigest()[:6]
    return slug


def _paged(url: str, page: int) -> str:
    return url if page <= 1 else f"{url}page/{page}/"


def index_url(page: int = 1) -> str:
    return _paged("/", page)


def article_url(day: date, slug: str) -> str:
    return f"/{day.year:04d}/{day.month:02d}/{day.day:02d}/{slug}/"


def tag_url(slug: str, page: int = 1) -> str:
    return _paged(f"/tags/{slug}/", page)


def section_url(slug: str, page: int = 1) -> str:
    return _paged(f"/{slug}/", page)


def section_feed_url(slug: str) -> str:
    return f"/{slug}/feed.xml"


def section_rss_url(slug: str) -> str:
    return f"/{slug}/rss.xml"


def section_json_feed_url(slug: str) -> str:
    return f"/{slug}/feed.json"


def tags_index_url() -> str:
    return "/tags/"


def author_url(slug: str, page: int = 1) -> str:
    return _paged(f"/authors/{slug}/", page)


def authors_index_url() -> str:
    return "/authors/"


def archive_url(period: Period, page: int = 1) -> str:
    url = f"/{period.year:04d}/"
    if period.month is not None:
        url += f"{period.month:02d}/"
    if period.day is not None:
        url += f"{period.day:02d}/"
    return _paged(url, page)


def archive_index_url() -> str:
    return "/archive/"


def feed_url() -> str:
    return "/feed.xml"


def tag_feed_url(slug: str) -> str:
    return f"/tags/{slug}/feed.xml"


def json_feed_url() -> str:
    return "/feed.json"


def rss_url() -> str:
    return "/rss.xml"


def author_feed_url(slug: str) -> str:
    return f"/authors/{slug}/feed.xml"


def sitemap_url(number: int = 0) -> str:
    """``/sitemap.xml``, or the numbered part ``/sitemap-N.xml`` of a site too big for one file."""
    return "/sitemap.xml" if number == 0 else f"/sitemap-{number}.xml"


def news_sitemap_url() -> str:
    return "/news-sitemap.xml"


def search_url() -> str:
    return "/search/"


def corrections_url() -> str:
    return "/corrections/"


def corrections_feed_url() -> str:
    return "/corrections/feed.xml"


def static_url(name: str) -> str:
    return f"/static/{name}"


def output_path(url: str) -> str:
    """The file, relative to the output folder, that serves a site-relative URL."""
    path = url.lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path


def with_base(base_path: str, url: str) -> str:
    """A site-relative URL as a link that also works when the site lives under a sub-path."""
    return base_path.rstrip("/") + url
