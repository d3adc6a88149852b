"""``sitegen check``: read the built site the way a crawler and a feed reader would, and list what is wrong.

Every internal link, stylesheet, script, image and ``#fragment`` must resolve to a file of the output
folder, under the site's base path (a link to ``/x/`` is broken when the site lives under ``/news/``);
every page must be reachable by links from the front page and name itself as canonical, but for a redirect
page (a meta refresh at an old address), whose target must resolve instead; feeds
(Atom, RSS, JSON Feed), sitemaps and robots.txt must be well-formed and point at pages that exist.
Nothing here imports the rest of sitegen's pipeline: it judges the output, whoever wrote it. It only takes
the output folder's lock (write.py), as a build does: a build killed while moving files into place is
finished first, and none runs while the site is read, so what is checked is a whole site, never half of one.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import os
import re
from collections import deque
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from sitegen.core.files import files_under
from sitegen.core.parallel import parallel_map
from sitegen.output.write import output_lock
from sitegen.schedule import Withheld

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NAMESPACE = b"http://www.google.com/schemas/sitemap-news/0.9"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
W3C_DATE = re.compile(r"^\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?)?)?$")
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "src"),
                   ("iframe", "src"), ("video", "src"), ("audio", "src"), ("video", "poster"), ("form", "action")}
NOT_PAGES = ("404.html",)  # pages nobody links to on purpose


@dataclass
class Report:
    """What ``check_site`` looked at, and every problem found, as ``path: message`` lines."""

    pages: int = 0
    links: int = 0
    feeds: int = 0
    sitemaps: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    ids: set[str]
    links: list[tuple[str, str, str]]  # (tag, rel, url)
    canonical: str | None
    refresh: str | None = None  # a redirect page's target (<meta http-equiv="refresh" content="0; url=...">)
    noindex: bool = False  # a page search engines are told to leave out: nobody need link to it
    images: list[dict[str, str]] = field(default_factory=list)  # each <img>'s and <source>'s attributes


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []
        self.canonical: str | None = None
        self.refresh: str | None = None
        self.noindex = False
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        if tag == "meta" and values.get("name", "").lower() == "robots" and \
                "noindex" in values.get("content", "").lower():
            self.noindex = True
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        rel = values.get("rel", "").lower()
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            _delay, _, target = values.get("content", "").partition(";")
            target = target.strip()
            self.refresh = target[4:].strip() if target.lower().startswith("url=") else target
            self.links.append(("meta", "refresh", self.refresh))
            return
        if tag == "link" and rel == "canonical":
            self.canonical = values.get("href")
            return
        for name, value in values.items():
            if (tag, name) in LINK_ATTRIBUTES:
                self.links.append((tag, rel, value.strip()))
        if tag in ("img", "source"):
            self.images.append({**values, "tag": tag})
        if "srcset" in values:
            for candidate in values["srcset"].split(","):
                if candidate.strip():
                    self.links.append((tag, "", candidate.split()[0]))


def _parse(path: str) -> _Parsed:
    parser = _PageParser()
    with open(path, encoding="utf-8", errors="replace") as handle:
        parser.feed(handle.read())
    parser.close()
    return _Parsed(parser.ids, parser.links, parser.canonical, parser.refresh, parser.noindex, parser.images)


class _Site:
    """The output folder as a static host serves it, under ``base_url``."""

    def __init__(self, output_dir: Path, base_url: str) -> None:
        self.root = output_dir
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = (parts.path or "/") if (parts.path or "/").endswith("/") else parts.path + "/"
        self.base_url = self.origin + self.base_path
        self.files = {rel for rel, _path in files_under(output_dir)}

    def url_of(self, rel: str) -> str:
        """The address of an output file: ``2023/index.html`` → ``https://example.org/news/2023/``."""
        return self.base_url + (rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html")
                                else rel)

    def resolve(self, url: str, page: str) -> tuple[str | None, str, str | None]:
        """(file, fragment, problem) for a link on ``page``; file None and no problem: not this site."""
        absolute = urljoin(self.url_of(page), url)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None, "", None
        path = unquote(parts.path)
        if not path.startswith(self.base_path):
            return None, "", f"leaves the site's base path {self.base_path}"
        rel = path[len(self.base_path):]
        for candidate in ((rel + "index.html",) if rel == "" or rel.endswith("/") else (rel, rel + "/index.html")):
            if candidate in self.files:
                return candidate, parts.fragment, None
        return None, "", "no such file in the output folder"


def _settled(output_dir: Path) -> AbstractContextManager[object]:
    """Hold the output folder's lock, finishing an interrupted build's moves first (write.output_lock).

    A folder this user may not write (someone else's build, a read-only copy) is read as it is: nobody
    could finish a build there, and taking the lock would need a file beside it. No folder: nothing to lock."""
    if not output_dir.is_dir() or not os.access(output_dir.parent, os.W_OK | os.X_OK):
        return nullcontext()
    return output_lock(output_dir)


def check_site(output_dir: Path, base_url: str, jobs: int = 1, withheld: Sequence[Withheld] = (),
               lock: bool = True) -> Report:
    """Check the built site in ``output_dir`` as served at ``base_url``; nothing is changed, except that a
    build killed while moving its files into place is finished first, as the next build would.
    ``withheld``: articles held back (embargo) or killed, of which no file may show anything (the leak
    guard; ``schedule.withheld_articles`` gives them). ``lock=False``: the caller holds the lock already."""
    with _settled(output_dir) if lock else nullcontext():
        return _check_site(output_dir, base_url, jobs, withheld)


def _check_site(output_dir: Path, base_url: str, jobs: int, withheld: Sequence[Withheld] = ()) -> Report:
    report = Report()
    if not (output_dir / "index.html").is_file():
        report.problems.append(f"{output_dir}: no index.html: build the site first (sitegen build)")
        return report
    site = _Site(output_dir, base_url)
    report.problems += leaks(output_dir, site.base_path, sorted(site.files), withheld)
    pages = sorted(f for f in site.files if f.endswith(".html") and not f.startswith("pagefind/"))
    parsed = dict(zip(pages, parallel_map(_parse, [str(output_dir / p) for p in pages], jobs), strict=True))
    report.pages = len(pages)
    problems = report.problems
    edges: dict[str, set[str]] = {}
    for page, found in parsed.items():
        edges[page] = set()
        if found.canonical is None:
            problems.append(f"{page}: no <link rel=\"canonical\">")
        elif page not in NOT_PAGES and found.refresh is None and found.canonical != site.url_of(page):
            problems.append(f"{page}: canonical URL {found.canonical} is not the page's own {site.url_of(page)}")
        for tag, rel, url in found.links:
            report.links += 1
            if not url or url.startswith(("mailto:", "tel:", "javascript:", "data:")):
                continue
            target, fragment, problem = site.resolve(url, page)
            if problem:
                problems.append(f"{page}: broken link {url}: {problem}")
                continue
            if target is None:
                continue
            if fragment and target in parsed and fragment not in parsed[target].ids and fragment != "top":
                problems.append(f"{page}: broken link {url}: {target} has no id '{fragment}'")
            if target.endswith(".html") and (tag == "a" or rel in ("prev", "next")):
                edges[page].add(target)
    sizes: dict[str, tuple[int, int] | None] = {}
    for page, found in parsed.items():
        problems += _check_images(site, page, found.images, sizes)
    reached = _reachable("index.html", edges)
    # A redirect page (at an old address) is reached from old links elsewhere, not from the site itself.
    problems += [f"{page}: orphan page: no link leads to it from the front page"
                 for page in pages if page not in reached and page not in NOT_PAGES and parsed[page].refresh is None
                 and not parsed[page].noindex]
    for rel in sorted(site.files):
        if rel.startswith("pagefind/"):
            continue
        if rel.endswith(".xml"):
            kind = _check_xml(site, rel, problems)
            report.feeds += kind == "feed"
            report.sitemaps += kind == "sitemap"
        elif rel.endswith(".json") and _is_json_feed(output_dir / rel):
            report.feeds += 1
            _check_json_feed(site, rel, problems)
    if "robots.txt" in site.files:
        _check_robots(site, problems)
    return report


LEAD_WIDTH = 1200  # Google's NewsArticle guidance: images at least 1200 px wide


def _image_size(site: _Site, rel: str, sizes: dict[str, tuple[int, int] | None]) -> tuple[int, int] | None:
    """A picture file's width and height (its header only), None when it is no raster image."""
    if rel not in sizes:
        sizes[rel] = None
        if rel.lower().endswith((".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif")):
            try:
                from PIL import Image

                with Image.open(site.root / rel) as im:
                    sizes[rel] = im.size
            except Exception:  # noqa: BLE001 - unreadable or no Pillow: nothing to compare
                sizes[rel] = None
    return sizes[rel]


def _check_images(site: _Site, page: str, found: list[dict[str, str]],
                  sizes: dict[str, tuple[int, int] | None]) -> list[str]:
    """Every ``<img>``'s width and height are its file's; every ``srcset`` candidate's width descriptor is
    its file's width; a lead image (``fetchpriority="high"``) offers at least 1200 px."""
    problems = []
    for attrs in found:
        widest = 0
        for candidate in (attrs.get("srcset") or "").split(","):
            parts = candidate.split()
            if not parts:
                continue
            target, _fragment, _problem = site.resolve(parts[0], page)
            size = _image_size(site, target, sizes) if target else None
            descriptor = parts[1] if len(parts) > 1 else ""
            if size and descriptor.endswith("w") and descriptor[:-1].isdigit():
                widest = max(widest, size[0])
                if int(descriptor[:-1]) != size[0]:
                    problems.append(f"{page}: srcset candidate {parts[0]} says {descriptor} but the file is "
                                    f"{size[0]} px wide")
        if attrs["tag"] != "img" or not attrs.get("src"):
            continue
        target, _fragment, _problem = site.resolve(attrs["src"], page)
        size = _image_size(site, target, sizes) if target else None
        if size is None:
            continue
        widest = max(widest, size[0])
        given = (attrs.get("width"), attrs.get("height"))
        if given != (None, None) and given != (str(size[0]), str(size[1])):
            problems.append(f"{page}: <img src=\"{attrs['src']}\"> says width={given[0]} height={given[1]} but the "
                            f"file is {size[0]}x{size[1]}: the page shifts as it loads")
        if attrs.get("fetchpriority") == "high" and widest < LEAD_WIDTH:
            problems.append(f"{page}: the lead image {attrs['src']} is {widest} px wide at most; Google asks for "
                            f"{LEAD_WIDTH} px: use a larger photo")
    return problems


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = deque([start])
    while todo:
        for target in edges.get(todo.popleft(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _check_xml(site: _Site, rel: str, problems: list[str]) -> str:
    try:
        root = ElementTree.parse(site.root / rel).getroot()
    except ElementTree.ParseError as exc:
        problems.append(f"{rel}: not well-formed XML: {exc}")
        return ""
    if root.tag == f"{ATOM}feed":
        _check_atom(site, rel, root, problems)
        return "feed"
    if root.tag == "rss":
        _check_rss(site, rel, root, problems)
        return "feed"
    if root.tag in (f"{SITEMAP}urlset", f"{SITEMAP}sitemapindex"):
        _check_sitemap(site, rel, root, problems, news=NEWS_NAMESPACE in (site.root / rel).read_bytes()[:1024])
        return "sitemap"
    if root.tag in ("urlset", "sitemapindex"):
        problems.append(f"{rel}: sitemap without the sitemaps.org 0.9 namespace")
        return "sitemap"
    return ""


def _require(rel: str, element: ElementTree.Element, names: Iterable[str], where: str, problems: list[str]) -> None:
    for name in names:
        child = element.find(name)
        if child is None or not (child.text or "").strip():
            problems.append(f"{rel}: {where} has no <{name.split('}')[-1]}>")


def _check_link(site: _Site, rel: str, url: str | None, what: str, problems: list[str]) -> None:
    """An absolute link in a feed or sitemap must lead to a file of this site."""
    if not url or not url.strip():
        problems.append(f"{rel}: {what} has no link")
        return
    url = url.strip()
    if not urlsplit(url).scheme:
        problems.append(f"{rel}: {what} link {url} is not an absolute URL")
        return
    target, _fragment, problem = site.resolve(url, rel)
    if problem or target is None:
        problems.append(f"{rel}: {what} link {url}: {problem or 'not on this site (' + site.base_url + ')'}")


def _check_atom(site: _Site, rel: str, root: ElementTree.Element, problems: list[str]) -> None:
    _require(rel, root, (f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"), "the feed", problems)
    links = {link.get("rel", "alternate"): link.get("href") for link in root.findall(f"{ATOM}link")}
    if "self" not in links:
        problems.append(f"{rel}: the feed has no <link rel=\"self\">")
    else:
        _check_link(site, rel, links["self"], "the feed's self", problems)
    feed_author = root.find(f"{ATOM}author") is not None
    ids = set()
    for number, entry in enumerate(root.findall(f"{ATOM}entry"), start=1):
        where = f"entry {number}"
        _require(rel, entry, (f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"), where, problems)
        entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
        if entry_id in ids:
            problems.append(f"{rel}: {where} repeats the id {entry_id}")
        ids.add(entry_id)
        if not feed_author and entry.find(f"{ATOM}author") is None:
            problems.append(f"{rel}: {where} has no author, and the feed has none")
        alternate = next((link.get("href") for link in entry.findall(f"{ATOM}link")
                          if link.get("rel", "alternate") == "alternate"), None)
        _check_link(site, rel, alternate, where, problems)
        for name in ("updated", "published"):
            value = (entry.findtext(f"{ATOM}{name}") or "").strip()
            if value and not RFC3339.match(value):
                problems.append(f"{rel}: {where} <{name}> {value} is not an RFC 3339 date")
    updated = (root.findtext(f"{ATOM}updated") or "").strip()
    if updated and not RFC3339.match(updated):
        problems.append(f"{rel}: the feed's <updated> {updated} is not an RFC 3339 date")


def _check_rss(site: _Site, rel: str, root: ElementTree.Element, problems: list[str]) -> None:
    channel = root.find("channel")
    if channel is None:
        problems.append(f"{rel}: RSS without a <channel>")
        return
    _require(rel, channel, ("title", "link", "description"), "the channel", problems)
    for number, item in enumerate(channel.findall("item"), start=1):
        if item.find("title") is None and item.find("description") is None:
            problems.append(f"{rel}: item {number} has neither <title> nor <description>")
        _check_link(site, rel, item.findtext("link"), f"item {number}", problems)


def _check_sitemap(site: _Site, rel: str, root: ElementTree.Element, problems: list[str],
                   news: bool = False) -> None:
    child = "url" if root.tag == f"{SITEMAP}urlset" else "sitemap"
    entries = root.findall(f"{SITEMAP}{child}")
    if not entries and not news:  # a Google News sitemap is empty when nothing is recent: Google allows it
        problems.append(f"{rel}: an empty sitemap (the schema wants at least one <{child}>)")
    if len(entries) > 50_000:
        problems.append(f"{rel}: {len(entries)} entries, more than the 50,000 a sitemap may hold")
    seen = set()
    for entry in entries:
        loc = (entry.findtext(f"{SITEMAP}loc") or "").strip()
        if loc in seen:
            problems.append(f"{rel}: {loc} is listed twice")
        seen.add(loc)
        _check_link(site, rel, loc, f"<loc> {loc}" if loc else "an entry", problems)
        lastmod = (entry.findtext(f"{SITEMAP}lastmod") or "").strip()
        if lastmod and not W3C_DATE.match(lastmod):
            problems.append(f"{rel}: <lastmod> {lastmod} is not a W3C date")


def _is_json_feed(path: Path) -> bool:
    with open(path, "rb") as handle:
        return b"jsonfeed.org/version/" in handle.read(4096)


def _check_json_feed(site: _Site, rel: str, problems: list[str]) -> None:
    try:
        feed = json.loads((site.root / rel).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{rel}: not valid JSON: {exc}")
        return
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list) or not feed.get("title"):
        problems.append(f"{rel}: a JSON Feed needs 'version', 'title' and a list of 'items'")
        return
    for key in ("home_page_url", "feed_url"):
        if key in feed:
            _check_link(site, rel, feed[key], f"'{key}'", problems)
    ids = set()
    for number, item in enumerate(feed["items"], start=1):
        where = f"item {number}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{rel}: {where} has no 'id'")
            continue
        if item["id"] in ids:
            problems.append(f"{rel}: {where} repeats the id {item['id']}")
        ids.add(item["id"])
        if not isinstance(item.get("content_html", item.get("content_text")), str):
            problems.append(f"{rel}: {where} has neither 'content_html' nor 'content_text'")
        if "url" in item:
            _check_link(site, rel, item["url"], where, problems)
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.match(str(item[key])):
                problems.append(f"{rel}: {where} '{key}' {item[key]} is not an RFC 3339 date")


def _check_robots(site: _Site, problems: list[str]) -> None:
    text = (site.root / "robots.txt").read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "sitemap":
            _check_link(site, "robots.txt", value.strip(), "Sitemap", problems)


def built_base_url(output_dir: Path, lock: bool = True) -> str | None:
    """The base URL a site was built for, read from its front page's canonical link."""
    try:
        with _settled(output_dir) if lock else nullcontext():
            canonical = _parse(os.fspath(output_dir / "index.html")).canonical
    except OSError:
        return None
    return canonical if canonical and urlsplit(canonical).scheme in ("http", "https") else None


# --- the leak guard ----------------------------------------------------------------------------------

MIN_HEADLINE = 12  # shorter headlines ("Update") are words any page may hold: only the URL and slug are looked for
_TOMBSTONE = re.compile(r"<at:deleted-entry\b.*?(?:/>|</at:deleted-entry>)", re.S)
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
ALLOWED_FOR_KILLED = ("_headers", "_redirects")  # its 410 rules name its address


def _readable(data: bytes) -> str:
    """A file's text as a reader would see it: gzip (Pagefind's fragments) opened, entities and JSON
    escapes decoded, so that an escaped headline is found too."""
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    return html.unescape(text)


def _needles(article: Withheld, base_path: str) -> list[tuple[str, re.Pattern[str]]]:
    found = [("address", re.compile(re.escape(base_path.rstrip("/") + article.url)))]
    if "-" in article.slug:  # a one-word slug ("markets") is a word other pages use
        found.append(("slug", re.compile(rf"(?<![\w-]){re.escape(article.slug)}(?![\w-])")))
    headline = " ".join(article.title.split())
    if len(headline) >= MIN_HEADLINE:
        found.append(("headline", re.compile(r"\s+".join(re.escape(w) for w in headline.split()))))
    return found


def leaks(output_dir: Path, base_path: str, files: Sequence[str], withheld: Sequence[Withheld]) -> list[str]:
    """Every output file that shows a held or killed article's address, slug or headline, as problems.

    A killed article's own address keeps its withdrawn notice, and its tombstone (``at:deleted-entry``)
    and 410 rules name it: there only its headline is a leak."""
    if not withheld:
        return []
    from sitegen.core.urls import output_path  # the URL scheme only, to know a killed article's own notice

    looked = [(w, _needles(w, base_path), output_path(w.url)) for w in withheld]
    problems = []
    for rel in files:
        try:
            text = _readable((output_dir / rel).read_bytes())
        except OSError:
            continue
        untombed = _TOMBSTONE.sub("", text) if "deleted-entry" in text else text
        for article, needles, own in looked:
            for what, pattern in needles:
                allowed = article.killed and what != "headline" and (rel == own or rel in ALLOWED_FOR_KILLED)
                if allowed or not pattern.search(untombed if article.killed else text):
                    continue
                state = "killed article" if article.killed else f"article {article.why}"
                shown = {"address": article.url, "slug": article.slug}.get(what, article.title)
                problems.append(f"{rel}: leaks the {state} {article.path}: its {what} ({shown})")
                break
    return problems
