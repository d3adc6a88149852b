"""Replacing a file whole: what every cache, record and derivative the build keeps is written with."""

from __future__ import annotations

import os
import tempfile
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
