import json
from datetime import UTC, datetime

import pytest

from sitegen.cache import Cache
from sitegen.collect import build_site
from sitegen.errors import BuildFailed
from sitegen.load import load_articles
from sitegen.render import global_signature, long_date, make_env, plan_pages, render_pages
from tests.conftest import Page, article, write_files


def site_and_outputs(config, *texts):
    write_files(config.root, {f"content/{i}.md": text for i, text in enumerate(texts)})
    cache = Cache(config.cache_path, "test")
    articles, errors = load_articles(config, cache)
    assert not errors
    site, _ = build_site(articles, config.per_page, config.title)
    env = make_env(config)
    pages = plan_pages(site, config, cache, env, global_signature(env, config))
    return {o.path: o.data.decode() for o in render_pages(pages, env)}


def test_titles_tags_and_authors_are_escaped_everywhere(make_site):
    config = make_site({})
    evil = "<script>alert(1)</script> & \"q\""
    out = site_and_outputs(config, article(evil, tags=f"[{json.dumps(evil)}]", authors=f"[{json.dumps(evil)}]"))
    for path, text in out.items():
        if path.endswith((".html", ".xml")):
            assert "<script>alert" not in text, path
    page = Page(out["2023/09/19/script-alert-1-script-q/index.html"])
    assert page.headings["h1"] == [evil]


def test_links_carry_the_base_path(make_site):
    config = make_site({}, base_url="https://example.org/news/")
    out = site_and_outputs(config, article("One", tags="[China]"))
    page = Page(out["index.html"])
    assert "/news/2023/09/19/one/" in page.links and "/news/tags/china/" in page.links
    assert [link for link in page.links if not link.startswith(("/news/", "#"))] == []
    assert '<link rel="canonical" href="https://example.org/news/">' in out["index.html"]
    assert "<loc>https://example.org/news/2023/09/19/one/</loc>" in out["sitemap.xml"]


def test_a_template_syntax_error_names_the_file_and_line(make_site):
    config = make_site({"templates/article.html": "{% extends 'base.html' %}\n{% block main %}\n{{ oops(\n"})
    with pytest.raises(BuildFailed) as caught:
        site_and_outputs(config, article())
    [error] = caught.value.errors
    assert str(error).startswith(f"{config.root / 'templates/article.html'}:3: template error: ")


def test_an_undefined_variable_names_the_file_and_line(make_site):
    config = make_site({"templates/article.html": "line one\n{{ artcle.title }}\n"})
    with pytest.raises(BuildFailed) as caught:
        site_and_outputs(config, article())
    assert str(caught.value.errors[0]) == (
        f"{config.root / 'templates/article.html'}:2: template error: 'artcle' is undefined")


def test_a_site_template_overrides_the_default_file_by_file(make_site):
    config = make_site({"templates/404.html": "custom not found {{ site.title }}\n"})
    out = site_and_outputs(config, article())
    assert out["404.html"] == "custom not found sitegen news\n"
    assert "<h1>" in out["index.html"]


def test_dates_are_spelled_without_the_locale():
    assert long_date(datetime(2023, 9, 1, tzinfo=UTC)) == "1 September 2023"
