"""Deploy to a git branch (GitHub, Codeberg or GitLab Pages): one commit on top of the branch, then a push.

All the work happens in a temporary bare repository with its own index: the user's working tree, index,
current branch and refs are never touched (a remote name is only looked up in their repository). Only the
branch tip is fetched (--depth 1), the new tree is built from the output folder plus ``.nojekyll`` and an
optional ``CNAME``, and the commit's parent is the fetched tip, so the branch keeps its history and the push
is a fast-forward; if someone pushed in between, the push is refused and a rerun starts from their commit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sitegen.core.errors import SitegenError
from sitegen.deploy.publish import Change, Plan, Target, git_remotes, iter_lines, local_files, run_tool

DEFAULT_BRANCH = "gh-pages"
# Settings of the user's repository that a fetch or push may need: credentials, URL rewrites, ssh command.
_FORWARDED_CONFIG = r"^(http\..*|credential\..*|url\..*|core\.sshcommand)$"
_REPO_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX")


def plan(target: Target, output_dir: Path) -> Plan:
    """Compare the branch tip's tree with the tree the output folder (plus .nojekyll, CNAME) would make."""
    branch = target.options.get("branch") or DEFAULT_BRANCH
    local_files(output_dir)  # a clear error if the site was never built
    made = Plan(target, output_dir, [], [], [], 0)
    workdir = Path(made.resources.enter_context(tempfile.TemporaryDirectory(prefix="sitegen-deploy-")))
    try:
        git = _Git(target, workdir)
        head = git.remote_head(branch)
        if head:
            git("fetch", "-q", "--depth=1", "--no-tags", git.fetch_url, f"refs/heads/{branch}")
        git("add", "-A", "-f", "--", ".", cwd=output_dir, work_tree=output_dir)
        extras = {".nojekyll": b""}
        if target.options.get("cname"):
            extras["CNAME"] = target.options["cname"].strip().encode("utf-8") + b"\n"
        for path, data in extras.items():
            blob = git("hash-object", "-w", "--stdin", input=data).strip()
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        tree = git("write-tree").strip()
        new = git.files(tree)
        old = git.files(f"{head}^{{tree}}") if head else {}
    except BaseException:
        made.close()
        raise
    for path, (blob, size) in sorted(new.items()):
        if path not in old:
            made.uploads.append(Change(path, size, "new"))
        elif old[path][0] != blob:
            made.uploads.append(Change(path, size, "changed"))
        else:
            made.unchanged.append(path)
    made.deletes = [Change(path, 0, "removed") for path in sorted(set(old) - set(new))]
    made.remote_files = len(old)
    made.state.update(git=git, tree=tree, parent=head, branch=branch)
    return made


def execute(made: Plan) -> Iterator[Change]:
    """Commit the planned tree on top of the branch and push it; nothing is visible until the push lands."""
    if not made.uploads and not made.deletes:
        return
    git: _Git = made.state["git"]
    parent = made.state["parent"]
    message = made.target.options.get("message") or _message(made)
    commit = git("commit-tree", made.state["tree"], *(["-p", parent] if parent else []), "-m", message).strip()
    # The push moves the branch last, after every object is in: killed before that, the remote is unchanged.
    git("push", "-q", git.push_url, f"{commit}:refs/heads/{made.state['branch']}")
    yield from made.uploads
    yield from made.deletes


def _message(made: Plan) -> str:
    source = ""
    try:
        sha = run_tool(["git", "-C", str(made.target.root), "rev-parse", "--short", "HEAD"], "git", _env())
        source = f" from {sha.strip()}"
    except SitegenError:
        pass  # the site is not a git repository, or has no commit yet
    return (f"Deploy site{source}: {len(made.uploads)} uploaded, {len(made.deletes)} deleted\n\n"
            "Written by sitegen deploy.")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}


class _Git:
    """git commands against the temporary repository, with the user's repository only read from."""

    def __init__(self, target: Target, workdir: Path) -> None:
        self.git_dir = workdir / "repo.git"
        self.index = workdir / "index"
        self.env = _env()
        self.target = str(target)
        root = str(target.root)
        self.fetch_url = self.push_url = target.address
        if target.address in git_remotes(target.root):  # a remote name: its URLs and credentials settings
            name = target.address
            self.fetch_url = run_tool(["git", "-C", root, "remote", "get-url", name], "git", self.env).strip()
            self.push_url = run_tool(["git", "-C", root, "remote", "get-url", "--push", name], "git",
                                     self.env).strip()
            self._forward_config(root)
        self._identity(root)
        run_tool(["git", "init", "-q", "--bare", str(self.git_dir)], "git init", self.env)
        self.env.update(GIT_DIR=str(self.git_dir), GIT_INDEX_FILE=str(self.index))

    def __call__(self, *args: str, cwd: Path | None = None, work_tree: Path | None = None,
                 input: bytes | None = None) -> str:
        env = dict(self.env, GIT_WORK_TREE=str(work_tree)) if work_tree else self.env
        settings = ["-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", f"core.bare={not work_tree}"]
        return run_tool(["git", *settings, *args],
                        f"git {args[0]} for {self.target}", env, cwd=cwd or self.git_dir, input=input)

    def remote_head(self, branch: str) -> str | None:
        out = self("ls-remote", "--heads", self.fetch_url, f"refs/heads/{branch}")
        for line in iter_lines(out):
            sha, ref = line.split("\t", 1)
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    def files(self, tree: str) -> dict[str, tuple[str, int]]:
        """path -> (mode and blob id, size) for every file of a tree."""
        found = {}
        for entry in iter_lines(self("ls-tree", "-r", "-l", "-z", tree), "\0"):
            meta, path = entry.split("\t", 1)
            mode, _kind, blob, size = meta.split()
            found[path] = (f"{mode} {blob}", int(size) if size.isdigit() else 0)
        return found

    def _forward_config(self, root: str) -> None:
        """Pass the repository's credential settings (e.g. from actions/checkout) through the environment,
        never the command line, where other users could read a token."""
        try:
            out = run_tool(["git", "-C", root, "config", "--local", "--includes", "-z", "--get-regexp",
                            _FORWARDED_CONFIG], "git", self.env)
        except SitegenError:
            return  # none set
        entries = [entry.split("\n", 1) for entry in iter_lines(out, "\0")]
        start = int(self.env.get("GIT_CONFIG_COUNT", "0") or 0)
        for i, entry in enumerate(entries, start):
            self.env[f"GIT_CONFIG_KEY_{i}"] = entry[0]
            self.env[f"GIT_CONFIG_VALUE_{i}"] = entry[1] if len(entry) > 1 else "true"
        self.env["GIT_CONFIG_COUNT"] = str(start + len(entries))

    def _identity(self, root: str) -> None:
        """Commit as the user git knows (from the site's repository or global settings), else as sitegen."""
        for key, variables in (("user.name", ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
                               ("user.email", ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"))):
            try:
                value = run_tool(["git", "-C", root, "config", key], "git", self.env).strip()
            except SitegenError:
                value = ""
            fallback = value or ("sitegen" if key == "user.name" else "sitegen@localhost")
            for variable in variables:
                self.env.setdefault(variable, fallback)
