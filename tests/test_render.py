import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.core.config import Config
from sitegen.core.errors import BuildFailed
from sitegen.pages.render import global_signature, long_date, make_env
from tests.conftest import Page, article
from tests.conftest import render_texts as site_and_outputs


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


def test_the_stylesheet_is_fingerprinted_and_a_sites_own_copy_wins(make_site):
    from sitegen.pages.render import asset_names, static_files

    config = make_site({"static/style.css": "body { color: red; }\n"}, base_url="https://example.org/news/")
    [name] = asset_names(config).values()
    assert re.fullmatch(r"style\.[0-9a-f]{10}\.css", name)
    files = {o.path: o.data for o in static_files(config)}
    assert files[f"static/{name}"] == files["static/style.css"] == b"body { color: red; }\n"
    assert "static/favicon.svg" in files  # the default theme fills in what the site does not override
    out = site_and_outputs(config, article())
    assert f'<link rel="stylesheet" href="/news/static/{name}">' in out["index.html"]
    plain = site_and_outputs(make_site({}, fingerprint=False), article())
    assert '<link rel="stylesheet" href="/static/style.css">' in plain["index.html"]


def test_a_changed_stylesheet_changes_every_pages_signature(make_site):
    config = make_site({"static/style.css": "a {}\n"})
    before = global_signature(make_env(config), config)
    (config.root / "static/style.css").write_text("b {}\n", encoding="utf-8")
    assert global_signature(make_env(config), config) != before


def test_an_article_page_shows_reading_time_related_articles_and_breadcrumbs(make_site):
    config = make_site({})
    out = site_and_outputs(config, article("Grain deal", tags="[Ukraine, Wheat]", body="word " * 700),
                           article("Wheat exports", date="2023-09-18", tags="[Wheat]"),
                           article("Unrelated", date="2023-09-17", tags="[Sport]"))
    page = Page(out["2023/09/19/grain-deal/index.html"])
    assert "3 min read" in page.text
    assert page.headings["h2"][-1] == "Related articles"
    related = page.html.split('<section class="related"')[1].split("</section>")[0]
    assert "/2023/09/18/wheat-exports/" in related and "/2023/09/17/unrelated/" not in related
    crumbs = page.html.split('<nav class="breadcrumbs"')[1].split("</nav>")[0]
    assert 'href="/"' in crumbs and 'href="/tags/ukraine/"' in crumbs


def test_a_card_shows_the_first_ten_tags_and_how_many_more(make_site):
    # A card sits on each of its tags' pages: with every tag on it, 1,000 tags made 1,000 pages of 1,000 links.
    config = make_site({})
    names = [f"Topic {i}" for i in range(1234)]
    out = site_and_outputs(config, article("Many", tags=json.dumps(names)),
                           article("Ten", date="2023-09-18", tags=json.dumps(names[:10])))
    first_ten = [f"/tags/topic-{i}/" for i in range(10)]
    for path in ("index.html", "tags/topic-0/index.html", "tags/topic-9/index.html", "2023/index.html"):
        page = Page(out[path])
        cards = page.html.split('<article class="card">')[1:]
        many, ten = (Page(card) for card in cards)
        assert [link for link in many.links if link.startswith("/tags/")] == first_ten, path
        assert "and 1,224 more" in many.text, path
        assert [link for link in ten.links if link.startswith("/tags/")] == first_ten, path
        assert "more" not in ten.text, path
    story = Page(out["2023/09/19/many/index.html"])
    footer = Page(story.html.split('<footer class="story-footer"')[1].split("</footer>")[0])
    assert footer.links == [f"/tags/topic-{i}/" for i in range(1234)]  # the article page lists them all


_TEMPLATE = """{% macro shout(x) %}<b>{{ x }}</b>{% endmacro %}{% set block %}<i>{{ value }}</i>{% endset %}
<p title="{{ value }}">{{ value }} {{ safe }} {{ number }} {{ shout(value) }} {{ block }} {{ value ~ safe }}
{% filter upper %}{{ value }}{% endfilter %} {{ value|e }} {{ [value]|join(", ") }} {{ _("Latest news") }}</p>"""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "&", "<", ">", '"', "'", "é", "{", "%", " "]), max_size=12))
def test_sitegen_templates_escape_exactly_as_jinja_with_markupsafe_does(value):
    # The default environment's templates give their output's values to a faster escape (render._escaped):
    # every construct (output, attribute, macro, set block, concatenation, filter block, join) reads the
    # same bytes as Jinja's own autoescaping, and a value marked safe is never escaped twice.
    import jinja2
    from markupsafe import Markup

    ours = make_env(Config(root=Path("/nowhere"), title="T"))
    theirs = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                                keep_trailing_newline=True)
    theirs.install_null_translations(newstyle=True)
    values = {"value": value, "safe": Markup(f"<em>{value}</em>"), "number": 3}
    assert ours.from_string(_TEMPLATE).render(values) == theirs.from_string(_TEMPLATE).render(values)
