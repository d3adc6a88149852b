import os

import pytest

from sitegen.errors import SitegenError
from sitegen.model import Output
from sitegen.write import staging_dir, write_outputs


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_writes_every_output_and_reports_counts(tmp_path):
    out = tmp_path / "public"
    report = write_outputs([Output("index.html", b"home"), Output("a/b/index.html", b"deep")], out)
    assert tree(out) == {"index.html": b"home", "a/b/index.html": b"deep"}
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)


def test_unchanged_files_keep_their_inode_and_mtime_and_stale_files_go(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("same.html", b"same"), Output("old.html", b"old"), Output("edit.html", b"v1")], out)
    before = os.stat(out / "same.html")
    os.utime(out / "same.html", (1_000_000, 1_000_000))
    report = write_outputs([Output("same.html", b"same"), Output("edit.html", b"v2")], out)
    after = os.stat(out / "same.html")
    assert after.st_ino == before.st_ino and after.st_mtime == 1_000_000
    assert tree(out) == {"same.html": b"same", "edit.html": b"v2"}
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert not staging_dir(out).exists()


def test_a_failure_midway_leaves_the_last_good_site_untouched(tmp_path):
    out = tmp_path / "public"
    write_outputs([Output("index.html", b"good")], out)

    def outputs():
        yield Output("index.html", b"half-built")
        raise SitegenError("template exploded")

    with pytest.raises(SitegenError):
        write_outputs(outputs(), out)
    assert tree(out) == {"index.html": b"good"}
    assert not staging_dir(out).exists()


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "a\\..\\b"])
def test_refuses_to_write_outside_the_output_folder(tmp_path, bad):
    with pytest.raises(SitegenError, match="outside the output folder"):
        write_outputs([Output(bad, b"x")], tmp_path / "public")
    assert not (tmp_path / "escape.html").exists()


def test_two_outputs_for_one_path_is_an_error(tmp_path):
    with pytest.raises(SitegenError, match="two pages would be written to a.html"):
        write_outputs([Output("a.html", b"1"), Output("a.html", b"2")], tmp_path / "public")
