"""The command line: parses arguments, prints results and errors, returns exit codes. No logic of its own."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from sitegen import __version__
from sitegen.build import BuildOptions, BuildReport, build, convert
from sitegen.core.config import Config, load_config
from sitegen.core.errors import BuildFailed, ContentError, Refused, SitegenError, shown_path
from sitegen.core.parallel import default_jobs
from sitegen.output.write import OutputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a static news site from plain-text seed articles and Markdown content.",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    parser.add_argument("-C", "--site", metavar="DIR", type=Path, default=Path("."),
                        help="the site's folder, holding sitegen.yaml (default: the current folder)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("build", help="convert new seeds, then build the site into public/",
                            description="Convert seeds that have no content file yet, then build every "
                                        "page into the output folder. On any error nothing is written.")
    p.add_argument("--output", metavar="DIR", help="output folder (default: public)")
    p.add_argument("--base-url", metavar="URL",
                   help="the site's address, e.g. https://example.org/news/ (default: from sitegen.yaml)")
    p.add_argument("--drafts", action="store_true", default=None, help="include articles marked draft: true")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="processes for Markdown and rendering (default: one per core; 1 = serial)")
    p.add_argument("--clean", action="store_true", help="ignore the build cache and render every page")
    p.add_argument("--explain", action="store_true", help="list every page rendered and why, then each stage's time")
    p.add_argument("--now", metavar="WHEN",
                   help="build as if it were this date or time, e.g. 2023-09-19 (default: SOURCE_DATE_EPOCH, "
                        "else the clock): decides the news sitemap and which articles are still embargoed")
    p.add_argument("--future", action="store_true", default=None,
                   help="publish articles whose date or embargo is after now (default: hold them back)")
    p.add_argument("--allow-empty", action="store_true",
                   help="build even when no article would be published where the last build had some")
    p.add_argument("--strict", action="store_true",
                   help="treat every warning as an error: nothing is written (for CI)")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors and warnings only")
    p.set_defaults(run=_build)

    p = commands.add_parser("schedule", help="when the site next changes by itself (embargo, expiry), or rebuild then",
                            description="Print the next moment at which the site changes without anyone editing "
                                        "it (an embargo lifts, an article expires, the news sitemap's window "
                                        "moves), as recorded by the last build: ISO time, seconds from now and a "
                                        "crontab line. With --run, wait for each such moment, rebuild (and deploy "
                                        "with --deploy) until Ctrl-C.")
    p.add_argument("--run", dest="loop", action="store_true", help="keep running: rebuild at each moment until Ctrl-C")
    p.add_argument("--deploy", metavar="NAME", nargs="?", const="", default=None,
                   help="with --run: deploy after each rebuild (to the target NAME, default: the first)")
    p.set_defaults(run=_schedule)

    p = commands.add_parser("convert", help="turn seeds into content files (never overwrites)",
                            description="Turn each seed that has no content file yet into content/*.md. "
                                        "An existing content file is never overwritten unless --force, and "
                                        "then its text is kept as a backup (content/x.md~). A seed whose "
                                        "content file was deleted since the last build is not converted again "
                                        "unless named with --force.")
    p.add_argument("paths", nargs="*", metavar="SEED", type=Path,
                   help="only these seed files, e.g. seeds/a.txt (default: every seed)")
    p.add_argument("--seeds", metavar="DIR", help="seed folder (default: seeds)")
    p.add_argument("--content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--force", action="store_true",
                   help="regenerate content files from their seeds; the text replaced is kept as content/x.md~ "
                        "(then x.md.~2~, …)")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=_convert)

    p = commands.add_parser("deploy", help="build, then upload only what changed to a hosting target",
                            description="Build the site, then ship the output folder to a target from the "
                                        "'deploy:' section of sitegen.yaml (the first one when none is named) "
                                        "or to --to URL: a git branch (git+ssh://…, git+https://…, "
                                        "git+file://…, or a git remote name), a folder or user@host:path "
                                        "(rsync), or s3://bucket/prefix. Only changed files are uploaded: "
                                        "assets first, then pages, deletions last.")
    p.add_argument("target", nargs="?", metavar="NAME", help="a target named in sitegen.yaml (default: the first)")
    p.add_argument("--to", metavar="URL", help="deploy to this address instead of a named target")
    p.add_argument("--dry-run", action="store_true", help="print what would be uploaded and deleted; change nothing")
    p.add_argument("--allow-deletes", action="store_true",
                   help="go ahead even when more files would be deleted than the target's max_deletes")
    p.add_argument("--allow-empty", action="store_true",
                   help="deploy even when no article would be published where the last build had some")
    p.add_argument("--strict", action="store_true", help="treat every warning of the build as an error")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors and the final summary only")
    p.set_defaults(run=_deploy)

    p = commands.add_parser("serve", help="preview the site: build, serve on 127.0.0.1, rebuild and reload on save",
                            description="Build the site into a private folder and serve it at http://HOST:PORT "
                                        "under the same sub-path as base_url. Every save in content/, seeds/, "
                                        "templates/, static/ or sitegen.yaml rebuilds it and reloads the open "
                                        "browser tabs; build errors show in the browser until fixed. Ctrl-C stops.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, reachable from this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free port)")
    p.add_argument("--drafts", action="store_true", default=None, help="include articles marked draft: true")
    p.add_argument("--open", action="store_true", help="open the preview in the web browser")
    p.set_defaults(run=_serve)

    p = commands.add_parser("new", help="write a new content file for a headline and print its path",
                            description="Write content/YYYY-MM-DD-<slug>.md with complete front matter, dated "
                                        "now (to the minute, with the site's timezone offset) and draft: true: "
                                        "set draft: false to publish it. Never overwrites: a taken slug gets -2, -3, …")
    p.add_argument("headline", help='the article\'s headline, in quotes: "Markets rally"')
    p.add_argument("--tags", metavar="A,B", default="", help="comma-separated tags")
    p.add_argument("--author", metavar="NAME", action="append", default=[],
                   help="the byline (repeat for several authors)")
    p.set_defaults(run=_new)

    p = commands.add_parser("init", help="create a new site folder: settings, an example article, seeds/",
                            description="Create DIR with a commented sitegen.yaml, an example article in "
                                        "content/ and an empty seeds/. Refuses to overwrite any file.")
    p.add_argument("directory", metavar="DIR", type=Path, help="the new site's folder")
    p.add_argument("--with-theme", action="store_true",
                   help="also copy the default theme's templates/ and static/ into DIR, to edit them")
    p.set_defaults(run=_init)

    p = commands.add_parser("check", help="check the built site: links, fragments, orphan pages, feeds, sitemaps",
                            description="Read the output folder as a crawler would: every internal link and "
                                        "#fragment must resolve under the site's base URL, every page must be "
                                        "reachable from the front page, feeds and sitemaps must be well-formed. "
                                        "Lists every problem and exits 1 if there is any.")
    p.add_argument("--output", metavar="DIR", help="the built folder (default: public)")
    p.add_argument("--base-url", metavar="URL",
                   help="the address the site was built for (default: read from its front page)")
    p.add_argument("-j", "--jobs", type=int, metavar="N", help="processes for reading pages (default: one per core)")
    p.set_defaults(run=_check)

    # Each further command: one add_parser block here with set_defaults(run=_its_function).
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A build holds a million small long-lived objects (the cache's record of every article and page); at
    # the default thresholds the cycle collector walks them hundreds of times, a tenth of a one-file rebuild.
    gc.set_threshold(50_000, 20, 20)
    args = _parser().parse_args(argv)
    root = args.site.resolve()
    try:
        return args.run(args)
    except Refused as refused:
        for problem in refused.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"error: {refused}", file=sys.stderr)
        return 1
    except BuildFailed as failed:
        for note in failed.notes:
            print(note)
        _print_warnings(failed.warnings, failed.warned)
        for error in failed.errors:
            print(f"error: {_relative(error, root)}", file=sys.stderr)
        print(f"{args.command} failed: {failed}; nothing in the output folder was changed", file=sys.stderr)
        return 1
    except OutputError as exc:
        print(f"error: {shown_path(exc.folder, root)}/: {exc.reason}", file=sys.stderr)
        return 1
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file sitegen could not read or write: the user can act on it, no traceback
        print(f"error: {_os_error(exc, root)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace) -> int:
    config = load_config(args.site, output_dir=args.output, base_url=args.base_url, drafts=args.drafts,
                         publish_future=args.future)
    progress = _Progress() if sys.stderr.isatty() and not args.quiet else None
    try:
        report = build(config, BuildOptions(jobs=args.jobs, clean=args.clean, now=args.now, progress=progress,
                                            allow_empty=args.allow_empty, strict=args.strict))
    finally:
        if progress:
            progress.done()
    if args.explain:
        for page, reason in report.rendered:
            print(f"rendered {page}: {reason}")
        print(stage_times(report))
        print(stage_memory(report))
    _print_warnings(report.warnings, report.warned)
    if not args.quiet:
        for path in report.converted:
            print(f"converted {shown_path(path, config.root)}")
        _print_timing(report)
        for line in report.redirects:
            print(f"redirect: {line}")
        print(_summary(report, config.output_dir))
    return 0


def stage_times(report: BuildReport) -> str:
    """Each stage's time on one line, as Hugo's --templateMetrics and Zola's timings show theirs."""
    return "stages: " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in report.stages)


def stage_memory(report: BuildReport) -> str:
    """The build process's peak memory after each stage (its pool's workers and Pagefind not counted)."""
    return "peak memory: " + ", ".join(f"{name} {mib} MiB" for name, mib in report.memory)


def _print_warnings(warnings: list[str], warned: list[str]) -> None:
    """Every warning of the run, and a count line when there is any (even with -q: none is ever lost)."""
    from sitegen.incremental.notices import count_line

    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if warnings:
        print(count_line(warnings, warned), file=sys.stderr)


def _print_timing(report: BuildReport) -> None:
    for path, when in report.future:
        print(f"held until {when}: {path}")
    for path, when in report.published_future:
        print(f"published before its time ({when}, publish_future/--future): {path}")
    if report.next_change:
        print(f"next change: {report.next_change} ({'; '.join(report.next_reasons)}): see sitegen schedule")


class _Progress:
    """Stage and count on one terminal line, shown only once a build has run for two seconds."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < 2 and not stage.startswith("waiting"):
            return
        count = f" {done}/{total}" if total else ""
        print(f"\r\033[K{stage}{count}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def done(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def _summary(report: BuildReport, output_dir: str) -> str:
    files = report.files
    return (f"built {_count(report.articles, 'article')}, {_count(report.pages, 'page')}, "
            f"{_count(report.tags, 'tag')} in {report.seconds:.2f} s -> {output_dir}/ "
            f"({files.written} written, {files.unchanged + files.kept} unchanged, {files.removed} removed)"
            + (f"; {_count(len(report.future), 'article')} held" if report.future else ""))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check(args: argparse.Namespace) -> int:
    from sitegen.check import built_base_url, check_site  # like deploy and serve: loaded only for its command

    config = load_config(args.site, output_dir=args.output)
    output = config.output_path
    base_url = args.base_url or built_base_url(output) or config.base_url
    from sitegen.schedule import withheld_articles

    report = check_site(output, base_url, jobs=args.jobs or default_jobs(), withheld=withheld_articles(config))
    for problem in report.problems:
        print(f"{config.output_dir}/{problem}" if not problem.startswith("/") else problem)
    _print_untranslated(config)
    counts = (f"{_count(report.pages, 'page')}, {_count(report.links, 'link')}, {_count(report.feeds, 'feed')}, "
              f"{_count(report.sitemaps, 'sitemap')} at {base_url}")
    if report.problems:
        print(f"check failed: {_count(len(report.problems), 'problem')} in {counts}", file=sys.stderr)
        return 1
    print(f"checked {counts}: no problems")
    return 0


def _print_untranslated(config: Config) -> None:
    """The theme's strings each of the site's languages shows in English, as lines to paste into
    i18n/<lang>.yaml."""
    from sitegen.core import i18n

    for code in [lang.code for lang in config.languages] or [config.language]:
        lang = i18n.language(code, config.root)
        for error in lang.errors:
            print(f"error: {error}", file=sys.stderr)
        missing = lang.untranslated()
        if missing:
            print(f"untranslated: {_count(len(missing), 'string')} of the theme show in English in '{code}'; "
                  f"translate them in {i18n.OVERRIDES_DIR}/{code}.yaml:")
            for message in missing:
                print(f"  {json.dumps(message, ensure_ascii=False)}: \"\"")


def _convert(args: argparse.Namespace) -> int:
    config = load_config(args.site, seeds_dir=args.seeds, content_dir=args.content)
    report = convert(config, force=args.force, only=args.paths or None)
    if not args.quiet:
        for path in report.written:
            if path in report.backups:
                print(f"backed up {shown_path(path, config.root)} to {shown_path(report.backups[path], config.root)}")
            print(f"wrote {shown_path(path, config.root)}")
        print(f"converted {_count(len(report.written), 'seed')}, "
              f"{len(report.skipped)} already had a content file"
              + (f", {len(report.unchanged)} unchanged" if report.unchanged else "")
              + (f", {len(report.deleted)} not converted again (content file deleted)" if report.deleted else ""))
    from sitegen.incremental.notices import recall, relative

    recall(config.cache_path, report.seed_warnings)  # kept, for every build to repeat until the files change
    _print_warnings([relative(w, config.root) for w in report.warnings], [])
    for error in report.errors:
        print(f"error: {_relative(error, config.root)}", file=sys.stderr)
    return 1 if report.errors else 0


def _deploy(args: argparse.Namespace) -> int:
    from sitegen.deploy.publish import find_target, publish
    from sitegen.deploy.publish import summary as deploy_summary

    config = load_config(args.site)
    target = find_target(config, args.target, args.to)

    def built(report: BuildReport, settings: Config) -> None:
        _print_warnings(report.warnings, report.warned)
        if not args.quiet:
            for path in report.converted:
                print(f"converted {shown_path(path, config.root)}")
            for line in report.redirects:
                print(f"redirect: {line}")
            print(_summary(report, settings.output_dir) + (f" for {settings.base_url}"
                                                           if settings.base_url != config.base_url else ""))

    report = publish(config, target, dry_run=args.dry_run, allow_deletes=args.allow_deletes,
                     allow_empty=args.allow_empty, strict=args.strict, echo=None if args.quiet else print,
                     on_built=built,
                     warn=lambda text: print(f"warning: {text}", file=sys.stderr))
    print(deploy_summary(report))
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from datetime import datetime

    from sitegen.schedule import describe, read_record, run, scan

    config = load_config(args.site)
    if not args.loop:
        record = read_record(config)
        if record is None:
            print("no build recorded yet: worked out from the content files (sitegen build records it)")
            record = scan(config)
        for line in describe(record, config.root, datetime.now(config.tz)):
            print(line)
        return 0
    if args.deploy is not None:
        from sitegen.deploy.publish import find_target

        find_target(config, args.deploy or None, None)  # a wrong name fails now, not at the first moment

    def rebuild(settings: Config) -> str:
        if args.deploy is None:
            built = build(settings)
            _print_timing(built)
            return f"{time.strftime('%H:%M:%S')} {_summary(built, settings.output_dir)}"
        from sitegen.deploy.publish import find_target, publish
        from sitegen.deploy.publish import summary as deploy_summary

        def built_for(report: BuildReport, used: Config) -> None:
            _print_timing(report)
            print(_summary(report, used.output_dir), flush=True)

        report = publish(settings, find_target(settings, args.deploy or None, None), on_built=built_for,
                         warn=lambda text: print(f"warning: {text}", file=sys.stderr))
        return f"{time.strftime('%H:%M:%S')} {deploy_summary(report)}"

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        run(lambda: load_config(args.site), rebuild, say=say)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from sitegen.preview.serve import serve  # tornado, livereload and watchfiles load only for the preview

    serve(args.site, host=args.host, port=args.port, drafts=args.drafts, open_browser=args.open)
    return 0


def _new(args: argparse.Namespace) -> int:
    from sitegen.scaffold import new_article, split_tags  # the converter's modules: only when asked

    config = load_config(args.site)
    path = new_article(config, args.headline, tags=split_tags(args.tags), authors=args.author)
    print(shown_path(path, config.root))
    return 0


def _init(args: argparse.Namespace) -> int:
    from sitegen.scaffold import init_site

    folder = args.site / args.directory
    for path in init_site(folder, with_theme=args.with_theme):
        print(f"created {shown_path(path, Path.cwd().resolve())}{'/' if path.is_dir() else ''}")
    print(f"next: cd {shown_path(folder.resolve(), Path.cwd().resolve())} && sitegen serve")
    return 0


def _os_error(exc: OSError, root: Path) -> str:
    """``path: what went wrong``, with the path as the user would type it."""
    what = (exc.strerror or str(exc)).lower()
    if exc.errno in (errno.EACCES, errno.EPERM):
        what += ": make it writable (and its folder readable) for this user"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what += ": free some space on that disk"
    if exc.filename:
        return f"{shown_path(Path(exc.filename), root)}: {what}"
    return what


def _relative(error: SitegenError, root: Path) -> SitegenError:
    """Errors name files as the user would type them: relative to the site's folder."""
    if isinstance(error, ContentError) and error.path.is_absolute() and error.path.is_relative_to(root):
        return ContentError(error.path.relative_to(root), error.line, error.message)
    return error


def entry() -> None:
    """The ``sitegen`` command: ``main``, then exit without the interpreter's teardown when nothing is left
    running: freeing a build's million objects one by one took 0.1 s of a one-file rebuild. Otherwise (a
    preview stopped in the middle of a build) the normal exit, whose handlers end the build's workers."""
    code = main()
    pool = sys.modules.get("multiprocessing")
    if threading.active_count() > 1 or (pool is not None and pool.active_children()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said anyway
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
