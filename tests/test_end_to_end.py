"""Build the sample site with the real command line and read what a visitor would get."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitegen.cli import main
from tests.conftest import FIXTURES, Page, read_page

BASE = "/news/"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "sample_site", root)
    return root


def build(site: Path, *args: str) -> int:
    return main(["-C", str(site), "build", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def internal_target(public: Path, href: str) -> Path | None:
    """The file an internal link points at, or None for links that leave the site."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    assert parts.path.startswith(BASE), f"link {href} escapes the base path"
    rel = parts.path[len(BASE):]
    return public / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def test_build_converts_seeds_and_prints_a_summary(site, capsys):
    assert build(site) == 0
    out = capsys.readouterr().out
    assert "converted content/2023-09-19-markets-calm-steady-again-b-analysts-b.md" in out
    assert "converted content/2023-09-19-kyiv-and-moscow-trade-blame.md" in out
    assert out.strip().splitlines()[-1].startswith("built 4 articles, ")


def test_seed_article_shows_every_character_of_the_seed(site):
    build(site)
    page = read_page(site / "public", "/2023/09/19/markets-calm-steady-again-b-analysts-b/")
    assert page.headings["h1"] == ['Markets: "Calm" & [steady] *again* — <b>analysts</b>']
    for paragraph in [
        "1. This line looks like a list but is text.",
        '# Neither is this a heading, & <script>alert("x")</script> stays text.',
        "Four spaces, not code. *Not emphasis*, _nor this_, [not](a-link) \\ backslash.",
        "> Not a quote. The Bank of England and the European Central Bank held rates;",
    ]:
        assert paragraph in page.text
    body = page.html.split('<div class="story-body">')[1].split("</div>")[0]
    for tag in ("<ol", "<li", "<h1", "<pre", "<code", "<blockquote", "<em", "<a ", "<script", "<b>"):
        assert tag not in body
    assert "By Jane Doe and Reuters" in " ".join(page.text.split())


def test_crlf_seed_with_byline_is_read_cleanly(site):
    build(site)
    page = read_page(site / "public", "/2023/09/19/kyiv-and-moscow-trade-blame/")
    assert "Ukraine and Russia traded blame on Tuesday." in page.text
    assert "\r" not in page.html
    assert f"{BASE}authors/staff/" in page.links


def test_archives_tags_and_front_page_link_the_article(site):
    build(site)
    public = site / "public"
    url = f"{BASE}2023/09/19/kyiv-and-moscow-trade-blame/"
    for listing in ("/2023/", "/2023/09/", "/2023/09/19/", "/tags/ukraine/", "/tags/russia/", "/"):
        assert url in read_page(public, listing).links, listing
    tags = read_page(public, "/tags/")
    assert f"{BASE}tags/climate/" in tags.links and "Climate" in tags.text
    assert read_page(public, "/2023/").headings["h1"] == ["2023"]
    assert read_page(public, "/2023/09/").headings["h1"] == ["September 2023"]


def test_front_page_is_paginated(site):
    build(site)
    front = read_page(site / "public", "/")
    assert f"{BASE}page/2/" in front.links
    second = read_page(site / "public", "/page/2/")
    assert f"{BASE}page/1/" not in second.links and BASE in second.links


def test_every_internal_link_resolves_and_every_page_is_reachable(site):
    build(site)
    public = site / "public"
    pages = {p for p in public.rglob("*.html")}
    reached = {public / "index.html"}
    todo = [public / "index.html"]
    while todo:
        current = todo.pop()
        for href in Page(current.read_text(encoding="utf-8")).links:
            target = internal_target(public, href)
            if target is None or href.startswith("#"):
                continue
            assert target.is_file(), f"{current.relative_to(public)} links to missing {href}"
            if target.suffix == ".html" and target not in reached:
                reached.add(target)
                todo.append(target)
    assert pages - reached == {public / "404.html"}


def test_same_input_gives_byte_identical_output(site, tmp_path):
    build(site)
    first = snapshot(site / "public")
    shutil.rmtree(site / "public")
    build(site)
    assert snapshot(site / "public") == first


def test_hand_edits_survive_and_deleted_articles_disappear(site):
    build(site)
    content = site / "content/2023-09-19-kyiv-and-moscow-trade-blame.md"
    edited = content.read_text(encoding="utf-8").replace("Russia denied it.", "Russia denied it, twice.")
    content.write_text(edited, encoding="utf-8")
    assert build(site) == 0
    assert content.read_text(encoding="utf-8") == edited
    assert "Russia denied it, twice." in read_page(site / "public", "/2023/09/19/kyiv-and-moscow-trade-blame/").text

    (site / "content/2022-12-31-old-news.md").unlink()
    assert build(site) == 0
    assert not (site / "public/2022/12/31/old-news-from-last-year").exists()
    assert not (site / "public/2022").exists()


def test_bad_input_reports_every_error_and_leaves_public_untouched(site, capsys):
    build(site)
    before = snapshot(site / "public")
    (site / "seeds/003_empty.txt").write_text("")
    (site / "seeds/004_bad_date.txt").write_text(" date 2023-02-30 Impossible day\n\nText.\n")
    (site / "content/broken.md").write_text("---\ntitle: Broken\ndate: 2023-13-01\n---\n")
    capsys.readouterr()
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error: content/broken.md:3: 'date'" in err
    assert "seeds/003_empty.txt:1: " in err
    assert "seeds/004_bad_date.txt:1: " in err
    assert "nothing in the output folder was changed" in err
    assert snapshot(site / "public") == before


def test_two_articles_at_one_url_name_both_files(site, capsys):
    shutil.copy(site / "content/2022-12-31-old-news.md", site / "content/copy.md")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert ("error: content/copy.md: same URL /2022/12/31/old-news-from-last-year/ as "
            "content/2022-12-31-old-news.md") in err
    assert not (site / "public").exists()


def test_the_shipped_demo_builds(tmp_path):
    repo = Path(__file__).resolve().parent.parent
    demo = tmp_path / "demo"
    demo.mkdir()
    for name in ("seeds", "sitegen.yaml"):
        src = repo / name
        shutil.copytree(src, demo / name) if src.is_dir() else shutil.copy(src, demo / name)
    assert main(["-C", str(demo), "build"]) == 0
    public = demo / "public"
    article = next(public.glob("2023/09/19/*/index.html"))
    page = Page(article.read_text(encoding="utf-8"))
    assert page.headings["h1"] == ["China’s FM in Moscow: Bilateral Relations, Ties with West on Top"]
    seed = (repo / "seeds/000_7bc5453d4a4e7406.txt").read_text(encoding="utf-8")
    for paragraph in seed.split("\n\n")[2:]:
        assert paragraph.strip() in page.text
    url = "/" + article.parent.relative_to(public).as_posix() + "/"
    for listing in ("/", "/2023/", "/2023/09/", "/2023/09/19/", "/tags/china/", "/tags/russia/"):
        assert url in read_page(public, listing).links, listing


def test_search_feeds_and_maps_are_built_under_the_sub_path_and_check_passes(site, capsys):
    assert build(site, "--base-url", f"https://example.org{BASE}", "--now", "2023-09-19") == 0
    public = site / "public"
    search = read_page(public, "/search/")
    assert f'data-bundle="{BASE}pagefind/" data-base="{BASE}"' in search.html
    shards = json.loads((public / "pagefind/shards.json").read_text(encoding="utf-8"))["shards"]
    assert shards and all((public / "pagefind" / s["path"] / "pagefind-entry.json").is_file() for s in shards)
    assert f"{BASE}search/" in read_page(public, "/").links
    for name in ("feed.xml", "feed.json", "rss.xml", "authors/staff/feed.xml", "sitemap.xml", "news-sitemap.xml"):
        assert (public / name).is_file(), name
    capsys.readouterr()
    assert main(["-C", str(site), "check"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"at https://example.org{BASE}: no problems")


def test_without_a_working_pagefind_the_build_says_so_once_and_carries_on(site, capsys, monkeypatch, tmp_path):
    from sitegen.output import search

    broken = tmp_path / "pagefind"
    broken.write_text("not a program\n", encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    search.unavailable.cache_clear()
    try:
        assert build(site) == 0
    finally:
        search.unavailable.cache_clear()
    err = capsys.readouterr().err
    assert err.count("warning: search: Pagefind") == 1 and "cannot run here" in err
    public = site / "public"
    assert not (public / "search").exists() and not (public / "pagefind").exists()
    assert f"{BASE}search/" not in read_page(public, "/").links


def test_pagefind_runs_only_for_the_shards_whose_articles_changed(site, monkeypatch):
    from sitegen.output import search

    assert build(site, "-q") == 0
    listing = site / "public/pagefind/shards.json"
    before = json.loads(listing.read_text(encoding="utf-8"))["shards"]
    runs = []
    real = search._Service
    monkeypatch.setattr(search, "_Service", lambda *a: runs.append(a) or real(*a))
    settings = site / "sitegen.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert build(site, "-q") == 0  # a real build that changed no article: the index stays as it is
    assert runs == [] and json.loads(listing.read_text(encoding="utf-8"))["shards"] == before
    content = site / "content/2023-01-05-hand-written.md"
    content.write_text(content.read_text(encoding="utf-8") + "\nA new sentence.\n", encoding="utf-8")
    assert build(site, "-q") == 0
    after = json.loads(listing.read_text(encoding="utf-8"))["shards"]
    assert len(runs) == 1  # one Pagefind process: the shard of the edited article
    assert [s["name"] for s in after] == [s["name"] for s in before]
    assert [s["name"] for s, t in zip(before, after, strict=True) if s != t] == ["2023-01"]
