import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import frontmatter
from sitegen.content.load import parse_article
from sitegen.core.errors import ContentError


def test_split_returns_meta_body_and_body_line():
    meta, body, line = frontmatter.split("---\ntitle: Hi\ndate: 2023-09-19\n---\nBody\n", "a.md")
    assert meta == {"title": "Hi", "date": date(2023, 9, 19)}
    assert body == "Body\n"
    assert line == 5


def test_split_accepts_bom_crlf_and_hugo_toml():
    meta, body, _ = frontmatter.split("\ufeff---\r\ntitle: Hi\r\n---\r\nBody\r\n", "a.md")
    assert meta["title"] == "Hi" and body == "Body\n"
    meta, _, _ = frontmatter.split('+++\ntitle = "Hugo"\ndate = 2023-09-19\n+++\nBody', "a.md")
    assert meta["title"] == "Hugo" and meta["date"] == date(2023, 9, 19)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Just text", "a.md:1: no front matter: a content file starts with a '---' line, "
                      "then 'title:' and 'date:', then another '---' line"),
        ("---\ntitle: x\n", "a.md:1: front matter is not closed: add a '---' line after it"),
        ("---\ntitle: x\ntags: [a, b\n---\n", "a.md:4: invalid YAML in front matter:"),
        ("---\n- a\n- b\n---\n", "a.md:2: front matter must be 'key: value' lines, not a list"),
    ],
)
def test_split_errors_name_file_and_line(text, message):
    with pytest.raises(ContentError) as caught:
        frontmatter.split(text, "a.md")
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system ['touch pwned']",
    "!!python/name:os.system",
    "!!python/object/new:subprocess.Popen [['touch', 'pwned']]",
    "!!python/module:os",
])
def test_yaml_that_constructs_python_objects_is_refused(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContentError) as caught:
        frontmatter.split(f"---\ndate: 2023-09-19\ntitle: {value}\n---\n", "a.md")
    assert str(caught.value).startswith("a.md:3: invalid YAML in front matter: ")
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/" in str(caught.value)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(("value", "problem"), [
    ("!!int abc", "ValueError: invalid literal for int() with base 10: 'abc'"),
    ("!!bool maybe", "KeyError: 'maybe'"),
    ("!!float", "IndexError: string index out of range"),
    ("1" * 5000, "ValueError: Exceeds the limit (4300 digits) for integer string conversion"),
])
def test_values_that_do_not_fit_their_yaml_type_are_content_errors(value, problem):
    with pytest.raises(ContentError) as caught:
        frontmatter.split(f"---\ntitle: x\ncount: {value}\n---\n", "a.md")
    message = str(caught.value)
    assert message.startswith("a.md:3: invalid YAML in front matter: a value does not fit its type (" + problem)


def test_a_timestamp_tag_on_a_non_date_stays_text_and_huge_toml_numbers_are_errors():
    meta, _, _ = frontmatter.split("---\ndate: !!timestamp\nwhen: !!timestamp soon\n---\n", "a.md")
    assert meta == {"date": "", "when": "soon"}
    with pytest.raises(ContentError, match=r"^a\.md:3: invalid TOML in front matter: Exceeds the limit"):
        frontmatter.split(f"+++\ntitle = 'x'\ncount = {'1' * 5000}\n+++\n", "a.md")


@pytest.mark.parametrize(("text", "message"), [
    ('---\ntitle: "Bell \\a"\n---\n', "a.md:2: 'title' contains the control character U+0007"),
    ('---\ntitle: x\ntags: [ok, "t\\x01"]\n---\n', "a.md:3: 'tags' contains the control character U+0001"),
    ('---\ntitle: x\nparams: {"k\\x1b": 1}\n---\n', "a.md:3: 'params' contains the control character U+001B"),
    ('---\ntitle: "\\uFFFE"\n---\n', "a.md:2: 'title' contains the control character U+FFFE"),
    ('+++\ntitle = "x \\u0085"\n+++\n', "a.md:2: 'title' contains the control character U+0085"),
    ("---\ntitle: x\n---\nBody\n\nmore \x0b text\n", "a.md:6: contains the control character U+000B"),
    ("---\ntitle: x\x7f\n---\n", "a.md:2: contains the control character U+007F"),
])
def test_control_characters_are_refused_like_in_seeds(text, message):
    # XML 1.0 forbids them: a title holding one would make every feed and the news sitemap unparsable.
    with pytest.raises(ContentError) as caught:
        frontmatter.split(text, "a.md")
    assert str(caught.value) == message + ", which a page cannot show: delete it"


def test_binary_yaml_is_bytes_and_refused_where_text_is_expected():
    with pytest.raises(Exception) as caught:
        parse_article("---\ntitle: !!binary aGVsbG8=\ndate: 2023-09-19\n---\n", Path("a.md"), ZoneInfo("UTC"))
    assert [str(e) for e in caught.value.errors] == ["a.md:2: 'title' must be text, not bytes"]


def laughs(key: str, levels: int = 9, width: int = 10) -> str:
    """The "billion laughs": ``levels`` anchors, each a list of ``width`` aliases of the one before."""
    lines = ['lol: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"{key}: *a{levels}"])


@pytest.mark.parametrize("key", ["title", "tags", "authors", "draft", "params"])
def test_alias_bomb_in_front_matter_is_a_quick_error_at_its_line(key):
    text = f"---\n{laughs(key)}\ndate: 2023-09-19\n---\nBody\n"
    started = time.perf_counter()
    with pytest.raises(ContentError) as caught:
        frontmatter.split(text, "a.md")
    assert time.perf_counter() - started < 1
    # the 10 aliases of a3 stand for 1,110 values each: the running count passes 10,000 at a4 (line 6)
    assert str(caught.value) == (
        "a.md:6: 'a4' takes the front matter past 10,000 values (a YAML alias like *name counts its whole "
        "value each time it is used): front matter holds a few short values")


def test_one_key_holding_the_bomb_is_named():
    text = "---\ntitle: x\nx: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nxx: &xx [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\n"
    text += "tags: [" + ", ".join(["*xx"] * 100) + "]\n---\n"
    with pytest.raises(ContentError, match=r"^a\.md:5: 'tags' takes the front matter past 10,000 values"):
        frontmatter.split(text, "a.md")


def test_self_referencing_alias_and_deep_nesting_are_errors_not_hangs():
    with pytest.raises(ContentError, match=r"^a\.md:3: 'loop' nests lists or mappings more than 50 deep"):
        frontmatter.split("---\ntitle: x\nloop: &a [*a]\n---\n", "a.md")
    deep = "[" * 60 + "]" * 60
    with pytest.raises(ContentError, match=r"^a\.md:2: 'title' nests lists or mappings more than 50 deep"):
        frontmatter.split(f"---\ntitle: {deep}\n---\n", "a.md")
    meta, _, _ = frontmatter.split(f"---\nparams: {'[' * 40 + ']' * 40}\nbig: {list(range(5000))}\n---\n", "a.md")
    assert len(meta["big"]) == 5000  # generous enough for anything real


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: an expanded bomb needs far more


_MEASURED = ("import resource, sys; from sitegen.cli import main; code = main(sys.argv[1:]); "
             "print(f'maxrss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr); "
             "sys.exit(code)")


def build_in_subprocess(root: Path, timeout: float) -> tuple[subprocess.CompletedProcess[str], int]:
    """``sitegen build`` in its own process, capped in memory and time, so a bomb cannot take the tests down;
    returns the result and the process's peak RSS in KiB."""
    command = [sys.executable, "-c", _MEASURED, "-C", str(root), "build", "-j", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=_limited)
    rss = [int(line.split("=")[1]) for line in result.stderr.splitlines() if line.startswith("maxrss_kib=")]
    return result, rss[0] if rss else -1


def test_alias_bomb_in_a_content_file_fails_the_build_quickly_and_small(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "bomb.md").write_text(f"---\n{laughs('tags')}\ndate: 2023-09-19\n---\nBody\n")
    started = time.perf_counter()
    result, rss = build_in_subprocess(tmp_path, timeout=30)
    assert time.perf_counter() - started < 10
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/bomb.md:6: 'a4' takes the front matter past 10,000 values" in result.stderr
    assert 0 < rss < 300 * 1024  # an expanded bomb would need gigabytes
    assert not (tmp_path / "public").exists()


def test_alias_bomb_in_sitegen_yaml_fails_the_build_quickly(tmp_path):
    (tmp_path / "sitegen.yaml").write_text(laughs("description").replace("lol:", "title:") + "\n")
    try:
        result, _rss = build_in_subprocess(tmp_path, timeout=4)
    except subprocess.TimeoutExpired:
        pytest.fail("sitegen build ran for more than 4 s on a 10-line sitegen.yaml")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "sitegen.yaml:11: 'description' must be text" in result.stderr


def test_dump_quotes_titles_full_of_yaml_special_characters():
    title = "- Breaking: \"quotes\" 'single' #hash [a] {b} & *star | > % @ `tick`"
    text = frontmatter.dump({"title": title, "date": date(2023, 9, 19), "tags": ["No", "yes", "1"]}, "Body")
    meta, body, _ = frontmatter.split(text, "a.md")
    assert meta == {"title": title, "date": date(2023, 9, 19), "tags": ["No", "yes", "1"]}
    assert body == "Body\n"


@given(st.text(st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff"), min_size=1))
def test_dump_round_trips_any_title(title):
    meta, _, _ = frontmatter.split(frontmatter.dump({"title": title}, ""), "a.md")
    assert meta["title"] == title


def test_key_line_finds_the_line_of_a_key():
    text = "---\ntitle: x\ndate: nope\n---\ndate: not this one\n"
    assert frontmatter.key_line(text, "date") == 3
    assert frontmatter.key_line(text, "tags") is None


def test_deeply_nested_sitegen_yaml_is_a_settings_error(tmp_path):
    from sitegen.core.config import load_config
    from sitegen.core.errors import BuildFailed

    (tmp_path / "sitegen.yaml").write_text("title: " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    assert str(caught.value.errors[0]).startswith(f"{tmp_path.resolve() / 'sitegen.yaml'}:1: ")


_PIECES = ["title", "date", "tags", "on", "yes", "Null", "no", "2023-09-19", "2023-02-30", "1e3", "0x1F", "G7",
           "O'Brien", "São Paulo", "Dr. Who", "a-b", "#", ":", ", ", ",", "[", "]", "\"", "\\", " ", "  ", "\t",
           "\u00a0", "\u200b", "\n", "true", "false", "~", "&a", "*a", "!!str", "-", "'", "é", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["title", "date", "tags", "draft", "on", "y", "x_y", "Title"]),
                          st.one_of(st.sampled_from(['"Text"', "2023-09-19", "[Oil, São Paulo]", "true", "[]"]),
                                    st.lists(st.sampled_from(_PIECES), max_size=5).map("".join),
                                    st.lists(st.lists(st.sampled_from(_PIECES), max_size=4).map("".join),
                                             max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
                                    st.text(max_size=12).map(lambda t: f'"{t}"'))),
                min_size=1, max_size=5))
def test_the_simple_front_matter_reader_agrees_with_yaml(lines):
    """Where the fast reader answers, it answers what PyYAML (with sitegen's loader) answers."""
    import yaml

    from sitegen.content.frontmatter import _Loader, _simple_yaml

    block = "\n".join(f"{key}: {value}" for key, value in lines)
    fast = _simple_yaml(block)
    if fast is not None:
        assert fast == yaml.load(block, Loader=_Loader)  # noqa: S506 - a safe loader
        assert [type(v) for v in fast.values()] == [type(v) for v in yaml.load(block, Loader=_Loader).values()]  # noqa: S506


def test_the_converters_front_matter_takes_the_simple_reader():
    from sitegen.content.frontmatter import _simple_yaml

    block = ('title: "Losses, floods: and \'more\'"\ndate: 2018-12-18\nauthors: [Staff, Ann O\'Neil]\n'
             'tags: [Court Ceasefire, São Paulo]\nslug: "losses"\nsummary: "It was #1."\nsource: "seeds/0.txt"')
    assert _simple_yaml(block) == {"title": "Losses, floods: and 'more'", "date": date(2018, 12, 18),
                                   "authors": ["Staff", "Ann O'Neil"], "tags": ["Court Ceasefire", "São Paulo"],
                                   "slug": "losses", "summary": "It was #1.", "source": "seeds/0.txt"}
