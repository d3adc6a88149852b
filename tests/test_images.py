"""Photos (sitegen/images.py): lead images with caption and credit, body images, page bundles, static/ photos,
resized into AVIF, WebP and a JPEG/PNG fallback, the Google crops and the link preview, cached across builds;
their markup, metadata and feeds; the errors a bad picture gives. Photos are made here with Pillow."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema
import pytest
from PIL import Image, ImageCms, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from sitegen.build import BuildOptions, build
from sitegen.check import check_site
from sitegen.content import images
from sitegen.core.config import load_config
from sitegen.core.errors import BuildFailed
from tests.conftest import write_files
from tests.test_deploy import nginx_serving
from tests.test_feeds import JSON_FEED_SCHEMA
from tests.test_search import CHROMIUM, CHROMIUM_ARGS

GPS = 0x8825
ORIENTATION = 0x0112


@functools.cache
def srgb_profile() -> bytes:
    """One sRGB profile for the whole run: LittleCMS stamps each profile it makes with the time, so two
    fixtures made a second apart held different bytes (two "identical" sites, different content addresses)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def photo(path: Path, size: tuple[int, int], colour: tuple[int, int, int] = (30, 90, 160), *,
          orientation: int = 1, gps: bool = True, mode: str = "RGB", icc: bool = False) -> Path:
    """A picture with a distinct shape in its top-left corner (so a rotation shows), EXIF with GPS, and
    (``icc``) an embedded colour profile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fill = (*colour, 255) if mode == "RGBA" else colour
    im = Image.new(mode, size, (*colour, 90) if mode == "RGBA" else colour)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, size[0] // 4, size[1] // 8), fill=(250, 250, 250, 255) if mode == "RGBA" else (250, 250, 250))
    draw.ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=fill)
    exif = Image.Exif()
    if orientation != 1:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS] = {1: "N", 2: (IFDRational(51), IFDRational(30), IFDRational(0))}
    if path.suffix == ".png":
        im.save(path)
    else:
        profile = srgb_profile() if icc else None
        im.save(path, quality=90, exif=exif, icc_profile=profile)
    return path


LEAD = '{src: harbour.jpg, alt: "Boats in the harbour", caption: "The harbour at dawn", credit: "Photo: Jane Doe"}'


def make_photo_site(root: Path, **settings: str) -> Path:
    """A site with every way of giving a picture: beside the file, a page bundle, static/, portrait (EXIF
    rotated), transparent PNG, and an article without any."""
    write_files(root, {
        "sitegen.yaml": "title: Photo Desk\nbase_url: https://example.org/\nimage: /static/favicon.svg\n"
                        "search: false\n" + "".join(f"{k}: {v}\n" for k, v in settings.items()),
        "content/2024-03-01-harbour.md": f"---\ntitle: Harbour\ndate: 2024-03-01\nimage: {LEAD}\n---\n"
                                         "The boats came in.\n\n![A map of the bay](/photos/map.png \"The bay\")\n\n"
                                         "Then a quay ![the quay](quay.jpg) in the text.\n",
        "content/2024-03-02-tower.md": "---\ntitle: Tower\ndate: 2024-03-02\nimage:\n  src: tower.jpg\n"
                                       "  alt: A tall tower\n  focal: [0.5, 0.2]\n---\nA tall one.\n",
        "content/bundle/index.md": "---\ntitle: Bundle\ndate: 2024-03-03\nimage: {src: cover.jpg, alt: Cover}\n---\n"
                                   "See [the notes](notes.pdf).\n\n![Inside](inside.jpg)\n",
        "content/bundle/notes.pdf": b"%PDF-1.4 notes\n",
        "content/2024-03-04-words.md": "---\ntitle: Words only\ndate: 2024-03-04\n---\nNo picture here.\n",
    })
    photo(root / "content/harbour.jpg", (1600, 1000), icc=True)
    photo(root / "content/quay.jpg", (700, 500), (120, 60, 20))
    photo(root / "content/tower.jpg", (1800, 1300), (10, 120, 40), orientation=6)  # shown 1300 x 1800
    photo(root / "content/bundle/cover.jpg", (1400, 900), (90, 20, 120))
    photo(root / "content/bundle/inside.jpg", (900, 600), (200, 200, 20))
    photo(root / "content/bundle/gallery/extra.jpg", (1000, 700), (20, 200, 200))  # in the bundle, named nowhere
    photo(root / "static/photos/map.png", (600, 400), (200, 30, 30), mode="RGBA")
    return root


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_photo_site(tmp_path_factory.mktemp("photos") / "site")
    build(load_config(root), BuildOptions(jobs=2))
    return root


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, name: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == name]


def page(root: Path, url: str) -> str:
    return (root / "public" / url.strip("/") / "index.html").read_text(encoding="utf-8")


def json_ld(html: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def local(root: Path, url: str, base: str = "/") -> Path:
    assert url.startswith(base), url
    return root / "public" / url[len(base):].split("?")[0]


# --- what a reader's browser gets ------------------------------------------------------------------------


def test_every_picture_on_every_page_resolves_and_has_its_files_real_size(photo_site):
    pictures = 0
    for html_file in (photo_site / "public").rglob("*.html"):
        tags = Tags(html_file.read_text(encoding="utf-8"))
        for attrs in tags.all("img"):
            target = local(photo_site, attrs["src"])
            assert target.is_file(), f"{html_file}: {attrs['src']}"
            with Image.open(target) as im:
                assert (attrs["width"], attrs["height"]) == (str(im.width), str(im.height)), attrs["src"]
            pictures += 1
        for attrs in tags.all("img") + tags.all("source"):
            for candidate in attrs.get("srcset", "").split(","):
                url, width = candidate.split()
                with Image.open(local(photo_site, url)) as im:
                    assert width == f"{im.width}w", url
    assert pictures >= 8
    report = check_site(photo_site / "public", "https://example.org/")
    assert report.problems == []


def test_the_lead_image_is_a_figure_with_avif_webp_a_jpeg_caption_and_credit_fetched_first(photo_site):
    html = page(photo_site, "/2024/03/01/harbour/")
    figure = html[html.index('<figure class="story-image">'):]
    figure = figure[:figure.index("</figure>") + 9]
    tags = Tags(figure)
    assert [s["type"] for s in tags.all("source")] == ["image/avif", "image/webp"]
    [img] = tags.all("img")
    assert img["alt"] == "Boats in the harbour" and img["fetchpriority"] == "high" and "loading" not in img
    assert img["src"].endswith(".jpg") and (img["width"], img["height"]) == ("1200", "750")
    assert [c.split()[1] for c in img["srcset"].split(", ")] == ["480w", "800w", "1200w", "1600w"]  # never upscaled
    assert img["sizes"] == images.STORY_SIZES
    assert "<figcaption>The harbour at dawn <span class=\"credit\">Photo: Jane Doe</span></figcaption>" in figure


def test_body_images_are_lazy_a_lone_one_a_figure_with_its_title_as_caption_an_inline_one_a_picture(photo_site):
    html = page(photo_site, "/2024/03/01/harbour/")
    body = html[html.index('<div class="story-body">'):]
    assert '<figcaption>The bay</figcaption></figure>' in body
    tags = Tags(body[:body.index("</article>")])
    imgs = tags.all("img")
    assert [i["alt"] for i in imgs] == ["A map of the bay", "the quay"]
    assert all(i["loading"] == "lazy" and i["decoding"] == "async" and "fetchpriority" not in i for i in imgs)
    assert "Then a quay <picture>" in body and "</picture> in the text." in body
    # the transparent PNG keeps its transparency: PNG fallback, WebP and AVIF with alpha
    assert imgs[0]["src"].endswith(".png")
    with Image.open(local(photo_site, imgs[0]["src"])) as im:
        assert im.mode == "RGBA" and im.size == (600, 400)
    webp = [s for s in tags.all("source") if s["type"] == "image/webp"][0]["srcset"].split()[0]
    with Image.open(local(photo_site, webp)) as im:
        assert im.mode == "RGBA"


def test_a_portrait_photo_is_turned_upright_and_every_derivative_loses_its_exif_and_gps(photo_site):
    html = page(photo_site, "/2024/03/02/tower/")
    [img] = [i for i in Tags(html).all("img") if i.get("fetchpriority")]
    assert int(img["height"]) > int(img["width"])  # 1300 x 1800 as shown, not 1800 x 1300 as stored
    with Image.open(local(photo_site, img["src"])) as im:
        assert im.height > im.width
        assert dict(im.getexif()) == {} and "exif" not in im.info and "icc_profile" not in im.info
        corner = im.convert("RGB").getpixel((5, 5))
    assert sum(corner) < 600  # the white mark was top-left of the stored picture: rotated away from there
    for derivative in (photo_site / "public" / "img").iterdir():  # the harbour's had a colour profile
        with Image.open(derivative) as im:
            assert not im.getexif().get(GPS) and "exif" not in im.info and "icc_profile" not in im.info, \
                derivative.name


def test_a_16_bit_grey_png_keeps_its_tones_instead_of_turning_white(tmp_path):
    root = make_photo_site(tmp_path / "site")
    ramp = Image.linear_gradient("L").rotate(90).resize((1300, 800))  # dark on the left, light on the right
    ramp.convert("I").point(lambda v: v * 257).convert("I;16").save(root / "content/scan.png")
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text() + "\n![A scanned page](scan.png)\n")
    build(load_config(root), BuildOptions(jobs=1))
    [img] = [i for i in Tags(page(root, "/2024/03/04/words-only/")).all("img") if i["alt"] == "A scanned page"]
    derivatives = [img["src"], *(c.split()[0] for s in Tags(page(root, "/2024/03/04/words-only/")).all("source")
                                 for c in s["srcset"].split(","))]
    for url in derivatives:
        with Image.open(local(root, url)) as im:
            grey = im.convert("L")
            left, right = grey.getpixel((5, im.height // 2)), grey.getpixel((im.width - 5, im.height // 2))
        assert left < 20 and right > 235, (url, left, right)  # a 16-bit 514 is near black, not white


def test_a_page_bundle_publishes_its_files_next_to_the_page_and_the_photo_without_its_gps(photo_site):
    folder = photo_site / "public/2024/03/03/bundle"
    assert (folder / "notes.pdf").read_bytes() == b"%PDF-1.4 notes\n"
    with Image.open(folder / "cover.jpg") as im:
        assert im.size == (1400, 900) and not im.getexif().get(GPS)
    with Image.open(folder / "gallery/extra.jpg") as im:  # published, without its GPS, and not resized further
        assert im.size == (1000, 700) and not im.getexif().get(GPS)
    html = page(photo_site, "/2024/03/03/bundle/")
    assert 'href="notes.pdf"' in html  # the relative link resolves next to the page
    assert (photo_site / "public/2024/03/01/harbour/harbour.jpg").is_file()  # a photo beside its content file


def test_a_png_or_webp_photo_beside_its_page_is_published_upright_and_without_its_gps(tmp_path):
    """A PNG without transparency (its fallback is a JPEG) and a WebP were published beside the page as they
    were, GPS and all; now as the largest of their resized files in their own format."""
    root = make_photo_site(tmp_path / "site")
    for name, orientation in [("screen.png", 1), ("phone.webp", 1), ("turned.png", 6)]:
        jpeg = photo(tmp_path / "source.jpg", (1000, 700) if name == "screen.png" else (900, 600),
                     orientation=orientation)
        with Image.open(jpeg) as im:
            im.save(root / "content" / name, exif=im.getexif())
        with Image.open(root / "content" / name) as im:
            assert im.getexif().get(GPS)  # the sources do carry GPS
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text() + "\n![A screen](screen.png)\n\n![A phone photo](phone.webp)\n\n"
                    "![Turned](turned.png)\n")
    build(load_config(root), BuildOptions(jobs=1))
    folder = root / "public/2024/03/04/words-only"
    for name, size, fmt in [("screen.png", (1000, 700), "PNG"), ("phone.webp", (900, 600), "WEBP"),
                            ("turned.png", (600, 900), "PNG")]:
        with Image.open(folder / name) as im:
            assert (im.size, im.format) == (size, fmt) and dict(im.getexif()) == {}, name
    assert check_site(root / "public", "https://example.org/").problems == []


def test_cards_carry_a_16_9_thumbnail(photo_site):
    tags = Tags((photo_site / "public/index.html").read_text(encoding="utf-8"))
    cards = [i for i in tags.all("img") if i.get("class") == "card-image"]
    assert len(cards) == 3  # the article without a picture has none
    for img in cards:
        assert round(int(img["width"]) / int(img["height"]), 2) == round(16 / 9, 2)
        assert img["loading"] == "lazy" and img["sizes"] == images.CARD_SIZES


# --- what search engines, link previews and feed readers get ------------------------------------------------


def test_news_article_carries_the_three_google_crops_and_an_article_without_a_photo_none(photo_site):
    news = json_ld(page(photo_site, "/2024/03/01/harbour/"))[0]
    assert [(i["@type"], i["width"], i["height"]) for i in news["image"]] == \
        [("ImageObject", 1200, 675), ("ImageObject", 1200, 900), ("ImageObject", 1000, 1000)]
    assert {i["caption"] for i in news["image"]} == {"The harbour at dawn"}
    assert {i["creditText"] for i in news["image"]} == {"Photo: Jane Doe"}
    for item in news["image"]:
        with Image.open(local(photo_site, item["url"].removeprefix("https://example.org"))) as im:
            assert im.size == (item["width"], item["height"]) and im.format == "JPEG"
    words = json_ld(page(photo_site, "/2024/03/04/words-only/"))[0]
    assert "image" not in words  # the site's logo (image: in sitegen.yaml) is not its photo


def test_open_graph_and_x_cards_show_the_1200x630_preview_and_robots_allow_large_previews(photo_site):
    html = page(photo_site, "/2024/03/01/harbour/")
    meta = {m.get("property") or m.get("name"): m["content"] for m in Tags(html).all("meta") if "content" in m}
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
    assert meta["og:image:type"] == "image/jpeg" and meta["og:image:alt"] == "Boats in the harbour"
    assert meta["twitter:image"] == meta["og:image"] and meta["twitter:image:alt"] == "Boats in the harbour"
    assert meta["robots"] == "max-image-preview:large"
    with Image.open(local(photo_site, meta["og:image"].removeprefix("https://example.org"))) as im:
        assert im.size == (1200, 630)
    words = page(photo_site, "/2024/03/04/words-only/")
    assert "og:image:width" not in words
    assert '<meta name="robots" content="max-image-preview:large">' in words  # every indexable page says it


def test_feeds_carry_media_content_thumbnail_and_credit(photo_site):
    atom = feedparser.parse((photo_site / "public/feed.xml").read_bytes())
    assert not atom.bozo
    entry = next(e for e in atom.entries if e.title == "Harbour")
    assert entry.media_content[0]["width"] == "1200" and entry.media_content[0]["type"] == "image/jpeg"
    assert entry.media_thumbnail[0]["url"].startswith("https://example.org/img/")
    assert entry.media_credit[0]["content"] == "Photo: Jane Doe"
    # body images at absolute addresses
    assert any('src="https://example.org/img/' in c.value for c in entry.content), entry.content
    rss = feedparser.parse((photo_site / "public/rss.xml").read_bytes())
    assert not rss.bozo and next(e for e in rss.entries if e.title == "Harbour").media_content
    document = json.loads((photo_site / "public/feed.json").read_text())
    jsonschema.validate(document, JSON_FEED_SCHEMA)
    items = {i["title"]: i for i in document["items"]}
    assert items["Harbour"]["image"].endswith(".jpg") and items["Harbour"]["banner_image"].endswith(".jpg")
    assert "image" not in items["Words only"]


def test_headers_let_a_cdn_cache_the_pictures_for_ever(photo_site):
    assert "/img/*\n  Cache-Control: public, max-age=31536000, immutable" in \
        (photo_site / "public/_headers").read_text()


# --- cache, reuse and reproducibility -----------------------------------------------------------------------


def cache_state(root: Path) -> dict[str, int]:
    folder = root / ".sitegen-cache" / "images"
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name != images.INDEX_FILE}


def output_images(root: Path) -> dict[str, str]:
    return {p.relative_to(root / "public").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "public").rglob("*")) if p.suffix in (".jpg", ".png", ".webp", ".avif")}


def test_a_fresh_checkout_with_the_cache_restored_encodes_nothing_and_publishes_the_same_bytes(photo_site, tmp_path):
    copy = tmp_path / "checkout"
    shutil.copytree(photo_site, copy, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))  # new mtimes
    shutil.copytree(photo_site / ".sitegen-cache/images", copy / ".sitegen-cache/images")
    before = cache_state(copy)
    build(load_config(copy), BuildOptions(jobs=1))
    assert cache_state(copy) == before  # not one file encoded again
    assert output_images(copy) == output_images(photo_site)


def test_two_clean_builds_give_byte_identical_pictures(tmp_path):
    first, second = (make_photo_site(tmp_path / name) for name in ("a", "b"))
    for root in (first, second):
        build(load_config(root), BuildOptions(jobs=1))
    assert output_images(first) == output_images(second) and len(output_images(first)) > 100


def test_each_source_is_decoded_once_and_an_edit_reencodes_nothing(tmp_path, monkeypatch):
    root = make_photo_site(tmp_path / "site")
    # the same photo on two more pages: still one decode
    write_files(root, {"content/2024-03-05-again.md": f"---\ntitle: Again\ndate: 2024-03-05\nimage: {LEAD}\n---\nx\n",
                       "content/2024-03-06-more.md": "---\ntitle: More\ndate: 2024-03-06\n---\n![x](harbour.jpg)\n"})
    decoded: list[str] = []
    real = images.process
    monkeypatch.setattr(images, "process", lambda job: decoded.append(Path(job.path).name) or real(job))
    build(load_config(root), BuildOptions(jobs=1))
    assert sorted(decoded) == ["cover.jpg", "extra.jpg", "harbour.jpg", "inside.jpg", "map.png", "quay.jpg",
                               "tower.jpg"]
    decoded.clear()
    path = root / "content/2024-03-01-harbour.md"
    path.write_text(path.read_text() + "\nOne more line.\n")
    build(load_config(root), BuildOptions(jobs=1))
    assert decoded == []
    assert "One more line." in page(root, "/2024/03/01/harbour/")


def test_a_changed_photo_gets_new_names_and_the_incremental_build_equals_a_clean_one(tmp_path):
    root = make_photo_site(tmp_path / "site")
    build(load_config(root), BuildOptions(jobs=1))
    old = page(root, "/2024/03/01/harbour/")
    photo(root / "content/harbour.jpg", (1600, 1000), (200, 10, 10))
    build(load_config(root), BuildOptions(jobs=1))
    new = page(root, "/2024/03/01/harbour/")
    assert new != old
    incremental = {p.relative_to(root / "public").as_posix(): p.read_bytes()
                   for p in (root / "public").rglob("*") if p.is_file()}
    shutil.rmtree(root / "public")
    shutil.rmtree(root / ".sitegen-cache")
    build(load_config(root), BuildOptions(jobs=1))
    clean = {p.relative_to(root / "public").as_posix(): p.read_bytes()
             for p in (root / "public").rglob("*") if p.is_file()}
    assert incremental.keys() == clean.keys() and incremental == clean


def published(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root / "public").as_posix(): p.read_bytes()
            for p in (root / "public").rglob("*") if p.is_file()}


def clean_build_of(root: Path) -> dict[str, bytes]:
    shutil.rmtree(root / "public")
    shutil.rmtree(root / ".sitegen-cache")
    build(load_config(root), BuildOptions(jobs=1))
    return published(root)


def test_plans_kept_from_the_last_build_follow_the_widths_and_the_focal_point(tmp_path):
    # the plans come from the image cache's index by (photo, focal point, settings): a change of either is seen
    root = make_photo_site(tmp_path / "site")
    build(load_config(root), BuildOptions(jobs=1))
    (root / "sitegen.yaml").write_text((root / "sitegen.yaml").read_text() + "image_widths: [400, 1000]\n")
    tower = root / "content/2024-03-02-tower.md"
    tower.write_text(tower.read_text().replace("focal: [0.5, 0.2]", "focal: [0.5, 0.8]"))
    build(load_config(root), BuildOptions(jobs=1))
    srcset = Tags(page(root, "/2024/03/01/harbour/")).all("img")[0]["srcset"]
    assert [w.split()[-1] for w in srcset.split(", ")] == ["400w", "1000w"]
    incremental = published(root)
    assert incremental == clean_build_of(root)


def test_kept_photo_files_are_trusted_by_their_recorded_stat_and_written_again_when_changed_outside(tmp_path):
    root = make_photo_site(tmp_path / "site")
    build(load_config(root), BuildOptions(jobs=1))
    first = published(root)
    derivative = next(p for p in (root / "public/img").iterdir() if p.suffix == ".webp")
    beside = root / "public/2024/03/01/harbour/harbour.jpg"  # the photo published beside its page
    for damaged in (derivative, beside):
        damaged.write_bytes(b"edited by hand")
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text() + "\nOne more line.\n")
    build(load_config(root), BuildOptions(jobs=1))
    again = published(root)
    name = derivative.relative_to(root / "public").as_posix()
    assert again[name] == first[name]
    assert again["2024/03/01/harbour/harbour.jpg"] == first["2024/03/01/harbour/harbour.jpg"]
    assert again == clean_build_of(root)


# --- bad pictures: errors at file:line, the last good site kept ---------------------------------------------


def build_errors(root: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        build(load_config(root), BuildOptions(jobs=1))
    return [str(e) for e in failed.value.errors]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("missing.jpg", None, "content/2024-03-04-words.md:3: image 'missing.jpg' not found: no file content/missing.jpg"),
    ("notes.jpg", b"just some text\n", "content/2024-03-04-words.md:3: image content/notes.jpg is not an image that "
                                       "can be read"),
    ("doc.txt", b"text\n", "content/2024-03-04-words.md:3: image 'doc.txt' (content/doc.txt) is not a picture"),
    ("../../outside.jpg", None, "content/2024-03-04-words.md:3: image '../../outside.jpg' is "),
])
def test_a_missing_or_unreadable_picture_is_an_error_at_its_line(tmp_path, name, data, message):
    root = make_photo_site(tmp_path / "site")
    photo(tmp_path / "outside.jpg", (300, 200))  # beside the site folder, not in it
    if data is not None:
        (root / "content" / name).write_bytes(data)
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text().replace("title: Words only\n", f"title: Words only\nimage: {name}\n"))
    errors = build_errors(root)
    assert any(e.startswith(message) for e in errors), errors
    assert not (root / "public").exists()


def test_a_truncated_jpeg_fails_the_build_naming_it_and_the_last_good_site_stays(tmp_path):
    root = make_photo_site(tmp_path / "site")
    build(load_config(root), BuildOptions(jobs=1))
    before = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    source = root / "content/quay.jpg"
    photo(source, (900, 700), (5, 5, 200))
    source.write_bytes(source.read_bytes()[:2000])  # cut short: the header reads, the picture does not
    errors = build_errors(root)
    where = "content/2024-03-01-harbour.md:10: image content/quay.jpg cannot be decoded"
    assert any(e.startswith(where) for e in errors), errors
    assert {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()} == before


def test_a_decompression_bomb_is_refused(tmp_path):
    root = make_photo_site(tmp_path / "site")
    Image.new("1", (12_000, 8_000)).save(root / "content/bomb.png")  # 96 megapixels in a few kilobytes
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text() + "\n![bomb](bomb.png)\n")
    errors = build_errors(root)
    assert any(e.startswith("content/2024-03-04-words.md:7: image content/bomb.png is 96,000,000 pixels") and
               "decompression bomb" in e for e in errors), errors


def test_a_lead_image_without_alt_warns_unless_decorative(tmp_path):
    root = make_photo_site(tmp_path / "site")
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text().replace("title: Words only\n", "title: Words only\nimage: quay.jpg\n"))
    report = build(load_config(root), BuildOptions(jobs=1))
    assert [w for w in report.warnings if "alt" in w] == [
        "content/2024-03-04-words.md:3: the lead image quay.jpg has no alt text: say what it shows "
        "(image: {src: ..., alt: \"...\"}), or mark it decorative: true"]
    path.write_text(path.read_text().replace("image: quay.jpg", "image: {src: quay.jpg, decorative: true}"))
    assert not [w for w in build(load_config(root), BuildOptions(jobs=1)).warnings if "alt" in w]
    [img] = [i for i in Tags(page(root, "/2024/03/04/words-only/")).all("img") if i.get("fetchpriority")]
    assert img["alt"] == ""


def test_a_bad_image_mapping_is_an_error_at_its_line(tmp_path):
    root = make_photo_site(tmp_path / "site")
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text().replace("title: Words only\n", "title: Words only\nimage: {src: a.jpg, "
                                                                      "focal: [2, 0]}\n"))
    assert build_errors(root) == ["content/2024-03-04-words.md:3: 'image' 'focal' must be [x, y], each from 0 to 1 "
                                  "(0.5 is the middle): focal: [0.5, 0.3]"]


def test_check_reports_an_img_whose_size_is_not_its_files(photo_site, tmp_path):
    copy = tmp_path / "public"
    shutil.copytree(photo_site / "public", copy)
    path = copy / "2024/03/01/harbour/index.html"
    path.write_text(path.read_text().replace('width="1200" height="750"', 'width="1200" height="675"', 1))
    problems = check_site(copy, "https://example.org/").problems
    assert [p for p in problems if "says width=1200 height=675 but the file is 1200x750" in p]


def test_check_reports_a_lead_image_under_1200_px(tmp_path):
    root = make_photo_site(tmp_path / "site")
    path = root / "content/2024-03-04-words.md"
    path.write_text(path.read_text().replace("title: Words only\n", "title: Words only\nimage: {src: quay.jpg, "
                                                                      "alt: A quay}\n"))
    build(load_config(root), BuildOptions(jobs=1))
    problems = check_site(root / "public", "https://example.org/").problems
    assert [p for p in problems if p.startswith("2024/03/04/words-only/index.html: the lead image") and "700 px" in p]


# --- the pure parts ----------------------------------------------------------------------------------------


def test_crops_follow_the_focal_point_and_never_leave_the_picture():
    assert images.crop_box(2400, 1600, 16 / 9, (0.5, 0.5)) == (0.0, 125.0, 2400.0, 1475.0)
    assert images.crop_box(2400, 1600, 16 / 9, (0.5, 0.0)) == (0.0, 0.0, 2400.0, 1350.0)
    assert images.crop_box(2400, 1600, 1.0, (1.0, 0.5)) == (800.0, 0.0, 2400.0, 1600.0)


def test_a_plan_never_upscales_and_names_are_content_addressed():
    small = images.plan_for("d1", images.Probe(700, 500, False, "raster"), (0.5, 0.5), images.Settings())
    assert [d.width for d in small.responsive["jpeg"]] == [480, 700]
    assert [(d.width, d.height) for d in small.crops] == [(700, 394), (666, 500), (500, 500)]
    assert small.share is not None and small.share.width == 700
    again = images.plan_for("d1", images.Probe(700, 500, False, "raster"), (0.5, 0.5), images.Settings())
    other = images.plan_for("d2", images.Probe(700, 500, False, "raster"), (0.5, 0.5), images.Settings())
    assert again == small and {d.name for d in other.derivatives}.isdisjoint(d.name for d in small.derivatives)
    transparent = images.plan_for("d3", images.Probe(700, 500, True, "raster"), (0.5, 0.5), images.Settings())
    assert transparent.fallback == "png" and set(transparent.responsive) == {"avif", "webp", "png"}


# --- in a real browser, from a real static server ----------------------------------------------------------


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """nginx on a free 127.0.0.1 port serving tmp_path/www, with the pictures' content types."""
    types = ("text/html html; text/css css; image/svg+xml svg; image/jpeg jpg; image/png png; image/webp webp; "
             "image/avif avif; application/pdf pdf;")
    with nginx_serving(tmp_path, types) as served:
        yield served


@pytest.mark.browser
@pytest.mark.server
def test_chromium_picks_an_avif_or_webp_source_and_every_picture_loads_under_a_sub_path(tmp_path, nginx):
    port, www = nginx
    root = make_photo_site(tmp_path / "site", base_url=f"http://127.0.0.1:{port}/news/")
    build(load_config(root), BuildOptions(jobs=1))
    shutil.copytree(root / "public", www / "news")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            failed: list[str] = []
            tab.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            tab.goto(f"http://127.0.0.1:{port}/news/2024/03/01/harbour/")
            tab.evaluate("() => Promise.all([...document.images].map(i => { i.loading = 'eager'; "
                         "return i.decode().catch(() => null); }))")
            shown = tab.evaluate("() => [...document.images].map(i => [i.currentSrc, i.naturalWidth, "
                                 "i.complete])")
            assert failed == []
            assert shown and all(url.endswith((".avif", ".webp")) and width > 0 for url, width, _done in shown), shown
            assert all(url.startswith(f"http://127.0.0.1:{port}/news/img/") for url, _w, _d in shown)
            # no layout shift: each <img> is laid out at its aspect ratio before its bytes arrive
            ratios = tab.evaluate("() => [...document.images].map(i => [i.getBoundingClientRect().width / "
                                  "i.getBoundingClientRect().height, i.width / i.height])")
            assert all(abs(a - b) < 0.02 for a, b in ratios), ratios
            tab.goto(f"http://127.0.0.1:{port}/news/")  # cards: each thumbnail fits its card
            fits = tab.evaluate("() => [...document.querySelectorAll('.card-image')].map(i => "
                                "i.getBoundingClientRect().width <= i.closest('.card').getBoundingClientRect().width)")
            assert fits and all(fits) and failed == []
        finally:
            browser.close()


def test_the_preview_makes_what_the_page_shows_first_and_the_crops_on_a_thread(tmp_path):
    import dataclasses
    import threading
    import time

    root = make_photo_site(tmp_path / "site")
    config = load_config(root)
    preview = dataclasses.replace(config, cache_dir=str(tmp_path / "private"), output_dir=str(tmp_path / "out"))
    build(preview, BuildOptions(jobs=1, preview=True, image_cache=config.cache_path))
    html = (tmp_path / "out/2024/03/01/harbour/index.html").read_text()
    tags = Tags(html)
    assert [s["type"] for s in tags.all("source")][:1] == ["image/webp"] and ".avif" not in html
    for attrs in tags.all("img"):
        assert (tmp_path / "out" / attrs["src"].lstrip("/")).is_file()
    # the crops and the link preview follow in the site's own image cache, where `sitegen build` finds them
    crop = json_ld(html)[0]["image"][0]["url"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while not (root / ".sitegen-cache/images" / crop).is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (root / ".sitegen-cache/images" / crop).is_file()
    # ... and everything `sitegen build` wants: once the thread is done, it encodes nothing
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    before = cache_state(root)
    build(config, BuildOptions(jobs=1))
    assert cache_state(root) == before


def test_a_new_photo_saved_in_the_preview_is_on_its_page_when_the_build_returns_and_a_damaged_one_fails(tmp_path):
    """The preview encodes a new photo's files on a thread while the pages render: the page it reloads must
    find them, at their real size; a photo that cannot be decoded is still the save's error, at its line."""
    import dataclasses

    root = make_photo_site(tmp_path / "site")
    config = load_config(root)
    preview = dataclasses.replace(config, cache_dir=str(tmp_path / "private"), output_dir=str(tmp_path / "out"))
    options = BuildOptions(jobs=1, preview=True, image_cache=config.cache_path)
    build(preview, options)
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    source = root / "content/quay.jpg"
    photo(source, (1900, 1300), (200, 40, 40))  # never seen: its digest is new
    source.write_bytes(source.read_bytes()[:3000])
    with pytest.raises(BuildFailed) as failed:
        build(preview, options)
    assert any(str(e).startswith("content/2024-03-01-harbour.md:10: image content/quay.jpg cannot be decoded")
               for e in failed.value.errors), failed.value.errors
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before
    photo(source, (1900, 1300), (200, 40, 40))
    build(preview, options)
    tags = Tags((tmp_path / "out/2024/03/01/harbour/index.html").read_text())
    shown = [a for a in tags.all("img") if a["src"].startswith("/img/")]
    assert shown
    for attrs in shown:
        with Image.open(tmp_path / "out" / attrs["src"].lstrip("/")) as made:
            assert made.size == (int(attrs["width"]), int(attrs["height"]))
    assert before != {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}


def test_pages_with_pictures_pass_the_nu_html_checker(photo_site):
    from tests.test_site_quality import vnu_jar

    jar = vnu_jar()
    files = [str(p) for p in sorted((photo_site / "public").rglob("*.html"))]
    result = subprocess.run(["java", "-Xss8m", "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],
                            capture_output=True, text=True, timeout=600)
    errors = [f"{m.get('url', '').rsplit('/public/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(result.stderr)["messages"] if m.get("type") in ("error", "non-document-error")]
    assert errors == []


def test_under_a_sub_path_every_picture_resolves_and_check_finds_nothing(tmp_path):
    root = make_photo_site(tmp_path / "site", base_url="https://example.org/news/")
    build(load_config(root), BuildOptions(jobs=1))
    html = page(root, "/2024/03/03/bundle/")
    assert 'src="/news/img/' in html and 'srcset="/news/img/' in html
    assert check_site(root / "public", "https://example.org/news/").problems == []
