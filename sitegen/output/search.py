"""Full-text search on static hosting: a Pagefind index of the published articles, in shards by period.

The build hands Pagefind one record per article (headline, date, excerpt source, URL, body text, the filters
of ``filters()`` and a date sort) through Pagefind's service protocol, the one the ``pagefind`` Python
package's ``PagefindIndex.add_custom_record`` speaks, instead of having it re-read every written page. The
records are split into shards by period (``shard_names``): the newest year by month, earlier years whole
(a year with more articles than ``shard_limit`` allows by quarter, then month). Each shard is its own Pagefind
bundle in ``pagefind/<period>.<signature>/``, named by a hash of everything its records are made of, so a
build rebuilds only the shards whose articles changed (an edit, an addition, a deletion), and a shard whose
folder is there is known to be current. A new shard is written under a temporary name, renamed into place
whole, then ``pagefind/shards.json`` (the list the search page merges with Pagefind's ``mergeIndex``) is
replaced by a rename, and only then are the folders it no longer names removed: a reader sees the old index
or the new one, never half of one. docs/search.md says why the split is what it is.

Pagefind writes the values of a filter and the list of filters in hash-map order, which changes from run
to run; ``_canonical`` puts them in order and renames the files after their new bytes, so the same articles
always give the same bundle, whether a build starts clean or rebuilds one shard.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import hashlib
import html
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sitegen.core.config import Config
    from sitegen.core.model import Article

BUNDLE = "pagefind"  # the bundle's folder in the output, and its URL /pagefind/
SHARDS = "shards.json"  # the list of shards, newest first, that the search page merges
ENTRY = "pagefind-entry.json"  # written last by Pagefind: a shard folder without it is incomplete
# A past year with more articles than the limit is split by quarter, a quarter with more by month. The limit
# keeps a shard small (an edit rebuilds one shard: about 0.7 s at 250 articles, 2.3 s at 1,000) and the shards
# few (the search page opens every one): a fortieth of the archive, from SHARD_MIN up to SHARD_MAX, where
# Pagefind's memory stays near 1 GiB. docs/search.md has the figures.
SHARD_MIN, SHARD_MAX, SHARD_SHARE = 300, 2500, 40
FORMAT = "sitegen-search-2"  # part of every shard's signature: change it when records change shape
TIMEOUT = 900  # seconds a shard may take
# What a search page needs of a shard: the rest of Pagefind's output is its own UIs (about 400 kB a shard).
_KEPT = ("pagefind.js", "pagefind-worker.js", ENTRY)
_BLOCK = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|div|br|hr|table|tr|td|th|figure|figcaption)"
                    r"\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")


def filters(article: Article, config: Config | None = None) -> dict[str, list[str]]:
    """The filters a reader can narrow a search by, for one article. The one place to add another.
    ``config``: the settings, whose ``sections`` name the article's section (its desk)."""
    found = {
        "tag": [tag.name for tag in article.tags],
        "author": [author.name for author in article.authors],
        "year": [str(article.dated.year)],
    }
    section = config.section_named(article.section) if config is not None and article.section else None
    if section is not None:
        found["section"] = [section.name]
    return found


def text_of(body_html: str) -> str:
    """The words of an article's rendered body, block elements kept apart by a space. (``split()`` splits
    where ``re``'s ``\\s+`` matches, all of Unicode's white space, at a third of the time: at 10k articles the
    ``re`` pass was most of the main process's share of indexing.)"""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK.sub(" ", body_html))).split())


def record(article: Article, body_html: str, language: str, config: Config | None = None) -> dict[str, Any]:
    """Pagefind's custom record for one article (the fields of its ``AddRecord`` request)."""
    from sitegen.core import i18n

    dateline = i18n.of(config.language, config.root).date(article.dated) if config is not None else \
        i18n.Language("en").date(article.dated)
    return {
        "url": article.url,  # site-relative: the search page gives Pagefind the base path
        "content": f"{article.title}\n{text_of(body_html)}",
        "language": language,
        "meta": {"title": article.title, "date": article.dated.isoformat(), "dateline": dateline},
        "filters": filters(article, config),
        "sort": {"date": _sort_key(article)},
    }


def _sort_key(article: Article) -> str:
    moment = article.dated.astimezone(UTC).isoformat(timespec="seconds")[:19]  # strftime: twice as slow
    return f"{moment}Z{article.url}"  # UTC sorts as text; the URL orders one moment's articles


def _sort_order(article: Article) -> tuple[int, str]:
    """``_sort_key``'s order (the whole second, then the URL: its text is a fixed width from year 1 to 9999),
    a quarter of the time: a shard's records go to Pagefind in this order. The whole second is the float
    timestamp less its microseconds, rounded: its floor was a second late for 23:59:59.999999 in the year
    2515 (a float holds such a timestamp to a few microseconds). UTC offsets are whole seconds (tzdata's
    and ISO dates' are), so the local microseconds are UTC's."""
    moment = article.dated
    return round(moment.timestamp() - moment.microsecond / 1_000_000), article.url


def pagefind_language(config: Config) -> str:
    """Pagefind wants an ISO 639-1 code: ``en`` of ``en-GB``."""
    return config.language.split("-")[0].lower() or "en"


# --- the split --------------------------------------------------------------------------------------------


def shard_limit(count: int) -> int:
    """The most articles a past year or quarter keeps in one shard, on a site of ``count`` articles."""
    return min(SHARD_MAX, max(SHARD_MIN, count // SHARD_SHARE))


def shard_names(articles: Sequence[Article]) -> list[str]:
    """Each article's shard: ``2023-09`` in the newest year, ``2019`` before it (``2019-q2``, ``2019-05`` for
    a year or quarter over ``shard_limit`` articles). Depends on the articles alone, never on the clock."""
    if not articles:
        return []
    limit = shard_limit(len(articles))
    months = [(d.year, d.month) for d in (a.dated for a in articles)]  # ``dated`` is a property: once each
    newest = max(year for year, _month in months)
    per_year: dict[int, int] = {}
    per_quarter: dict[tuple[int, int], int] = {}
    for year, month in months:
        per_year[year] = per_year.get(year, 0) + 1
        key = (year, (month - 1) // 3 + 1)
        per_quarter[key] = per_quarter.get(key, 0) + 1
    names = []
    for year, month in months:
        quarter = (month - 1) // 3 + 1
        if year == newest or per_quarter[(year, quarter)] > limit:
            names.append(f"{year}-{month:02d}")
        elif per_year[year] > limit:
            names.append(f"{year}-q{quarter}")
        else:
            names.append(f"{year}")
    return names


@dataclass
class Shard:
    name: str  # the period: 2023-09, 2019-q2, 2019
    folder: str  # its folder in pagefind/: the period and its signature
    articles: list[Article]


def plan(articles: Sequence[Article], config: Config, memo: dict[str, str] | None = None) -> list[Shard]:
    """The shards of these articles, newest first, each named by a signature of what its records hold.

    ``memo`` (the build cache's, replaced in place by this plan's): each shard's folder by what its records
    are made from, its articles' content files and addresses. A shard whose articles are those of the last
    plan keeps its folder without its records' parts being worked out again: after an edit, every article
    but the edited one's (~5 us each, 50 ms at 10k articles, before the first page is planned)."""
    groups: dict[str, list[Article]] = {}
    for article, name in zip(articles, shard_names(articles), strict=True):
        groups.setdefault(name, []).append(article)
    common = _common_signature(config)
    # What a record takes from the settings and not from its article's file: the cache is dropped when the
    # rest changes (build.cache_key: the time zone, the Markdown set-up).
    settings = f"{common}|{[(s.slug, s.name) for s in config.sections]!r}"
    shards, seen = [], {}
    for name in sorted(groups, key=_period_order, reverse=True):
        members = sorted(groups[name], key=_sort_order)
        if memo is None:
            folder = _folder(name, members, common, config)
        else:
            made_of = "".join([f"{a.fingerprint}\x1f{a.url}\x1f{a.path}\x1e" for a in members])
            key = hashlib.sha256(f"{settings}\x1d{name}\x1d{made_of}".encode("utf-8", "surrogatepass")).hexdigest()
            folder = seen[key] = memo.get(key) or _folder(name, members, common, config)
        shards.append(Shard(name, folder, members))
    if memo is not None:
        memo.clear()
        memo.update(seen)
    return shards


def _folder(name: str, members: Sequence[Article], common: str, config: Config) -> str:
    """A shard's folder: its period and a signature of every part of its records (the body through the
    content file's hash)."""
    digest = hashlib.sha256(common.encode())
    for a in members:
        digest.update(f"{a.fingerprint}\x1f{a.url}\x1f{a.title}\x1f{a.dated.isoformat()}\x1f"
                      f"{filters(a, config)!r}\x1e".encode("utf-8", "surrogatepass"))
    return f"{name}.{digest.hexdigest()[:12]}"


def _period_order(name: str) -> tuple[int, int]:
    year, _, part = name.partition("-")
    return int(year), int(part.lstrip("q") or 0) * (3 if part.startswith("q") else 1)


def _common_signature(config: Config) -> str:
    from sitegen.content import markup

    # The whole language code, not Pagefind's part of it: a record's dateline is written in it (en-US, pt-BR).
    return f"{FORMAT}|{_pagefind_version()}|{config.language}|{markup.CONFIG_KEY}|{config.unsafe_html}"


# --- the build step ---------------------------------------------------------------------------------------


def update_index(output_dir: Path, articles: Sequence[Article], config: Config, body: Callable[[str], str], *,
                 enabled: bool, jobs: int = 1, background: bool = False,
                 memo: dict[str, str] | None = None) -> str | None:
    """Bring ``output_dir/pagefind/`` up to date with the published articles; returns a warning if it could not.

    ``body(fingerprint)`` gives an article's rendered body (read only for the shards to rebuild). Shards
    whose folder is there already are kept; nothing runs when all are. ``background``: Pagefind runs on
    a thread of its own after this returns (the preview: the page shows at once, its search a moment
    later); a later call's work replaces work not yet started. With search off, a bundle is removed.
    ``memo``: ``plan``'s, kept by the caller from one build to the next.
    """
    bundle = output_dir / BUNDLE
    if not enabled:
        _BACKGROUND.cancel()
        shutil.rmtree(bundle, ignore_errors=True)
        return None
    work = _work(bundle, articles, config, memo)
    if isinstance(work, str) or work is None:
        return work

    def records(shard: Shard) -> list[dict[str, Any]]:
        return _records(shard, body, work.language, config)

    # A shard's records are made when it is its turn (a few shards' worth in memory, never the site's), on
    # this thread, which owns the cache; in the background, the bodies are read now, before the cache closes.
    items = [(s.folder, records(s)) for s in work.todo] if background else ((s.folder, records(s)) for s in work.todo)

    def run() -> str | None:
        return _write_shards(work, items, jobs) or _commit(work)

    if background:
        _BACKGROUND.submit(run)
        return None
    return run()


class EarlyIndex:
    """The shards an edit changed, written by Pagefind while the build goes on (rendering, writing pages)
    and put in place by ``finish`` once the pages are written; ``cancel`` (a failed build) leaves the
    bundle as it was. Only for a few shards: their records are made at the start, on the build's thread
    (the cache's), each sent to Pagefind as soon as it is made, so that Pagefind indexes the first ones
    while the last are made; a thread then waits for Pagefind to write them."""

    def __init__(self, work: _Work, records: list[tuple[str, Iterable[dict[str, Any]]]], jobs: int) -> None:
        self._work = work
        self._problem: str | None = None
        self._sweeper: threading.Thread | None = None
        threads = max(1, jobs // max(1, len(records)))
        started: list[_Started] = []
        try:
            _prepare(work.bundle)
            for folder, made in records:
                started.append(_start_shard(work.binary, work.bundle, folder, made, work.language, threads))
        except (OSError, SearchError, subprocess.SubprocessError) as exc:
            self._problem = _failed(work, exc)
        except BaseException:
            for shard in started:
                shard.service.__exit__()
            _remove_temporary(work.bundle)
            raise
        self._thread = threading.Thread(target=self._run, args=(started,), name="sitegen-index", daemon=True)
        self._thread.start()

    def _run(self, started: list[_Started]) -> None:
        try:
            for shard in started if self._problem is None else ():
                _finish_shard(shard)
        except (OSError, SearchError, subprocess.SubprocessError) as exc:
            self._problem = _failed(self._work, exc)
        except Exception as exc:  # noqa: BLE001 - the build reports it as the index's warning, and goes on
            self._problem = f"search: the index could not be updated ({exc!r})"
        finally:
            for shard in started:  # every process ended, also after a failure (ending one twice is harmless)
                shard.service.__exit__()

    def finish(self) -> str | None:
        """The shards put in place; the ones they replace are removed on a thread until ``close``."""
        self._thread.join()
        if self._problem:
            return self._problem
        stale: list[Path] = []
        problem = _commit(self._work, stale)
        self._sweeper = threading.Thread(target=_remove, args=(stale,), name="sitegen-index-sweep", daemon=True)
        self._sweeper.start()
        return problem

    def close(self) -> None:
        """Wait for the replaced shards' removal (~300 files each: the build records itself meanwhile)."""
        if self._sweeper is not None:
            self._sweeper.join()

    def cancel(self) -> None:
        _kill_running()
        self._thread.join()
        _remove_temporary(self._work.bundle)


def start_early(output_dir: Path, articles: Sequence[Article], config: Config, body: Callable[[str], str], *,
                jobs: int = 1, most: int = 2 * SHARD_MAX, memo: dict[str, str] | None = None) -> EarlyIndex | None:
    """The index update of ``update_index``, started now if it is small (at most ``most`` articles to
    index) and Pagefind is there; None when there is nothing to start early (then ``update_index`` later)."""
    if unavailable():
        return None
    work = _work(output_dir / BUNDLE, articles, config, memo)
    if not isinstance(work, _Work) or sum(len(s.articles) for s in work.todo) > most:
        return None
    return EarlyIndex(work, [(s.folder, _made(s, body, work.language, config)) for s in work.todo], jobs)


def _records(shard: Shard, body: Callable[[str], str], language: str, config: Config) -> list[dict[str, Any]]:
    return list(_made(shard, body, language, config))


def _made(shard: Shard, body: Callable[[str], str], language: str, config: Config) -> Iterator[dict[str, Any]]:
    return (record(a, body(a.fingerprint), language, config) for a in shard.articles)


@dataclass(frozen=True)
class _Work:
    """An index update: the shards the bundle lacks, and what the bundle holds once they are written."""

    bundle: Path
    todo: list[Shard]  # the biggest first, so the last one to finish is a small one
    listing: bytes  # shards.json
    keep: set[str]  # every shard's folder
    binary: Path
    language: str


def _work(bundle: Path, articles: Sequence[Article], config: Config,
          memo: dict[str, str] | None = None) -> _Work | str | None:
    """What to do to bring the bundle up to date: None if nothing, a warning if Pagefind is not there."""
    shards = plan(articles, config, memo)
    todo = sorted((s for s in shards if not (bundle / s.folder / ENTRY).is_file()), key=lambda s: -len(s.articles))
    listing = _listing(shards)
    if not todo and _read(bundle / SHARDS) == listing and _only(bundle, shards):
        return None
    binary = executable()
    if binary is None:
        return unavailable()
    return _Work(bundle, todo, listing, {s.folder for s in shards}, binary, pagefind_language(config))


def _write_shards(work: _Work, todo: Iterable[tuple[str, list[dict[str, Any]]]], jobs: int) -> str | None:
    """Each shard written into its temporary folder (``_write_shard``); a warning if Pagefind failed."""
    count = len(work.todo)
    side_by_side = max(1, min(jobs, count))
    threads = max(1, jobs // side_by_side)  # one shard to write (an edit): Pagefind may use every core
    try:
        _prepare(work.bundle)
        with ThreadPoolExecutor(max_workers=side_by_side) as pool:
            running: set[Future[None]] = set()
            for folder, records in todo:
                if len(running) >= side_by_side:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
                running.add(pool.submit(_write_shard, work.binary, work.bundle, folder, records, work.language,
                                        threads))
                del records
            for future in running:
                future.result()
    except (OSError, SearchError, subprocess.SubprocessError) as exc:
        return _failed(work, exc)
    return None


def _prepare(bundle: Path) -> None:
    bundle.mkdir(parents=True, exist_ok=True)
    _remove_temporary(bundle)


def _failed(work: _Work, exc: BaseException) -> str:
    _remove_temporary(work.bundle)
    return f"search: Pagefind failed ({_reason(exc)}); the search page shows the last index, if any"


def _commit(work: _Work, stale: list[Path] | None = None) -> str | None:
    """The shards written put in place, each by a rename; then the list of shards; then what it no longer
    names removed (or, given ``stale``, listed there for the caller to remove): a reader sees the old index
    or the new one, never half of one. A warning if it could not."""
    bundle = work.bundle
    try:
        for shard in work.todo:
            target = bundle / shard.folder
            if target.exists():
                shutil.rmtree(target)
            (bundle / f".new-{shard.folder}").rename(target)
        fresh = bundle / f".new-{SHARDS}"
        fresh.write_bytes(work.listing)
        fresh.replace(bundle / SHARDS)
    except OSError as exc:
        _remove_temporary(bundle)
        return f"search: the index could not be put in place ({_reason(exc)}); the search page shows the last one"
    unlisted = [path for path in bundle.iterdir() if path.name != SHARDS and path.name not in work.keep]
    if stale is None:
        _remove(unlisted)
    else:
        stale += unlisted
    return None


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _remove_temporary(bundle: Path) -> None:
    for stale in bundle.glob(".new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _listing(shards: Sequence[Shard]) -> bytes:
    data = {"shards": [{"name": s.name, "path": f"{s.folder}/", "articles": len(s.articles)} for s in shards]}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _only(bundle: Path, shards: Sequence[Shard]) -> bool:
    """True when the bundle holds nothing but these shards and their list."""
    expected = {SHARDS, *(s.folder for s in shards)}
    try:
        return {p.name for p in bundle.iterdir()} == expected
    except OSError:
        return False


def _write_shard(binary: Path, bundle: Path, folder: str, records: Iterable[dict[str, Any]], language: str,
                 threads: int = 1) -> None:
    """One shard, written by its own Pagefind process into its temporary folder (``_commit`` renames it)."""
    _finish_shard(_start_shard(binary, bundle, folder, records, language, threads))


@dataclass(frozen=True)
class _Started:
    """A shard's Pagefind process, sent every record (it indexes them as they come); not yet written."""

    service: _Service
    index: int
    sent: list[int]
    temporary: Path


def _start_shard(binary: Path, bundle: Path, folder: str, records: Iterable[dict[str, Any]], language: str,
                 threads: int) -> _Started:
    temporary = bundle / f".new-{folder}"
    shutil.rmtree(temporary, ignore_errors=True)
    service = _Service(binary, threads)
    try:
        index = service.request({"type": "NewIndex", "config": {"force_language": language}})["index_id"]
        sent = [service.send({"type": "AddRecord", "index_id": index, **r}) for r in records]
    except BaseException:
        service.__exit__()
        raise
    return _Started(service, index, sent, temporary)


def _finish_shard(started: _Started) -> None:
    temporary = started.temporary
    with started.service as service:
        written = service.send({"type": "WriteFiles", "index_id": started.index, "output_path": str(temporary)})
        for message in started.sent:
            service.reply(message)
        service.reply(written)
        _settled(temporary, service.alive)  # Pagefind answers before its writes are done, and drops them at exit
    if not (temporary / ENTRY).is_file():
        raise SearchError("it wrote no index")
    _canonical(temporary)
    for path in temporary.iterdir():
        if path.is_file() and not (path.name in _KEPT or path.name.startswith("wasm.") or path.suffix == ".pf_meta"):
            path.unlink()


def _settled(folder: Path, alive: Callable[[], bool], timeout: float = 120) -> None:
    """Wait until every file Pagefind is writing in ``folder`` is whole: none empty, none growing.
    Looked at every 10 ms, on a thread that shares the interpreter with the build's while pages render: a
    shard's 300 files listed by ``os.scandir`` (``Path.rglob`` took 50-80 ms of an edit's 1 s there)."""
    deadline = time.monotonic() + timeout
    last: dict[str, int] | None = None
    while time.monotonic() < deadline:
        if _STOPPING.is_set():
            raise SearchError("the preview stopped")
        running = alive()
        sizes = _sizes(str(folder))
        complete = bool(sizes) and bool(sizes.get(os.path.join(str(folder), ENTRY))) and all(sizes.values())
        if complete and (sizes == last or not running):
            return
        if not running:
            raise SearchError("it stopped before its index was written")
        last = sizes
        time.sleep(0.01)
    raise SearchError(f"its files were not complete after {timeout:.0f} s")


def _sizes(folder: str) -> dict[str, int]:
    """Every file under ``folder`` with its size; {} if there is no such folder."""
    sizes: dict[str, int] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return sizes
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            sizes.update(_sizes(entry.path))
        elif entry.is_file(follow_symlinks=False):
            try:
                sizes[entry.path] = entry.stat(follow_symlinks=False).st_size
            except FileNotFoundError:
                continue
    return sizes


# --- Pagefind's service protocol --------------------------------------------------------------------------


class SearchError(Exception):
    """Pagefind answered with an error, stopped, or wrote something unexpected."""


class _Service:
    """A ``pagefind --service`` process: base64 JSON messages ended by a comma, each way, as the ``pagefind``
    package's PagefindService sends them. That class reads one reply every 0.1 s (asyncio.sleep in its
    poll loop: ten records a second, measured); this one reads on a thread and keeps requests flowing."""

    def __init__(self, binary: Path, threads: int = 1) -> None:
        environment = {**os.environ, "RAYON_NUM_THREADS": str(threads)}  # shards run side by side, a core each
        self._process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=environment)
        self._replies: dict[int, dict[str, Any]] = {}
        self._done = threading.Condition()
        self._closed = False
        self._last = 0
        # Messages are coded and written to Pagefind's stdin on a thread of their own: a record sent while
        # Pagefind still indexes the last ones would otherwise block the build's thread once the pipe is full
        # (64 kB, a dozen records), holding the build to Pagefind's pace (~0.1 s of an edit's 250 records).
        self._outbox: queue.SimpleQueue[tuple[int, dict[str, Any]] | None] = queue.SimpleQueue()
        self._broken: str | None = None
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        with _RUNNING_LOCK:
            _RUNNING.add(self._process)

    def __enter__(self) -> _Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self._outbox.put(None)
        self._writer.join(timeout=30)
        try:
            if self._process.stdin:
                self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=5)
        with _RUNNING_LOCK:
            _RUNNING.discard(self._process)

    def _read(self) -> None:
        stdout = self._process.stdout
        assert isinstance(stdout, io.BufferedReader)  # a pipe, buffered: read1 returns what has come
        pending = b""
        while chunk := stdout.read1(1 << 16):
            *messages, pending = (pending + chunk).split(b",")
            for message in messages:
                try:
                    reply = json.loads(base64.b64decode(message))
                except ValueError:
                    continue  # a log line, not a reply
                with self._done:
                    self._replies[reply.get("message_id") or 0] = reply.get("payload") or {}
                    self._done.notify_all()
        with self._done:
            self._closed = True
            self._done.notify_all()

    def alive(self) -> bool:
        return self._process.poll() is None

    def _write(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        while (message := self._outbox.get()) is not None:
            if self._broken is None:
                number, payload = message
                try:
                    stdin.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()))
                    stdin.write(b",")
                    stdin.flush()
                except (OSError, ValueError) as exc:  # ValueError: closed by __exit__ after a timeout
                    self._broken = str(getattr(exc, "strerror", None) or exc)

    def send(self, payload: dict[str, Any]) -> int:
        """Queue a message; its reply comes with ``reply``. A service that stopped is said at once if known."""
        if self._broken is not None:
            raise SearchError(f"its service stopped ({self._broken})")
        self._last += 1
        self._outbox.put((self._last, payload))
        return self._last

    def reply(self, message: int) -> dict[str, Any]:
        with self._done:
            if not self._done.wait_for(lambda: message in self._replies or self._closed, timeout=TIMEOUT):
                raise SearchError(f"no reply after {TIMEOUT} s")
            payload = self._replies.pop(message, None)
        if payload is None:
            raise SearchError(f"its service stopped (exit status {self._process.poll()})")
        if payload.get("type") == "Error":
            raise SearchError(str(payload.get("message", "an error")))
        return payload

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.reply(self.send(payload))


# --- a deterministic bundle -------------------------------------------------------------------------------


def _canonical(folder: Path) -> None:
    """Pagefind's filter files and meta file with their hash-map orders sorted, renamed after their bytes."""
    entry_path = folder / ENTRY
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    renamed = {}
    for path in sorted((folder / "filter").glob("*.pf_filter")):
        name, values = _unpack(path.read_bytes())
        data = _pack([name, sorted(values, key=lambda item: item[0])])
        language = path.name.split("_")[0]
        new = f"{language}_{hashlib.sha256(data).hexdigest()[:7]}"
        renamed[path.stem] = new
        path.unlink()
        (folder / "filter" / f"{new}.pf_filter").write_bytes(_gzip(data))
    for language, about in entry["languages"].items():
        meta_path = folder / f"pagefind.{about['hash']}.pf_meta"
        meta = _unpack(meta_path.read_bytes())
        meta[3] = sorted([[name, renamed.get(chunk, chunk)] for name, chunk in meta[3]])
        meta[4] = sorted(meta[4], key=lambda item: item[0])
        data = _pack(meta)
        about["hash"] = f"{language}_{hashlib.sha256(data).hexdigest()[:10]}"
        meta_path.unlink()
        (folder / f"pagefind.{about['hash']}.pf_meta").write_bytes(_gzip(data))
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


_MAGIC = b"pagefind_dcd"


def _gzip(data: bytes) -> bytes:
    return gzip.compress(_MAGIC + data, compresslevel=9, mtime=0)


def _unpack(compressed: bytes) -> Any:
    data = gzip.decompress(compressed)
    if not data.startswith(_MAGIC):
        raise SearchError("a Pagefind file it wrote is not in the expected format")
    value, end = _cbor_decode(data, len(_MAGIC))
    if end != len(data):
        raise SearchError("a Pagefind file it wrote is not in the expected format")
    return value


def _cbor_decode(data: bytes, at: int) -> tuple[Any, int]:
    """The part of CBOR that Pagefind's index files use: integers, strings, arrays, maps."""
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        size = info
    elif info <= 27:
        width = 1 << (info - 24)
        size = int.from_bytes(data[at:at + width], "big")
        at += width
    else:
        raise SearchError("a Pagefind file it wrote is not in the expected format")
    if major == 0:
        return size, at
    if major == 1:
        return -1 - size, at
    if major in (2, 3):
        chunk = data[at:at + size]
        return (chunk if major == 2 else chunk.decode("utf-8")), at + size
    if major == 4:
        items = []
        for _ in range(size):
            item, at = _cbor_decode(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = {}
        for _ in range(size):
            key, at = _cbor_decode(data, at)
            pairs[key], at = _cbor_decode(data, at)
        return pairs, at
    raise SearchError("a Pagefind file it wrote is not in the expected format")


def _pack(value: Any) -> bytes:
    out = bytearray()
    _cbor_encode(value, out)
    return bytes(out)


def _cbor_head(major: int, size: int, out: bytearray) -> None:
    if size < 24:
        out.append(major << 5 | size)
        return
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if size < 1 << (8 * width):
            out.append(major << 5 | info)
            out += size.to_bytes(width, "big")
            return
    raise SearchError("a number too large for the index")


def _cbor_encode(value: Any, out: bytearray) -> None:
    if isinstance(value, bool) or value is None:
        raise SearchError("an unexpected value in a Pagefind file")
    if isinstance(value, int):
        _cbor_head(0, value, out) if value >= 0 else _cbor_head(1, -1 - value, out)
    elif isinstance(value, bytes):
        _cbor_head(2, len(value), out)
        out += value
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        _cbor_head(3, len(encoded), out)
        out += encoded
    elif isinstance(value, list):
        _cbor_head(4, len(value), out)
        for item in value:
            _cbor_encode(item, out)
    elif isinstance(value, dict):
        _cbor_head(5, len(value), out)
        for key, item in value.items():
            _cbor_encode(key, out)
            _cbor_encode(item, out)
    else:
        raise SearchError("an unexpected value in a Pagefind file")


# --- the preview's indexer --------------------------------------------------------------------------------


class _Background:
    """One thread that runs the latest index update handed to it; one not yet started is replaced."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._next: Callable[[], str | None] | None = None
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, work: Callable[[], str | None]) -> None:
        with self._lock:
            self._next = work
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sitegen-search", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def cancel(self) -> None:
        with self._lock:
            self._next = None

    def wait(self, timeout: float = 60) -> bool:
        """Until no update is pending or running (tests, and a preview that stops)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._next is None and not self._busy, timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._lock.wait_for(lambda: self._next is not None, timeout=30):
                    self._thread = None
                    return
                work, self._next, self._busy = self._next, None, True
            assert work is not None  # what wait_for waited for
            try:
                problem = work()
            except Exception as exc:  # the preview goes on; its terminal says why search lags
                problem = f"search: the index could not be updated ({exc!r})"
            if problem and not _STOPPING.is_set():
                print(f"warning: {problem}", file=sys.stderr, flush=True)
            with self._lock:
                self._busy = False
                self._lock.notify_all()


_BACKGROUND = _Background()
_STOPPING = threading.Event()  # set once, when the preview stops: what is still indexing gives up at once
_RUNNING: set[subprocess.Popen[bytes]] = set()  # the Pagefind processes at work
_RUNNING_LOCK = threading.Lock()


def stop_background() -> None:
    """The preview is stopping: drop the pending index update and end the one running, Pagefind included,
    so that Ctrl-C is not held up (the interpreter waits for the index's threads before it exits)."""
    _STOPPING.set()
    _BACKGROUND.cancel()
    _kill_running()


def _kill_running() -> None:
    """End every Pagefind process at work (its shard is then left unwritten)."""
    with _RUNNING_LOCK:
        for process in _RUNNING:
            with contextlib.suppress(OSError):
                process.kill()


def wait_for_background(timeout: float = 60) -> bool:
    """Wait for the preview's index update to finish; False if it is still running after ``timeout``."""
    return _BACKGROUND.wait(timeout)


# --- the binary -------------------------------------------------------------------------------------------


def executable() -> Path | None:
    """The Pagefind binary: ``PAGEFIND_BINARY_PATH``, the PyPI package's, or one on the PATH."""
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured:
        return Path(configured)
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = __import__(module).get_executable()
        except (ImportError, FileNotFoundError):
            continue
        return Path(found)
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None


@functools.cache
def _version_of(binary: str) -> str:
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"!{_reason(exc)}"
    return done.stdout.decode("utf-8", "replace").strip()


def _pagefind_version() -> str:
    binary = executable()
    return _version_of(str(binary)) if binary else ""


def unavailable() -> str | None:
    """Why search cannot be built on this machine, or None when it can."""
    binary = executable()
    if binary is None:
        return ("search: Pagefind is not installed (pip install 'pagefind[extended]'); "
                "the site is built without a search page")
    version = _version_of(str(binary))
    if version.startswith("!"):
        return f"search: Pagefind ({binary}) cannot run here ({version[1:]}); the site is built without search"
    return None


unavailable.cache_clear = _version_of.cache_clear  # type: ignore[attr-defined]  # tests reset it as before


def _reason(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        output = (exc.stderr or exc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
        return f"exit status {exc.returncode}{': ' + output[-1] if output else ''}"
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"no result after {exc.timeout:.0f} s"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)

