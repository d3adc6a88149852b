"""Build-speed benchmark: sitegen's scenarios, and the same corpus built by Hugo and Pelican when installed.

    python benchmarks/run.py                 # N = 1,000 and 10,000
    python benchmarks/run.py --sizes 1000    # just one size
    python benchmarks/run.py --large         # adds N = 100,000 (clean build only)
    python benchmarks/run.py --runs 5        # runs per scenario (median reported; default 3)

Every build is a fresh process, timed with the standard library; peak RSS comes from wait4(). The machine is
shared and noisy, so compare the ratios printed in one run rather than absolute seconds across runs. Peers:
`hugo` on PATH (Debian package `hugo`), `pelican` on PATH or in $PELICAN (PyPI `pelican`). Each gets an
equivalent minimal site: article pages, tag pages, year and month archives, and a paginated front page
(10 per page); Hugo's archives are taxonomies added to its copy of the front matter.

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

from sitegen import frontmatter  # noqa: E402

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


def sitegen_scenarios(site: Path, runs: int) -> list[tuple[str, float, int]]:
    build = [*SITEGEN, "build", "--quiet"]
    content = sorted((site / "content").glob("*.md"))
    target = content[len(content) // 2]
    original = target.read_text(encoding="utf-8")
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
    (layouts / "single.html").write_text('{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}'
                                         '{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a>{{ end }}'
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


def main() -> None:
    parser = argparse.ArgumentParser(description="sitegen build benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--large", action="store_true", help="also 100,000 articles (clean build only)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp folder)")
    args = parser.parse_args()
    os.sync()  # files deleted just before (a test run's) count as "recently deleted" for a minute, not six
    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    print(f"# sitegen benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}, in {work}")
    for n in args.sizes + ([100_000] if args.large else []):
        corpus = work / f"corpus-{n}"
        if not corpus.exists():
            make_corpus(n, corpus)
        site = work / f"sitegen-{n}"
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(corpus, site)
        print(f"\n## {n:,} articles")
        if n >= 100_000:
            seconds, rss = run([*SITEGEN, "build", "--quiet"], site)
            pages = count_pages(site / "public")
            print(f"| sitegen | clean build | {seconds:.2f} s | {rss} MiB | {pages / seconds:,.0f} pages/s |")
            continue
        rows = sitegen_scenarios(site, args.runs)
        pages = count_pages(site / "public")
        clean_seconds = rows[0][1]
        print(f"{pages:,} HTML pages\n")
        print("| generator | scenario | median | peak RSS | pages/s |")
        print("|---|---|---|---|---|")
        for scenario, seconds, rss in rows:
            rate = f"{pages / seconds:,.0f}" if scenario == "clean build" else ""
            print(f"| sitegen | {scenario} | {seconds:.2f} s | {rss} MiB | {rate} |")
        sitegen_edit = rows[2][1]
        if args.no_peers:
            continue
        peers: list[tuple[str, list[tuple[str, float, int]], int]] = []
        if shutil.which("hugo"):
            hsite = hugo_site(corpus, work / f"hugo-{n}")
            edit_file = sorted((hsite / "content" / "posts").glob("*.md"))[n // 2]
            hrows = peer_scenarios("hugo", ["hugo", "--quiet"], hsite, edit_file, args.runs, ["public", "resources"])
            peers.append(("Hugo", hrows, count_pages(hsite / "public")))
            discard(hsite)
        pelican = find_pelican()
        if pelican:
            psite = pelican_site(corpus, work / f"pelican-{n}")
            edit_file = sorted((psite / "content").glob("*.md"))[n // 2]
            prows = peer_scenarios("pelican", [pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
                                   psite, edit_file, args.runs, ["output", "cache"])
            peers.append(("Pelican", prows, count_pages(psite / "output")))
            discard(psite)
        for name, prows, ppages in peers:
            for scenario, seconds, rss in prows:
                rate = f"{ppages / seconds:,.0f}" if scenario == "clean build" else ""
                print(f"| {name} | {scenario} | {seconds:.2f} s | {rss} MiB | {rate} |")
        if peers:
            print("\n| sitegen's time as a ratio of | clean build | edit one article |")
            print("|---|---|---|")
            for name, prows, _pages in peers:
                print(f"| {name} | {clean_seconds / prows[0][1]:.2f}× | {sitegen_edit / prows[1][1]:.2f}× |")
    for folder in TRASH:
        shutil.rmtree(folder, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
