"""The preview for real: `sitegen serve` in a subprocess on 127.0.0.1, raw HTTP, and headless Chromium.

Every browser test edits the site on disk and waits (polling, at most 5 s) for the open page to change by
itself; none of them reloads the page. Servers are stopped with SIGINT, which must exit 0 without a traceback.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitegen.preview.server import Answer, inject, is_loopback, locate
from tests.conftest import REPO, article, write_files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETTINGS = "title: Preview Test\nbase_url: https://example.org/news/\nper_page: 5\n"
FIRST = "content/2023-09-18-first-story.md"
UPDATE = 5_000  # ms: what a save may take to show in the open tab


class Preview:
    """A running `sitegen serve`, its address, its output folder and everything it printed."""

    def __init__(self, root: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen.cli", "-C", str(root), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [threading.Thread(target=lambda s=stream, ls=lines: ls.extend(iter(s.readline, "")), daemon=True)
                        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self.readers:
            reader.start()
        line = self.wait_for(lambda text: text.startswith("serving "))
        self.url = re.search(r"http://\S+", line).group(0)
        self.files = Path(re.search(r"files in (.+)\)$", line.strip()).group(1))
        self.port = urlsplit(self.url).port
        self.builds(1)

    def wait_for(self, found: Callable[[str], bool], timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in [*self.out, *self.err]:
                if found(line):
                    return line
            if self.proc.poll() is not None and not found(""):
                for reader in self.readers:
                    reader.join(5)
                raise AssertionError(f"sitegen serve exited {self.proc.returncode}: {''.join(self.out + self.err)}")
            time.sleep(0.02)
        raise AssertionError(f"timed out; sitegen serve printed: {''.join(self.out + self.err)}")

    def builds(self, count: int) -> None:
        """Wait until ``count`` builds (good or failed) have finished."""
        done = re.compile(r"^\d\d:\d\d:\d\d (built|build failed)")
        deadline = time.monotonic() + 15
        while sum(bool(done.match(line)) for line in self.out + self.err) < count:
            assert time.monotonic() < deadline, "".join(self.out + self.err)
            time.sleep(0.02)

    def get(self, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """A raw GET: the path goes on the wire exactly as written, dots and percent signs included."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host or f"127.0.0.1:{self.port}")
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        for reader in self.readers:
            reader.join(5)  # everything it printed, to the last line
        printed = "".join(self.out + self.err)
        assert self.proc.returncode == 0, printed
        assert "Traceback" not in printed
        assert self.out[-1].strip() == "stopped"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write_files(root, {
        "sitegen.yaml": SETTINGS,
        FIRST: article("First story", date="2023-09-18", body="The first body."),
        "content/2023-09-17-second-story.md": article("Second story", date="2023-09-17", body="The second body."),
    })
    return root


@pytest.fixture
def serve(site: Path) -> Iterator[Callable[..., Preview]]:
    started: list[Preview] = []

    def start(*args: str) -> Preview:
        started.append(Preview(site, *args))
        return started[-1]

    yield start
    for preview in started:
        preview.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_live(page, url: str) -> None:
    """Open a page and wait until livereload's client has finished its handshake with the preview."""
    page.goto(url)
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=UPDATE)
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page is reloaded


def shows(page, text: str, preview: Preview) -> None:
    """Wait until the open page shows ``text``; on a timeout, say what the page and the server showed."""
    try:
        page.wait_for_function("text => document.body.innerText.includes(text)", arg=text, timeout=UPDATE)
    except Exception as exc:
        raise AssertionError(f"{text!r} not shown within {UPDATE} ms; the page shows "
                             f"{page.inner_text('body')[:300]!r}; sitegen serve printed: "
                             f"{''.join(preview.out + preview.err)}") from exc


# --- in the browser -------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.server
def test_an_edited_article_shows_in_the_open_tab(site, serve, page):
    preview = serve()
    open_live(page, preview.url)
    shows(page, "First story", preview)
    (site / FIRST).write_text(article("First story, corrected", date="2023-09-18"), encoding="utf-8")
    shows(page, "First story, corrected", preview)
    assert page.url == preview.url


@pytest.mark.browser
@pytest.mark.server
def test_a_new_seed_appears_and_a_deleted_article_disappears(site, serve, page):
    preview = serve()
    open_live(page, preview.url)
    write_files(site, {"seeds/wire.txt": " date 2024-01-02 Fresh off the wire\n\nBy Reuters\n\nIt happened.\n"})
    shows(page, "Fresh off the wire", preview)
    assert any("converted content/2024-01-02-fresh-off-the-wire.md" in line for line in preview.out)
    (site / "content/2023-09-17-second-story.md").unlink()
    page.wait_for_function("() => !document.body.innerText.includes('Second story')", timeout=UPDATE)
    assert "Fresh off the wire" in page.inner_text("main")


@pytest.mark.browser
@pytest.mark.server
def test_a_stylesheet_change_is_swapped_in_without_a_reload(site, serve, page):
    write_files(site, {"static/style.css": "body { background-color: rgb(1, 2, 3); }\n"})
    preview = serve()
    open_live(page, preview.url)
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(1, 2, 3)"
    (site / "static/style.css").write_text("body { background-color: rgb(4, 5, 6); }\n", encoding="utf-8")
    page.wait_for_function(f"() => ({background})() === 'rgb(4, 5, 6)'", timeout=UPDATE)
    assert page.evaluate("() => window.sameDocument") is True


@pytest.mark.browser
@pytest.mark.server
def test_a_broken_template_shows_file_and_line_and_the_page_recovers_by_itself(site, serve, page):
    index = (REPO / "templates/index.html").read_text(encoding="utf-8")
    write_files(site, {"templates/index.html": index})
    preview = serve()
    open_live(page, preview.url)
    (site / "templates/index.html").write_text(index + "{% if %}\n", encoding="utf-8")
    line = index.count("\n") + 1
    shows(page, f"templates/index.html:{line}", preview)
    assert "Build failed: 1 error" in page.inner_text("h1")
    assert any(f"error: templates/index.html:{line}: template error" in text for text in preview.err)
    (site / "templates/index.html").write_text(index, encoding="utf-8")
    shows(page, "Latest news", preview)
    shows(page, "First story", preview)


@pytest.mark.browser
@pytest.mark.server
def test_a_page_whose_socket_connects_after_a_rebuild_catches_up(site, serve, page):
    """The race livereload leaves open: the reload went out before this tab's socket was there to get it."""
    preview = serve()
    held, released = [], []
    page.route("**/livereload.js*", lambda route: route.continue_() if released else held.append(route))
    page.goto(preview.url, wait_until="domcontentloaded")
    shows(page, "First story", preview)
    before = preview.get("/.sitegen/generation")[2]
    (site / FIRST).write_text(article("Rewritten while loading", date="2023-09-18"), encoding="utf-8")
    deadline = time.monotonic() + 5
    while preview.get("/.sitegen/generation")[2] == before:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert "Rewritten" not in page.inner_text("main") and len(held) == 1
    released.append(True)
    held[0].continue_()  # the client loads, connects, and finds it shows an old generation
    shows(page, "Rewritten while loading", preview)


# --- over raw HTTP --------------------------------------------------------------------------------------------


@pytest.mark.server
def test_serves_under_the_sub_path_with_links_and_canonical_urls_at_the_preview(serve):
    preview = serve()
    assert preview.url.endswith("/news/")
    status, headers, body = preview.get("/news/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    html = body.decode()
    assert f'<link rel="canonical" href="http://127.0.0.1:{preview.port}/news/">' in html
    assert b"/livereload.js" in body
    links = set(re.findall(r'href="(/[^"]*)"', html))
    assert links and all(link.startswith("/news/") for link in links)
    for link in links:
        assert preview.get(link)[0] == 200, link
    assert preview.get("/")[:2][0] == 302 and preview.get("/")[1]["location"] == "/news/"
    assert preview.get("/news")[1]["location"] == "/news/"
    assert preview.get("/news/2023")[1]["location"] == "/news/2023/"
    status, headers, body = preview.get("/.sitegen/generation")  # what a page checks once its socket is up
    assert status == 200 and headers["cache-control"] == "no-store"
    assert re.fullmatch(rb"[0-9a-f]{8}-[1-9]\d*", body)


@pytest.mark.server
def test_content_types_and_the_sites_own_404_page(serve):
    preview = serve()
    for path, expected in [("/news/static/style.css", "text/css; charset=utf-8"),
                           ("/news/static/favicon.svg", "image/svg+xml"),
                           ("/news/feed.xml", "application/xml; charset=utf-8"),
                           ("/news/robots.txt", "text/plain; charset=utf-8"),
                           ("/news/2023/09/18/first-story/", "text/html; charset=utf-8")]:
        status, headers, _body = preview.get(path)
        assert (status, headers["content-type"]) == (200, expected), path
    for missing in ("/news/no-such-page/", "/news/static/nothing.css", "/elsewhere/"):
        status, headers, body = preview.get(missing)
        assert status == 404, missing
        assert b"Page not found" in body and b"/livereload.js" in body
    _status, headers, body = preview.get("/news/404.html")
    assert b"Page not found" in body


@pytest.mark.server
def test_traversal_and_symlinks_never_leave_the_output_folder(serve, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    preview = serve()
    (preview.files / "leak.txt").symlink_to(secret)
    (preview.files / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    attempts = [
        "/../../../../etc/passwd", "/news/../../../../etc/passwd", "/news/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/news/..%2f..%2f..%2f..%2fetc/passwd", "/news/%2E%2E%2F%2E%2E%2Fsecret.txt", "/news/..%5c..%5csecret.txt",
        "/news//etc/passwd", "/news/%00/index.html", "/news/leak.txt", "/news/leakdir/secret.txt",
        "/news/%252e%252e/secret.txt", "/news/static/../../secret.txt",
    ]
    for path in attempts:
        status, _headers, body = preview.get(path)
        assert status in (403, 404), path
        assert b"TOP SECRET" not in body and b"root:" not in body, path


@pytest.mark.server
def test_a_page_asked_for_under_another_host_name_is_refused(serve):
    """DNS rebinding: a web page whose name now points at 127.0.0.1 must not read the preview."""
    preview = serve()
    assert preview.get("/news/", host=f"localhost:{preview.port}")[0] == 200
    assert preview.get("/news/", host=f"attacker.example:{preview.port}")[0] == 403


@pytest.mark.server
def test_an_invalid_front_matter_is_an_error_page_and_the_server_keeps_running(site, serve):
    preview = serve()
    (site / FIRST).write_text('---\ntitle: "Broken\ndate: 2023-09-18\n---\nBody.\n', encoding="utf-8")
    preview.builds(2)
    status, headers, body = preview.get("/news/2023/09/17/second-story/")
    assert status == 500 and headers["content-type"] == "text/html; charset=utf-8"
    assert f"{FIRST}:".encode() in body and b"/livereload.js" in body
    assert preview.get("/news/static/style.css")[0] == 200  # assets of the last good build stay
    (site / FIRST).write_text(article("First story", date="2023-09-18"), encoding="utf-8")
    preview.builds(3)
    assert preview.get("/news/")[0] == 200


@pytest.mark.server
def test_a_busy_port_is_one_clear_line_suggesting_another(site):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sitegen.cli", "-C", str(site), "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} is already in use on 127.0.0.1 (another preview?): choose another port with "
        f"--port {port + 1}, or --port 0 for any free one"]


@pytest.mark.server
@pytest.mark.parametrize("presses", [1, 2], ids=["once", "echoed"])
def test_ctrl_c_in_the_middle_of_a_build_exits_cleanly_and_leaves_no_process(tmp_path, presses):
    """Ctrl-C in a terminal signals the whole process group, the build's forked workers included. A child
    forked at that moment can pass the signal on to the preview a second time: still one Ctrl-C, a clean stop
    (CI once saw exit 130 and no "stopped")."""
    root = tmp_path / "big"
    write_files(root, {"sitegen.yaml": SETTINGS, **{
        f"content/2023-01-{1 + i % 28:02d}-story-{i}.md": article(f"Story {i}", date=f"2023-01-{1 + i % 28:02d}",
                                                                 tags=f"[Topic {i % 9}]", body="Text. " * 80)
        for i in range(400)}})
    proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "-C", str(root), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().startswith("serving ")
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        if presses == 2:
            time.sleep(0.02)
            os.kill(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        time.sleep(0.2)
        left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left, so that a failure leaks nothing
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert out.splitlines()[-2:] == ["stopping the build in progress…", "stopped"]
    assert left == [], "worker processes outlived the preview"


# --- pure parts ----------------------------------------------------------------------------------------------


def test_locate_answers_only_with_files_inside_the_output_folder(tmp_path):
    out = tmp_path / "public"
    write_files(out, {"index.html": "home", "2023/index.html": "year", "static/a b.css": "css"})
    (tmp_path / "outside.txt").write_text("no", encoding="utf-8")
    (out / "link.txt").symlink_to(tmp_path / "outside.txt")
    (out / "inside.txt").symlink_to(out / "index.html")
    assert locate(out, "/news/", "/news/") == Answer(200, file=(out / "index.html").resolve())
    assert locate(out, "/news/", "/news/2023/").file == (out / "2023/index.html").resolve()
    assert locate(out, "/news/", "/news/static/a%20b.css").file == (out / "static/a b.css").resolve()
    assert locate(out, "/news/", "/news/inside.txt").status == 200
    assert locate(out, "/news/", "/news/2023") == Answer(301, location="/news/2023/")
    assert locate(out, "/news/", "/news") == Answer(301, location="/news/")
    assert locate(out, "/news/", "/") == Answer(302, location="/news/")
    assert locate(out, "/news/", "/other/").status == 404
    for path in ("/news/link.txt", "/news/../outside.txt", "/news/%2e%2e/outside.txt", "/news/..%2Foutside.txt",
                 "/news//etc/passwd", "/news/a%5c..%5coutside.txt", "/news/%00"):
        assert locate(out, "/news/", path).status == 403, path
    assert locate(out, "/", "/%252e%252e/outside.txt").status == 404


def test_the_reload_snippet_goes_before_the_head_ends_or_at_the_end():
    assert inject(b"<head><title>x</title></HEAD><body>", b"<s>") == b"<head><title>x</title><s></HEAD><body>"
    assert inject(b"<p>no head</p></body>", b"<s>") == b"<p>no head</p><s></body>"
    assert inject(b"plain", b"<s>") == b"plain<s>"


def test_only_loopback_addresses_count_as_private():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.0.2.1")


@pytest.mark.server
def test_the_preview_does_not_bring_back_a_content_file_deleted_on_purpose(site, serve):
    write_files(site, {"seeds/wire.txt": " date 2024-01-02 Fresh off the wire\n\nIt happened.\n"})
    done = subprocess.run([sys.executable, "-m", "sitegen.cli", "-C", str(site), "build"],
                          capture_output=True, text=True)
    converted = site / "content/2024-01-02-fresh-off-the-wire.md"
    assert done.returncode == 0 and converted.exists(), done.stderr
    converted.unlink()
    preview = serve()
    preview.builds(1)
    assert not converted.exists()
    assert "seeds/wire.txt: its content file content/2024-01-02-fresh-off-the-wire.md was deleted" in "".join(
        preview.out + preview.err)
