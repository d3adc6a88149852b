"""Reproducible builds: the same input gives the same bytes, wherever it lives and whenever its files were touched.

Only "now" (``--now``, else ``SOURCE_DATE_EPOCH``) may change the output, and only in the files that depend on
it: the Google News sitemap and robots.txt, which names it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.output import search
from tests.conftest import FIXTURES

SEPT_20 = 1695168000  # 2023-09-20T00:00:00Z: the sample site's newest articles are one day old
TIME_DEPENDENT = {"news-sitemap.xml"}


def copy_site(destination: Path, mtime: float | None = None) -> Path:
    """The sample site at ``destination``; with ``mtime``, every input file stamped with that time."""
    shutil.copytree(FIXTURES / "sample_site", destination)
    if mtime is not None:
        for path in destination.rglob("*"):
            os.utime(path, (mtime, mtime))
    return destination


def build(root: Path, *args: str) -> dict[str, bytes]:
    """A clean build (converting the seeds too); every output file's bytes by its path."""
    assert main(["-C", str(root), "build", "-q", "-j", "1", *args]) == 0
    public = root / "public"
    return {p.relative_to(public).as_posix(): p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> set[str]:
    return {name for name in a.keys() | b.keys() if a.get(name) != b.get(name)}


@pytest.mark.parametrize("search_setting", ["search: false\n", ""], ids=["search-off", "search-default"])
def test_two_folders_two_mtimes_same_bytes(tmp_path, monkeypatch, search_setting):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SEPT_20))
    sites = [copy_site(tmp_path / "first"), copy_site(tmp_path / "elsewhere" / "second", mtime=978307200)]
    for site in sites:
        with (site / "sitegen.yaml").open("a", encoding="utf-8") as settings:
            settings.write(search_setting)
    first, second = (build(site) for site in sites)
    assert differing(first, second) == set()
    assert "news-sitemap.xml" in first and "_headers" in first and "sitemap.xml" in first
    converted = [sorted(p.read_bytes() for p in (site / "content").glob("*.md")) for site in sites]
    assert converted[0] == converted[1]  # the content files converted from the seeds, too
    if search_setting == "" and search.unavailable() is None:
        assert any(name.startswith("pagefind/") for name in first)  # the search index is part of the comparison


def test_now_changes_only_the_time_dependent_files(tmp_path, monkeypatch):
    site = copy_site(tmp_path / "site")
    with (site / "sitegen.yaml").open("a", encoding="utf-8") as settings:
        settings.write("search: false\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SEPT_20))
    midnight = build(site, "--clean")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SEPT_20 + 86399))
    assert differing(midnight, build(site, "--clean")) == set()  # whole days: any moment of the day is alike
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert differing(midnight, build(site, "--clean", "--now", "2023-09-20")) == set()  # --now says the same
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SEPT_20))
    later = build(site, "--clean", "--now", "2023-11-14")  # --now wins over SOURCE_DATE_EPOCH
    assert differing(midnight, later) == TIME_DEPENDENT
    # nothing recent: the news sitemap stays, empty, and robots.txt still names it
    assert b"<url>" not in later["news-sitemap.xml"] and b"news-sitemap.xml" in later["robots.txt"]
