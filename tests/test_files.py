"""The one walk of a folder's files (``files_under``): the output folder, static files, templates all go through it."""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.core.files import files_under, replace_file


def tree(root: Path, names: list[str]) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")


def test_every_file_by_its_slash_name_sorted_folder_by_folder(tmp_path: Path) -> None:
    tree(tmp_path, ["b.txt", "a/z.txt", "a/b/c.txt", "a-b.txt", ".hidden", ".git/config"])
    found = list(files_under(tmp_path))
    assert [rel for rel, _ in found] == [".git/config", ".hidden", "a/b/c.txt", "a/z.txt", "a-b.txt", "b.txt"]
    assert all(path == tmp_path / rel and path.read_text(encoding="utf-8") == rel for rel, path in found)


def test_hidden_names_left_out_but_for_the_kept_ones_at_the_top(tmp_path: Path) -> None:
    tree(tmp_path, ["ads.txt", ".DS_Store", ".git/config", "img/.cache/x.png", "img/a.png",
                    ".well-known/security.txt", "deep/.well-known/x", ".htaccess"])
    kept = [rel for rel, _ in files_under(tmp_path, skip_hidden=True, keep=(".well-known", ".htaccess"))]
    assert kept == [".htaccess", ".well-known/security.txt", "ads.txt", "img/a.png"]


def test_a_missing_folder_has_no_files_and_a_symlinked_folder_is_not_entered(tmp_path: Path) -> None:
    assert list(files_under(tmp_path / "missing")) == []
    tree(tmp_path, ["site/a.txt"])
    os.symlink(tmp_path / "site", tmp_path / "site" / "loop")
    assert [rel for rel, _ in files_under(tmp_path / "site")] == ["a.txt"]


def test_replace_file_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "record"
    replace_file(target, b"one")
    replace_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["record"]
