"""The only reader and writer of a content file's front matter block."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sitegen.core.errors import ContentError

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's C parser when it is installed
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """Safe loading (libyaml's C parser when present: several times faster), plus lenient timestamps."""


_LONG_NUMBER = re.compile(r"\d{1000}")
# Characters no page can show and XML 1.0 forbids (a feed holding one does not parse): C0 and C1 controls
# except tab and line ends, lone surrogates (YAML's "\ud800") and the non-characters U+FFFE, U+FFFF.
# Seeds refuse the same (convert.py).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    # PyYAML raises a bare ValueError for 2023-02-30; keep the text so the loader can say what is wrong.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: '!!timestamp' on a non-date
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

YAML_FENCE = "---"
TOML_FENCE = "+++"  # Hugo's TOML front matter
# Front matter is a few short values. YAML aliases can make a few lines stand for a billion values
# ("billion laughs"): loading shares them, but anything that walks or prints one would not finish.
MAX_VALUES = 10_000  # scalars, lists and mappings in one block, every alias counted again
MAX_DEPTH = 50  # lists and mappings inside each other


def split(text: str, path: Path | str) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, Markdown body, line number where the body starts)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if control := _CONTROL.search(text):
        raise ContentError(path, text.count("\n", 0, control.start()) + 1, _control_message(control.group()))
    lines = text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in (YAML_FENCE, TOML_FENCE):
        raise ContentError(path, 1, "no front matter: a content file starts with a '---' line, "
                                    "then 'title:' and 'date:', then another '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == fence)
    except StopIteration:
        raise ContentError(path, 1, f"front matter is not closed: add a '{fence}' line after it") from None
    block = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    meta = _parse_toml(block, path) if fence == TOML_FENCE else _parse_yaml(block, path)
    _check_size(meta, block, path)
    return meta, body, end + 2


def _control_message(char: str) -> str:
    return f"contains the control character U+{ord(char):04X}, which a page cannot show: delete it"


def _check_size(meta: dict[str, Any], block: str, path: Path | str) -> None:
    """Refuse front matter that expands past MAX_VALUES values or MAX_DEPTH levels, naming the key's line.

    Walks without recursion and stops at the limit, so a self-referencing alias or a billion laughs
    costs at most MAX_VALUES steps.
    """
    count = 0
    for key, value in meta.items():
        stack: list[tuple[Any, int]] = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            count += 1
            too_deep = depth > MAX_DEPTH
            if count > MAX_VALUES or too_deep:
                what = (f"nests lists or mappings more than {MAX_DEPTH} deep" if too_deep else
                        f"takes the front matter past {MAX_VALUES:,} values")
                line = key_line(f"{YAML_FENCE}\n{block}", str(key)) or 2
                raise ContentError(path, line, f"'{key}' {what} (a YAML alias like *name counts its whole "
                                               "value each time it is used): front matter holds a few short values")
            if isinstance(item, str) and (control := _CONTROL.search(item)):
                line = key_line(f"{YAML_FENCE}\n{block}", str(key)) or 2
                raise ContentError(path, line, f"'{key}' {_control_message(control.group())}")
            if isinstance(item, dict):
                stack.extend((v, depth + 1) for v in item.values())
                stack.extend((k, depth + 1) for k in item if isinstance(k, str))
            elif isinstance(item, list | tuple):
                stack.extend((v, depth + 1) for v in item)


# The front matter the converter writes, and most people type: 'key: "text"', 'key: 2023-09-19',
# 'key: [Name, Other name]', 'key: true'. Read here when every line has one of those shapes and means the
# same to YAML (checked against PyYAML by a property test); libyaml takes ~0.2 ms a file, this ~0.02.
_SIMPLE_LINE = re.compile(r"([a-z_]+): (.*)")
_QUOTED = re.compile(r'"([^"\\]*)"')
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_WORDS = re.compile(r"[^\W\d_](?:[\w.'-]| (?! ))*(?<! )")  # a plain scalar YAML reads as text
_NOT_TEXT = {"yes", "no", "true", "false", "on", "off", "null"}  # what YAML 1.1 reads as booleans and null


def _simple_yaml(block: str) -> dict[str, Any] | None:
    """The front matter, when every line is of a simple shape, else None (YAML reads it)."""
    meta: dict[str, Any] = {}
    for line in block.split("\n"):
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None or match[1] in meta or match[1] in _NOT_TEXT:  # 'on:' is a key True to YAML
            return None
        key, value = match.groups()
        if quoted := _QUOTED.fullmatch(value):
            text = quoted[1]
            if text and not text.isprintable():
                return None
            meta[key] = text
        elif date_match := _DATE.fullmatch(value):
            try:
                meta[key] = date(*map(int, date_match.groups()))
            except ValueError:
                return None
        elif value in ("true", "false"):
            meta[key] = value == "true"
        elif value.startswith("[") and value.endswith("]"):
            items = value[1:-1].split(", ") if value != "[]" else []
            if not all(_WORDS.fullmatch(item) and item.lower() not in _NOT_TEXT for item in items):
                return None
            meta[key] = items
        else:
            return None
    return meta


def _parse_yaml(block: str, path: Path | str) -> dict[str, Any]:
    if (simple := _simple_yaml(block)) is not None:
        return simple
    try:
        meta = yaml.load(block, Loader=_Loader)  # noqa: S506 - a safe loader, C or pure Python
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1  # +1 for 1-based, +1 for the opening '---'
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ContentError(path, line, f"invalid YAML in front matter: {problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(path, 1, f"invalid YAML in front matter: {exc}") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        # PyYAML's constructors fail with bare Python errors on '!!int abc', '!!bool maybe', '!!timestamp'
        # or a number of more than 4,300 digits: still the writer's mistake, so still file:line.
        lines = block.split("\n")
        line = next((i for i, text in enumerate(lines, start=2) if "!!" in text or _LONG_NUMBER.search(text)), 2)
        problem = " ".join(str(exc).split())[:120]
        raise ContentError(path, line, f"invalid YAML in front matter: a value does not fit its type "
                                       f"({type(exc).__name__}: {problem})") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "front matter must be 'key: value' lines, "
                                    f"not a {type(meta).__name__}")
    return meta


def _parse_toml(block: str, path: Path | str) -> dict[str, Any]:
    import tomllib  # here: most sites use YAML, and every build imports this module

    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, 1, f"invalid TOML in front matter: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits
        line = next((i for i, text in enumerate(block.split("\n"), start=2) if _LONG_NUMBER.search(text)), 2)
        problem = " ".join(str(exc).split())[:120]
        raise ContentError(path, line, f"invalid TOML in front matter: {problem}") from None


class _QuotingDumper(yaml.SafeDumper):
    """Text values in double quotes: they survive any punctuation a headline holds."""


_QuotingDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


def dump(meta: dict[str, Any], body: str) -> str:
    """A complete content file: YAML front matter in the given key order, then the body."""
    lines = [YAML_FENCE]
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, datetime | date):
            rendered = value.isoformat()
        else:
            # Lists on one line, quoting only the items that need it: [China, Russia, "No"].
            dumper = yaml.SafeDumper if isinstance(value, list | tuple) else _QuotingDumper
            rendered = yaml.dump(list(value) if isinstance(value, tuple) else value, Dumper=dumper,
                                 allow_unicode=True, width=10**9, default_flow_style=True)
            rendered = rendered.strip().removesuffix("...").strip()
        lines.append(f"{key}: {rendered}")
    lines.append(YAML_FENCE)
    return "\n".join(lines) + "\n" + body.rstrip("\n") + "\n"


def key_line(text: str, key: str) -> int | None:
    """The 1-based line of ``key:`` in a content file's front matter, for error messages."""
    prefix = (f"{key}:", f"{key} :", f"{key} =", f"{key}=")
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines()[1:], start=2):
        if line.rstrip() in (YAML_FENCE, TOML_FENCE):
            return None
        if line.startswith(prefix):
            return number
    return None
