"""Files as the build keeps and finds them: replacing one whole, and the one walk of a folder's files.

The content and seed folders are listed by ``content.sources.list_files`` (it refuses symlinks that leave the
site and is tuned for 100,000 files); every other walk of a folder (the output folder, static files,
templates, a page bundle) is ``files_under``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def replace_file(path: Path, data: bytes, prefix: str = ".tmp-") -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place, so that a reader or a
    build killed meanwhile sees the old file or the new one, never half of one. The folder must exist."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def files_under(folder: Path, skip_hidden: bool = False, keep: tuple[str, ...] = ()) -> Iterator[tuple[str, Path]]:
    """Every file under ``folder`` as (its '/'-separated name, its path), sorted folder by folder; nothing for a
    missing folder. With ``skip_hidden``, names starting with a dot are left out with all under them (editor
    temp files, .DS_Store, .git), but for the top-level names in ``keep`` (``.well-known``). Symlinked
    folders are not entered (no loops)."""
    found: list[tuple[list[str], str, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        top = dirpath == str(folder)
        if skip_hidden:
            dirnames[:] = [d for d in dirnames if not d.startswith(".") or (top and d in keep)]
            filenames = [f for f in filenames if not f.startswith(".") or (top and f in keep)]
        rel_dir = os.path.relpath(dirpath, folder).replace(os.sep, "/")
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            found.append((rel.split("/"), rel, os.path.join(dirpath, name)))
    found.sort()
    for _parts, rel, path in found:
        yield rel, Path(path)
