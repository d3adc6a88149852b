"""Site settings from ``sitegen.yaml``: every key has a default, an unknown key is an error."""

from __future__ import annotations

import itertools
import types
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sitegen.core.errors import BuildFailed, ContentError
from sitegen.core.model import MenuEntry, Section, SiteLanguage

CONFIG_FILE = "sitegen.yaml"
REDIRECTS_FILE = "redirects.yaml"  # old address: new address, at the site root, committed with the content
FEED_CONTENT = ("full", "summary")
PACKAGE_THEME = Path(__file__).parent.parent / "_theme"  # the default theme inside an installed wheel
REPO_THEME = Path(__file__).parent.parent.parent  # ... and in a source checkout (templates/, static/)


@dataclass(frozen=True)
class Config:
    root: Path = field(default_factory=Path.cwd)
    title: str = "sitegen news"
    description: str = "News built with sitegen."
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"
    per_page: int = 10
    summary_length: int = 300
    feed_limit: int = 20
    content_dir: str = "content"
    seeds_dir: str = "seeds"
    output_dir: str = "public"
    templates_dir: str = "templates"
    static_dir: str = "static"
    cache_dir: str = ".sitegen-cache"
    drafts: bool = False
    # Publish articles whose date or embargo is after now (same as --future); off: they are held back.
    publish_future: bool = False
    # The page that states the site's corrections policy (a URL or a path): the publisher's correctionsPolicy.
    corrections_policy: str = ""
    # Feeds carry each article's full text ("full") or only its summary ("summary").
    feed_content: str = "full"
    # The organisation named as publisher (JSON-LD, Google News sitemap); empty: the site's title.
    publisher: str = ""
    # The picture shared with links to pages that have no image of their own: a URL or a path under the site.
    image: str = ""
    # Pagefind full-text search at /search/, indexed after every build that changed a page.
    search: bool = True
    # Name stylesheets by their content (style.1a2b3c4d5e.css) so browsers may cache them for ever.
    fingerprint: bool = True
    # Let raw HTML in content files (<script>, <iframe>, <b>...) and javascript:/data: link URLs reach the
    # page, like Hugo's markup.goldmark.renderer.unsafe. Off: they are omitted/neutralised (sitegen/markup.py).
    unsafe_html: bool = False
    # Hosting targets for `sitegen deploy`: name -> settings (url, branch, ...); sitegen/deploy.py checks each
    # target at its own line, so only the names are checked here.
    deploy: dict[str, Any] = field(default_factory=dict, hash=False)
    # The desks (World, Politics...), in the order the navigation lists them: each a slug, name, description.
    sections: tuple[Section, ...] = ()
    # The main navigation (name and url of each link); not set: Latest, each section, then the indexes.
    menu: tuple[MenuEntry, ...] | None = None
    # The section every converted seed is given (a slug or name of `sections`); empty: none.
    seed_section: str = ""
    # The widths (px) each photo is resized to for srcset (never larger than the photo itself), docs/images.md.
    image_widths: tuple[int, ...] = (480, 800, 1200, 1600, 2048)
    # AVIF besides WebP and the JPEG/PNG fallback (slower to make; browsers that read it get smaller files).
    image_avif: bool = True
    # A multilingual site's languages (docs/i18n.md), each with its base path; `language` is the default one.
    languages: tuple[SiteLanguage, ...] = ()

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: '/' or e.g. '/news/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def publisher_name(self) -> str:
        return self.publisher or self.title

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def language_base(self, lang: SiteLanguage) -> str:
        """Where a language's pages live: its ``base``, else '/' for the default one and '/<code>/'."""
        return lang.base or ("/" if lang.code == self.language else f"/{lang.code.lower()}/")

    def section_named(self, name: str) -> Section | None:
        """The section with this slug or name (any case); None when there is none."""
        from sitegen.core.urls import slugify

        slug = slugify(name)
        return next((s for s in self.sections if s.slug == slug or s.name.casefold() == name.casefold()), None)

    def resolve(self, name: str | Path) -> Path:
        return (self.root / name).resolve()

    @property
    def content_path(self) -> Path:
        return self.resolve(self.content_dir)

    @property
    def seeds_path(self) -> Path:
        return self.resolve(self.seeds_dir)

    @property
    def output_path(self) -> Path:
        return self.resolve(self.output_dir)

    @property
    def cache_path(self) -> Path:
        return self.resolve(self.cache_dir)

    def theme_dirs(self, kind: str) -> list[Path]:
        """Where to look for templates or static files: the site's own first, then the default theme."""
        own = self.resolve(self.templates_dir if kind == "templates" else self.static_dir)
        default = PACKAGE_THEME / kind if (PACKAGE_THEME / kind).is_dir() else REPO_THEME / kind
        return [own] if own == default.resolve() else [own, default]


# Each setting's type as a real type (``list[str]``, ``float``...), not the string that ``from __future__ import
# annotations`` leaves in the dataclass's fields: what sitegen.yaml's values are checked against.
_FIELDS: dict[str, Any] = {name: kind for name, kind in get_type_hints(Config).items() if name != "root"}
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Config)}


def load_config(root: Path, **overrides: Any) -> Config:
    """Read ``root/sitegen.yaml`` (optional), then apply command-line overrides."""
    root = root.resolve()
    path = root / CONFIG_FILE
    values: dict[str, Any] = {}
    errors: list[ContentError] = []
    lines: dict[str, int] = {}
    if path.is_file():
        values, errors, lines = _read(path)
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(given)
    config = Config(root=root, **values)
    # A value from the command line has no line; one from the file is named at its line.
    errors += _validate(config, path, {key: line for key, line in lines.items() if key not in given})
    if errors:
        raise BuildFailed(errors)
    return config


def _read(path: Path) -> tuple[dict[str, Any], list[ContentError], dict[str, int]]:
    """The settings of the file, every error in it, and the line of each setting."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [ContentError(path, None, f"cannot read the settings file: {exc}")], {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        if "maximum nesting depth" in str(exc.problem):  # libyaml stops at 1,000 levels
            return {}, [ContentError(path, line, _TOO_DEEP)], {}
        return {}, [ContentError(path, line, f"invalid YAML: {exc.problem}")], {}
    except yaml.YAMLError as exc:
        return {}, [ContentError(path, 1, f"invalid YAML: {_cut(str(exc), 120)}")], {}
    except RecursionError:  # the pure-Python composer recurses once per level of nesting
        return {}, [ContentError(path, _deep_line(text), _TOO_DEEP)], {}
    if node is None:
        return {}, [], {}
    if not isinstance(node, yaml.MappingNode):
        return {}, [ContentError(path, node.start_mark.line + 1, "settings must be 'key: value' lines")], {}
    values: dict[str, Any] = {}
    errors: list[ContentError] = []
    lines: dict[str, int] = {}
    budget = [MAX_VALUES]
    for key_node, value_node in node.value:
        key, line = key_node.value, key_node.start_mark.line + 1
        expected = _FIELDS.get(key) if isinstance(key_node, yaml.ScalarNode) else None
        if expected is None:
            shown = key if isinstance(key, str) else "?"
            errors.append(ContentError(path, line, f"unknown setting '{_cut(shown)}'; {_unknown_hint(shown)}"))
            continue
        lines[key] = line
        if key in _ENTRY_READERS:
            if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~", "null"):
                continue  # the default
            if problem := _size_problem(value_node, budget):
                errors.append(ContentError(path, line, f"'{key}' {problem}: {_SHORT}"))
                continue
            entries, problems = _ENTRY_READERS[key](value_node, path)
            errors += problems
            values[key] = entries
            continue
        # A text, number or switch is one scalar: a list or mapping in its place is wrong whatever its size,
        # so only a list or mapping setting (deploy) is walked, and that walk is bounded.
        if get_origin(expected) in (list, tuple, dict) and (problem := _size_problem(value_node, budget)):
            errors.append(ContentError(path, line, f"'{key}' {problem}: {_SHORT}"))
            continue
        try:
            value = _LOADER("").construct_document(value_node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            # '!!int abc', '!!bool maybe', '!!timestamp x' or a 4,300-digit number: the writer's mistake
            problem = _cut(" ".join(str(getattr(exc, "problem", None) or exc).split()), 120)
            errors.append(ContentError(path, line, f"'{key}' does not fit its YAML type ({problem})"))
            continue
        if not _fits(value, expected):
            errors.append(ContentError(path, line, f"'{key}' must be {type_words(expected)}, "
                                                   f"not {describe_value(value)}"))
            continue
        values[key] = _as(value, expected)
    return values, errors, lines


# What other generators call a setting (Hugo, Jekyll, Pelican, Eleventy), and what it is called here.
OTHER_NAMES = {
    "baseurl": "base_url", "url": "base_url", "siteurl": "base_url", "site_url": "base_url",
    "paginate": "per_page", "pagination": "per_page", "default_pagination": "per_page", "pagersize": "per_page",
    "paginate_by": "per_page", "languagecode": "language", "lang": "language", "default_lang": "language",
    "locale": "language", "time_zone": "timezone", "contentdir": "content_dir", "source": "content_dir",
    "path": "content_dir", "publishdir": "output_dir", "destination": "output_dir", "output_path": "output_dir",
    "staticdir": "static_dir", "static_paths": "static_dir", "layoutdir": "templates_dir", "layouts_dir":
    "templates_dir", "theme_templates": "templates_dir", "cachedir": "cache_dir", "builddrafts": "drafts",
    "show_drafts": "drafts", "buildfuture": "publish_future", "future": "publish_future", "sitename": "title",
    "name": "title", "summarylength": "summary_length", "excerpt_length": "summary_length",
    "rsslimit": "feed_limit", "feed_max_items": "feed_limit", "feed_items": "feed_limit",
    "author": "publisher", "sitedescription": "description", "tagline": "description",
}


def suggestion(word: str, known: list[str], aliases: dict[str, str] | None = None) -> str | None:
    """The known name ``word`` was probably meant to be: another tool's name for it, or a close spelling."""
    import difflib

    folded = word.strip().casefold().replace("-", "_")
    if aliases and (found := aliases.get(folded) or aliases.get(folded.replace("_", ""))):
        return found
    by_fold = {name.casefold(): name for name in known}
    if folded in by_fold:
        return by_fold[folded]
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.7)
    return by_fold[close[0]] if close else None


def _unknown_hint(key: str) -> str:
    found = suggestion(key, sorted(_FIELDS), OTHER_NAMES)
    if found:
        return f"did you mean '{found}'? ({SETTINGS_DOC})"
    return f"the settings are: {', '.join(sorted(_FIELDS))}"


SETTINGS_DOC = "every setting is in docs/configuration.md"


def _fits(value: Any, expected: Any) -> bool:
    """Whether a value read from YAML is of a setting's type: ``int``, ``float`` (a whole number too),
    ``str | None``, ``list[str]`` or ``tuple[str, ...]`` (a YAML list), ``dict[str, ...]``, ``Any``."""
    origin, args = get_origin(expected), get_args(expected)
    if expected is Any:
        return True
    if expected is type(None):
        return value is None
    if expected in (int, float):  # a bool is an int to Python, never a number to a writer
        return isinstance(value, int | float if expected is float else int) and not isinstance(value, bool)
    if origin in (Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if origin in (list, tuple):
        items = args[:1] if origin is list or args[1:] == (...,) else args
        return isinstance(value, list) and (len(items) == 1 or len(items) == len(value)) and \
            all(_fits(item, items[0] if len(items) == 1 else items[i]) for i, item in enumerate(value))
    if origin is dict:
        keys, values = args or (Any, Any)
        return isinstance(value, dict) and all(_fits(k, keys) and _fits(v, values) for k, v in value.items())
    return isinstance(value, expected)


def _as(value: Any, expected: Any) -> Any:
    """A value that fits, as the setting holds it: a YAML list as a tuple, a whole number as a float."""
    if expected is float:
        return float(value)
    if get_origin(expected) is tuple:
        return tuple(value)
    return value


def type_words(expected: Any) -> str:
    """A setting's type as its error message names it: 'a whole number', 'a list of texts'..."""
    origin, args = get_origin(expected), get_args(expected)
    if expected in _TYPE_WORDS:
        return _TYPE_WORDS[expected]
    if origin in (Union, types.UnionType):
        kinds = [arg for arg in args if arg is not type(None)]
        return " or ".join(type_words(arg) for arg in kinds) + (" (or nothing)" if len(kinds) < len(args) else "")
    if origin in (list, tuple):
        item = _PLURALS.get(args[0], "values") if args else "values"
        return f"a list of {item}"
    if origin is dict:
        return "a mapping of 'name: settings'"
    return getattr(expected, "__name__", str(expected))


# Settings are a few short values. YAML aliases can make a few lines stand for a billion values ("billion
# laughs"), and an alias inside its own anchor for an endless one: constructing shares them, but anything
# that walks or prints one would not finish. The same limits as front matter (frontmatter.py).
MAX_VALUES = 10_000  # scalars, lists and mappings, every alias counted again
MAX_DEPTH = 50  # lists and mappings inside each other
_SHORT = "settings are a few short values"
_TOO_DEEP = f"lists or mappings nest too deep: {_SHORT}"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: fast, and it does not recurse


def _size_problem(node: yaml.Node, budget: list[int]) -> str | None:
    """What makes ``node`` too big to be a setting, counting from the shared ``budget``; None if nothing.

    Walks the composed nodes without recursion and stops at the limit, so a billion laughs or an alias
    inside itself costs at most MAX_VALUES steps."""
    stack: list[tuple[yaml.Node, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        budget[0] -= 1
        if depth > MAX_DEPTH:
            return f"nests lists or mappings more than {MAX_DEPTH} deep"
        if budget[0] < 0:
            return (f"takes the settings past {MAX_VALUES:,} values (a YAML alias like *name counts its whole "
                    "value each time it is used)")
        if isinstance(item, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in item.value)
        elif isinstance(item, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in item.value for child in pair)
    return None


# Top-level names a section's slug cannot take: the site's own folders and files at /<name>/.
RESERVED_SLUGS = frozenset({"tags", "authors", "archive", "search", "page", "static", "pagefind", "feed",
                            "rss", "sitemap", "robots", "404", "well-known"})


def _scalar_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int"):
        return str(node.value).strip()
    return None


def _mapping(node: yaml.Node, path: Path, what: str, allowed: tuple[str, ...],
             errors: list[ContentError]) -> dict[str, str] | None:
    """A list item of ``allowed`` text keys, with a ContentError at its line for anything else."""
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        errors.append(ContentError(path, line, f"each {what} is a mapping of {', '.join(allowed)}"))
        return None
    found: dict[str, str] = {}
    for key_node, value_node in node.value:
        key = _scalar_text(key_node)
        if key not in allowed:
            errors.append(ContentError(path, key_node.start_mark.line + 1,
                                       f"unknown key '{_cut(key or '?')}' in a {what}; the keys are: "
                                       f"{', '.join(allowed)}"))
            continue
        text = _scalar_text(value_node)
        if text is None:
            errors.append(ContentError(path, value_node.start_mark.line + 1, f"'{key}' of a {what} must be text"))
            continue
        found[key] = text
    return found


def _list_items(node: yaml.Node, path: Path, key: str, errors: list[ContentError]) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.SequenceNode):
        errors.append(ContentError(path, node.start_mark.line + 1, f"'{key}' must be a list (one '- ' line each)"))
        return []
    return list(node.value)


def _read_sections(node: yaml.Node, path: Path) -> tuple[tuple[Section, ...], list[ContentError]]:
    """``sections:``: each a name (``- World``) or a mapping of slug, name and description."""
    from sitegen.core.urls import slugify

    errors: list[ContentError] = []
    sections: dict[str, Section] = {}
    for item in _list_items(node, path, "sections", errors):
        line = item.start_mark.line + 1
        name = _scalar_text(item)
        if name is not None:
            entry = {"name": name}
        else:
            entry = _mapping(item, path, "section", ("slug", "name", "description"), errors) or {}
            if not entry:
                continue
        name = entry.get("name") or entry.get("slug", "")
        if not name:
            errors.append(ContentError(path, line, "a section needs a name, such as name: World"))
            continue
        slug = entry.get("slug") or slugify(name)
        if slug != slugify(slug) or slug in RESERVED_SLUGS or slug.isdigit():
            why = ("is a folder of every site" if slug in RESERVED_SLUGS else "would be a year of the archive"
                   if slug.isdigit() else "is not a slug: lower-case letters, digits and '-' only")
            errors.append(ContentError(path, line, f"section slug '{_cut(slug)}' {why}: choose another slug"))
            continue
        if slug in sections:
            errors.append(ContentError(path, line, f"section '{slug}' is listed twice"))
            continue
        sections[slug] = Section(slug, name, entry.get("description", ""))
    return tuple(sections.values()), errors


def _read_menu(node: yaml.Node, path: Path) -> tuple[tuple[MenuEntry, ...], list[ContentError]]:
    """``menu:``: each a mapping of name and url (site-relative, '/world/', or absolute)."""
    errors: list[ContentError] = []
    entries = []
    for item in _list_items(node, path, "menu", errors):
        line = item.start_mark.line + 1
        entry = _mapping(item, path, "menu entry", ("name", "url"), errors)
        if entry is None:
            continue
        if not entry.get("name") or not entry.get("url"):
            errors.append(ContentError(path, line, "a menu entry needs a name and a url, such as "
                                                   "{name: World, url: /world/}"))
            continue
        url = entry["url"]
        if not url.startswith(("/", "http://", "https://")) or url.startswith("//"):
            errors.append(ContentError(path, line, f"menu url '{_cut(url)}' must start with '/' (a page of the "
                                                   "site, such as /world/) or with https://"))
            continue
        entries.append(MenuEntry(entry["name"], url))
    return tuple(entries), errors


def _read_widths(node: yaml.Node, path: Path) -> tuple[tuple[int, ...], list[ContentError]]:
    """``image_widths:``: a list of widths in pixels, such as [480, 800, 1200, 1600, 2048]."""
    errors: list[ContentError] = []
    widths = []
    for item in _list_items(node, path, "image_widths", errors):
        text = _scalar_text(item)
        if text is None or not text.isdigit() or not 16 <= int(text) <= 8192:
            errors.append(ContentError(path, item.start_mark.line + 1, "each of 'image_widths' is a width in pixels "
                                                                       "from 16 to 8192, such as 1200"))
            continue
        widths.append(int(text))
    if not widths and not errors:
        errors.append(ContentError(path, node.start_mark.line + 1, "'image_widths' needs at least one width, "
                                                                   "such as [480, 800, 1200, 1600, 2048]"))
    return tuple(sorted(set(widths))), errors


def _read_languages(node: yaml.Node, path: Path) -> tuple[tuple[SiteLanguage, ...], list[ContentError]]:
    """``languages:``: each a mapping of code, name, title, description and base (``/es/``)."""
    from sitegen.core.i18n import check_language

    errors: list[ContentError] = []
    found: dict[str, SiteLanguage] = {}
    bases: set[str] = set()
    for item in _list_items(node, path, "languages", errors):
        line = item.start_mark.line + 1
        entry = _mapping(item, path, "language", ("code", "name", "title", "description", "base"), errors)
        if entry is None:
            continue
        code = entry.get("code", "")
        if not code:
            errors.append(ContentError(path, line, "a language needs a code, such as {code: es, name: Español}"))
            continue
        if problem := check_language(code):
            errors.append(ContentError(path, line, problem))
            continue
        base = entry.get("base", "")
        if base:
            inner = base.strip("/")
            if not base.startswith("/") or (inner and any(p != p.lower() or not p.replace("-", "").isalnum()
                                                          or not p.isascii() for p in inner.split("/"))):
                errors.append(ContentError(path, line, f"base '{_cut(base)}' of language '{code}' must be a path "
                                                       "such as /es/: lower-case ASCII letters, digits and '-'"))
                continue
            base = "/" + (inner + "/" if inner else "")
        if code in found:
            errors.append(ContentError(path, line, f"language '{code}' is listed twice"))
            continue
        if base and base in bases:
            errors.append(ContentError(path, line, f"base '{base}' is taken by another language"))
            continue
        bases.add(base)
        found[code] = SiteLanguage(code, entry.get("name") or code, entry.get("title", ""),
                                   entry.get("description", ""), base)
    return tuple(found.values()), errors


_ENTRY_READERS = {"sections": _read_sections, "menu": _read_menu, "image_widths": _read_widths,
                  "languages": _read_languages}


def _deep_line(text: str) -> int:
    """The line where lists or mappings first nest deeper than MAX_DEPTH (the event parser does not recurse)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark else 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        pass
    return 1


def describe_value(value: Any, limit: int = 40) -> str:
    """A wrong value as a message shows it: its kind and at most ``limit`` characters of it.

    Never the whole value: one YAML alias can stand for a billion items (see MAX_VALUES). load.py uses it
    for front matter too, so that settings and articles word their mistakes alike."""
    if isinstance(value, str):
        return f"'{_cut(value, limit)}'"
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return "an empty value" if value is None else _excerpt(value, limit)
    if isinstance(value, datetime):
        return f"the time {value.isoformat()}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    for kinds, word in ((dict, "a mapping"), (list | tuple, "a list"), (set | frozenset, "a set")):
        if isinstance(value, kinds):
            return f"{word} {_excerpt(value, limit)}"
    return type(value).__name__


def _cut(text: str, limit: int = 40) -> str:
    """At most ``limit`` characters of ``text`` on one line, '…' marking a cut."""
    text = text[: limit + 1].replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(value: Any, limit: int = 40) -> str:
    """``value`` written like YAML's flow style ([a, b], {k: v}), built piece by piece and stopped after
    ``limit`` characters: a huge, shared or self-containing value costs no more than a small one."""
    pieces: list[str] = []
    size = 0
    stack: list[tuple[bool, Any]] = [(False, value)]  # (already text, item)
    while stack and size <= limit:
        is_text, item = stack.pop()
        if is_text:
            piece = item
        elif isinstance(item, dict | list | tuple | set | frozenset):
            opening, closing = ("{", "}") if isinstance(item, dict) else ("[", "]")
            # Only the first few items can show: each takes at least two characters.
            items = list(itertools.islice(item.items() if isinstance(item, dict) else item, limit // 2 + 1))
            parts: list[tuple[bool, Any]] = [(True, opening)]
            for number, entry in enumerate(items):
                if number:
                    parts.append((True, ", "))
                if isinstance(item, dict):
                    parts += [(False, entry[0]), (True, ": "), (False, entry[1])]
                else:
                    parts.append((False, entry))
            parts.append((True, closing))
            stack.extend(reversed(parts))
            continue
        elif isinstance(item, bool):
            piece = "true" if item else "false"
        elif item is None:
            piece = "null"
        elif isinstance(item, date):
            piece = item.isoformat()
        elif isinstance(item, int):
            piece = str(item) if item.bit_length() < 200 else "a very long number"
        elif isinstance(item, str | float):
            piece = str(item)[: limit + 1]
        else:
            piece = type(item).__name__
        pieces.append(piece)
        size += len(piece)
    return _cut("".join(pieces), limit)


_TYPE_WORDS: dict[Any, str] = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
                               dict: "a mapping", Any: "a value"}
_PLURALS: dict[Any, str] = {str: "texts", int: "whole numbers", float: "numbers", bool: "true or false values"}


def _validate(config: Config, path: Path, lines: dict[str, int]) -> list[ContentError]:
    """Values of the right type that are still wrong, each at the line of its setting (``lines``)."""
    errors = []

    def error(key: str, message: str) -> None:
        errors.append(ContentError(path, lines.get(key), message))

    try:
        config.tz  # noqa: B018 - validates the name
    except (ZoneInfoNotFoundError, ValueError):
        zone = _zone_hint(config.timezone)
        error("timezone", f"timezone '{_cut(config.timezone)}' is not an IANA time zone name such as 'UTC' or "
                          f"'Europe/London'{zone}")
    from sitegen.core.i18n import check_language

    if problem := check_language(config.language):
        error("language", problem)
    if config.feed_content not in FEED_CONTENT:
        error("feed_content", f"feed_content must be one of {', '.join(FEED_CONTENT)}, "
                              f"not {describe_value(config.feed_content)}")
    if config.feed_limit < 1:
        error("feed_limit", f"feed_limit must be 1 or more, not {config.feed_limit}")
    if config.per_page < 1:
        error("per_page", f"per_page must be 1 or more, not {config.per_page}")
    if config.seed_section and config.section_named(config.seed_section) is None:
        known = ", ".join(s.slug for s in config.sections) or "none: add a 'sections:' list"
        error("seed_section", f"seed_section '{_cut(config.seed_section)}' is not a section; "
                              f"the sections are: {known}")
    if config.languages and config.language not in {lang.code for lang in config.languages}:
        error("language", f"language '{_cut(config.language)}' is not one of 'languages' "
                          f"({', '.join(lang.code for lang in config.languages)}): set language: to the default one")
    sections = {s.slug for s in config.sections}
    for lang in config.languages:
        top = config.language_base(lang).strip("/").split("/")[0]
        if top and (top in sections or top in RESERVED_SLUGS):
            error("languages", f"the base of language '{lang.code}' (/{top}/) is also a section or a folder of "
                               "every site: give it another base")
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        error("base_url", f"base_url '{_cut(config.base_url, 80)}' must be an absolute URL "
                          "such as 'https://example.org/' or 'https://example.org/news/'")
    for key in FOLDERS:
        if key in lines and getattr(config, key) != _DEFAULTS[key] and \
                not (folder := config.resolve(getattr(config, key))).is_dir():
            error(key, _missing_folder(config, key, folder))
    return errors


# Folders a site reads: one set in sitegen.yaml to another name than the default must exist (a typo must
# not build an empty site). At its default name, a missing one is simply empty (a site without static/).
FOLDERS = ("content_dir", "seeds_dir", "templates_dir", "static_dir")


def _missing_folder(config: Config, key: str, folder: Path) -> str:
    what = "is a file, not a folder" if folder.exists() else "does not exist"
    value = getattr(config, key)
    message = f"{key} '{_cut(value, 80)}' {what} ({folder})"
    try:
        siblings = sorted(p.name for p in folder.parent.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        siblings = []
    close = suggestion(folder.name, siblings)
    if close:
        return f"{message}: did you mean '{close}'?"
    return f"{message}: create the folder, or correct the name"


def _zone_hint(name: str) -> str:
    from zoneinfo import available_timezones

    try:
        close = suggestion(name, sorted(available_timezones()))
    except OSError:
        return ""
    return f"; did you mean '{close}'?" if close else ""
