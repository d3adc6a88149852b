"""Build-speed benchmark: what a user gets (default settings, search on), then ``search: false``, and the
same corpus built by Hugo, by Hugo followed by Pagefind, and by Pelican when installed.

    python benchmarks/run.py                 # N = 1,000 and 10,000: default settings, then search: false
    python benchmarks/run.py --sizes 1000    # just one size
    python benchmarks/run.py --plain         # the corpus of plain paragraphs (what seeds convert to)
    python benchmarks/run.py --no-search     # only the search: false configuration
    python benchmarks/run.py --large         # N = 25,000, 50,000, 100,000, default settings, no peers
    python benchmarks/run.py --runs 5        # runs per scenario (median reported; default 3)
    python benchmarks/run.py --peer-runs 1   # the peers' runs (default: --runs)

Every build is a fresh process, timed with the standard library. Peak RSS is that of the largest process
of the build (wait4() reports the maximum over the process and every descendant it waited for: sitegen's
workers and its Pagefind processes, Hugo and Pagefind under the shell that runs them one after the other).
The machine is shared and noisy, so compare the ratios printed in one run rather than absolute seconds
across runs. The corpus (benchmarks/make_corpus.py) has Markdown formatting in most articles. Peers:
`hugo` on PATH (Debian package `hugo`), Pagefind from the `pagefind[extended]` Python package (`python -m
pagefind`, the binary sitegen runs too), `pelican` on PATH or in $PELICAN (PyPI `pelican`). Each gets an
equivalent minimal site: article pages, tag pages, year and month archives, and a paginated front page
(10 per page); Hugo's archives are taxonomies added to its copy of the front matter, and its article
template marks the article `data-pagefind-body`, so that Pagefind indexes articles only, as sitegen does.

A clean build starts from no output and no cache, but the old ones are moved aside, not deleted, until
every timing is done: on an ext4 file system without a journal (this machine's), every file created in
the minute or more after tens of thousands were deleted costs several times more kernel time (the
kernel's ``recently_deleted`` inode check, seen with ``perf``), whichever generator creates it. Deleting
between runs made each clean build pay for the previous one's cleanup, by a varying amount.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402

from sitegen.content import frontmatter  # noqa: E402

SITEGEN = [sys.executable, "-m", "sitegen.cli"]
# Python programs run as installed ones do, with their compiled bytecode cached: with PYTHONDONTWRITEBYTECODE
# (set on some CI machines) an editable install recompiles its modules at every start, a cost no user pays.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one command; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{stderr[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


TRASH: list[Path] = []  # folders moved aside during the timings, deleted at the end


def discard(path: Path) -> None:
    """Move a folder out of the way (a rename: no file is deleted while anything is timed)."""
    if path.exists():
        aside = path.with_name(f".discarded-{len(TRASH)}-{path.name}")
        path.rename(aside)
        TRASH.append(aside)


def median_of(runs: int, prepare: Callable[[], None], cmd: list[str], cwd: Path) -> tuple[float, int]:
    times, peak = [], 0
    for _ in range(runs):
        prepare()
        seconds, rss = run(cmd, cwd)
        times.append(seconds)
        peak = max(peak, rss)
    return statistics.median(times), peak


def count_pages(public: Path) -> int:
    return sum(1 for _ in public.rglob("*.html"))


# --- sitegen scenarios --------------------------------------------------------------------------------


def sitegen_scenarios(site: Path, runs: int, large: bool = False) -> list[tuple[str, float, int]]:
    build = [*SITEGEN, "build", "--quiet"]
    content = sorted((site / "content").glob("*.md"))
    target = content[len(content) // 2]  # mid-archive: its search shard is a whole past year
    original = target.read_text(encoding="utf-8")
    recent = content[-1]  # the newest article: its shard is one month of the newest year
    recent_text = recent.read_text(encoding="utf-8")
    template = site / "templates" / "article.html"
    results = []

    def clean() -> None:
        discard(site / "public")
        discard(site / ".sitegen-cache")

    results.append(("clean build", *median_of(runs, clean, build, site)))
    run(build, site)
    results.append(("no-op rebuild", *median_of(runs, lambda: None, build, site)))

    counter = iter(range(10**6))

    def edit_body() -> None:
        target.write_text(original.replace("\n\n", f"\n\nEdited {next(counter)}.\n\n", 1), encoding="utf-8")

    results.append(("edit one article's body", *median_of(runs, edit_body, build, site)))

    def edit_recent() -> None:
        recent.write_text(recent_text.replace("\n\n", f"\n\nEdited {next(counter)}.\n\n", 1), encoding="utf-8")

    results.append(("edit the newest article's body", *median_of(runs, edit_recent, build, site)))
    recent.write_text(recent_text, encoding="utf-8")
    if large:
        return results

    def edit_tags() -> None:
        target.write_text(original.replace("tags: [", f"tags: [Edited {next(counter)}, ", 1), encoding="utf-8")

    results.append(("edit one article's tags", *median_of(runs, edit_tags, build, site)))
    target.write_text(original, encoding="utf-8")
    run(build, site)

    def add() -> None:
        n = next(counter)
        (site / "content" / f"zz-added-{n}.md").write_text(
            frontmatter.dump({"title": f"Added article {n}", "date": "2020-01-01", "tags": ["Added"]},
                             "A new article."), encoding="utf-8")

    results.append(("add one article", *median_of(runs, add, build, site)))
    victims = iter(content[: runs + 1])
    results.append(("delete one article", *median_of(runs, lambda: next(victims).unlink(), build, site)))

    def edit_template() -> None:
        template.parent.mkdir(exist_ok=True)
        base = Path(HERE.parent / "templates" / "article.html").read_text(encoding="utf-8")
        template.write_text(base.replace("Previous article", f"Earlier story {next(counter)}"), encoding="utf-8")

    results.append(("edit one template", *median_of(runs, edit_template, build, site)))
    template.unlink()
    return results


# --- peers ----------------------------------------------------------------------------------------------


def hugo_site(corpus: Path, folder: Path) -> Path:
    (folder / "content" / "posts").mkdir(parents=True)
    (folder / "hugo.toml").write_text(
        'baseURL = "http://localhost:8000/"\ntitle = "Benchmark"\npaginate = 10\ndisableKinds = ["RSS"]\n'
        '[permalinks]\nposts = "/:year/:month/:day/:slug/"\n'
        '[taxonomies]\ntag = "tags"\nyear = "years"\nmonth = "months"\n')
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    page_list = ('{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
                 '<time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Params.summary }}</p>'
                 '{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a> {{ end }}</article>{{ end }}'
                 '{{ with .Paginator.Next }}<a href="{{ .URL }}">Older</a>{{ end }}')
    shell = '<!DOCTYPE html><html lang="en"><head><title>{{ .Title }}</title></head><body>{{ block "main" . }}{{ end }}</body></html>'
    (layouts / "baseof.html").write_text(shell)
    (layouts / "single.html").write_text('{{ define "main" }}<article data-pagefind-body><h1>{{ .Title }}</h1>{{ .Content }}'
                                         '</article>{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a>{{ end }}'
                                         '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">Next</a>{{ end }}{{ end }}')
    (layouts / "list.html").write_text('{{ define "main" }}<h1>{{ .Title }}</h1>' + page_list + '{{ end }}')
    (layouts / "terms.html").write_text('{{ define "main" }}{{ range .Data.Terms.Alphabetical }}'
                                        '<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a>{{ end }}{{ end }}')
    (folder / "layouts" / "index.html").write_text(
        shell.replace('{{ block "main" . }}{{ end }}', '{{ $p := .Paginate .Site.RegularPages }}'
                      + page_list))
    for path in (corpus / "content").glob("*.md"):
        meta, body, _ = frontmatter.split(path.read_text(encoding="utf-8"), path)
        day = meta["date"]
        meta["years"] = [f"{day.year}"]
        meta["months"] = [f"{day.year}-{day.month:02d}"]
        (folder / "content" / "posts" / path.name).write_text(frontmatter.dump(meta, body), encoding="utf-8")
    return folder


def pelican_site(corpus: Path, folder: Path) -> Path:
    (folder / "content").mkdir(parents=True)
    (folder / "pelicanconf.py").write_text(
        'SITENAME = "Benchmark"\nSITEURL = ""\nPATH = "content"\nTIMEZONE = "UTC"\nDEFAULT_LANG = "en"\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nDEFAULT_PAGINATION = 10\n"
        'ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"\nARTICLE_SAVE_AS = ARTICLE_URL + "index.html"\n'
        'TAG_URL = "tags/{slug}/"\nTAG_SAVE_AS = TAG_URL + "index.html"\n'
        'YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"\nMONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"\n'
        'PAGINATED_TEMPLATES = {"index": None, "tag": None, "category": None, "author": None}\n'
        "CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\nCHECK_MODIFIED_METHOD = 'mtime'\n")
    for path in (corpus / "content").glob("*.md"):
        meta, body, _ = frontmatter.split(path.read_text(encoding="utf-8"), path)
        header = [f"Title: {meta['title']}", f"Date: {meta['date']}", f"Slug: {meta['slug']}",
                  f"Tags: {', '.join(meta['tags'])}", f"Authors: {', '.join(meta.get('authors', []))}",
                  f"Summary: {meta['summary']}"]
        (folder / "content" / path.name).write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
    return folder


def peer_scenarios(name: str, cmd: list[str], site: Path, edit_file: Path, runs: int,
                   clean_paths: list[str]) -> list[tuple[str, float, int]]:
    def clean() -> None:
        for rel in clean_paths:
            discard(site / rel)

    results = [("clean build", *median_of(runs, clean, cmd, site))]
    run(cmd, site)
    original = edit_file.read_text(encoding="utf-8")
    counter = iter(range(10**6))

    def edit() -> None:
        edit_file.write_text(original + f"\n\nEdited {next(counter)}.\n", encoding="utf-8")

    results.append(("edit one article's body", *median_of(runs, edit, cmd, site)))
    edit_file.write_text(original, encoding="utf-8")
    return results


def find_pelican() -> str | None:
    return os.environ.get("PELICAN") or shutil.which("pelican") or (
        "/tmp/peers/bin/pelican" if Path("/tmp/peers/bin/pelican").exists() else None)


# --- report -----------------------------------------------------------------------------------------


def report(rows: list[tuple[str, float, int]], name: str, pages: int) -> None:
    for scenario, seconds, rss in rows:
        rate = f"{pages / seconds:,.0f}" if scenario == "clean build" else ""
        print(f"| {name} | {scenario} | {seconds:.2f} s | {rss:,} MiB | {rate} |")


def main() -> None:
    parser = argparse.ArgumentParser(description="sitegen build benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of articles (default 1000 10000; --large: "
                        "25000 50000 100000)")
    parser.add_argument("--large", action="store_true",
                        help="25,000, 50,000 and 100,000 articles, default settings (clean build, edits, no-op)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, help="runs per scenario for the peers (default: --runs)")
    parser.add_argument("--plain", action="store_true", help="the corpus without Markdown formatting")
    parser.add_argument("--no-search", action="store_true", help="only the search: false configuration")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    peer_runs = args.peer_runs or args.runs
    os.sync()  # files deleted just before (a test run's) count as "recently deleted" for a minute, not six
    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    print(f"# sitegen benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}, in {work}, "
          f"{'plain' if args.plain else 'formatted'} corpus, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    sizes = args.sizes or ([25_000, 50_000, 100_000] if args.large else [1000, 10000])
    configurations = [("search: false", False)] if args.no_search else [("default settings", True)] + (
        [] if args.large else [("search: false", False)])
    for n in sizes:
        corpus = work / f"corpus-{n}{'-plain' if args.plain else ''}"
        if not corpus.exists():
            make_corpus(n, corpus, plain=args.plain)
        print(f"\n## {n:,} articles")
        clean_seconds: dict[str, float] = {}
        sitegen_edit: dict[str, float] = {}
        for label, search in configurations:
            site = work / f"sitegen-{n}"
            shutil.rmtree(site, ignore_errors=True)
            shutil.copytree(corpus, site)
            if not search:
                with (site / "sitegen.yaml").open("a", encoding="utf-8") as settings:
                    settings.write("search: false\n")
            rows = sitegen_scenarios(site, 1 if args.large else args.runs, large=args.large)
            pages = count_pages(site / "public")
            print(f"\n### sitegen, {label} ({pages:,} HTML pages)\n")
            print("| generator | scenario | median | peak RSS | pages/s |")
            print("|---|---|---|---|---|")
            report(rows, "sitegen", pages)
            clean_seconds[label], sitegen_edit[label] = rows[0][1], rows[2][1]
            discard(site)
        if args.no_peers or args.large:
            continue
        peers: list[tuple[str, list[tuple[str, float, int]], int]] = []
        if shutil.which("hugo"):
            hsite = hugo_site(corpus, work / f"hugo-{n}")
            edit_file = sorted((hsite / "content" / "posts").glob("*.md"))[n // 2]
            hrows = peer_scenarios("hugo", ["hugo", "--quiet"], hsite, edit_file, peer_runs, ["public", "resources"])
            peers.append(("Hugo", hrows, count_pages(hsite / "public")))
            chain = ["sh", "-c", f"hugo --quiet && {sys.executable} -m pagefind --site public --silent"]
            prows = peer_scenarios("hugo+pagefind", chain, hsite, edit_file, peer_runs, ["public", "resources"])
            peers.append(("Hugo, then Pagefind", prows, count_pages(hsite / "public")))
            discard(hsite)
        pelican = find_pelican()
        if pelican:
            psite = pelican_site(corpus, work / f"pelican-{n}")
            edit_file = sorted((psite / "content").glob("*.md"))[n // 2]
            prows = peer_scenarios("pelican", [pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
                                   psite, edit_file, peer_runs, ["output", "cache"])
            peers.append(("Pelican", prows, count_pages(psite / "output")))
            discard(psite)
        print("\n### peers\n")
        print("| generator | scenario | median | peak RSS | pages/s |")
        print("|---|---|---|---|---|")
        for name, prows, ppages in peers:
            report(prows, name, ppages)
        if peers:
            print("\n| sitegen's time as a ratio of | configuration | clean build | edit one article |")
            print("|---|---|---|---|")
            for name, prows, _pages in peers:
                for label in clean_seconds:
                    print(f"| {name} | {label} | {clean_seconds[label] / prows[0][1]:.2f}× "
                          f"| {sitegen_edit[label] / prows[1][1]:.2f}× |")
    for folder in TRASH:
        shutil.rmtree(folder, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
