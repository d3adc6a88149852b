"""Errors a user can act on. Anything else escaping sitegen is a bug in sitegen."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def shown_path(path: Path, root: Path) -> str:
    """A path as the user would type it: relative to the site's folder when it is inside it."""
    return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else str(path)


class SitegenError(Exception):
    """A problem the user can fix; printed without a traceback."""


class ContentError(SitegenError):
    """A problem in one input file, printed as ``path:line: message``."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int]:
        return (str(self.path), self.line or 0)

    def __reduce__(self) -> tuple:  # survives the trip back from a worker process
        return (ContentError, (self.path, self.line, self.message))


class BuildFailed(SitegenError):
    """Every error one run found; nothing was written."""

    def __init__(self, errors: Iterable[SitegenError], notes: Iterable[str] = (), warnings: Iterable[str] = (),
                 warned: Iterable[str] = ()) -> None:
        self.errors = sorted(errors, key=_error_key)
        self.notes = list(notes)  # what the run did manage, e.g. content files it converted
        self.warnings = list(warnings)  # every warning of the run: said too, though it failed
        self.warned = list(warned)  # files named by a warning that spans several
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''}")

    def __reduce__(self) -> tuple:
        return (BuildFailed, (self.errors, self.notes, self.warnings, self.warned))


def _error_key(error: SitegenError) -> tuple[str, int]:
    return error.sort_key() if isinstance(error, ContentError) else ("", 0)


class Refused(SitegenError):
    """A command that would not go on, with every problem that stopped it (each printed as an error line)."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message)

    def __reduce__(self) -> tuple:
        return (Refused, (str(self), self.problems))
