"""The persistent build cache (``.sitegen-cache/``): what the last build read and wrote, so the next one
redoes only what changed. Safe to delete; a corrupt, foreign or outdated cache is ignored and rebuilt.

Two files:
- ``state.pickle``: per content file its stat, content hash and parsed Article (or errors); per output
  file the signature of everything it shows, and its size and mtime as written.
- ``html.sqlite``: rendered article bodies keyed by content hash, so Markdown runs once per text and
  the whole site's HTML never has to sit in memory.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import ContentError
from .model import Article, RelatedMemo

FORMAT = 5  # bump when the pickled records change shape


class SourceEntry(NamedTuple):
    mtime_ns: int
    size: int
    digest: str
    article: Article | None
    errors: list[ContentError]


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


class Cache:
    def __init__(self, folder: Path, key: str, *, clean: bool = False) -> None:
        self.folder = folder
        self.key = key
        self._html_path = folder / "html.sqlite"
        # Parsed articles are only as good as their stored bodies: without those, start afresh.
        self.state = State(key) if clean or not self._html_path.is_file() else self._load_state()
        if not self.state.sources:
            self._html_path.unlink(missing_ok=True)
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()

    def _load_state(self) -> State:
        return read_state(self.folder, self.key)

    def save(self) -> None:
        """Write the state atomically: a build killed while saving leaves the previous cache intact."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".state.")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((FORMAT, self.state), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / "state.pickle")
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # --- rendered article bodies ----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():  # a forked worker opens its own connection
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError:
                self._html_path.unlink(missing_ok=True)  # corrupt: start again
                self._db = self._open()
            self._pid = os.getpid()
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._html_path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
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
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


def read_state(folder: Path, key: str) -> State:
    """The last build's record, or an empty one when it is missing, corrupt, foreign or outdated.
    Only reads: a command that does not build (``sitegen convert``, the preview) may look."""
    try:
        with open(folder / "state.pickle", "rb") as handle:
            fmt, state = pickle.load(handle)  # noqa: S301 - our own file in the site's folder
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError,
            ImportError, IndexError):
        return State(key)
    if fmt != FORMAT or not isinstance(state, State) or state.key != key:
        return State(key)
    return state
