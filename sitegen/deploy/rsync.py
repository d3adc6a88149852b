"""Deploy with rsync to a local folder or ``user@host:path`` over ssh, comparing files by checksum.

The plan is rsync's own dry run (``-n --itemize-changes``) of the very command the deploy then runs, so it
is exactly what rsync would do, remote or local. That run is one pass with ``--delay-updates``: every new
or changed file is first sent into a holding folder (``.~tmp~``) beside its place, and only when all have
arrived are they renamed into place in rapid succession, then removed files deleted (``--delete-after``).
So a deploy killed while sending (the long part) leaves the served files exactly as they were, and the
next deploy finishes the job and removes the holding folders left behind. Files whose bytes did not change
are not touched at all (same inode, same mtime on the server).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sitegen.deploy.publish import Change, Plan, Target, iter_lines, local_files, run_tool

HOLDING = ".~tmp~"  # rsync's folder for --delay-updates
_BASE = ["rsync", "--checksum", "--mkpath", "-8", "--perms", "--chmod=D755,F644", "-r", "--delay-updates",
         "--delete-after", "--filter", f"R {HOLDING}/"]  # "R": holding folders of a killed run are deleted too
_ITEM = re.compile(r"^([<>ch.])([fdLDS])(.{9}) (.+)$")
_DELETING = re.compile(r"^\*deleting +(.+)$")


def plan(target: Target, output_dir: Path) -> Plan:
    """rsync's own dry run, read back: what it would send (by checksum) and what --delete would remove."""
    local = local_files(output_dir)
    out = run_tool([*_BASE, "-n", "--out-format=%i %n", f"{output_dir}/", target.address],
                   f"rsync to {target}")
    uploads, deletes, deleted_entries = [], [], 0
    for line in iter_lines(out):
        if match := _DELETING.match(line):
            deleted_entries += 1
            path = match.group(1)
            if not path.endswith("/") and f"{HOLDING}/" not in f"/{path}":
                deletes.append(Change(path, 0, "removed"))
        elif (match := _ITEM.match(line)) and match.group(2) == "f" and match.group(1) in "<>c":
            path = match.group(4)
            why = "new" if match.group(3) == "+" * 9 else "changed"
            uploads.append(Change(path, local.get(path, 0), why))
    sent = {change.path for change in uploads}
    unchanged = [path for path in local if path not in sent]
    remote = len(unchanged) + sum(1 for c in uploads if c.why == "changed") + len(deletes)
    return Plan(target, output_dir, uploads, deletes, unchanged, remote, state={"deleted_entries": deleted_entries})


def execute(made: Plan) -> Iterator[Change]:
    """One rsync run: everything sent into holding folders, renamed into place together, then deletions.
    Never more deletions than the plan showed (--max-delete), whatever changed at the target since."""
    if not made.uploads and not made.deletes and not made.state.get("deleted_entries"):
        return
    limit = made.state.get("deleted_entries", len(made.deletes))
    run_tool([*_BASE, f"--max-delete={limit}", f"{made.output_dir}/", made.target.address],
             f"rsync to {made.target}")
    yield from made.uploads
    yield from made.deletes
