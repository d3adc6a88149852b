import os
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.core.errors import SitegenError
from sitegen.core.model import Output
from sitegen.output import write
from sitegen.output.write import recover, write_outputs


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".public.sitegen-") and "lock" not in p.name)


def test_writes_every_output_and_reports_counts(tmp_path):
    out = tmp_path / "public"
    report = write_outputs([Output("index.html", b"home"), Output("a/b/index.html", b"deep")], out)
    assert tree(out) == {"index.html": b"home", "a/b/index.html": b"deep"}
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    assert set(report.stats) == {"index.html", "a/b/index.html"}


def test_unchanged_files_keep_their_inode_and_mtime_and_stale_files_go(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("same.html", b"same"), Output("old/index.html", b"old"), Output("edit.html", b"v1")], out)
    before = os.stat(out / "same.html")
    os.utime(out / "same.html", (1_000_000, 1_000_000))
    report = write_outputs([Output("same.html", b"same"), Output("edit.html", b"v2")], out)
    after = os.stat(out / "same.html")
    assert after.st_ino == before.st_ino and after.st_mtime == 1_000_000
    assert tree(out) == {"same.html": b"same", "edit.html": b"v2"}
    assert not (out / "old").exists()  # emptied folders go too
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert leftovers(tmp_path) == []


def test_hundreds_of_changed_pages_are_all_moved_into_place_even_where_a_file_stood_for_a_folder(tmp_path):
    # Past write._MOVERS_FROM moves, the renames run on several threads: every one still lands, a file
    # in the way of a new folder included, and the next edit sees the same tree a single thread leaves.
    out = tmp_path / "public"
    n = write._MOVERS_FROM + 50
    write_outputs([Output(f"page/{i}/index.html", b"old %d" % i) for i in range(n)] + [Output("tag", b"a file")], out)
    report = write_outputs([Output(f"page/{i}/index.html", b"new %d" % i) for i in range(n)]
                           + [Output("tag/index.html", b"now a folder")], out)
    assert tree(out) == {**{f"page/{i}/index.html": b"new %d" % i for i in range(n)}, "tag/index.html": b"now a folder"}
    assert report.written == n + 1 and leftovers(tmp_path) == []


def test_a_page_where_a_folder_stood_replaces_it_and_the_next_build_can_turn_it_back(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("a.html", b"x"), Output("tag/index.html", b"a folder's page")], out)
    write_outputs([Output("a.html", b"y"), Output("tag", b"now a file")], out)
    assert tree(out) == {"a.html": b"y", "tag": b"now a file"}
    write_outputs([Output("a.html", b"z"), Output("tag/index.html", b"a folder again")], out)
    assert tree(out) == {"a.html": b"z", "tag/index.html": b"a folder again"}


def test_kept_files_are_not_touched_and_only_previous_files_are_removed(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("a.html", b"a"), Output("b.html", b"b")], out)
    (out / "by-hand.txt").write_text("not ours")
    report = write_outputs([Output("b.html", b"b2")], out, keep=["a.html"], previous=["a.html", "b.html"])
    assert tree(out) == {"a.html": b"a", "b.html": b"b2", "by-hand.txt": b"not ours"}
    assert (report.written, report.kept, report.removed) == (1, 1, 0)


def test_a_failure_midway_leaves_the_last_good_site_untouched(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("index.html", b"good"), Output("other.html", b"x")], out)

    def outputs():
        yield Output("index.html", b"half-built")
        raise SitegenError("template exploded")

    with pytest.raises(SitegenError):
        write_outputs(outputs(), out)
    assert tree(out) == {"index.html": b"good", "other.html": b"x"}
    assert leftovers(tmp_path) == []


def test_a_first_build_that_fails_leaves_no_output_folder(tmp_path):
    def outputs():
        yield Output("index.html", b"half")
        raise SitegenError("boom")

    with pytest.raises(SitegenError):
        write_outputs(outputs(), tmp_path / "public")
    assert not (tmp_path / "public").exists() and leftovers(tmp_path) == []


def test_a_build_killed_after_committing_is_finished_by_the_next_run(tmp_path, monkeypatch):
    out = tmp_path / "public"
    write_outputs([Output("index.html", b"old"), Output("gone.html", b"x")], out)

    def killed(plan, staging, output_dir):
        raise SystemExit("killed while applying")

    monkeypatch.setattr(write, "_apply", killed)
    with pytest.raises(SystemExit):
        write_outputs([Output("index.html", b"new")], out)
    assert tree(out) == {"index.html": b"old", "gone.html": b"x"}  # nothing applied yet
    monkeypatch.undo()
    recover(out)
    assert tree(out) == {"index.html": b"new"}
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "a\\..\\b"])
def test_refuses_to_write_outside_the_output_folder(tmp_path, bad):
    with pytest.raises(SitegenError, match="outside the output folder"):
        write_outputs([Output(bad, b"x")], tmp_path / "public")
    assert not (tmp_path / "escape.html").exists()


def test_two_outputs_for_one_path_is_an_error(tmp_path):
    with pytest.raises(SitegenError, match="two pages would be written to a.html"):
        write_outputs([Output("a.html", b"1"), Output("a.html", b"2")], tmp_path / "public")


def test_a_short_write_is_finished_never_staged_half(tmp_path, monkeypatch):
    """write() may write less than asked (a disk filling up): the staged file must still be whole."""
    real = os.write
    monkeypatch.setattr(write.os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    out = tmp_path / "public"
    write_outputs([Output("index.html", b"a page longer than seven bytes")], out)
    write_outputs([Output("index.html", b"a second page, also longer")], out)
    assert tree(out) == {"index.html": b"a second page, also longer"}


def test_taking_the_lock_finishes_a_killed_build_before_anything_reads_the_folder(tmp_path, monkeypatch):
    out = tmp_path / "public"
    write_outputs([Output("index.html", b"old"), Output("gone.html", b"x")], out)
    monkeypatch.setattr(write, "_apply", lambda plan, staging, output_dir: (_ for _ in ()).throw(SystemExit()))
    with pytest.raises(SystemExit):
        write_outputs([Output("index.html", b"new")], out)
    monkeypatch.undo()
    with write.output_lock(out):
        assert tree(out) == {"index.html": b"new"}  # what a build decides from is the committed site
    assert leftovers(tmp_path) == []


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", ".", "..", "/", "//", "\\", "x.html", " ", "é"]), max_size=7).map("".join))
def test_safe_relative_is_the_parsed_path_or_a_refusal(path):
    """The fast path (a page path already in normal form) gives what parsing it gives, refusals included."""
    pure = PurePosixPath(path)
    refused = pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path
    if refused:
        with pytest.raises(SitegenError, match="outside the output folder"):
            write.safe_relative(path)
    else:
        assert write.safe_relative(path) == pure.as_posix()
