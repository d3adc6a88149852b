"""Newsroom time: exact times, embargoes that cannot leak, expiry, kills, corrections, `sitegen schedule`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.build import BuildOptions, build
from sitegen.check import check_site
from sitegen.cli import main
from sitegen.core.config import load_config
from sitegen.core.errors import BuildFailed
from sitegen.schedule import read_record, scan, withheld_articles
from sitegen.seeds.convert import parse_seed
from tests.conftest import Page, article, read_page

ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
BEFORE = "2026-12-01T18:00:00+01:00"  # the build's "now" while the embargo holds
AFTER = "2026-12-02T10:30:00+01:00"  # ... and after it lifted (10:00)
SETTINGS = "title: Newsroom\nbase_url: https://example.org/news/\ntimezone: Europe/Paris\nsearch: false\nper_page: 10\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def newsroom() -> dict[str, str]:
    return {
        "sitegen.yaml": SETTINGS + "corrections_policy: /corrections/\n",
        "content/late.md": article("Evening floods update", date="2026-12-01T17:30:00+01:00", tags="[Floods]"),
        "content/early.md": article("Morning floods report", date="2026-12-01T08:00:00+01:00", tags="[Floods]"),
        "content/noon.md": article("Midday markets wrap", date="2026-12-01T12:00:00+01:00", tags="[Markets]",
                                   authors="[Jane Doe]"),
        "content/dateonly.md": article("Undated wire note", date="2026-12-01", tags="[Floods]"),
        "content/older.md": article("Last week in politics", date="2026-11-24T09:00:00+01:00", tags="[Politics]"),
        "content/secret.md": article("Budget revelations under embargo", date="2026-12-01T09:00:00+01:00",
                                     embargo="2026-12-02T10:00:00+01:00", tags="[Markets]", authors="[Jane Doe]",
                                     slug="budget-revelations"),
    }


def headlines(page: Page) -> list[str]:
    return [h.strip() for h in page.headings.get("h2", []) if h.strip() and h.strip() != "Topics"]


def test_same_day_stories_list_newest_first_everywhere_and_show_their_time(make_site):
    config = make_site(newsroom())
    build(config, BuildOptions(now=BEFORE))
    front = read_page(config.output_path, "/")
    order = ["Evening floods update", "Midday markets wrap", "Morning floods report", "Undated wire note",
             "Last week in politics"]
    assert headlines(front) == order
    assert "1 December 2026, 17:30 CET" in front.text
    feed = ET.parse(config.output_path / "feed.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")] == order
    rss = ET.parse(config.output_path / "rss.xml").getroot()
    assert [i.findtext("title") for i in rss.iter("item")] == order
    items = json.loads((config.output_path / "feed.json").read_text())["items"]
    assert [i["title"] for i in items] == order
    news = (config.output_path / "news-sitemap.xml").read_text()
    assert news.index("evening-floods-update") < news.index("midday-markets-wrap") < news.index("morning-floods")
    undated = read_page(config.output_path, "/2026/12/01/undated-wire-note/")
    assert '<time datetime="2026-12-01">1 December 2026</time>' in undated.html  # a date alone: no time shown


def test_an_embargoed_article_is_written_nowhere_until_its_time(make_site, capsys):
    config = make_site(newsroom())
    report = build(config, BuildOptions(now=BEFORE))
    assert report.future == [("content/secret.md", "2026-12-02T10:00:00+01:00")]
    for rel, data in snapshot(config.output_path).items():
        for needle in (b"budget-revelations", b"Budget revelations", b"Budget revelations under embargo"):
            assert needle not in data, f"{rel} leaks the embargoed article"
    tags = read_page(config.output_path, "/tags/")
    assert "Markets" in tags.text and "(2)" not in tags.text  # Markets counts only the published story
    assert check_site(config.output_path, config.base_url, withheld=withheld_articles(config)).problems == []
    assert main(["-C", str(config.root), "build", "--now", BEFORE]) == 0
    out = capsys.readouterr().out
    assert "held until 2026-12-02T10:00:00+01:00: content/secret.md" in out


def test_the_embargo_lifting_changes_only_the_pages_that_list_it_and_equals_a_clean_build(make_site, tmp_path):
    config = make_site(newsroom())
    build(config, BuildOptions(now=BEFORE))
    before = snapshot(config.output_path)
    assert read_record(config).next_change == "2026-12-02T00:00:00+01:00"  # the news window moves first
    build(config, BuildOptions(now=AFTER))  # not a no-op: the inputs are the same, but the embargo lifted
    after = snapshot(config.output_path)
    page = read_page(config.output_path, "/2026/12/01/budget-revelations/")
    assert page.headings["h1"] == ["Budget revelations under embargo"]
    assert "Budget revelations under embargo" in headlines(read_page(config.output_path, "/"))
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    url = b"/2026/12/01/budget-revelations/"
    counts = {"tags/index.html", "authors/index.html", "archive/index.html"}  # they show how many articles
    unrelated = {rel for rel in changed if url not in after[rel] and rel not in counts}
    assert unrelated == set(), "pages that do not list the article changed"
    assert {"index.html", "feed.xml", "sitemap.xml", "tags/markets/index.html"} <= changed
    # and it is what a clean build makes at that moment
    clean = tmp_path / "clean"
    shutil.copytree(config.root, clean, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))
    build(load_config(clean), BuildOptions(now=AFTER, clean=True))
    assert snapshot(clean / "public") == after


def test_schedule_prints_the_next_moment_and_a_cron_line(make_site, capsys):
    files = newsroom()
    del files["content/older.md"], files["content/late.md"], files["content/early.md"]
    files["content/noon.md"] = article("Midday markets wrap", date="2026-11-20T12:00:00+01:00")
    files["content/dateonly.md"] = article("Undated wire note", date="2026-11-20")
    files["content/secret.md"] = files["content/secret.md"].replace("2026-12-01T09", "2026-11-20T09")
    config = make_site(files)
    report = build(config, BuildOptions(now=BEFORE))
    assert report.next_change == "2026-12-02T10:00:00+01:00"
    assert main(["-C", str(config.root), "schedule"]) == 0
    out = capsys.readouterr().out
    assert "next change: 2026-12-02T10:00:00+01:00 (" in out  # "in N s", or "due N s ago" once past
    assert "the embargo on content/secret.md lifts" in out
    cron = re.search(r"cron: (\d+) (\d+) (\d+) (\d+) \* cd .* && sitegen build", out)
    local = datetime.fromisoformat("2026-12-02T10:00:00+01:00").astimezone()
    assert cron and cron.groups() == (str(local.minute), str(local.hour), str(local.day), str(local.month))
    # a fresh clone has no record: the content files say the same
    shutil.rmtree(config.cache_path)
    assert scan(config, now=BEFORE).next_change == "2026-12-02T10:00:00+01:00"


def test_a_build_after_the_recorded_moment_is_not_a_no_op(make_site):
    config = make_site(newsroom())
    build(config, BuildOptions(now=BEFORE))
    assert build(config, BuildOptions(now=BEFORE)).files.written == 0  # nothing changed: the no-op check answers
    assert build(config, BuildOptions(now=AFTER)).files.written > 0


def test_future_setting_and_flag_publish_embargoed_articles(make_site):
    config = make_site({**newsroom(), "sitegen.yaml": SETTINGS + "publish_future: true\n"})
    report = build(config, BuildOptions(now=BEFORE))
    assert report.future == [] and report.published_future == [("content/secret.md", "2026-12-02T10:00:00+01:00")]
    assert (config.output_path / "2026/12/01/budget-revelations/index.html").is_file()


def test_the_preview_shows_held_articles_with_a_banner_and_noindex_only_there(make_site):
    config = make_site(newsroom())
    build(config, BuildOptions(now=BEFORE, preview=True))
    page = read_page(config.output_path, "/2026/12/01/budget-revelations/")
    assert "EMBARGOED until 2 December 2026, 10:00 CET" in page.text
    assert '<meta name="robots" content="noindex">' in page.html
    assert "data-pagefind-body" not in page.html
    build(config, BuildOptions(now=BEFORE))  # the production build of the same folder drops it again
    assert not (config.output_path / "2026/12/01/budget-revelations/index.html").exists()


def test_an_expired_article_leaves_every_list_and_its_page_says_noindex(make_site):
    config = make_site({**newsroom(), "content/offer.md": article(
        "Limited offer story", date="2026-11-30T09:00:00+01:00", expires="2026-12-01T12:00:00+01:00")})
    build(config, BuildOptions(now="2026-12-01T11:00:00+01:00"))
    page = read_page(config.output_path, "/2026/11/30/limited-offer-story/")
    assert '<meta name="robots" content="unavailable_after: 2026-12-01T12:00:00+01:00">' in page.html
    assert "Limited offer story" in read_page(config.output_path, "/").text
    build(config, BuildOptions(now=BEFORE))
    page = read_page(config.output_path, "/2026/11/30/limited-offer-story/")
    assert '<meta name="robots" content="noindex">' in page.html and "data-pagefind-body" not in page.html
    for rel in ("index.html", "feed.xml", "sitemap.xml", "news-sitemap.xml", "2026/index.html"):
        assert b"limited-offer-story" not in (config.output_path / rel).read_bytes(), rel
    assert check_site(config.output_path, config.base_url).problems == []


def test_a_killed_article_leaves_a_410_notice_and_a_tombstone_and_nothing_else(make_site):
    config = make_site({**newsroom(), "content/bad.md": article(
        "Defamatory claims story", date="2026-11-30T09:00:00+01:00", updated="2026-12-01T09:15:00+01:00",
        status="killed", kill_note='"Withdrawn on legal advice."', tags="[Floods]")})
    build(config, BuildOptions(now=BEFORE))
    out = config.output_path
    notice = read_page(out, "/2026/11/30/defamatory-claims-story/")
    assert notice.headings["h1"] == ["Article withdrawn"] and "Withdrawn on legal advice." in notice.text
    assert "Defamatory claims story" not in notice.html and '<meta name="robots" content="noindex">' in notice.html
    assert ("/news/2026/11/30/defamatory-claims-story/ /news/2026/11/30/defamatory-claims-story/index.html 410!"
            in (out / "_redirects").read_text().splitlines())
    assert "/news/2026/11/30/defamatory-claims-story/\n  X-Robots-Tag: noindex" in (out / "_headers").read_text()
    for rel in ("sitemap.xml", "news-sitemap.xml", "rss.xml", "feed.json", "index.html", "tags/floods/index.html"):
        assert b"defamatory-claims-story" not in (out / rel).read_bytes(), rel
    for rel in ("feed.xml", "tags/floods/feed.xml"):
        feed = ET.parse(out / rel).getroot()
        assert "defamatory" not in " ".join(e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry"))
        gone = feed.find(TOMBSTONE)
        assert gone is not None, rel
        assert gone.get("ref") == "tag:example.org,2026-11-30:/2026/11/30/defamatory-claims-story/"
        assert gone.get("when") == "2026-12-01T09:15:00+01:00"
    assert check_site(out, config.base_url, withheld=withheld_articles(config)).problems == []


def test_a_correction_shows_on_the_page_in_the_feeds_json_ld_and_the_corrections_page(make_site):
    corrected = """---
title: "Midday markets wrap"
date: 2026-12-01T12:00:00+01:00
corrections:
  - date: 2026-12-01T15:20:00+01:00
    type: correction
    text: "An earlier version gave the wrong closing figure."
  - {date: 2026-12-01T16:00:00+01:00, type: update, text: "Adds the minister's reaction."}
---
Text.
"""
    config = make_site({**newsroom(), "content/noon.md": corrected})
    build(config, BuildOptions(now=BEFORE))
    out = config.output_path
    page = read_page(out, "/2026/12/01/midday-markets-wrap/")
    assert "Correction, 1 December 2026, 15:20 CET: An earlier version gave the wrong closing figure." in page.text
    assert "Update, 1 December 2026, 16:00 CET: Adds the minister's reaction." in page.text
    data = [json.loads(x) for x in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.html, re.S)]
    news = next(d for d in data if d["@type"] == "NewsArticle")
    assert news["dateModified"] == "2026-12-01T16:00:00+01:00"
    assert news["correction"] == [{"@type": "CorrectionComment", "datePublished": "2026-12-01T15:20:00+01:00",
                                   "text": "Correction: An earlier version gave the wrong closing figure."}]
    assert news["publisher"]["correctionsPolicy"] == "https://example.org/news/corrections/"
    feed = ET.parse(out / "feed.xml").getroot()
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Midday markets wrap")
    assert entry.findtext(f"{ATOM}updated") == "2026-12-01T16:00:00+01:00"
    item = next(i for i in json.loads((out / "feed.json").read_text())["items"] if i["title"] == "Midday markets wrap")
    assert item["date_modified"] == "2026-12-01T16:00:00+01:00"
    listing = read_page(out, "/corrections/")
    assert "Update, 1 December 2026, 16:00 CET, to Midday markets wrap: Adds the minister's reaction." in listing.text
    assert listing.text.index("Update, 1 December") < listing.text.index("Correction, 1 December")
    own = ET.parse(out / "corrections/feed.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in own.iter(f"{ATOM}entry")] == ["Midday markets wrap"]
    assert "wrong closing figure" in own.find(f"{ATOM}entry").findtext(f"{ATOM}content")
    assert check_site(out, config.base_url).problems == []


@pytest.mark.parametrize(("meta", "message"), [
    ({"status": "retracted"}, "content/x.md:4: 'status' must be one of published, killed, not 'retracted'"),
    ({"expires": "2023-09-18"}, "content/x.md:4: 'expires' 2023-09-18T00:00:00+00:00 is not after the article's"),
    ({"embargo": "soon"}, "content/x.md:4: 'embargo' 'soon' is not a date"),
])
def test_bad_time_fields_are_errors_at_their_line(make_site, meta, message):
    config = make_site({"content/x.md": article("A story", **meta)})
    with pytest.raises(BuildFailed) as failed:
        build(config)
    assert any(str(e).startswith(message) for e in failed.value.errors), [str(e) for e in failed.value.errors]


def test_bad_corrections_are_errors_at_the_line_of_the_note(make_site):
    text = """---
title: "A story"
date: 2023-09-19
corrections:
  - date: 2023-09-20
    type: correction
    text: "Fine."
  - date: 2023-09-21
    type: retraction
    text: "Wrong type."
  - date: 2023-09-22
---
Body.
"""
    config = make_site({"content/x.md": text})
    with pytest.raises(BuildFailed) as failed:
        build(config)
    shown = [str(e) for e in failed.value.errors]
    assert ("content/x.md:8: correction 2: 'type' must be one of correction, clarification, update, "
            "not 'retraction'") in shown
    assert any(s.startswith("content/x.md:11: correction 3 has no 'text'") for s in shown), shown


def test_a_leak_in_the_output_fails_check_naming_the_file(make_site):
    config = make_site({**newsroom(), "static/teaser.html": "<p>Coming: Budget revelations under embargo</p>\n"})
    build(config, BuildOptions(now=BEFORE))
    problems = check_site(config.output_path, config.base_url, withheld=withheld_articles(config)).problems
    assert any(p.startswith("teaser.html: leaks the article held until 2026-12-02T10:00:00+01:00 "
                            "content/secret.md: its headline") for p in problems), problems
    assert main(["-C", str(config.root), "check"]) == 1


def test_seeds_carry_a_time_on_their_first_line():
    for line, moment in [(" date 2023-09-19 14:30 Headline", "2023-09-19T14:30:00"),
                         ("date 2023-09-19T14:30:00+02:00 Headline", "2023-09-19T14:30:00+02:00"),
                         ("date 2023-09-19 9:05 Headline", "2023-09-19T09:05:00"),
                         ("date 2023-09-19 Headline", None)]:
        seed = parse_seed(f"{line}\n\nText.\n", Path("s.txt"))
        assert seed.title == "Headline"
        assert (seed.moment.isoformat() if seed.moment else None) == moment


def test_a_converted_seed_keeps_its_time_and_one_without_lists_after_the_days_timed_stories(make_site):
    config = make_site({"sitegen.yaml": SETTINGS,
                        "seeds/a.txt": " date 2023-09-19 Untimed wire copy\n\nText.\n",
                        "seeds/b.txt": " date 2023-09-19 06:15 Early timed wire\n\nText.\n"})
    build(config, BuildOptions(now="2023-09-20"))
    content = {p.name: p.read_text() for p in config.content_path.glob("*.md")}
    assert "date: 2023-09-19T06:15:00\n" in content["2023-09-19-early-timed-wire.md"]
    assert "date: 2023-09-19\n" in content["2023-09-19-untimed-wire-copy.md"]
    assert headlines(read_page(config.output_path, "/")) == ["Early timed wire", "Untimed wire copy"]


def test_schedule_run_rebuilds_when_the_embargo_lifts_and_stops_cleanly_on_ctrl_c(make_site):
    soon = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    config = make_site({"sitegen.yaml": "search: false\n",
                        "content/now.md": article("Published story", date="2023-09-19"),
                        "content/soon.md": article("Soon lifted story", date="2023-09-19",
                                                   embargo=soon.isoformat())})
    process = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "-C", str(config.root), "schedule", "--run"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    target = config.output_path / "2023/09/19/soon-lifted-story/index.html"
    try:
        deadline = time.monotonic() + 60
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert target.exists(), "the embargo lifted but the schedule did not rebuild"
        assert datetime.now(UTC) >= soon
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert f"waiting until {soon.astimezone(UTC).isoformat()}" in out
    assert "Traceback" not in err and "stopped" in err
    assert process.returncode == 0


def test_the_timeline_sorts_articles_and_finds_the_next_moment():
    from sitegen.core.model import Article
    from sitegen.core.timeline import split

    tz = ZoneInfo("Europe/Paris")

    def make(slug: str, **fields: object) -> Article:
        return Article(title=slug, date=datetime(2026, 12, 1, 9, tzinfo=tz), slug=slug, url=f"/{slug}/",
                       path=Path(f"content/{slug}.md"), fingerprint=slug, **fields)

    now = datetime(2026, 12, 1, 18, tzinfo=tz)
    held = make("held", embargo=datetime(2026, 12, 1, 20, tzinfo=tz))
    killed_early = make("killed-early", killed=True, embargo=datetime(2026, 12, 5, tzinfo=tz))
    line = split([make("plain"), held, make("gone", killed=True), killed_early,
                  make("over", expires=datetime(2026, 12, 1, 12, tzinfo=tz)),
                  make("soon", expires=datetime(2026, 12, 1, 19, tzinfo=tz))], now)
    assert [a.slug for a in line.listed] == ["plain", "soon"]
    assert [a.slug for a in line.held] == ["held", "killed-early"]  # never published: its notice would leak
    assert [a.slug for a in line.killed] == ["gone"] and [a.slug for a in line.expired] == ["over"]
    assert line.next_change == datetime(2026, 12, 1, 19, tzinfo=tz) and line.reasons == ["content/soon.md expires"]
    preview = split([held], now, preview=True)
    assert preview.listed == [held] and preview.shown_held == [held] and preview.held == []
    assert split([held], now, future=True).listed == [held]


def test_s3_marks_the_withdrawn_notice_for_a_410(tmp_path):
    from sitegen.deploy.s3 import withdrawn_files

    (tmp_path / "_redirects").write_text("/news/old/ /news/new/ 301\n"
                                         "/news/2026/11/30/x/ /news/2026/11/30/x/index.html 410!\n")
    assert withdrawn_files(tmp_path, "/news/") == {"2026/11/30/x/index.html"}


def test_deploy_refuses_while_a_file_leaks_a_held_article(make_site, tmp_path, capsys, monkeypatch):
    config = make_site({**newsroom(), "static/teaser.html": "<p>Coming: Budget revelations under embargo</p>\n"})
    www = tmp_path / "www"
    www.mkdir()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime.fromisoformat(BEFORE).timestamp())))
    assert main(["-C", str(config.root), "deploy", "--to", str(www)]) == 1
    err = capsys.readouterr().err
    assert "error: public/teaser.html: leaks the article held until 2026-12-02T10:00:00+01:00" in err
    assert "not deployed: 1 file would publish an embargoed or killed article early" in err
    assert list(www.iterdir()) == []  # nothing was uploaded
