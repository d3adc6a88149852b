"""Issue 17's "verified afterwards", as a new user would do it: `sitegen init`, photos of kinds the other
photo tests do not use (a Hugo page bundle with Hugo's flat image keys, a portrait stored sideways beside its
content file, a grayscale `.JPG` with EXIF orientation 8, a CMYK JPEG and a wide photo in `static/`, a
palette PNG and a grey-and-alpha PNG with transparency), built by the command line and served by a real
nginx at `/` and under a sub-path: every picture resolves over HTTP at its real size, Chromium picks a WebP
or AVIF, JSON-LD and Open Graph name files of the sizes they say; a truncated JPEG fails the build naming
it and leaves the last good site byte for byte."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from tests.test_images import Tags, json_ld, nginx  # noqa: F401  (nginx: the fixture serving tmp_path/www)
from tests.test_search import CHROMIUM, CHROMIUM_ARGS

ORIENTATION, GPS = 0x0112, 0x8825

STORM = "/2025/06/10/storm-over-the-ridge/"
TREE = "/2025/06/11/the-tallest-tree/"
HARBOUR = "/2025/06/12/harbour-lights/"
CHART = "/2025/06/13/chart-of-the-week/"
ARTICLES = (STORM, TREE, HARBOUR, CHART)


def sitegen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1750000000"}
    return subprocess.run([sys.executable, "-m", "sitegen.cli", "-C", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=300)


def scene(size: tuple[int, int], seed: int) -> Image.Image:
    """A picture of random blocks (not one flat colour: the encoders have real work), a white mark top-left."""
    rnd = random.Random(seed)
    im = Image.new("RGB", size, (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw = ImageDraw.Draw(im)
    for _ in range(40):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.rectangle((x, y, x + rnd.randrange(1, size[0] // 3), y + rnd.randrange(1, size[1] // 3)),
                       fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw.rectangle((0, 0, size[0] // 5, size[1] // 10), fill=(255, 255, 255))
    return im


def exif(orientation: int = 1) -> Image.Exif:
    data = Image.Exif()
    if orientation != 1:
        data[ORIENTATION] = orientation
    data[GPS] = {1: "S", 2: (IFDRational(33), IFDRational(52), IFDRational(0))}
    return data


def new_site(tmp_path: Path) -> Path:
    made = subprocess.run([sys.executable, "-m", "sitegen.cli", "init", "site"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "site"  # its sitegen.yaml as `sitegen init` wrote it: a new user's settings, search on
    pages = {
        # a Hugo page bundle, with Hugo's flat image keys, its photo again in the text
        "content/post/index.md": '---\ntitle: "Storm over the ridge"\ndate: 2025-06-10\nimage: photo.jpg\n'
                                 'image_alt: "Dark clouds over a ridge"\nimage_caption: "The storm arrived at noon"\n'
                                 'image_credit: "Photo: A. Reporter"\n---\nThe storm.\n\n'
                                 '![Lightning over the valley](photo.jpg "Lightning, 12:04")\n\nMore text.\n',
        # beside its content file: a portrait stored sideways, a grayscale .JPG stored the other way
        "content/2025-06-11-tall-tree.md": '---\ntitle: "The tallest tree"\ndate: 2025-06-11\nimage:\n'
                                           '  src: tree.jpg\n  alt: "A redwood seen from below"\n'
                                           '  caption: "Looking up"\n  credit: "Photo: B. Snap"\n---\nTall.\n\n'
                                           '![A squirrel](squirrel.JPG "A squirrel on a branch")\n',
        # in static/: a wide photo, a CMYK one of an odd size
        "content/2025-06-12-harbour-lights.md": '---\ntitle: "Harbour lights"\ndate: 2025-06-12\n'
                                                'image: {src: /uploads/2025/harbour.jpg, alt: "Lights on the water"}\n'
                                                '---\nNight.\n\n![The pier](/uploads/2025/pier.jpg)\n',
        # transparency: a palette PNG as the lead, a grey-and-alpha one smaller than every width in the text
        "content/2025-06-13-chart.md": '---\ntitle: "Chart of the week"\ndate: 2025-06-13\n'
                                       'image: {src: chart.png, alt: "A bar chart of rainfall"}\n---\nRain.\n\n'
                                       'A small ![rain icon](icon.png "An icon") in a sentence.\n',
    }
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    scene((2400, 1350), 1).save(root / "content/post/photo.jpg", quality=88, exif=exif())
    scene((2400, 1600), 2).save(root / "content/tree.jpg", quality=85, exif=exif(6))  # shown 1600 x 2400
    scene((640, 960), 3).convert("L").save(root / "content/squirrel.JPG", quality=80, exif=exif(8))  # 960 x 640
    (root / "static/uploads/2025").mkdir(parents=True)
    scene((3000, 2000), 4).save(root / "static/uploads/2025/harbour.jpg", quality=90, exif=exif())
    scene((1203, 677), 5).convert("CMYK").save(root / "static/uploads/2025/pier.jpg", quality=90)
    chart = Image.new("P", (1400, 1250), 0)
    chart.putpalette([255, 255, 255] + [200, 30, 30] * 255)
    draw = ImageDraw.Draw(chart)
    for i in range(7):
        draw.rectangle((100 + i * 170, 1150 - i * 140, 220 + i * 170, 1200), fill=1)
    chart.save(root / "content/chart.png", transparency=0)
    Image.new("LA", (300, 200), (120, 128)).save(root / "content/icon.png")
    return root


SHOWN = {  # each source's size as a reader sees it (EXIF orientation applied)
    "photo.jpg": (2400, 1350), "tree.jpg": (1600, 2400), "squirrel.JPG": (960, 640), "harbour.jpg": (3000, 2000),
    "pier.jpg": (1203, 677), "chart.png": (1400, 1250), "icon.png": (300, 200),
}


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def candidates(attrs: dict[str, str]) -> list[tuple[str, int]]:
    return [(c.split()[0], int(c.split()[1].removesuffix("w"))) for c in attrs.get("srcset", "").split(",") if c]


def pictures_check(origin: str, base: str) -> dict[str, list[dict[str, str]]]:
    """Every <img> and <source> of every article page, fetched: each file answers 200 with an image type and
    has the size its markup says. Returns each page's <img>s."""
    seen: dict[str, tuple[int, int]] = {}

    def size_of(url: str) -> tuple[int, int]:
        absolute = url if url.startswith("http") else origin + url
        assert absolute.startswith(origin + base), url
        if absolute not in seen:
            status, kind, body = fetch(absolute)
            assert status == 200 and kind.startswith("image/"), (url, status, kind)
            with Image.open(BytesIO(body)) as im:
                assert kind == Image.MIME[im.format], (url, kind, im.format)
                assert dict(im.getexif()) == {}, url  # no orientation left for a browser to apply twice, no GPS
                seen[absolute] = im.size
        return seen[absolute]

    found: dict[str, list[dict[str, str]]] = {}
    for path in (*ARTICLES, "", "archive/"):
        status, _kind, body = fetch(origin + base + path.lstrip("/"))
        assert status == 200, path
        tags = Tags(body.decode("utf-8"))
        found[path] = tags.all("img")
        for img in tags.all("img"):
            assert size_of(img["src"]) == (int(img["width"]), int(img["height"])), (path, img["src"])
            for url, width in candidates(img):
                w, h = size_of(url)
                assert w == width and abs(w / h - int(img["width"]) / int(img["height"])) < 0.01, (path, url)
        for source in tags.all("source"):
            assert candidates(source), (path, source)
            for url, width in candidates(source):
                assert size_of(url)[0] == width, (path, url)
    return found


def served_site(tmp_path: Path, port: int, www: Path, base: str) -> Path:
    root = new_site(tmp_path)
    out = www / base.strip("/") if base != "/" else www
    built = sitegen(root, "build", "--base-url", f"http://127.0.0.1:{port}{base}", "--output", str(out), "-j", "2")
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr, built.stderr
    return root


@pytest.mark.server
@pytest.mark.parametrize("base", ["/", "/news/"])
def test_a_new_sites_photos_resolve_through_nginx_at_their_real_size(tmp_path, nginx, base):  # noqa: F811
    port, www = nginx
    served_site(tmp_path, port, www, base)
    origin = f"http://127.0.0.1:{port}"
    found = pictures_check(origin, base)
    leads = {path: next(i for i in found[path] if i.get("fetchpriority") == "high") for path in ARTICLES}
    for path, name in ((STORM, "photo.jpg"), (TREE, "tree.jpg"), (HARBOUR, "harbour.jpg"), (CHART, "chart.png")):
        w, h = SHOWN[name]
        lead = leads[path]
        assert abs(int(lead["width"]) / int(lead["height"]) - w / h) < 0.01, (path, lead)
    assert int(leads[TREE]["height"]) > int(leads[TREE]["width"])  # the portrait stands up
    assert leads[CHART]["src"].endswith(".png")  # transparency keeps a PNG fallback
    squirrel = next(i for i in found[TREE] if i["alt"] == "A squirrel")
    assert int(squirrel["width"]) > int(squirrel["height"])  # orientation 8: shown landscape
    icon = next(i for i in found[CHART] if i["alt"] == "rain icon")
    assert (icon["width"], icon["height"]) == ("300", "200")  # never upscaled
    assert leads[STORM]["alt"] == "Dark clouds over a ridge"
    status, _kind, body = fetch(f"{origin}{base}{STORM.lstrip('/')}")
    assert "The storm arrived at noon <span class=\"credit\">Photo: A. Reporter</span>" in body.decode()
    # cards: each article with a photo has a 16:9 thumbnail on the front page
    cards = [i for i in found[""] if i.get("class") == "card-image"]
    assert len(cards) == 4 and all(abs(int(c["width"]) / int(c["height"]) - 16 / 9) < 0.01 for c in cards)
    # the photos named by a relative path are published next to their page, upright, at most 2048 px wide
    for path, name in ((STORM, "photo.jpg"), (TREE, "tree.jpg"), (TREE, "squirrel.JPG")):
        status, _kind, body = fetch(f"{origin}{base}{path.lstrip('/')}{name}")
        assert status == 200, (path, name)
        with Image.open(BytesIO(body)) as im:
            w, h = SHOWN[name]
            assert im.width == min(w, 2048) and abs(im.width / im.height - w / h) < 0.01, (name, im.size)
            assert not im.getexif().get(GPS)


@pytest.mark.server
def test_json_ld_and_open_graph_name_pictures_of_the_sizes_they_say(tmp_path, nginx):  # noqa: F811
    port, www = nginx
    served_site(tmp_path, port, www, "/news/")
    origin = f"http://127.0.0.1:{port}"
    for path in ARTICLES:
        status, _kind, body = fetch(f"{origin}/news{path}")
        html = body.decode()
        news = next(d for d in json_ld(html) if d.get("@type") == "NewsArticle")
        assert [(i["@type"], i["width"], i["height"]) for i in news["image"]] == \
            [("ImageObject", 1200, 675), ("ImageObject", 1200, 900), ("ImageObject", 1200, 1200)], path
        for item in news["image"]:
            status, kind, data = fetch(item["url"])
            assert status == 200 and kind == "image/jpeg", item["url"]
            with Image.open(BytesIO(data)) as im:
                assert im.size == (item["width"], item["height"]), item["url"]
        meta = {m.get("property") or m.get("name"): m["content"] for m in Tags(html).all("meta") if "content" in m}
        status, kind, data = fetch(meta["og:image"])
        assert status == 200 and kind == meta["og:image:type"], meta
        with Image.open(BytesIO(data)) as im:
            assert im.size == (int(meta["og:image:width"]), int(meta["og:image:height"])) == (1200, 630), path
        assert meta["og:image:alt"] and meta["twitter:image:alt"] == meta["og:image:alt"]


@pytest.mark.browser
@pytest.mark.server
def test_chromium_shows_every_photo_of_a_new_site_as_webp_or_avif_without_layout_shift(tmp_path, nginx):  # noqa: F811
    port, www = nginx
    served_site(tmp_path, port, www, "/news/")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 412, "height": 823}, device_scale_factor=2)
            failed: list[str] = []
            tab.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            for path in (*ARTICLES, "/"):
                tab.goto(f"http://127.0.0.1:{port}/news{path}")
                # before any picture arrives, each <img> already has its box at its picture's aspect ratio
                tab.evaluate("() => Promise.all([...document.images].map(i => { i.loading = 'eager'; "
                             "return i.decode().catch(() => null); }))")
                shown = tab.evaluate("() => [...document.images].map(i => ({src: i.currentSrc, w: i.naturalWidth, "
                                     "h: i.naturalHeight, aw: i.width, ah: i.height, "
                                     "bw: i.getBoundingClientRect().width, bh: i.getBoundingClientRect().height}))")
                assert shown, path
                for img in shown:
                    assert img["src"].endswith((".webp", ".avif")), (path, img)
                    assert img["src"].startswith(f"http://127.0.0.1:{port}/news/img/"), (path, img)
                    # the picture as decoded is upright and of the shape its box was given
                    assert abs(img["w"] / img["h"] - img["bw"] / img["bh"]) < 0.02, (path, img)
            assert failed == []
            # layout shift of a page loading from nothing, as Lighthouse measures it
            tab.goto("about:blank")
            tab.add_init_script("window.__cls = 0; new PerformanceObserver(l => l.getEntries().forEach(e => "
                                "{ if (!e.hadRecentInput) window.__cls += e.value; }))"
                                ".observe({type: 'layout-shift', buffered: true});")
            for path in ARTICLES:
                tab.goto(f"http://127.0.0.1:{port}/news{path}", wait_until="load")
                tab.wait_for_timeout(300)
                assert tab.evaluate("() => window.__cls") == 0, path
        finally:
            browser.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["content/post/photo.jpg", "content/tree.jpg", "static/uploads/2025/pier.jpg"])
def test_a_truncated_jpeg_fails_the_command_naming_it_and_public_stays_byte_for_byte(tmp_path, name):
    root = new_site(tmp_path)
    assert sitegen(root, "build").returncode == 0
    before = snapshot(root / "public")
    source = root / name
    image = scene((1800, 1200), 9)  # a new photo, never seen by the cache
    data = BytesIO()
    image.save(data, "JPEG", quality=90)
    source.write_bytes(data.getvalue()[:len(data.getvalue()) // 3])
    failed = sitegen(root, "build")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert any(name in line and "cannot be decoded" in line for line in errors), failed.stderr
    assert snapshot(root / "public") == before
