"""Deploy with rsync to a local folder or ``user@host:path`` over ssh, comparing files by checksum.

The plan is rsync's own dry run (``-n --itemize-changes``), so it is exactly what rsync would do, remote or
local. The run is several passes: assets, then pages, then feeds and maps (each pass with
``--delay-updates``, so its files appear together), and last a pass that only deletes. Files whose bytes
did not change are not touched at all (same inode, same mtime on the server).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from .deploy import Change, Plan, Target, iter_lines, local_files, run_tool, upload_order

_BASE = ["rsync", "--checksum", "--mkpath", "-8", "--perms", "--chmod=D755,F644"]
_ITEM = re.compile(r"^([<>ch.])([fdLDS])(.{9}) (.+)$")
_DELETING = re.compile(r"^\*deleting +(.+)$")


def plan(target: Target, output_dir: Path) -> Plan:
    """rsync's own dry run, read back: what it would send (by checksum) and what --delete would remove."""
    local = local_files(output_dir)
    out = run_tool([*_BASE, "-n", "-r", "--delete", "--out-format=%i %n", f"{output_dir}/", target.address],
                   f"rsync to {target}")
    uploads, deletes, deleted_entries = [], [], 0
    for line in iter_lines(out):
        if match := _DELETING.match(line):
            deleted_entries += 1
            if not match.group(1).endswith("/"):
                deletes.append(Change(match.group(1), 0, "removed"))
        elif (match := _ITEM.match(line)) and match.group(2) == "f" and match.group(1) in "<>c":
            path = match.group(4)
            why = "new" if match.group(3) == "+" * 9 else "changed"
            uploads.append(Change(path, local.get(path, 0), why))
    sent = {change.path for change in uploads}
    unchanged = [path for path in local if path not in sent]
    remote = len(unchanged) + sum(1 for c in uploads if c.why == "changed") + len(deletes)
    return Plan(target, output_dir, uploads, deletes, unchanged, remote, state={"deleted_entries": deleted_entries})


def execute(made: Plan) -> Iterator[Change]:
    """One rsync pass per phase of the upload order, then one that only deletes."""
    source, what = f"{made.output_dir}/", f"rsync to {made.target}"
    with tempfile.TemporaryDirectory(prefix="sitegen-rsync-") as tmp:
        for phase, group in groupby(made.uploads, key=lambda change: upload_order(change.path)[0]):
            changes = list(group)
            listing = Path(tmp) / f"phase-{phase}"
            names = [".", *(c.path for c in changes)]  # "." gives a new target folder readable permissions too
            listing.write_bytes(b"\0".join(name.encode("utf-8", "surrogateescape") for name in names) + b"\0")
            run_tool([*_BASE, "--delay-updates", "--from0", f"--files-from={listing}", source, made.target.address],
                     what)
            yield from changes
    if made.deletes:
        # Transfers nothing (--existing with --ignore-existing), deletes what the site no longer has.
        limit = made.state.get("deleted_entries", len(made.deletes))
        run_tool([*_BASE, "-r", "--delete", "--existing", "--ignore-existing", f"--max-delete={limit}",
                  source, made.target.address], what)
        yield from made.deletes
