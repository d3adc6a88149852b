"""Ship the built site to static hosting: first a plan of what to upload and delete, then one run of it.

A target's kind follows from its URL: ``git+ssh://``, ``git+file://``, ``git+https://`` or a git remote
of the site's repository is a branch (GitHub/Codeberg/GitLab Pages); a folder, ``file://`` or
``user@host:path`` goes through rsync; ``s3://bucket/prefix`` is S3-compatible object storage. Each kind
lives in its own module (deploy_git, deploy_rsync, deploy_s3) with the same two functions: ``plan`` finds
what differs, ``execute`` does it, new assets first, then pages, deletions last, so a visitor never gets a
page whose stylesheet or links are not there yet, and a deploy that stops half-way is finished by a rerun.
"""

from __future__ import annotations

import importlib
import marshal
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import yaml

from sitegen.core.config import CONFIG_FILE, Config, describe_value, suggestion
from sitegen.core.errors import ContentError, Refused, SitegenError, shown_path
from sitegen.core.files import files_under
from sitegen.deploy.errors import _URL_PASSWORD, redact, tool_failed
from sitegen.output.hosting import HOSTING_FILES, is_page

DEFAULT_MAX_DELETES = "20%"
COMMON_OPTIONS = ("url", "max_deletes", "base_url", "allow_local_base_url")
_SWITCHES = ("allow_local_base_url",)  # options that are true or false; the others but max_deletes are text
SHOWN_DELETES = 10  # files a refused deploy names, of those it would have deleted
KIND_OPTIONS = {
    "git": ("branch", "cname", "message"),
    "rsync": (),
    "s3": ("endpoint_url", "region", "cloudfront_distribution"),
}
_CREDENTIAL_WORDS = re.compile(r"secret|password|passwd|token|access_key|key_id|credential|private_key", re.I)
_SCP_LIKE = re.compile(r"^(?:[^@/:\s]+@)?[^@/:\s]+:")

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """Where a deploy goes: the kind, the address the tool is given, and the target's options."""

    kind: str  # "git", "rsync" or "s3"
    url: str  # as the user wrote it
    address: str  # git: a URL or remote name; rsync: a destination; s3: "bucket/prefix"
    options: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None  # the target's name in sitegen.yaml
    root: Path = field(default_factory=Path.cwd)  # the site's folder
    base_path: str = "/"  # the URL path the site lives under, for CDN invalidation

    def __str__(self) -> str:
        url = redact(self.url)
        return f"{self.name} ({url})" if self.name else url


@dataclass(frozen=True)
class Change:
    """One file to upload or delete, as a path relative to the output folder."""

    path: str
    size: int  # bytes to upload; 0 for a delete
    why: str  # "new", "changed" or "removed"


@dataclass
class Plan:
    """What a deploy will do, in the order it does it. ``state`` is what the kind's execute needs."""

    target: Target
    output_dir: Path
    uploads: list[Change]
    deletes: list[Change]
    unchanged: list[str]
    remote_files: int  # files at the target before the deploy
    state: dict[str, Any] = field(default_factory=dict)
    resources: ExitStack = field(default_factory=ExitStack)  # temporary clones, open clients

    @property
    def upload_bytes(self) -> int:
        return sum(change.size for change in self.uploads)

    def close(self) -> None:
        self.resources.close()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class DeployReport:
    target: str
    uploaded: int
    deleted: int
    unchanged: int
    bytes: int
    dry_run: bool = False


# -- targets ---------------------------------------------------------------------------------------------


def find_target(config: Config, name: str | None = None, url: str | None = None) -> Target:
    """The target named in sitegen.yaml (the first one when no name is given), or the ``--to`` URL."""
    if name and url:
        raise SitegenError("give a target NAME from sitegen.yaml or --to URL, not both")
    if url:
        return target_from_url(url, config)
    targets = config.deploy
    if not targets:
        raise SitegenError("no deploy target: add a 'deploy:' section to sitegen.yaml "
                           "(see the README), or give one with --to URL")
    if name is None:
        name = next(iter(targets))
    elif name not in targets:
        raise SitegenError(f"no deploy target '{name}' in {CONFIG_FILE}; the targets are: {', '.join(targets)}")
    options = targets[name]
    if not isinstance(options, dict):
        raise _setting_error(config, f"deploy target '{name}' must be a mapping of settings such as "
                                     "'url: s3://bucket/news', not " + type(options).__name__, name)
    for key in options:
        if _CREDENTIAL_WORDS.search(str(key)):
            raise _setting_error(config, f"'{key}' looks like a credential: remove it, since sitegen.yaml is "
                                         "usually committed; give credentials in the environment "
                                         "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) or the "
                                         "tool's own configuration (~/.aws/credentials, ssh keys, a git "
                                         "credential helper)", name, key)
    url = options.get("url")
    if not isinstance(url, str) or not url.strip():
        raise _setting_error(config, f"deploy target '{name}' needs a 'url', such as s3://bucket/news, "
                                     "git+ssh://git@github.com/me/site.git or user@host:/var/www/news", name)
    if _URL_PASSWORD.search(url):
        raise _setting_error(config, f"the url of deploy target '{name}' holds a password: remove it, and give "
                                     "it to git's credential helper or ssh instead", name, "url")
    target = target_from_url(url, config, options, name)
    allowed = (*COMMON_OPTIONS, *KIND_OPTIONS[target.kind])
    for key, value in options.items():
        if key not in allowed:
            close = suggestion(str(key), list(allowed))
            hint = f"did you mean '{close}'? " if close else ""
            raise _setting_error(config, f"deploy target '{name}' ({target.kind}) has no setting '{key}'; "
                                         f"{hint}its settings are: {', '.join(allowed)}", name, key)
        if key in _SWITCHES:
            if not isinstance(value, bool):
                raise _setting_error(config, f"'{key}' must be true or false, not {describe_value(value)}",
                                     name, key)
        elif key != "max_deletes" and not isinstance(value, str):
            raise _setting_error(config, f"'{key}' must be text, not {describe_value(value)}", name, key)
    if "base_url" in options and (problem := base_url_problem(options["base_url"])):
        raise _setting_error(config, f"the base_url of deploy target '{name}' {problem}", name, "base_url")
    try:
        max_deletes(target, 0)
    except SitegenError as exc:
        raise _setting_error(config, str(exc), name, "max_deletes") from None
    return target


def target_from_url(url: str, config: Config, options: Mapping[str, Any] | None = None,
                    name: str | None = None) -> Target:
    """Tell the kind of target from its URL; say what is accepted when it is none of them."""
    def make(kind: str, address: str) -> Target:
        return Target(kind, url, address, dict(options or {}), name, config.root, config.base_path)

    url = url.strip()
    if url.startswith("s3://"):
        parts = urlsplit(url)
        if not parts.netloc:
            raise SitegenError(f"'{url}' names no bucket: write s3://bucket or s3://bucket/prefix")
        return make("s3", f"{parts.netloc}/{parts.path.strip('/')}".rstrip("/"))
    if url.startswith("git+"):
        rest = url[4:]
        if urlsplit(rest).scheme not in ("ssh", "file", "https", "http", "git"):
            raise SitegenError(f"'{redact(url)}' is not a git URL: write git+ssh://…, git+https://… or git+file://…")
        return make("git", rest)
    if "://" in url:
        scheme = urlsplit(url).scheme
        if scheme == "file":
            return make("rsync", _local_folder(urlsplit(url).path, config))
        if scheme == "rsync":
            return make("rsync", url.rstrip("/") + "/")
        raise SitegenError(f"cannot deploy to '{redact(url)}': use git+{scheme}://… for a git repository, "
                           "s3://bucket/prefix, a folder, or user@host:path for rsync over ssh")
    if _SCP_LIKE.match(url) and not url.startswith(("/", ".", "~")):
        if url.endswith(".git"):
            raise SitegenError(f"'{url}' looks like a git repository: write it as git+ssh://"
                               f"{url.replace(':', '/', 1)} to deploy to a branch, or drop '.git' for rsync")
        return make("rsync", url.rstrip("/") + "/")
    if "/" not in url and url in git_remotes(config.root):
        return make("git", url)
    return make("rsync", _local_folder(url, config))


def _local_folder(path: str, config: Config) -> str:
    """A local destination, refused when an rsync --delete there would wipe the site's own files."""
    folder = (config.root / Path(path).expanduser()).resolve()
    own = [config.content_path, config.seeds_path, config.output_path, config.cache_path,
           *config.theme_dirs("templates")[:1], *config.theme_dirs("static")[:1]]
    for place in [config.root, *own]:
        inside = place in folder.parents and place != config.root
        if folder == place or folder in place.parents or inside:
            raise SitegenError(f"cannot deploy to {folder}: rsync would overwrite {place}; "
                               "choose a folder of its own")
    return str(folder) + "/"


def git_remotes(root: Path) -> list[str]:
    """The remote names of the site's git repository (none if it is not one)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "remote"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return []
    return done.stdout.split() if done.returncode == 0 else []


def _setting_error(config: Config, message: str, *keys: str) -> ContentError:
    return ContentError(Path(CONFIG_FILE), _line(config.root / CONFIG_FILE, ("deploy", *keys)), message)


def _line(path: Path, keys: tuple[str, ...]) -> int | None:
    """The line of ``deploy: name: key`` in sitegen.yaml, so the error points at it."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        match = next(((k, v) for k, v in node.value if k.value == key), None)
        if match is None:
            break
        line, node = match[0].start_mark.line + 1, match[1]
    return line


# -- the plan --------------------------------------------------------------------------------------------


def local_files(output_dir: Path) -> dict[str, int]:
    """Every file of the built site, as '/'-separated paths relative to the output folder, with sizes."""
    if not output_dir.is_dir():
        raise SitegenError(f"{output_dir} does not exist: build the site first")
    return {rel: path.stat().st_size for rel, path in files_under(output_dir)}


def upload_order(path: str) -> tuple[int, int, str]:
    """Assets first, then pages (deepest first, so articles go up before the lists that link to them),
    then feeds, maps and hosting files that point at pages."""
    name = PurePosixPath(path).name
    if name.endswith((".html", ".htm")):
        return (1, -path.count("/"), path)
    if is_page(path) or name in HOSTING_FILES:
        return (2, 0, path)
    return (0, 0, path)


def plan(target: Target, output_dir: Path) -> Plan:
    """What deploying ``output_dir`` to ``target`` would upload, delete and leave alone; changes nothing."""
    made = _backend(target.kind).plan(target, output_dir.resolve())
    made.uploads.sort(key=lambda change: upload_order(change.path))
    made.deletes.sort(key=lambda change: change.path)
    return made


def max_deletes(target: Target, remote_files: int) -> int:
    """How many files a deploy may delete without --allow-deletes: a number, or a share of the remote files."""
    spec = target.options.get("max_deletes", DEFAULT_MAX_DELETES)
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 0:
        return spec
    if isinstance(spec, str) and re.fullmatch(r"\d+(\.\d+)?%", spec.strip()):
        return int(remote_files * float(spec.strip()[:-1]) / 100)
    raise SitegenError(f"max_deletes must be a number of files such as 20 or a share such as '50%', not {spec!r}")


def check_deletes(made: Plan, allow_deletes: bool = False) -> None:
    """Refuse a deploy that would delete more than max_deletes: a wrong output folder must not wipe a site.
    The refusal names what would have gone."""
    counted = [change for change in made.deletes if not _regenerated(change.path)]
    remote = len(counted) + sum(1 for path in made.unchanged if not _regenerated(path)) + \
        sum(1 for change in made.uploads if change.why == "changed" and not _regenerated(change.path))
    limit = max_deletes(made.target, remote)
    if len(counted) > limit and not allow_deletes:
        spec = made.target.options.get("max_deletes", DEFAULT_MAX_DELETES)
        shown = [change.path for change in counted[:SHOWN_DELETES]]
        more = len(counted) - len(shown)
        listing = "\n".join(f"    would delete {path}" for path in shown)
        if more:
            listing += f"\n    … and {more} more (sitegen deploy --dry-run lists them all)"
        raise SitegenError(f"refusing to delete {len(counted)} of the {remote} files at {made.target}, not "
                           f"counting the search index (max_deletes: {spec} allows {limit}): check output_dir "
                           "and the target, then run again with --allow-deletes if that is what you want; "
                           f"nothing was uploaded or deleted\n{listing}")


def _regenerated(path: str) -> bool:
    """Files a build replaces whenever an article changes (the search index's shards): not counted by
    max_deletes, or deleting one article of a small site would look like wiping it."""
    return path.startswith("pagefind/")


# -- guards: the right site, whole and working ---------------------------------------------------------------


def base_url_problem(url: object) -> str | None:
    """What makes ``url`` no public address of a site, or None."""
    if not isinstance(url, str):
        return f"must be text, not {describe_value(url)}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"'{url}' must be an absolute URL such as https://example.org/ or https://example.org/news/"
    return None


def local_host(url: str) -> str | None:
    """Why the host of ``url`` is no public address (loopback, private network, this machine), or None."""
    import ipaddress

    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa")):
        return "this machine or the local network"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        return "this machine (a loopback address)"
    if address.is_private or address.is_link_local or address.is_reserved:
        return "a private network address"
    return None


def site_base_url(config: Config, target: Target) -> str:
    """The address the site is built for when deployed to ``target``: the target's own, else the site's."""
    return target.options.get("base_url") or config.base_url


def check_base_url(config: Config, target: Target) -> None:
    """Refuse to publish a site built for the wrong address: localhost or a private network (sitegen init's
    placeholder, a staging build), or not the address the target serves (a git target's cname, a GitHub,
    GitLab or Codeberg Pages account)."""
    base_url = site_base_url(config, target)
    own = "base_url" in target.options
    where = (f"the base_url of deploy target '{target.name}' ({CONFIG_FILE}:"
             f"{_line(config.root / CONFIG_FILE, ('deploy', target.name or '', 'base_url')) or '?'})" if own
             else f"base_url ({_where(config, 'base_url')})")
    why = local_host(base_url)
    if why and not target.options.get("allow_local_base_url"):
        raise SitegenError(f"refusing to deploy to {target}: {where} is {base_url}, an address of {why}, so every "
                           "canonical link, feed, sitemap and og:image of the live site would point there; set "
                           "base_url to the site's public address (https://…), or give the target its own "
                           "'base_url:' (for a staging server on a private network: 'allow_local_base_url: true')")
    expected = served_host(target)
    host = (urlsplit(base_url).hostname or "").lower()
    if expected and host != expected.lower():
        via = "its cname" if target.options.get("cname") else "its Pages account"
        raise SitegenError(f"refusing to deploy to {target}: {where} is {base_url}, but the target serves "
                           f"{expected} ({via}); set the target's 'base_url: https://{expected}/…' (or its "
                           "'cname:' to the site's own domain)")


_PAGES_HOSTS = {"github.com": "{}.github.io", "gitlab.com": "{}.gitlab.io", "codeberg.org": "{}.codeberg.page"}


def served_host(target: Target) -> str | None:
    """The host a target serves the site at, when it can be told: a git target's cname, else the Pages
    domain of a GitHub, GitLab or Codeberg repository (me/news on github.com: me.github.io)."""
    if target.kind != "git":
        return None
    if target.options.get("cname"):
        return str(target.options["cname"]).strip().rstrip(".")
    url = target.address
    if url in git_remotes(target.root):
        try:
            url = run_tool(["git", "-C", str(target.root), "remote", "get-url", url], "git").strip()
        except SitegenError:
            return None
    match = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?([^/:]+)[:/]+([^/]+)/", url)
    if match and match.group(1).lower() in _PAGES_HOSTS:
        return _PAGES_HOSTS[match.group(1).lower()].format(match.group(2).lower())
    return None


def check_built(config: Config, output_dir: Path, base_url: str) -> list[str]:
    """Refuse a site that is broken or leaks: every problem ``sitegen check`` finds but orphan pages (those
    are returned, to be shown as warnings) stops the deploy. Also refuses a folder built for another address.
    The caller holds the output folder's lock."""
    from sitegen.check import built_base_url, check_site
    from sitegen.core.parallel import default_jobs
    from sitegen.schedule import withheld_articles

    built = built_base_url(output_dir, lock=False)
    if built is not None and built.rstrip("/") != base_url.rstrip("/"):
        raise SitegenError(f"refusing to deploy {shown_path(output_dir, config.root)}/: it was built for {built}, not "
                           f"{base_url}; build it again (sitegen deploy builds it for the target)")
    withheld = withheld_articles(config)
    stamp = _checked_stamp(output_dir, base_url, withheld)
    record = config.cache_path / CHECKED_FILE
    try:
        last = marshal.loads(record.read_bytes())
        if isinstance(last, tuple) and len(last) == 2 and last[0] == stamp:
            return list(last[1])  # checked already, as it is now, for this address: only its orphans to say
    except (OSError, EOFError, ValueError, TypeError):
        pass
    report = check_site(output_dir, base_url, jobs=default_jobs(), withheld=withheld, lock=False)
    blocking = [p for p in report.problems if not p.endswith(ORPHAN)]
    if blocking:
        leaking = sum(1 for p in blocking if LEAK in p)
        reasons = []
        if leaking:
            reasons.append(f"{leaking} file{'s' if leaking != 1 else ''} would publish an embargoed or killed "
                           "article early; fix the templates that show it, rebuild, deploy again")
        if len(blocking) > leaking:
            count = len(blocking) - leaking
            reasons.append(f"sitegen check found {count} problem{'s' if count != 1 else ''} in the built site "
                           "(a link that leads nowhere, a broken feed or sitemap): fix them, then deploy again")
        raise Refused(f"not deployed: {'; and '.join(reasons)}; nothing was uploaded",
                      [f"{config.output_dir}/{p}" for p in blocking])
    orphans = [f"{config.output_dir}/{p}" for p in report.problems if p.endswith(ORPHAN)]
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        temp = record.with_suffix(".tmp")
        temp.write_bytes(marshal.dumps((stamp, orphans)))
        os.replace(temp, record)
    except OSError:
        pass  # only saves the next deploy a check
    return orphans


CHECKED_FILE = "checked.marshal"  # in the cache folder: the output folder as it was last checked clean


def _checked_stamp(output_dir: Path, base_url: str, withheld: object) -> str:
    """A digest of every output file's path, size and mtime, the address and the withheld articles: when it
    is the one of the last clean check, the folder need not be read again (at 10k articles, a minute)."""
    import hashlib

    entries = []
    for _rel, path in files_under(output_dir):
        stat = path.stat()
        entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(marshal.dumps((entries, base_url, repr(withheld)), 2)).hexdigest()


LEAK = ": leaks the "
ORPHAN = "orphan page: no link leads to it from the front page"


def _where(config: Config, key: str) -> str:
    line = _line(config.root / CONFIG_FILE, (key,))
    if line:
        return f"{CONFIG_FILE}:{line}"
    try:
        text = (config.root / CONFIG_FILE).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""
    commented = next((n for n, ln in enumerate(text.splitlines(), 1) if re.match(rf"\s*#\s*{key}\s*:", ln)), None)
    if commented:
        return f"not set: {CONFIG_FILE}:{commented} has it commented out, remove the '#'"
    return f"not set in {CONFIG_FILE}, so the default"


def describe(made: Plan) -> list[str]:
    """The plan as lines for --dry-run: every upload and delete, in the order they would happen."""
    lines = [f"would upload {c.path} ({c.why}, {human_bytes(c.size)})" for c in made.uploads]
    lines += [f"would delete {c.path}" for c in made.deletes]
    return lines


# -- running it ------------------------------------------------------------------------------------------


def execute(made: Plan, echo: Echo | None = None) -> DeployReport:
    """Do what the plan says, reporting each file as it is done; on a failure say how far it got."""
    uploaded: list[Change] = []
    deleted: list[Change] = []
    try:
        for change in _backend(made.target.kind).execute(made):
            (deleted if change.why == "removed" else uploaded).append(change)
            if echo:
                echo(f"{'deleted' if change.why == 'removed' else 'uploaded'} {change.path}")
    except SitegenError as exc:
        first, _, details = str(exc).partition("\n")
        first = first.removesuffix(":")
        details = f"\n{details}" if details else ""
        if len(uploaded) == len(made.uploads) and len(deleted) == len(made.deletes):
            raise SitegenError(f"deploy to {made.target}: every file is in place, but {first}{details}") from None
        raise SitegenError(f"deploy to {made.target} stopped after {len(uploaded)} of {len(made.uploads)} "
                           f"uploads and {len(deleted)} of {len(made.deletes)} deletions: {first}; "
                           f"the site still works, run the deploy again to finish it{details}") from None
    return DeployReport(str(made.target), len(uploaded), len(deleted), len(made.unchanged),
                        sum(c.size for c in uploaded))


def deploy(target: Target, output_dir: Path, *, dry_run: bool = False, allow_deletes: bool = False,
           echo: Echo | None = None) -> DeployReport:
    """Plan, check the deletion guard, then execute (or only print the plan for a dry run)."""
    with plan(target, output_dir) as made:
        if dry_run:
            for line in describe(made):
                if echo:
                    echo(line)
        check_deletes(made, allow_deletes)
        if dry_run:
            return DeployReport(str(target), len(made.uploads), len(made.deletes), len(made.unchanged),
                                made.upload_bytes, dry_run=True)
        return execute(made, echo)


def publish(config: Config, target: Target, *, dry_run: bool = False, allow_deletes: bool = False,
            allow_empty: bool = False, strict: bool = False, echo: Echo | None = None,
            on_built: Callable[[Any, Config], None] | None = None, warn: Echo | None = None) -> DeployReport:
    """``sitegen deploy``: refuse a wrong address, build for the target, refuse a broken or leaking site,
    then deploy, holding the output folder's lock from the check to the last file so that no build changes
    what is being uploaded. ``on_built`` gets the build's report and the settings it was built with."""
    from dataclasses import replace

    from sitegen.build import BuildOptions, build
    from sitegen.output.write import output_lock

    check_base_url(config, target)
    base_url = site_base_url(config, target)
    settings = replace(config, base_url=base_url) if base_url != config.base_url else config
    # a failed build raises: nothing is deployed
    built = build(settings, BuildOptions(allow_empty=allow_empty, strict=strict))
    if on_built:
        on_built(built, settings)
    with output_lock(settings.output_path):
        for orphan in check_built(settings, settings.output_path, base_url):
            if warn:
                warn(orphan)
        return deploy(target, settings.output_path, dry_run=dry_run, allow_deletes=allow_deletes, echo=echo)


def summary(report: DeployReport) -> str:
    """The one line every deploy ends with."""
    counts = (f"{report.uploaded} {'to upload' if report.dry_run else 'uploaded'} ({human_bytes(report.bytes)}), "
              f"{report.deleted} {'to delete' if report.dry_run else 'deleted'}, {report.unchanged} unchanged")
    if report.dry_run:
        return f"dry run for {report.target}: {counts}; nothing was changed"
    return f"deployed to {report.target}: {counts}"


def human_bytes(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def _backend(kind: str) -> ModuleType:
    """The module for one kind of target; imported on use, so boto3 is needed only for s3://."""
    return importlib.import_module(f"sitegen.deploy.{kind}")


def run_tool(args: list[str], what: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
             input: bytes | None = None) -> str:
    """Run git or rsync; a failure is a ToolError with all the tool's error lines and what to try
    (deploy_errors.py; no URL passwords)."""
    try:
        done = subprocess.run(args, capture_output=True, env=env, cwd=cwd, input=input, check=False)
    except FileNotFoundError:
        raise SitegenError(f"{what} needs '{args[0]}', which is not installed: install it "
                           f"(apt-get install {args[0]}, brew install {args[0]})") from None
    if done.returncode != 0:
        raise tool_failed(what, done.returncode, done.stderr, done.stdout, args)
    return done.stdout.decode("utf-8", "surrogateescape")


def iter_lines(text: str, sep: str = "\n") -> Iterator[str]:
    return (line for line in text.split(sep) if line)
