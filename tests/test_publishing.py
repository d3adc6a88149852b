"""Safe to publish (issue 19), as a user meets it on the command line: tool errors that keep their cause,
deploy guards that refuse a wrong site, missing folders, typo hints, warnings that are never lost, and a
Google News sitemap that is always there."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sitegen.cli import main
from sitegen.deploy.errors import screenful, tool_failed
from tests.conftest import FIXTURES

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "sample_site", root)
    return root


def settings(site: Path, extra: str) -> None:
    with (site / "sitegen.yaml").open("a", encoding="utf-8") as handle:
        handle.write(extra)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(site: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["-C", str(site), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# -- errors keep their cause -----------------------------------------------------------------------------


def test_a_git_error_keeps_every_line_of_git_and_says_what_to_try(site, tmp_path, capsys):
    missing = tmp_path / "nowhere.git"
    code, _out, err = run(site, "deploy", "-q", "--to", f"git+file://{missing}", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert f"'{missing}' does not appear to be a git repository" in err  # git's first line, not only its last
    assert "and the repository exists." in err
    assert "try: check the target's url; the repository must exist" in err
    assert not missing.exists()


def test_an_rsync_over_ssh_error_keeps_the_ssh_line(site, capsys):
    if shutil.which("ssh") is None:
        pytest.skip("needs the ssh client (.ci/run installs openssh-client)")
    code, _out, err = run(site, "deploy", "-q", "--to", "deploy@no-such-host.invalid:/var/www/news", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "ssh: Could not resolve hostname no-such-host.invalid" in err
    assert "rsync error:" in err  # rsync's own words too
    assert "try: check the host name in the target's url" in err
    assert "exit status" in err.splitlines()[0]


def test_a_long_error_is_cut_to_a_screenful_keeping_its_first_and_last_lines():
    lines = [f"line {n}" for n in range(1, 101)]
    shown = screenful(lines)
    assert len(shown) == 20 and shown[0] == "line 1" and shown[-1] == "line 100"
    assert "… 81 more lines …" in shown
    error = tool_failed("git push for pages", 1, "\n".join(lines).encode())
    assert str(error).count("\n") == 20 and "line 100" in str(error)


def test_a_tool_killed_from_outside_says_so_and_what_to_do():
    error = tool_failed("rsync to www", -9, b"")
    assert str(error).startswith("rsync to www failed (killed by SIGKILL)")
    assert "run the deploy again to finish" in str(error)


def test_a_silent_failure_offers_the_command_without_its_password():
    error = tool_failed("git push", 1, b"", args=["git", "push", "https://me:s3cret@example.org/x.git"])
    assert "(it printed no error message)" in str(error)
    assert "run it yourself to see more: git push https://me:***@example.org/x.git" in str(error)
    assert "s3cret" not in str(error)


# -- the news sitemap is always there ------------------------------------------------------------------------


def test_the_news_sitemap_is_an_empty_urlset_when_nothing_is_recent_and_check_accepts_it(site, capsys):
    code, _out, err = run(site, "build", "-q", "--now", "2030-01-01", capsys=capsys)
    assert code == 0, err
    public = site / "public"
    news = ElementTree.parse(public / "news-sitemap.xml").getroot()
    assert news.tag == f"{SITEMAP}urlset" and len(news) == 0
    assert "Sitemap: https://example.org/news/news-sitemap.xml" in (public / "robots.txt").read_text()
    code, out, err = run(site, "check", capsys=capsys)
    assert code == 0, out + err
    assert "no problems" in out


def test_the_news_sitemap_lists_recent_articles(site, capsys):
    assert run(site, "build", "-q", "--now", "2023-01-06", capsys=capsys)[0] == 0
    news = ElementTree.parse(site / "public" / "news-sitemap.xml").getroot()
    assert len(news) >= 1
    assert "Sitemap: https://example.org/news/news-sitemap.xml" in (site / "public" / "robots.txt").read_text()


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def s3_error_server():
    """An S3 endpoint on 127.0.0.1 that answers every request as S3 does for a bucket that does not exist."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NoSuchBucket(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code>'
                    b"<Message>The specified bucket does not exist</Message><BucketName>news</BucketName></Error>")
            self.send_response(404)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoSuchBucket)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.server
def test_an_s3_error_keeps_the_services_words_and_says_what_to_try(site, s3_error_server, monkeypatch, capsys):
    pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    settings(site, f"deploy:\n  bucket:\n    url: s3://news/site\n    endpoint_url: {s3_error_server}\n")
    code, _out, err = run(site, "deploy", "-q", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "failed (HTTP 404)" in err
    assert "NoSuchBucket: The specified bucket does not exist" in err
    assert "try: create the bucket, or fix its name" in err
    assert "test-secret" not in err


# -- deploy guards: the right site, whole and working -------------------------------------------------------


def test_a_new_site_with_the_localhost_placeholder_is_not_deployed(tmp_path, capsys):
    assert main(["-C", str(tmp_path), "init", "news"]) == 0
    site, www = tmp_path / "news", tmp_path / "www"
    capsys.readouterr()
    code, _out, err = run(site, "deploy", "--to", str(www), capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "refusing to deploy to" in err and "base_url (not set: sitegen.yaml:4 has it commented out" in err
    assert "http://localhost:8000/, an address of this machine" in err
    assert "set base_url to the site's public address" in err
    assert not www.exists()  # nothing published


@pytest.mark.parametrize("address", ["http://192.168.1.20/", "http://10.0.0.5:8080/news/", "http://[::1]/",
                                     "http://intranet.local/"])
def test_a_private_base_url_is_not_deployed_unless_the_target_allows_it(site, tmp_path, address, capsys):
    www = tmp_path / "www"
    text = (site / "sitegen.yaml").read_text().replace("https://example.org/news/", address)
    (site / "sitegen.yaml").write_text(text + f"deploy:\n  staging:\n    url: {www}\n")
    code, _out, err = run(site, "deploy", "-q", capsys=capsys)
    assert code == 1 and "refusing to deploy to staging" in err and "allow_local_base_url: true" in err
    assert not www.exists()
    settings(site, "    allow_local_base_url: true\n")
    code, _out, err = run(site, "deploy", "-q", capsys=capsys)
    assert code == 0, err
    assert (www / "index.html").is_file()


def test_a_target_with_its_own_base_url_gets_a_site_built_for_it(site, tmp_path, capsys):
    www = tmp_path / "www"
    settings(site, f"deploy:\n  mirror:\n    url: {www}\n    base_url: https://mirror.example.net/\n")
    code, out, err = run(site, "deploy", capsys=capsys)
    assert code == 0, err
    assert "for https://mirror.example.net/" in out
    front = (www / "index.html").read_text()
    assert '<link rel="canonical" href="https://mirror.example.net/">' in front
    assert "example.org/news" not in front
    assert "Sitemap: https://mirror.example.net/sitemap.xml" in (www / "robots.txt").read_text()


@pytest.mark.parametrize(("target", "served"), [
    ("    url: git+file://{remote}\n    cname: news.example.com\n", "news.example.com (its cname)"),
    ("    url: git+ssh://git@github.com/acme/news.git\n", "acme.github.io (its Pages account)"),
])
def test_a_site_built_for_another_address_than_the_target_serves_is_refused(site, tmp_path, target, served, capsys):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    settings(site, "deploy:\n  pages:\n" + target.format(remote=remote))
    code, _out, err = run(site, "deploy", "-q", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert f"is https://example.org/news/, but the target serves {served}" in err
    assert git("branch", "--list", cwd=remote) == ""  # nothing pushed


def test_a_broken_link_stops_the_deploy_and_names_the_file(site, tmp_path, capsys):
    www = tmp_path / "www"
    assert run(site, "deploy", "-q", "--to", str(www), capsys=capsys)[0] == 0
    before = tree(www)
    (site / "static").mkdir()
    (site / "static" / "about.html").write_text(
        '<!doctype html><html><head><link rel="canonical" href="https://example.org/news/about.html"></head>'
        '<body><a href="/news/no-such-page/">gone</a></body></html>')
    code, _out, err = run(site, "deploy", "-q", "--to", str(www), capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "error: public/about.html: broken link /news/no-such-page/: no such file in the output folder" in err
    assert "not deployed: sitegen check found" in err and "nothing was uploaded" in err
    assert tree(www) == before


def test_the_default_max_deletes_refuses_to_empty_the_remote_and_says_what_would_go(site, tmp_path, capsys):
    www = tmp_path / "www"
    assert run(site, "deploy", "-q", "--to", str(www), capsys=capsys)[0] == 0
    before = tree(www)
    for path in (site / "content").glob("*.md"):
        if "hand-written" not in path.name:
            path.unlink()
    for path in (site / "seeds").glob("*.txt"):
        path.unlink()
    code, _out, err = run(site, "deploy", "-q", "--to", str(www), capsys=capsys)
    assert code == 1
    assert "refusing to delete" in err and "(max_deletes: 20% allows" in err
    assert "    would delete 2022/12/31/old-news-from-last-year/index.html" in err
    assert tree(www) == before  # nothing uploaded, nothing deleted
    code, _out, err = run(site, "deploy", "-q", "--allow-deletes", "--to", str(www), capsys=capsys)
    assert code == 0, err
    assert tree(www) == tree(site / "public")


def test_a_build_that_would_publish_nothing_asks_for_allow_empty(site, capsys):
    assert run(site, "build", "-q", capsys=capsys)[0] == 0
    before = tree(site / "public")
    for folder in ("content", "seeds"):
        shutil.rmtree(site / folder)
        (site / folder).mkdir()
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "this build would publish no articles, where the last one had 4" in err
    assert "--allow-empty" in err
    assert tree(site / "public") == before  # the last good site is untouched
    code, out, err = run(site, "build", "--allow-empty", capsys=capsys)
    assert code == 0, err
    assert out.startswith("built 0 articles")


# -- settings: typos get a hint, every error its line, missing folders are errors ------------------------------


@pytest.mark.parametrize(("line", "message"), [
    ("baseURL: https://example.org/", "sitegen.yaml:5: unknown setting 'baseURL'; did you mean 'base_url'?"),
    ("per_pages: 5", "sitegen.yaml:5: unknown setting 'per_pages'; did you mean 'per_page'?"),
    ("paginate: 5", "sitegen.yaml:5: unknown setting 'paginate'; did you mean 'per_page'?"),
    ("SITEURL: https://example.org", "sitegen.yaml:5: unknown setting 'SITEURL'; did you mean 'base_url'?"),
    ("timezone: Europe/Londn", "sitegen.yaml:5: timezone 'Europe/Londn' is not an IANA time zone name such as "
                               "'UTC' or 'Europe/London'; did you mean 'Europe/London'?"),
    ("per_page: 0", "sitegen.yaml:5: per_page must be 1 or more, not 0"),
    ("feed_content: summaries", "sitegen.yaml:5: feed_content must be one of full, summary, not 'summaries'"),
])
def test_a_settings_mistake_is_one_line_at_its_line_with_a_hint(site, line, message, capsys):
    settings(site, line + "\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[0].startswith(f"error: {message}")
    assert not (site / "public").exists()  # nothing built


def test_a_wrong_base_url_names_its_line(site, capsys):
    text = (site / "sitegen.yaml").read_text().replace("https://example.org/news/", "example.org/news")
    (site / "sitegen.yaml").write_text(text)
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1
    assert err.startswith("error: sitegen.yaml:3: base_url 'example.org/news' must be an absolute URL")


@pytest.mark.parametrize("key", ["content_dir", "seeds_dir", "templates_dir", "static_dir"])
def test_a_configured_folder_that_does_not_exist_is_an_error_at_its_line(site, key, capsys):
    assert run(site, "build", "-q", capsys=capsys)[0] == 0
    before = tree(site / "public")
    settings(site, f"{key}: posts\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"error: sitegen.yaml:5: {key} 'posts' does not exist ({site.resolve() / 'posts'})")
    assert tree(site / "public") == before  # nothing removed


def test_a_mistyped_folder_gets_the_nearest_real_one(site, capsys):
    settings(site, "content_dir: contnet\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1
    assert err.startswith("error: sitegen.yaml:5: content_dir 'contnet' does not exist") and \
        "did you mean 'content'?" in err


def test_a_deploy_target_setting_typo_gets_a_hint(site, capsys):
    settings(site, "deploy:\n  pages:\n    url: git+ssh://git@example.org/news.git\n    brnach: main\n")
    code, _out, err = run(site, "deploy", capsys=capsys)
    assert code == 1
    assert err.startswith("error: sitegen.yaml:8: deploy target 'pages' (git) has no setting 'brnach'; "
                          "did you mean 'branch'?")


# -- no warning is lost ----------------------------------------------------------------------------------------

CP1252 = "seeds/windows_1252.txt"
CP1252_WARNING = "warning: seeds/windows_1252.txt:1: not UTF-8 (byte 0xE9 on this line is not); read as Windows-1252"


def test_a_failed_build_prints_its_warnings_and_the_next_build_repeats_them(site, capsys):
    shutil.copy(FIXTURES / "seeds" / "windows_1252.txt", site / CP1252)
    (site / "seeds" / "bad.txt").write_text(" date 2023-02-30 A day that never was\n\nText.\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1
    assert CP1252_WARNING in err  # said though the build failed on another file
    assert "error: seeds/bad.txt:1: 2023-02-30 is not a real date" in err
    assert "1 warning, in 1 file" in err
    assert not (site / "public").exists()

    (site / "seeds" / "bad.txt").unlink()  # fixed: the cp1252 seed is already converted by now
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0, err
    assert CP1252_WARNING in err and err.strip().endswith("1 warning, in 1 file")
    code, out, err = run(site, "build", capsys=capsys)  # nothing changed: a no-op build says it again
    assert code == 0 and "0 written" in out
    assert CP1252_WARNING in err

    converted = next(p for p in (site / "content").glob("*.md") if "windows_1252" in p.read_text())
    converted.write_text(converted.read_text() + "\nChecked and fixed by hand.\n")  # the writer dealt with it
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0 and "windows_1252" not in err


def test_a_content_files_warning_is_repeated_by_every_build_with_a_count(site, capsys):
    (site / "content" / "2023-02-01-shortcodes.md").write_text(
        "---\ntitle: Shortcodes\ndate: 2023-02-01\n---\nA figure:\n\n{{< mywidget id=\"x\" >}}\n\n"
        "And {% include note.html %} too.\n")
    for attempt in range(3):  # the first builds it, the next ones are no-op builds
        code, out, err = run(site, "build", capsys=capsys)
        assert code == 0, err
        assert "warning: content/2023-02-01-shortcodes.md:7: the Hugo shortcode" in err, attempt
        assert "warning: content/2023-02-01-shortcodes.md:9: the Liquid tag" in err, attempt
        assert err.strip().splitlines()[-1] == "2 warnings, in 1 file"
    assert "0 written" in out


def test_strict_turns_warnings_into_errors_and_writes_nothing(site, capsys):
    assert run(site, "build", "-q", capsys=capsys)[0] == 0
    before = tree(site / "public")
    typo = "---\ntitle: Typo\ndate: 2023-02-01\ntag: budget\n---\nText.\n"
    (site / "content" / "2023-02-01-typo.md").write_text(typo)
    code, _out, err = run(site, "build", "--strict", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "error: content/2023-02-01-typo.md:4: front matter key 'tag' is not a key sitegen reads" in err
    assert "(--strict: warnings are errors)" in err
    assert tree(site / "public") == before
    code, _out, err = run(site, "build", capsys=capsys)  # without --strict: built, with the warning
    assert code == 0 and "warning: content/2023-02-01-typo.md:4: front matter key 'tag'" in err
    assert run(site, "build", "--strict", capsys=capsys)[0] == 1  # a no-op build is strict too


@pytest.mark.parametrize(("key", "hint"), [("titel: Other", "did you mean 'title'?"),
                                           ("tag: budget", "did you mean 'tags'?"),
                                           ("catgory: world", "did you mean 'category'?"),
                                           ("mood: grim", "check its spelling, or show it in a template as "
                                                          "article.extra.mood")])
def test_a_front_matter_key_nothing_reads_is_a_warning_at_its_line(site, key, hint, capsys):
    (site / "content" / "2023-02-01-keys.md").write_text(f"---\ntitle: Keys\ndate: 2023-02-01\n{key}\n---\nText.\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0, err
    name = key.split(":")[0]
    assert f"warning: content/2023-02-01-keys.md:4: front matter key '{name}' is not a key sitegen reads" in err
    assert hint in err


def test_keys_that_other_generators_write_or_a_template_uses_are_no_warning(site, capsys):
    (site / "content" / "2023-02-01-hugo.md").write_text(
        "---\ntitle: From Hugo\ndate: 2023-02-01\nweight: 3\nkeywords: [a, b]\ntoc: true\nmood: grim\n---\nText.\n")
    (site / "templates").mkdir()
    default = Path(__file__).resolve().parent.parent / "templates" / "article.html"
    (site / "templates" / "article.html").write_text(
        default.read_text().replace("</article>", "<p>{{ article.extra.get('mood', '') }}</p></article>", 1))
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0, err
    assert "front matter key" not in err


def test_a_key_many_files_share_is_one_warning_naming_them(site, capsys):
    for n in range(1, 6):
        (site / "content" / f"2023-02-0{n}-x.md").write_text(f"---\ntitle: X{n}\ndate: 2023-02-0{n}\n"
                                                             "sumary: oops\n---\nText.\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0
    [line] = [ln for ln in err.splitlines() if "'sumary'" in ln]
    assert line.startswith("warning: content/2023-02-01-x.md:4: front matter key 'sumary'")
    assert "did you mean 'summary'?" in line
    assert "(also in content/2023-02-02-x.md:4, content/2023-02-03-x.md:4 and 2 more files)" in line
    assert err.strip().splitlines()[-1] == "1 warning, in 5 files"


def test_an_output_folder_built_for_another_address_is_not_deployed(site, tmp_path, capsys):
    from sitegen.core.config import load_config
    from sitegen.core.errors import SitegenError
    from sitegen.deploy import publish as deploy

    assert run(site, "build", "-q", "--base-url", "https://staging.example.net/", capsys=capsys)[0] == 0
    config = load_config(site)
    with pytest.raises(SitegenError, match=r"refusing to deploy public/: it was built for "
                                           r"https://staging.example.net/, not https://example.org/news/"):
        deploy.check_built(config, config.output_path, config.base_url)


def test_a_misspelt_title_or_date_is_named_at_its_line(site, capsys):
    (site / "content" / "2023-02-01-a.md").write_text("---\ntitel: A headline\ndate: 2023-02-01\n---\nText.\n")
    (site / "content" / "news").mkdir()
    (site / "content" / "news" / "b.md").write_text("---\ntitle: Another\ndaet: 2023-02-01\n---\nText.\n")
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "error: content/2023-02-01-a.md:2: missing 'title': 'titel' is not a key sitegen reads; " \
           "did you mean 'title'?" in err
    assert "error: content/news/b.md:3: missing 'date': 'daet' is not a key sitegen reads; did you mean 'date'?" \
        in err


def test_a_seed_warning_from_sitegen_convert_is_repeated_by_the_builds_after_it(site, capsys):
    shutil.copy(FIXTURES / "seeds" / "windows_1252.txt", site / CP1252)
    code, _out, err = run(site, "convert", capsys=capsys)
    assert code == 0 and CP1252_WARNING in err
    code, _out, err = run(site, "build", capsys=capsys)
    assert code == 0 and CP1252_WARNING in err


def test_a_push_the_remote_refuses_says_so_with_the_remotes_words(site, tmp_path, capsys):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/gh-pages.' >&2\nexit 1\n")
    hook.chmod(0o755)
    code, _out, err = run(site, "deploy", "-q", "--to", f"git+file://{remote}", capsys=capsys)
    assert code == 1 and "Traceback" not in err
    assert "remote: GH006: Protected branch update failed for refs/heads/gh-pages." in err
    assert "[remote rejected]" in err
    assert "try: the remote refused the push (a protected branch, or a hook on the server)" in err
