"""The no-op check: when no input file and no output file changed since the last good build, there is
nothing to do, and a build can say so without loading anything else.

The manifest records a digest of every input file's (mtime, size) under the content, template and static
folders plus ``sitegen.yaml`` and of the seed folder's file names, the same for every output file, and
the last summary. Standard library only, so the check runs before the heavy modules load.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG

FORMAT = 5


def snapshot(roots: list[Path], names_only: Iterable[Path] = (),
             unusual: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under the roots (a root may also be a single file); files under a
    root in ``names_only`` are listed without a stat, as (0, 0): a seed matters when it appears or goes
    (a new seed is converted), never for its edits (a converted seed is never read again), and a
    newsroom's seed folder holds as many files as its content folder.

    Symlinked folders are followed as the loader follows them (sources.py): a link back to a folder above
    is not entered again, so a loop of links costs one pass, not a walk that doubles at every level until
    the kernel's ELOOP. Only entries that are symlinks cost a ``realpath``: this runs on every build.
    ``unusual`` gets every symlink met and every folder that could not be listed: where there are none,
    the snapshot lists exactly the files that ``sources.list_files`` would, without listing them again."""
    found: dict[str, tuple[int, int]] = {}
    # (folder as walked, its real path, the real paths of it and every folder above it)
    stack: list[tuple[str, str, tuple[str, ...], bool]] = []
    unstatted = {str(root) for root in names_only}
    for root in roots:
        real = os.path.realpath(root)
        stack.append((str(root), real, (real,), str(root) in unstatted))
    while stack:
        top, real, chain, names = stack.pop()
        try:
            entries = os.scandir(top)
        except NotADirectoryError:
            try:
                stat = os.stat(top)
            except OSError:
                continue
            found[top] = (stat.st_mtime_ns, stat.st_size)
            continue
        except OSError:
            if unusual is not None:
                unusual.append(top)
            continue
        with entries:
            for entry in entries:
                try:
                    if unusual is not None and entry.is_symlink():
                        unusual.append(entry.path)
                    if entry.is_dir():
                        sub = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, entry.name)
                        if sub not in chain:
                            stack.append((entry.path, sub, (*chain, sub), names))
                    elif names:
                        found[entry.path] = (0, 0)
                    else:
                        stat = entry.stat()
                        found[entry.path] = (stat.st_mtime_ns, stat.st_size)
                except OSError:  # gone since listed, dangling, or a link to itself
                    continue
    return found


def restat(stats: dict[str, tuple[int, int]], changed: Iterable[Path],
           roots: list[Path]) -> dict[str, tuple[int, int]] | None:
    """``stats`` (a snapshot of ``roots``) updated for the files a watcher reported changed. None when one
    is a folder (moved in, say, with files it did not report one by one), a symlink, or not named under a
    root the way the snapshot names it: then only a full snapshot (and a full listing) will do."""
    prefixes = tuple(f"{root}{os.sep}" for root in roots)
    singles = {str(root) for root in roots}
    found = dict(stats)
    for path in changed:
        name = str(path)
        if not name.startswith(prefixes) and name not in singles:
            return None
        try:
            stat = os.lstat(name)
        except OSError:
            found.pop(name, None)
            continue
        if not S_ISREG(stat.st_mode):  # a folder, or a symlink (which the loader must vet)
            return None
        found[name] = (stat.st_mtime_ns, stat.st_size)
    return found


def digest(stats: dict[str, tuple[int, int]]) -> str:
    """A hash of the stats in their order (a folder lists its files in the same order until one is added
    or removed, and then the stats differ anyway). Marshal version 2: no back-references, whose use depends
    on reference counts, so the same stats always give the same bytes. Sorting and formatting 20k lines
    instead took most of this check's time."""
    return hashlib.sha1(marshal.dumps(stats, 2)).hexdigest()


def size_and_mtime(path: str) -> tuple[int, int] | None:
    """(size, mtime_ns) of an output file, as the build records it; None when it is missing."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def output_stats(output_dir: Path, paths: Iterable[str]) -> dict[str, tuple[int, int]] | None:
    """(size, mtime_ns) of each output file, or None when one is missing."""
    base = str(output_dir) + os.sep
    stats = {}
    for rel in paths:
        found = size_and_mtime(base + rel)
        if found is None:
            return None
        stats[rel] = found
    return stats


def stats_in_background(output_dir: Path, paths: list[str]) -> Callable[[], dict[str, tuple[int, int]]]:
    """(size, mtime_ns) of the output files that exist, worked out by a forked child while this process
    goes on (reading its cache, grouping the articles): at 10k articles the 21k stats take 0.1 s, which
    a second core then hides. Call the result to collect them (a dict; {} when fork is unavailable or the
    child failed: the caller then stats for itself). Collect before leaving, or the child lingers."""
    import threading  # here: the no-op path never comes this far

    if not hasattr(os, "fork") or threading.active_count() > 1:  # forking a threaded process is unsafe
        return dict
    base = f"{output_dir}{os.sep}"
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return dict
    if pid == 0:  # the child: stat, send, and leave without running any of the parent's clean-up
        code = 1
        try:
            os.close(read_end)
            found = [size_and_mtime(base + rel) for rel in paths]
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(marshal.dumps(found))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)

    @functools.cache
    def collect() -> dict[str, tuple[int, int]]:
        try:
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
            os.waitpid(pid, 0)
            found = marshal.loads(data)
            if len(found) != len(paths):
                return {}
            return {rel: stat for rel, stat in zip(paths, found, strict=True) if stat is not None}
        except (OSError, EOFError, ValueError, TypeError):
            return {}

    return collect


def load(path: Path, key: str) -> dict | None:
    try:
        data = marshal.loads(path.read_bytes())  # marshal.load(file) reads object by object: several times slower
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


def unchanged(last: dict | None, inputs: dict[str, tuple[int, int]], output_dir: Path) -> dict | None:
    """The last build's record (as ``load`` read it) if nothing it read or wrote has changed since, else None."""
    if last is None or last["inputs"] != digest(inputs):
        return None
    outputs = output_stats(output_dir, last["paths"])
    if outputs is None or digest(outputs) != last["outputs"]:
        return None
    return last


def save(path: Path, key: str, inputs: dict[str, tuple[int, int]], outputs: dict[str, tuple[int, int]],
         summary: tuple[int, int, int], next_change: float | None = None, timing: tuple | None = None,
         warnings: tuple | None = None) -> None:
    """``next_change``: the POSIX time from which the same inputs build another site (an embargo lifts,
    an article expires): from then on the record is no no-op. ``timing``: what the build reported of it.
    ``warnings``: the build's warnings and the files they name, for a no-op build to repeat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    with open(temp, "wb") as handle:
        marshal.dump({"format": FORMAT, "key": key, "inputs": digest(inputs), "outputs": digest(outputs),
                      "paths": list(outputs), "summary": summary, "next": next_change, "timing": timing,
                      "warnings": warnings}, handle)
    os.replace(temp, path)


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)
