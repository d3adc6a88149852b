"""The build, top to bottom: convert new seeds, load, collect, render, write."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .collect import build_site
from .config import Config
from .convert import ConvertReport, convert_seeds
from .errors import BuildFailed, SitegenError
from .load import load_articles
from .model import Output
from .render import make_env, render_site
from .write import WriteReport, write_outputs


@dataclass
class BuildReport:
    articles: int
    pages: int
    tags: int
    files: WriteReport
    seconds: float
    converted: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build(config: Config) -> BuildReport:
    """Build the whole site into the output folder, or raise BuildFailed and leave it untouched."""
    started = time.perf_counter()
    check_output_dir(config)
    conversion = convert(config)
    articles, errors = load_articles(config)
    site, url_errors = build_site(articles, config.per_page, config.title)
    errors = [*conversion.errors, *errors, *url_errors]
    if errors:
        raise BuildFailed(errors, notes=_converted_notes(conversion, config))
    pages = _PageCounter(render_site(site, make_env(config), config))
    try:
        written = write_outputs(pages, config.output_path)
    except OSError as exc:
        raise SitegenError(f"cannot write the site to {config.output_dir}/: {exc.strerror}"
                           f"{f' ({exc.filename})' if exc.filename else ''}") from None
    return BuildReport(
        articles=len(site.articles),
        pages=pages.html,
        tags=len(site.tags),
        files=written,
        seconds=time.perf_counter() - started,
        converted=conversion.written,
        warnings=conversion.warnings,
    )


def convert(config: Config, force: bool = False) -> ConvertReport:
    """Turn seeds without a content file into content files; never touches an existing one unless forced."""
    return convert_seeds(config.seeds_path, config.content_path, config.root, force=force)


def check_output_dir(config: Config) -> None:
    """A wrong ``output_dir`` must never replace the site's own sources."""
    output = config.output_path
    protected = [config.root, config.content_path, config.seeds_path,
                 *config.theme_dirs("templates")[:1], *config.theme_dirs("static")[:1]]
    for folder in protected:
        if output == folder or output in folder.parents:
            raise SitegenError(f"output_dir '{config.output_dir}' would replace {folder}: "
                               "choose a folder of its own, such as 'public'")


def _converted_notes(conversion: ConvertReport, config: Config) -> list[str]:
    return [f"converted {_rel(p, config.root)}" for p in conversion.written]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


class _PageCounter:
    """Passes outputs through, counting the HTML pages for the summary."""

    def __init__(self, outputs: Iterable[Output]) -> None:
        self.outputs = outputs
        self.html = 0

    def __iter__(self) -> Iterator[Output]:
        for output in self.outputs:
            if output.path.endswith(".html"):
                self.html += 1
            yield output
