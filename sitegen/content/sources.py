"""Listing a site's input files (seeds, content) so that a symlink can never pull in a file from outside the site.

A site folder often comes from someone else (a clone, an archive, a contributor's pull request). A content
file that is really a symlink to ``~/.ssh/id_rsa`` or ``/etc/passwd`` would otherwise be read and published,
so a symlink whose real path is outside the site folder is refused, naming the link and its target. Symlinks
that stay inside the site are followed, folders too, and a symlink back to a folder above is entered once,
never in a loop.

Speed matters: the content folder is listed on every build, with 10,000 to 100,000 files. ``os.scandir``
tells symlinks apart without a system call, so only actual symlinks cost a ``realpath``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sitegen.core.errors import ContentError, shown_path


def list_files(folder: Path, root: Path, suffixes: tuple[str, ...], skip: tuple[str, ...] = (".",),
               folders: bool = False, allow: tuple[str, ...] = ()) -> tuple[list[os.DirEntry[str]], list[ContentError]]:
    """Files under ``folder`` whose names end in ``suffixes``, sorted by path, and every refused symlink.

    Names starting with ``skip`` (hidden files and folders, editor temp files) are left out, and so is
    anything under them, but for the names in ``allow`` (Jekyll's ``_posts``).
    With ``folders``, folders whose names end in a suffix are listed too (and still
    entered), so the caller can report them instead of skipping them silently. A symlink is refused when
    its real path is neither inside ``root`` (the site folder) nor inside ``folder`` itself (a folder the
    settings place elsewhere is trusted as a whole); entries that would not be read anyway are not checked.
    A missing ``folder`` lists nothing.
    """
    allowed = tuple(os.path.realpath(path) for path in (root, folder))
    found: list[os.DirEntry[str]] = []
    refused: list[ContentError] = []
    top_real = allowed[1]
    # (folder as walked, its real path, the real paths of it and every folder above it)
    stack: list[tuple[str, str, tuple[str, ...]]] = [(str(folder), top_real, (top_real,))]
    while stack:
        top, real, chain = stack.pop()
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            refused.append(ContentError(shown_path(Path(top), root), None,
                                        f"cannot read the folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(skip) and name not in allow:
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:  # a symlink loop such as a -> a: neither file nor folder, nothing to read
                is_dir = False
            wanted = name.endswith(suffixes)
            if not is_dir and not wanted:
                continue
            target = ""
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not any(target == base or target.startswith(base + os.sep) for base in allowed):
                    refused.append(_outside(entry.path, target, is_dir, root))
                    continue
            if is_dir:
                sub = target or os.path.join(real, name)
                if sub not in chain:  # a symlink to a folder above this one would walk for ever
                    stack.append((entry.path, sub, (*chain, sub)))
                if folders and wanted:
                    found.append(entry)
            else:
                found.append(entry)
    found.sort(key=lambda entry: entry.path.split(os.sep))
    refused.sort(key=ContentError.sort_key)
    return found, refused


def _outside(link: str, target: str, is_dir: bool, root: Path) -> ContentError:
    what, copy = ("the folder ", "copy the folder") if is_dir else ("", "copy the file")
    return ContentError(shown_path(Path(link), root), None,
                        f"is a symbolic link to {what}{target}, outside the site folder {root}: sitegen does not "
                        f"read files from outside the site, so that a link cannot publish them; {copy} into "
                        "the site instead")
