"""The persistent build cache (``.sitegen-cache/``): what the last build read and wrote, so the next one
redoes only what changed. Safe to delete; a corrupt, foreign or outdated cache is ignored and rebuilt.

Two files:
- ``state.marshal``: per content file its stat, content hash and parsed Article (or errors); per output
  file the signature of everything it shows, and its size and mtime as written; the last related-articles
  pass and page plan. In ``marshal``, each article as one string: reading and writing the record of 10k
  articles is a large share of a one-file rebuild, and marshal does that several times faster than
  pickling the objects or storing their fields one by one.
- ``html.sqlite``: rendered article bodies keyed by content hash, so Markdown runs once per text and
  the whole site's HTML never has to sit in memory.
"""

from __future__ import annotations

import functools
import marshal
import os
import pickle
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from .errors import ContentError, SitegenError
from .model import Article, Author, PlanMemo, RelatedMemo, Site, Tag, article_of, shared_author, shared_tag

FORMAT = 9  # bump when the records change shape
STATE_FILE = "state.marshal"
_INHERITED: list[Any] = []  # connections a forked worker inherited: kept, never closed (see Cache.close)


class SourceEntry(NamedTuple):
    mtime_ns: int
    size: int
    digest: str
    article: Article | None
    errors: list[ContentError]
    record: str | tuple | None = None  # the article as read from the cache file: written back as it is


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
        # Kept in memory only (the preview's): the input files' stats as the last good build with it saw them,
        # and the site it grouped, which the next build patches when the articles keep their places.
        self.inputs: dict[str, tuple[int, int]] | None = None
        self.site: Site | None = None

    def save(self) -> None:
        """Write the state atomically: a build killed while saving leaves the previous cache intact."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".state.")
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(_record(self.state), handle, 4)
            os.replace(temp, self.folder / STATE_FILE)
            (self.folder / "state.pickle").unlink(missing_ok=True)  # the older pickled record: no longer read
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

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

    def close(self) -> None:
        if self._db is not None:
            if self._pid == os.getpid():
                self._db.close()
            else:  # the parent's, in a forked worker: never used nor closed there (closing it in a child may
                # checkpoint or remove the write-ahead log under the parent; SQLite: no connection across fork)
                _INHERITED.append(self._db)
        self._db = None


def read_state(folder: Path, key: str) -> State:
    """The last build's record, or an empty one when it is missing, corrupt, foreign or outdated.
    Only reads: a command that does not build (``sitegen convert``, the preview) may look."""
    try:
        record = marshal.loads((folder / STATE_FILE).read_bytes())  # not marshal.load(file): 4x slower
        if record[0] != FORMAT or record[1] != key:
            return State(key)
        return _state(record)
    except Exception:  # noqa: BLE001 - any damage at all means: start afresh, never trust it
        return State(key)


# --- the record as plain tuples -----------------------------------------------------------------------


def _record(state: State) -> tuple:
    memo = state.related
    return (FORMAT, state.key, state.global_signature,
            {rel: (e.mtime_ns, e.size, e.digest, e.record or (e.article and _article_record(e.article)),
                   pickle.dumps(e.errors) if e.errors else None) for rel, e in state.sources.items()},
            {path: tuple(e) for path, e in state.outputs.items()},
            (memo.urls, memo.keys, memo.words, memo.found),
            (state.plan.structure, state.plan.articles, state.plan.listings, state.plan.pages, state.plan.layout,
             state.plan.placements))


def _state(record: tuple) -> State:
    _fmt, key, signature, sources, outputs, (related_urls, keys, words, found), plan = record
    moments: dict[tuple, datetime] = {}
    return State(
        key=key,
        sources={rel: SourceEntry(mtime, size, digest, None if article is None else _article(article, moments),
                                  pickle.loads(errors) if errors else [], article)  # noqa: S301 - our own file
                 for rel, (mtime, size, digest, article, errors) in sources.items()},
        outputs={path: OutputEntry(*entry) for path, entry in outputs.items()},
        global_signature=signature,
        related=RelatedMemo(related_urls, keys, words, found),
        plan=PlanMemo(*plan),
    )


def _article_record(a: Article) -> str | tuple:
    """An article as one string (marshal reads and writes one string per article many times faster than
    its twenty-odd small objects), or as a tuple when a field holds a separator or needs pickling."""
    date, updated = _moment(a.date), _moment(a.updated)
    if not a.extra and isinstance(date, tuple) and not isinstance(updated, bytes):
        texts = [a.title, a.slug, a.url, str(a.path), a.summary, a.description, a.source or "", a.image or "",
                 *[part for x in (*a.authors, *a.tags) for part in (x.name, x.slug)]]
        if _SEPARATOR.search("".join(texts)) is None:
            return _FIELD.join((
                a.title, *date[:2], str(date[2]), a.slug, a.url, str(a.path), a.fingerprint,
                _NEXT.join([f"{x.name}{_PAIR}{x.slug}" for x in a.authors]),
                _NEXT.join([f"{x.name}{_PAIR}{x.slug}" for x in a.tags]),
                a.summary, _NONE if a.description == a.summary else a.description, _text(a.source),
                "1" if a.draft else "", *((updated[0], updated[1], str(updated[2])) if updated else ("", "", "")),
                _text(a.image)))
    return (a.title, date, a.slug, a.url, str(a.path), a.fingerprint,
            tuple((x.name, x.slug) for x in a.authors), tuple((x.name, x.slug) for x in a.tags),
            a.summary, a.description, a.source, a.draft, updated, a.image,
            pickle.dumps(a.extra) if a.extra else None)


_FIELD, _PAIR, _NEXT, _NONE = "\x1f", "\x1e", "\x1d", "\x00"
_SEPARATOR = re.compile("[\x1f\x1e\x1d\x00]")


@functools.cache
def _tag(pair: str) -> Tag:
    return shared_tag(*pair.split(_PAIR))


@functools.cache
def _author(pair: str) -> Author:
    return shared_author(*pair.split(_PAIR))


def _text(value: str | None) -> str:
    return _NONE if value is None else value


def _article(r: str | tuple, moments: dict[tuple, datetime]) -> Article:
    """The article of a record; ``moments`` shares one datetime per distinct date (many articles share one)."""
    if isinstance(r, tuple):
        return article_of(r[0], _from_moment(r[1]), r[2], r[3], Path(r[4]), r[5],
                          tuple(shared_author(*x) for x in r[6]), tuple(shared_tag(*x) for x in r[7]),
                          r[8], r[9], r[10], r[11], _from_moment(r[12]), r[13],
                          pickle.loads(r[14]) if r[14] else {})  # noqa: S301 - our own file
    (title, date, zone, fold, slug, url, path, fingerprint, authors, tags, summary, description, source,
     draft, updated, updated_zone, updated_fold, image) = r.split(_FIELD)
    key = (date, zone, fold)
    moment = moments.get(key)
    if moment is None:
        moment = moments[key] = _from_moment((date, zone, int(fold)))
    return article_of(title, moment, slug, url, Path(path), fingerprint,
                      tuple(map(_author, authors.split(_NEXT))) if authors else (),
                      tuple(map(_tag, tags.split(_NEXT))) if tags else (),
                      summary, summary if description == _NONE else description,
                      None if source == _NONE else source, draft == "1",
                      _from_moment((updated, updated_zone, int(updated_fold))) if updated else None,
                      None if image == _NONE else image, {})


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
