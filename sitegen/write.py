"""The only writer of the output folder: all or nothing, unchanged files left alone, stale files gone.

Everything a build writes is first staged beside the output folder, so a build that fails (or is killed)
while rendering leaves the last good site exactly as it was:

- a first build renders the whole site into the staging folder and renames it into place;
- a later build stages only the files whose bytes changed, then writes a journal naming every move
  and deletion, then applies it. A build killed while applying is finished by the next run (or
  ``recover``) from the journal: the staged files are complete by then.

Files whose bytes did not change are never rewritten, so their mtime stays and rsync or a deploy sees
no change.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import SitegenError
from .model import Output


@dataclass
class WriteReport:
    written: int = 0  # new or changed files
    unchanged: int = 0  # rendered again, same bytes: left alone
    kept: int = 0  # not rendered at all: nothing they show changed
    removed: int = 0
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (size, mtime_ns), as written

    @property
    def files(self) -> int:
        return self.written + self.unchanged + self.kept


def _staging(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-new"


def _journal(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-journal"


@contextmanager
def output_lock(output_dir: Path, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """One build at a time per output folder; a second one waits instead of interleaving files."""
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    path = output_dir.parent / f".{output_dir.name}.sitegen-lock"
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(output_dir: Path) -> None:
    """Finish a build that was killed while applying its journal; discard one killed before that."""
    journal = _journal(output_dir)
    staging = _staging(output_dir)
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None
        if plan is not None:
            _apply(plan, staging, output_dir)
        journal.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def safe_relative(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
        raise SitegenError(f"refusing to write outside the output folder: {path!r}")
    return pure.as_posix()


def write_outputs(outputs: Iterable[Output], output_dir: Path, keep: Iterable[str] = (),
                  previous: Iterable[str] | None = None) -> WriteReport:
    """Write every output; ``keep`` are files known to be current already (left as they are).

    ``previous`` lists the files the last build wrote, which are removed unless written or kept again;
    when it is not known, every other file in the output folder is removed.
    """
    recover(output_dir)
    if not output_dir.is_dir() or not any(output_dir.iterdir()):
        return _write_fresh(outputs, output_dir)
    return _write_incremental(outputs, output_dir, set(keep), previous)


def _write_fresh(outputs: Iterable[Output], output_dir: Path) -> WriteReport:
    staging = _staging(output_dir)
    staging.mkdir(parents=True)
    report = WriteReport()
    made: set[Path] = {staging}
    try:
        for output in outputs:
            rel = safe_relative(output.path)
            if rel in report.stats:
                raise SitegenError(f"two pages would be written to {rel}: check the theme's URL scheme")
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            report.stats[rel] = _write_file(target, output.data)
            report.written += 1
        if output_dir.is_dir():
            output_dir.rmdir()  # empty, as checked by the caller
        staging.rename(output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _write_file(path: Path, data: bytes) -> tuple[int, int]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def _write_incremental(outputs: Iterable[Output], output_dir: Path, keep: set[str],
                       previous: Iterable[str] | None) -> WriteReport:
    staging = _staging(output_dir)
    staging.mkdir(parents=True)
    report = WriteReport(kept=len(keep))
    moves: list[tuple[str, str]] = []
    seen: set[str] = set(keep)
    try:
        for output in outputs:
            rel = safe_relative(output.path)
            if rel in seen:
                raise SitegenError(f"two pages would be written to {rel}: check the theme's URL scheme")
            seen.add(rel)
            target = output_dir / rel
            if _same_bytes(target, output.data):
                report.unchanged += 1
                stat = target.stat()
                report.stats[rel] = (stat.st_size, stat.st_mtime_ns)
                continue
            name = str(len(moves))
            _write_file(staging / name, output.data)  # flat: no folders to create while staging
            moves.append((name, rel))
        existing = _files(output_dir) if previous is None else set(previous)
        deletes = sorted(rel for rel in existing if rel not in seen)
        plan = {"moves": moves, "deletes": deletes}
        journal = _journal(output_dir)
        temp = journal.with_suffix(".tmp")
        temp.write_text(json.dumps(plan), encoding="utf-8")
        os.replace(temp, journal)  # from here on, the new site is committed
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _apply(plan, staging, output_dir)
    journal.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    for _name, rel in moves:
        stat = (output_dir / rel).stat()
        report.stats[rel] = (stat.st_size, stat.st_mtime_ns)
    report.written = len(moves)
    report.removed = len(deletes)
    return report


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _apply(plan: dict, staging: Path, output_dir: Path) -> None:
    """Move staged files into place and delete stale ones; safe to run again after an interruption."""
    made: set[Path] = set()
    for name, rel in plan["moves"]:
        source = staging / name
        if not source.exists():
            continue  # moved before the interruption
        target = output_dir / safe_relative(rel)
        if target.parent not in made:
            if target.parent.is_file() or target.parent.is_symlink():
                target.parent.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(source, target)
    emptied: set[Path] = set()
    for rel in plan["deletes"]:
        target = output_dir / safe_relative(rel)
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            shutil.rmtree(target, ignore_errors=True)
        emptied.add(target.parent)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != output_dir and folder.is_relative_to(output_dir):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def _files(folder: Path) -> set[str]:
    found = set()
    for dirpath, _dirs, filenames in os.walk(folder):
        for name in filenames:
            found.add((Path(dirpath) / name).relative_to(folder).as_posix())
    return found
