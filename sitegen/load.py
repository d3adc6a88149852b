"""Content files to typed ``Article`` records, collecting every error instead of stopping at the first."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from . import frontmatter, markup, urls
from .config import Config
from .errors import ContentError
from .model import Article, Author, Tag

CONTENT_SUFFIXES = (".md", ".markdown")
KNOWN_KEYS = {
    "title", "date", "slug", "authors", "author", "tags", "summary", "description",
    "source", "draft", "updated", "lastmod", "image",
}  # fmt: skip


def content_files(content_dir: Path) -> list[Path]:
    """Every content file, sorted; editor backups, hidden files and Hugo's _index.md are not articles."""
    if not content_dir.is_dir():
        return []
    return sorted(
        p for p in content_dir.rglob("*")
        if p.suffix in CONTENT_SUFFIXES
        and not any(part.startswith((".", "_")) for part in p.relative_to(content_dir).parts)
        and p.is_file()
    )


def load_articles(config: Config) -> tuple[list[Article], list[ContentError]]:
    """Every publishable article under the content folder, and every error found on the way."""
    articles: list[Article] = []
    errors: list[ContentError] = []
    for path in content_files(config.content_path):
        shown = _shown_path(path, config.root)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            errors.append(ContentError(shown, line, "not UTF-8 text: re-save the file as UTF-8"))
            continue
        except OSError as exc:
            errors.append(ContentError(shown, None, f"cannot read: {exc.strerror}"))
            continue
        try:
            article = parse_article(text, shown, config.tz)
        except ContentError as exc:
            errors.append(exc)
        except _Errors as exc:
            errors.extend(exc.errors)
        else:
            if config.drafts or not article.draft:
                articles.append(article)
    return articles, errors


def _shown_path(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path


class _Errors(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors


def parse_article(text: str, path: Path, tz: tzinfo) -> Article:
    """One content file as an Article; raises every problem in it at once."""
    meta, body, body_line = frontmatter.split(text, path)
    errors: list[ContentError] = []
    invalid: set[str] = set()

    def field(key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        if key not in meta or meta[key] is None:
            return default
        try:
            return convert(meta[key])
        except ValueError as exc:
            errors.append(ContentError(path, frontmatter.key_line(text, key), f"'{key}' {exc}"))
            invalid.add(key)
            return default

    title = field("title", _text)
    if not title and "title" not in invalid:
        errors.append(ContentError(path, 2, "missing 'title': add a line like title: \"Headline\" "
                                            "to the front matter"))
    published = field("date", lambda v: _datetime(v, tz))
    if published is None and "date" not in invalid:
        errors.append(ContentError(path, 2, "missing 'date': add a line like date: 2023-09-19 "
                                            "to the front matter"))
    authors = field("authors", _names, ()) or field("author", _names, ())
    tags = field("tags", _tag_list, ())
    updated = field("updated", lambda v: _datetime(v, tz)) or field("lastmod", lambda v: _datetime(v, tz))
    draft = field("draft", _bool, False)
    slug = field("slug", lambda v: urls.slugify(_text(v))) or (urls.slugify(title) if title else "")
    summary = field("summary", _text) or ""
    description = field("description", _text) or ""
    image = field("image", _text)
    source = field("source", _text)
    if errors:
        raise _Errors(errors)

    body_html = markup.render(body)
    summary = summary or plain_summary(body_html)
    return Article(
        title=title,
        date=published,
        slug=slug,
        url=urls.article_url(published, slug),
        path=path,
        body=body,
        html=body_html,
        authors=_unique(Author(name, urls.slugify(name)) for name in authors),
        tags=_unique(Tag(name, urls.slugify(name)) for name in tags),
        summary=summary,
        description=description or summary,
        source=source,
        draft=draft,
        updated=updated,
        image=image,
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
    )


def _unique(items: Iterable[Tag | Author]) -> tuple[Any, ...]:
    """Drop repeats by slug, keeping the first spelling and the author's order."""
    seen: dict[str, Any] = {}
    for item in items:
        seen.setdefault(item.slug, item)
    return tuple(seen.values())


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"must be text, not {_kind(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"must be true or false, not {value!r}")


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ValueError(f"must be a name or a list of names like [Jane Doe, Reuters], not {_kind(value)}")
    return tuple(n for n in (str(v).strip() for v in value) if n)


def _tag_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list like [China, Russia], not {_kind(value)}")
    bad = [v for v in value if not isinstance(v, str | int | float) or isinstance(v, bool)]
    if bad:
        raise ValueError(f"must be a list of names; {bad[0]!r} is not a name")
    return tuple(t for t in (str(v).strip() for v in value) if t)


_ISO_OFFSET_SPACE = re.compile(r"\s+([+-]\d\d:?\d\d|Z)$")


def _datetime(value: Any, tz: tzinfo) -> datetime:
    """A publication time in the site's timezone. Dates without a time are midnight there."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        cleaned = _ISO_OFFSET_SPACE.sub(r"\1", value.strip())  # Jekyll: 2019-03-14 08:27:00 +0000
        try:
            moment = datetime.fromisoformat(cleaned)
        except ValueError as exc:
            if re.match(r"\d{4}-\d\d-\d\d", cleaned) and "range" in str(exc):
                raise ValueError(f"'{value}' is not a real date ({exc})") from None
            raise ValueError(f"'{value}' is not a date: write it as YYYY-MM-DD, or with a time as "
                             "2023-09-19T08:30:00+02:00") from None
    else:
        raise ValueError(f"must be a date like 2023-09-19, not {_kind(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) < 40 else "text"
    return {dict: "a mapping", list: "a list", bool: f"{value}".lower()}.get(type(value), type(value).__name__)


_TAG = re.compile(r"<[^>]+>")


def plain_summary(body_html: str, limit: int = 300) -> str:
    """The first paragraph as plain text, cut at a word boundary."""
    match = re.search(r"<p>(.*?)</p>", body_html, re.S)
    text = html.unescape(_TAG.sub("", match.group(1))) if match else ""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
