"""Seeds (plain-text wire copy) to content files: YAML front matter plus a Markdown body.

A seed is *text*: the body is built with ``markup.literal`` so the page shows the seed's characters,
never Markdown or HTML read out of them. ``convert_seeds`` never overwrites a content file (a person
may have edited it) unless forced, and a seed counts as converted once any content file's ``source``
names it, so moving or renaming a content file never duplicates an article.

Nothing is lost: a forced run keeps the text it replaces as a backup (``x.md~``, then ``x.md.~2~``…, the
names Emacs and ``cp --backup`` use, which Hugo, Jekyll and this loader all skip), and a content file the
last build had but that is gone now was deleted on purpose, so its seed is not converted again unless
named with ``--force``.
"""

from __future__ import annotations

import calendar
import codecs
import datetime
import os
import re
import shlex
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.content import frontmatter, markup
from sitegen.content.sources import list_files
from sitegen.core.errors import ContentError, shown_path
from sitegen.core.files import replace_file
from sitegen.core.model import Article
from sitegen.core.urls import slugify

if TYPE_CHECKING:
    from sitegen.incremental.cache import SourceEntry

SUMMARY_MAX = 300
_BYLINE_MAX = 100
_QUOTE_MAX = 40

_FIRST_LINE = re.compile(r"date(?:[\s:]+(.*))?", re.IGNORECASE | re.DOTALL)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A time of day after the date: 14:30, 14:30:00, 9:05, with an optional offset (Z, +02:00, +0200).
_CLOCK = re.compile(r"(\d{1,2}:\d\d(?::\d\d)?(?:Z|[+-]\d\d:?\d\d)?)(?=\s|$)")
_BYLINE = re.compile(r"by\s+(.+)", re.IGNORECASE | re.DOTALL)
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_NAME_PARTICLES = frozenset(
    "and van von der den de del della di da du la le ter bin ibn al el y e dos das".split()  # noqa: SIM905
)
_KEEP_FINAL_DOT = re.compile(r"(?:\b[A-Z]|Jr|Sr|Inc|Co|Ltd)\.$")
# Control characters a page cannot show (tab and line ends are handled as white space).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A well-formed multi-byte UTF-8 sequence: if a file has these *and* invalid bytes, its encoding is mixed.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_RESAVE = "re-save the file as UTF-8"


@dataclass(frozen=True)
class Seed:
    path: Path
    title: str
    date: datetime.date
    byline: str | None  # "Staff, Agencies" (without "By ")
    authors: tuple[str, ...]  # ("Staff", "Agencies")
    paragraphs: tuple[str, ...]  # the text paragraphs, each stripped of trailing spaces per line
    moment: datetime.datetime | None = None  # the date with its time, when the first line gives one


@dataclass
class ConvertReport:
    written: list[Path] = field(default_factory=list)  # content files written this run
    skipped: list[Path] = field(default_factory=list)  # seeds already converted
    errors: list[ContentError] = field(default_factory=list)  # every bad seed, not just the first
    warnings: list[str] = field(default_factory=list)
    backups: dict[Path, Path] = field(default_factory=dict)  # content file -> the copy of the text it replaced
    unchanged: list[Path] = field(default_factory=list)  # forced, but the file already held exactly that text
    deleted: dict[Path, Path] = field(default_factory=dict)  # seed -> its content file, deleted since last build
    # The last build's cache entries of those deleted files, for the build to keep: the next build must
    # still know that they existed (load drops entries of files it does not find).
    remembered: dict[str, SourceEntry] = field(default_factory=dict)
    # seed -> (its content file, the seed's warnings): kept by the build and repeated until either changes
    seed_warnings: dict[Path, tuple[Path, list[str]]] = field(default_factory=dict)


# --- reading one seed -------------------------------------------------------------------------------


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text[:_QUOTE_MAX - 1]}…'" if len(text) > _QUOTE_MAX else f"'{text}'"


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting CRLF, LF and lone CR line ends."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def decode_seed(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Seed bytes as text, trying UTF-8, then a UTF-16/32 byte-order mark, then Windows-1252.

    Wire copy arrives from old systems: a wrong guess would put mojibake on the front page, so
    anything that is not cleanly one encoding is an error naming the line of the first bad byte.
    """
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError as exc:
                line = data[:exc.start].decode(codec, "replace").replace("\r\n", "\n").count("\n") + 1
                raise ContentError(path, line, f"starts with a {codec.upper()} byte-order mark but is not "
                                               f"valid {codec.upper()}: {_RESAVE}") from None
    has_bom = data.startswith(codecs.BOM_UTF8)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ContentError(path, _line_at(data, nul), "contains a NUL byte (0x00), so it is not plain text "
                                                      f"(UTF-16 without a byte-order mark?): {_RESAVE}")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad, line = data[exc.start], _line_at(data, exc.start)
    if has_bom or _UTF8_MULTIBYTE.search(data):
        raise ContentError(path, line, f"mixes UTF-8 with another encoding: byte 0x{bad:02X} is not UTF-8, "
                                       f"though other text is; {_RESAVE}")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ContentError(path, line, f"is not UTF-8 text: byte 0x{bad:02X} cannot be read as UTF-8 or as "
                                       f"Windows-1252; {_RESAVE}") from None
    return text, [f"{path}:{line}: not UTF-8 (byte 0x{bad:02X} on this line is not); read as Windows-1252 — "
                  "check the text and re-save it as UTF-8"]


def read_seed(path: Path) -> tuple[Seed, list[str]]:
    """Read and parse one seed file; unreadable files are ContentErrors, never tracebacks."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ContentError(path, None, "is a folder, not a seed file: rename it so that it does not end "
                                       "in .txt") from None
    except OSError as exc:
        raise ContentError(path, None, f"cannot read the seed: {exc.strerror or exc}") from None
    text, warnings = decode_seed(data, path)
    return parse_seed(text, path), warnings


def parse_seed(text: str, path: Path) -> Seed:
    """Split seed text into headline, date, byline and paragraphs, or say exactly what is wrong."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ContentError(path, 1, "the seed is empty: write 'date YYYY-MM-DD Headline' on the first "
                                    "line, then the article's paragraphs")
    day, title, moment = _parse_first_line(lines[first].strip(), path, first + 1)
    for number, line in enumerate(lines[first:], start=first + 1):
        if line.strip() and (control := _CONTROL.search(line)):
            raise ContentError(path, number, f"contains the control character U+{ord(control.group()):04X}, "
                                             "which a page cannot show: delete it")

    blocks: list[list[str]] = [[]]  # paragraphs as lists of lines; blank lines separate them
    for line in lines[first + 1:]:
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [block for block in blocks if block]

    byline: str | None = None
    authors: tuple[str, ...] = ()
    if blocks and (found := _byline(blocks[0][0])):
        byline, authors = found
        del blocks[0][0]
        if not blocks[0]:
            del blocks[0]
    if not blocks:
        where = "the byline" if byline else "the first line"
        raise ContentError(path, first + 1, f"{_quote(title)} has no article text: add the article's "
                                            f"paragraphs after {where}")
    return Seed(path, title, day, byline, authors, tuple("\n".join(block) for block in blocks), moment)


def _parse_first_line(line: str, path: Path, number: int) -> tuple[datetime.date, str, datetime.datetime | None]:
    match = _FIRST_LINE.fullmatch(line)
    if match is None:
        raise ContentError(path, number, f"the first line must be 'date YYYY-MM-DD Headline', "
                                         f"but it is {_quote(line)}")
    rest = (match.group(1) or "").strip()
    if not rest:
        raise ContentError(path, number, "the first line has no date: write it as 'date YYYY-MM-DD Headline'")
    parts = rest.split(None, 1)
    date_text = parts[0].rstrip(",;")
    title = parts[1].strip() if len(parts) > 1 else ""
    clock = None
    if "T" in date_text[10:11]:  # 2023-09-19T14:30, 2023-09-19T14:30:00+02:00
        date_text, clock = date_text[:10], date_text[11:]
    elif (found := _CLOCK.match(title)) is not None:  # 2023-09-19 14:30 Headline
        clock, title = found.group(1), title[found.end():].strip()
    date_text = date_text.rstrip(":")
    iso = _ISO_DATE.fullmatch(date_text)
    if iso is None:
        raise ContentError(path, number, f"{_quote(date_text)} is not a date in YYYY-MM-DD form: write the "
                                         "first line as 'date YYYY-MM-DD Headline'")
    year, month, day = (int(g) for g in iso.groups())
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        why = (f"there is no month {month}" if not 1 <= month <= 12 else "days start at 01" if day < 1
               else "years start at 0001" if year < 1
               else f"{calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days")
        raise ContentError(path, number, f"{date_text} is not a real date ({why}): fix the date on the "
                                         "first line") from None
    if not title:
        raise ContentError(path, number, f"the first line has the date {date_text} but no headline: "
                                         "write the headline after the date")
    moment = None
    if clock is not None:
        clock = f"0{clock}" if clock[1:2] == ":" else clock  # 9:05 → 09:05
        try:
            moment = datetime.datetime.fromisoformat(f"{date_text}T{clock.replace('Z', '+00:00')}")
        except ValueError:
            raise ContentError(path, number, f"{_quote(clock)} is not a time of day: write it as 14:30, "
                                             "14:30:00 or 14:30+02:00 after the date") from None
    return parsed, title, moment


def _byline(line: str) -> tuple[str, tuple[str, ...]] | None:
    """The byline and its authors if ``line`` is one ("By Staff, Agencies"), else None.

    "By the end of the year, prices rose." is a sentence, not a byline: every author must be a short
    run of capitalised words (name particles like "van" or "bin" aside), and a byline is short.
    """
    match = _BYLINE.fullmatch(line.strip())
    if match is None:
        return None
    byline = match.group(1).strip()
    if len(byline) > _BYLINE_MAX or byline.endswith(("!", "?", ":", ";", "…")):
        return None
    if byline.endswith(".") and not _KEEP_FINAL_DOT.search(byline):
        byline = byline[:-1].rstrip()
    authors = []
    for part in _AUTHOR_SPLIT.split(byline):
        words = part.split()
        if not words:
            continue
        if len(words) > 6 or any(w[0].islower() and w not in _NAME_PARTICLES for w in words) \
                or words[0][0].islower():
            return None
        if part not in authors:
            authors.append(part)
    return (byline, tuple(authors)) if authors else None


# --- writing one content file ---------------------------------------------------------------------------


def summary_of(paragraph: str) -> str:
    """The paragraph as one line of plain text, cut at a word boundary to at most SUMMARY_MAX chars."""
    text = " ".join(line.strip() for line in paragraph.split("\n"))
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[:SUMMARY_MAX - 1]
    space = cut.rfind(" ")
    if space > SUMMARY_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _infer_tags(title: str, paragraphs: tuple[str, ...], language: str = "en") -> list[str]:
    from sitegen.seeds.tagging import infer_tags  # the gazetteer loads only when a seed is converted

    return infer_tags(title, paragraphs, language)


def content_for(seed: Seed, slug: str, source: str, section: str = "", language: str = "en",
                lang: str = "") -> str:
    """The full content file: front matter in the documented key order, then the literal body.
    ``section``: the site's ``seed_section`` (empty: no section line); ``language``: the seed's, for tag
    inference; ``lang``: a ``lang:`` line to write (a seed in another language than the site's)."""
    meta = {
        "title": seed.title,
        "date": seed.moment or seed.date,
        "authors": list(seed.authors) if seed.byline is not None else None,
        "tags": _infer_tags(seed.title, seed.paragraphs, language),
        "slug": slug,
        "summary": summary_of(seed.paragraphs[0]),
        "source": source,
        "section": section or None,
        "lang": lang or None,
    }
    body = "\n\n".join(markup.literal(p) for p in seed.paragraphs)
    return frontmatter.dump(meta, body)


# --- converting a folder ------------------------------------------------------------------------------


@dataclass
class ExistingContent:
    """What the content folder already holds: who names which seed, and which URLs are taken."""

    by_source: dict[str, str] = field(default_factory=dict)  # resolved seed path -> content file
    by_plain: dict[str, str] = field(default_factory=dict)  # the same, as written (no file system calls)
    taken: dict[tuple[datetime.date, str], Path] = field(default_factory=dict)  # (date, slug) -> file; see claimed()
    files: set[str] = field(default_factory=set)  # every content file that was read without an error
    # loaded articles whose (date, slug) pairs are not in ``taken`` yet (existing_from): most builds convert
    # nothing and never ask, so 10k dates and file names are not worked out for nothing
    pending: list[Article] = field(default_factory=list)
    root: Path = Path()  # what the pending articles' paths are relative to

    def claimed(self) -> dict[tuple[datetime.date, str], Path]:
        """``taken``, with the pending articles' pairs added first."""
        if self.pending:
            for article in self.pending:
                if article.date is None:  # an undated page takes no article's address
                    continue
                path = self.root / article.path
                self.taken.setdefault((article.date.date(), article.slug), path)
                name = _CONTENT_NAME.fullmatch(article.path.name)
                if name:
                    self.taken.setdefault((article.date.date(), name.group(2)), path)
            self.pending = []
        return self.taken


_CONTENT_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)\.(?:md|markdown)")


def scan_content(content_dir: Path, root: Path) -> ExistingContent:
    """What the content folder holds, read from its files' front matter: which seeds are converted and
    which (day, slug) pairs are taken, so that a new file never takes another's URL. Broken files and
    symlinks out of the site are skipped here (the loader reports them)."""
    existing = ExistingContent()
    for path in _files(content_dir, (".md", ".markdown"), root)[0]:
        try:
            meta, _body, _line = frontmatter.split(path.read_text(encoding="utf-8"), path)
        except (ContentError, OSError, UnicodeDecodeError):
            continue
        existing.files.add(str(path))
        source = meta.get("source")
        if isinstance(source, str) and source.strip() and "\0" not in source:
            # root / "/abs/x.txt" is "/abs/x.txt": absolute sources work too
            existing.by_source.setdefault(str(_resolved(root / source.strip())), str(path))
        day = _as_date(meta.get("date"))
        name = _CONTENT_NAME.fullmatch(path.name)
        slugs = {str(meta["slug"])} if meta.get("slug") not in (None, "") else set()
        if name:  # a loader may fall back to the file name or the title: reserve those too
            slugs.add(name.group(2))
            day = day or _as_date(name.group(1))
        if isinstance(meta.get("title"), str) and "slug" not in meta:
            slugs.add(slugify(meta["title"]))
        if day is not None:
            for slug in slugs:
                existing.taken.setdefault((day, slug), path)
    return existing


def _as_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value.date() if isinstance(value, datetime.datetime) else value
    try:
        return datetime.date.fromisoformat(value.strip()[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _files(folder: Path, suffixes: tuple[str, ...], root: Path) -> tuple[list[Path], list[ContentError]]:
    """Files under ``folder`` with the suffixes, sorted by path, hidden files and folders left out, and
    every symlink that leads out of the site (refused). A folder named like a seed is listed too: read_seed
    reports it rather than it being skipped silently."""
    entries, refused = list_files(folder, root, suffixes, folders=True)
    return [Path(entry.path) for entry in entries], refused


def _resolved(path: Path) -> Path:
    """The real path, for comparing; a symlink loop stays as it is (reading it reports the problem)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _by_real_path(by_plain: Mapping[str, str], no_links: str | None = None) -> dict[str, str]:
    """``by_plain`` keyed by real paths, as ``_resolved`` makes them: each folder is resolved once, and a
    file only when it is a symlink itself (10k seeds in one folder: 10k lstat calls, not 10k resolves).
    ``no_links``: a folder (ending in a separator) known to hold no symlink: its files are not looked at."""
    folders: dict[str, str] = {}
    real: dict[str, str] = {}
    rest: Iterable[tuple[str, str]] = by_plain.items()
    if no_links and str(_resolved(Path(no_links))) == os.path.normpath(no_links):
        # No symlink on the way to that folder nor in it: its files' real paths are their paths as written.
        real = {plain: content for plain, content in by_plain.items() if plain.startswith(no_links)}
        rest = [(plain, content) for plain, content in by_plain.items() if not plain.startswith(no_links)]
    for plain, content in rest:
        head, tail = os.path.split(plain)
        if head not in folders:
            folders[head] = str(_resolved(Path(head)))
        path = os.path.join(folders[head], tail)
        linked = not (no_links and plain.startswith(no_links)) and os.path.islink(path)
        real[str(_resolved(Path(path))) if linked else path] = content
    return real


def _source_for(seed_path: Path, root: Path) -> str:
    """The seed's path relative to the site root in POSIX form, or its absolute path if outside."""
    for path, base in ((Path(os.path.abspath(seed_path)), Path(os.path.abspath(root))),
                       (_resolved(seed_path), _resolved(root))):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return _resolved(seed_path).as_posix()


def free_slug(title: str, day: datetime.date, existing: ExistingContent, own: Path | None, content_dir: Path) -> str:
    """The headline's slug, or with -2, -3, … when another article (not ``own``, the file being rewritten)
    already has it on that day or its file name is taken: two articles never share a URL or a file."""
    base = slugify(title)
    slug, number = base, 1
    while True:
        holder = existing.claimed().get((day, slug))
        file_free = own is not None or not (content_dir / file_name(day, slug)).exists()
        if holder in (None, own) and file_free:
            return slug
        number += 1
        slug = f"{base}-{number}"


def file_name(day: datetime.date, slug: str) -> str:
    """A content file's name, ``2023-09-19-<slug>.md``: sorted by date in a listing, and the slug readable."""
    return f"{day.isoformat()}-{slug}.md"


def write_file(path: Path, text: str, overwrite: bool) -> None:
    """Write a new file exclusively (FileExistsError if another process made it first), or replace an
    existing one atomically, so that a reader or a crash never sees half a file."""
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        with path.open("xb") as handle:
            handle.write(data)
        return
    replace_file(path, data, prefix=f".{path.name}.")


def backup_path(path: Path) -> Path:
    """A free name for a backup of ``path``: ``x.md~``, else ``x.md.~2~``, ``x.md.~3~``…

    Emacs's and ``cp --backup``'s names: no loader reads them as content (not ``.md``; Hugo and Jekyll
    skip names ending in ``~`` too), and many ``.gitignore`` files already leave them out."""
    candidate, number = path.with_name(f"{path.name}~"), 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = path.with_name(f"{path.name}.~{number}~")
    return candidate


def _back_up(path: Path, data: bytes) -> Path:
    """Keep ``data`` (the file's text as it is now) next to it, never overwriting an older backup."""
    while True:
        backup = backup_path(path)
        try:
            with backup.open("xb") as handle:
                handle.write(data)
        except FileExistsError:  # made by someone else just now: take the next number
            continue
        return backup


def converted_before(entries: Mapping[str, SourceEntry], root: Path,
                     seeds: Collection[Path] | None = None) -> dict[str, tuple[str, Path]]:
    """From the last build's cache: each seed named by a content file then (as a normalised path), with that
    file's cache key and path. Lets a run tell a content file deleted on purpose from one never written.
    ``seeds``: only these are asked about (the others' entries are passed over by their file name)."""
    names = {path.name for path in seeds} if seeds is not None else None
    found: dict[str, str] = {}
    for rel, entry in entries.items():
        source = entry.article.source if entry.article is not None else None
        if source and "\0" not in source and (names is None or os.path.basename(source.rstrip("/")) in names):
            found.setdefault(os.path.normpath(os.path.join(root, source)), rel)
    return {plain: (rel, root / rel) for plain, rel in found.items()}


def existing_from(articles: Iterable[Article], root: Path) -> ExistingContent:
    """What the content folder holds, from articles the loader already parsed (no second read)."""
    articles = list(articles)
    existing = ExistingContent(pending=articles, root=root)
    base = os.path.join(str(root), "")
    isabs, normpath = os.path.isabs, os.path.normpath

    def joined(path: str) -> str:  # os.path.join(root, path), a third of the time (10k articles: twice each)
        return path if isabs(path) else base + path

    for article in articles:
        path = joined(str(article.path))
        existing.files.add(path)
        if article.source:
            existing.by_plain.setdefault(normpath(joined(article.source)), path)
    return existing


def convert_seeds(seeds_dir: Path, content_dir: Path, root: Path, force: bool = False,
                  existing: ExistingContent | None = None, previous: Mapping[str, SourceEntry] | None = None,
                  only: Collection[Path] | None = None, section: str = "", language: str = "en",
                  languages: Collection[str] = (), listed: Collection[str] | None = None) -> ConvertReport:
    """Convert every seed without a content file (every seed with ``force``); report all problems.

    Seeds go in sorted path order, so when two share a headline and a day the first keeps the plain
    slug and the second gets "-2", the same way on every machine. ``previous`` is the last build's cache
    (content files by path): a seed whose content file was there and is gone now is not converted again,
    with a warning, unless it is named in ``only`` with ``force``. ``only`` limits the run to those seeds
    (relative paths are read from the site folder, as every path sitegen prints). ``language``: the site's
    (default) language; ``languages``: a multilingual site's codes, which a seed's name (``x.fr.txt``) or
    folder (``seeds/fr/``) may name as its own (written as ``lang:``). ``listed``: the seeds to look at, as
    the build listed them (the few no article names); by default the seeds folder is listed.
    """
    report = ConvertReport()
    if existing is None:
        existing = scan_content(content_dir, root)
    if listed is None:
        seed_paths, report.errors = _files(seeds_dir, (".txt",), root)
    else:
        seed_paths = [Path(p) for p in sorted(listed, key=lambda p: p.split(os.sep))]
    named: set[str] | None = None
    if only is not None:
        seed_paths, named = _chosen(seed_paths, only, seeds_dir, root, report)
    before = converted_before(previous, root, seed_paths) if previous else {}
    for seed_path in seed_paths:
        plain = os.path.normpath(seed_path)
        holder = existing.by_plain.get(plain)
        if holder is None:  # not named as written: compare real paths (symlinks, ./ and ../ in sources)
            if existing.by_plain and not existing.by_source:
                # the build lists the seeds only when none is a symlink
                existing.by_source = _by_real_path(existing.by_plain, None if listed is None else
                                                   os.path.join(os.path.abspath(seeds_dir), ""))
            holder = existing.by_source.get(str(_resolved(seed_path)))
        own = None if holder is None else Path(holder)
        if own is not None and not force:
            report.skipped.append(seed_path)
            continue
        if own is None and plain in before and not (force and named is not None and plain in named):
            rel, was = before[plain]
            if str(was) in existing.files:
                pass  # that file names another seed now: this one is free to convert
            elif was.exists() or was.is_symlink():
                report.skipped.append(seed_path)  # it is there but broken: the loader says why
                continue
            else:
                report.deleted[seed_path] = was
                if previous is not None:
                    report.remembered[rel] = previous[rel]._replace(mtime_ns=-1, size=-1, digest="")
                report.warnings.append(_deleted_warning(seed_path, was, root))
                continue
        try:
            seed, warnings = read_seed(seed_path)
        except ContentError as exc:
            report.errors.append(exc)
            continue
        report.warnings.extend(warnings)
        slug = free_slug(seed.title, seed.date, existing, own, content_dir)
        target = own or content_dir / file_name(seed.date, slug)
        own_language = seed_language(seed_path, seeds_dir, languages) or language
        text = content_for(seed, slug, _source_for(seed_path, root), section, own_language,
                           own_language if own_language != language else "")
        try:
            if own is not None and _keep_or_back_up(target, text, report):
                report.unchanged.append(target)
            else:
                write_file(target, text, overwrite=own is not None)
                report.written.append(target)
        except OSError as exc:
            report.errors.append(ContentError(target, None, f"cannot write the content file: "
                                                            f"{exc.strerror or exc}"))
            continue
        existing.by_plain[plain] = str(target)
        existing.claimed()[(seed.date, slug)] = target
        if warnings:
            report.seed_warnings[seed_path] = (target, warnings)
    return report


def seed_language(path: Path, seeds_dir: Path, languages: Collection[str]) -> str:
    """The language a seed's name or folder names, as Hugo reads content: ``x.fr.txt`` or ``seeds/fr/x.txt``
    (one of the site's ``languages``); '' when it names none."""
    if not languages:
        return ""
    parts = path.name.split(".")
    if len(parts) > 2 and parts[-2] in languages:
        return parts[-2]
    try:
        first = path.relative_to(seeds_dir).parts[0]
    except (ValueError, IndexError):
        return ""
    return first if first in languages and first != path.name else ""


def _keep_or_back_up(target: Path, text: str, report: ConvertReport) -> bool:
    """True when ``target`` already holds exactly ``text`` (nothing to do); otherwise, before it is
    replaced, its current text is copied to a backup so that no hand edit is ever lost."""
    try:
        old = target.read_bytes()
    except FileNotFoundError:
        return False
    if old == text.encode("utf-8"):
        return True
    report.backups[target] = _back_up(target, old)
    return False


def _chosen(seed_paths: list[Path], only: Collection[Path], seeds_dir: Path, root: Path,
            report: ConvertReport) -> tuple[list[Path], set[str]]:
    """The listed seeds that ``only`` names (by path as written or by real path); an error for each name
    that is not a seed in the seeds folder."""
    by_plain = {os.path.normpath(p): p for p in seed_paths}
    by_real = {_resolved(p): p for p in seed_paths}
    chosen: dict[Path, None] = {}
    for name in only:
        path = name if name.is_absolute() else root / name
        if not path.exists() and (Path.cwd() / name).exists():
            path = Path.cwd() / name
        found = by_plain.get(os.path.normpath(path)) or by_real.get(_resolved(path))
        if found is None:
            why = "there is no such file" if not path.exists() else \
                f"it is not a .txt file in the seeds folder {shown_path(seeds_dir, root)}/"
            report.errors.append(ContentError(shown_path(path, root), None,
                                              f"cannot convert this seed: {why}; name a seed file such as "
                                              f"{shown_path(seeds_dir, root)}/example.txt"))
            continue
        chosen[found] = None
    picked = sorted(chosen, key=lambda p: str(p).split(os.sep))
    return picked, {os.path.normpath(p) for p in picked}


def _deleted_warning(seed_path: Path, content: Path, root: Path) -> str:
    seed = shown_path(seed_path, root)
    return (f"{seed}: its content file {shown_path(content, root)} was deleted, so it was not converted again; "
            f"delete the seed too, or run 'sitegen convert --force {_shell_word(seed)}' to bring it back")


def _shell_word(text: str) -> str:
    """A path as one shell word, in double quotes when it needs quoting: it is printed inside single quotes."""
    if shlex.quote(text) == text:
        return text
    return '"' + "".join("\\" + c if c in '"$`\\' else c for c in text) + '"'
