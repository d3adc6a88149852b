"""URLs that never break: every earlier address of a page keeps leading to it.

Three sources, one map of old address → new address:

- ``aliases:`` (Hugo) and ``redirect_from:`` (Jekyll) in a content file's front matter;
- ``redirects.yaml`` at the site root, one ``/old/: /new/`` line each, written by hand or appended by the
  build: when a build sees that a published article's or page's address changed since the last build (its
  slug, date or ``url:`` edited; the same content file, or a new file with the same ``source``), it appends
  the line and says so. The file is meant to be committed with the content, so a fresh clone (with no
  cache to compare with) builds the same redirects. sitegen only ever appends to it; a later line for the
  same old address wins, and ``/old/: ~`` cancels one (sitegen writes that when a page takes an old address
  back).

A redirect to another redirect is followed to its end; a loop, or a redirect from an address a page of the
site lives at, is an error. Each is built as a small HTML page at the old address (works on any static
host), a 301 line of ``_redirects`` (Netlify, Cloudflare Pages), and an S3 object's redirect location.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sitegen.content import frontmatter
from sitegen.core import urls
from sitegen.core.config import REDIRECTS_FILE
from sitegen.core.errors import ContentError
from sitegen.core.model import Article

FILE = REDIRECTS_FILE
HEADER = ("# Redirects: old address: new address, one a line. sitegen appends a line when a page's address\n"
          "# changes; edit or add lines by hand (a later line for the same old address wins, '~' cancels one).\n"
          "# Commit this file with the content: it is how a fresh clone keeps every old link working.\n")


@dataclass(frozen=True)
class Line:
    """One redirect and where it was written: a line of redirects.yaml or a content file's front matter."""

    old: str
    new: str | None  # None: cancelled
    where: Path
    line: int | None

    def error(self, message: str) -> ContentError:
        return ContentError(self.where, self.line, message)


@dataclass
class Plan:
    """The site's redirects: old address → final address, what this build newly recorded, its problems."""

    targets: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # final address → the title of the page there
    recorded: list[tuple[str, str, str]] = field(default_factory=list)  # (old, new, content file) this build saw
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read(root: Path) -> tuple[list[Line], list[ContentError]]:
    """The lines of redirects.yaml (none when there is no file), with their line numbers."""
    path = root / FILE
    if not path.is_file():
        return [], []
    shown = Path(FILE)
    try:
        text = path.read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ContentError(shown, None, f"cannot read the redirects: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return [], [ContentError(shown, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem}")]
    except yaml.YAMLError as exc:
        return [], [ContentError(shown, 1, f"invalid YAML: {exc}")]
    if node is None:
        return [], []
    if not isinstance(node, yaml.MappingNode):
        return [], [ContentError(shown, node.start_mark.line + 1, "redirects are '/old/: /new/' lines")]
    lines, errors = [], []
    for key, value in node.value:
        number = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            errors.append(ContentError(shown, number, "a redirect is one line: /old-address/: /new-address/"))
            continue
        try:
            old = address(key.value)
            new = None if value.tag.endswith(":null") or value.value in ("", "~", "null") else target(value.value)
        except ValueError as exc:
            errors.append(ContentError(shown, number, str(exc)))
            continue
        lines.append(Line(old, new, shown, number))
    return lines, errors


def address(text: str) -> str:
    """An address of the site as redirects use it: '/x/' (a folder-like one gets its closing '/')."""
    text = str(text).strip()
    if not text.startswith("/") or text.startswith("//") or any(c in text for c in " ?#\\") or \
            any(p in (".", "..") for p in text.split("/")):
        raise ValueError(f"'{text[:60]}' is not an address of the site: write it as /old-address/")
    last = text.rsplit("/", 1)[-1]
    return text + "/" if last and "." not in last else text


def target(text: str) -> str:
    text = str(text).strip()
    return text if text.startswith(("http://", "https://")) else address(text)


def detect(before: Mapping[str, object], published: Iterable[Article]) -> list[tuple[str, str, str]]:
    """(old, new, content file) for each published article or page whose address differs from the one the
    last build published for the same content file, or for the same ``source`` (a renamed file). ``before``:
    the last build's cache entries (each with its ``article``) by content file."""
    old_by_file: dict[str, str] = {}
    old_by_source: dict[str, str] = {}
    for rel, entry in before.items():
        article = getattr(entry, "article", None)
        if article is None or article.draft:
            continue
        old_by_file[rel] = article.url
        if article.source:
            old_by_source[article.source] = article.url
    found = []
    for article in published:
        rel = article.path.as_posix()
        old = old_by_file.get(rel)
        if old is None and rel not in before and article.source:
            old = old_by_source.get(article.source)
        if old is not None and old != article.url:
            found.append((old, article.url, rel))
    return found


def plan(lines: list[Line], published: Iterable[Article], live: Mapping[str, str],
         detected: list[tuple[str, str, str]], root: Path) -> Plan:
    """Every redirect of the site. ``live``: output file → what makes it (a page of the site), so that
    no redirect replaces one; ``detected``: address changes this build saw (``detect``), recorded here."""
    result = Plan()
    published = list(published)
    titles = {a.url: a.title for a in published}
    entries: dict[str, Line] = {}
    for article in published:
        for alias in article.aliases:
            text = _text(root / article.path)
            at = frontmatter.key_line(text, "aliases") or frontmatter.key_line(text, "redirect_from")
            other = entries.get(alias)
            if other is not None and other.new != article.url:
                result.errors.append(ContentError(article.path, at, f"{alias} is already an earlier address of "
                                                                    f"{other.where}: keep it in one of them"))
                continue
            entries[alias] = Line(alias, article.url, article.path, at)
    for line in lines:
        entries[line.old] = line
    for old, new, rel in detected:
        if output_of(old) in live:  # another page lives there now: nothing to redirect
            continue
        current = entries.get(old)
        if current is not None and current.new == new:
            continue
        result.recorded.append((old, new, rel))
        entries[old] = Line(old, new, Path(FILE), None)
        if new in entries and entries[new].new is not None:  # the page took an old address back
            result.recorded.append((new, "", rel))
            entries[new] = Line(new, None, Path(FILE), None)
    for old, line in entries.items():
        if line.new is None:
            continue
        owner = live.get(output_of(old))
        if owner is not None:
            result.errors.append(line.error(f"the redirect from {old} would replace {owner} at that address: "
                                            "remove the redirect, or give that page another address"))
            continue
        final, seen = line.new, [old]
        while final in entries and (after := entries[final].new) is not None and output_of(final) not in live:
            if final in seen:
                result.errors.append(line.error(f"the redirects from {old} go round in a loop "
                                                f"({' → '.join([*seen, final])}): remove one of them"))
                break
            seen.append(final)
            final = after
        else:
            if not final.startswith(("http://", "https://")) and output_of(final) not in live:
                result.warnings.append(f"{line.where}{f':{line.line}' if line.line else ''}: the redirect from {old} "
                                       f"leads to {final}, where the site has no page")
            result.targets[old] = final
            if final in titles:
                result.titles[final] = titles[final]
    result.targets = dict(sorted(result.targets.items()))
    return result


def output_of(url: str) -> str:
    return urls.output_path(url)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def record(root: Path, recorded: list[tuple[str, str, str]]) -> None:
    """Append this build's new redirects to redirects.yaml (made with a header when missing): never a
    rewrite, so whatever a person wrote there stays."""
    if not recorded:
        return
    path = root / FILE
    existing = path.read_bytes() if path.is_file() else b""
    lines = [] if existing else [HEADER]
    if existing and not existing.endswith(b"\n"):
        lines.append("\n")
    for old, new, rel in recorded:
        if new:
            lines.append(f"{old}: {new}  # {rel}: its address changed\n")
        else:
            lines.append(f"{old}: ~  # {rel} is at this address again\n")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(lines))
