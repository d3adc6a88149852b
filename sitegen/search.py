"""Full-text search on static hosting: Pagefind indexes the written site into ``pagefind/`` beside the pages.

Pagefind (PyPI ``pagefind[extended]``) is a Rust binary: it reads the HTML the build wrote (only the part
marked ``data-pagefind-body``: article text, not the lists) and writes a search bundle that the browser
loads piece by piece from ``/search/``. It runs after the pages are written, only when a page changed or
the bundle is missing, into a folder beside the output that is then swapped in whole, so a reader never
sees half an index. Where the binary cannot run, the build says so once and goes on without search.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

BUNDLE = "pagefind"  # the bundle's folder in the output, and its URL /pagefind/
ENTRY = "pagefind-entry.json"  # written last by Pagefind: a bundle without it is incomplete
TIMEOUT = 900  # seconds; a 10,000-article site indexes in well under a minute


def executable() -> Path | None:
    """The Pagefind binary: ``PAGEFIND_BINARY_PATH``, the PyPI package's, or one on the PATH."""
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured:
        return Path(configured)
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = __import__(module).get_executable()
        except (ImportError, FileNotFoundError):
            continue
        return Path(found)
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None


@functools.cache
def unavailable() -> str | None:
    """Why search cannot be built on this machine (asked once per process), or None when it can."""
    binary = executable()
    if binary is None:
        return ("search: Pagefind is not installed (pip install 'pagefind[extended]'); "
                "the site is built without a search page")
    try:
        subprocess.run([str(binary), "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"search: Pagefind ({binary}) cannot run here ({_reason(exc)}); the site is built without search"
    return None


def update_index(output_dir: Path, *, enabled: bool, changed: bool, jobs: int = 1) -> str | None:
    """Bring ``output_dir/pagefind/`` up to date with the pages; returns a warning when it could not.

    Nothing runs when no page changed and a complete bundle is there already. With search off, a
    bundle left by an earlier build is removed.
    """
    bundle = output_dir / BUNDLE
    if not enabled:
        shutil.rmtree(bundle, ignore_errors=True)
        return None
    if not changed and (bundle / ENTRY).is_file():
        return None
    binary = executable()
    if binary is None:
        return unavailable()
    fresh = output_dir.parent / f".{output_dir.name}.pagefind-new"
    stale = output_dir.parent / f".{output_dir.name}.pagefind-old"
    for folder in (fresh, stale):
        shutil.rmtree(folder, ignore_errors=True)
    command = [str(binary), "--site", str(output_dir), "--output-path", str(fresh), "--silent"]
    environment = {**os.environ, "RAYON_NUM_THREADS": str(max(1, jobs))}  # honour --jobs
    try:
        subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=True, env=environment)
        if not (fresh / ENTRY).is_file():
            raise subprocess.SubprocessError("it wrote no index")
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        return f"search: Pagefind failed ({_reason(exc)}); the search page shows the last index, if any"
    if bundle.exists():
        bundle.rename(stale)
    fresh.rename(bundle)
    shutil.rmtree(stale, ignore_errors=True)
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        output = (exc.stderr or exc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
        return f"exit status {exc.returncode}{': ' + output[-1] if output else ''}"
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"no result after {exc.timeout:.0f} s"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
