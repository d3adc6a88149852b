"""`sitegen check`: a built site passes; each kind of damage is named, with the file, and exits 1."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.check import check_site
from sitegen.cli import main
from tests.conftest import FIXTURES, KILL_HALFWAY, article, write_files

BASE = "https://example.org/news/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, built once under a sub-path; each test damages its own copy."""
    root = tmp_path_factory.mktemp("check") / "site"
    shutil.copytree(FIXTURES / "sample_site", root)
    assert main(["-C", str(root), "build", "-q", "--base-url", BASE, "--now", "2023-09-19"]) == 0
    return root


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def problems(site: Path) -> list[str]:
    return check_site(site / "public", BASE).problems


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_fresh_build_has_no_problems_and_check_says_what_it_read(site, capsys):
    report = check_site(site / "public", BASE)
    assert report.problems == []
    assert report.pages > 20 and report.links > 200 and report.feeds >= 8 and report.sitemaps == 2
    assert main(["-C", str(site), "check"]) == 0  # the base URL is read from the front page
    out = capsys.readouterr().out
    assert out.startswith("checked ") and out.strip().endswith(f"at {BASE}: no problems")


def test_a_broken_link_is_named_with_its_page_and_the_exit_status_is_1(site, capsys):
    replace(site / "public/tags/index.html", 'href="/news/tags/climate/"', 'href="/news/tags/climat/"')
    assert problems(site) == ["tags/index.html: broken link /news/tags/climat/: no such file in the output folder"]
    assert main(["-C", str(site), "check"]) == 1
    captured = capsys.readouterr()
    assert "public/tags/index.html: broken link /news/tags/climat/" in captured.out
    assert "check failed: 1 problem in " in captured.err


def test_a_missing_fragment_is_a_broken_link(site):
    replace(site / "public/index.html", 'href="#main"', 'href="#mian"')
    assert problems(site) == ["index.html: broken link #mian: index.html has no id 'mian'"]
    replace(site / "public/archive/index.html", 'href="/news/2023/"', 'href="/news/tags/#nowhere"')
    assert "archive/index.html: broken link /news/tags/#nowhere: tags/index.html has no id 'nowhere'" in problems(site)


def test_a_link_that_leaves_the_sub_path_is_broken_even_if_the_file_exists(site):
    replace(site / "public/index.html", 'href="/news/archive/"', 'href="/archive/"')
    assert problems(site) == ["index.html: broken link /archive/: leaves the site's base path /news/"]


def test_relative_links_and_a_missing_stylesheet(site):
    replace(site / "public/tags/index.html", 'href="/news/tags/climate/"', 'href="climate/"')
    assert problems(site) == []
    css = next((site / "public/static").glob("style.*.css"))
    css.unlink()
    assert all("no such file" in p for p in problems(site)) and len(problems(site)) > 20


def test_an_orphan_page_is_reported(site):
    orphan = site / "public/extra/index.html"
    orphan.parent.mkdir()
    shutil.copy(site / "public/index.html", orphan)
    found = problems(site)
    assert "extra/index.html: orphan page: no link leads to it from the front page" in found


def test_a_noindex_page_need_not_be_linked(site):
    # an expired article or a withdrawn notice (docs/time.md) stays at its address, linked from nowhere
    unlisted = site / "public/extra/index.html"
    unlisted.parent.mkdir()
    shutil.copy(site / "public/404.html", unlisted)
    assert not any("orphan" in problem for problem in problems(site))


def test_a_page_that_is_not_its_own_canonical(site):
    replace(site / "public/page/2/index.html", f'href="{BASE}page/2/"', f'href="{BASE}"')
    assert problems(site) == [f"page/2/index.html: canonical URL {BASE} is not the page's own {BASE}page/2/"]


def test_feeds_and_sitemaps_must_be_well_formed_and_point_at_pages(site):
    public = site / "public"
    replace(public / "feed.xml", "</feed>", "")
    replace(public / "tags/climate/feed.xml", "<updated>", "<updated>yesterday ")
    replace(public / "sitemap.xml", f"<loc>{BASE}tags/</loc>", f"<loc>{BASE}tagz/</loc>")
    replace(public / "feed.json", '"id": "tag:', '"id": "')
    replace(public / "feed.json", f'"url": "{BASE}2023', f'"url": "{BASE}1999')
    replace(public / "robots.txt", "news-sitemap.xml", "old-sitemap.xml")
    found = problems(site)
    assert any(p.startswith("feed.xml: not well-formed XML") for p in found)
    assert any(p.startswith("tags/climate/feed.xml: the feed's <updated> yesterday") for p in found)
    assert f"sitemap.xml: <loc> {BASE}tagz/ link {BASE}tagz/: no such file in the output folder" in found
    assert any(p.startswith(f"feed.json: item 1 link {BASE}1999") for p in found)
    assert f"robots.txt: Sitemap link {BASE}old-sitemap.xml: no such file in the output folder" in found


def test_an_unbuilt_site_is_one_clear_problem(tmp_path, capsys):
    (tmp_path / "sitegen.yaml").write_text("title: Empty\n", encoding="utf-8")
    assert main(["-C", str(tmp_path), "check"]) == 1
    assert "no index.html: build the site first (sitegen build)" in capsys.readouterr().out


# --- a build killed while moving files into place -----------------------------------------------------------



def canonical_bases(public: Path) -> set[str]:
    """The base URLs the pages' canonical links start with."""
    found = set()
    for page in public.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'rel="canonical"' in text:
            found.update(base for base in ("https://example.org/old/", BASE) if f'href="{base}' in text)
    return found


def test_check_finishes_a_killed_builds_journal_first_and_checks_the_finished_site(tmp_path, capsys):
    site = tmp_path / "site"
    now = ["--now", "2023-09-30"]
    write_files(site, {"sitegen.yaml": "title: Killed\nsearch: false\n", **{
        f"content/{i:02d}.md": article(f"Story {i}", date=f"2023-09-{10 + i}", tags="[Alpha, Beta]")
        for i in range(12)}})
    assert main(["-C", str(site), "build", "-q", "--base-url", "https://example.org/old/", *now]) == 0
    # The site moves to /news/: every page changes; the build is killed with half of them moved in.
    killed = subprocess.run([sys.executable, "-c", KILL_HALFWAY, "-C", str(site), "build", "-j", "1",
                             "--base-url", BASE, *now], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (site / ".public.sitegen-journal").exists()
    assert canonical_bases(site / "public") == {"https://example.org/old/", BASE}  # half old, half new
    capsys.readouterr()

    assert main(["-C", str(site), "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("checked ") and out.strip().endswith(f"at {BASE}: no problems")
    assert not (site / ".public.sitegen-journal").exists()
    assert canonical_bases(site / "public") == {BASE}
