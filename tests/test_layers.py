"""Imports go down the layers of docs/architecture.md, never up: a new upward import fails here.

``LAYERS`` is the table of docs/architecture.md ("Packages and layers"): a package is a layer, and the second
test holds the two to each other. Every import counts, also one inside a function or under ``TYPE_CHECKING``: a
module imported late is still one this module needs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "sitegen"

ORDER = ("core", "content", "seeds", "site", "pages", "incremental", "output", "orchestration", "commands")
# A package is one layer (every module in it); the modules at the top of sitegen/ are the orchestration, cli the
# commands. ``layer_of`` looks a module up by its full dotted name, then by each package above it.
LAYERS = {
    "cli": "commands",
    **dict.fromkeys(("build", "check", "scaffold", "schedule", "preview", "deploy"), "orchestration"),
    **{package: package for package in ("output", "pages", "incremental", "site", "seeds", "content", "core")},
    "__init__": "core",
}
# Upward imports known and named (importer, imported): each is a reason to move code, not a licence. A new one
# fails the test; one that is gone must be struck from here (the test says so).
KNOWN_UPWARD = {
    # The loader reuses the last build's parse of an unchanged file and stores rendered bodies: the cache's
    # what-to-redo decision for content files still lives in load.py (its SourceEntry is the cache's record).
    ("content.load", "incremental.cache"): "load_articles reads and fills the build cache",
    ("seeds.convert", "incremental.cache"): "the type of the last build's entries (SourceEntry), under TYPE_CHECKING",
}


def module_name(path: Path) -> str:
    """``sitegen/render.py`` → ``render``; ``sitegen/pages/render.py`` → ``pages.render``."""
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = LAYERS.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def imported(source: str, module: str) -> set[tuple[str, int]]:
    """The sitegen modules that the source of ``module`` imports (dotted under ``sitegen``), each with the
    line of its import."""
    package = module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(a.name.removeprefix("sitegen."), node.lineno) for a in node.names
                      if a.name.startswith("sitegen.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            elif node.module and (node.module == "sitegen" or node.module.startswith("sitegen.")):
                base, node.module = [], node.module.removeprefix("sitegen").lstrip(".") or None
            else:
                continue
            prefix = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:
                # ``from . import urls`` imports a module; ``from .urls import slugify`` a name of one
                candidate = ".".join([*prefix, alias.name])
                target = candidate if (PACKAGE / f"{candidate.replace('.', '/')}.py").is_file() or \
                    (PACKAGE / candidate.replace(".", "/")).is_dir() else ".".join(prefix) or "__init__"
                found.add((target, node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    missing = [module_name(p) for p in MODULES if layer_of(module_name(p)) is None]
    assert not missing, (f"no layer for {missing}: add each to LAYERS in tests/test_layers.py and to the table "
                         "in docs/architecture.md ('Modules and layers')")


def test_imports_go_down_the_layers() -> None:
    upward, seen = [], set()
    for path in MODULES:
        importer = module_name(path)
        mine = ORDER.index(layer_of(importer) or "commands")
        for target, line in sorted(imported(path.read_text(encoding="utf-8"), importer)):
            theirs = layer_of(target)
            if theirs is None or ORDER.index(theirs) <= mine:
                continue
            pair = (importer, target)
            if pair in KNOWN_UPWARD:
                seen.add(pair)
                continue
            upward.append(f"sitegen/{path.relative_to(PACKAGE)}:{line}: {importer} ({layer_of(importer)}) imports "
                          f"{target} ({theirs}), a layer above it")
    assert not upward, "\n".join(upward)
    assert seen == set(KNOWN_UPWARD), f"no longer imported upward, strike from KNOWN_UPWARD: {set(KNOWN_UPWARD) - seen}"


def test_the_architecture_table_lists_the_same_layers() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## Packages and layers"):]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    documented = {}
    for row in rows:
        layer, modules = row.split("|")[1].strip(), row.split("|")[2]
        documented.update(dict.fromkeys(re.findall(r"`(\w+)(?:/|\.py)`", modules), layer))
    documented["__init__"] = "core"
    assert documented == LAYERS
    assert [r.split("|")[1].strip() for r in rows] == list(reversed(ORDER))


@pytest.mark.parametrize("source, expected", [
    ("from . import feeds", {("pages.feeds", 1)}),
    ("from .seo import article_json_ld", {("pages.seo", 1)}),
    ("from sitegen.core import urls", {("core.urls", 1)}),
    ("from sitegen.incremental.cache import Cache", {("incremental.cache", 1)}),
    ("import sitegen.site.collect", {("site.collect", 1)}),
    ("def f():\n    from sitegen import __version__", {("__init__", 2)}),
])
def test_imports_are_found_in_every_spelling(source: str, expected: set[tuple[str, int]]) -> None:
    assert imported(source, "pages.render") == expected
