"""HTTP headers for the built files, in one place: the S3 upload and the `_headers` file use the same policy.

Why here and not in deploy.py: `_headers` and `_redirects` are files of the built site (Netlify and
Cloudflare Pages read them from the output folder), so the build must be able to make them, and the build
sits below deploy in the module map. This module needs only config, model and urls.
"""

from __future__ import annotations

import functools
import mimetypes
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath

from sitegen.core import urls
from sitegen.core.config import Config
from sitegen.core.model import Output

# Cache-Control values. A fingerprinted name changes whenever its bytes change, so it may be cached forever;
# pages, feeds and assets without a fingerprint must show an edit within minutes.
IMMUTABLE = "public, max-age=31536000, immutable"
ASSET = "public, max-age=300"
PAGE = "public, max-age=60"

GONE_STATUS = 410  # a killed article's address
GONE_ROBOTS = "noindex"
GONE_METADATA = "sitegen-status"  # S3 object metadata of a withdrawn notice: x-amz-meta-sitegen-status: 410
HEADERS_FILE = "_headers"
REDIRECTS_FILE = "_redirects"
HOSTING_FILES = frozenset({HEADERS_FILE, REDIRECTS_FILE, "CNAME", ".nojekyll"})
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
)
MAX_HEADER_RULES = 100  # Cloudflare Pages reads at most 100 rules from _headers

# style.3f2a9c1e.css, app-0123456789abcdef.js, main.min.<sha256>.css: 8 or more hex digits before the suffix.
_FINGERPRINT = re.compile(r"[.-][0-9a-f]{8,64}\.[A-Za-z0-9]+$")
PAGE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".json", ".atom", ".rss")

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}


@functools.cache
def _builtin_types() -> mimetypes.MimeTypes:
    """Python's own table, never the machine's /etc/mime.types; made when first needed (12 ms)."""
    return mimetypes.MimeTypes()


def content_type(path: str) -> str:
    """The Content-Type for a file of the site; the same on every machine."""
    name = PurePosixPath(path).name
    if name in HOSTING_FILES:
        return "text/plain; charset=utf-8"
    if name == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _encoding = _builtin_types().guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def is_fingerprinted(path: str) -> bool:
    """True for an asset whose name carries a hash of its content, so a new version gets a new name."""
    name = PurePosixPath(path).name
    return not is_page(path) and bool(_FINGERPRINT.search(name))


def is_page(path: str) -> bool:
    """Pages, feeds and maps: files whose address stays the same when their content changes."""
    name = PurePosixPath(path).name
    return name.lower().endswith(PAGE_SUFFIXES) or name in HOSTING_FILES


def cache_control(path: str) -> str:
    """Long and immutable for fingerprinted assets, short for everything a reader expects fresh."""
    if is_fingerprinted(path):
        return IMMUTABLE
    return PAGE if is_page(path) else ASSET


def hosting_files(config: Config, paths: Iterable[str], redirects: Mapping[str, str] | None = None,
                  gone: Iterable[str] = ()) -> list[Output]:
    """`_headers` and `_redirects` for Netlify and Cloudflare Pages, given every other output path.

    Patterns carry the base URL's path, because the output folder is what lives at ``base_url``.
    ``redirects`` maps old site-relative URLs to new ones (301): the site's redirects (redirects.py). A site's
    own ``static/_headers`` and ``static/_redirects`` are kept, ahead of what sitegen writes. ``gone``: the
    addresses of killed articles, whose withdrawn notice is served as ``410 Gone`` (Netlify's forced rewrite
    with a status; Cloudflare Pages skips that rule and serves the notice with 200) and ``noindex``.
    """
    gone = sorted(gone)
    paths = list(paths)
    base = config.base_path
    assets = sorted(p for p in paths if p.startswith("static/") and PurePosixPath(p).name not in HOSTING_FILES)
    lines = ["# HTTP headers for Netlify and Cloudflare Pages, written by sitegen.", f"{base}*"]
    lines += [f"  {name}: {value}" for name, value in SECURITY_HEADERS]
    fingerprinted = [p for p in assets if is_fingerprinted(p)]
    if assets and len(fingerprinted) == len(assets):
        lines += [f"{base}static/*", f"  Cache-Control: {IMMUTABLE}"]
    else:
        # One rule per fingerprinted file: a /static/* rule would also hold the files without a fingerprint.
        for path in fingerprinted[: MAX_HEADER_RULES - 1]:
            lines += [f"{urls.with_base(base, '/' + path)}", f"  Cache-Control: {IMMUTABLE}"]
    if any(p.startswith("img/") for p in paths):  # photos, named by their content (images.py)
        lines += [f"{base}img/*", f"  Cache-Control: {IMMUTABLE}"]
    for url in gone[: MAX_HEADER_RULES]:
        lines += [urls.with_base(base, url), f"  X-Robots-Tag: {GONE_ROBOTS}"]
    rules = ["# Redirects for Netlify and Cloudflare Pages, written by sitegen."]
    for old, new in sorted((redirects or {}).items()):
        target = new if new.startswith(("http://", "https://")) else urls.with_base(base, new)
        rules.append(f"{urls.with_base(base, old)} {target} 301")
    if gone:
        rules.append("# Withdrawn articles: their notice, as 410 Gone")
    for url in gone:
        address = urls.with_base(base, url)
        rules.append(f"{address} {urls.with_base(base, '/' + urls.output_path(url))} {GONE_STATUS}!")
    return [Output(HEADERS_FILE, _own(config, HEADERS_FILE) + _text(lines)),
            Output(REDIRECTS_FILE, _own(config, REDIRECTS_FILE) + _text(rules))]


def _own(config: Config, name: str) -> bytes:
    """The site's own ``static/_headers`` or ``static/_redirects``: its lines come first (the host applies
    the first matching rule), then sitegen's."""
    path = config.resolve(config.static_dir) / name
    if path == config.theme_dirs("static")[-1].resolve() / name or not path.is_file():
        return b""
    data = path.read_bytes()
    return data if data.endswith(b"\n") or not data else data + b"\n"



def with_hosting_files(outputs: Iterable[Output], config: Config) -> Iterator[Output]:
    """Pass the outputs through, then add `_headers` and `_redirects` for them (for build.build)."""
    paths = []
    for output in outputs:
        paths.append(output.path)
        yield output
    yield from hosting_files(config, paths)


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def gone_paths(redirects: str) -> set[str]:
    """The output files served as 410 Gone, read back from a `_redirects` file's text (for S3 uploads)."""
    found = set()
    for line in redirects.splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#") and parts[2] == f"{GONE_STATUS}!":
            found.add(parts[1])
    return found
