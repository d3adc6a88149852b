"""Checks of the site as a whole, which no single content file can make: every section named in front matter
is one of the settings', every ``ref`` names a content file, every ``layout`` has a template, and no file
of ``static/`` lands on a page the build makes. Each is a ``ContentError`` at the file and line to fix."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from jinja2 import Environment

from sitegen.content.frontmatter import key_line
from sitegen.core.config import Config
from sitegen.core.errors import ContentError
from sitegen.core.model import Article, Output, Section, Site
from sitegen.pages.render import HOSTING_OWN, Page, root_files, template_names


def section_finder(config: Config) -> Callable[[str], Section | None]:
    """The section a front matter ``section:`` names (slug or name, any case), looked up once per spelling."""
    known: dict[str, Section | None] = {}

    def find(name: str) -> Section | None:
        if name not in known:
            known[name] = config.section_named(name)
        return known[name]

    return find


def _line_of(config: Config, article: Article, *keys: str) -> int | None:
    try:
        text = (config.root / article.path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return next((line for key in keys if (line := key_line(text, key))), None)


def check_structure(config: Config, published: list[Article],
                     section_of: Callable[[str], Section | None]) -> tuple[dict[str, str], list[ContentError]]:
    """Each section named in front matter is one of the settings'; each ``ref`` names a content file.
    Returns the addresses refs can name (content path, path without suffix, file name or stem → address)."""
    errors = []
    known = ", ".join(s.slug for s in config.sections) or "none yet: list them under 'sections:' in sitegen.yaml"
    for article in published:
        if article.section and section_of(article.section) is None:
            errors.append(ContentError(article.path, _line_of(config, article, "section", "category", "categories"),
                                       f"unknown section '{article.section}'; the sections are: {known}"))
    links = _ref_targets(config, published) if any(a.refs for a in published) else {}
    for article in published:
        for ref in article.refs:
            line, target = ref.split(":", 1)
            if target not in links:
                errors.append(ContentError(article.path, int(line), f"the ref to '{target}' names no published "
                                                                    "content file: give its path in content/"))
    return links, errors


def _ref_targets(config: Config, published: list[Article]) -> dict[str, str]:
    content = f"{config.content_path.relative_to(config.root).as_posix()}/" \
        if config.content_path.is_relative_to(config.root) else ""
    exact: dict[str, str] = {}
    loose: dict[str, set[str]] = {}
    for article in published:
        within = article.path.as_posix().removeprefix(content)
        stem = within.rsplit(".", 1)[0]
        for key in (within, stem, f"/{within}", f"/{stem}"):
            exact[key] = article.url
        name = within.rsplit("/", 1)[-1]
        for key in (name, name.rsplit(".", 1)[0]):
            loose.setdefault(key, set()).add(article.url)
    for key, found in loose.items():
        if len(found) == 1:  # a file name two files share names neither
            exact.setdefault(key, next(iter(found)))
    return exact


def check_layouts(env: Environment, config: Config, standalone: tuple[Article, ...]) -> list[ContentError]:
    names = set(template_names(env))
    return [ContentError(page.path, _line_of(config, page, "layout"),
                         f"layout '{page.layout}' has no template: add templates/{page.layout}.html, "
                         "or remove the line to use page.html")
            for page in standalone if page.layout and f"{page.layout}.html" not in names]


class Owners(Mapping[str, str]):
    """Every output file a build writes (relative to the output folder), with what makes it, worked out only
    when an error names it: a clash is rare, and 20k descriptions a build would cost more than the check."""

    def __init__(self, pages: list[Page], site: Site, theme: set[str], hosting: Iterable[str]) -> None:
        self._site = site
        self._theme = theme
        self._paths = {p.path for p in pages} | theme | {n for n in hosting if n.startswith("_")}

    def __getitem__(self, path: str) -> str:
        if path not in self._paths:
            raise KeyError(path)
        if path in self._theme:
            return f"the theme's file {path}"
        url = "/" + path.removesuffix("index.html")
        made = next((a for a in (*self._site.articles, *self._site.standalone) if a.url == url), None)
        return f"the page of {made.path}" if made else f"the generated page {path}"

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def owners(pages: list[Page], statics: list[Output], site: Site, config: Config, hosting: Iterable[str]) -> Owners:
    """Every output file a build writes, with what makes it: for errors that name both sides of a clash."""
    own = set(root_files(config))
    return Owners(pages, site, {o.path for o in statics if o.path not in own}, hosting)


def root_file_clashes(config: Config, live: Mapping[str, str]) -> list[ContentError]:
    """A site file in static/ that would replace a page the build makes: an error naming both."""
    errors = []
    static = Path(config.static_dir)
    for rel in root_files(config):
        if rel in HOSTING_OWN:  # merged into the generated one
            continue
        if rel in live:
            errors.append(ContentError(static / rel, None, f"would be published at /{rel}, replacing "
                                                           f"{live[rel]}: rename or move the file"))
        elif config.search and rel.split("/", 1)[0] == "pagefind":
            errors.append(ContentError(static / rel, None, "would be published in /pagefind/, the search "
                                                           "index's folder: rename or move the file"))
    return errors
