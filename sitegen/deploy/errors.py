"""A failing git, rsync, ssh or S3 call as the user needs to see it: the tool's own error lines (all of
them, cut to a screenful), never a bare exit code, and what to try for the failures people meet most.

Shared by deploy.py's ``run_tool`` (git and rsync, and ssh under them) and deploy_s3 (boto3's errors).
Passwords written into URLs are hidden before anything is shown.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterable, Sequence

from sitegen.core.errors import SitegenError

SCREENFUL = 20  # lines of a tool's output shown at most: the first and the last, the middle elided
_URL_PASSWORD = re.compile(r"(://[^/@:\s]+):[^/@\s]+@")

# (what the tool said, what to try): the first pattern that matches gives the hint.
HINTS: Sequence[tuple[re.Pattern[str], str]] = [(re.compile(pattern, re.I), hint) for pattern, hint in (
    (r"could not resolve hostname|name or service not known|temporary failure in name resolution|"
     r"could not resolve host",
     "check the host name in the target's url (a typo?) and that this machine can reach the network"),
    (r"permission denied \(publickey|publickey\)",
     "the server refused your ssh key: load it with ssh-add, or test with ssh -T user@host"),
    (r"host key verification failed",
     "ssh does not know this server yet: connect once with ssh user@host to check and accept its key"),
    (r"connection refused|connection timed out|no route to host|network is unreachable|operation timed out",
     "nothing answers at that address: check the host and port in the url, and that the server is up"),
    (r"does not appear to be a git repository|repository not found|not found.*repository|"
     r"no such file or directory.*\.git",
     "check the target's url; the repository must exist (git init --bare on a server, or create it on the "
     "hosting site) and you must have access to it"),
    (r"authentication failed|could not read username|could not read password|terminal prompts disabled",
     "git needs credentials for this address: set up a credential helper (git credential-store, gh auth "
     "login) or use a git+ssh:// url with your ssh key"),
    (r"remote rejected|protected branch|hook declined|pre-receive hook",
     "the remote refused the push (a protected branch, or a hook on the server): allow pushes to that "
     "branch in the repository's settings, or deploy to another 'branch:'"),
    (r"\[rejected\]|non-fast-forward|fetch first|failed to push some refs",
     "someone pushed to the branch since the plan: run the deploy again, it starts from their commit"),
    (r"no space left on device|disk quota exceeded",
     "the disk at the target is full: free some space there, then run the deploy again"),
    (r"rsync: (command )?not found|rsync: not found|command not found",
     "install rsync on the server as well (apt-get install rsync)"),
    (r"permission denied|operation not permitted|read-only file system",
     "this user may not write there: check the folder's owner and permissions on the target"),
    (r"protocol version mismatch|is your shell clean",
     "the login shell on the server prints text: keep ~/.bashrc quiet for non-interactive logins"),
)]


def redact(text: str) -> str:
    """Hide a password written into a URL (``https://user:token@host``) before anything prints it."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


def screenful(lines: Sequence[str], limit: int = SCREENFUL) -> list[str]:
    """At most ``limit`` lines: the first ones and the last ones, with a line saying how many were left out."""
    if len(lines) <= limit:
        return list(lines)
    head = limit // 3
    tail = limit - head - 1
    return [*lines[:head], f"… {len(lines) - head - tail} more lines …", *lines[-tail:]]


def hint_for(lines: Iterable[str]) -> str | None:
    text = "\n".join(lines)
    return next((hint for pattern, hint in HINTS if pattern.search(text)), None)


class ToolError(SitegenError):
    """A tool that failed: one line naming it and how it ended, its own words indented below, then a hint."""

    def __init__(self, what: str, how: str, lines: Sequence[str], hint: str | None = None) -> None:
        self.what = what
        self.how = how
        self.lines = screenful([redact(line.rstrip()) for line in lines if line.strip()])
        self.hint = hint if hint is not None else hint_for(self.lines)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.what} failed ({self.how})"
        if self.lines:
            text += ":\n" + "\n".join(f"    {line}" for line in self.lines)
        if self.hint:
            text += f"\n  try: {self.hint}"
        return text

    def __reduce__(self) -> tuple:
        return (ToolError, (self.what, self.how, self.lines, self.hint))


def ended(returncode: int) -> str:
    """How a process ended, in words: 'exit status 128', or 'killed by SIGKILL'."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def tool_failed(what: str, returncode: int, stderr: bytes | str, stdout: bytes | str = b"",
                args: Sequence[str] = ()) -> ToolError:
    """The ToolError of a finished process: its error output (or, when it printed none there, its output);
    ``args``, the command, is offered to run by hand when nothing better can be said."""
    def text(data: bytes | str) -> str:
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data

    lines = text(stderr).splitlines() or text(stdout).splitlines()
    if not any(line.strip() for line in lines):
        lines = ["(it printed no error message)"]
    hint = hint_for(lines)
    if hint is None and returncode < 0:
        hint = "it was stopped from outside; the target is as before or complete: run the deploy again to finish"
    if hint is None and args:
        hint = "run it yourself to see more: " + redact(" ".join(args))
    return ToolError(what, ended(returncode), lines, hint)
