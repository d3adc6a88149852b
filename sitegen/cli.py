"""The command line: parses arguments, prints results and errors, returns exit codes. No logic of its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import BuildReport, build, convert
from .config import load_config
from .errors import BuildFailed, ContentError, SitegenError


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
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=_build)

    p = commands.add_parser("convert", help="turn seeds into content files (never overwrites)",
                            description="Turn each seed that has no content file yet into content/*.md. "
                                        "An existing content file is never overwritten unless --force.")
    p.add_argument("--seeds", metavar="DIR", help="seed folder (default: seeds)")
    p.add_argument("--content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--force", action="store_true",
                   help="regenerate content files from their seeds, discarding hand edits")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.set_defaults(run=_convert)

    # Each further command: one add_parser block here with set_defaults(run=_its_function).
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = args.site.resolve()
    try:
        return args.run(args)
    except BuildFailed as failed:
        for note in failed.notes:
            print(note)
        for error in failed.errors:
            print(f"error: {_relative(error, root)}", file=sys.stderr)
        print(f"{args.command} failed: {failed}; nothing in the output folder was changed", file=sys.stderr)
        return 1
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace) -> int:
    config = load_config(args.site, output_dir=args.output, base_url=args.base_url, drafts=args.drafts)
    report = build(config)
    if not args.quiet:
        for path in report.converted:
            print(f"converted {_shown(path, config.root)}")
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(_summary(report, config.output_dir))
    return 0


def _summary(report: BuildReport, output_dir: str) -> str:
    files = report.files
    return (f"built {_count(report.articles, 'article')}, {_count(report.pages, 'page')}, "
            f"{_count(report.tags, 'tag')} in {report.seconds:.2f} s -> {output_dir}/ "
            f"({files.written} written, {files.unchanged} unchanged, {files.removed} removed)")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _convert(args: argparse.Namespace) -> int:
    config = load_config(args.site, seeds_dir=args.seeds, content_dir=args.content)
    report = convert(config, force=args.force)
    if not args.quiet:
        for path in report.written:
            print(f"wrote {_shown(path, config.root)}")
        print(f"converted {_count(len(report.written), 'seed')}, "
              f"{len(report.skipped)} already had a content file")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in report.errors:
        print(f"error: {_relative(error, config.root)}", file=sys.stderr)
    return 1 if report.errors else 0


def _relative(error: SitegenError, root: Path) -> SitegenError:
    """Errors name files as the user would type them: relative to the site's folder."""
    if isinstance(error, ContentError) and error.path.is_absolute() and error.path.is_relative_to(root):
        return ContentError(error.path.relative_to(root), error.line, error.message)
    return error


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
