"""``sitegen serve``: the normal build plus a watcher, served on 127.0.0.1, with live reload.

How livereload is used. Its browser client (``livereload.js``, protocol 7) does the reloading, including
swapping a stylesheet in place, without a full reload, when told that the changed path ends in ``.css``; it
is served as is by livereload's own ``LiveReloadJSHandler``. The server half of livereload falls short, and
is replaced here (a few dozen lines) and in ``preview_http.py``:

- its watcher polls every 0.8 s by walking every watched file, *drops* a change that comes within 3 s of the
  previous reload (a quick second save never shows: the preview would lie), and runs the rebuild on the event
  loop, so a long build stalls every request; its inotify backend needs pyinotify, which is unmaintained.
  Here watchfiles waits on inotify, groups an editor's burst of writes and renames (50 ms of quiet), and
  the build runs on a worker thread while the last good site stays served;
- its ``LiveReloadHandler`` keeps the open tabs in one class-wide set and accepts a socket from any web page;
  here each preview has its own set and accepts only its own pages;
- its ``Server.serve`` fails with a traceback on a busy port, cannot serve under a sub-path, and its static
  handler follows symlinks out of the root (see ``preview_http.py``).

A page may load after a build finished but before its socket connected, and so miss that reload: every page
carries the generation it shows, and checks it once its socket is up (``preview_http.reload_snippet``).

The preview builds with ``build(config)`` like ``sitegen build``, differing only where it must: ``base_url``
at the preview's address (same sub-path), output and cache in a private temporary folder (``public/`` and
the site's cache stay as ``sitegen build`` left them, so a deploy never ships a preview; only the photos'
derivatives, named by their content, are shared with the site's cache: images.py), stylesheets
without fingerprints (a saved style.css keeps its URL and is swapped in place) and the search shards a
save touched rebuilt on a thread after the page is shown (the index may lag a save by seconds). Ctrl-C
during a build stops it inside its thread, so the pool of processes it forked is terminated, not orphaned.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import functools
import gc
import json
import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import watchfiles
from livereload.handlers import LiveReloadJSHandler
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from sitegen.build import BuildOptions, BuildReport, Session, build, cache_key
from sitegen.core import urls
from sitegen.core.config import CONFIG_FILE, REDIRECTS_FILE, Config, load_config
from sitegen.core.errors import BuildFailed, ContentError, SitegenError, shown_path
from sitegen.incremental.cache import Cache, SourceEntry, read_sources
from sitegen.output import search
from sitegen.preview.server import (
    GENERATION_PATH,
    GenerationHandler,
    SiteHandler,
    SiteState,
    bind,
    host_allowed,
    is_loopback,
)

LIVE_SUFFIXES = (".css", ".jpg", ".jpeg", ".png", ".gif")  # what livereload.js swaps without a reload
TICK_MS = 500  # how often the watcher also checks sitegen.yaml and folders that come and go
_IGNORE = watchfiles.DefaultFilter(ignore_entity_patterns=(*watchfiles.DefaultFilter.ignore_entity_patterns,
                                                           r"^\.", r"^4913$", r"^#.*#$"))  # editors' temp files
T = TypeVar("T")


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool | None = None,
          open_browser: bool = False) -> None:
    """Build, serve and rebuild on every save until Ctrl-C. Raises SitegenError if the address is unusable."""
    sockets = bind(host, port)
    if not is_loopback(host):
        _say(f"WARNING: listening on {host}: anyone who can reach this machine can read the preview, drafts "
             "included. Use --host 127.0.0.1 to keep it private.", error=True)
    with tempfile.TemporaryDirectory(prefix="sitegen-preview-", ignore_cleanup_errors=True) as folder:
        preview = Preview(root, host, sockets, drafts, Path(folder))
        with contextlib.suppress(KeyboardInterrupt):  # only where signal handlers cannot be installed
            asyncio.run(preview.run(open_browser))
        preview.ctrl_c.after_loop()
        search.stop_background()  # the index of the last save is given up, its Pagefind process ended
        builder = preview.builder
        if builder is not None and builder.is_alive():
            _say("stopping the build in progress…")
            _interrupt(builder)
            builder.join(10)
    _say("stopped")
    preview.ctrl_c.leaving()


@dataclasses.dataclass
class _Outcome:
    config: Config | None = None  # the settings, when they were (re)loaded
    report: BuildReport | None = None
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


class Preview:
    """One running preview: its settings, what the browser is shown, the open tabs, the pending changes."""

    def __init__(self, root: Path, host: str, sockets: list[socket.socket], drafts: bool | None,
                 workdir: Path) -> None:
        self.root = root.resolve()
        self.cache_dir = workdir / "cache"  # not the site's own: production builds keep their cache intact
        self.drafts = drafts
        self.sockets = sockets
        self.port = sockets[0].getsockname()[1]
        wildcard = host in ("", "0.0.0.0", "::")
        self.url_host = "127.0.0.1" if wildcard else f"[{host}]" if ":" in host else host
        loopback_names = {"localhost", "127.0.0.1", "[::1]", "::1", host, self.url_host}
        self.state = SiteState(output_dir=workdir / "public",
                               allowed_hosts=frozenset(loopback_names) if is_loopback(host) else None)
        self._token = secrets.token_hex(4)  # a restarted preview makes every open tab reload
        self._reloads = 0
        self.state.generation = f"{self._token}-0"
        self.tabs: set[_ReloadSocket] = set()
        self.config: Config | None = None  # None: read sitegen.yaml (again) before the next build
        with contextlib.suppress(BuildFailed):  # a broken sitegen.yaml is shown by the first build
            self.config = load_config(self.root, drafts=drafts)
            self.state.base_path = self.config.base_path
        self._config_stale = False
        self._changes: set[Path] = set()
        self._own_writes: set[Path] = set()  # content files the last build converted from seeds
        self._wake = asyncio.Event()
        self.builder: threading.Thread | None = None  # the thread of the latest build
        # The last build's cache and grouped site stay in memory: a save re-reads one file, not the whole record.
        self.session: Session | None = None
        self.frozen = False  # the warm cache's objects are out of the cycle collector's sight (see _build)
        self.remembered: dict[str, SourceEntry] | None = None  # the site's own cache: files deleted on purpose
        self.ctrl_c = _CtrlC()

    @property
    def url(self) -> str:
        return f"http://{self.url_host}:{self.port}{self.state.base_path}"

    async def run(self, open_browser: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; the first build starts at once."""
        app = web.Application([
            (r"/livereload", _ReloadSocket, {"preview": self}),
            (r"/livereload\.js", LiveReloadJSHandler),
            (GENERATION_PATH.replace(".", r"\."), GenerationHandler, {"state": self.state}),
            (r".*", SiteHandler, {"state": self.state}),
        ], log_function=lambda _handler: None)  # the terminal is for builds, not for every request
        server = HTTPServer(app)
        server.add_sockets(self.sockets)
        stop = asyncio.Event()
        self.ctrl_c.on_loop(stop)
        _say(f"serving {self.url} (Ctrl-C to stop; files in {self.state.output_dir})")
        self._wake.set()
        tasks = [asyncio.create_task(self._build_loop(open_browser)), asyncio.create_task(self._watch_loop())]
        stopping = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # a crash of a loop is a bug: let it show
        finally:
            server.stop()
            for tab in list(self.tabs):
                tab.close()
            for task in (stopping, *tasks):
                task.cancel()
            await asyncio.gather(stopping, *tasks, return_exceptions=True)

    # --- building -------------------------------------------------------------------------------------------

    async def _build_loop(self, open_browser: bool) -> None:
        first = True
        while True:
            await self._wake.wait()
            self._wake.clear()
            changes = self._changes - self._own_writes
            self._own_writes -= self._changes
            self._changes = set()
            if not (first or changes or self._config_stale):
                continue
            reload_config, self._config_stale = self._config_stale or self.config is None, False
            # The watcher's changes, unless this build reads the settings (which may move the watched folders)
            known = None if first or reload_config else changes
            self.builder, pending = _in_thread(functools.partial(self._build, None if reload_config else self.config,
                                                                 known))
            outcome = await pending
            if reload_config and outcome.config is None:
                self.config = None  # still broken: read it again on the next change
            self._publish(outcome, changes, first)
            if first and open_browser:
                threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()
            first = False

    def _build(self, config: Config | None, changes: set[Path] | None) -> _Outcome:
        """One build on the worker thread. Never raises: whatever went wrong is shown in the browser.
        ``changes``: the files changed since the last build, or None to look at every file."""
        outcome = _Outcome()
        try:
            if config is None:
                config = outcome.config = load_config(self.root, drafts=self.drafts)
            preview_url = f"http://{self.url_host}:{self.port}{config.base_path}"
            # Plain stylesheet names (no fingerprint): every answer is no-store anyway, and a changed
            # style.css keeps its URL, so livereload.js can swap it in place instead of reloading.
            # The search shards a save touched are rebuilt after the page is shown (index_later).
            preview = dataclasses.replace(config, base_url=preview_url, cache_dir=str(self.cache_dir),
                                          output_dir=str(self.state.output_dir), fingerprint=False)
            if self.remembered is None:
                self.remembered = read_sources(config.cache_path, cache_key(config))
            key = cache_key(preview)
            if self.session is None or self.session.cache is None or self.session.cache.key != key:
                gc.unfreeze()  # the last warm cache's objects may be collected again
                self.session, self.frozen = Session(Cache(preview.cache_path, key), self.remembered), False
            self.session.changed = changes
            # Embargoed articles too, bannered and noindex: only the preview shows them (docs/time.md).
            outcome.report = build(preview, BuildOptions(index_later=True, preview=True, image_cache=config.cache_path),
                                   self.session)
            if not self.frozen:
                # After the first good build: the warm cache's million long-lived objects, walked by the
                # collector at every tenth save or so (0.1 s at 10k articles), are set aside for good. What
                # a save replaces is still freed, by reference counting.
                gc.collect()
                gc.freeze()
                self.frozen = True
        except BuildFailed as failed:
            outcome.errors = [_where_and_what(error, self.root) for error in failed.errors]
            outcome.notes = [*failed.notes, *(f"warning: {w}" for w in failed.warnings)]  # said, though it failed
        except SitegenError as exc:
            outcome.errors = [("", str(exc))]
        except Exception as exc:  # a bug in sitegen must not take the preview down: show it, keep serving
            traceback.print_exc()
            outcome.errors = [("", f"internal error in sitegen: {exc!r}; the traceback is in the terminal")]
        return outcome

    def _publish(self, outcome: _Outcome, changes: set[Path], first: bool) -> None:
        """Show the outcome in the terminal, then tell the open tabs (only if what they show changed)."""
        if outcome.config is not None:
            self.config = outcome.config
            self.state.base_path = outcome.config.base_path
        cause = f" after a change to {shown_path(min(changes), self.root)}" if changes else ""
        if len(changes) > 1:
            cause += f" and {len(changes) - 1} more"
        stamp = time.strftime("%H:%M:%S")
        for note in outcome.notes:
            _say(note)
        if outcome.errors:
            for where, message in outcome.errors:
                _say(f"error: {where}{': ' if where else ''}{message}", error=True)
            _say(f"{stamp} build failed{cause}: {_count(len(outcome.errors), 'error')}; the preview shows "
                 "them until they are fixed", error=True)
            self.state.errors = outcome.errors
            self._reload("*")
            return
        report = outcome.report
        assert report is not None
        recovered = bool(self.state.errors) or not self.state.built
        self.state.errors, self.state.built = [], True
        self._own_writes |= set(report.converted)
        for path in report.converted:
            _say(f"converted {shown_path(path, self.root)}")
        for line in report.redirects:
            _say(f"redirect: {line}")
        for warning in report.warnings:
            _say(f"warning: {warning}", error=True)
        files = report.files
        _say(f"{stamp} built {_count(report.articles, 'article')}, {_count(report.pages, 'page')} in "
             f"{report.seconds:.2f} s{cause} ({files.written} written, {files.removed} removed)")
        if not recovered and files.written == 0 and files.removed == 0:
            return  # the open tabs already show exactly this
        live = [] if recovered else self._live_urls(changes)
        for url in live or ["*"]:
            self._reload(url)

    def _live_urls(self, changes: set[Path]) -> list[str]:
        """URLs of changed stylesheets and images, when they are all that changed: swapped without a reload."""
        if not changes or self.config is None:
            return []
        static = self.config.resolve(self.config.static_dir)
        if not all(p.suffix.lower() in LIVE_SUFFIXES and p.is_relative_to(static) for p in changes):
            return []
        from sitegen.pages.render import root_files

        own = root_files(self.config)
        names = [p.relative_to(static).as_posix() for p in sorted(changes)]
        return [urls.with_base(self.state.base_path, f"/{name}" if name in own else urls.static_url(name))
                for name in names]

    def _reload(self, path: str) -> None:
        """Tell every open tab: livereload.js swaps a stylesheet or image in place, reloads for anything else."""
        self._reloads += 1
        self.state.generation = f"{self._token}-{self._reloads}"
        message = json.dumps({"command": "reload", "path": path, "liveCSS": True, "liveImg": True})
        for tab in list(self.tabs):
            try:
                tab.write_message(message)
            except WebSocketClosedError:
                self.tabs.discard(tab)

    # --- watching -------------------------------------------------------------------------------------------

    def _watched(self) -> tuple[list[Path], tuple[Any, ...]]:
        """The folders to watch (from the settings), and a signature that changes when one appears or goes."""
        config = self.config or Config(root=self.root)
        folders = [config.resolve(name) for name in
                   (config.content_dir, config.seeds_dir, config.templates_dir, config.static_dir)]
        return folders, tuple(_stat(p, folder=True) for p in folders)

    async def _watch_loop(self) -> None:
        settings = self.root / CONFIG_FILE
        settings_seen = _stat(settings)
        moved = self.root / REDIRECTS_FILE
        moved_seen = _stat(moved)
        polling = False
        while True:
            folders, signature = self._watched()
            existing = [p for p in folders if p.is_dir()]
            try:
                async with contextlib.aclosing(_changes(existing, polling)) as batches:
                    async for batch in batches:
                        changed = set(batch)
                        if _stat(settings) != settings_seen:
                            settings_seen = _stat(settings)
                            changed.add(settings)
                            self._config_stale = True
                        if _stat(moved) != moved_seen:  # redirects.yaml, edited by hand or by a build
                            moved_seen = _stat(moved)
                            changed.add(moved)
                        if changed:
                            self._changes |= changed
                            self._wake.set()
                        now, now_signature = self._watched()
                        if (now, now_signature) != (folders, signature):  # a folder came or went: watch anew
                            self._changes.update(p for p, old, new in zip(now, signature, now_signature, strict=True)
                                                 if old != new or now != folders)
                            self._wake.set()
                            break
            except FileNotFoundError:
                await asyncio.sleep(TICK_MS / 1000)  # a folder went just as watching began: look again
            except (OSError, RuntimeError) as exc:  # e.g. the system's limit of inotify watches
                if not polling:
                    _say(f"warning: cannot watch the site's folders ({exc}); polling them instead", error=True)
                polling = True
                await asyncio.sleep(TICK_MS / 1000)


class _ReloadSocket(WebSocketHandler):
    """The server half of the livereload protocol: answer the client's hello, then send it reloads."""

    HELLO = json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"],
                        "serverName": "sitegen"})

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def check_origin(self, origin: str) -> bool:
        """Only the preview's own pages (livereload's handler accepts any web page's socket)."""
        return (urlsplit(origin).netloc == self.request.host
                and host_allowed(self.preview.state, self.request.host_name))

    def on_message(self, message: str | bytes) -> None:
        try:
            command = json.loads(message).get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            # Registered before the client reports "connected", so no reload falls between the two.
            self.preview.tabs.add(self)
            self.write_message(self.HELLO)

    def on_close(self) -> None:
        self.preview.tabs.discard(self)


async def _changes(folders: list[Path], polling: bool) -> AsyncGenerator[set[Path], None]:
    """Batches of changed paths, grouped until 50 ms pass quietly; an empty batch every TICK_MS."""
    if not folders:
        while True:
            await asyncio.sleep(TICK_MS / 1000)
            yield set()
    async for batch in watchfiles.awatch(*folders, watch_filter=_IGNORE, step=50, rust_timeout=TICK_MS,
                                         yield_on_timeout=True, force_polling=polling or None):
        yield {Path(path) for _change, path in batch}


def _stat(path: Path, folder: bool = False) -> tuple[int, ...] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if folder else (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class _Stopped(BaseException):
    """Raised inside a build's thread at Ctrl-C. A BaseException, so that the build's ``with`` blocks and
    ``finally`` clauses run (its worker pool is terminated, its locks released) and nothing catches it."""


def _in_thread(function: Callable[[], T]) -> tuple[threading.Thread, asyncio.Future[T]]:
    """Run on a thread of its own, which ``_interrupt`` can stop: a build in progress must not hold up Ctrl-C."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T) -> None:
        if not future.done():
            future.set_result(result)

    def work() -> None:
        with contextlib.suppress(_Stopped, RuntimeError):  # RuntimeError: the event loop has closed meanwhile
            result = function()
            loop.call_soon_threadsafe(settle, result)

    thread = threading.Thread(target=work, name="sitegen-build", daemon=True)
    thread.start()
    return thread, future


def _interrupt(thread: threading.Thread) -> None:
    """Raise _Stopped in the thread at its next Python instruction (CPython's way to stop a thread)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident or 0), ctypes.py_object(_Stopped))


class _CtrlC:
    """Ctrl-C (or SIGTERM) stops cleanly; a second Ctrl-C while stopping leaves at once.

    A Ctrl-C signals the whole process group: a child forked a moment before still has Python's C-level
    handler, which writes the signal to the wakeup socket it shares with this process, so one key press can
    arrive twice. A repeat within SAME_PRESS seconds is taken for that echo, not for a second press."""

    SAME_PRESS = 0.5

    def __init__(self) -> None:
        self.first: float | None = None

    def press(self, stop: Callable[[], None] = lambda: None) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = now
            stop()
        elif now - self.first > self.SAME_PRESS:
            os._exit(130)

    def on_loop(self, stop: asyncio.Event) -> None:
        """While the preview serves: the first press sets ``stop``."""
        loop = asyncio.get_running_loop()
        _install_fork_hook()
        for sig in _STOPPING_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: KeyboardInterrupt instead
                loop.add_signal_handler(sig, self.press, stop.set)

    def after_loop(self) -> None:
        """While it stops (the loop is gone): a press is still an echo or a second press, never a traceback."""
        for sig in _STOPPING_SIGNALS:
            with contextlib.suppress(ValueError):  # not the main thread: nothing to catch it with
                signal.signal(sig, lambda _sig, _frame: self.press())

    def leaving(self) -> None:
        """Stopped: a press now would only turn the exit into a death by signal."""
        for sig in _STOPPING_SIGNALS:
            with contextlib.suppress(ValueError):
                signal.signal(sig, signal.SIG_IGN)


_STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@functools.cache
def _install_fork_hook() -> None:
    # Held back in the forking thread across the fork, so that a child has its own handlers before either
    # signal can reach it (the other threads, the main one included, still receive them in the parent).
    os.register_at_fork(before=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING_SIGNALS),
                        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING_SIGNALS),
                        after_in_child=_child_signals)


def _child_signals() -> None:
    """In a process a build forks: the default SIGTERM, so that its pool can terminate it (the asyncio
    handlers it inherits would swallow it), and no Ctrl-C of its own: the preview stops it."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING_SIGNALS)


def _where_and_what(error: SitegenError, root: Path) -> tuple[str, str]:
    """``(path:line, message)``, the path as the user would type it: relative to the site's folder."""
    if not isinstance(error, ContentError):
        return "", str(error)
    where = shown_path(error.path, root)
    return (f"{where}:{error.line}" if error.line else where), error.message




def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _say(text: str, error: bool = False) -> None:
    print(text, file=sys.stderr if error else sys.stdout, flush=True)
