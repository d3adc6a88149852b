"""Warnings that are never lost: remembered between builds, counted, and turned into errors by --strict.

A warning about a file is repeated by every build until that file changes:
- a content file's own warnings (a shortcode left in the body, an ignored key) live in its cached Article
  (``Article.notes``), so every build that loads it says them again;
- a seed's warnings (read as Windows-1252, say) are said once, when it is converted; the next build reads
  the content file instead, so they are kept here, in ``<cache_dir>/warnings.marshal``, with the stats of
  the seed and of the content file it became, and repeated until either changes. They are written as soon
  as the seed is converted, so a build that then fails on another file does not lose them;
- a no-op build (nothing changed) repeats what the last build said, from the manifest.

Also here: the front-matter keys that nothing reads (a typo like ``titel:`` or ``tag:``, which would be
kept silently as an extra), and the count line every run ends its warnings with.
"""

from __future__ import annotations

import marshal
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sitegen.core.errors import shown_path
from sitegen.core.files import files_under, replace_file

FILE = "warnings.marshal"
FORMAT = 1
SHOWN_FILES = 3  # files named in a warning about a key many files share

# A warning about a file starts with its path: "content/a.md:4: …" or "seeds/b.txt: …".
_PATH = re.compile(r"^(?P<path>[^\s:][^:]*?\.[A-Za-z0-9]{1,9})(?::\d+)?: ")


def files_of(warning: str) -> list[str]:
    """The file a warning is about (from its 'path:line: ' start), as a list: empty for a site-wide one."""
    match = _PATH.match(warning)
    return [match.group("path")] if match else []


def relative(warning: str, root: Path) -> str:
    """A warning names its file as the user would type it: relative to the site's folder."""
    return warning.removeprefix(f"{root}{os.sep}")


def count_line(warnings: Sequence[str], files: Iterable[str] = ()) -> str:
    """'3 warnings, in 2 files' (files: those named by the warnings, plus ``files``)."""
    named = {path for warning in warnings for path in files_of(warning)} | set(files)
    line = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if named:
        line += f", in {len(named)} file{'s' if len(named) != 1 else ''}"
    return line


# --- seeds' warnings, kept until the seed or its content file changes ----------------------------------


def _stat(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def recall(cache_dir: Path, fresh: Mapping[Path, tuple[Path, Sequence[str]]]) -> list[str]:
    """The seeds' warnings to say this build: those of earlier builds whose seed and content file are as
    they were (``fresh``, this build's own: seed -> (content file, warnings), are said by the converter and
    replace what was kept of that seed). Writes the record back at once."""
    path = cache_dir / FILE
    try:
        record = marshal.loads(path.read_bytes())
        kept = record[1] if isinstance(record, tuple) and record[0] == FORMAT else {}
        if not isinstance(kept, dict):
            kept = {}
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        kept = {}
    said: list[str] = []
    now: dict[str, tuple] = {}
    for seed, entry in kept.items():
        try:
            seed_stat, content, content_stat, warnings = entry
        except (TypeError, ValueError):
            continue
        if Path(seed) in fresh or _stat(seed) != tuple(seed_stat) or _stat(content) != tuple(content_stat):
            continue  # changed (or said afresh this build): forgotten
        now[seed] = entry
        said += list(warnings)
    for seed, (content, warnings) in fresh.items():
        seed_stat, content_stat = _stat(str(seed)), _stat(str(content))
        if warnings and seed_stat and content_stat:
            now[str(seed)] = (seed_stat, str(content), content_stat, list(warnings))
    if now != kept:
        _save(path, now)
    return said


def _save(path: Path, record: dict[str, tuple]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, marshal.dumps((FORMAT, record)), prefix=".warnings.")
    except OSError:  # only a memory: the warnings were said this time; a full disk is the build's to report
        pass


# --- front-matter keys that nothing reads -----------------------------------------------------------------

# Keys Hugo, Jekyll, Pelican and Eleventy write or read, which a site moved from them may carry: not typos,
# just not used by sitegen's theme (a theme of the site's own may use them as article.extra.<key>).
GENERATOR_KEYS = frozenset({
    "weight", "keywords", "linktitle", "toc", "menu", "menus", "iscjklanguage", "headless", "cascade", "build",
    "outputs", "markup", "resources", "sitemap", "translationkey", "videos", "audio", "series", "images",
    "expirydate", "publishdate", "lastmod", "excerpt", "excerpt_separator", "published", "permalink",
    "comments", "sidebar", "modified", "save_as", "lang", "translation", "template", "subtitle", "thumbnail",
    "featured_image", "featured", "math", "mathjax", "katex", "id", "uuid", "guid", "canonical",
    "canonical_url", "canonicalurl", "noindex", "robots", "author_url", "twitter", "og_image", "hero",
    "banner", "cover", "caption", "credit", "location", "dateline", "byline", "kicker", "priority",
    "changefreq", "image_alt", "alt", "tags_weight", "eleventyexcludefromcollections", "eleventynavigation",
    "pagination", "permalink_pretty", "render_with_liquid", "showtoc", "hidemeta", "disqus_identifier",
    "share", "readingtime", "reading_time", "emoji", "short_title", "headline", "lede", "standfirst",
    "deck", "photo", "video", "embed", "related", "sources", "note", "notes", "copyright", "license",
    "private", "hidden", "pinned", "sticky", "breaking", "live", "place", "country", "region",
})
# How a template reads an extra key: article.extra.key, page.extra['key'], x.extra.get("key").
_EXTRA_USE = re.compile(r"\.extra\s*(?:\.\s*get\(\s*['\"]([^'\"]+)['\"]"
                        r"|\.\s*([A-Za-z_]\w*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_EXTRA_ANY = re.compile(r"\.extra\b")


def template_keys(folders: Iterable[Path]) -> set[str] | None:
    """The extra keys the templates read; None when one reads them all (loops over ``.extra``)."""
    keys: set[str] = set()
    for folder in folders:
        for _rel, path in files_under(folder):
            if path.suffix not in (".html", ".xml", ".txt", ".json", ".j2", ".jinja"):
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for match in _EXTRA_USE.finditer(text):
                name = next(group for group in match.groups() if group)
                if name in ("items", "keys", "values", "get"):  # a loop over them all
                    return None
                keys.add(name)
            if len(_EXTRA_ANY.findall(text)) > len(_EXTRA_USE.findall(text)):
                return None  # .extra passed on whole (to a macro, a filter): any key may be read
    return keys


def unknown_keys(articles: Iterable[object], root: Path, template_folders: Iterable[Path],
                 known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Warnings for front-matter keys that sitegen does not read, no template uses and no other generator
    writes, each naming the key, its files and lines, and the key it probably was ('titel' → 'title');
    and the files they name."""
    from sitegen.core.config import suggestion

    used = template_keys(template_folders)
    if used is None:
        return [], []
    files_by_key: dict[str, list[Path]] = {}
    for article in articles:
        for key in getattr(article, "extra", {}) or {}:
            if key in used or str(key).casefold().replace("-", "_") in GENERATOR_KEYS:
                continue
            files_by_key.setdefault(str(key), []).append(article.path)  # type: ignore[attr-defined]
    known = sorted(known)
    warnings: list[str] = []
    files: list[str] = []
    for key in sorted(files_by_key):
        paths = sorted(files_by_key[key])
        close = suggestion(key, known)
        hint = (f"did you mean '{close}'?" if close else
                f"check its spelling, or show it in a template as article.extra.{key}")
        where = [f"{path}:{_line(root / path, key) or 2}" for path in paths[:SHOWN_FILES]]
        more = len(paths) - len(where)
        also = f" (also in {', '.join(where[1:])}{f' and {more} more files' if more else ''})" \
            if len(where) > 1 else ""
        warnings.append(f"{where[0]}: front matter key '{key}' is not a key sitegen reads and no template uses "
                        f"it, so it is ignored; {hint}{also}")
        files += [shown_path(path, root) if path.is_absolute() else str(path) for path in paths]
    return warnings, files


def _line(path: Path, key: str) -> int | None:
    from sitegen.content.frontmatter import key_line

    try:
        return key_line(path.read_text(encoding="utf-8-sig"), key)
    except (OSError, UnicodeDecodeError):
        return None
