"""The persistent build cache (``.sitegen-cache/``): what the last build read and wrote, so the next one
redoes only what changed. Safe to delete; a corrupt, foreign or outdated cache is ignored and rebuilt.

Two files:
- ``state.marshal``: per content file its stat, content hash and parsed Article (or errors); per output
  file the signature of everything it shows, and its size and mtime as written; the last related-articles
  pass and page plan. In ``marshal``, each article as one string: reading and writing the record of 10k
  articles is a large share of a one-file rebuild, and marshal does that several times faster than
  pickling the objects or storing their fields one by one.
- ``html.sqlite``: rendered article bodies keyed by content hash, so Markdown runs once per text and
  the whole site's HTML never has to sit in memory; and the articles' cards of the list pages, keyed by
  what they show, so that the list pages an added article moves along show cards rendered before.
"""

from __future__ import annotations

import copy
import functools
import marshal
import os
import pickle
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass, field
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from sitegen.core.errors import ContentError, SitegenError
from sitegen.core.files import replace_file
from sitegen.core.model import (
    ARTICLE_FIELDS,
    Article,
    Author,
    PlanMemo,
    RelatedMemo,
    Tag,
    article_from_values,
    article_of,  # noqa: F401 - used by the decoder _compile_codec writes
    article_values,
    field_type,
    shared_author,
    shared_tag,
)
from sitegen.incremental.manifest import size_and_mtime

FORMAT = 15  # bump when the records change shape
_FRAME = 4096  # sources or outputs per frame of the state file
_END = ("end of the record", FORMAT)
STATE_FILE = "state.marshal"
_INHERITED: list[Any] = []  # connections a forked worker inherited: kept, never closed (see Cache.close)


class SourceEntry(NamedTuple):
    mtime_ns: int
    size: int
    digest: str
    article: Article | None
    errors: list[ContentError]
    record: str | bytes | None = None  # the article as read from the cache file: written back as it is


class Planned(Protocol):
    """A page of the plan (``render.Page``): the output file it makes, and a hash of everything it shows."""

    @property
    def path(self) -> str: ...

    @property
    def signature(self) -> str: ...


P = TypeVar("P", bound=Planned)


class OutputEntry(NamedTuple):
    signature: str
    size: int
    mtime_ns: int


@dataclass
class State:
    key: str  # settings that change every parsed article (sitegen version, Markdown setup, time zone)
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    outputs: dict[str, OutputEntry] = field(default_factory=dict)
    global_signature: str = ""  # templates and settings of the last build, for --explain
    related: RelatedMemo = field(default_factory=RelatedMemo)  # the last related-articles pass
    plan: PlanMemo = field(default_factory=PlanMemo)  # the last page plan
    search: dict[str, str] = field(default_factory=dict)  # the last search plan's shards (search.plan's memo)


class Cache:
    def __init__(self, folder: Path, key: str, *, clean: bool = False) -> None:
        self.folder = folder
        self.key = key
        self._html_path = folder / "html.sqlite"
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        # Parsed articles are only as good as their stored bodies: without those, start afresh.
        self.state = State(key) if clean or not self._bodies_readable() else read_state(folder, key)
        if not self.state.sources:
            self._remove_bodies()

    # --- what the last build wrote: the pages to render again -------------------------------------------

    def decide(self, pages: list[P], output_dir: Path, signature: str,
               on_disk: Mapping[str, tuple[int, int]] | None = None) -> tuple[list[P], list[P], dict[str, str]]:
        """Which pages to render, which to keep as the last build wrote them, and why each is rendered. A
        kept page's signature (``render.plan_pages``: all it shows) is the one it was written with, and its
        file is still as written: ``on_disk`` has the (size, mtime_ns) of output files already looked at
        (any other is looked at here); None trusts the output folder (the preview's, which nobody else writes).
        ``signature``: the templates' and settings' (a change says so in the reason)."""
        previous = self.state.outputs
        base = str(output_dir) + os.sep
        settings_changed = self.state.global_signature != signature
        todo, keep, reasons = [], [], {}
        for page in pages:
            entry = previous.get(page.path)
            if entry is None:
                reason = "new page" if previous else "no earlier build in the cache"
            elif entry.signature != page.signature:
                reason = "templates or settings changed" if settings_changed else "what it shows changed"
            elif on_disk is None:
                reason = ""
            else:
                found = on_disk.get(page.path) or size_and_mtime(base + page.path)
                reason = "the output file is missing" if found is None else \
                    "" if found == (entry.size, entry.mtime_ns) else "the output file was changed outside sitegen"
            if reason:
                todo.append(page)
                reasons[page.path] = reason
            else:
                keep.append(page)
        return todo, keep, reasons

    def remember(self, pages: list[P], keep: list[P], written: Mapping[str, tuple[int, int]],
                 signature: str) -> None:
        """What this build's output files are: each page's signature with the (size, mtime_ns) it was
        written with (``written``, from write.py) or kept with; other files (static) are compared by bytes."""
        previous = self.state.outputs
        kept = {p.path for p in keep}
        outputs = {}
        for page in pages:
            if page.path in kept:
                outputs[page.path] = previous[page.path]
            elif page.path in written:
                size, mtime_ns = written[page.path]
                outputs[page.path] = OutputEntry(page.signature, size, mtime_ns)
        for path, (size, mtime_ns) in written.items():
            outputs.setdefault(path, OutputEntry("", size, mtime_ns))
        self.state.outputs = outputs
        self.state.global_signature = signature

    def save(self) -> None:
        """Write the state atomically: a build killed while saving leaves the previous cache intact."""
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_file(self.folder / STATE_FILE, _frames(_record(self.state)), prefix=".state.")
        (self.folder / "state.pickle").unlink(missing_ok=True)  # the older pickled record: no longer read

    # --- rendered article bodies ----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked worker: set the parent's connection aside, open its own
            self.close()
            self._pid = os.getpid()
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        return self._db

    def prepare(self) -> None:
        """Create the bodies' database (afresh if it is damaged) before workers are forked to fill it, so
        that no two processes create it at once and none of them finds it half made. Closed again: each
        worker opens its own connection."""
        if self._pid == os.getpid():
            if not self._bodies_readable():
                self._remove_bodies()
            self._connection()
            self.close()

    def _bodies_readable(self) -> bool:
        """Whether the bodies' database is there and readable; a lock held past the timeout is not damage."""
        if not self._html_path.is_file():
            return False
        try:
            self._connection().execute("SELECT 1 FROM html LIMIT 1").fetchall()
        except sqlite3.OperationalError as exc:
            raise SitegenError(f"cannot read the build cache {self._html_path}: {exc}; wait for the other "
                               f"build using it, or delete {self.folder}") from None
        except sqlite3.DatabaseError:  # not a database, or a malformed one: only a cache, start again
            return False
        finally:
            self.close()
        return True

    def _remove_bodies(self) -> None:
        # With its write-ahead log and index: a log left beside a new database would be replayed into it.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._html_path}{suffix}").unlink(missing_ok=True)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._html_path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may cost it the last bodies, never its sense
        db.execute("CREATE TABLE IF NOT EXISTS html (digest TEXT PRIMARY KEY, body TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS cards (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
        return db

    def put_html(self, items: Iterable[tuple[str, str]]) -> None:
        db = self._connection()
        with db:
            db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", items)

    def html(self, digest: str) -> str:
        row = self._connection().execute("SELECT body FROM html WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            raise KeyError(digest)
        return row[0]

    # --- rendered article cards (render.set_cards) ----------------------------------------------------

    def card(self, key: str) -> str | None:
        row = self._connection().execute("SELECT html FROM cards WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put_cards(self, items: Iterable[tuple[str, str]]) -> None:
        db = self._connection()
        with db:
            db.executemany("INSERT OR REPLACE INTO cards VALUES (?, ?)", items)

    def forget_cards(self) -> None:
        """Every card, when the templates or settings change: none of them will be asked for again."""
        db = self._connection()
        with db:
            db.execute("DELETE FROM cards")

    def close(self) -> None:
        if self._db is not None:
            if self._pid == os.getpid():
                self._db.close()
            else:  # the parent's, in a forked worker: never used nor closed there (closing it in a child may
                # checkpoint or remove the write-ahead log under the parent; SQLite: no connection across fork)
                _INHERITED.append(self._db)
        self._db = None


def read_state(folder: Path, key: str) -> State:
    """The last build's record, or an empty one when it is missing, corrupt, foreign or outdated."""
    try:
        record = _unframed((folder / STATE_FILE).read_bytes())
        if record is None or record[1] != key:
            return State(key)
        return _state(record)
    except Exception:  # noqa: BLE001 - any damage at all means: start afresh, never trust it
        return State(key)


def read_sources(folder: Path, key: str) -> dict[str, SourceEntry]:
    """What the last build published, by content file, as a clean build, the converter and the preview ask
    it: each article with the fields of ``_PUBLISHED`` only, and none of the record's output files and memos
    (a clean build of an already built 100k-article site peaked at 1.4 GiB with all of them). No entry
    matches a file (mtime -1): none is ever taken for the file's parse. {} where ``read_state`` is empty."""
    try:
        record = _unframed((folder / STATE_FILE).read_bytes(), sources_only=True)
        if record is None or record[1] != key:
            return {}
        moments: dict[str, datetime] = {}
        return {rel: SourceEntry(-1, -1, "", None if article is None else _published(article, moments), [])
                for rel, (_mtime, _size, _digest, article, _errors) in record[3].items()}
    except Exception:  # noqa: BLE001 - as read_state
        return {}


# --- the record as plain tuples -----------------------------------------------------------------------


def _frames(record: tuple) -> Iterator[bytes]:
    """The record in length-prefixed marshal frames, the sources and outputs (items, maybe lazy) a few
    thousand a frame: one blob of the whole record was the build's peak of memory at 100k articles (the
    blob, and every article's record made at once for it)."""
    fmt, key, signature, sources, outputs, *memos = record  # each memo a tuple of lists: a frame per list
    for part in chain([(fmt, key, signature)], _chunked(sources), [None], _chunked(outputs), [None],
                      *([len(memo), *memo] for memo in memos), [_END]):
        data = marshal.dumps(part, 4)
        yield len(data).to_bytes(8, "little") + data


def _chunked(items: Iterable[tuple[str, Any]]) -> Iterator[dict[str, Any]]:
    iterator = iter(items)
    while chunk := dict(islice(iterator, _FRAME)):
        yield chunk


def _unframed(data: bytes, sources_only: bool = False) -> tuple | None:
    """The record ``_frames`` wrote (not marshal.load(file): 4x slower), or None for another format.
    ``sources_only``: the frames after the sources are not read (the outputs and memos are then empty)."""
    end = marshal.dumps(_END, 4)
    if not data.endswith(len(end).to_bytes(8, "little") + end):  # cut short (a damaged disk): never half a record
        return None
    view, at, parts = memoryview(data), 0, []
    while at < len(data) - 8 - len(end):
        size = int.from_bytes(view[at:at + 8], "little")
        parts.append(marshal.loads(view[at + 8:at + 8 + size]))
        at += 8 + size
        if len(parts) == 1 and (not isinstance(parts[0], tuple) or parts[0][0] != FORMAT):
            return None
        if sources_only and parts[-1] is None:
            return (*parts[0], {k: v for chunk in parts[1:-1] for k, v in chunk.items()}, {})
    if at != len(data) - 8 - len(end):
        return None
    frames = iter(parts[1:])
    sources = {k: v for chunk in iter(frames.__next__, None) for k, v in chunk.items()}
    outputs = {k: v for chunk in iter(frames.__next__, None) for k, v in chunk.items()}
    memos = [tuple(islice(frames, count)) for count in frames]
    return (*parts[0], sources, outputs, *memos)


def _record(state: State) -> tuple:
    memo = state.related
    return (FORMAT, state.key, state.global_signature,
            ((rel, (e.mtime_ns, e.size, e.digest, e.record or (e.article and _article_record(e.article)),
                    pickle.dumps(e.errors) if e.errors else None)) for rel, e in state.sources.items()),
            ((path, tuple(e)) for path, e in state.outputs.items()),
            (memo.urls, memo.keys, memo.words, memo.found),
            (state.plan.structure, state.plan.articles, state.plan.listings, state.plan.pages, state.plan.layout,
             state.plan.placements, state.plan.subjects, state.plan.common),
            (list(state.search), list(state.search.values())))


def _state(record: tuple) -> State:
    _fmt, key, signature, sources, outputs, (related_urls, keys, words, found), plan, (made_of, folders) = record
    moments: dict[str, datetime] = {}
    return State(
        key=key,
        sources={rel: SourceEntry(mtime, size, digest, None if article is None else _article(article, moments),
                                  pickle.loads(errors) if errors else [], article)  # noqa: S301 - our own file
                 for rel, (mtime, size, digest, article, errors) in sources.items()},
        outputs={path: OutputEntry(*entry) for path, entry in outputs.items()},
        global_signature=signature,
        related=RelatedMemo(related_urls, keys, words, found),
        plan=PlanMemo(*plan),
        search=dict(zip(made_of, folders, strict=True)),
    )


def _article_record(a: Article) -> str | bytes:
    """An article as one string (marshal reads and writes one string per article many times faster than
    its twenty-odd small objects), or pickled when a field holds a separator, a time zone without a name
    or a value the string cannot code (extra keys; anything but its default in a field of another type)."""
    parts = _encode(a)
    if None in parts or _SEPARATOR.search(_free_text(a)) is not None:
        return pickle.dumps(article_values(a))
    return _FIELD.join(cast(list[str], parts))  # no None among them


def _article(r: str | bytes, moments: dict[str, datetime]) -> Article:
    """The article of a record; ``moments`` shares one datetime per distinct date (many articles share one)."""
    if isinstance(r, bytes):
        return article_from_values(pickle.loads(r))  # noqa: S301 - our own file
    return _decode(r.split(_FIELD), moments)


def _published(r: str | bytes, moments: dict[str, datetime]) -> Article:
    """``_article``, with the fields of ``_PUBLISHED`` only; the others as ``_decode_published`` leaves them."""
    if isinstance(r, str):
        return _decode_published(r.split(_FIELD), moments)
    values = list(pickle.loads(r))  # noqa: S301 - our own file (pickled for its rare values)
    for i, f in enumerate(ARTICLE_FIELDS):
        if f.name not in _PUBLISHED:
            values[i] = "" if f.default is MISSING and f.default_factory is MISSING else copy.copy(_DEFAULTS[i])
    return article_from_values(tuple(values))


# How each declared field type goes into its part of the string and back, as expressions over the article
# ``a`` (encoding) and the list of parts ``p`` (decoding). Any other type is coded only at its default.
_CODES = {
    str: ("a.{f}", "p[{i}]"),
    str | None: ("_NONE if a.{f} is None else a.{f}", "None if p[{i}] == _NONE else p[{i}]"),
    bool: ("'1' if a.{f} else ''", "p[{i}] == '1'"),
    datetime: ("_moment_text(a.{f})", "_moment_of(p[{i}], moments)"),
    datetime | None: ("_moment_text(a.{f})", "_moment_of(p[{i}], moments)"),
    Path: ("str(a.{f})", "_path_of(p[{i}])"),
    tuple[Author, ...]: ("_pairs(a.{f})", "_authors(p[{i}])"),
    tuple[Tag, ...]: ("_pairs(a.{f})", "_tags(p[{i}])"),
}
_OTHER = ("'' if a.{f} == _DEFAULTS[{i}] else None", "copy.copy(_DEFAULTS[{i}])")
_DEFAULTS = tuple(f.default_factory() if f.default_factory is not MISSING else f.default for f in ARTICLE_FIELDS)


# What ``read_sources`` decodes of each article: what the last build published where (its address, file
# and source, to see moves and deliberate deletions), and whether it listed it; the rest stays at defaults.
_PUBLISHED = ("url", "path", "date", "source", "draft", "kind", "lang", "translation_key")


def _compile_codec() -> tuple[Callable[[Article], list[str | None]], Callable[[list[str], dict], Article],
                              Callable[[Article], str], Callable[[list[str], dict], Article]]:
    """The encoder and decoder of the string record, written out from the dataclass's fields (as dataclasses
    writes ``__init__``): a new Article field is coded with no edit here, and a rebuild decodes 10k records
    without a function call per field. The third function gives the text as written (titles, paths...),
    which must hold no separator; pairs check their own, and dates and flags hold none. The fourth decodes
    only the fields of ``_PUBLISHED``."""
    types = [field_type(f.name) for f in ARTICLE_FIELDS]
    codes = [_CODES.get(kind, _OTHER) for kind in types]
    names = [f.name for f in ARTICLE_FIELDS]
    encode = ", ".join(code[0].format(f=name, i=i) for i, (name, code) in enumerate(zip(names, codes, strict=True)))
    decode = ", ".join(code[1].format(i=i) for i, code in enumerate(codes))
    slim: list[str] = []
    for i, (name, code, kind) in enumerate(zip(names, codes, types, strict=True)):
        required = ARTICLE_FIELDS[i].default is MISSING and ARTICLE_FIELDS[i].default_factory is MISSING
        assert name in _PUBLISHED or not required or kind is str, f"{name}: give it a default or publish it"
        slim.append(code[1].format(i=i) if name in _PUBLISHED else "''" if required else
                    f"copy.copy(_DEFAULTS[{i}])" if isinstance(_DEFAULTS[i], dict | list | set) else f"_DEFAULTS[{i}]")
    written = [(name, kind) for name, kind in zip(names, types, strict=True) if kind in (str, str | None, Path)]
    free = " + ".join(f"a.{name}" if kind is str else f"(a.{name} or '')" if kind == str | None else
                      f"str(a.{name})" for name, kind in written)
    source = (f"def encode(a):\n    return [{encode}]\n"
              f"def decode(p, moments):\n    return article_of({decode}) if len(p) == {len(codes)} else _bad(p)\n"
              f"def free_text(a):\n    return {free}\n"
              f"def slim(p, moments):\n    return article_of({', '.join(slim)}) if len(p) == {len(codes)} "
              "else _bad(p)\n")
    namespace: dict[str, Any] = {}
    exec(source, globals(), namespace)  # noqa: S102 - our own source, from the field list above
    return namespace["encode"], namespace["decode"], namespace["free_text"], namespace["slim"]


def _bad(parts: list[str]) -> Article:
    raise ValueError(f"a record of {len(parts)} fields")  # read_state takes any error for a damaged cache


_FIELD, _PAIR, _NEXT, _NONE = "\x1f", "\x1e", "\x1d", "\x00"
_SEPARATOR = re.compile("[\x1f\x1e\x1d\x00]")


def _pairs(items: tuple[Author, ...] | tuple[Tag, ...]) -> str | None:
    """Names and slugs as one part; None when one holds a separator."""
    pairs = [f"{x.name}{_PAIR}{x.slug}" for x in items]
    return None if any(_SEPARATOR.search(f"{x.name}{x.slug}") for x in items) else _NEXT.join(pairs)


@functools.cache
def _authors(text: str) -> tuple[Author, ...]:
    return tuple(map(_author, text.split(_NEXT))) if text else ()  # one author list is shared by many


def _tags(text: str) -> tuple[Tag, ...]:
    return tuple(map(_tag, text.split(_NEXT))) if text else ()


@functools.cache
def _author(pair: str) -> Author:
    return shared_author(*pair.split(_PAIR))


@functools.cache
def _tag(pair: str) -> Tag:
    return shared_tag(*pair.split(_PAIR))


def _path_of(text: str) -> Path:
    """``Path(text)`` for the text of a Path (``str(path)``: already normal), a third of the time: the
    articles of a site share a few folders, and a child of a known folder needs no parsing (10k paths
    were 80 ms of each rebuild's start)."""
    folder, slash, name = text.rpartition("/")
    if not folder or name in ("", ".", "..") or _CHILD is None:
        return Path(text)
    return _CHILD(_folder(folder), name)


_CHILD = getattr(Path, "_make_child_relpath", None)  # CPython's own, for iterdir; absent: Path(text)
_folder = functools.lru_cache(maxsize=512)(Path)


def _moment_text(moment: datetime | None) -> str | None:
    """'' for no time, None when the string cannot hold it (a zone without a name)."""
    coded = _moment(moment)
    if coded is None:
        return ""
    return None if isinstance(coded, bytes) else f"{coded[0]}{_PAIR}{coded[1]}{_PAIR}{coded[2]}"


def _moment_of(text: str, moments: dict[str, datetime]) -> datetime | None:
    if not text:
        return None
    found = moments.get(text)
    if found is None:
        when, zone, fold = text.split(_PAIR)
        found = moments[text] = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone), fold=int(fold))
    return found


def _moment(moment: datetime | None) -> Any:
    """A datetime as text and zone name (marshal has no datetime); any other time zone pickled."""
    if moment is None:
        return None
    if isinstance(moment.tzinfo, ZoneInfo) and moment.tzinfo.key:
        return (moment.replace(tzinfo=None).isoformat(), moment.tzinfo.key, moment.fold)
    return pickle.dumps(moment)


def _from_moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return pickle.loads(value)  # noqa: S301 - our own file
    text, zone, fold = value
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold)


_encode, _decode, _free_text, _decode_published = _compile_codec()
