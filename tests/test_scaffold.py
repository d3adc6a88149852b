"""`sitegen new` and `sitegen init`: complete files, converter-style names, never an overwrite."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sitegen.build import build
from sitegen.cli import main
from sitegen.content import frontmatter
from sitegen.core.config import Config, load_config
from sitegen.core.errors import SitegenError
from sitegen.scaffold import init_site, new_article, settings_text, split_tags
from tests.conftest import article

DAY = date(2024, 3, 5)


def test_new_writes_complete_front_matter_under_the_converters_file_name(make_site):
    config = make_site({"sitegen.yaml": "title: T\ntimezone: Europe/Paris\n"})
    when = datetime(2024, 3, 5, 16, 5, 42, 123, tzinfo=ZoneInfo("UTC"))  # 17:05:42 in Paris
    path = new_article(config, "  Markets  rally: what’s next? ", tags=["Markets", "Economy"], authors=["Jane Doe"],
                       moment=when)
    assert path == config.content_path / "2024-03-05-markets-rally-whats-next.md"
    text = path.read_text(encoding="utf-8")
    assert "date: 2024-03-05T17:05:00+01:00\n" in text  # the full time, to the minute, with the site's offset
    meta, body, _line = frontmatter.split(text, path)
    assert meta["draft"] is True  # a new article is a draft until someone publishes it
    assert {k: v for k, v in meta.items() if k not in ("date", "draft")} == {
        "title": "Markets rally: what’s next?", "authors": ["Jane Doe"], "tags": ["Markets", "Economy"],
        "slug": "markets-rally-whats-next"}
    assert body.strip()


def test_new_never_overwrites_and_never_reuses_a_url_taken_that_day(make_site):
    config = make_site({
        "content/2024-03-05-same-headline.md": article("Same headline", date="2024-03-05"),
        # a hand-named file whose URL would clash: same day, slug from its title
        "content/hand-written.md": article("Same headline", date="2024-03-05", slug="same-headline-2"),
    })
    before = (config.content_path / "2024-03-05-same-headline.md").read_bytes()
    first = new_article(config, "Same headline", day=DAY)
    second = new_article(config, "Same headline", day=DAY)
    assert first.name == "2024-03-05-same-headline-3.md"
    assert second.name == "2024-03-05-same-headline-4.md"
    assert (config.content_path / "2024-03-05-same-headline.md").read_bytes() == before
    assert new_article(config, "Same headline", day=date(2024, 3, 6)).name == "2024-03-06-same-headline.md"


def test_a_long_headline_twice_gives_two_urls_that_build(make_site):
    config = make_site({"sitegen.yaml": "title: T\n"})
    headline = "Workers profits defence strike regulator forecast election regulator opposition again"
    first = new_article(config, headline, day=DAY)
    second = new_article(config, headline, day=DAY)
    assert first.name != second.name and second.name.endswith("-2.md")
    assert len(second.name) <= len("2024-03-05-.md") + 80
    assert build(dataclasses.replace(config, drafts=True)).articles == 2  # drafts, as new writes them


def test_new_dates_the_article_today_in_the_sites_timezone(make_site):
    config = make_site({"sitegen.yaml": "timezone: Pacific/Kiritimati\n"})  # UTC+14: often tomorrow already
    path = new_article(config, "Dated")
    assert path.name.startswith(datetime.now(config.tz).date().isoformat())


def test_a_new_article_builds(make_site):
    config = make_site({"sitegen.yaml": "title: T\n"})
    path = new_article(config, "Built at once", tags=split_tags("One, Two,,"), day=DAY)
    assert build(config).articles == 0  # a draft: not published until its writer says so
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    report = build(config)
    assert report.articles == 1 and report.tags == 2
    assert (config.output_path / "2024/03/05/built-at-once/index.html").is_file()


def test_an_empty_headline_is_an_error(make_site):
    config = make_site({})
    with pytest.raises(SitegenError, match="headline is empty"):
        new_article(config, "  \n ")


def test_new_on_the_command_line_prints_the_path(tmp_path, capsys):
    (tmp_path / "sitegen.yaml").write_text("title: T\n", encoding="utf-8")
    assert main(["-C", str(tmp_path), "new", "Hello there", "--tags", "a,b", "--author", "Ann"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("content/") and printed.endswith("-hello-there.md")
    meta, _body, _line = frontmatter.split((tmp_path / printed).read_text(encoding="utf-8"), printed)
    assert meta["tags"] == ["a", "b"] and meta["authors"] == ["Ann"]


def test_split_tags():
    assert split_tags(" China, Russia ,,United Nations ") == ["China", "Russia", "United Nations"]
    assert split_tags("") == []


def test_init_makes_a_site_that_builds_with_the_default_theme(tmp_path):
    created = init_site(tmp_path / "mysite", day=DAY)
    site = tmp_path / "mysite"
    assert {p.relative_to(site).as_posix() for p in created} == {
        "sitegen.yaml", ".gitignore", "content/2024-03-05-welcome.md", "seeds"}
    assert list((site / "seeds").iterdir()) == []
    assert not (site / "templates").exists() and not (site / "static").exists()
    config = load_config(site)
    assert config.title == "mysite"
    report = build(config)
    assert report.articles == 1
    assert "Welcome to mysite" in (site / "public/2024/03/05/welcome/index.html").read_text(encoding="utf-8")


def test_the_settings_file_lists_every_setting_at_its_default(tmp_path):
    text = settings_text("Daily")
    for spec in dataclasses.fields(Config):
        if spec.name not in ("root", "title"):
            assert f"# {spec.name}: " in text, spec.name
    (tmp_path / "sitegen.yaml").write_text(text, encoding="utf-8")
    assert load_config(tmp_path) == Config(root=tmp_path.resolve(), title="Daily")
    uncommented = "\n".join(line.removeprefix("# ") for line in text.splitlines()[1:])
    (tmp_path / "sitegen.yaml").write_text(uncommented, encoding="utf-8")
    assert load_config(tmp_path) == Config(root=tmp_path.resolve(), title="Daily")


def test_init_with_theme_copies_templates_and_static_and_the_copy_builds(tmp_path):
    site = tmp_path / "themed"
    created = init_site(site, with_theme=True, day=DAY)
    default = Config(root=site).theme_dirs("templates")[-1]
    assert (site / "templates/base.html").read_bytes() == (default / "base.html").read_bytes()
    assert (site / "static/style.css").is_file()
    assert site / "templates/partials/card.html" in created
    assert build(load_config(site)).articles == 1


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    site = tmp_path / "existing"
    site.mkdir()
    (site / "sitegen.yaml").write_text("title: Mine\n", encoding="utf-8")
    with pytest.raises(SitegenError, match=r"already has sitegen.yaml: sitegen init never overwrites"):
        init_site(site)
    assert sorted(p.name for p in site.iterdir()) == ["sitegen.yaml"]
    assert (site / "sitegen.yaml").read_text(encoding="utf-8") == "title: Mine\n"


def test_init_on_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "paper"]) == 0
    out = capsys.readouterr().out
    assert "created paper/sitegen.yaml" in out and "created paper/seeds/" in out
    assert out.strip().endswith("next: cd paper && sitegen serve")
    assert main(["init", "paper"]) == 1
    assert "sitegen init never overwrites" in capsys.readouterr().err


def test_new_and_convert_share_one_view_of_taken_urls(make_site):
    config = make_site({"sitegen.yaml": "search: false\n",
                        "seeds/wire.txt": " date 2024-03-05 Markets rally\n\nBy Reuters\n\nText.\n"})
    written = build(config).converted
    assert [p.name for p in written] == ["2024-03-05-markets-rally.md"]
    path = new_article(config, "Markets rally", day=DAY)
    assert path.name == "2024-03-05-markets-rally-2.md"
    # and the converter, for a second seed with that headline, skips both
    (config.seeds_path / "wire2.txt").write_text(" date 2024-03-05 Markets rally\n\nBy AFP\n\nMore.\n")
    assert [p.name for p in build(config).converted] == ["2024-03-05-markets-rally-3.md"]
    assert build(config).articles == 2  # and the draft sitegen new wrote
