"""The only writer of the output folder: all or nothing, unchanged files kept as they were, stale files gone.

A build writes into a staging folder beside the output folder. Files whose bytes did not change are hard
links to the old ones (same inode, same mtime: rsync and deploys see no change). Only when every page has
been rendered does the staging folder replace the output folder, in one atomic exchange where the system
offers it. A failed or killed build therefore leaves the last good site exactly as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import SitegenError
from .model import Output


@dataclass(frozen=True)
class WriteReport:
    written: int  # new or changed files
    unchanged: int
    removed: int

    @property
    def files(self) -> int:
        return self.written + self.unchanged


def staging_dir(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-new"


def _old_dir(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-old"


def write_outputs(outputs: Iterable[Output], output_dir: Path) -> WriteReport:
    """Write every output, then swap it in for the old site; on any error the old site stays."""
    recover(output_dir)
    staging = staging_dir(output_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    written = unchanged = 0
    paths: set[str] = set()
    try:
        for output in outputs:
            rel = _safe_relative(output.path)
            if rel in paths:
                raise SitegenError(f"two pages would be written to {rel}: check the URL scheme of the theme")
            paths.add(rel)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if _link_if_unchanged(output_dir / rel, target, output.data):
                unchanged += 1
            else:
                target.write_bytes(output.data)
                written += 1
        removed = sum(1 for rel in _files(output_dir) if rel not in paths)
        _swap(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)  # now holds the previous site
    return WriteReport(written=written, unchanged=unchanged, removed=removed)


def recover(output_dir: Path) -> None:
    """Put back the last good site if a build was killed between the two renames of a non-atomic swap."""
    old = _old_dir(output_dir)
    if old.is_dir():
        if output_dir.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.rename(output_dir)


def _safe_relative(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
        raise SitegenError(f"refusing to write outside the output folder: {path!r}")
    return pure.as_posix()


def _link_if_unchanged(old: Path, new: Path, data: bytes) -> bool:
    try:
        if old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, new)
        return True
    except OSError:
        return False


def _files(folder: Path) -> Iterable[str]:
    if not folder.is_dir():
        return
    for dirpath, _dirs, filenames in os.walk(folder):
        for name in filenames:
            yield (Path(dirpath) / name).relative_to(folder).as_posix()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux's renameat2; False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _swap(staging: Path, output_dir: Path) -> None:
    """Afterwards ``output_dir`` holds the new site and ``staging`` the old one (if there was one)."""
    if not output_dir.exists():
        staging.rename(output_dir)
        return
    if _exchange(staging, output_dir):
        return
    old = _old_dir(output_dir)
    shutil.rmtree(old, ignore_errors=True)
    output_dir.rename(old)
    staging.rename(output_dir)
    old.rename(staging)
