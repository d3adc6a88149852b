"""The no-op check's snapshot of every input file: symlinked folders followed as the loader follows them
(inside the site, each cycle entered once), so that a loop of links neither hangs a build nor hides an edit."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.content.load import content_files
from tests.conftest import article, write_files

NOW = ["--now", "2024-01-01"]


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a walk that never ends stops at 1 GiB


def build(site: Path) -> subprocess.CompletedProcess[str]:
    """``sitegen build --explain`` in its own process, capped in time and memory: a loop fails the test."""
    command = [sys.executable, "-m", "sitegen.cli", "-C", str(site), "build", "--explain", "-j", "1", *NOW]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30, preexec_fn=_limited)
    except subprocess.TimeoutExpired:
        pytest.fail("sitegen build ran for more than 30 s on a site of three articles with a symlink loop")


def snapshot(roots: list[Path]) -> dict[str, list[int]]:
    """``manifest.snapshot`` in a capped child process, so that a walk that loops fails instead of hanging."""
    code = ("import json, sys; from sitegen.incremental import manifest; "
            "print(json.dumps(manifest.snapshot(sys.argv[1:])))")
    try:
        result = subprocess.run([sys.executable, "-c", code, *map(str, roots)], capture_output=True, text=True,
                                timeout=20, preexec_fn=_limited)
    except subprocess.TimeoutExpired:
        pytest.fail("manifest.snapshot ran for more than 20 s")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def looped_site(site: Path) -> None:
    """Three articles, one of them through a folder link, and folders whose links lead back up."""
    write_files(site, {
        "sitegen.yaml": "title: Loops\nsearch: false\n",
        "content/a.md": article("First story", date="2023-09-19"),
        "content/sub/b.md": article("Second story", date="2023-09-20"),
        "shared/c.md": article("Third story", date="2023-09-21"),
    })
    content = site / "content"
    # Two links from a folder to its parent: every pass through them doubles the paths a naive walk sees.
    (content / "sub/up").symlink_to(content, target_is_directory=True)
    (content / "sub/again").symlink_to("..", target_is_directory=True)
    (content / "linked").symlink_to(site / "shared", target_is_directory=True)
    (site / "shared/back").symlink_to(content, target_is_directory=True)
    (content / "self").symlink_to(content / "self")  # a link to itself: neither file nor folder


def test_a_symlink_loop_under_content_builds_quickly_and_the_next_build_is_a_no_op(tmp_path):
    site = tmp_path / "site"
    looped_site(site)
    first = build(site)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1].startswith("built 3 articles, ")
    assert (site / "public/2023/09/21/third-story/index.html").is_file()

    second = build(site)
    assert second.returncode == 0, second.stderr
    assert "rendered " not in second.stdout  # the no-op check: nothing read, nothing rendered
    assert "(0 written, " in second.stdout

    # An edit through the folder link is seen: the snapshot covers what the loader reads.
    write_files(site, {"shared/c.md": article("Third story", date="2023-09-21", body="An update.")})
    third = build(site)
    assert third.returncode == 0, third.stderr
    assert "rendered 2023/09/21/third-story/index.html: what it shows changed" in third.stdout
    page = (site / "public/2023/09/21/third-story/index.html").read_text(encoding="utf-8")
    assert "An update." in page


def test_the_snapshot_lists_the_files_the_loader_reads_each_path_once(tmp_path):
    site = tmp_path / "site"
    looped_site(site)
    content = site / "content"
    stats = snapshot([content])
    loaded = [path for path, _mtime, _size in content_files(content, site)]
    assert sorted(stats) == loaded
    # the preview's builds take the listing from the snapshot, skipping what the loader skips
    write_files(content, {".hidden.md": "x", "_index.md": "x", "sub/.draft/x.md": "x", "notes.txt": "x"})
    stats = snapshot([content])
    assert [path for path, _m, _s in content_files(content, site, stats, complete=True)] == loaded
    assert [os.path.relpath(path, site) for path in loaded] == [
        "content/a.md", "content/linked/c.md", "content/sub/b.md"]  # linked/back leads up to content: not again
    assert stats[str(content / "linked/c.md")][1] == (site / "shared/c.md").stat().st_size


def test_a_single_file_root_and_a_missing_root(tmp_path):
    (tmp_path / "sitegen.yaml").write_text("title: x\n", encoding="utf-8")
    stats = snapshot([tmp_path / "sitegen.yaml", tmp_path / "nowhere"])
    assert list(stats) == [str(tmp_path / "sitegen.yaml")]


def test_restat_updates_the_reported_files_and_gives_up_on_what_it_cannot_vouch_for(tmp_path):
    from sitegen.incremental.manifest import restat
    from sitegen.incremental.manifest import snapshot as in_process

    content, settings = tmp_path / "content", tmp_path / "sitegen.yaml"
    write_files(tmp_path, {"content/a.md": "a", "content/b.md": "b", "sitegen.yaml": "title: x\n"})
    roots = [content, settings]
    before = in_process(roots)
    (content / "a.md").write_text("longer text", encoding="utf-8")
    (content / "b.md").unlink()
    (content / "c.md").write_text("new", encoding="utf-8")
    after = restat(before, [content / "a.md", content / "b.md", content / "c.md"], roots)
    assert after == in_process(roots)
    assert str(content / "b.md") in before  # the snapshot it started from is left as it was
    (content / "sub").mkdir()
    assert restat(before, [content / "sub"], roots) is None  # a folder: its files were not reported one by one
    assert restat(before, [tmp_path / "elsewhere.md"], roots) is None  # not under a root as the snapshot names it
    (content / "link.md").symlink_to(settings)
    assert restat(before, [content / "link.md"], roots) is None  # a symlink: the loader's full listing vets it
    assert restat(before, [settings], roots) == before
