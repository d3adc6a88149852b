"""Site settings from ``sitegen.yaml``: every key has a default, an unknown key is an error."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import BuildFailed, ContentError

CONFIG_FILE = "sitegen.yaml"
FEED_CONTENT = ("full", "summary")
PACKAGE_THEME = Path(__file__).parent / "_theme"  # the default theme inside an installed wheel
REPO_THEME = Path(__file__).parent.parent  # ... and in a source checkout (templates/, static/)


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
    # Hosting targets for `sitegen deploy`: name -> settings (url, branch, ...); sitegen/deploy.py checks them.
    deploy: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

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

    def resolve(self, name: str) -> Path:
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


_FIELDS = {f.name: f for f in dataclasses.fields(Config) if f.name != "root"}
_TYPES: dict[str, type] = {"str": str, "int": int, "bool": bool, "dict[str, dict[str, Any]]": dict}


def load_config(root: Path, **overrides: Any) -> Config:
    """Read ``root/sitegen.yaml`` (optional), then apply command-line overrides."""
    root = root.resolve()
    path = root / CONFIG_FILE
    values: dict[str, Any] = {}
    errors: list[ContentError] = []
    if path.is_file():
        values, errors = _read(path)
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = Config(root=root, **values)
    errors += _validate(config, path)
    if errors:
        raise BuildFailed(errors)
    return config


def _read(path: Path) -> tuple[dict[str, Any], list[ContentError]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [ContentError(path, None, f"cannot read the settings file: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return {}, [ContentError(path, mark.line + 1 if mark else 1, f"invalid YAML: {exc.problem}")]
    if node is None:
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        return {}, [ContentError(path, node.start_mark.line + 1, "settings must be 'key: value' lines")]
    values: dict[str, Any] = {}
    errors: list[ContentError] = []
    for key_node, value_node in node.value:
        key, line = key_node.value, key_node.start_mark.line + 1
        spec = _FIELDS.get(key)
        if spec is None:
            known = ", ".join(sorted(_FIELDS))
            errors.append(ContentError(path, line, f"unknown setting '{key}'; the settings are: {known}"))
            continue
        value = yaml.safe_load(yaml.serialize(value_node))
        expected = _TYPES[spec.type] if isinstance(spec.type, str) else spec.type
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            errors.append(ContentError(path, line, f"'{key}' must be {_TYPE_WORDS[expected]}, not {value!r}"))
            continue
        values[key] = value
    return values, errors


_TYPE_WORDS = {str: "text", int: "a whole number", bool: "true or false", dict: "a mapping of 'name: settings'"}


def _validate(config: Config, path: Path) -> list[ContentError]:
    errors = []
    try:
        config.tz  # noqa: B018 - validates the name
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(ContentError(path, None, f"timezone '{config.timezone}' is not an IANA time zone "
                                               "name such as 'UTC' or 'Europe/London'"))
    if config.feed_content not in FEED_CONTENT:
        errors.append(ContentError(path, None, f"feed_content must be one of {', '.join(FEED_CONTENT)}, "
                                               f"not '{config.feed_content}'"))
    if config.feed_limit < 1:
        errors.append(ContentError(path, None, f"feed_limit must be 1 or more, not {config.feed_limit}"))
    if config.per_page < 1:
        errors.append(ContentError(path, None, f"per_page must be 1 or more, not {config.per_page}"))
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(ContentError(path, None, f"base_url '{config.base_url}' must be an absolute URL "
                                               "such as 'https://example.org/' or 'https://example.org/news/'"))
    return errors
