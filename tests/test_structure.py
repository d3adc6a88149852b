"""A whole news site: undated pages, sections, the menu, files at the site root, redirects, migration."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from sitegen.build import BuildOptions, build
from sitegen.cli import main
from sitegen.core.config import load_config
from sitegen.core.errors import BuildFailed
from sitegen.deploy.s3 import redirect_locations
from tests.conftest import Page, article, write_files
from tests.test_deploy import _s3_client, aws_env, bucket, free_port, nginx_serving, s3_server, stop, wait_for_port  # noqa: F401
from tests.test_search import browser, host, page, results  # noqa: F401

SETTINGS = """\
title: The Desk
base_url: https://example.org/
search: false
sections:
  - {slug: world, name: World, description: News from every continent.}
  - Politics
  - {slug: sport, name: Sport}
"""


def news_site() -> dict[str, str]:
    return {
        "sitegen.yaml": SETTINGS,
        "content/pages/about.md": ("---\ntitle: About us\n---\n"
                                   "We report. Read [the policy]({{< ref \"corrections.md\" >}}).\n"),
        "content/pages/corrections.md": "---\ntitle: Corrections policy\nurl: /corrections-policy/\n---\nWe correct.\n",
        "content/2024-01-03-summit.md": article("Summit opens", date="2024-01-03", section="World", tags="[Russia]"),
        "content/2024-01-04-vote.md": article("Vote counted", date="2024-01-04", section="politics", tags="[Russia]"),
        "content/2024-01-05-final.md": article("Final won", date="2024-01-05", section="Sport"),
        "content/2024-01-06-misc.md": article("No desk", date="2024-01-06"),
        "static/ads.txt": "example.com, pub-0, DIRECT\n",
        "static/.well-known/security.txt": "Contact: mailto:security@example.org\n",
        "static/.DS_Store": "editor junk",
    }


def make(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    write_files(tmp_path, news_site() if files is None else files)
    return tmp_path


def read(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


def errors_of(site: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        build(load_config(site), BuildOptions(jobs=1))
    return [str(e) for e in failed.value.errors]


# --- pages ---------------------------------------------------------------------------------------------


def test_undated_pages_are_at_their_addresses_in_the_sitemap_and_in_no_list(tmp_path):
    site = make(tmp_path)
    report = build(load_config(site), BuildOptions(jobs=1))
    assert report.articles == 4  # pages are not articles
    about = Page(read(site, "about/index.html"))
    assert about.headings["h1"] == ["About us"] and "We report." in about.text
    assert "/corrections-policy/" in about.links  # the ref shortcode, resolved
    assert "We correct." in read(site, "corrections-policy/index.html")
    sitemap = read(site, "sitemap.xml")
    assert "<loc>https://example.org/about/</loc>" in sitemap
    assert "<loc>https://example.org/corrections-policy/</loc>" in sitemap
    public = site / "public"
    for rel in ["index.html", "feed.xml", "feed.json", "rss.xml", "archive/index.html", "tags/index.html",
                *[p.relative_to(public).as_posix() for p in public.rglob("feed.xml")]]:
        assert "About us" not in read(site, rel).split("<footer")[0] and "/about/" not in read(site, rel).split(
            "<footer")[0], rel
    assert not list(public.glob("[0-9]*/*/*/about*"))
    assert "/about/" in Page(read(site, "index.html")).links  # the footer links every page


def test_a_page_is_found_in_pages_by_type_or_at_the_top_without_a_date(tmp_path):
    files = news_site()
    files["content/contact.md"] = "---\ntitle: Contact\n---\nWrite to us.\n"  # Hugo's content/about.md
    files["content/desk/team.md"] = "---\ntitle: Team\ntype: page\n---\nUs.\n"
    files["content/pages/legal/privacy.md"] = "---\ntitle: Privacy\n---\nNone kept.\n"
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert "Write to us." in read(site, "contact/index.html")
    assert "Us." in read(site, "desk/team/index.html")
    assert "None kept." in read(site, "legal/privacy/index.html")


def test_a_page_layout_picks_its_template_and_an_unknown_one_is_an_error_at_its_line(tmp_path):
    files = news_site()
    files["content/pages/about.md"] = "---\ntitle: About us\nlayout: about\n---\nWe report.\n"
    files["templates/about.html"] = ('{% extends "page.html" %}{% block main %}<h1>Custom {{ article.title }}</h1>'
                                     '{{ body }}{% endblock %}')
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert "<h1>Custom About us</h1>" in read(site, "about/index.html")
    (site / "content/pages/about.md").write_text("---\ntitle: About us\n---\nWe report.\n")
    build(load_config(site), BuildOptions(jobs=1))
    assert "<h1>Custom About us</h1>" in read(site, "about/index.html")  # the page's own name, without layout:
    (site / "content/pages/about.md").write_text(files["content/pages/about.md"])
    (site / "templates/about.html").unlink()
    assert errors_of(site) == ["content/pages/about.md:3: layout 'about' has no template: add "
                               "templates/about.html, or remove the line to use page.html"]


# --- sections ------------------------------------------------------------------------------------------


def test_each_section_has_a_front_feeds_breadcrumbs_and_structured_data(tmp_path):
    site = make(tmp_path)
    build(load_config(site), BuildOptions(jobs=1))
    world = Page(read(site, "world/index.html"))
    assert world.headings["h1"] == ["World"] and "News from every continent." in world.text
    assert "Summit opens" in world.text and "Vote counted" not in world.text
    assert {"/world/feed.xml", "/world/feed.json", "/world/rss.xml"} <= set(world.links)
    assert "Summit opens" in read(site, "world/feed.xml") and "Vote counted" not in read(site, "world/feed.xml")
    assert json.loads(read(site, "politics/feed.json"))["items"][0]["title"] == "Vote counted"
    assert "<title>The Desk: Sport</title>" in read(site, "sport/rss.xml")
    data = [json.loads(block.split(">", 1)[1].split("</script>")[0]) for block in read(site, "world/index.html").split(
        '<script type="application/ld+json"')[1:]]
    collection = next(d for d in data if d["@type"] == "CollectionPage")
    assert collection["mainEntity"]["itemListElement"][0]["url"] == "https://example.org/2024/01/03/summit-opens/"
    story = read(site, "2024/01/03/summit-opens/index.html")
    story_page = Page(story)
    assert '<a href="/world/" data-pagefind-filter="section">World</a>' in story
    news = next(json.loads(b.split(">", 1)[1].split("</script>")[0]) for b in story.split(
        '<script type="application/ld+json"')[1:] if '"NewsArticle"' in b)
    assert news["articleSection"] == "World"  # not the first tag
    crumbs = next(json.loads(b.split(">", 1)[1].split("</script>")[0]) for b in story.split(
        '<script type="application/ld+json"')[1:] if '"BreadcrumbList"' in b)
    assert [i["name"] for i in crumbs["itemListElement"]] == ["Home", "World", "Summit opens"]
    assert "/world/" in story_page.links
    undesked = read(site, "2024/01/06/no-desk/index.html")
    assert "articleSection" not in undesked and "article:section" not in undesked


def test_the_menu_lists_the_sections_by_default_and_the_settings_replace_it(tmp_path):
    site = make(tmp_path)
    build(load_config(site), BuildOptions(jobs=1))
    nav = read(site, "index.html").split('<nav aria-label="Site">')[1].split("</nav>")[0]
    assert [line.split(">")[1].split("<")[0] for line in nav.split("<li>")[1:]] == [
        "Latest", "World", "Politics", "Sport", "Archive", "Topics", "Authors"]
    assert '<a href="/world/" aria-current="page">' in read(site, "world/index.html")
    (site / "sitegen.yaml").write_text(SETTINGS + "menu:\n  - {name: Desk, url: /world/}\n"
                                       "  - {name: About, url: /about/}\n  - {name: Elsewhere, url: 'https://x.org/'}\n")
    build(load_config(site), BuildOptions(jobs=1))
    nav = read(site, "index.html").split('<nav aria-label="Site">')[1].split("</nav>")[0]
    assert nav.count("<li>") == 3 and '<a href="/about/">About</a>' in nav and 'href="https://x.org/"' in nav


def test_an_unknown_section_is_an_error_at_its_line_naming_the_known_ones(tmp_path):
    files = news_site()
    files["content/2024-01-07-bad.md"] = article("Bad desk", date="2024-01-07", tags="[X]", section="Wrold")
    site = make(tmp_path, files)
    assert errors_of(site) == ["content/2024-01-07-bad.md:5: unknown section 'Wrold'; the sections are: "
                               "world, politics, sport"]
    assert not (site / "public").exists()


def test_changing_the_section_never_moves_the_article(tmp_path):
    site = make(tmp_path)
    build(load_config(site), BuildOptions(jobs=1))
    path = site / "content/2024-01-03-summit.md"
    path.write_text(path.read_text().replace("section: World", "section: Sport"))
    build(load_config(site), BuildOptions(jobs=1))
    assert "Summit opens" in read(site, "2024/01/03/summit-opens/index.html")
    assert "Summit opens" in read(site, "sport/index.html") and "Summit opens" not in read(site, "world/index.html")
    assert not (site / "redirects.yaml").exists()


def test_hugo_categories_and_pelican_category_are_read_as_the_section(tmp_path, capsys):
    files = news_site()
    files["content/2024-01-08-hugo.md"] = article("From Hugo", date="2024-01-08", categories="[World, Extra]")
    files["content/2024-01-09-pelican.md"] = article("From Pelican", date="2024-01-09", category="Politics")
    site = make(tmp_path, files)
    report = build(load_config(site), BuildOptions(jobs=1))
    assert "From Hugo" in read(site, "world/index.html") and "From Pelican" in read(site, "politics/index.html")
    assert report.warnings == ["content/2024-01-08-hugo.md:4: only the first of 'categories' (World) is the "
                               "article's section; the others are dropped (move them to 'tags' to keep them)"]


def test_converted_seeds_get_the_seed_section(tmp_path):
    files = news_site()
    files["sitegen.yaml"] = SETTINGS + "seed_section: World\n"
    files["seeds/wire.txt"] = " date 2024-01-10 Wire story arrives\n\nIt happened.\n"
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    [converted] = (site / "content").glob("2024-01-10-*.md")
    assert 'section: "world"' in converted.read_text()
    assert "Wire story arrives" in read(site, "world/index.html")


# --- files at the site root -------------------------------------------------------------------------------


def test_a_sites_static_files_land_at_the_root_and_the_theme_keeps_its_fingerprinted_assets(tmp_path):
    site = make(tmp_path)
    build(load_config(site), BuildOptions(jobs=1))
    public = site / "public"
    assert (public / "ads.txt").read_text() == "example.com, pub-0, DIRECT\n"
    assert (public / ".well-known/security.txt").is_file()
    assert not (public / "static/ads.txt").exists() and not (public / ".DS_Store").exists()
    style = Page(read(site, "index.html")).html.split('rel="stylesheet" href="')[1].split('"')[0]
    assert style.startswith("/static/style.") and (public / style.lstrip("/")).is_file()


def test_a_static_file_over_a_generated_page_is_an_error_naming_both(tmp_path):
    files = news_site()
    files["static/world/index.html"] = "<p>mine</p>"
    files["static/feed.xml"] = "<feed/>"
    site = make(tmp_path, files)
    assert errors_of(site) == [
        "static/feed.xml: would be published at /feed.xml, replacing the generated page feed.xml: rename or move "
        "the file",
        "static/world/index.html: would be published at /world/index.html, replacing the generated page "
        "world/index.html: rename or move the file"]


def test_a_sites_own_redirects_and_headers_files_come_first_in_the_generated_ones(tmp_path):
    files = news_site()
    files["static/_redirects"] = "/promo https://shop.example.org/ 302"
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert read(site, "_redirects").splitlines()[0] == "/promo https://shop.example.org/ 302"


# --- redirects ---------------------------------------------------------------------------------------------


def moved(site: Path, rel: str) -> str:
    """Where the page at ``rel`` sends the reader (its meta refresh), asserting it is a redirect page."""
    text = read(site, rel)
    assert '<meta name="robots" content="noindex">' in text and 'rel="canonical"' in text
    return text.split('http-equiv="refresh" content="0; url=')[1].split('"')[0]


def test_aliases_and_redirect_from_make_redirect_pages_and_301_lines(tmp_path):
    files = news_site()
    files["content/2024-01-03-summit.md"] = article("Summit opens", date="2024-01-03", section="World",
                                                    aliases="[/old/summit/, old-summit.html]")
    files["content/2024-01-04-vote.md"] = article("Vote counted", date="2024-01-04", redirect_from="/vote/")
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert moved(site, "old/summit/index.html") == "/2024/01/03/summit-opens/"
    assert moved(site, "old-summit.html") == "/2024/01/03/summit-opens/"
    assert moved(site, "vote/index.html") == "/2024/01/04/vote-counted/"
    assert "/vote/ /2024/01/04/vote-counted/ 301" in read(site, "_redirects").splitlines()
    assert redirect_locations(site / "public", "/")["vote/index.html"] == "/2024/01/04/vote-counted/"
    assert "/vote/" not in read(site, "sitemap.xml")
    assert main(["-C", str(site), "check"]) == 0


def test_an_edited_slug_and_date_record_a_redirect_that_a_fresh_clone_keeps(tmp_path, capsys):
    site = make(tmp_path / "site")
    assert main(["-C", str(site), "build"]) == 0
    path = site / "content/2024-01-03-summit.md"
    path.write_text(path.read_text().replace("date: 2024-01-03", "date: 2024-01-04\nslug: summit-begins"))
    capsys.readouterr()
    assert main(["-C", str(site), "build"]) == 0
    out = capsys.readouterr().out
    assert ("redirect: /2024/01/03/summit-opens/ now redirects to /2024/01/04/summit-begins/ (content/"
            "2024-01-03-summit.md: its address changed); recorded in redirects.yaml") in out
    assert moved(site, "2024/01/03/summit-opens/index.html") == "/2024/01/04/summit-begins/"
    assert "/2024/01/03/summit-opens/ /2024/01/04/summit-begins/ 301" in read(site, "_redirects")
    recorded = (site / "redirects.yaml").read_text()
    assert "/2024/01/03/summit-opens/: /2024/01/04/summit-begins/" in recorded
    # a fresh clone: the sources with the committed redirects.yaml, no cache, no output
    clone = tmp_path / "clone"
    shutil.copytree(site, clone, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))
    build(load_config(clone), BuildOptions(jobs=1))
    assert moved(clone, "2024/01/03/summit-opens/index.html") == "/2024/01/04/summit-begins/"
    assert read(clone, "_redirects") == read(site, "_redirects")
    # a second move: the first address follows the chain to the newest
    path.write_text(path.read_text().replace("slug: summit-begins", "slug: summit-ends"))
    build(load_config(site), BuildOptions(jobs=1))
    assert moved(site, "2024/01/03/summit-opens/index.html") == "/2024/01/04/summit-ends/"
    assert moved(site, "2024/01/04/summit-begins/index.html") == "/2024/01/04/summit-ends/"
    assert (site / "redirects.yaml").read_text().startswith(recorded)  # appended, never rewritten


def test_moving_back_to_an_old_address_cancels_its_redirect(tmp_path):
    site = make(tmp_path)
    build(load_config(site), BuildOptions(jobs=1))
    path = site / "content/2024-01-03-summit.md"
    original = path.read_text()
    path.write_text(original.replace("---\ntitle", "---\nslug: other\ntitle"))
    build(load_config(site), BuildOptions(jobs=1))
    path.write_text(original)
    build(load_config(site), BuildOptions(jobs=1))
    assert "Summit opens" in Page(read(site, "2024/01/03/summit-opens/index.html")).headings["h1"]
    assert moved(site, "2024/01/03/other/index.html") == "/2024/01/03/summit-opens/"
    assert "/2024/01/03/summit-opens/: ~" in (site / "redirects.yaml").read_text()


def test_a_hand_edit_of_redirects_yaml_is_kept_and_loops_or_live_pages_are_errors(tmp_path):
    files = news_site()
    files["redirects.yaml"] = "# ours\n/gone/: /corrections-policy/\n"
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert moved(site, "gone/index.html") == "/corrections-policy/"
    assert (site / "redirects.yaml").read_text() == "# ours\n/gone/: /corrections-policy/\n"
    (site / "redirects.yaml").write_text("/a/: /b/\n/b/: /a/\n/world/: /about/\n")
    assert errors_of(site) == [
        "redirects.yaml:1: the redirects from /a/ go round in a loop (/a/ → /b/ → /a/): remove one of them",
        "redirects.yaml:2: the redirects from /b/ go round in a loop (/b/ → /a/ → /b/): remove one of them",
        "redirects.yaml:3: the redirect from /world/ would replace the generated page world/index.html at that "
        "address: remove the redirect, or give that page another address"]


def test_an_alias_over_a_live_article_is_an_error_at_its_line(tmp_path):
    files = news_site()
    files["content/2024-01-04-vote.md"] = article("Vote counted", date="2024-01-04",
                                                  aliases="[/2024/01/03/summit-opens/]")
    site = make(tmp_path, files)
    assert errors_of(site) == [
        "content/2024-01-04-vote.md:4: the redirect from /2024/01/03/summit-opens/ would replace the page of "
        "content/2024-01-03-summit.md at that address: remove the redirect, or give that page another address"]


# --- migration ----------------------------------------------------------------------------------------------


def test_jekyll_posts_take_date_and_slug_from_their_file_name_and_permalink_is_honoured(tmp_path):
    files = news_site()
    files["content/_posts/2023-05-06-old-post.md"] = "---\ntitle: An old post\n---\nFrom Jekyll.\n"
    files["content/_posts/2023-05-07-other.md"] = "---\ntitle: Other\npermalink: /blog/other.html\n---\nHi.\n"
    site = make(tmp_path, files)
    build(load_config(site), BuildOptions(jobs=1))
    assert "From Jekyll." in read(site, "2023/05/06/old-post/index.html")
    assert "6 May 2023" in read(site, "2023/05/06/old-post/index.html")
    assert "Hi." in read(site, "blog/other.html")


def test_shortcodes_and_liquid_left_in_a_body_are_warned_with_their_line_and_a_few_rendered(tmp_path):
    files = news_site()
    files["content/2024-01-03-summit.md"] = (
        "---\ntitle: Summit opens\ndate: 2024-01-03\n---\n"
        "Intro.\n\n"
        '{{< figure src="/img/summit.jpg" alt="Leaders" caption="The leaders meet" >}}\n\n'
        "{{< youtube dQw4w9WgXcQ >}}\n\n"
        "{{< tweet user=\"x\" id=\"1\" >}}\n\n"
        "{% highlight ruby %}\n\n"
        "`{{< kept >}}` in code.\n")
    site = make(tmp_path, files)
    _jpeg(site / "static/img/summit.jpg")  # the figure's picture: a missing one is an error (docs/images.md)
    report = build(load_config(site), BuildOptions(jobs=1))
    assert report.warnings == [
        "content/2024-01-03-summit.md:11: the Hugo shortcode {{< tweet >}} is not something sitegen renders: it "
        "shows as written; replace it with Markdown or HTML",
        "content/2024-01-03-summit.md:13: the Liquid tag {% highlight %} is not something sitegen renders: it "
        "shows as written; replace it with Markdown or HTML"]
    story = read(site, "2024/01/03/summit-opens/index.html")
    figure = story[story.index("<figure>"):story.index("</figure>") + 9]
    assert figure.startswith("<figure><picture>") and 'alt="Leaders"' in figure  # resized, as Markdown's are
    assert figure.endswith("</picture><figcaption>The leaders meet</figcaption></figure>")
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Watch the video on YouTube</a>' in story
    assert "<iframe" not in story and "youtube.com/embed" not in story and "<script src" not in story
    assert "{{&lt; tweet" in story and "<code>{{&lt; kept &gt;}}</code>" in story
    again = build(load_config(site), BuildOptions(jobs=1))  # nothing changed: the warnings are told again
    assert again.warnings == report.warnings and again.files.written == 0


def _jpeg(path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (640, 400), (40, 80, 120)).save(path)


def test_a_ref_to_no_content_file_is_an_error_at_its_line(tmp_path):
    files = news_site()
    files["content/pages/about.md"] = "---\ntitle: About us\n---\n\nSee [x]({{< ref \"nowhere.md\" >}}).\n"
    site = make(tmp_path, files)
    assert errors_of(site) == ["content/pages/about.md:5: the ref to 'nowhere.md' names no published content "
                               "file: give its path in content/"]


# --- served by nginx, at / and under a sub-path --------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value and (name == "href" and tag in ("a", "link") or name == "src"):
                self.urls.append(value)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.urls.append((values.get("content") or "").split("url=", 1)[1])


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """nginx on a free 127.0.0.1 port serving tmp_path/www, with its own prefix and no root-owned paths."""
    with nginx_serving(tmp_path, "text/html html; text/css css; application/xml xml; "
                                 "image/svg+xml svg; text/plain txt; application/json json;") as served:
        yield served


def _get(url: str) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read(), answer.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        pytest.fail(f"{url} answers {exc.code}")


def _crawl(start: str, port: int, base: str) -> set[str]:
    """Every page reachable from ``start`` through nginx; fails on the first broken link."""
    seen, todo = {start}, [start]
    while todo:
        url = todo.pop()
        body, kind = _get(url)
        if kind != "text/html":
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for href in parser.urls:
            link = urljoin(url, href).split("#")[0]
            if urlsplit(link).netloc != f"127.0.0.1:{port}":
                continue
            assert urlsplit(link).path.startswith(base), f"{url} links outside {base}: {href}"
            if link not in seen:
                seen.add(link)
                todo.append(link)
    return seen


@pytest.mark.server
@pytest.mark.parametrize("base", ["/", "/news/"])
def test_the_news_site_served_by_nginx_has_no_broken_links_and_its_old_addresses_lead_on(tmp_path, nginx, base):
    port, www = nginx
    origin = f"http://127.0.0.1:{port}"
    site = make(tmp_path / "site")
    (site / "sitegen.yaml").write_text(SETTINGS.replace("https://example.org/", origin + base))
    build(load_config(site), BuildOptions(jobs=1))
    story = site / "content/2024-01-03-summit.md"
    story.write_text(story.read_text().replace("date: 2024-01-03", "date: 2024-01-02\nslug: summit-moved"))
    build(load_config(site), BuildOptions(jobs=1))
    served = www / base.strip("/") if base != "/" else www
    shutil.rmtree(www)
    shutil.copytree(site / "public", served)

    seen = _crawl(origin + base, port, base)
    for path in ("about/", "corrections-policy/", "world/", "politics/", "sport/", "world/feed.xml",
                 "2024/01/02/summit-moved/"):
        assert origin + base + path in seen, path
    assert _get(origin + base + "ads.txt") == (b"example.com, pub-0, DIRECT\n", "text/plain")
    assert _get(origin + base + ".well-known/security.txt")[0].startswith(b"Contact:")
    old = _Links()
    old.feed(_get(origin + base + "2024/01/03/summit-opens/")[0].decode())
    target = urljoin(origin + base + "2024/01/03/summit-opens/", old.urls[-1])
    assert target == origin + base + "2024/01/02/summit-moved/"
    assert b"<h1>Summit opens</h1>" in _get(target)[0]
    assert f"{base}2024/01/03/summit-opens/ {base}2024/01/02/summit-moved/ 301" in read(site, "_redirects")
    assert main(["-C", str(site), "check"]) == 0


def test_one_old_address_claimed_by_two_files_and_a_permalink_pattern_are_errors(tmp_path):
    files = news_site()
    files["content/2024-01-03-summit.md"] = article("Summit opens", date="2024-01-03", aliases="[/old/]")
    files["content/2024-01-04-vote.md"] = article("Vote counted", date="2024-01-04", aliases="[/old/]")
    files["content/2024-01-05-final.md"] = article("Final won", date="2024-01-05", permalink="/:year/:title/")
    site = make(tmp_path, files)
    assert errors_of(site) == [
        "content/2024-01-05-final.md:4: 'permalink' '/:year/:title/' is a Jekyll permalink pattern, which sitegen "
        "does not fill in: write the page's own address, such as /2024/01/03/my-post/"]
    files["content/2024-01-05-final.md"] = article("Final won", date="2024-01-05")
    site = make(tmp_path, files)
    assert errors_of(site) == ["content/2024-01-04-vote.md:4: /old/ is already an earlier address of "
                               "content/2024-01-03-summit.md: keep it in one of them"]


@pytest.mark.server
def test_deploy_to_s3_gives_the_old_address_its_redirect_location(tmp_path, s3_server, bucket, monkeypatch):  # noqa: F811
    # SeaweedFS stores objects but not their website redirect: the header is read off each request sent.
    import sitegen.deploy.s3 as deploy_s3

    sent: dict[str, str | None] = {}
    make_client = deploy_s3._client

    def client(target):  # noqa: ANN001, ANN202
        made = make_client(target)
        made.meta.events.register("before-send.s3.PutObject", lambda request, **_: sent.__setitem__(
            request.url.split("/news/", 1)[1], request.headers.get("x-amz-website-redirect-location")))
        return made

    monkeypatch.setattr(deploy_s3, "_client", client)
    files = news_site()
    files["content/2024-01-04-vote.md"] = article("Vote counted", date="2024-01-04", redirect_from="/vote/")
    site = make(tmp_path, files)
    (site / "sitegen.yaml").write_text(SETTINGS.replace("https://example.org/", "https://example.org/news/")
                                       + f"deploy:\n  bucket:\n    url: s3://{bucket}/news\n"
                                         f"    endpoint_url: {s3_server}\n")
    assert main(["-C", str(site), "deploy", "-q"]) == 0
    assert sent["vote/index.html"] in ("/news/2024/01/04/vote-counted/", b"/news/2024/01/04/vote-counted/")
    assert sent["index.html"] is None and sent["2024/01/04/vote-counted/index.html"] is None
    assert b"vote-counted" in _s3_client(s3_server).get_object(Bucket=bucket, Key="news/vote/index.html")["Body"].read()


def test_search_can_be_narrowed_to_a_section(tmp_path):
    from sitegen.output import search

    site = make(tmp_path)
    config = load_config(site)
    build(config, BuildOptions(jobs=1))
    story = next(a for a in _published(config) if a.title == "Summit opens")
    assert search.filters(story, config)["section"] == ["World"]
    assert "section" not in search.filters(next(a for a in _published(config) if a.title == "No desk"), config)
    (site / "sitegen.yaml").write_text(SETTINGS.replace("search: false\n", ""))
    build(load_config(site), BuildOptions(jobs=1))
    form = read(site, "search/index.html")
    assert '<select name="section">' in form and '"section", "tag", "author", "year"' in form


def _published(config):  # noqa: ANN001, ANN202
    from sitegen.content.load import load_articles
    from sitegen.incremental.cache import Cache

    articles, _errors = load_articles(config, Cache(config.cache_path, "test-structure"))
    return articles


@pytest.mark.browser
def test_the_search_page_narrows_to_a_section(tmp_path, host, page):  # noqa: F811
    site = make(tmp_path)
    (site / "sitegen.yaml").write_text(SETTINGS.replace("search: false\n", ""))
    build(load_config(site), BuildOptions(jobs=1))
    url = host(site / "public")
    assert len(results(page, url, "q=text")) == 4
    assert [r["title"] for r in results(page, url, "q=text&section=World")] == ["Summit opens"]
    page.wait_for_selector("#search[data-filters]")
    assert "Sport (1)" in page.inner_text("select[name=section]")
