"""The only writer of the output folder: all or nothing, unchanged files left alone, stale files gone.

Everything a build writes is first staged beside the output folder, so a build that fails (or is killed)
while rendering leaves the last good site exactly as it was:

- a first build renders the whole site into the staging folder and renames it into place;
- a later build stages only the files whose bytes changed, checks it may write every folder the moves
  touch, then writes a journal naming every move and deletion (the commit point), then applies it. A
  build killed while applying is finished by the next command that takes the output lock, before it
  looks at the output folder: the staged files are complete by then.

Every file in the output folder is at all times whole: either the last good build's or the new one's.
Between the commit point and the end of the apply (milliseconds, or until the next build if the process
was killed there), the folder holds some old and some new files.

A write that fails for a reason the user can fix (a full disk, a folder they may not write) is reported
as an OutputError naming the output folder and what to do, never as a traceback.

Files whose bytes did not change are never rewritten, so their mtime stays and rsync or a deploy sees
no change.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from sitegen.core.errors import SitegenError
from sitegen.core.files import files_under
from sitegen.core.model import Output


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


class OutputError(SitegenError):
    """The output folder cannot be written; ``folder`` is shown relative to the site by the CLI."""

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder = folder
        self.reason = reason
        super().__init__(f"{folder}/: {reason}")


def _explain(exc: OSError, output_dir: Path, committed: bool = False) -> OutputError:
    """An OSError from writing, as a message saying what happened and what to do."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = (f"no space left on device{where}: free some space on the disk holding it, "
                  "or build elsewhere with --output DIR")
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = (f"permission denied{where}: make it and its parent folder writable for this user, "
                  "or build elsewhere with --output DIR")
    elif exc.errno == errno.EROFS:
        reason = f"read-only file system{where}: build elsewhere with --output DIR"
    else:
        reason = f"cannot write: {exc.strerror or exc}{where}"
    if committed:
        reason += "; the build was interrupted while moving files into place: run it again once fixed to finish"
    else:
        reason += "; nothing in the output folder was changed"
    return OutputError(output_dir, reason)


def _staging(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-new"


def _journal(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-journal"


def _journal_temp(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.sitegen-journal.tmp"


@contextmanager
def output_lock(output_dir: Path, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """One build at a time per output folder; a second one waits instead of interleaving files.

    Whoever holds the lock first finishes a build that was killed while applying its journal, so that
    nothing decides what is up to date from a half-applied output folder.
    """
    path = output_dir.parent / f".{output_dir.name}.sitegen-lock"
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115 (closed below, after the body has run)
    except OSError as exc:
        raise _explain(exc, output_dir) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            recover(output_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(output_dir: Path) -> None:
    """Finish a build that was killed while applying its journal; discard one killed before that."""
    journal = _journal(output_dir)
    staging = _staging(output_dir)
    try:
        if journal.is_file():
            try:
                plan = json.loads(journal.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                plan = None
            if plan is not None:
                _apply(plan, staging, output_dir)
            journal.unlink(missing_ok=True)
        _journal_temp(output_dir).unlink(missing_ok=True)
    except OSError as exc:
        raise _explain(exc, output_dir, committed=True) from None
    shutil.rmtree(staging, ignore_errors=True)


def safe_relative(path: str) -> str:
    """``path`` in normal form, refused if it would lead outside the output folder."""
    if path and path[0] not in "/." and "\\" not in path and "//" not in path and "/." not in path \
            and path[-1] != "/":
        return path  # already normal (every page path sitegen makes): no parsing, a move costs one system call
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
        raise SitegenError(f"refusing to write outside the output folder: {path!r}")
    return pure.as_posix()


class Staged(NamedTuple):
    """A file put in the staging folder (``name``: its name there), or found unchanged (``name`` None)."""

    path: str  # relative to the output folder
    name: str | None
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Staging:
    """Where a build's files wait until it commits them. Any process may stage a file: the render workers
    stage the pages they render, so no page's bytes travel back to the parent, and the file system's work
    (the folders and files of 20k pages) is spread over the cores as the rendering is."""

    output_dir: Path
    folder: Path
    fresh: bool  # the output folder is empty or missing: the staging folder becomes the output folder
    _made: set[str] = field(default_factory=set, compare=False)  # folders made by this process

    def put(self, output: Output, name: str) -> Staged:
        """Stage one file under ``name`` (unique in this build; a fresh build uses the file's own path).
        A file whose bytes are already in the output folder is left alone, not staged."""
        rel = safe_relative(output.path)
        if self.fresh:
            target = os.path.join(self.folder, rel)
            parent = os.path.dirname(target)
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            return Staged(rel, rel, *_write_file(target, output.data))
        existing = self.output_dir / rel
        if _same_bytes(existing, output.data):
            stat = existing.stat()
            return Staged(rel, None, stat.st_size, stat.st_mtime_ns)
        return Staged(rel, name, *_write_file(self.folder / name, output.data))  # flat: no folders to make

    def gather(self, staged: Iterable[Staged]) -> list[Staged]:
        """Every file of ``staged`` (the render workers stage them as they go). On any failure nothing stays
        staged, and an OSError (a full disk) is reported as ``write_outputs`` reports it."""
        try:
            return list(staged)
        except OSError as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise _explain(exc, self.output_dir) from None
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise


def open_staging(output_dir: Path) -> Staging:
    """An empty staging folder beside the output folder, after finishing or discarding a killed build's."""
    recover(output_dir)
    try:
        fresh = not output_dir.is_dir() or not any(output_dir.iterdir())
        folder = _staging(output_dir)
        folder.mkdir(parents=True)
    except OSError as exc:
        raise _explain(exc, output_dir) from None
    return Staging(output_dir, folder, fresh)


def write_outputs(outputs: Iterable[Output | Staged], output_dir: Path, keep: Iterable[str] = (),
                  previous: Iterable[str] | None = None, staging: Staging | None = None) -> WriteReport:
    """Write every output, then commit them all at once; ``keep`` are files known to be current already
    (left as they are). Outputs may come staged already, in ``staging`` (from ``open_staging``).

    ``previous`` lists the files the last build wrote, which are removed unless written or kept again;
    when it is not known, every other file in the output folder is removed.
    """
    staging = staging or open_staging(output_dir)
    try:
        try:  # before the commit point: on any failure, as if nothing had been staged
            kept = set(keep)
            seen = set(kept)
            staged: list[Staged] = []
            for number, item in enumerate(outputs):
                if isinstance(item, Output):
                    item = staging.put(item, f"w{number}")
                if item.path in seen:
                    raise SitegenError(f"two pages would be written to {item.path}: check the theme's URL scheme")
                seen.add(item.path)
                staged.append(item)
            if staging.fresh:
                return _commit_fresh(staged, staging)
            plan = _commit(staged, staging, seen, previous)
        except BaseException:
            shutil.rmtree(staging.folder, ignore_errors=True)
            raise
        _apply_committed(plan, staging)
    except _Committed as exc:
        raise _explain(exc.error, output_dir, committed=True) from None
    except OSError as exc:
        raise _explain(exc, output_dir) from None
    # A move keeps the staged file's size and mtime
    return WriteReport(written=len(plan["moves"]), unchanged=len(staged) - len(plan["moves"]),
                       kept=len(kept), removed=len(plan["deletes"]),
                       stats={s.path: (s.size, s.mtime_ns) for s in staged})


class _Committed(Exception):
    """An OSError after the commit point: the journal stands and the next run finishes it."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        super().__init__(str(error))


def _commit_fresh(staged: list[Staged], staging: Staging) -> WriteReport:
    output_dir = staging.output_dir
    if output_dir.is_dir():
        output_dir.rmdir()  # empty, as open_staging found it
    staging.folder.rename(output_dir)
    return WriteReport(written=len(staged), stats={s.path: (s.size, s.mtime_ns) for s in staged})


def _write_file(path: str | Path, data: bytes) -> tuple[int, int]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:  # write() may write less than asked (a disk filling up, > 2 GiB): never stage half a file
            view = view[os.write(fd, view):]
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def _commit(staged: list[Staged], staging: Staging, seen: set[str], previous: Iterable[str] | None) -> dict:
    """Write the journal of every move and deletion: the commit point."""
    output_dir = staging.output_dir
    moves = [(s.name, s.path) for s in staged if s.name is not None]
    existing = _files(output_dir) if previous is None else set(previous)
    deletes = sorted(rel for rel in existing if rel not in seen)
    _check_writable(output_dir, [rel for _name, rel in moves] + deletes)
    plan = {"moves": moves, "deletes": deletes}
    temp = _journal_temp(output_dir)
    try:
        temp.write_text(json.dumps(plan), encoding="utf-8")
        os.replace(temp, _journal(output_dir))  # from here on, the new site is committed
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return plan


def _apply_committed(plan: dict, staging: Staging) -> None:
    """Apply the journal; a failure here leaves it for the next run to finish (see ``recover``)."""
    try:
        _apply(plan, staging.folder, staging.output_dir)
        _journal(staging.output_dir).unlink(missing_ok=True)
    except OSError as exc:
        raise _Committed(exc) from None
    shutil.rmtree(staging.folder, ignore_errors=True)


def _check_writable(output_dir: Path, paths: list[str]) -> None:
    """Before the commit point: every folder a move or deletion changes must be writable by this user.

    Otherwise the apply would stop halfway with a journal that can never finish, and the site would stay
    a mix of old and new files.
    """
    checked: set[Path] = set()
    for rel in paths:
        folder = (output_dir / rel).parent
        while folder not in checked:
            checked.add(folder)
            if folder.is_dir():
                if not os.access(folder, os.W_OK | os.X_OK):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
                break
            if folder == output_dir:
                break
            folder = folder.parent


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _apply(plan: dict, staging: Path, output_dir: Path) -> None:
    """Move staged files into place and delete stale ones; safe to run again after an interruption."""
    here, there = f"{staging}{os.sep}", f"{output_dir}{os.sep}"

    def move(name: str, rel: str) -> None:
        source, into = here + name, there + safe_relative(rel)
        try:  # the usual case, one system call; the rest only when it fails
            os.replace(source, into)
        except OSError:
            if not os.path.lexists(source):
                return  # moved before the interruption
            _make_room(Path(into))
            os.replace(source, into)

    moves = plan["moves"]
    if len(moves) < _MOVERS_FROM:
        for name, rel in moves:
            move(name, rel)
    else:  # no two moves touch one path (a file and a folder never share one): in any order, on 4 threads
        with ThreadPoolExecutor(max_workers=4) as pool:
            for _done in pool.map(lambda item: move(*item), moves, chunksize=64):
                pass
    emptied: set[Path] = set()
    for rel in plan["deletes"]:
        target = output_dir / safe_relative(rel)
        try:
            target.unlink()
        except (FileNotFoundError, NotADirectoryError):
            pass  # gone, or its folder is a file of this build now
        except IsADirectoryError:
            pass  # a folder of this build's files stands there now (or one made by hand): never removed
        emptied.add(target.parent)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != output_dir and folder.is_relative_to(output_dir):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


# A rename that replaces a file costs the file system a few tenths of a millisecond (freeing the old one's
# blocks), mostly waiting: 600 of them (an added article's list pages) took 48 ms on one thread, 30 on four.
_MOVERS_FROM = 256


def _make_room(target: Path) -> None:
    """What stands in a move's way: a missing folder, a file where a folder goes, a folder where the file goes."""
    folder = target.parent
    if folder.is_file() or folder.is_symlink():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def _files(folder: Path) -> set[str]:
    return {rel for rel, _path in files_under(folder)}
