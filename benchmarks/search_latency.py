"""What a reader waits for on the search page, and what an edit costs the index, for splits of the index.

    python benchmarks/search_latency.py                       # 10,000 articles; the default split and others
    python benchmarks/search_latency.py --shard-min 300 2500  # the smallest shard limits to compare
    python benchmarks/search_latency.py --articles 2000 --queries 4

The corpus (benchmarks/make_corpus.py, default settings: search on) is built once. For each value of
``--shard-min`` (search.SHARD_MIN, the smallest number of articles a past year or quarter keeps in one
shard) its Pagefind bundle is made from the same records, and one mid-archive article's shard is written
again, timed (what an edit of that article costs the index). The site is then served by nginx (or, if
there is none, Python's threaded HTTP server) on 127.0.0.1, each bundle at its own port, and a real
headless Chromium opens the search page afresh for each query and times two searches: the first (which
opens every shard) and a second on the same page. The bundles take turns query by query, so the machine's
drift falls on each alike; medians are reported.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402

from sitegen.build import BuildOptions, build  # noqa: E402
from sitegen.content.load import load_articles  # noqa: E402
from sitegen.core.config import load_config  # noqa: E402
from sitegen.incremental.cache import Cache  # noqa: E402
from sitegen.output import search  # noqa: E402
from sitegen.site.collect import sort_articles  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WORDS = ["wheat", "harvest", "court", "flood", "market", "rain", "bank", "port", "strike", "budget"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bundle_with(shard_min: int, site: Path, folder: Path) -> tuple[int, float]:
    """The site's search bundle with this split, in ``folder``: its number of shards, and the seconds it
    takes to write again the shard of the mid-archive article (as after an edit of that article)."""
    config = load_config(site)
    cache = Cache(config.cache_path, "search-latency")
    articles, errors = load_articles(config, cache)
    assert not errors, errors
    published = sort_articles(a for a in articles if not a.draft)
    default, search.SHARD_MIN = search.SHARD_MIN, shard_min
    try:
        output = folder / "out"
        search.update_index(output, published, config, cache.html, enabled=True, jobs=2)
        shards = search.plan(published, config)
        middle = published[len(published) // 2]
        (shard,) = [s for s in shards if middle in s.articles]
        shutil.rmtree(output / search.BUNDLE / shard.folder)
        start = time.perf_counter()
        search.update_index(output, published, config, cache.html, enabled=True, jobs=2)
        seconds = time.perf_counter() - start
    finally:
        search.SHARD_MIN = default
        cache.close()
    (output / search.BUNDLE).rename(folder / search.BUNDLE)
    output.rmdir()
    return len(shards), seconds


@contextlib.contextmanager
def nginx(root: Path, bundles: list[Path], work: Path) -> Iterator[list[int]]:
    """nginx serving the site at ``root``, with each bundle as /pagefind/ on a port of its own."""
    ports = [free_port() for _ in bundles]
    prefix = work / "nginx"
    prefix.mkdir()
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    servers = "\n".join(f"server {{ listen 127.0.0.1:{port}; root {root}; location /pagefind/ {{ alias {bundle}/; }} }}"
                        for port, bundle in zip(ports, bundles, strict=True))
    (prefix / "nginx.conf").write_text(f"""
        daemon off; master_process off; pid {prefix}/nginx.pid; error_log {prefix}/error.log warn;
        events {{ worker_connections 256; }}
        http {{ access_log off; {temp} include /etc/nginx/mime.types; default_type application/octet-stream;
                {servers} }}
    """)
    process = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix), "-c",
                                str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")])
    try:
        time.sleep(0.5)
        yield ports
    finally:
        process.terminate()
        process.wait()


@contextlib.contextmanager
def python_servers(root: Path, bundles: list[Path]) -> Iterator[list[int]]:
    """Python's threaded HTTP server, one a bundle, where nginx is not installed."""

    def handler(bundle: Path) -> type[http.server.SimpleHTTPRequestHandler]:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def translate_path(self, path: str) -> str:
                if path.startswith(f"/{search.BUNDLE}/"):
                    return str(bundle / path.split("?")[0].removeprefix(f"/{search.BUNDLE}/"))
                return super().translate_path(path)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler(b), directory=str(root)))
               for b in bundles]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield [int(s.server_address[1]) for s in servers]
    finally:
        for server in servers:
            server.shutdown()


def searches(ports: list[int], queries: int) -> list[tuple[list[float], list[float]]]:
    """Per port: the first search's seconds on a freshly opened search page, and a second one's."""
    from playwright.sync_api import sync_playwright

    times: list[tuple[list[float], list[float]]] = [([], []) for _ in ports]
    status = "(w) => document.querySelector('#search [role=status]').textContent.includes(w)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for k in range(queries):
            word, other = WORDS[k % len(WORDS)], WORDS[(k + 1) % len(WORDS)]
            order = list(range(len(ports)))
            if k % 2:
                order.reverse()
            for i in order:
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{ports[i]}/search/")
                for query, seconds in ((word, times[i][0]), (other, times[i][1])):
                    start = time.perf_counter()
                    page.fill("#search-q", query)
                    page.press("#search-q", "Enter")
                    page.wait_for_function(status, arg=query, timeout=120_000)
                    seconds.append(time.perf_counter() - start)
                context.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--shard-min", type=int, nargs="+", default=[search.SHARD_MIN, 1000, search.SHARD_MAX])
    parser.add_argument("--queries", type=int, default=10, help="page loads per bundle (default 10)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitegen-search-latency-"))
    try:
        site = work / "site"
        make_corpus(args.articles, site)
        build(load_config(site), BuildOptions())
        shutil.rmtree(site / "public" / search.BUNDLE)
        bundles, rows = [], []
        for shard_min in args.shard_min:
            folder = work / f"bundle-{shard_min}"
            folder.mkdir()
            rows.append(bundle_with(shard_min, site, folder))
            bundles.append(folder / search.BUNDLE)
        serving = nginx(site / "public", bundles, work) if shutil.which("nginx") else \
            python_servers(site / "public", bundles)
        with serving as ports:
            times = searches(ports, args.queries)
        server = "nginx" if shutil.which("nginx") else "Python's HTTP server"
        print(f"\n{args.articles:,} articles, served by {server}, {args.queries} page loads each (median)\n")
        print("| SHARD_MIN | shards | index after a mid-archive edit | first search | next search |")
        print("|---|---|---|---|---|")
        for shard_min, (count, seconds), (first, second) in zip(args.shard_min, rows, times, strict=True):
            print(f"| {shard_min:,} | {count} | {seconds:.2f} s | {statistics.median(first):.2f} s "
                  f"| {statistics.median(second):.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
