"""Every reader's language (issue #18): the theme through gettext catalogs, dates and plurals by Babel, a
site's own translations, right-to-left pages, tag inference per language and multilingual sites."""

from __future__ import annotations

import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sitegen.build import BuildOptions, build
from sitegen.cli import main
from sitegen.core import i18n
from sitegen.core.config import load_config
from sitegen.core.errors import BuildFailed
from tests.conftest import Page, article, write_files

SETTINGS = """\
title: Le Quotidien
base_url: https://example.org/
language: {language}
timezone: Europe/Paris
sections:
  - {{slug: monde, name: Monde}}
"""


def site_in(tmp_path: Path, language: str, extra: dict[str, str] | None = None, search: bool = False) -> Path:
    """A small site in ``language``: sections, tags, authors, a correction, an undated page; without the
    search index unless asked (the search page is there either way: its text is the theme's)."""
    long_body = " ".join(["mot"] * 700)  # three minutes at 230 words a minute
    write_files(tmp_path, {
        "sitegen.yaml": SETTINGS.format(language=language) + ("" if search else "search: false\n"),
        "content/2023-09-19-sommet.md": article("Sommet à Moscou", date="2023-09-19T14:30:00", section="monde",
                                                 tags="[Russie, Chine]", authors="[Jean Dupont, Marie Curie, AFP]",
                                                 updated="2023-09-20T09:00:00",
                                                 corrections='[{date: "2023-09-20T09:00:00", text: "Le titre."}]',
                                                 body=long_body),
        "content/2023-09-18-vote.md": article("Vote à Paris", date="2023-09-18", tags="[Russie]", body="Court."),
        "content/2023-08-01-ete.md": article("L’été", date="2023-08-01", tags="[Chine]", body="Un mot."),
        "content/pages/a-propos.md": "---\ntitle: À propos\nupdated: 2023-09-01\n---\nNous.\n",
        **(extra or {}),
    })
    return tmp_path


def read(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in (site / "public").rglob("*.html") if "pagefind" not in p.parts)


# --- one language: French, every page kind -----------------------------------------------------------------

ENGLISH_LEFT = ["Latest news", "Topics", "min read", "Related articles", "Skip to content", "Previous article",
                "All articles by date", "Page not found", "No articles yet", "Authors", "Archive", " By ",
                "September", "Search every", "Home"]


def test_a_french_site_speaks_french_on_every_page_kind(tmp_path):
    site = site_in(tmp_path, "fr", search=True)
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    story = Page(read(site, "2023/09/19/sommet-a-moscou/index.html"))
    assert '<html lang="fr">' in story.html and 'dir="rtl"' not in story.html
    assert "19 septembre 2023, 14:30 CEST" in story.text
    assert "Mis à jour le 20 septembre 2023, 09:00 CEST" in story.text
    assert "3 min de lecture" in story.text
    assert "Par Jean Dupont, Marie Curie et AFP" in story.text  # CLDR's list pattern
    assert "Corrections et mises à jour" in story.text and "Correction" in story.text
    assert Page(read(site, "index.html")).headings["h1"] == ["Dernières nouvelles"]
    assert "Thèmes" in read(site, "tags/index.html") and "Auteurs" in read(site, "authors/index.html")
    archive = Page(read(site, "2023/09/index.html"))
    assert archive.headings["h1"] == ["septembre 2023"]
    assert "<title>septembre 2023 – Le Quotidien</title>" in archive.html
    assert "19 septembre 2023" in Page(read(site, "2023/09/19/index.html")).headings["h1"][0]
    assert "août 2023" in read(site, "archive/index.html")
    assert Page(read(site, "404.html")).headings["h1"] == ["Page introuvable"]
    search = read(site, "search/index.html")
    assert "Chercher dans Le Quotidien" in search and '"searching": "Recherche…"' in search
    assert '"results": {"one": "%(num)s résultat"' in search  # the plural forms the page's script picks from
    assert "Mis à jour le 1 septembre 2023" in Page(read(site, "a-propos/index.html")).text
    assert "Accueil" in read(site, "monde/index.html") and "Flux pour Monde" in read(site, "monde/index.html")
    nav = Page(read(site, "index.html"))
    assert "À la une" in nav.text and "Archives" in nav.text and "Recherche" in nav.text
    for page in html_pages(site):  # no page kind left with the theme's English
        text = Page(page.read_text(encoding="utf-8")).text
        left = [w for w in ENGLISH_LEFT if re.search(rf"(?<!\w){re.escape(w.strip())}(?!\w)", text)]
        assert not left, f"{page.relative_to(site)}: {left}"


def test_a_french_sites_feeds_and_news_sitemap_say_fr(tmp_path):
    site = site_in(tmp_path, "fr")
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    atom = ElementTree.fromstring(read(site, "feed.xml"))
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert "<language>fr</language>" in read(site, "rss.xml")
    assert '"language": "fr"' in read(site, "feed.json")
    assert "<news:language>fr</news:language>" in read(site, "news-sitemap.xml")
    corrections = read(site, "corrections/feed.xml")
    assert "<title>Le Quotidien : corrections</title>" in corrections
    assert "Correction, 20 septembre 2023, 09:00 CEST: Le titre." in corrections


@pytest.mark.parametrize(("language", "date", "minutes"), [
    ("de", "19. September 2023, 14:30 CEST", "3 Min. Lesezeit"),
    ("zh", "2023年9月19日 14:30 CEST", "阅读约需 3 分钟"),
    ("es", "19 de septiembre de 2023, 14:30 CEST", "3 min de lectura"),
    ("ru", "19 сентября 2023\u202fг., 14:30 CEST", "3 мин чтения"),
])
def test_dates_and_reading_time_in_the_sites_language(tmp_path, language, date, minutes):
    site = site_in(tmp_path, language)
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    story = Page(read(site, "2023/09/19/sommet-a-moscou/index.html"))
    assert date in story.text and minutes in story.text


def test_plural_forms_follow_the_language():
    russian = i18n.language("ru")
    forms = [russian.ngettext("%(num)s result", "%(num)s results", n) % {"num": n} for n in (1, 3, 5, 21)]
    assert forms == ["1 результат", "3 результата", "5 результатов", "21 результат"]
    arabic = i18n.language("ar")
    assert arabic.ngettext("%(num)s result", "%(num)s results", 2) == "نتيجتان"
    assert set(arabic.plural_forms("%(num)s result", "%(num)s results")) == {"zero", "one", "two", "few", "many",
                                                                             "other"}
    assert i18n.language("en").ngettext("%(num)s result", "%(num)s results", 1) == "%(num)s result"
    assert i18n.language("de").number(1234567) == "1.234.567"


def test_an_english_site_keeps_its_spelling_of_dates(tmp_path):
    site = site_in(tmp_path, "en")
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    story = Page(read(site, "2023/09/19/sommet-a-moscou/index.html"))
    assert "19 September 2023, 14:30 CEST" in story.text and "3 min read" in story.text
    assert "By Jean Dupont, Marie Curie and AFP" in story.text


def test_every_shipped_catalog_is_complete():
    messages = i18n.theme_messages()
    assert len(messages) > 80
    for code in i18n.SHIPPED:
        assert i18n.language(code).untranslated() == [], code
        catalog = i18n._shipped(code)
        assert set(messages) <= set(catalog), code


# --- a site's own translations; what is missing ---------------------------------------------------------------


def test_a_sites_own_file_overrides_any_string(tmp_path):
    site = site_in(tmp_path, "fr", {"i18n/fr.yaml": '"Latest news": "À la une aujourd’hui"\n'
                                                    '"%(num)s min read": ["%(num)s minute", "%(num)s mn"]\n'})
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    assert Page(read(site, "index.html")).headings["h1"] == ["À la une aujourd’hui"]
    assert "3 mn" in Page(read(site, "2023/09/19/sommet-a-moscou/index.html")).text
    assert "1 minute" in Page(read(site, "2023/09/18/vote-a-paris/index.html")).text
    (site / "i18n/fr.yaml").write_text('"Latest news": "Dernière heure"\n', encoding="utf-8")
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))  # an edit of the file rebuilds the pages
    assert Page(read(site, "index.html")).headings["h1"] == ["Dernière heure"]


def test_a_language_without_a_catalog_falls_back_to_english_and_check_lists_the_strings(tmp_path, capsys):
    site = site_in(tmp_path, "it", {"i18n/it.yaml": '"Latest news": "Ultime notizie"\n'})
    report = build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    assert any("language 'it'" in w and "show in English" in w for w in report.warnings)
    assert Page(read(site, "index.html")).headings["h1"] == ["Ultime notizie"]
    story = Page(read(site, "2023/09/19/sommet-a-moscou/index.html"))
    assert "19 settembre 2023" in story.text and "3 min read" in story.text  # Babel's date, English text
    assert main(["-C", str(site), "check"]) == 0
    out = capsys.readouterr().out
    assert "untranslated:" in out and '"Topics": ""' in out and '"%(num)s min read": ""' in out
    assert '"Latest news"' not in out


def test_a_french_site_lists_nothing_untranslated(tmp_path, capsys):
    site = site_in(tmp_path, "fr")
    report = build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    assert not [w for w in report.warnings if "language" in w]
    assert main(["-C", str(site), "check"]) == 0
    assert "untranslated" not in capsys.readouterr().out


def test_a_bad_language_or_translation_file_is_an_error_naming_it(tmp_path, capsys):
    site = site_in(tmp_path, "xx-nowhere")
    assert main(["-C", str(site), "build"]) == 1
    assert "sitegen.yaml:3: language 'xx-nowhere' is not a language" in capsys.readouterr().err
    site = site_in(tmp_path, "fr", {"i18n/fr.yaml": '"Topics": "Thèmes"\n"Home": {a: b}\n'})
    with pytest.raises(BuildFailed) as failed:
        build(load_config(site), BuildOptions(jobs=1))
    assert [str(e) for e in failed.value.errors] == [
        "i18n/fr.yaml:2: the translation of 'Home' must be text (or, for a plural, a list of its forms)"]


def test_the_extraction_finds_every_string_the_catalogs_hold():
    """``python -m sitegen.core.i18n`` rebuilds sitegen.pot from the templates and code: it must list what the
    shipped template lists (a string wrapped without rerunning it would be missing from every catalog)."""
    repo = Path(__file__).resolve().parent.parent
    extracted = i18n.extract(repo / "templates", repo / "sitegen")
    ids = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in extracted if m.id)
    assert ids == sorted(i18n.theme_messages())


# --- right to left -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "he", "fa", "ur"])
def test_right_to_left_sites_carry_dir_rtl(tmp_path, language):
    site = site_in(tmp_path, language)
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    for page in html_pages(site):
        assert f'<html lang="{language}" dir="rtl">' in page.read_text(encoding="utf-8"), page


def test_the_stylesheet_uses_logical_properties_only():
    css = (Path(__file__).resolve().parent.parent / "static/style.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"\b(left|right)\b", rules), "physical left/right in the theme's CSS: use inline-start/end"


@pytest.mark.browser
def test_an_arabic_site_mirrors_in_chromium(tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{chromium} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{chromium} is not installed")
    from playwright.sync_api import sync_playwright

    from tests.test_site_quality import serve

    shots = {}
    for language in ("ar", "en"):
        site = site_in(tmp_path / language, language)
        build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
        (tmp_path / f"web-{language}").mkdir()
        with serve(site / "public", "/", tmp_path / f"web-{language}") as start, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(f"{start}2023/09/19/sommet-a-moscou/")
                shots[language] = page.evaluate("""() => {
                    const box = (s) => document.querySelector(s).getBoundingClientRect();
                    const title = box('.site-title'), nav = box('.masthead nav li'), h1 = box('.story-header h1');
                    const older = document.querySelector('.prev-next .older');
                    return {dir: getComputedStyle(document.documentElement).direction, width: innerWidth,
                            title: [title.left, title.right], nav: [nav.left, nav.right], h1: [h1.left, h1.right],
                            older: older ? older.getBoundingClientRect().left : null};
                }""")
                page.screenshot(path=str(tmp_path / f"article-{language}.png"), full_page=True)
            finally:
                browser.close()
    ar, en = shots["ar"], shots["en"]
    assert (ar["dir"], en["dir"]) == ("rtl", "ltr")
    # English: the site's name on the left, the menu after it; Arabic: the name on the right, the menu left of it.
    assert en["title"][0] < en["width"] / 2 < ar["title"][1]
    assert en["title"][1] <= en["nav"][0] and ar["nav"][1] <= ar["title"][0]
    assert abs((ar["width"] - ar["title"][1]) - en["title"][0]) < 2  # the same margin, on the other side
    assert abs((ar["width"] - ar["h1"][1]) - en["h1"][0]) < 2  # the headline starts at the right edge
    assert (tmp_path / "article-ar.png").stat().st_size > 10_000


# --- tag inference per language ------------------------------------------------------------------------------

FRENCH = ["Selon Emmanuel Macron, la France soutiendra l’Ukraine. Mais Emmanuel Macron a prévenu Moscou.",
          "Le Président Macron a parlé. Lundi, Le Monde a rapporté ses propos."]
GERMAN = ["Die Bundesregierung Berlin teilte am Montag mit, die Ukraine erhalte Hilfe. Der Bundeskanzler "
          "Olaf Scholz sagte, die Ukraine brauche Geld. Die Bundesregierung Berlin bestätigte das.",
          "Olaf Scholz sprach mit der Presse. Neue Gespräche Folgen. Neue Gespräche Folgen bald."]


def test_tag_inference_follows_each_languages_capitals():
    from sitegen.seeds.tagging import infer_tags, names_inferred

    french = infer_tags("La France et l’Ukraine", FRENCH, "fr")
    assert "Emmanuel Macron" in french and "Ukraine" in french
    assert not [t for t in french if t.split()[0] in ("Selon", "Mais", "Le", "Lundi")]
    # German capitalises every noun: no "names" made of nouns, only what the gazetteer knows.
    german = infer_tags("Hilfe für die Ukraine", GERMAN, "de")
    assert german == ["Ukraine", "Germany"]  # Berlin is Germany's capital
    assert "Neue Gespräche Folgen" in infer_tags("Hilfe für die Ukraine", GERMAN, "en")  # as English rules would
    arabic = ["قال الأمين العام لحلف NATO إن الحلف سيجتمع. وأكد NATO ذلك.", "وقالت موسكو إن الاجتماع مهم."]
    assert infer_tags("اجتماع الحلف", arabic, "ar") == ["NATO"]
    assert infer_tags("会议", ["北京 会议 NATO。", "NATO 表示。"], "zh") == ["NATO"]
    assert names_inferred("fr-CA") and names_inferred("ru") and not names_inferred("de")
    assert not names_inferred("ar") and not names_inferred("zh")


@pytest.mark.parametrize(("language", "title", "body"), [
    ("fr", "L’Élysée « prudent » après le sommet", "Selon Emmanuel Macron, rien n’est <b>décidé</b>. "
                                                    "Emmanuel Macron l’a redit *mardi*."),
    ("ru", "Кремль: переговоры «продолжатся»", "Как заявил Дмитрий Песков, переговоры продолжатся. Песков "
                                              "добавил: <script>нет</script>."),
    ("ar", "الكرملين: المحادثات «ستستمر»", "قال المتحدث إن المحادثات ستستمر. وأضاف: <i>لا جديد</i>."),
])
def test_a_seed_in_another_language_converts_literally(tmp_path, language, title, body):
    site = site_in(tmp_path, language, {"seeds/001.txt": f" date 2023-09-19 {title}\n\nBy Staff, Agencies\n\n{body}\n"})
    build(load_config(site), BuildOptions(jobs=1, now="2023-09-20"))
    (content,) = [p for p in (site / "content").glob("2023-09-19-*.md") if p.name != "2023-09-19-sommet.md"]
    text = content.read_text(encoding="utf-8")
    assert "lang:" not in text  # the site's own language: nothing to say
    page = Page(read(site, f"{content.stem[:4]}/09/19/{content.stem[11:]}/index.html"))
    assert page.headings["h1"] == [title]
    assert body in page.text  # every character as written, markup shown as text
    if language == "fr":
        assert "Emmanuel Macron" in text.split("tags:")[1].splitlines()[0]


# --- multilingual sites ----------------------------------------------------------------------------------------


def multilingual_site(base_url: str = "https://example.org/news/", default_base: str = "") -> dict[str, str]:
    """English and Spanish: three stories translated (by file name, by folder, by translation_key), one in
    English only, an About page in both."""
    base = f", base: {default_base}" if default_base else ""
    return {
        "sitegen.yaml": f"""\
            title: World News
            base_url: {base_url}
            language: en
            languages:
              - {{code: en, name: English{base}}}
              - {{code: es, name: Español, title: Noticias del Mundo, description: Noticias de todo el mundo.}}
            sections:
              - {{slug: world, name: World}}
            """,
        "content/2024-01-01-summit.md": article("Summit opens in Moscow", date="2024-01-01T10:00:00", section="world",
                                                 tags="[Russia]", authors="[Ann Lee]", body="The summit opened."),
        "content/2024-01-01-summit.es.md": article("Se abre la cumbre en Moscú", date="2024-01-01T11:00:00",
                                                    section="world", tags="[Rusia]", authors="[Ana López]",
                                                    body="La cumbre se abrió."),
        "content/2024-01-02-vote.md": article("Vote counted", date="2024-01-02T10:00:00", tags="[Russia]",
                                               body="The votes were counted."),
        "content/es/2024-01-02-vote.md": article("Votos contados", date="2024-01-02T11:00:00", tags="[Rusia]",
                                                  body="Se contaron los votos."),
        "content/2024-01-03-final.md": article("Final won", date="2024-01-03T10:00:00", translation_key="final",
                                                body="The final was won."),
        "content/final-es.md": article("Final ganada", date="2024-01-03T12:00:00", lang="es",
                                        translation_key="final", body="Se ganó la final."),
        "content/2024-01-04-only.md": article("Only in English", date="2024-01-04T10:00:00", body="English only."),
        "content/pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
        "content/pages/about.es.md": "---\ntitle: Acerca de\n---\nSobre nosotros.\n",
    }


PAIRS = [("2024/01/01/summit-opens-in-moscow/", "es/2024/01/01/se-abre-la-cumbre-en-moscu/"),
         ("2024/01/02/vote-counted/", "es/2024/01/02/votos-contados/"),
         ("2024/01/03/final-won/", "es/2024/01/03/final-ganada/"),
         ("about/", "es/about/"), ("", "es/"), ("tags/", "es/tags/"), ("world/", "es/world/")]


def alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def switcher(html: str) -> dict[str, str]:
    nav = html.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    return {code: href for href, code in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav)}


@pytest.fixture
def two_languages(tmp_path):
    write_files(tmp_path, multilingual_site())
    build(load_config(tmp_path), BuildOptions(jobs=1, now="2024-01-04"))
    return tmp_path


def test_each_translation_links_the_other_both_ways(two_languages):
    site = two_languages
    for english, spanish in PAIRS:
        en, es = read(site, f"{english}index.html"), read(site, f"{spanish}index.html")
        assert '<html lang="en">' in en and '<html lang="es">' in es
        links = {"en": f"https://example.org/news/{english}", "es": f"https://example.org/news/{spanish}",
                 "x-default": f"https://example.org/news/{english}"}
        assert alternates(en) == links and alternates(es) == links  # reciprocal, with x-default
        assert switcher(en) == switcher(es) == {"en": f"/news/{english}", "es": f"/news/{spanish}"}
        for href in switcher(en).values():  # every switcher link resolves to a built page
            assert (site / "public" / href.removeprefix("/news/") / "index.html").is_file()
    only = read(site, "2024/01/04/only-in-english/index.html")
    assert alternates(only) == {}  # no translation: no hreflang
    assert switcher(only) == {"en": "/news/2024/01/04/only-in-english/", "es": "/news/es/"}
    assert not (site / "public/es/2024/01/04").exists()


def test_each_language_has_its_own_pages_feeds_news_sitemap_and_404(two_languages):
    site = two_languages
    front = Page(read(site, "es/index.html"))
    assert front.headings["h1"] == ["Últimas noticias"] and "<title>Noticias del Mundo</title>" in front.html
    assert [a for a in front.links if "/2024/01/" in a and a.count("/") > 6] == [
        "/news/es/2024/01/03/final-ganada/", "/news/es/2024/01/02/votos-contados/",
        "/news/es/2024/01/01/se-abre-la-cumbre-en-moscu/"]
    assert "Rusia" in read(site, "es/tags/rusia/index.html") and not (site / "public/es/tags/russia").exists()
    english = ElementTree.fromstring(read(site, "feed.xml"))
    spanish = ElementTree.fromstring(read(site, "es/feed.xml"))
    atom = "{http://www.w3.org/2005/Atom}"
    assert spanish.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert [e.find(f"{atom}title").text for e in spanish.iter(f"{atom}entry")] == [
        "Final ganada", "Votos contados", "Se abre la cumbre en Moscú"]
    assert [e.find(f"{atom}title").text for e in english.iter(f"{atom}entry")] == [
        "Only in English", "Final won", "Vote counted", "Summit opens in Moscow"]
    assert spanish.find(f"{atom}title").text == "Noticias del Mundo"
    assert "<language>es</language>" in read(site, "es/rss.xml")
    news = read(site, "es/news-sitemap.xml")
    assert "<news:language>es</news:language>" in news and "Final ganada" in news and "Final won" not in news
    assert "<news:language>en</news:language>" in read(site, "news-sitemap.xml")
    assert Page(read(site, "es/404.html")).headings["h1"] == ["Página no encontrada"]
    assert Page(read(site, "404.html")).headings["h1"] == ["Page not found"]
    robots = read(site, "robots.txt")
    for name in ("sitemap.xml", "news-sitemap.xml", "es/sitemap.xml", "es/news-sitemap.xml"):
        assert f"Sitemap: https://example.org/news/{name}\n" in robots
    assert not (site / "public/es/robots.txt").exists()
    assert 'href="/news/static/style.' in read(site, "es/index.html")  # the theme's assets stay at the root


def test_the_sitemaps_carry_reciprocal_hreflang(two_languages):
    site = two_languages
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    found = {}
    for name in ("sitemap.xml", "es/sitemap.xml"):
        for url in ElementTree.fromstring(read(site, name)).findall("s:url", ns):
            found[url.find("s:loc", ns).text] = {x.get("hreflang"): x.get("href") for x in url.findall("x:link", ns)}
    for english, spanish in PAIRS:
        en, es = f"https://example.org/news/{english}", f"https://example.org/news/{spanish}"
        assert found[en] == found[es] == {"en": en, "es": es, "x-default": en}
    assert found["https://example.org/news/2024/01/04/only-in-english/"] == {}


def test_each_language_has_its_own_search_index(two_languages):
    import json

    site = two_languages
    for folder, language in (("", "en"), ("es/", "es")):
        bundle = site / "public" / folder / "pagefind"
        shards = json.loads((bundle / "shards.json").read_text())["shards"]
        for shard in shards:
            entry = json.loads((bundle / shard["path"] / "pagefind-entry.json").read_text())
            assert list(entry["languages"]) == [language]
    search = read(site, "es/search/index.html")
    assert 'data-bundle="/news/es/pagefind/"' in search and 'data-base="/news/es/"' in search


def test_a_multilingual_site_under_the_root_and_with_its_default_language_in_a_folder(tmp_path):
    write_files(tmp_path, multilingual_site("https://example.org/", default_base="/en/"))
    build(load_config(tmp_path), BuildOptions(jobs=1, now="2024-01-04"))
    root = read(tmp_path, "index.html")
    assert 'http-equiv="refresh" content="0; url=/en/"' in root
    story = read(tmp_path, "en/2024/01/03/final-won/index.html")
    assert alternates(story) == {"en": "https://example.org/en/2024/01/03/final-won/",
                                 "es": "https://example.org/es/2024/01/03/final-ganada/",
                                 "x-default": "https://example.org/en/2024/01/03/final-won/"}
    assert "Sitemap: https://example.org/en/sitemap.xml" in read(tmp_path, "robots.txt")


def test_an_edit_in_one_language_rebuilds_as_a_clean_build(tmp_path):
    import filecmp
    import shutil

    site, fresh = tmp_path / "site", tmp_path / "fresh"
    write_files(site, multilingual_site())
    build(load_config(site), BuildOptions(jobs=1, now="2024-01-04"))
    story = site / "content/es/2024-01-02-vote.md"
    story.write_text(story.read_text().replace("Votos contados", "Votos ya contados"), encoding="utf-8")
    (site / "content/2024-01-04-only.es.md").write_text(article("Solo ahora en español", date="2024-01-04"),
                                                         encoding="utf-8")
    build(load_config(site), BuildOptions(jobs=1, now="2024-01-04"))
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))
    build(load_config(fresh), BuildOptions(jobs=1, now="2024-01-04"))
    a, b = site / "public", fresh / "public"
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    _match, differ, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert differ == [] and errors == []
    assert alternates(read(site, "2024/01/04/only-in-english/index.html"))["es"].endswith(
        "/es/2024/01/04/solo-ahora-en-espanol/")


def test_multilingual_mistakes_are_errors_naming_the_file(tmp_path):
    files = multilingual_site()
    files["content/x.md"] = article("Otra", date="2024-01-05", lang="it")
    files["content/y.md"] = article("Otra final", date="2024-01-05", lang="es", translation_key="final")
    write_files(tmp_path, files)
    with pytest.raises(BuildFailed) as failed:
        build(load_config(tmp_path), BuildOptions(jobs=1))
    assert [str(e) for e in failed.value.errors] == [
        "content/x.md:4: lang 'it' is not one of the site's languages (en, es)",
        "content/y.md:5: content/final-es.md is already the 'es' version of this article (the same translation_key "
        "or file name): give one of them another translation_key"]
    write_files(tmp_path, {"sitegen.yaml": "language: fr\nlanguages:\n  - {code: en, name: English}\n"
                                           "  - {code: es, base: /world/}\nsections: [World]\n"})
    with pytest.raises(BuildFailed) as failed:
        load_config(tmp_path)
    assert [str(e).removeprefix(f"{tmp_path}/") for e in failed.value.errors] == [
        "sitegen.yaml:1: language 'fr' is not one of 'languages' (en, es): set language: to the default one",
        "sitegen.yaml:2: the base of language 'es' (/world/) is also a section or a folder of every site: give it "
        "another base"]


@pytest.mark.browser
def test_each_languages_search_page_finds_only_its_own_articles_in_chromium(two_languages, tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{chromium} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{chromium} is not installed")
    from playwright.sync_api import sync_playwright

    from tests.test_site_quality import serve

    (tmp_path / "web").mkdir()
    with serve(two_languages / "public", "/news/", tmp_path / "web") as start, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{start}es/search/?q=final")
            result = page.wait_for_selector(".search-result h2 a", timeout=15_000)
            assert result.get_attribute("href") == "/news/es/2024/01/03/final-ganada/"
            page.wait_for_function("() => document.querySelector('#search [role=status]').textContent.length > 0")
            assert page.inner_text("#search [role=status]") == "1 resultado para «final»"
            assert page.eval_on_selector_all(".search-result h2 a", "links => links.length") == 1
            page.goto(f"{start}search/?q=final")
            result = page.wait_for_selector(".search-result h2 a", timeout=15_000)
            assert result.get_attribute("href") == "/news/2024/01/03/final-won/"
            page.wait_for_function("() => /result/.test(document.querySelector('#search [role=status]').textContent)")
            assert page.inner_text("#search [role=status]") == "1 result for “final”"
            assert errors == []
        finally:
            browser.close()


def test_seeds_of_a_multilingual_site_take_the_language_their_name_or_folder_gives(tmp_path, capsys):
    files = multilingual_site()
    italian = "- {code: it, name: Italiano}\n              - {code: es,"
    files["sitegen.yaml"] = files["sitegen.yaml"].replace("- {code: es,", italian)
    files["seeds/es/001.txt"] = (" date 2024-01-05 Según Pedro Sánchez, la cumbre «sigue»\n\nBy Staff\n\n"
                                 "Según Pedro Sánchez, la cumbre sigue. Pedro Sánchez habló en Madrid.\n")
    files["seeds/002.it.txt"] = " date 2024-01-05 Il vertice continua\n\nBy Staff\n\nIl vertice continua a Roma.\n"
    files["seeds/003.txt"] = " date 2024-01-05 The summit goes on\n\nBy Staff\n\nThe summit goes on in Moscow.\n"
    write_files(tmp_path, files)
    report = build(load_config(tmp_path), BuildOptions(jobs=1, now="2024-01-05"))
    assert any("language 'it'" in w for w in report.warnings)  # no shipped Italian catalog
    spanish = (tmp_path / "content/2024-01-05-segun-pedro-sanchez-la-cumbre-sigue.md").read_text(encoding="utf-8")
    assert 'lang: "es"' in spanish and "tags: [Pedro Sánchez]" in spanish
    assert 'lang: "it"' in (tmp_path / "content/2024-01-05-il-vertice-continua.md").read_text(encoding="utf-8")
    assert "lang:" not in (tmp_path / "content/2024-01-05-the-summit-goes-on.md").read_text(encoding="utf-8")
    page = Page(read(tmp_path, "es/2024/01/05/segun-pedro-sanchez-la-cumbre-sigue/index.html"))
    assert page.headings["h1"] == ["Según Pedro Sánchez, la cumbre «sigue»"]
    assert (tmp_path / "public/it/2024/01/05/il-vertice-continua/index.html").is_file()
    assert main(["-C", str(tmp_path), "check"]) == 0
    out = capsys.readouterr().out
    assert "in 'it'; translate them in i18n/it.yaml" in out and "in 'es'" not in out


def test_each_language_shows_its_own_articles_photos(tmp_path):
    from PIL import Image

    files = multilingual_site()
    files["content/2024-01-02-vote.md"] = files["content/2024-01-02-vote.md"].replace(
        "tags:", "image: {src: /red.jpg, alt: A red square}\ntags:")
    files["content/es/2024-01-02-vote.md"] = files["content/es/2024-01-02-vote.md"].replace(
        "tags:", "image: {src: /blue.jpg, alt: Un cuadrado azul}\ntags:")
    write_files(tmp_path, files)
    (tmp_path / "static").mkdir()
    for name, colour in (("red", (200, 0, 0)), ("blue", (0, 0, 200))):
        Image.new("RGB", (1600, 900), colour).save(tmp_path / "static" / f"{name}.jpg")
    build(load_config(tmp_path), BuildOptions(jobs=1, now="2024-01-04"))
    english = Page(read(tmp_path, "2024/01/02/vote-counted/index.html"))
    spanish = Page(read(tmp_path, "es/2024/01/02/votos-contados/index.html"))
    assert 'alt="A red square"' in english.html and "Un cuadrado azul" not in english.html
    assert 'alt="Un cuadrado azul"' in spanish.html and "A red square" not in spanish.html
    for page in (english, spanish):
        for src in re.findall(r'(?:src|srcset)="([^" ]+)', page.html):
            if src.startswith("/news/") and "/static/" not in src:
                assert (tmp_path / "public" / src.removeprefix("/news/")).is_file(), src
    cards = [re.findall(r'<img class="card-image" src="([^"]+)"', read(tmp_path, f"{edition}index.html"))
             for edition in ("", "es/")]
    assert len(cards[0]) == len(cards[1]) == 1 and cards[0] != cards[1]  # each front's card, its own photo
