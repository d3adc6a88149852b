"""An incremental build must equal a clean build of the same input, byte for byte, after any change."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build
from sitegen.core.config import load_config
from sitegen.core.errors import BuildFailed
from sitegen.core.parallel import Background
from tests.conftest import article, write_files

Change = Callable[[Path], None]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def site_files() -> dict[str, str]:
    files = {
        f"content/{i:02d}.md": article(f"Story number {i}", date=f"2023-0{1 + i % 3}-{10 + i % 5}",
                                       tags=f"[Topic {i % 4}, Common]", authors=f"[Writer {i % 3}]",
                                       body=f"Paragraph one of story {i}.\n\nParagraph *two*.",
                                       **({"summary": f"Summary of story {i}."} if i % 2 == 0 else {}),
                                       **({"slug": "story-nine"} if i == 9 else {}),
                                       **({"section": ["World", "sport"][i % 2]} if i % 3 else {}))
        for i in range(14)
    }
    files["sitegen.yaml"] = ("title: Incremental\nper_page: 3\nsections:\n  - World\n"
                             "  - {slug: sport, name: Sport, description: Games.}\n")
    files["content/pages/about.md"] = "---\ntitle: About us\n---\nWho we are; see [a story]({{< ref \"04.md\" >}}).\n"
    files["content/pages/policy.md"] = "---\ntitle: Corrections policy\nurl: /corrections-policy/\n---\nWe correct.\n"
    files["static/ads.txt"] = "example.com, pub-0, DIRECT\n"
    files["seeds/seed.txt"] = " date 2023-02-11 A seed arrives\n\nBy Reuters\n\nIt was converted.\n"
    return files


def built_site(tmp_path: Path) -> Path:
    """The site of ``site_files`` in ``tmp_path/site``, built once."""
    site = tmp_path / "site"
    write_files(site, site_files())
    build(load_config(site), BuildOptions(jobs=1))
    return site


def clean_build(site: Path, folder: Path, preview: bool = False) -> dict[str, bytes]:
    """The output of a clean build of a copy of the site's sources in ``folder`` (replaced if there)."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(site, folder, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))
    build(load_config(folder), BuildOptions(jobs=1, clean=True, preview=preview))
    return snapshot(folder / "public")


def sources(site: Path) -> dict[Path, bytes]:
    """Every file of the site but its output and cache: what a watcher sees."""
    return {p: p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.relative_to(site).parts[0] not in ("public", ".sitegen-cache")}


def edit(rel: str, old: str, new: str) -> Change:
    def change(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return change


def retag_many(root: Path) -> None:
    """More articles retagged at once than the related-articles pass patches (it works them all out again)."""
    for i in range(12):
        edit(f"content/{i:02d}.md", "Common]", "Common, Extra]")(root)


def add_template(root: Path) -> None:
    base = (Path(__file__).parent.parent / "templates/base.html").read_text(encoding="utf-8")
    write_files(root, {"templates/base.html": base.replace("Skip to content", "Skip to the story")})


def edit_card(root: Path) -> None:
    """The card every list page shows, overridden: no card kept from the last build may show the old one."""
    card = (Path(__file__).parent.parent / "templates/partials/card.html").read_text(encoding="utf-8")
    write_files(root, {"templates/partials/card.html": card.replace('class="card-title"', 'class="card-headline"')})


CHANGES: dict[str, Change] = {
    "edit body": edit("content/03.md", "Paragraph one", "Paragraph ONE"),  # its summary is the first paragraph
    "edit body only": edit("content/02.md", "Paragraph one", "Paragraph ONE"),  # its summary is its own
    "edit title": edit("content/03.md", "Story number 3", "Story retitled"),  # and so its address
    "edit headline": edit("content/09.md", "Story number 9", "Story nine retitled"),  # same address (own slug)
    "edit summary": edit("content/02.md", "Summary of story 2", "Summary rewritten"),
    "edit tags": edit("content/04.md", "Topic 0, Common", "Topic 9"),
    "edit many tags": retag_many,
    "tag spelling": edit("content/04.md", "Topic 0, Common", "Topic 0, COMMON"),  # the same tag, spelled anew
    "new tag": edit("content/05.md", "Common]", "Common, Lonely]"),  # a tag of its own: new tag pages
    "drop a tag": edit("content/07.md", "Topic 3, Common", "Common"),
    "edit tags and body": lambda root: (edit("content/04.md", "Topic 0, Common", "Topic 2")(root),
                                        edit("content/04.md", "Paragraph one", "Paragraph ONE")(root)),
    "edit date": edit("content/05.md", "2023-03-10", "2022-12-31"),
    "add": lambda root: write_files(root, {"content/new.md": article("Brand new", date="2023-03-14", tags="[Common]")}),
    "delete": lambda root: (root / "content/06.md").unlink(),
    "rename": lambda root: (root / "content/07.md").rename(root / "content/seven.md"),
    "new seed": lambda root: write_files(root, {"seeds/two.txt": " date 2023-01-10 Second seed\n\nText.\n"}),
    "template": add_template,
    "card template": edit_card,
    "card template, then an article added": lambda root: (edit_card(root), build(load_config(root), BuildOptions(
        jobs=1)), write_files(root, {"content/new.md": article("Brand new", date="2023-03-14", tags="[Common]")})),
    "config": edit("sitegen.yaml", "per_page: 3", "per_page: 4"),
    "draft": edit("content/08.md", "---\ntitle", "---\ndraft: true\ntitle"),
    "edit section": edit("content/04.md", "section: World", "section: Sport"),
    "add section": edit("sitegen.yaml", "  - World\n", "  - World\n  - Business\n"),
    "edit slug": edit("content/05.md", "---\ntitle", "---\nslug: moved-story\ntitle"),  # recorded as a redirect
    "move ref target": edit("content/04.md", "2023-02-14", "2023-02-15"),  # the About page links to it
    "edit page": edit("content/pages/about.md", "Who we are", "Who we really are"),
    "page title": edit("content/pages/policy.md", "Corrections policy", "How we correct"),  # every footer
    "page address": edit("content/pages/policy.md", "/corrections-policy/", "/corrections/"),
    "add page": lambda root: write_files(root, {"content/pages/contact.md": "---\ntitle: Contact\n---\nWrite.\n"}),
    "alias": edit("content/02.md", "---\ntitle", "---\naliases: [/old-two/]\ntitle"),
    "hand redirect": lambda root: write_files(root, {"redirects.yaml": "/gone/: /corrections-policy/\n"}),
    "root file": edit("static/ads.txt", "pub-0", "pub-1"),
    "menu": lambda root: (root / "sitegen.yaml").open("a").write("menu:\n  - {name: About, url: /about/}\n"),
    "edit authors": edit("content/04.md", "Writer 1", "Writer 7"),  # a search filter: its shard is rebuilt
    # the first article of a new year: last year's monthly search shards fold into one
    "new year": lambda root: write_files(root, {"content/ny.md": article("New year", date="2024-01-02")}),
    "embargo": edit("content/08.md", "---\ntitle", "---\nembargo: 2099-01-01T08:00:00+00:00\ntitle"),
    "expire": edit("content/07.md", "---\ntitle", "---\nexpires: 2023-12-01T08:00:00+00:00\ntitle"),
    "kill": edit("content/06.md", "---\ntitle", "---\nstatus: killed\nkill_note: Withdrawn.\ntitle"),
    "correction": edit("content/05.md", "---\ntitle",
                       "---\ncorrections: [{date: 2023-04-01T10:00:00+00:00, type: correction, text: Fixed.}]\ntitle"),
    "time of day": edit("content/04.md", "date: 2023-02-14", "date: 2023-02-14T23:30:00+00:00"),
}


@pytest.mark.parametrize("name", CHANGES)
def test_incremental_build_equals_clean_build(tmp_path: Path, name: str) -> None:
    site = built_site(tmp_path)
    CHANGES[name](site)
    build(load_config(site), BuildOptions(jobs=1))
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("name", CHANGES)
def test_a_preview_session_told_what_changed_equals_a_clean_build(tmp_path: Path, name: str) -> None:
    """The preview's reuse paths for every kind of change: the cache and the grouped site kept in a Session,
    only the files its watcher reported looked at again, embargoed articles shown (``preview``)."""
    from sitegen.build import Session, cache_key
    from sitegen.incremental.cache import Cache

    site = tmp_path / "site"
    write_files(site, site_files())
    config = load_config(site)
    session = Session(Cache(config.cache_path, cache_key(config)))
    options = BuildOptions(jobs=1, preview=True)
    build(config, options, session)
    before = sources(site)
    CHANGES[name](site)
    after = sources(site)
    session.changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    build(load_config(site), options, session)
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean", preview=True)


def test_only_affected_pages_are_rendered_and_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    write_files(tmp_path, site_files())
    build(load_config(tmp_path), BuildOptions(jobs=1))
    public = tmp_path / "public"
    untouched = public / "tags/topic-1/index.html"
    before = untouched.stat().st_mtime_ns
    noop = build(load_config(tmp_path), BuildOptions(jobs=1))
    assert noop.rendered == [] and noop.files.written == 0
    edit("content/03.md", "Paragraph one", "Paragraph ONE")(tmp_path)
    report = build(load_config(tmp_path), BuildOptions(jobs=1))
    rendered = {path for path, _reason in report.rendered}
    # its own page, and the lists and feeds that show it: day, month, year, front, tags, author
    assert {"2023/01/13/story-number-3/index.html", "2023/01/13/index.html", "2023/01/index.html",
            "tags/common/feed.xml", "tags/topic-3/index.html", "authors/writer-0/index.html"} <= rendered
    assert "sitemap.xml" not in rendered  # its addresses and dates did not change
    assert [p for p in rendered if p.count("/") == 4 and "/page/" not in p] == [
        "2023/01/13/story-number-3/index.html"]  # no other article
    assert "tags/topic-1/index.html" not in rendered
    assert all(reason == "what it shows changed" for _path, reason in report.rendered)
    assert untouched.stat().st_mtime_ns == before


def test_a_body_edit_renders_only_the_pages_that_show_the_body(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    edit("content/02.md", "Paragraph one", "Paragraph ONE")(site)
    (site / "public/tags/topic-2/index.html").unlink()  # a list page the edit does not change, gone meanwhile
    report = build(load_config(site), BuildOptions(jobs=1))
    assert dict(report.rendered) == {
        "2023/03/12/story-number-2/index.html": "what it shows changed",
        "tags/topic-2/index.html": "the output file is missing",
        **{feed: "what it shows changed" for feed in ("feed.xml", "feed.json", "rss.xml", "tags/common/feed.xml",
                                                      "tags/topic-2/feed.xml", "authors/writer-2/feed.xml",
                                                      "world/feed.xml", "world/feed.json", "world/rss.xml")}}
    assert "Paragraph ONE" in (site / "public/2023/03/12/story-number-2/index.html").read_text(encoding="utf-8")
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_headline_edit_renders_the_pages_that_show_the_headline_and_only_those(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    edit("content/09.md", "Story number 9", "Story nine retitled")(site)
    (site / "public/tags/topic-2/index.html").unlink()  # a list page the edit does not change, gone meanwhile
    report = build(load_config(site), BuildOptions(jobs=1))
    rendered = dict(report.rendered)
    assert rendered.pop("tags/topic-2/index.html") == "the output file is missing"
    assert set(rendered.values()) == {"what it shows changed"}
    assert not {"sitemap.xml", "tags/index.html", "archive/index.html", "tags/topic-3/index.html"} & set(rendered)
    pages = {p.relative_to(site / "public").as_posix(): p.read_text(encoding="utf-8")
             for p in (site / "public").rglob("*.html")}
    showing = {path for path, text in pages.items() if "/story-nine/" in text and path != "404.html"}
    assert "2023/01/14/story-nine/index.html" in rendered
    assert showing <= set(rendered)  # every page that links to it: neighbours, related, lists, and the tag page
    assert not [path for path, text in pages.items() if "Story number 9" in text]  # none shows the old headline
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")


def test_parallel_and_serial_builds_are_identical(tmp_path: Path, monkeypatch) -> None:
    from sitegen.incremental import related

    started = []
    monkeypatch.setattr(related, "BACKGROUND_MIN", 50)  # the first pass of related articles on another core
    monkeypatch.setattr(related, "Background", lambda *a: started.append(a) or Background(*a))
    files = site_files()
    files.update({f"content/x{i:03d}.md": article(f"Many {i}", date=f"2021-05-{1 + i % 28:02d}", tags="[Bulk]")
                  for i in range(120)})
    write_files(tmp_path / "a", files)
    write_files(tmp_path / "b", files)
    build(load_config(tmp_path / "a"), BuildOptions(jobs=1))
    build(load_config(tmp_path / "b"), BuildOptions(jobs=2))
    assert snapshot(tmp_path / "a/public") == snapshot(tmp_path / "b/public")
    assert len(started) == 1  # b's
    # Again into the existing output (the workers stage changed pages beside it, unchanged ones stay)
    base = (Path(__file__).resolve().parent.parent / "templates/base.html").read_text(encoding="utf-8")
    for name in "ab":
        write_files(tmp_path / name, {"templates/base.html": base.replace("</footer>", "Edited footer.</footer>")})
    before = snapshot(tmp_path / "b/public")
    build(load_config(tmp_path / "a"), BuildOptions(jobs=1))
    report = build(load_config(tmp_path / "b"), BuildOptions(jobs=2))
    after = snapshot(tmp_path / "b/public")
    assert after == snapshot(tmp_path / "a/public")
    assert report.files.written > 100 and report.files.unchanged > 0  # the feeds do not use base.html
    assert all(b"Edited footer." in data for path, data in after.items() if path.endswith(".html"))
    assert {path for path in after if after[path] != before.get(path)} == {p for p in after if p.endswith(".html")}
    # b's next related pass starts from the memo its forked pass left: an edit gives a's pages again
    for name in "ab":
        write_files(tmp_path / name, {"content/x007.md": article("Many 7", date="2021-05-08", tags="[Bulk, Rain]")})
        build(load_config(tmp_path / name), BuildOptions(jobs=2 if name == "b" else 1))
    assert snapshot(tmp_path / "a/public") == snapshot(tmp_path / "b/public") and len(started) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncate", "foreign", "no bodies", "corrupt bodies"])
def test_a_corrupt_or_foreign_cache_is_rebuilt_never_trusted(tmp_path: Path, damage: str) -> None:
    write_files(tmp_path, site_files())
    build(load_config(tmp_path), BuildOptions(jobs=1))
    state = tmp_path / ".sitegen-cache/state.marshal"
    if damage == "garbage":
        state.write_bytes(b"not a pickle at all")
    elif damage == "truncate":
        state.write_bytes(state.read_bytes()[:100])
    elif damage == "foreign":
        import pickle
        state.write_bytes(pickle.dumps((999, {"something": "else"})))
    elif damage == "no bodies":
        (tmp_path / ".sitegen-cache/html.sqlite").unlink()
    else:
        (tmp_path / ".sitegen-cache/html.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    edit("content/02.md", "Paragraph one", "Paragraph uno")(tmp_path)
    report = build(load_config(tmp_path), BuildOptions(jobs=1))
    assert report.articles == 15
    assert b"Paragraph uno" in (tmp_path / "public/2023/03/12/story-number-2/index.html").read_bytes()
    assert snapshot(tmp_path / "public") == clean_build(tmp_path, tmp_path.parent / f"{tmp_path.name}-clean")


def test_deleting_the_output_folder_rebuilds_it(tmp_path: Path) -> None:
    write_files(tmp_path, site_files())
    build(load_config(tmp_path), BuildOptions(jobs=1))
    expected = snapshot(tmp_path / "public")
    shutil.rmtree(tmp_path / "public")
    build(load_config(tmp_path), BuildOptions(jobs=1))
    assert snapshot(tmp_path / "public") == expected
    (tmp_path / "public/index.html").write_text("vandalised")
    (tmp_path / "public/tags/index.html").unlink()
    report = build(load_config(tmp_path), BuildOptions(jobs=1))
    assert snapshot(tmp_path / "public") == expected
    assert dict(report.rendered) == {"index.html": "the output file was changed outside sitegen",
                                     "tags/index.html": "the output file is missing"}
    # the same along with an edit (the output files are then looked at by a child process)
    (tmp_path / "public/tags/topic-1/index.html").write_text("vandalised too")
    edit("content/02.md", "Paragraph one", "Paragraph ONE")(tmp_path)
    report = build(load_config(tmp_path), BuildOptions(jobs=1))
    assert dict(report.rendered)["tags/topic-1/index.html"] == "the output file was changed outside sitegen"
    assert "Story number 1" in (tmp_path / "public/tags/topic-1/index.html").read_text(encoding="utf-8")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child process left behind


def test_a_warm_build_told_what_changed_equals_a_clean_build(tmp_path: Path) -> None:
    """The preview's builds: the cache kept in memory, and only the files its watcher reported looked at."""
    from sitegen.build import Session, cache_key
    from sitegen.incremental.cache import Cache

    site = tmp_path / "site"
    write_files(site, site_files())
    config = load_config(site)
    session = Session(Cache(config.cache_path, cache_key(config)))
    build(config, BuildOptions(jobs=1), session)
    content = site / "content"
    steps = [
        (edit("content/03.md", "Paragraph one", "Paragraph NEW"), {content / "03.md"}),
        (edit("content/09.md", "Story number 9", "Story nine retitled"), {content / "09.md"}),  # same places
        (edit("content/04.md", "Topic 0, Common", "Topic 9"), {content / "04.md"}),  # other tag pages
        (lambda root: write_files(root, {"content/new.md": article("Brand new", date="2023-03-14")}),
         {content / "new.md"}),
        (lambda root: (root / "content/06.md").unlink(), {content / "06.md"}),
        (lambda root: write_files(root, {"content/sub/deep.md": article("Deep inside", date="2023-03-15")}),
         {content / "sub"}),  # a folder appeared: every file is looked at again
        (edit("content/05.md", "section: sport", "section: World"), {content / "05.md"}),  # other section
        (edit("content/07.md", "---\ntitle", "---\nslug: seven-moved\ntitle"), {content / "07.md"}),  # a redirect
        (edit("content/pages/about.md", "Who we are", "Who we were"), {content / "pages/about.md"}),
    ]
    for change, reported in steps:
        change(site)
        session.changed = reported
        build(config, BuildOptions(jobs=1), session)
        assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")
    front = (site / "public/index.html").read_text(encoding="utf-8")
    assert "Deep inside" in front and "Brand new" in front
    assert "/seven-moved/" in (site / "redirects.yaml").read_text(encoding="utf-8")
    # A build that fails after a move: the next good one still sees the move and records it
    edit("content/08.md", "section: World", "slug: eight-moved\nsection: Nowhere")(site)
    with pytest.raises(BuildFailed):
        session.changed = {content / "08.md"}
        build(config, BuildOptions(jobs=1), session)
    edit("content/08.md", "section: Nowhere", "section: World")(site)
    session.changed = {content / "08.md"}
    build(config, BuildOptions(jobs=1), session)
    assert "/eight-moved/" in (site / "redirects.yaml").read_text(encoding="utf-8")
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")


def test_a_tag_that_loses_its_only_article_is_gone_and_each_step_equals_a_clean_build(tmp_path: Path) -> None:
    site = built_site(tmp_path)
    for step, change in enumerate([edit("content/05.md", "Common]", "Common, Lonely]"),
                                   edit("content/05.md", "Common, Lonely]", "Common]"),
                                   edit("content/06.md", "Writer 0", "Writer 5")]):
        change(site)
        build(load_config(site), BuildOptions(jobs=1))
        assert snapshot(site / "public") == clean_build(site, tmp_path / f"clean{step}"), step
    assert not (site / "public/tags/lonely").exists()


def test_an_article_linking_to_one_that_moves_links_to_its_new_address(tmp_path: Path) -> None:
    site = tmp_path / "site"
    files = site_files()
    files["content/10.md"] = files["content/10.md"].replace("Paragraph *two*.", 'See {{< ref "05.md" >}}.')
    write_files(site, files)
    build(load_config(site), BuildOptions(jobs=1))
    edit("content/05.md", "2023-03-10", "2023-01-01")(site)  # a new date: a new address
    build(load_config(site), BuildOptions(jobs=1))
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")
    page = next((site / "public").glob("2023/*/*/story-number-10/index.html")).read_text(encoding="utf-8")
    assert "/2023/01/01/story-number-5/" in page


def test_deleting_a_years_oldest_article_renders_its_first_and_last_pages_not_those_between(tmp_path: Path) -> None:
    days = ["01-10", "01-20", "03-20", *[f"{m:02d}-15" for m in range(2, 13)]]  # 14 articles: 5 pages of 3
    site = tmp_path / "site"
    write_files(site, {"sitegen.yaml": "title: Archive\nper_page: 3\n",
                       **{f"content/{d}.md": article(f"Story of {d}", date=f"2022-{d}") for d in days}})
    build(load_config(site), BuildOptions(jobs=1))
    first, second = (site / "public/2022/index.html").read_text(encoding="utf-8"), \
        (site / "public/2022/page/2/index.html").read_text(encoding="utf-8")
    assert 'January 2022</a> <span class="count">(2)</span>' in first  # the months with their counts, on page 1
    assert 'January 2022</a></li>' in second and 'class="count"' not in second  # and only their links after it
    (site / "content/01-10.md").unlink()
    report = build(load_config(site), BuildOptions(jobs=1))
    rendered = {path for path, _reason in report.rendered if path.startswith("2022/") and path.count("/") < 4}
    assert {"2022/index.html", "2022/page/5/index.html", "2022/01/index.html"} <= rendered
    assert not {"2022/page/2/index.html", "2022/page/3/index.html", "2022/page/4/index.html"} & rendered
    assert 'January 2022</a> <span class="count">(1)</span>' in (site / "public/2022/index.html").read_text("utf-8")
    assert snapshot(site / "public") == clean_build(site, tmp_path / "clean")
