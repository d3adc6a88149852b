from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen import frontmatter
from sitegen.errors import ContentError


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


def test_yaml_that_constructs_python_objects_is_refused():
    with pytest.raises(ContentError, match="invalid YAML"):
        frontmatter.split("---\ntitle: !!python/object/apply:os.system ['true']\n---\n", "a.md")


def test_dump_quotes_titles_full_of_yaml_special_characters():
    title = "- Breaking: \"quotes\" 'single' #hash [a] {b} & *star | > % @ `tick`"
    text = frontmatter.dump({"title": title, "date": date(2023, 9, 19), "tags": ["No", "yes", "1"]}, "Body")
    meta, body, _ = frontmatter.split(text, "a.md")
    assert meta == {"title": title, "date": date(2023, 9, 19), "tags": ["No", "yes", "1"]}
    assert body == "Body\n"


@given(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1))
def test_dump_round_trips_any_title(title):
    meta, _, _ = frontmatter.split(frontmatter.dump({"title": title}, ""), "a.md")
    assert meta["title"] == title


def test_key_line_finds_the_line_of_a_key():
    text = "---\ntitle: x\ndate: nope\n---\ndate: not this one\n"
    assert frontmatter.key_line(text, "date") == 3
    assert frontmatter.key_line(text, "tags") is None
