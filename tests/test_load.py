import os
import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.cli import main
from sitegen.content.load import content_files, load_articles, parse_article, publishable
from sitegen.core.errors import ContentError, SitegenError
from sitegen.incremental.cache import Cache
from tests.conftest import article


def parse(text: str, tz=UTC):
    return parse_article(text, Path("content/a.md"), tz)[0]


def messages(text: str) -> list[str]:
    with pytest.raises(Exception) as caught:
        parse(text)
    errors = getattr(caught.value, "errors", [caught.value])
    return [str(e) for e in errors]


def test_front_matter_becomes_a_typed_article():
    a, html = parse_article(article("Héllo: world", tags="[China, Russia, china]", authors="[Staff, Agencies]",
                                    source="seeds/x.txt", mood="calm", body="First *para*.\n\nSecond."),
                            Path("content/a.md"), UTC)
    assert a.title == "Héllo: world"
    assert a.date == datetime(2023, 9, 19, tzinfo=UTC)
    assert a.url == "/2023/09/19/hello-world/"
    assert [t.name for t in a.tags] == ["China", "Russia"]  # the repeat by slug is dropped
    assert [(x.name, x.slug) for x in a.authors] == [("Staff", "staff"), ("Agencies", "agencies")]
    assert html == "<p>First <em>para</em>.</p>\n<p>Second.</p>"
    assert a.summary == "First para."
    assert a.source == "seeds/x.txt"
    assert a.extra == {"mood": "calm"}


def test_hugo_and_jekyll_spellings_are_read():
    a = parse(article(date="2019-03-14T08:27:00+02:00", author="Jane Doe", lastmod="2019-03-15"))
    assert a.date == datetime(2019, 3, 14, 6, 27, tzinfo=UTC)
    assert [x.name for x in a.authors] == ["Jane Doe"]
    assert a.updated == datetime(2019, 3, 15, tzinfo=UTC)
    jekyll = parse(article(date="'2019-03-14 08:27:00 +0000'"))
    assert jekyll.date == datetime(2019, 3, 14, 8, 27, tzinfo=UTC)


def test_dates_without_offset_are_in_the_site_timezone_and_archived_there():
    tz = ZoneInfo("Asia/Tokyo")
    a = parse(article(date="2023-09-19T23:30:00-05:00"), tz)
    assert a.date.utcoffset() == timedelta(hours=9)
    assert a.url.startswith("/2023/09/20/")  # it was already the 20th in Tokyo
    b = parse(article(date="2023-09-19"), tz)
    assert b.date == datetime(2023, 9, 19, tzinfo=tz)
    assert b.date.tzinfo is not None and b.date.utcoffset() == timezone(timedelta(hours=9)).utcoffset(None)


def test_slug_from_front_matter_is_made_safe():
    assert parse(article(slug="../../etc/passwd")).url == "/2023/09/19/etc-passwd/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ndate: 2023-09-19\n---\nx", ["content/a.md:2: missing 'title': add a line like "
                                           "title: \"Headline\" to the front matter"]),
        ("---\ntitle: x\ntype: post\n---\nx", ["content/a.md:2: missing 'date': add a line like date: 2023-09-19 "
                                              "to the front matter (an undated page such as About goes in pages/, "
                                              "or says type: page)"]),
        ("---\ntitle: x\ndate: yesterday\n---\n", ["content/a.md:3: 'date' 'yesterday' is not a date: write it "
                                                   "as YYYY-MM-DD, or with a time as 2023-09-19T08:30:00+02:00"]),
        ("---\ntitle: x\ndate: 2023-02-30\n---\n",
         ["content/a.md:3: 'date' '2023-02-30' is not a real date (day is out of range for month)"]),
        ("---\ntitle: x\ndate: 2023-09-19\ntags: China\n---\n",
         ["content/a.md:4: 'tags' must be a list like [China, Russia], not the text 'China'"]),
        ("---\ntitle: x\ndate: 2023-09-19\ntags: [{a: b}]\n---\n",
         ["content/a.md:4: 'tags' must be a list of names; a mapping {a: b} is not a name"]),
        ("---\ntitle: [x]\ndate: 2023-09-19\ndraft: maybe\n---\n",
         ["content/a.md:2: 'title' must be text, not a list [x]",
          "content/a.md:4: 'draft' must be true or false, not 'maybe'"]),
        ("---\ntitle: x\ndate: 2023-09-19\ntags: [a, b\n---\n",
         ["content/a.md:5: invalid YAML in front matter: while parsing a flow sequence "
          "did not find expected ',' or ']'"]),
    ],
)
def test_invalid_front_matter_gets_an_exact_message(text, expected):
    assert messages(text) == expected


NAMES = ", ".join(f"Name {i}" for i in range(3000))


@pytest.mark.parametrize(("line", "message"), [
    (f"draft: [{NAMES}]", "'draft' must be true or false, not a list [Name 0, Name 1, Name 2, Name 3, Name 4…"),
    (f"tags: [[{NAMES}]]", "'tags' must be a list of names; a list [Name 0, Name 1, Name 2, Name 3, Name 4… "
                           "is not a name"),
    ("authors: {" + ", ".join(f"k{i}: v{i}" for i in range(3000)) + "}",
     "'authors' must be a name or a list of names like [Jane Doe, Reuters], not a mapping {k0: v0, k1: v1, k2: "
     "v2, k3: v3, k4: v4…"),
    (f"image: [{NAMES}]", "'image' must be a path like photo.jpg or a mapping like {src: photo.jpg, alt: "
                          "\"What it shows\"}, not a list [Name 0, Name 1, Name 2, Name 3, Name 4…"),
    ("summary: 2023-09-19", "'summary' must be text, not the date 2023-09-19"),
    ("slug: true", "'slug' must be text, not true"),
    ("date: " + "7" * 3000, "'date' must be a date like 2023-09-19, not a very long number"),
    ("date: Tuesday the nineteenth of September in the year 2023", "'date' 'Tuesday the nineteenth of September "
                                                                   "in …' is not a date: write it as YYYY-MM-DD, "
                                                                   "or with a time as 2023-09-19T08:30:00+02:00"),
])
def test_a_wrong_value_is_named_by_its_kind_and_at_most_40_characters_of_it(line, message):
    text = "---\ntitle: x\n" + ("" if line.startswith("date:") else "date: 2023-09-19\n") + line + "\n---\n"
    [error] = messages(text)
    where = "content/a.md:3: " if line.startswith("date:") else "content/a.md:4: "
    assert error == where + message


def test_an_articles_errors_together_are_a_sitegen_error_that_survives_a_worker_process():
    with pytest.raises(SitegenError) as caught:  # the CLI prints a SitegenError; anything else is a traceback
        parse("---\ntitle: [x]\ndate: 2023-09-19\ndraft: maybe\n---\n")
    expected = ["content/a.md:2: 'title' must be text, not a list [x]",
                "content/a.md:4: 'draft' must be true or false, not 'maybe'"]
    assert [str(e) for e in caught.value.errors] == expected
    assert str(caught.value) == "\n".join(expected)
    again = pickle.loads(pickle.dumps(caught.value))  # how a fork-pool worker hands it back
    assert type(again) is type(caught.value) and [str(e) for e in again.errors] == expected


def test_errors_from_parallel_workers_reach_the_build_report(make_site):
    bad = "---\ntitle: [x]\ndate: 2023-09-19\ndraft: maybe\n---\n"
    config = make_site({f"content/{i}.md": bad if i % 2 else article(f"Good {i}") for i in range(6)})
    articles, errors = load_articles(config, Cache(config.cache_path, "test"), jobs=2)
    assert sorted(a.title for a in articles) == ["Good 0", "Good 2", "Good 4"]
    assert [str(e) for e in errors] == [f"content/{i}.md:{line}: {what}" for i in (1, 3, 5) for line, what in (
        (2, "'title' must be text, not a list [x]"), (4, "'draft' must be true or false, not 'maybe'"))]


def test_loader_collects_every_error_and_skips_drafts(make_site):
    config = make_site({
        "content/good.md": article("Good"),
        "content/draft.md": article("Draft", draft="true"),
        "content/bad1.md": "no front matter",
        "content/sub/bad2.md": "---\ntitle: x\n---\n",
        "content/latin1.md": "---\ntitle: caf\xe9\n---\n".encode("latin-1"),
        "content/_index.md": "Hugo section page, not an article",
        "content/.hidden.md": "editor temp file",
        "content/notes.txt": "not content",
    })
    articles, errors = load_articles(config, Cache(config.cache_path, "test"))
    assert [a.title for a in publishable(articles, drafts=False)] == ["Good"]
    assert [str(e) for e in errors] == [
        "content/bad1.md:1: no front matter: a content file starts with a '---' line, "
        "then 'title:' and 'date:', then another '---' line",
        "content/latin1.md:2: not UTF-8 text: re-save the file as UTF-8",
        "content/sub/bad2.md:2: missing 'date': add a line like date: 2023-09-19 to the front matter "
            "(an undated page such as About goes in pages/, or says type: page)",
    ]
    assert sorted(a.title for a in publishable(articles, drafts=True)) == ["Draft", "Good"]


def test_unchanged_files_come_from_the_cache_and_edits_are_seen(make_site):
    config = make_site({"content/a.md": article("First version")})
    cache = Cache(config.cache_path, "test")
    [first], _ = load_articles(config, cache)
    cache.save()
    cache = Cache(config.cache_path, "test")
    [again], _ = load_articles(config, cache)
    assert again == first and cache.html(again.fingerprint) == "<p>Some text.</p>"
    (config.root / "content/a.md").write_text(article("Second version", body="New *text*."))
    [edited], _ = load_articles(config, cache)
    assert edited.title == "Second version"
    assert cache.html(edited.fingerprint) == "<p>New <em>text</em>.</p>"


def test_a_content_error_is_a_single_error_too():
    with pytest.raises(ContentError):
        parse("no front matter")


# --- symlinks: inside the site followed, out of it refused -------------------------------------------------


def test_symlinks_inside_the_site_are_followed_once_even_in_a_cycle(make_site):
    config = make_site({
        "content/a.md": article("Direct"),
        "drafts/shared/b.md": article("Through a folder link", date="2023-09-20"),
        "drafts/c.md": article("Through a file link", date="2023-09-21"),
    })
    content = config.root / "content"
    (content / "linked").symlink_to(config.root / "drafts/shared", target_is_directory=True)
    (content / "c.md").symlink_to(config.root / "drafts/c.md")
    (content / "loop").symlink_to(content, target_is_directory=True)  # content/loop/loop/… for ever
    (config.root / "drafts/shared/up").symlink_to(config.root / "drafts", target_is_directory=True)
    (content / "dangling.md").symlink_to(config.root / "nowhere.md")
    listed = [os.path.relpath(path, config.root) for path, _mtime, _size in content_files(content, config.root)]
    assert listed == ["content/a.md", "content/c.md", "content/linked/b.md", "content/linked/up/c.md"]
    articles, errors = load_articles(config, Cache(config.cache_path, "test"))
    assert sorted(a.title for a in articles) == ["Direct", "Through a file link", "Through a file link",
                                                 "Through a folder link"]


def test_a_content_symlink_out_of_the_site_fails_the_build_and_leaves_public_untouched(make_site, tmp_path_factory,
                                                                                      capsys):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "id_rsa.md").write_text(article("Secret", body="PRIVATE KEY"), encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder/x.md").write_text(article("Also secret"), encoding="utf-8")
    config = make_site({"sitegen.yaml": "search: false\n", "content/a.md": article("Public")})
    assert main(["-C", str(config.root), "build"]) == 0
    public = config.root / "public"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in public.rglob("*") if p.is_file()}
    content = config.root / "content"
    (content / "key.md").symlink_to(outside / "id_rsa.md")
    (content / "more").symlink_to(outside / "folder", target_is_directory=True)
    (content / "notes.txt").symlink_to(outside / "id_rsa.md")  # not a content file: never read, not refused
    capsys.readouterr()
    assert main(["-C", str(config.root), "build"]) == 1
    err = capsys.readouterr().err.splitlines()
    root = config.root
    assert err == [
        f"error: content/key.md: is a symbolic link to {outside / 'id_rsa.md'}, outside the site folder {root}: "
        "sitegen does not read files from outside the site, so that a link cannot publish them; copy the file "
        "into the site instead",
        f"error: content/more: is a symbolic link to the folder {outside / 'folder'}, outside the site folder "
        f"{root}: sitegen does not read files from outside the site, so that a link cannot publish them; copy the "
        "folder into the site instead",
        "build failed: 2 errors; nothing in the output folder was changed",
    ]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in public.rglob("*") if p.is_file()} == before
    assert not any(b"PRIVATE" in data for data, _mtime in before.values())
