"""The documentation says what the code does: the README's two commands, its command list and the settings
table are checked against .ci/run, the argument parser and Config, so they cannot drift apart."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from sitegen.cli import _parser
from sitegen.core.config import Config

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def test_the_readme_gives_two_commands_and_ci_runs_the_second_exactly() -> None:
    block = re.search(r"```sh\n(.*?)```", _section(README, "Quick start"), re.S).group(1)
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    first, second = commands
    assert first.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e . ")
    assert first.endswith("&& sitegen build")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert second in ci, ".ci/run must call exactly the README's test command"


def test_the_readme_lists_every_command_with_its_options() -> None:
    listed = _section(README, "Commands")
    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        line = next((x for x in listed.splitlines() if re.match(rf"sitegen (\[-C DIR\] )?{name}\b", x)), None)
        assert line is not None, f"the README's command list has no line for 'sitegen {name}'"
        for action in sub._actions:
            options = [o for o in action.option_strings if o not in ("-h", "--help")]
            if options and action.help != "==SUPPRESS==":
                assert any(re.search(rf"\[{re.escape(o)}\b", line) for o in options), \
                    f"'sitegen {name}' line lacks {options[-1]}"


def _documented_settings() -> dict[str, str]:
    """setting -> its default as the table gives it (backticks removed), from docs/configuration.md."""
    table = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([a-z_]+)`", cells[0])
        defaults = re.findall(r"`([^`]*)`", cells[1]) or [cells[1]] * len(names)
        if len(defaults) != len(names):
            defaults = [cells[1]] * len(names)
        found.update(zip(names, defaults, strict=True))
    return found


def test_the_settings_table_has_every_setting_and_its_real_default() -> None:
    documented = _documented_settings()
    real = {f.name: f for f in dataclasses.fields(Config) if f.name != "root"}
    assert sorted(documented) == sorted(real), "docs/configuration.md and Config must list the same settings"
    for name, spec in real.items():
        default = spec.default_factory() if spec.default is dataclasses.MISSING else spec.default
        shown = documented[name]
        if not default:  # "", {}, [], False, 0
            assert shown in ("none", "false", "0", "`false`") or shown == json.dumps(default) or shown == str(
                default).lower() or not shown.strip("`") or "the " in shown, f"{name}: table says {shown!r}"
        elif isinstance(default, bool):
            assert shown == str(default).lower(), f"{name}: table says {shown!r}, Config {default!r}"
        elif isinstance(default, str | int | float):
            assert shown == str(default), f"{name}: table says {shown!r}, Config {default!r}"
