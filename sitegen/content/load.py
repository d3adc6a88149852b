"""Content files to typed ``Article`` records, collecting every error instead of stopping at the first."""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.content import frontmatter, images, markup, shortcodes
from sitegen.content.sources import list_files
from sitegen.core import urls
from sitegen.core.config import Config, describe_value
from sitegen.core.errors import BuildFailed, ContentError, SitegenError
from sitegen.core.model import Article, Author, Correction, Tag, shared_author, shared_tag
from sitegen.core.parallel import MIN_PARALLEL, parallel_map
from sitegen.incremental.cache import Cache, SourceEntry

CONTENT_SUFFIXES = (".md", ".markdown")
KNOWN_KEYS = {
    "title", "date", "slug", "authors", "author", "tags", "summary", "description",
    "source", "draft", "updated", "lastmod", "image", "url", "permalink", "aliases", "redirect_from",
    "section", "category", "categories", "type", "layout",
    "embargo", "publishDate", "expires", "expiryDate", "status", "kill_note", "corrections",
    "image_alt", "image_caption", "image_credit", "image_decorative",
    "lang", "translation_key", "translationKey",
}  # fmt: skip
STATUSES = ("published", "killed")
CORRECTION_KINDS = ("correction", "clarification", "update")
PAGES_DIR = "pages"  # content/pages/about.md is the page /about/
POSTS_DIR = "_posts"  # Jekyll's folder of posts: read, though other names starting with '_' are not
# Jekyll's post names, which sitegen's converter also writes: 2024-01-03-slug.md
_DATED_NAME = re.compile(r"(\d{4})-(\d\d)-(\d\d)-(.+)")


def content_files(content_dir: Path, root: Path | None = None, stats: Mapping[str, tuple[int, int]] | None = None,
                  complete: bool = False) -> list[tuple[str, int, int]]:
    """Every content file as (path, mtime_ns, size), sorted by path; hidden files (editor temp files),
    and names starting with '_' (Hugo's _index.md) are not articles. Plain strings: this runs on every
    file at every build. ``stats``: (mtime_ns, size) by path as the build's snapshot found them, so
    that the files are not stat'ed twice.

    A symlink whose real path is outside the site folder ``root`` (default: the content folder) is
    never read: the build fails naming it (BuildFailed), before anything is written. ``complete``: the
    stats are of every file under the content folder, from a walk that met no symlink and no unreadable
    folder there (``manifest.snapshot``), and the folder is not listed again.
    """
    if complete and stats is not None:
        return _listed_in(content_dir, stats)
    entries, refused = list_files(content_dir, content_dir if root is None else root, CONTENT_SUFFIXES,
                                  skip=(".", "_"), allow=(POSTS_DIR,))
    if refused:
        raise BuildFailed(refused)
    known = stats or {}
    found = []
    for entry in entries:
        path = entry.path
        if path in known:
            found.append((path, *known[path]))
            continue
        try:
            stat = entry.stat()
        except OSError:  # gone since it was listed, or a dangling symlink: not an article
            continue
        found.append((path, stat.st_mtime_ns, stat.st_size))
    return found


def _listed_in(content_dir: Path, stats: Mapping[str, tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The content files among the stats, chosen and sorted as ``list_files`` chooses and sorts them."""
    prefix = f"{content_dir}{os.sep}"
    hidden = tuple(f"{os.sep}{start}" for start in (".", "_"))
    allowed = f"{os.sep}{POSTS_DIR}{os.sep}"

    def skipped(rel: str) -> bool:
        rel = f"{os.sep}{rel}".replace(allowed, os.sep + "x" + os.sep)
        return any(h in rel for h in hidden)

    found = [(path, mtime_ns, size) for path, (mtime_ns, size) in stats.items()
             if path.startswith(prefix) and path.endswith(CONTENT_SUFFIXES) and not skipped(path[len(prefix):])]
    found.sort(key=lambda item: item[0].replace(os.sep, "\0"))  # folder by folder, as list_files sorts
    return found


def load_articles(config: Config, cache: Cache, jobs: int = 1, stats: Mapping[str, tuple[int, int]] | None = None,
                  complete: bool = False) -> tuple[list[Article], list[ContentError]]:
    """Every article under the content folder (drafts too), and every error found on the way.

    A file whose size, mtime or content hash matches the cache is not parsed again; the others are
    parsed (front matter and Markdown) on ``jobs`` processes, and their bodies stored in the cache.
    ``stats`` and ``complete``: as ``content_files`` takes them.
    """
    previous = cache.state.sources
    current: dict[str, SourceEntry] = {}
    todo: list[tuple[str, str, SourceEntry | None, int, int]] = []
    root = str(config.root) + os.sep
    for name, mtime_ns, size in content_files(config.content_path, config.root, stats, complete):
        rel = name[len(root):] if name.startswith(root) else name
        entry = previous.get(rel)
        if entry and entry.mtime_ns == mtime_ns and entry.size == size:
            current[rel] = entry
        else:
            todo.append((rel, name, entry, mtime_ns, size))
    # Read, hashed, parsed and stored by the workers, in batches: sending every text to them and every
    # rendered body back took the parent more time than the parsing it handed out.
    global _LOADING
    content = config.content_path.relative_to(config.root).as_posix() if \
        config.content_path.is_relative_to(config.root) else str(config.content_path)
    _LOADING = (cache, config.timezone, config.unsafe_html, content, tuple(lang.code for lang in config.languages))
    if len(todo) < MIN_PARALLEL:  # starting processes would cost more than it saves
        jobs = 1
    if jobs > 1:
        cache.prepare()  # the bodies' database, made before the workers that fill it are forked
    per_batch = max(1, len(todo) if jobs <= 1 else min(64, len(todo) // (jobs * 4)))
    batches = [[(name, rel, entry.digest if entry else None) for rel, name, entry, _m, _s in todo[i:i + per_batch]]
               for i in range(0, len(todo), per_batch)]
    try:
        results = [result for batch in parallel_map(_load_batch, batches, jobs, min_items=2) for result in batch]
    finally:
        _LOADING = None
    errors: list[ContentError] = []
    for (rel, _name, entry, mtime_ns, size), (digest, article, file_errors) in zip(todo, results, strict=True):
        if digest is None:  # unreadable, or not UTF-8: not remembered, so the next build looks again
            errors += file_errors
        elif article is None and not file_errors and entry is not None:  # touched, not changed
            current[rel] = SourceEntry(mtime_ns, size, digest, entry.article, entry.errors, entry.record)
        else:
            current[rel] = SourceEntry(mtime_ns, size, digest, article, file_errors)
    cache.state.sources = current
    articles = [e.article for e in current.values() if e.article is not None]
    errors += [error for e in current.values() for error in e.errors]
    return articles, sorted(errors, key=ContentError.sort_key)


_LOADING: tuple[Cache, str, bool, str, tuple[str, ...]] | None = None
# ^ what forked workers load with: the cache, time zone, unsafe_html, the content folder as files are shown,
#   a multilingual site's language codes


def _load_batch(batch: list[tuple[str, str, str | None]]) -> list[tuple[str | None, Article | None,
                                                                        list[ContentError]]]:
    """Read, hash and parse content files (name, path shown, the cached content hash): (content hash,
    article, errors) for each; (hash, None, []) when the hash is the cached one. Bodies go to the cache."""
    assert _LOADING is not None
    cache, tz_name, unsafe_html, content, languages = _LOADING
    tz = ZoneInfo(tz_name)
    results: list[tuple[str | None, Article | None, list[ContentError]]] = []
    bodies = []
    for name, rel, known in batch:
        shown = Path(rel)
        try:
            with open(name, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            results.append((None, None, [ContentError(shown, None, f"cannot read: {exc.strerror}")]))
            continue
        digest = hashlib.sha256(data).hexdigest()[:32]
        if digest == known:
            results.append((digest, None, []))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            results.append((None, None, [ContentError(shown, line, "not UTF-8 text: re-save the file as UTF-8")]))
            continue
        within = rel[len(content) + 1:] if rel.startswith(content + "/") else shown.name
        within, lang = split_language(within, languages)
        article, body, errors = _parse_one(text, shown, digest, tz, unsafe_html, within, lang)
        if body is not None:
            bodies.append((digest, body))
        results.append((digest, article, errors))
    cache.put_html(bodies)
    return results


def publishable(articles: Iterable[Article], drafts: bool) -> list[Article]:
    return [a for a in articles if drafts or not a.draft]


def split_language(within: str, languages: Sequence[str]) -> tuple[str, str]:
    """A multilingual site's content path without the language it names, and that language, as Hugo reads
    them: ``fr/x.md`` and ``x.fr.md`` are ``x.md`` in French. ('', the path) when it names none."""
    if not languages:
        return within, ""
    folder, _slash, rest = within.partition("/")
    if rest and folder in languages:
        return rest, folder
    head, _dot, name = within.rpartition("/")
    parts = name.split(".")
    if len(parts) > 2 and parts[-2] in languages:
        plain = ".".join(parts[:-2] + parts[-1:])
        return (f"{head}/{plain}" if head else plain), parts[-2]
    return within, ""


def _parse_one(text: str, shown: Path, digest: str, tz: tzinfo, unsafe_html: bool,
               within: str | None = None, lang: str = "") -> tuple[Article | None, str | None, list[ContentError]]:
    """One content file's article and body, or its errors (every one of them)."""
    try:
        article, html = parse_article(text, shown, tz, digest, unsafe_html=unsafe_html, within=within, lang=lang)
    except ContentError as exc:
        return None, None, [exc]
    except _Errors as exc:
        return None, None, exc.errors
    return article, html, []


class _Errors(SitegenError):
    """Every problem in one content file, raised at once by ``parse_article``; a SitegenError, so that a
    caller that does not unpack it still prints the errors rather than a traceback."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))

    def __reduce__(self) -> tuple:  # survives the trip back from a worker process
        return (_Errors, (self.errors,))


def parse_article(text: str, path: Path, tz: tzinfo, fingerprint: str = "", *,
                  unsafe_html: bool = False, within: str | None = None, lang: str = "") -> tuple[Article, str]:
    """One content file as an Article (or an undated page) and its body as HTML; raises every problem in
    it at once. ``unsafe_html`` is the site's setting: raw HTML in the body reaches the page (default:
    omitted). ``within``: the file's '/'-separated path inside the content folder (default: its name),
    which tells a page (``pages/about.md``, or an undated ``about.md`` at the top) from an article.
    ``lang``: the language its path names on a multilingual site (``fr/``, ``x.fr.md``); ``lang:`` wins."""
    meta, body, body_line = frontmatter.split(text, path)
    within = path.name if within is None else within
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
        errors.append(_misspelt(meta, "title", path, text) or
                      ContentError(path, 2, "missing 'title': add a line like title: \"Headline\" "
                                            "to the front matter"))
    published = field("date", lambda v: _datetime(v, tz))
    date_only = "date" in meta and _is_date_only(meta["date"])
    stem = within.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    dated_name = _DATED_NAME.fullmatch(stem)
    if published is None and dated_name and "date" not in invalid:  # Jekyll: the date in the file's name
        try:
            year, month, day = map(int, dated_name.groups()[:3])
            published = datetime(year, month, day, tzinfo=tz)
        except ValueError:
            errors.append(ContentError(path, None, f"the file name starts with {stem[:10]}, which is not a real "
                                                   "date: rename the file or add a 'date:' line"))
            invalid.add("date")
    layout = field("layout", _text) or ""
    kind = _kind_of(within, published is not None or dated_name is not None or "date" in invalid,
                    field("type", _text), layout)
    if published is None and kind == "article" and "date" not in invalid:
        errors.append(_misspelt(meta, "date", path, text) or
                      ContentError(path, 2, "missing 'date': add a line like date: 2023-09-19 to the front "
                                            f"matter (an undated page such as About goes in {PAGES_DIR}/, "
                                            "or says type: page)"))
    authors = field("authors", _names, ()) or field("author", _names, ())
    tags = field("tags", _tag_list, ())
    updated = field("updated", lambda v: _datetime(v, tz)) or field("lastmod", lambda v: _datetime(v, tz))
    draft = field("draft", _bool, False)
    # A slug given in the front matter is kept whole (the converter's "-2" may pass the usual length),
    # only made safe; one made from the title is shortened.
    slug = field("slug", lambda v: urls.slugify(_text(v), limit=4 * urls.MAX_SLUG))
    if not slug and kind == "page":
        slug = urls.slugify(within.rsplit("/", 2)[-2] if stem == "index" and "/" in within else stem)
    elif not slug and dated_name and ("date" not in meta or within.startswith(f"{POSTS_DIR}/")):
        slug = urls.slugify(dated_name.group(4))  # Jekyll's slug, from the file's name
    slug = slug or (urls.slugify(title) if title else "")
    own_url = field("url", _address) or field("permalink", _address)
    aliases = (*field("aliases", _addresses, ()), *field("redirect_from", _addresses, ()))
    section = field("section", _text) or field("category", _text) or ""
    categories = field("categories", _names, ())
    notes: list[str] = []
    if not section and categories:
        section = categories[0]
        if len(categories) > 1:
            notes.append(f"{path}:{frontmatter.key_line(text, 'categories') or 2}: only the first of "
                         f"'categories' ({section}) is the article's section; the others are dropped "
                         "(move them to 'tags' to keep them)")
    summary = field("summary", _text) or ""
    description = field("description", _text) or ""
    lead = field("image", lambda v: images.lead_ref(v, frontmatter.key_line(text, "image"), meta))
    image = lead["src"] if lead else None
    source = field("source", _text)
    embargo = field("embargo", lambda v: _datetime(v, tz)) or field("publishDate", lambda v: _datetime(v, tz))
    expires = field("expires", lambda v: _datetime(v, tz)) or field("expiryDate", lambda v: _datetime(v, tz))
    status = field("status", _status, "published")
    kill_note = field("kill_note", _text) or ""
    corrections = _corrections(meta.get("corrections"), text, path, tz, errors)
    lang = field("lang", _text) or lang
    translation_key = field("translation_key", _text) or field("translationKey", _text) or ""
    if expires is not None and published is not None and expires <= published:
        errors.append(ContentError(path, frontmatter.key_line(text, "expires") or frontmatter.key_line(
            text, "expiryDate"), f"'expires' {expires.isoformat()} is not after the article's date "
                                 f"{published.isoformat()}: give a later time, or remove it"))
    if errors:
        raise _Errors(errors)

    expanded = shortcodes.expand(body, body_line, str(path))
    if expanded is None:
        body_html = markup.render(body, unsafe_html=unsafe_html)
    else:
        body_html = expanded.finish(markup.render(expanded.text, unsafe_html=unsafe_html))
        notes += expanded.notes
    summary = summary or plain_summary(body_html)
    pictures = images.body_refs(body_html, body, body_line) if "<img" in body_html else []
    if own_url:
        url = own_url
    elif kind == "page":
        folders = within.split("/")[:-1]
        if folders and folders[0] == PAGES_DIR:
            folders = folders[1:]
        if stem == "index" and folders:  # pages/legal/index.md: /legal/, its slug the folder's name
            folders = folders[:-1]
        url = "/" + "".join(f"{urls.slugify(p)}/" for p in folders) + f"{slug}/"
    else:
        url = urls.article_url(published, slug)
    article = Article(
        title=title,
        date=published,
        slug=slug,
        url=url,
        path=path,
        fingerprint=fingerprint or hashlib.sha256(text.encode()).hexdigest()[:32],
        authors=_unique(shared_author(name, urls.slugify(name)) for name in authors),
        tags=_unique(shared_tag(name, urls.slugify(name)) for name in tags),
        summary=summary,
        description=description or summary,
        source=source,
        draft=draft,
        updated=updated,
        image=image,
        extra={k: v for k, v in meta.items() if k not in KNOWN_KEYS},
        kind=kind,
        section=section,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != url)),
        layout=layout.removesuffix(".html") if kind == "page" and layout != "page" else "",
        notes=tuple(notes),
        refs=tuple(expanded.refs) if expanded else (),
        date_only=date_only,
        embargo=embargo,
        expires=expires,
        killed=status == "killed",
        kill_note=kill_note,
        corrections=corrections,
        media=images.media_json(lead, pictures),
        lang=lang,
        translation_key=translation_key,
    )
    return article, body_html


def _misspelt(meta: Mapping[str, Any], key: str, path: Path, text: str) -> ContentError | None:
    """A required key that is missing because it is misspelt (``titel:``): the error at that line."""
    from sitegen.core.config import suggestion

    for written in meta:
        if str(written) not in KNOWN_KEYS and suggestion(str(written), [key]) == key:
            return ContentError(path, frontmatter.key_line(text, str(written)) or 2,
                                f"missing '{key}': '{written}' is not a key sitegen reads; did you mean '{key}'?")
    return None


def _kind_of(within: str, dated: bool, declared: str | None, layout: str) -> str:
    """"page" for an undated page: Hugo's ``type: page``, Jekyll's ``layout: page``, a file in ``pages/``,
    or an undated file at the top of the content folder (Hugo's ``content/about.md``); else "article"
    (also for Jekyll's ``layout: post`` and anything in ``_posts/``)."""
    if declared in ("post", "posts", "article", "articles", "news") or layout == "post" or \
            within.startswith(f"{POSTS_DIR}/"):
        return "article"
    if declared == "page" or layout == "page" or within.startswith(f"{PAGES_DIR}/"):
        return "page"
    return "page" if "/" not in within and not dated else "article"


_ADDRESS = re.compile(r"/(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+/?)*")


def _address(value: Any) -> str:
    """A site-relative address of the page's own (``url:``, ``permalink:``) or an earlier one (aliases):
    '/corrections-policy/'; a folder-like one without its closing '/' gets it, as the page is its index."""
    text = _text(value)
    if not text.startswith("/"):
        text = "/" + text  # Hugo's aliases may leave out the first '/'
    if "//" in text or not _ADDRESS.fullmatch(text) or any(p in (".", "..") for p in text.split("/")):
        raise ValueError(f"{describe_value(text)} is not a site address: write it as /corrections-policy/ "
                         "(letters, digits, '-', '_', '.' and '/', no '?' or '#')")
    if text == "/":
        raise ValueError("cannot be '/', the front page's address")
    if any(part.startswith(":") for part in text.split("/")):
        raise ValueError(f"{describe_value(text)} is a Jekyll permalink pattern, which sitegen does not fill in: "
                         "write the page's own address, such as /2024/01/03/my-post/")
    last = text.rsplit("/", 1)[-1]
    if last and "." not in last:
        text += "/"
    return text


def _addresses(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"must be an address or a list of them like [/old-address/], not {_kind(value)}")
    return tuple(_address(v) for v in value)


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
    raise ValueError(f"must be true or false, not {describe_value(value)}")


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
        raise ValueError(f"must be a list of names; {describe_value(bad[0])} is not a name")
    return tuple(t for t in (str(v).strip() for v in value) if t)


def _status(value: Any) -> str:
    text = _text(value).lower()
    if text not in STATUSES:
        raise ValueError(f"must be one of {', '.join(STATUSES)}, not {describe_value(value)}")
    return text


def _is_date_only(value: Any) -> bool:
    """A date without a time of day: ``2023-09-19`` (YAML's date, or the text)."""
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d\d-\d\d\s*", value) is not None


def _corrections(value: Any, text: str, path: Path, tz: tzinfo, errors: list[ContentError]) -> tuple[Correction, ...]:
    """``corrections:``: a list of {date, type, text}, oldest first; every bad item an error at its line."""
    if value is None:
        return ()
    line = frontmatter.key_line(text, "corrections")
    example = "write each as '- {date: 2023-09-20T10:00, type: correction, text: \"What was wrong\"}'"
    if not isinstance(value, list):
        errors.append(ContentError(path, line, f"'corrections' must be a list of notes, not {_kind(value)}: {example}"))
        return ()
    lines = _item_lines(text, line, len(value))
    found = []
    for number, item in enumerate(value):
        where = lines[number]
        if not isinstance(item, dict):
            errors.append(ContentError(path, where, f"correction {number + 1} must be a mapping, not {_kind(item)}: "
                                                    f"{example}"))
            continue
        unknown = sorted(str(k) for k in item if k not in ("date", "type", "text"))
        if unknown:
            errors.append(ContentError(path, where, f"correction {number + 1} has an unknown key '{unknown[0]}': "
                                                    "the keys are date, type and text"))
            continue
        try:
            if item.get("date") is None:
                raise ValueError("has no 'date'")
            when = _datetime(item["date"], tz)
        except ValueError as exc:
            errors.append(ContentError(path, where, f"correction {number + 1}: 'date' {exc}"))
            continue
        kind = str(item.get("type") or "correction").strip().lower()
        if kind not in CORRECTION_KINDS:
            kinds = ", ".join(CORRECTION_KINDS)
            errors.append(ContentError(path, where, f"correction {number + 1}: 'type' must be one of {kinds}, "
                                                    f"not {describe_value(item['type'])}"))
            continue
        note = item.get("text")
        if not isinstance(note, str) or not note.strip():
            errors.append(ContentError(path, where, f"correction {number + 1} has no 'text': say what was "
                                                    "corrected, clarified or updated"))
            continue
        found.append(Correction(when, kind, note.strip()))
    return tuple(sorted(found, key=lambda c: c.date))


def _item_lines(text: str, start: int | None, count: int) -> list[int | None]:
    """The line of each ``- `` item of a block list starting after line ``start`` (else ``start`` for all)."""
    if start is None:
        return [None] * count
    found: list[int | None] = []
    for number, line in enumerate(text.splitlines()[start:], start=start + 1):
        stripped = line.strip()
        if line.rstrip() in (frontmatter.YAML_FENCE, frontmatter.TOML_FENCE):
            break
        if line[:1] not in (" ", "\t", "-") and stripped:
            break
        if stripped.startswith("- ") or stripped == "-":
            found.append(number)
    return [found[i] if i < len(found) else start for i in range(count)]


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
                raise ValueError(f"{describe_value(value)} is not a real date ({exc})") from None
            raise ValueError(f"{describe_value(value)} is not a date: write it as YYYY-MM-DD, or with a time as "
                             "2023-09-19T08:30:00+02:00") from None
    else:
        raise ValueError(f"must be a date like 2023-09-19, not {_kind(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _kind(value: Any) -> str:
    """A wrong value in a message: its kind and at most 40 characters of it, never the whole of it (a YAML
    alias can make one value stand for thousands)."""
    if isinstance(value, str):
        return f"the text {describe_value(value)}"
    return describe_value(value)


_TAG = re.compile(r"<[^>]+>")


def plain_summary(body_html: str, limit: int = 300) -> str:
    """The first paragraph as plain text, cut at a word boundary."""
    match = re.search(r"<p>(.*?)</p>", body_html, re.S)
    text = html.unescape(_TAG.sub("", match.group(1))) if match else ""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
