import dataclasses
import time

import pytest
import yaml

from sitegen.cli import main
from sitegen.core import config as config_module
from sitegen.core.config import Config, load_config
from sitegen.core.errors import BuildFailed
from sitegen.scaffold import SETTINGS_HELP


def test_defaults_need_no_settings_file(tmp_path):
    config = load_config(tmp_path)
    assert config.per_page == 10
    assert config.base_path == "/"
    assert config.output_path == tmp_path.resolve() / "public"


def test_settings_and_overrides(tmp_path):
    (tmp_path / "sitegen.yaml").write_text("title: My News\nbase_url: https://example.org/news\nper_page: 5\n")
    config = load_config(tmp_path, output_dir="out", base_url=None)
    assert (config.title, config.per_page, config.base_path) == ("My News", 5, "/news/")
    assert config.output_path.name == "out"


def test_every_bad_setting_is_reported_with_its_line(tmp_path):
    (tmp_path / "sitegen.yaml").write_text("title: x\ntitel: typo\nper_page: ten\ntimezone: Mars/Base\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    messages = [str(e) for e in caught.value.errors]
    path = tmp_path.resolve() / "sitegen.yaml"
    assert messages[0] == f"{path}:2: unknown setting 'titel'; did you mean 'title'? (every setting is in " \
                          "docs/configuration.md)"
    assert messages[1] == f"{path}:3: 'per_page' must be a whole number, not 'ten'"
    assert messages[2].startswith(f"{path}:4: timezone 'Mars/Base' is not an IANA time zone name")


def test_every_value_out_of_range_is_reported_at_its_line(tmp_path):
    (tmp_path / "sitegen.yaml").write_text(
        "title: x\nper_page: 0\nfeed_limit: -3\nfeed_content: some\nbase_url: /news/\nseed_section: Sport\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    path = tmp_path.resolve() / "sitegen.yaml"
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:2: per_page must be 1 or more, not 0",
        f"{path}:3: feed_limit must be 1 or more, not -3",
        f"{path}:4: feed_content must be one of full, summary, not 'some'",
        f"{path}:5: base_url '/news/' must be an absolute URL such as 'https://example.org/' or "
        "'https://example.org/news/'",
        f"{path}:6: seed_section 'Sport' is not a section; the sections are: none: add a 'sections:' list"]
    # a value given on the command line has no line in the file
    (tmp_path / "sitegen.yaml").write_text("title: x\nbase_url: https://example.org/\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path, base_url="news")
    assert [str(e) for e in caught.value.errors] == [
        f"{path}: base_url 'news' must be an absolute URL such as 'https://example.org/' or "
        "'https://example.org/news/'"]


def test_settings_are_checked_against_real_types_a_float_or_a_list_too(tmp_path, monkeypatch):
    """Config's field types are read as types (typing.get_type_hints), not the strings ``from __future__ import
    annotations`` leaves, so a setting of any of these types is read and checked at its line."""
    monkeypatch.setitem(config_module._FIELDS, "ratio", float)
    monkeypatch.setitem(config_module._FIELDS, "keywords", list[str])
    monkeypatch.setitem(config_module._FIELDS, "pair", tuple[str, ...])
    monkeypatch.setitem(config_module._FIELDS, "note", str | None)
    path = tmp_path / "sitegen.yaml"
    path.write_text("ratio: 1.5\nkeywords: [a, b]\npair: [x, y]\nnote: ~\nper_page: 3\n")
    values, errors, lines = config_module._read(path)
    assert errors == [] and lines == {"ratio": 1, "keywords": 2, "pair": 3, "note": 4, "per_page": 5}
    assert values == {"ratio": 1.5, "keywords": ["a", "b"], "pair": ("x", "y"), "note": None, "per_page": 3}
    path.write_text("ratio: 2\n")
    assert config_module._read(path)[0] == {"ratio": 2.0}  # a whole number is a number too
    path.write_text("ratio: yes\nkeywords: [a, 3]\npair: text\nnote: [1]\nper_page: 2.5\n")
    _values, errors, _lines = config_module._read(path)
    assert [str(e) for e in errors] == [
        f"{path}:1: 'ratio' must be a number, not true",
        f"{path}:2: 'keywords' must be a list of texts, not a list [a, 3]",
        f"{path}:3: 'pair' must be a list of texts, not 'text'",
        f"{path}:4: 'note' must be text (or nothing), not a list [1]",
        f"{path}:5: 'per_page' must be a whole number, not 2.5"]


def test_base_url_must_be_absolute(tmp_path):
    with pytest.raises(BuildFailed, match="1 error") as caught:
        load_config(tmp_path, base_url="/news/")
    assert "must be an absolute URL" in str(caught.value.errors[0])


def test_unsafe_html_is_off_unless_set_to_true(tmp_path):
    assert load_config(tmp_path).unsafe_html is False
    (tmp_path / "sitegen.yaml").write_text("title: x\nunsafe_html: true\n")
    assert load_config(tmp_path).unsafe_html is True


@pytest.mark.parametrize("line, message", [
    ('unsafe_html: "true"', "'unsafe_html' must be true or false, not 'true'"),
    ("unsafe_html: 1", "'unsafe_html' must be true or false, not 1"),
    ("unsafe_html: [yes]", "'unsafe_html' must be true or false, not a list [true]"),
    ("unsafe: true", "unknown setting 'unsafe'; did you mean 'unsafe_html'?"),
])
def test_a_wrong_unsafe_html_setting_is_an_error_on_its_line(tmp_path, line, message):
    (tmp_path / "sitegen.yaml").write_text(f"title: x\n{line}\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    [error] = [str(e) for e in caught.value.errors]
    assert error.startswith(f"{tmp_path.resolve() / 'sitegen.yaml'}:2: {message}")
    assert "unsafe_html" in error


# --- hostile settings files: errors at their line, quickly, never a traceback -----------------------------


def laughs(key: str, levels: int) -> str:
    """A "billion laughs" sitegen.yaml: each anchor a list of ten aliases of the one before; ``key`` the last."""
    lines = ['title: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"{key}: *a{levels}"]) + "\n"


def errors_of(tmp_path, text: str) -> list[str]:
    (tmp_path / "sitegen.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    prefix = f"{tmp_path.resolve() / 'sitegen.yaml'}:"
    return [str(e).removeprefix(prefix) for e in caught.value.errors]


def test_a_wrong_value_is_described_by_its_kind_and_a_short_excerpt_not_printed_whole(tmp_path):
    # Ten thousand 'lol's behind one alias: the message shows the kind and the first 40 characters.
    errors = errors_of(tmp_path, laughs("description", levels=4))
    assert errors[-1] == "6: 'description' must be text, not a list [[[[lol, lol, lol, lol, lol, lol, lol, …"
    long = "x" * 5000
    assert errors_of(tmp_path, f"per_page: {long}\nsearch: {{a: {long}}}\n") == [
        f"1: 'per_page' must be a whole number, not '{'x' * 39}…'",
        f"2: 'search' must be true or false, not a mapping {{a: {'x' * 35}…",
    ]
    assert errors_of(tmp_path, "title:\nper_page: 2023-09-19\n") == [
        "1: 'title' must be text, not an empty value",
        "2: 'per_page' must be a whole number, not the date 2023-09-19",
    ]


def test_a_billion_laughs_or_a_cycle_in_deploy_is_refused_at_its_line(tmp_path):
    started = time.perf_counter()
    # 100,000 values (the whole billion laughs runs in a capped process: tests/test_frontmatter.py)
    bomb = laughs("deploy", levels=5).replace("deploy: *a5", "deploy: {pages: {url: origin, x: *a5}}")
    assert errors_of(tmp_path, bomb)[-1] == (
        "7: 'deploy' takes the settings past 10,000 values (a YAML alias like *name counts its whole value "
        "each time it is used): settings are a few short values")
    assert errors_of(tmp_path, "deploy: &d {pages: *d}\n") == [
        "1: 'deploy' nests lists or mappings more than 50 deep: settings are a few short values"]
    assert time.perf_counter() - started < 2
    deep = "{a: " * 60 + "b" + "}" * 60
    assert errors_of(tmp_path, f"title: x\ndeploy: {{pages: {deep}}}\n") == [
        "2: 'deploy' nests lists or mappings more than 50 deep: settings are a few short values"]


@pytest.mark.parametrize("loader", ["C", "pure Python"])
def test_deep_nesting_is_a_settings_error_at_its_line_with_either_yaml_parser(tmp_path, monkeypatch, loader):
    if loader == "pure Python":  # what runs where PyYAML was installed without libyaml
        monkeypatch.setattr(config_module, "_LOADER", yaml.SafeLoader)
    elif getattr(config_module, "_LOADER", None) is not getattr(yaml, "CSafeLoader", None):
        pytest.fail("sitegen.yaml is not read with libyaml's C parser although it is installed")
    [error] = errors_of(tmp_path, "search: false\ntitle: " + "[" * 1000 + "]" * 1000 + "\n")
    assert error.startswith("2: ")
    assert "nest" in error and "deep" in error


def test_deep_nesting_on_the_command_line_is_one_error_line(tmp_path, capsys):
    (tmp_path / "sitegen.yaml").write_text("title: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert main(["-C", str(tmp_path), "build"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: sitegen.yaml:1: ") and "Traceback" not in err
    assert err.endswith("build failed: 1 error; nothing in the output folder was changed\n")


def test_init_lists_every_setting_with_its_help_unsafe_html_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "paper"]) == 0
    lines = (tmp_path / "paper/sitegen.yaml").read_text(encoding="utf-8").splitlines()
    unsafe = next(line for line in lines if line.startswith("# unsafe_html: false "))
    assert unsafe.split("  # ", 1)[1] == SETTINGS_HELP["unsafe_html"]
    assert "raw HTML" in unsafe and "trusted" in unsafe
    for spec in dataclasses.fields(Config):
        if spec.name not in ("root", "title"):
            line = next(line for line in lines if line.startswith(f"# {spec.name}: "))
            assert "  # " in line, f"sitegen init gives no help for {spec.name}"
