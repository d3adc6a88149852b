"""``sitegen new`` and ``sitegen init``: start an article or a whole site. Neither ever overwrites a file.

A new article is named and de-duplicated exactly as the converter names seeds (``content/YYYY-MM-DD-<slug>.md``,
``-2`` appended when that day already has the slug), by the converter's own functions, so that the two can
never disagree about which URLs are taken.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from sitegen.content import frontmatter
from sitegen.core import urls
from sitegen.core.config import CONFIG_FILE, Config
from sitegen.core.errors import SitegenError
from sitegen.core.files import files_under
from sitegen.seeds.convert import file_name, scan_content, write_file

NEW_BODY = "Write the article here. Paragraphs are separated by blank lines; this is Markdown.\n"
SETTINGS_HELP = {
    "title": "the site's name",
    "description": "the front page's meta description and the feed's subtitle",
    "base_url": "the public address; a sub-path such as https://example.org/news/ works too",
    "language": "the site's language (fr, pt-BR): the theme's text, dates, <html lang>, the feeds'",
    "languages": "a multilingual site: each {code, name, title, base}; see docs/i18n.md",
    "timezone": "IANA zone: dates without a time are read in it, and archives bucket by it",
    "per_page": "articles per page on the front, topic, author and archive pages",
    "summary_length": "characters kept when a summary is cut from the first paragraph",
    "feed_limit": "entries per Atom feed",
    "content_dir": "Markdown articles with front matter",
    "seeds_dir": "plain-text wire copy, converted into content_dir by every build",
    "output_dir": "where `sitegen build` writes the site",
    "templates_dir": "your templates; each replaces the default theme's file of the same name",
    "static_dir": "your own files, published at the site root (static/ads.txt is /ads.txt)",
    "cache_dir": "what the last build did, so the next one redoes only what changed; safe to delete",
    "drafts": "build articles marked draft: true (same as --drafts)",
    "publish_future": "publish articles whose date or embargo is still ahead (same as --future)",
    "corrections_policy": "your corrections policy page (URL or path): the publisher's correctionsPolicy",
    "feed_content": "feeds carry each article's full text (full) or only its summary (summary)",
    "publisher": "the publisher in JSON-LD and the news sitemap; empty: the title",
    "image": "the picture shared with links to pages that have none of their own: a URL or a path",
    "search": "Pagefind full-text search at /search/",
    "fingerprint": "stylesheets named by their content (style.<hash>.css), cacheable for ever",
    "unsafe_html": "let raw HTML and javascript:/data: links in articles through, like Hugo's unsafe; "
                   "only for trusted authors",
    "deploy": "hosting targets for `sitegen deploy`: name -> settings",
    "sections": "the desks, in order: [{slug: world, name: World, description: ...}]; see docs/structure.md",
    "menu": "the main navigation: [{name: World, url: /world/}]; null: Latest, the sections, the indexes",
    "seed_section": "the section each converted seed is given (a section's slug); empty: none",
    "image_widths": "the widths (px) photos are resized to for srcset, never larger than the photo",
    "image_avif": "make AVIF besides WebP and the JPEG/PNG fallback",
}
WELCOME_BODY = """\
This example article shows what a content file looks like: front matter between the two `---` lines,
then Markdown. Edit it, or delete it once you have your own.

Write an article with `sitegen new "Your headline"`, or drop plain-text wire copy into `seeds/`
(first line `date YYYY-MM-DD Headline`): every build turns new seeds into content files.

`sitegen serve` shows the site at http://127.0.0.1:8000/ and reloads the page on every save;
`sitegen build` writes it to `public/`, ready to upload.
"""


def split_tags(text: str) -> list[str]:
    """``"China, Russia,,"`` → ``["China", "Russia"]``: the ``--tags a,b`` argument."""
    return [tag for tag in (part.strip() for part in text.split(",")) if tag]


def new_article(config: Config, headline: str, tags: Sequence[str] = (), authors: Sequence[str] = (),
                body: str = NEW_BODY, day: date | None = None, moment: datetime | None = None) -> Path:
    """Write a draft (``draft: true``) dated now to the minute with the site's offset
    (``2026-12-02T17:05:00+01:00``), with a slug no other article has that day. ``day``: that day at 00:00."""
    title = " ".join(headline.split())
    if not title:
        raise SitegenError("the headline is empty: write it in quotes, e.g. sitegen new \"Markets rally\"")
    if moment is None:
        moment = datetime.combine(day, datetime.min.time(), config.tz) if day else datetime.now(config.tz)
    moment = moment.astimezone(config.tz).replace(second=0, microsecond=0)
    day = moment.date()
    content_dir = config.content_path
    taken = scan_content(content_dir, config.root).claimed()
    base = urls.slugify(title)
    for number in range(1, 10_000):
        suffix = "" if number == 1 else f"-{number}"
        # Room for the suffix: the loader shortens a slug to MAX_SLUG, which would cut "-2" off again.
        slug = base[:urls.MAX_SLUG - len(suffix)].rstrip("-") + suffix
        path = content_dir / file_name(day, slug)
        if (day, slug) in taken or path.exists():
            continue
        meta = {"title": title, "date": moment, "authors": list(authors), "tags": list(tags), "slug": slug,
                "draft": True}
        try:
            write_file(path, frontmatter.dump(meta, body), overwrite=False)
        except FileExistsError:
            continue  # created by someone else just now: take the next number
        except OSError as exc:
            raise SitegenError(f"cannot write {path}: {exc.strerror}") from None
        return path
    raise SitegenError(f"every slug from '{base}' to '{base}-9999' is taken on {day}: choose another headline")


def settings_text(title: str) -> str:
    """A ``sitegen.yaml`` naming the site, with every other setting present, commented, at its default."""
    lines = ["# This site's settings. Every setting has a default: uncomment a line to change it.",
             f"title: {json.dumps(title, ensure_ascii=False)}"]
    for spec in dataclasses.fields(Config):
        if spec.name in ("root", "title"):
            continue
        default = spec.default if spec.default_factory is dataclasses.MISSING else spec.default_factory()
        line = f"# {spec.name}: {json.dumps(default, ensure_ascii=False)}"
        lines.append(f"{line:<48}  # {SETTINGS_HELP[spec.name]}" if spec.name in SETTINGS_HELP else line)
    return "\n".join(lines) + "\n"


def init_site(folder: Path, with_theme: bool = False, day: date | None = None) -> list[Path]:
    """Create a site in ``folder`` and return what was created; refuse before writing if anything exists."""
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise SitegenError(f"{folder} is a file: sitegen init needs a new or empty folder")
    config = Config(root=folder)
    day = day or datetime.now(config.tz).date()
    title = folder.name
    welcome = config.content_path / file_name(day, "welcome")
    files: dict[Path, str | Path] = {
        folder / CONFIG_FILE: settings_text(title),
        folder / ".gitignore": f"/{config.output_dir}/\n/{config.cache_dir}/\n/.{config.output_dir}.sitegen-lock\n",
        welcome: frontmatter.dump({"title": f"Welcome to {title}", "date": day, "authors": ["The Editors"],
                                   "tags": ["Getting started"], "slug": "welcome"}, WELCOME_BODY),
    }
    if with_theme:
        for kind, own in (("templates", config.templates_dir), ("static", config.static_dir)):
            default = config.theme_dirs(kind)[-1]
            for rel, source in files_under(default):
                files[folder / own / rel] = source
    clashes = [path for path in files if path.exists()]
    if clashes:
        shown = ", ".join(str(p.relative_to(folder)) for p in clashes[:5])
        more = f" and {len(clashes) - 5} more" if len(clashes) > 5 else ""
        raise SitegenError(f"{folder} already has {shown}{more}: sitegen init never overwrites a file; "
                           "choose a new folder")
    created: list[Path] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, Path):
                with path.open("xb") as target, data.open("rb") as original:
                    shutil.copyfileobj(original, target)
            else:
                write_file(path, data, overwrite=False)
            created.append(path)
        seeds = config.seeds_path
        seeds.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SitegenError(f"cannot create the site in {folder}: {exc.strerror} ({exc.filename})") from None
    return [*created, seeds]
