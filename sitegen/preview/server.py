"""The preview's HTTP side: the address it listens on, which file answers a request, and sitegen's own pages.

Requests are answered here rather than by tornado's (or livereload's) ``StaticFileHandler``, which falls
short for a preview that must never lie: it checks paths with ``abspath``, so a symlink inside the output
folder can hand out any file; it knows no sub-path, no site 404 page and no page for a failed build; and it
lets the browser cache what the next save changes. Every answer here is ``no-store``, and every HTML answer
carries the live-reload snippet, the error and "building" pages included, so a tab recovers by itself.
"""

from __future__ import annotations

import errno
import html
import ipaddress
import json
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from tornado import netutil, web

from sitegen.core.errors import SitegenError
from sitegen.output.hosting import content_type as hosting_content_type

GENERATION_PATH = "/.sitegen/generation"  # a dot-folder: no site page can live there
_HEAD_END = re.compile(rb"</head\s*>|</body\s*>", re.IGNORECASE)


@dataclass
class SiteState:
    """What the preview shows right now. Changed only on the event loop's thread."""

    output_dir: Path
    base_path: str = "/"
    generation: str = "0"  # changes whenever open tabs are told to reload
    built: bool = False  # a build has succeeded at least once
    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, message) of a failed build
    allowed_hosts: frozenset[str] | None = None  # None: any Host (the user chose a public address)


@dataclass(frozen=True)
class Answer:
    status: int
    file: Path | None = None
    location: str | None = None


def locate(output_dir: Path, base_path: str, raw_path: str) -> Answer:
    """The file that answers a request path, like a static host: nothing outside the output folder.

    The path is percent-decoded exactly once, so ``%2e%2e/`` is ``../`` and refused, while ``%252e`` stays
    a (missing) file name. After that, the real path must still lie inside the real output folder.
    """
    path = unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
    if "\x00" in path or "\\" in path:
        return Answer(403)
    if path + "/" == base_path:
        return Answer(301, location=base_path)
    if not path.startswith(base_path):
        return Answer(302, location=base_path) if path == "/" else Answer(404)
    parts = path[len(base_path):].split("/")
    if any(part in (".", "..") for part in parts) or "" in parts[:-1]:
        return Answer(403)
    root = os.path.realpath(output_dir)
    target = os.path.realpath(os.path.join(root, *parts[:-1], parts[-1] or "index.html"))
    if os.path.commonpath([root, target]) != root:
        return Answer(403)  # a symlink pointing out of the output folder
    if os.path.isdir(target):
        return Answer(301, location=raw_path + "/")
    if os.path.isfile(target):
        return Answer(200, file=Path(target))
    return Answer(404)


def content_type(path: Path) -> str:
    """The same fixed types the site gets from its hosting (deploy_headers), so preview and production agree."""
    return hosting_content_type(path.name)


def reload_snippet(generation: str) -> bytes:
    """Loads livereload's client, and reloads at once if a build finished before its socket connected."""
    return (
        "<script>(function () {\n"
        f"  var shown = {json.dumps(generation)};\n"
        "  document.addEventListener('LiveReloadConnect', function () {\n"
        f"    fetch('{GENERATION_PATH}', {{cache: 'no-store'}}).then(function (r) {{ return r.text(); }})\n"
        "      .then(function (now) { if (now !== shown) { location.reload(); } }, function () {});\n"
        "  });\n"
        "  var s = document.createElement('script');\n"
        "  s.src = '/livereload.js?host=' + location.hostname + '&port=' + (location.port || 80)"
        " + '&mindelay=250&maxdelay=2000';\n"
        "  document.head.appendChild(s);\n"
        "})();</script>\n"
    ).encode()


def inject(page: bytes, snippet: bytes) -> bytes:
    """The page with the snippet before ``</head>`` (or ``</body>``, or at the end)."""
    match = _HEAD_END.search(page)
    at = match.start() if match else len(page)
    return page[:at] + snippet + page[at:]


def message_page(heading: str, intro: str, items: list[tuple[str, str]], snippet: bytes) -> bytes:
    """sitegen's own page: a failed build (every error, ``file:line`` first) or the first build running."""
    rows = "".join(f"<li><strong>{html.escape(where)}</strong>{': ' if where else ''}{html.escape(message)}</li>\n"
                   for where, message in items)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(heading)} – sitegen preview</title>\n"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "h1{color:#b00020}li{font-family:ui-monospace,monospace;white-space:pre-wrap;margin:.6em 0}</style>\n"
        f"</head>\n<body>\n<h1>{html.escape(heading)}</h1>\n<p>{html.escape(intro)}</p>\n"
        f"<ol>\n{rows}</ol>\n</body>\n</html>\n"
    )
    return inject(page.encode(), snippet)


class PreviewHandler(web.RequestHandler):
    """Refuses Host names a loopback preview does not have: a web page cannot read it by DNS rebinding."""

    def initialize(self, state: SiteState) -> None:
        self.state = state

    def prepare(self) -> None:
        if not host_allowed(self.state, self.request.host_name):
            self.send_error(403)

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")


def host_allowed(state: SiteState, host_name: str) -> bool:
    allowed = state.allowed_hosts
    return allowed is None or host_name in allowed or host_name.endswith(".localhost")


class GenerationHandler(PreviewHandler):
    """The generation now shown, for pages whose socket connected after a reload went out."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(self.state.generation)


class SiteHandler(PreviewHandler):
    """Files of the built site; sitegen's own page while the build is failing or has not finished."""

    def get(self) -> None:
        self._answer()

    def head(self) -> None:
        self._answer()

    def _answer(self) -> None:
        state = self.state
        try:
            answer = locate(state.output_dir, state.base_path, self.request.path)
        except UnicodeDecodeError:
            answer = Answer(404)
        if answer.location is not None:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(answer.location + query, status=answer.status)
            return
        if answer.status == 403:
            self._send(403, b"<!DOCTYPE html>\n<title>Forbidden</title>\n<h1>Forbidden</h1>\n", ".html")
            return
        page = answer.file is None or answer.file.suffix == ".html"
        snippet = reload_snippet(state.generation)
        if page and state.errors:
            count = f"{len(state.errors)} error{'s' if len(state.errors) != 1 else ''}"
            self._send(500, message_page(f"Build failed: {count}", "Fix the files below and save: this page "
                                         "reloads by itself.", state.errors, snippet), ".html")
        elif page and not state.built:
            self._send(503, message_page("Building the site…", "This page reloads by itself when the build "
                                         "is done.", [], snippet), ".html")
        elif answer.file is not None:
            data = answer.file.read_bytes()
            self._send(200, inject(data, snippet) if page else data, answer.file.suffix)
        else:
            not_found = state.output_dir / "404.html"
            data = not_found.read_bytes() if not_found.is_file() else b"<!DOCTYPE html>\n<h1>Not found</h1>\n"
            self._send(404, inject(data, snippet), ".html")

    def _send(self, status: int, body: bytes, suffix: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", content_type(Path("x" + suffix)))
        self.set_header("Content-Length", str(len(body)))
        if self.request.method != "HEAD":
            self.write(body)


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets, bound before the first build so that a busy port is reported at once."""
    try:
        return netutil.bind_sockets(port, address=host)
    except OverflowError:
        raise SitegenError(f"port {port} does not exist: choose one from 1 to 65535 with --port") from None
    except socket.gaierror:
        raise SitegenError(f"cannot listen on '{host}': no such host name; the default is --host 127.0.0.1") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SitegenError(f"port {port} is already in use on {host} (another preview?): choose another "
                               f"port with --port {port + 1}, or --port 0 for any free one") from None
        if exc.errno == errno.EACCES:
            raise SitegenError(f"no permission to listen on port {port}: choose one above 1023 with --port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise SitegenError(f"cannot listen on '{host}': it is not an address of this machine; "
                               "the default is --host 127.0.0.1") from None
        raise SitegenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def is_loopback(host: str) -> bool:
    """True when only this machine can reach the address (127.0.0.1, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in found)
