"""Deploys that go wrong for real: rsync, git and an S3 upload SIGKILLed half-way, a full disk at the target and
under the build, and twenty builds and deploys of one site at once. Each time the remote is byte for byte the
old site or the new one (for S3: each object), never a mix, and the next deploy finishes the job."""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import article, mounted_tmpfs, write_files
from tests.test_deploy import _s3_client, aws_env, bucket, objects, s3_server  # noqa: F401 - fixtures

SITEGEN = [sys.executable, "-m", "sitegen.cli"]
HOLDING = ".~tmp~"  # rsync's --delay-updates folders


def run(site: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SITEGEN, "-C", str(site), *args], capture_output=True, text=True, timeout=300,
                          env=env)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a served folder, rsync's holding folders left out (the next deploy removes them)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and HOLDING not in p.relative_to(folder).parts}


def holding_folders(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(HOLDING)]


def make_site(root: Path, n: int = 6) -> None:
    files: dict[str, str | bytes] = {
        f"content/{i:02d}.md": article(f"Story number {i}", date=f"2023-09-{10 + i}", tags="[Alpha, Beta]",
                                       body=f"First paragraph of {i}.\n\nSecond *one*.")
        for i in range(n)
    }
    files["sitegen.yaml"] = "title: Faults\nbase_url: https://example.org/news/\nsearch: false\n"
    write_files(root, files)


def next_version(site: Path, big: int = 0) -> None:
    """A new version of the site: an edited article, a new one, one removed, and (``big`` bytes) a large
    asset that takes a while to send."""
    path = site / "content" / "01.md"
    path.write_text(path.read_text() + "\nA correction was added.\n")
    (site / "content" / "02.md").unlink()
    write_files(site, {"content/new-story.md": article("A new story", date="2023-09-30", body="Fresh.")})
    if big:
        (site / "static").mkdir(exist_ok=True)
        (site / "static" / "video.bin").write_bytes(random.Random(7).randbytes(big))


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (and theirs), from /proc."""
    found = []
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    for child in map(int, direct):
        found += [child, *children(child)]
    return found


def command_of(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def wait_for(condition, seconds: float = 60, what: str = "") -> None:  # noqa: ANN001 - a test helper
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def slow_tool(tmp_path: Path, name: str, extra: str) -> dict[str, str]:
    """An environment whose ``name`` on PATH is the real tool with ``extra`` arguments (rsync --bwlimit)."""
    real = shutil.which(name)
    assert real, f"{name} is needed (.ci/run installs it)"
    folder = tmp_path / "slow-bin"
    folder.mkdir(exist_ok=True)
    wrapper = folder / name
    wrapper.write_text(f'#!/bin/sh\nexec {real} {extra} "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


# --- rsync killed half-way ----------------------------------------------------------------------------------


def test_rsync_killed_half_way_leaves_the_old_site_and_the_next_deploy_finishes(tmp_path):
    site, www = tmp_path / "site", tmp_path / "www"
    make_site(site)
    first = run(site, "deploy", "-q", "--to", str(www))
    assert first.returncode == 0, first.stderr
    old = tree(www)
    assert old == tree(site / "public")

    next_version(site, big=3_000_000)
    env = slow_tool(tmp_path, "rsync", "--bwlimit=400")  # 400 kB/s: the big file takes seconds
    deploy = subprocess.Popen([*SITEGEN, "-C", str(site), "deploy", "-q", "--to", str(www)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # rsync is sending: its holding folder at the target fills, nothing is in place yet
        wait_for(lambda: any(p.is_dir() and any(p.iterdir()) for p in holding_folders(www)), what="rsync to send")
        rsyncs = [pid for pid in children(deploy.pid) if "rsync" in " ".join(command_of(pid)[:1])]
        assert rsyncs, "no rsync process"
        os.kill(rsyncs[0], signal.SIGKILL)
        _out, err = deploy.communicate(timeout=60)
    finally:
        if deploy.poll() is None:
            deploy.kill()
            deploy.wait()
    assert deploy.returncode == 1
    assert "killed by SIGKILL" in err and "Traceback" not in err
    assert tree(www) == old  # byte for byte the old site: nothing of the new one is in place

    second = run(site, "deploy", "-q", "--to", str(www))
    assert second.returncode == 0, second.stderr
    assert tree(www) == tree(site / "public") != old
    assert holding_folders(www) == []  # the killed run's holding folders are gone too


# --- git killed half-way ---------------------------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def branch_tree(remote: Path, clone: Path) -> dict[str, bytes] | None:
    """The files of gh-pages in the bare repository (None when there is no such branch), and a check that
    the repository is sound."""
    git("fsck", "--no-dangling", cwd=remote)
    if not git("branch", "--list", "gh-pages", cwd=remote).strip():
        return None
    shutil.rmtree(clone, ignore_errors=True)
    git("clone", "-q", "-b", "gh-pages", str(remote), str(clone), cwd=remote.parent)
    return {p: d for p, d in tree(clone).items() if not p.startswith(".git/")}


@pytest.mark.parametrize("victim", ["git push", "sitegen"])
def test_git_killed_during_the_push_leaves_the_branch_old_or_complete(tmp_path, victim):
    site, remote, clone = tmp_path / "site", tmp_path / "remote.git", tmp_path / "clone"
    make_site(site)
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    url = f"git+file://{remote}"
    assert run(site, "deploy", "-q", "--to", url).returncode == 0
    old = branch_tree(remote, clone)
    assert old is not None

    next_version(site, big=1_000_000)
    # The remote takes its time to accept (a pre-receive hook): the objects are in, the branch is not moved.
    marker = tmp_path / "receiving"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\nsleep 3\ncat >/dev/null\n")
    hook.chmod(0o755)
    deploy = subprocess.Popen([*SITEGEN, "-C", str(site), "deploy", "-q", "--to", url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(marker.exists, what="the push to reach the remote")
        if victim == "git push":
            pushes = [pid for pid in children(deploy.pid) if command_of(pid)[:1] == ["git"]
                      and "push" in command_of(pid)]
            assert pushes, "no git push process"
            os.kill(pushes[0], signal.SIGKILL)
        else:
            os.kill(deploy.pid, signal.SIGKILL)
        deploy.communicate(timeout=60)
    finally:
        if deploy.poll() is None:
            deploy.kill()
            deploy.wait()
    # whatever the remote side does next (it may finish the push it has, or drop it), let it settle
    def receiving() -> bool:  # this test's own git receive-pack, by the remote it names
        return any("receive-pack" in text and str(remote) in text
                   for text in (" ".join(command_of(int(p))) for p in os.listdir("/proc") if p.isdigit()))

    wait_for(lambda: not receiving(), seconds=30, what="git receive-pack to end")
    hook.unlink()
    new = tree(site / "public")
    after = branch_tree(remote, clone)
    assert after in (old, {**new, ".nojekyll": b""}), "the branch holds a mix of two sites"

    finish = run(site, "deploy", "-q", "--to", url)
    assert finish.returncode == 0, finish.stderr
    assert branch_tree(remote, clone) == {**tree(site / "public"), ".nojekyll": b""}


# --- a full disk ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 1 MiB tmpfs, mounted for the test only (root only)."""
    with mounted_tmpfs("1m", "sitegen-deploy-disk-") as mount_point:
        yield mount_point


def test_a_full_disk_at_the_target_is_a_clear_error_and_loses_nothing(tmp_path, small_disk):
    site, www = tmp_path / "site", small_disk / "www"
    make_site(site)
    assert run(site, "deploy", "-q", "--to", str(www)).returncode == 0
    old = tree(www)
    next_version(site, big=2_000_000)  # more than the disk holds
    failed = run(site, "deploy", "-q", "--to", str(www))
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "No space left on device" in failed.stderr  # rsync's own words
    assert "try: the disk at the target is full: free some space there" in failed.stderr
    assert tree(www) == old  # the served site is the old one, whole

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)  # space freed
    done = run(site, "deploy", "-q", "--to", str(www))
    assert done.returncode == 0, done.stderr
    assert tree(www) == tree(site / "public") and holding_folders(www) == []


def test_a_full_disk_under_the_build_deploys_nothing(tmp_path, small_disk):
    site, www = tmp_path / "site", tmp_path / "www"
    make_site(site)
    output = small_disk / "public"
    (site / "sitegen.yaml").write_text((site / "sitegen.yaml").read_text() + f"output_dir: {output}\n")
    assert run(site, "deploy", "-q", "--to", str(www)).returncode == 0
    old, built = tree(www), tree(output)
    next_version(site, big=2_000_000)
    failed = run(site, "deploy", "-q", "--to", str(www))
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "no space left on device" in failed.stderr.lower()
    assert tree(output) == built and tree(www) == old  # the last good build and the remote, untouched


# --- twenty at once --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rsync", "git"])
def test_twenty_concurrent_builds_and_deploys_never_corrupt_the_output_the_cache_or_the_remote(tmp_path, kind):
    site, www, reference = tmp_path / "site", tmp_path / "www", tmp_path / "reference"
    make_site(site, n=12)
    if kind == "git":
        git("init", "-q", "--bare", str(tmp_path / "remote.git"), cwd=tmp_path)
    url = str(www) if kind == "rsync" else f"git+file://{tmp_path / 'remote.git'}"

    def remote() -> dict[str, bytes] | None:
        if kind == "rsync":
            return tree(www)
        found = branch_tree(tmp_path / "remote.git", tmp_path / "clone")
        return None if found is None else {p: d for p, d in found.items() if p != ".nojekyll"}

    assert run(site, "deploy", "-q", "--to", url).returncode == 0
    next_version(site)
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("public", ".sitegen-cache", ".public.*"))
    assert run(reference, "build", "-q").returncode == 0

    commands = [("build", "-q") if n % 2 else ("deploy", "-q", "--to", url) for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda args: run(site, *args), commands))
    for args, result in zip(commands, results, strict=True):
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    expected = tree(reference / "public")
    assert tree(site / "public") == expected  # the output: whole, and what one build makes
    assert remote() == expected  # the remote: the same, whole
    if kind == "rsync":
        assert holding_folders(www) == []
    again = run(site, "build")  # the cache: sound, and it knows that nothing is left to do
    assert again.returncode == 0 and "(0 written" in again.stdout, again.stdout
    deploy = run(site, "deploy", "--to", url)
    assert deploy.returncode == 0 and "0 uploaded (0 B), 0 deleted" in deploy.stdout.strip().splitlines()[-1]


# --- S3 killed half-way ------------------------------------------------------------------------------------------

class HoldingProxy:
    """A TCP proxy on 127.0.0.1 in front of an S3 server that passes every byte through, except one request:
    the first whose request line starts with ``hold`` gets its headers and half its body through, then the
    rest is held back, so the client sits waiting for an answer that cannot come. ``held`` is set then;
    when the client goes away the server is told the body ended early, and ``dropped`` is set once the server
    has answered that and closed the connection (its handling of the cut request is over)."""

    def __init__(self, upstream: str, hold: bytes) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.hold = hold
        self.held, self.dropped = threading.Event(), threading.Event()
        self.sent_of_held = b""  # what the server got of the held request: request line, headers, half the body
        self._holding_one = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._sockets: list[socket.socket] = [self._listener]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            holding = threading.Event()
            threading.Thread(target=self._to_server, args=(client, server, holding), daemon=True).start()
            threading.Thread(target=self._to_client, args=(server, client, holding), daemon=True).start()

    def _to_server(self, client: socket.socket, server: socket.socket, holding: threading.Event) -> None:
        keep = len(self.hold) - 1
        tail = b""  # the last bytes forwarded: a request line split between two reads is still found
        request = b""  # the held request's bytes so far, from its request line on
        sent = 0  # how many of them went through
        limit = -1  # how many of them may go through (its headers and half its body), once its headers are in
        while True:
            try:
                chunk = client.recv(65536)
                if not chunk:
                    server.shutdown(socket.SHUT_WR)  # for a held request: its body ends early
                    return
                if not holding.is_set():
                    data = tail + chunk
                    with self._lock:
                        start = -1 if self._holding_one else data.find(self.hold)
                        if start >= 0:
                            self._holding_one = True
                    if start < 0:
                        server.sendall(chunk)
                        tail = data[-keep:]
                        continue
                    holding.set()
                    server.sendall(data[len(tail):start])  # the end of what came before it
                    request, sent = data[start:], max(0, len(tail) - start)
                else:
                    request += chunk
                if limit < 0:
                    end = request.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    length = re.search(rb"(?im)^content-length:[ \t]*(\d+)\r$", request[:end + 2])
                    limit = end + 4 + (int(length[1]) // 2 if length else 0)
                if sent < limit:
                    server.sendall(request[sent:limit])
                    sent = min(limit, len(request))
                if sent == limit and not self.held.is_set():
                    self.sent_of_held = request[:limit]
                    self.held.set()
            except OSError:
                return

    def _to_client(self, server: socket.socket, client: socket.socket, holding: threading.Event) -> None:
        while True:
            try:
                chunk = server.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_WR)
                if holding.is_set():
                    self.dropped.set()
                return
            with contextlib.suppress(OSError):
                client.sendall(chunk)


@pytest.mark.server
def test_s3_deploy_killed_half_way_keeps_whole_objects_in_order_and_the_next_finishes(
        tmp_path, s3_server, bucket, aws_env):  # noqa: F811 - the fixtures imported above
    site = tmp_path / "site"
    make_site(site, n=20)
    # The deploys go through a proxy that holds the new article's upload half sent: the deploy is killed
    # while that object is on its way, whatever the machine's speed (a poll of the bucket came too late).
    held_key = "2023/09/30/a-new-story/index.html"
    proxy = HoldingProxy(s3_server, f"PUT /{bucket}/news/{held_key} ".encode())
    with (site / "sitegen.yaml").open("a") as handle:
        handle.write(f"deploy:\n  bucket:\n    url: s3://{bucket}/news\n    endpoint_url: {proxy.url}\n")
    client = _s3_client(s3_server)

    def stored() -> dict[str, bytes]:
        return {key: client.get_object(Bucket=bucket, Key=f"news/{key}")["Body"].read()
                for key in objects(s3_server, bucket, "news/")}

    try:
        assert run(site, "deploy", "-q").returncode == 0
        old = tree(site / "public")
        assert stored() == old
        next_version(site)
        for path in (site / "content").glob("*.md"):  # every page changes: uploads before and after the held one
            path.write_text(path.read_text() + "\nUpdated for the test.\n")
        deploy = subprocess.Popen([*SITEGEN, "-C", str(site), "deploy", "-q"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: proxy.held.is_set() or deploy.poll() is not None, what="the new article's upload")
            assert deploy.poll() is None, f"the deploy ended before it sent {held_key}: {deploy.communicate()}"
            os.kill(deploy.pid, signal.SIGKILL)
            deploy.communicate(timeout=60)
        finally:
            if deploy.poll() is None:
                deploy.kill()
                deploy.wait()
        assert deploy.returncode == -signal.SIGKILL
        # the server has given up the cut request and closed its connection before the bucket is read
        assert proxy.dropped.wait(30), "the S3 server kept the cut upload's connection open"
        new = tree(site / "public")
        _, _, body_sent = proxy.sent_of_held.partition(b"\r\n\r\n")
        assert body_sent and new[held_key].startswith(body_sent) and len(body_sent) < len(new[held_key])
        now = stored()
        for key, data in now.items():  # every object whole: the old file's bytes or the new file's
            assert data in (old.get(key), new.get(key)), key
        assert held_key not in now  # the object cut half-way is not there at all
        changed = {p for p, data in new.items() if old.get(p) != data}
        assert {p for p in changed if now.get(p) == new[p]}, "nothing new went up before the kill"
        # in order: articles before the lists and feeds that lead to them, so none of those went up yet
        # (its neighbour article, which it links back to, may have: two pages linking each other have no order)
        leads = {p for p in changed if b"a-new-story" in new[p]} - {held_key}
        lists = {p for p in leads if not p.endswith(".html") or p.count("/") < held_key.count("/")}
        assert {"index.html", "2023/09/index.html", "feed.xml"} <= lists
        assert not {p for p in lists if now.get(p) == new[p]}, "a list leads to a page not uploaded yet"
        assert set(old) - set(new) <= set(now)  # deletions come last: nothing was deleted yet

        finish = run(site, "deploy", "-q", "--allow-deletes")
        assert finish.returncode == 0, finish.stderr
        assert stored() == new
    finally:
        proxy.close()
