"""Photos: what a content file asks for, the derivatives each source image gets, making them, and their HTML.

Four steps, each its own function, so that only the third decodes a picture:

1. ``refs_of`` (at load time, inside ``parse_article``): the lead image of the front matter (``image:`` as a
   path or a mapping of src, alt, caption, credit, focal, decorative) and the images of the rendered body,
   each with the line it was written on, as one JSON string kept on ``Article.media``.
2. ``Catalog.prepare`` (at build time): each reference resolved to a file (beside the content file, in its
   page bundle, or under ``static/``); each distinct file hashed (once per content, the hash kept by stat)
   and its header read (size after EXIF orientation, transparency) to make its ``Plan``: every derivative's
   name, format and size, without decoding it. Names are content-addressed: a hash of the source's bytes
   and the operation, so a CDN may cache ``/img/*`` for ever.
3. ``process`` (on the process pool of ``parallel.py``): a source whose derivatives are not all in the image
   cache (``.sitegen-cache/images/``) is decoded once, oriented, converted to sRGB, stripped of its metadata,
   and resized (never upscaled) into AVIF, WebP and a JPEG (PNG when it has transparency) fallback, the
   three crops Google asks for (16:9, 4:3, 1:1) from its focal point, a 1200x630 JPEG for link previews and
   16:9 card thumbnails. A restored cache re-encodes nothing.
4. ``figure_html`` and friends: ``<figure><picture>`` with ``<source>``\\s, ``srcset``, ``sizes``, the real
   ``width``/``height``, ``alt`` and a ``<figcaption>``; the ImageObjects of JSON-LD; the Open Graph values.

Pure but for step 3 and the cache files; no Jinja here (render.py calls these).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import marshal
import os
import re
import stat as stat_module
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import unquote

from sitegen.core import urls
from sitegen.core.errors import ContentError
from sitegen.core.files import replace_file

# What is decoded and resized; what is published as it is (vector art, animations) with only its name hashed.
RASTER = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".tif", ".tiff")
AS_IS = (".svg", ".gif")
ORIENTATION = 0x0112  # the EXIF tag
MAX_PIXELS = 89_478_485  # Pillow's own warning limit: a larger picture is refused (a decompression bomb)
IMG_DIR = "img"  # /img/<width>-<hash>.<ext>
CACHE_DIR = "images"  # .sitegen-cache/images/
INDEX_FILE = "index.marshal"
# The crops Google's NewsArticle guidance asks for (16:9, 4:3, 1:1, at least 1200 px wide), the link preview's.
GOOGLE_CROPS = ((1200, 675), (1200, 900), (1200, 1200))
SHARE_SIZE = (1200, 630)
CARD_WIDTHS = (480, 800)  # 16:9 thumbnails on list cards
FORMAT_VERSION = "1"  # part of every derivative's name: change it when the processing changes
QUALITY = {"avif": 55, "webp": 80, "jpeg": 82}
# Encoder effort, measured in benchmarks/RESULTS.md (a 1600 px photo): WebP's method 4 (its default) took 2.8x
# the CPU of method 2 for a file 2% smaller; AVIF's speed 6 took 6.8x and speed 8 1.6x the CPU of speed 9 for
# files 2% smaller. A photo is made once, but a thousand of them on a fresh machine should not take an hour.
WEBP_METHOD = 2
AVIF_SPEED = 9
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png",
        "gif": "image/gif", "svg": "image/svg+xml"}
SUFFIX = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png", "gif": "gif", "svg": "svg"}
# What the default theme's layout gives an image: the story column (42rem, less the page's padding on a phone)
# and a card (three columns of ~21rem on a wide screen, two, then one).
STORY_SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"
CARD_SIZES = "(min-width: 66rem) 21rem, (min-width: 42rem) calc(50vw - 3rem), calc(100vw - 4rem)"
EXTERNAL = ("http://", "https://", "//", "data:")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


# --- 1. references, at load time ------------------------------------------------------------------------


def lead_ref(value: Any, line: int | None, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The front matter's ``image:``: a path, or a mapping {src, alt, caption, credit, focal, decorative}.
    Raises ValueError with what to write instead. Hugo's and Jekyll's flat keys (``image_alt``,
    ``image_caption``, ``image_credit``) fill what the mapping leaves out."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        found: dict[str, Any] = {"src": str(value).strip()}
    elif isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in ("src", "alt", "caption", "credit", "focal", "decorative"))
        if unknown:
            raise ValueError(f"has an unknown key '{unknown[0][:40]}': the keys are src, alt, caption, credit, "
                             "focal and decorative")
        found = {}
        for key in ("src", "alt", "caption", "credit"):
            item = value.get(key)
            if item is not None and (not isinstance(item, str | int | float) or isinstance(item, bool)):
                raise ValueError(f"'{key}' must be text")
            if item is not None:
                found[key] = str(item).strip()
        if not found.get("src"):
            raise ValueError("has no 'src': write it as image: {src: photo.jpg, alt: \"What it shows\"}")
        focal = value.get("focal")
        if focal is not None:
            if not (isinstance(focal, list) and len(focal) == 2 and all(
                    isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in focal)):
                raise ValueError("'focal' must be [x, y], each from 0 to 1 (0.5 is the middle): focal: [0.5, 0.3]")
            found["focal"] = [float(focal[0]), float(focal[1])]
        decorative = value.get("decorative")
        if decorative is not None and not isinstance(decorative, bool):
            raise ValueError("'decorative' must be true or false")
        if decorative:
            found["decorative"] = True
    else:
        from sitegen.core.config import describe_value

        raise ValueError(f"must be a path like photo.jpg or a mapping like {{src: photo.jpg, alt: \"What it "
                         f"shows\"}}, not {describe_value(value)}")
    if not found["src"]:
        raise ValueError("is empty: give the picture's path, such as photo.jpg")
    for key in ("alt", "caption", "credit"):
        flat = meta.get(f"image_{key}")
        if key not in found and isinstance(flat, str) and flat.strip():
            found[key] = flat.strip()
    if meta.get("image_decorative") is True:
        found["decorative"] = True
    found["line"] = line or 2
    return found


_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'([a-zA-Z:-]+)="([^"]*)"')


def body_refs(body_html: str, body: str, body_line: int) -> list[dict[str, Any]]:
    """The images of a rendered body (Markdown's ``<img>``): src, alt, title and the line of the content
    file the src is written on (the first line that holds it)."""
    found = []
    for match in _IMG.finditer(body_html):
        attrs = dict(_ATTR.findall(match.group(0)))
        src = html.unescape(attrs.get("src", ""))
        if not src:
            continue
        offset = body.find(src)
        line = body_line + (body[:offset].count("\n") if offset >= 0 else 0)
        found.append({"src": src, "alt": html.unescape(attrs.get("alt", "")),
                      "title": html.unescape(attrs.get("title", "")), "line": line})
    return found


def media_json(lead: dict[str, Any] | None, body: list[dict[str, Any]]) -> str:
    """What ``Article.media`` holds: '' for an article with no picture, else the references as JSON."""
    if lead is None and not body:
        return ""
    return json.dumps({"lead": lead, "body": body}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@cache
def _media(text: str) -> dict[str, Any]:
    return json.loads(text) if text else {"lead": None, "body": []}


# --- 2. sources and their plans ------------------------------------------------------------------------


class Probe(NamedTuple):
    """A source file's header: its size as shown (EXIF orientation applied) and whether it has transparency."""

    width: int
    height: int
    alpha: bool
    kind: str  # "raster", "gif" or "svg"


class Derivative(NamedTuple):
    """One output file of a source: where it goes, its format and size, and how it is made from the source.
    (A tuple: a thousand photos' plans, 25 files each, are read back from the image cache's index.)"""

    name: str  # under /img/
    fmt: str  # avif, webp, jpeg, png (or gif, svg: the source as it is)
    width: int
    height: int
    box: tuple[float, float, float, float] | None = None  # crop (left, top, right, bottom) of the oriented source
    first: bool = True  # what a page shows (the preview makes these first, the rest in the background)

    @property
    def url(self) -> str:
        return f"/{IMG_DIR}/{self.name}"


@dataclass(frozen=True)
class Plan:
    """Everything made from one source image."""

    digest: str
    width: int
    height: int
    responsive: dict[str, tuple[Derivative, ...]]  # format -> the widths, smallest first
    crops: tuple[Derivative, ...] = ()  # 16:9, 4:3, 1:1
    share: Derivative | None = None  # 1200x630
    cards: dict[str, tuple[Derivative, ...]] = field(default_factory=dict)  # format -> 16:9 thumbnails
    fallback: str = "jpeg"  # jpeg or png (transparency)

    @cached_property
    def derivatives(self) -> list[Derivative]:
        found = [d for ds in self.responsive.values() for d in ds] + list(self.crops)
        found += [self.share] if self.share else []
        found += [d for ds in self.cards.values() for d in ds]
        return list({d.name: d for d in found}.values())

    def record(self) -> tuple:
        """The plan as plain tuples (marshal): what the image cache's index keeps of it (``plan_of``)."""
        return (self.digest, self.width, self.height, tuple((f, tuple(map(tuple, ds))) for f, ds in
                self.responsive.items()), tuple(map(tuple, self.crops)), tuple(self.share) if self.share else None,
                tuple((f, tuple(map(tuple, ds))) for f, ds in self.cards.items()), self.fallback)


def plan_of(record: tuple) -> Plan:
    """The plan ``Plan.record`` wrote."""
    digest, width, height, responsive, crops, share, cards, fallback = record
    d = Derivative._make
    return Plan(digest, width, height, {f: tuple(map(d, ds)) for f, ds in responsive}, tuple(map(d, crops)),
                d(share) if share else None, {f: tuple(map(d, ds)) for f, ds in cards}, fallback)


@dataclass(frozen=True)
class Settings:
    widths: tuple[int, ...] = (480, 800, 1200, 1600, 2048)
    avif: bool = True
    cards: tuple[int, ...] = CARD_WIDTHS

    @property
    def key(self) -> str:
        """What every derivative's name holds besides its own size and format: the same for the preview's
        fewer files, so that `sitegen build` finds them made."""
        return f"{FORMAT_VERSION}|{sorted(QUALITY.items())}|webp{WEBP_METHOD}|avif{AVIF_SPEED}"

    @property
    def plan_key(self) -> str:
        """Everything ``plan_for`` reads of the settings: with the source's digest and the focal point, the
        key of a plan kept in the image cache's index."""
        return f"{self.key}|{self.widths}|{self.avif}|{self.cards}"


# What `sitegen serve` makes of a new photo before the page reloads: one width of WebP and of the fallback,
# one card thumbnail; the crops and the link preview follow on a thread (docs/images.md).
PREVIEW = Settings(widths=(1200,), avif=False, cards=(480,))


def _name(digest: str, operation: str, label: str, fmt: str) -> str:
    """``1200-0123456789abcdef.webp``: the label, then a hash of the source's bytes and the operation."""
    token = hashlib.sha256(f"{digest}|{operation}".encode()).hexdigest()[:16]
    return f"{label}-{token}.{SUFFIX[fmt]}"


def crop_box(width: int, height: int, ratio: float, focal: tuple[float, float]) -> tuple[float, float, float, float]:
    """The largest box of aspect ``ratio`` (width / height) inside the picture, centred on the focal point
    (fractions of the width and height) as far as the edges allow."""
    if width / height > ratio:
        box_h, box_w = float(height), height * ratio
    else:
        box_w, box_h = float(width), width / ratio
    left = min(max(focal[0] * width - box_w / 2, 0.0), width - box_w)
    top = min(max(focal[1] * height - box_h / 2, 0.0), height - box_h)
    return (round(left, 3), round(top, 3), round(left + box_w, 3), round(top + box_h, 3))


def plan_for(digest: str, probe: Probe, focal: tuple[float, float], settings: Settings) -> Plan:
    """Every derivative of one source, named and sized from its header alone (pure: nothing is decoded)."""
    w, h = probe.width, probe.height
    if probe.kind != "raster":  # published as it is, under a content-addressed name
        fmt = probe.kind
        only = Derivative(_name(digest, "as-is", "original", fmt), fmt, w, h)
        return Plan(digest, w, h, {fmt: (only,)}, fallback=fmt)
    fallback = "png" if probe.alpha else "jpeg"
    key = settings.key
    widths = sorted({min(x, w) for x in settings.widths})
    formats = (["avif"] if settings.avif else []) + ["webp", fallback]
    responsive = {}
    for fmt in formats:
        responsive[fmt] = tuple(Derivative(_name(digest, f"{key}|w{x}|{fmt}", str(x), fmt), fmt, x,
                                           max(1, round(h * x / w)), first=fmt != "avif") for x in widths)
    fx, fy = focal
    where = f"{fx:.4f},{fy:.4f}"

    def cropped(size: tuple[int, int], fmt: str, first: bool, label: str = "") -> Derivative:
        box = crop_box(w, h, size[0] / size[1], focal)
        out_w = min(size[0], int(box[2] - box[0]))
        out_h = max(1, round(out_w * size[1] / size[0]))
        op = f"{key}|crop{size[0]}x{size[1]}|{where}|{out_w}|{fmt}"
        return Derivative(_name(digest, op, label or f"{out_w}x{out_h}", fmt), fmt, out_w, out_h, box, first)

    crops = tuple(cropped(size, "jpeg", False) for size in GOOGLE_CROPS)
    share = cropped(SHARE_SIZE, "jpeg", False)
    wide = crop_box(w, h, 16 / 9, focal)
    card_widths = sorted({min(x, int(wide[2] - wide[0])) for x in settings.cards})
    cards = {fmt: tuple(cropped((x, round(x * 9 / 16)), fmt, fmt != "avif", f"card{x}") for x in card_widths)
             for fmt in formats}
    return Plan(digest, w, h, responsive, crops, share, cards, fallback)


def probe_file(path: Path) -> Probe:
    """The header of an image file; raises ValueError saying what is wrong with it."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return _probe_svg(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise ValueError(f"is {width:,}x{height:,} pixels, {_BOMB}")
                orientation = im.getexif().get(ORIENTATION, 1)
                alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
                kind = "gif" if im.format == "GIF" else "raster"
                if kind == "raster" and im.format not in ("JPEG", "PNG", "WEBP", "AVIF", "TIFF", "MPO"):
                    raise ValueError(f"is a {im.format} picture, which sitegen does not resize: use JPEG, PNG, WebP "
                                     "or AVIF")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(_bomb(exc)) from None
    except UnidentifiedImageError:
        raise ValueError("is not an image that can be read (JPEG, PNG, WebP, AVIF, GIF or SVG)") from None
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc}") from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return Probe(width, height, alpha, kind)


_BOMB = f"more than {MAX_PIXELS:,} (a decompression bomb, or a scan far larger than a page needs): make it smaller"


def _bomb(exc: Exception) -> str:
    """Pillow's refusal of a picture too large to decode, as a sentence with its size."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return f"is {int(found.group(1)):,} pixels, {_BOMB}" if found else f"is {_BOMB}"


_SVG_SIZE = re.compile(r"""<svg\b[^>]*?\bwidth=["']([\d.]+)(?:px)?["'][^>]*?\bheight=["']([\d.]+)(?:px)?["']""", re.S)


def _probe_svg(path: Path) -> Probe:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror}") from None
    if "<svg" not in text:
        raise ValueError("is not an SVG image (no <svg> element)")
    match = _SVG_SIZE.search(text)
    view = re.search(r"""viewBox=["'][\d.\s-]*?\s([\d.]+)\s+([\d.]+)["']""", text)
    size = match.groups() if match else view.groups() if view else ("0", "0")
    return Probe(round(float(size[0])), round(float(size[1])), True, "svg")


# --- 3. making the derivatives ------------------------------------------------------------------------


class Job(NamedTuple):
    path: str  # the source file
    shown: str  # as messages name it
    derivatives: tuple[Derivative, ...]  # those missing from the cache
    folder: str  # the cache folder


def process(job: Job) -> tuple[int, str | None]:
    """Decode one source once and write each missing derivative into the cache folder (atomically).
    Returns (files encoded, None) or (0, what is wrong with the file). Runs on the process pool."""
    if {d.fmt for d in job.derivatives} <= {"gif", "svg"}:  # as it is
        data = Path(job.path).read_bytes()
        for d in job.derivatives:
            replace_file(Path(job.folder) / d.name, data)
        return len(job.derivatives), None
    picture, problem = _decode(job.path)
    if problem is not None:
        return 0, problem
    return _write(job, picture), None


def _decode(path: str) -> tuple[Any, str | None]:
    """The source decoded, its EXIF orientation applied, in sRGB, without metadata; or (None, what is wrong)."""
    from PIL import Image, ImageCms, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as source:
                source.load()
                icc = source.info.get("icc_profile")
                # exif_transpose copies the whole picture even when it has nothing to turn (0.04 s at 4 Mpx)
                turned = source.getexif().get(ORIENTATION, 1) in range(2, 9)
                im = ImageOps.exif_transpose(source) if turned else source
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return None, _bomb(exc)
    except (OSError, SyntaxError, ValueError) as exc:  # truncated, corrupt
        return None, f"cannot be decoded ({exc}): it may be truncated or damaged; export it again"
    alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    mode = "RGBA" if alpha else "RGB"
    if im.mode == "I" or im.mode.startswith("I;16"):
        # 16-bit grey (a scan, a chart exported at 16 bits): Pillow's convert would clip every value over 255
        # to white; scale it to 8 bits instead
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if icc:
        try:
            converted = ImageCms.profileToProfile(im if im.mode in ("RGB", "RGBA", "CMYK") else im.convert(mode),
                                                  ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                                  ImageCms.createProfile("sRGB"), outputMode=mode)
            im = converted if converted is not None else im  # None only when converted in place
        except (ImageCms.PyCMSError, OSError, ValueError):
            im = im.convert(mode)  # a broken profile: read the numbers as sRGB
    im = im.convert(mode) if im.mode != mode else im
    im.info = {}  # no EXIF (GPS), XMP, comments or profile reaches a derivative
    return im, None


def _write(job: Job, im: Any) -> int:
    """Each of the job's derivatives of the decoded picture, encoded into the cache folder; how many."""
    from PIL import Image

    made = 0
    scaled: dict[tuple[Any, int, int], Any] = {}  # (crop box, width, height) -> the picture at that size
    for d in sorted(job.derivatives, key=lambda d: (d.box is not None, str(d.box), -d.width)):
        key = (d.box, d.width, d.height)
        picture = scaled.get(key)
        if picture is None:
            # From the smallest copy of the same region at least twice as wide (sharp enough, much cheaper).
            larger = [k for k in scaled if k[0] == d.box and k[1] >= d.width * 2]
            if larger:
                picture = scaled[min(larger, key=lambda k: k[1])].resize((d.width, d.height), Image.Resampling.LANCZOS)
            elif d.box is None and (d.width, d.height) == im.size:
                picture = im
            else:
                picture = im.resize((d.width, d.height), Image.Resampling.LANCZOS, box=d.box, reducing_gap=3.0)
            scaled[key] = picture
        replace_file(Path(job.folder) / d.name, _encode(picture, d.fmt))
        made += 1
    return made


class _Making:
    """The preview's thread: the new photos' files its pages show (decoded already, so a damaged file was
    this build's error) encoded while the pages render, ``ready`` once they are in the cache; then, reusing
    each decoded picture, what `sitegen build` will want too. A cache folder removed meanwhile stops it."""

    def __init__(self, now: list[tuple[Job, Any]], later: list[Job]) -> None:
        self.ready = threading.Event()
        self.failure: OSError | None = None
        self.encoded = 0
        self.thread = threading.Thread(target=self._run, args=(now, later), daemon=True)
        self.thread.start()

    def _run(self, now: list[tuple[Job, Any]], later: list[Job]) -> None:
        decoded: dict[str, Any] = {}
        try:
            for job, picture in now:
                self.encoded += _write(job, picture)
                decoded[job.path] = picture
        except OSError as exc:
            self.failure = exc
        finally:
            self.ready.set()
        if self.failure is not None:
            return
        try:
            for job in later:
                picture = decoded.pop(job.path, None)
                if picture is None:
                    process(job)
                else:
                    _write(job, picture)
        except OSError:
            return


def _encode(picture: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        if picture.mode == "RGBA":  # a link preview or crop of a transparent picture: on white
            from PIL import Image

            flat = Image.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture.save(buffer, "JPEG", quality=QUALITY["jpeg"], optimize=True, progressive=True)
    elif fmt == "png":
        picture.save(buffer, "PNG", compress_level=6)
    elif fmt == "webp":
        picture.save(buffer, "WEBP", quality=QUALITY["webp"], method=WEBP_METHOD)
    elif fmt == "avif":
        picture.save(buffer, "AVIF", quality=QUALITY["avif"], speed=AVIF_SPEED, max_threads=1)
    else:
        raise ValueError(f"unknown format {fmt}")
    return buffer.getvalue()


# --- the catalog: every picture of a build ----------------------------------------------------------------


@dataclass
class Source:
    """One image file as this build found it."""

    path: Path
    shown: str
    digest: str
    probe: Probe


@dataclass
class Picture:
    """One use of a source on a page: its plan and what the content file says of it."""

    plan: Plan
    alt: str = ""
    caption: str = ""
    credit: str = ""
    decorative: bool = False
    src: str = ""  # as written
    key: str = ""  # the plan's: the source's digest, the focal point and the settings (Catalog.plan)

    @property
    def fallback(self) -> tuple[Derivative, ...]:
        return self.plan.responsive[self.plan.fallback]

    @property
    def main(self) -> Derivative:
        """The ``src`` of its ``<img>``: the fallback at 1200 px, or the widest below that."""
        candidates = [d for d in self.fallback if d.width <= 1200]
        return candidates[-1] if candidates else self.fallback[0]


class Catalog:
    """Every picture the published articles use, resolved, planned and (``prepare``) made; one per build,
    from the image cache's index."""

    def __init__(self, root: Path, static_dir: Path, content_dir: Path, cache_dir: Path, base_path: str,
                 root_url: str, settings: Settings | None = None, later: Settings | None = None) -> None:
        self.root, self.static_dir, self.content_dir = root, static_dir, content_dir
        # The preview's: what `sitegen build` will want too, made on its thread after what the pages show.
        self.later = later
        self._later: dict[str, list[Derivative]] = {}  # digest -> those derivatives
        self.folder = cache_dir / CACHE_DIR
        self.base_path, self.root_url = base_path, root_url
        self.settings = settings or Settings()
        self.sources: dict[str, Source] = {}  # by resolved path
        self.leads: dict[str, Picture] = {}  # article URL -> its lead (the front matter's, else its first)
        self.body: dict[str, dict[str, Picture]] = {}  # article URL -> src as written -> picture
        self.copies: dict[str, list[tuple[str, Path, Plan | None]]] = {}  # article URL -> (file name, source, plan)
        self.signatures: dict[str, str] = {}  # article URL -> a hash of its pictures (for page signatures)
        self.encoded = 0  # files this build encoded (tests and benchmarks count them)
        self.background: threading.Thread | None = None
        self._making: _Making | None = None  # the preview's thread, encoding what its pages show
        self._index: dict[str, Any] | None = None
        self._uses: dict[str, list[tuple[Path, int | None]]] = {}  # source path -> (content file, line)
        self._pending: set[str] = set()  # derivatives the preview's background thread is still making
        self._names: list[tuple[str, str, str]] | None = None
        self._dirty = False  # the index has entries the cache's file lacks
        self._decoded: dict[str, Plan] = {}  # the index's plans read this build (or kept in memory: _IN_MEMORY)
        self._real: dict[str, Path | None] = {}  # a candidate's path -> its file's real path (None: no file)
        self._folders: dict[str, str] = {}  # a folder -> its real path
        self._roots: tuple[str, ...] | None = None  # the content and static folders' real paths

    # -- the cache's index: stat -> digest, digest -> header ------------------------------------------------

    def _load_index(self) -> dict[str, Any]:
        if self._index is None:
            path = self.folder / INDEX_FILE
            stat = _stat_of(path)
            known = _IN_MEMORY.get(str(path))
            if known is not None and stat is not None and known[0] == stat:  # as this process last read or wrote it
                self._index, self._decoded = known[1], known[2]
                return self._index
            try:
                index = marshal.loads(path.read_bytes())
                self._index = index if isinstance(index, dict) and index.get("v") == FORMAT_VERSION else None
            except (OSError, ValueError, EOFError, TypeError):
                self._index = None
            if self._index is None:
                self._index = {"v": FORMAT_VERSION, "stat": {}, "probe": {}}
            self._index.setdefault("plans", {})
            if stat is not None:
                _IN_MEMORY[str(path)] = (stat, self._index, self._decoded)
        return self._index

    def _save_index(self) -> None:
        if not self._dirty:
            return
        index = self._load_index()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / INDEX_FILE
        replace_file(path, marshal.dumps(index))
        self._dirty = False
        stat = _stat_of(path)
        if stat is not None:
            _IN_MEMORY[str(path)] = (stat, index, self._decoded)

    def source(self, path: Path) -> Source:
        """The file's digest and header, from the index when its stat is as before; raises ValueError."""
        key = str(path)
        found = self.sources.get(key)
        if found is not None:
            return found
        index = self._load_index()
        try:
            stat = path.stat()
        except OSError as exc:
            raise ValueError(f"cannot be read: {exc.strerror}") from None
        known = index["stat"].get(key)
        if known is not None and known[0] == stat.st_mtime_ns and known[1] == stat.st_size:
            digest = known[2]
        else:
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:32]
            index["stat"][key] = (stat.st_mtime_ns, stat.st_size, digest)
            self._dirty = True
        probe = index["probe"].get(digest)
        if probe is None:
            probe = tuple(probe_file(path))
            index["probe"][digest] = probe
            self._dirty = True
        found = Source(path, _shown(path, self.root), digest, Probe(*probe))
        self.sources[key] = found
        return found

    def plan(self, source: Source, focal: tuple[float, float], settings: Settings) -> tuple[str, Plan]:
        """``plan_for`` of the source, by its key (the source's digest, the focal point, the settings), as the
        index keeps it from an earlier build: an unchanged photo is not planned again (its 25 names hashed)."""
        key = f"{source.digest}|{focal[0]!r},{focal[1]!r}|{settings.plan_key}"
        plans = self._load_index()["plans"]
        decoded = self._decoded.get(key)
        if decoded is not None:
            return key, decoded
        record = plans.get(key)
        if record is not None:
            try:
                decoded = self._decoded[key] = plan_of(record)
                return key, decoded
            except (TypeError, ValueError):
                pass  # a damaged entry: planned again
        made = self._decoded[key] = plan_for(source.digest, source.probe, focal, settings)
        plans[key] = made.record()
        self._dirty = True
        return key, made

    # -- resolving references -------------------------------------------------------------------------

    def resolve(self, src: str, content_file: Path) -> Path | None:
        """The file a reference names: relative to the content file's folder (a page bundle, or a photo
        beside it), or a site address (``/photos/a.jpg``) under ``static/`` (then ``content/``). None for
        an external URL."""
        if not src or src.startswith(("#", "//")) or _SCHEME.match(src):  # another site's, data:, neutralised
            return None
        clean = unquote(src.split("#", 1)[0].split("?", 1)[0])
        if clean.startswith("/"):
            rel = clean.lstrip("/")
            base = self.base_path.strip("/")
            if base and rel.startswith(base + "/"):  # written with the site's sub-path
                rel = rel[len(base) + 1:]
            candidates = [self.static_dir / rel, self.content_dir / rel]
        else:
            candidates = [(self.root / content_file).parent / clean, self.static_dir / clean]
        for candidate in candidates:
            real = self.real_file(candidate)
            if real is not None:
                return real
        return candidates[0]

    def real_file(self, candidate: Path) -> Path | None:
        """The real path (symlinks followed, as ``Path.resolve``) of a regular file, None when there is none:
        a stat and an lstat, each folder's real path looked up once per build, each candidate once."""
        name = str(candidate)
        if name in self._real:
            return self._real[name]
        found: Path | None = None
        try:
            if stat_module.S_ISREG(os.stat(name).st_mode):
                folder, base = os.path.split(name)
                real_folder = self._folders.get(folder)
                if real_folder is None:
                    real_folder = self._folders[folder] = os.path.realpath(folder)
                found = Path(os.path.realpath(name) if os.path.islink(name) else os.path.join(real_folder, base))
        except (OSError, ValueError):
            found = None
        self._real[name] = found
        return found

    def inside(self, path: Path) -> bool:
        """Whether a picture's file (symlinks followed) is in the content or static folder: nothing else of
        the machine is published, and the build notices every change to it."""
        if self._roots is None:
            self._roots = tuple(os.path.realpath(folder) for folder in (self.content_dir, self.static_dir))
        real = self._real.get(str(path)) or Path(os.path.realpath(path))
        text = str(real)
        return any(text == root or text.startswith(root.rstrip(os.sep) + os.sep) for root in self._roots)

    def prepare(self, articles: Sequence[Any], jobs: int = 1, fast: bool = False,
                make: bool = True) -> tuple[list[ContentError], list[str]]:
        """Resolve, plan and (``make``) make the pictures of ``articles``; (errors, warnings). ``fast`` (the
        preview): only what a page shows is made now (WebP and the fallback), the rest on a thread afterwards."""
        errors: list[ContentError] = []
        notes: list[str] = []
        self.leads, self.body, self.copies, self.signatures, self._uses = {}, {}, {}, {}, {}
        self._names, self._later = None, {}
        wanted: dict[str, tuple[Source, dict[tuple[float, float], tuple[str, Plan]]]] = {}

        def use(ref: dict[str, Any], article: Any, focal: tuple[float, float]) -> Picture | None:
            src = str(ref["src"])
            path = self.resolve(src, article.path)
            if path is None:
                return None
            if self.real_file(path) is None:
                errors.append(ContentError(article.path, ref.get("line"), f"image '{src}' not found: no file "
                                           f"{_shown(path, self.root)}; put the picture beside the content file "
                                           "or in static/, or correct the path"))
                return None
            if not self.inside(path):
                errors.append(ContentError(article.path, ref.get("line"), f"image '{src}' is {path.resolve()}, "
                                           "outside the content and static folders: copy it into the site"))
                return None
            suffix = path.suffix.lower()
            if suffix not in RASTER + AS_IS:
                errors.append(ContentError(article.path, ref.get("line"), f"image '{src}' ({_shown(path, self.root)})"
                                           " is not a picture: use a JPEG, PNG, WebP, AVIF, GIF or SVG file"))
                return None
            try:
                source = self.source(path)
            except ValueError as exc:
                errors.append(ContentError(article.path, ref.get("line"), f"image {_shown(path, self.root)} {exc}"))
                return None
            self._uses.setdefault(str(path), []).append((article.path, ref.get("line")))
            plans = wanted.setdefault(str(path), (source, {}))[1]
            planned = plans.get(focal)
            if planned is None:
                planned = plans[focal] = self.plan(source, focal, self.settings)
                if self.later is not None:
                    full = self.plan(source, focal, self.later)[1]
                    self._later.setdefault(source.digest, []).extend(full.derivatives)
            key, plan = planned
            return Picture(plan, ref.get("alt", ""), ref.get("caption", "") or ref.get("title", ""),
                           ref.get("credit", ""), bool(ref.get("decorative")), src, key)

        for article in articles:
            if not article.media and not article.path.name.startswith("index."):
                continue  # no picture and no page bundle (most articles: 20-30 ms of every rebuild at 10k)
            media = _media(article.media)
            lead_ref_ = media["lead"]
            lead = None
            if lead_ref_:
                focal = tuple(lead_ref_.get("focal") or (0.5, 0.5))
                lead = use(lead_ref_, article, focal)
                if lead is not None and not lead.alt and not lead.decorative:
                    notes.append(f"{article.path}:{lead_ref_.get('line')}: the lead image {lead_ref_['src']} has no "
                                 "alt text: say what it shows (image: {src: ..., alt: \"...\"}), or mark it "
                                 "decorative: true")
            body: dict[str, Picture] = {}
            for ref in media["body"]:
                picture = use(ref, article, (0.5, 0.5))
                if picture is not None:
                    body.setdefault(ref["src"], picture)
            chosen = lead or next(iter(body.values()), None)
            if chosen is not None and chosen.plan.share is not None:
                self.leads[article.url] = chosen
            if body:
                self.body[article.url] = body
            copies = self._copies(article, [p for p in [lead, *body.values()] if p is not None])
            if copies:
                self.copies[article.url] = copies
            pictures = [p for p in [lead, *body.values()] if p is not None]
            if pictures or copies:
                # a plan is a pure function of its key (the source's digest, the focal point, the settings)
                self.signatures[article.url] = hashlib.sha1(repr(
                    [(p.key, p.alt, p.caption, p.credit, p.decorative, p.src) for p in pictures]
                    + [(n, str(s), p.digest if p else _file_digest(s)) for n, s, p in copies]).encode()).hexdigest()
        if errors or not make:
            self._save_index()
            return errors, notes
        self._make([plan for _source, plans in wanted.values() for _key, plan in plans.values()], wanted, jobs, fast,
                   errors)
        self._save_index()
        return errors, notes

    def _copies(self, article: Any, pictures: list[Picture]) -> list[tuple[str, Path, Plan | None]]:
        """Files published next to the article's page: every other file of its page bundle (``x/index.md``),
        and the pictures it names by a path relative to it (as their largest resized file in their own format:
        oriented, without metadata)."""
        if not pictures and article.path.stem != "index":
            return []  # most articles: no path to make (at 10k articles, 40 ms of every rebuild)
        folder = (self.root / article.path).parent
        found: dict[str, tuple[str, Path, Plan | None]] = {}
        for picture in pictures:
            src = picture.src
            if src.startswith(("/", *EXTERNAL)) or picture.plan.digest == "":
                continue
            clean = unquote(src.split("#", 1)[0].split("?", 1)[0])
            real = self.real_file(folder / clean) if ".." not in PurePosixPath(clean).parts else None
            if real is not None:
                found[clean] = (clean, real, picture.plan)
        if article.path.stem == "index" and folder != self.content_dir and folder.is_dir():
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not rel.endswith((".md", ".markdown")) and \
                        not any(part.startswith((".", "_")) for part in rel.split("/")) and rel not in found:
                    plan = None
                    if path.suffix.lower() in RASTER:
                        try:
                            plan = self.plan(self.source(path.resolve()), (0.5, 0.5), self.settings)[1]
                        except ValueError:
                            plan = None  # published as it is; a page that shows it reports the problem
                    found[rel] = (rel, path.resolve(), plan)
        return sorted(found.values())

    def _make(self, plans: list[Plan], wanted: dict[str, tuple[Source, Any]], jobs: int, fast: bool,
              errors: list[ContentError]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        by_digest: dict[str, list[Derivative]] = {}
        for plan in plans:
            by_digest.setdefault(plan.digest, []).extend(plan.derivatives)
        for copies in self.copies.values():  # a photo beside the page: its largest file in its own format
            for _rel, path, copied in copies:
                copy = _copy_of(path, copied)
                if copied is not None and copy is not None:
                    by_digest.setdefault(copied.digest, []).append(copy)
                    wanted.setdefault(str(path), (self.source(path), {}))
        paths = {source.digest: source for source, _plans in wanted.values()}
        cached = self._cached()
        now: list[Job] = []
        later: list[Job] = []
        for digest, derivatives in sorted(by_digest.items()):
            missing = {d.name: d for d in derivatives if d.name not in cached}
            extra = {d.name: d for d in self._later.get(digest, ()) if d.name not in cached and d.name not in missing}
            if not missing and not extra:
                continue
            source = paths[digest]
            first = tuple(d for d in missing.values() if d.first or not fast)
            rest = tuple(d for d in missing.values() if fast and not d.first)
            if first:
                now.append(Job(str(source.path), source.shown, first, str(self.folder)))
            if rest or extra:
                later.append(Job(str(source.path), source.shown, rest + tuple(extra.values()), str(self.folder)))
                self._pending.update(d.name for d in rest)
        if fast:
            # The preview decodes the new photos now (a damaged one is this build's error) and encodes them on
            # a thread while the pages render (Pillow lets go of the GIL); ``outputs`` waits for them.
            decoded: list[tuple[Job, Any]] = []
            for job in now:
                if {d.fmt for d in job.derivatives} <= {"gif", "svg"}:
                    made, problem = process(job)
                    self.encoded += made
                else:
                    picture, problem = _decode(job.path)
                    if picture is not None:
                        decoded.append((job, picture))
                if problem:
                    errors.extend(self._problem(job, problem))
            if (decoded or later) and not errors:
                self._making = _Making(decoded, later)
                self.background = self._making.thread
            return
        if now:
            from sitegen.core.parallel import parallel_map

            for job, (made, problem) in zip(now, parallel_map(process, now, jobs, min_items=2), strict=True):
                self.encoded += made
                if problem:
                    errors.extend(self._problem(job, problem))
        if later and not errors:
            self.background = _Making([], later).thread

    def wait(self) -> None:
        """Until the files the pages show are in the cache (the preview's are encoded on a thread)."""
        if self._making is not None:
            self._making.ready.wait()
            self.encoded += self._making.encoded
            failure, self._making = self._making.failure, None
            if failure is not None:
                raise failure

    def _cached(self) -> set[str]:
        """The names of the files in the image cache: one listing, not a stat per derivative."""
        try:
            return set(os.listdir(self.folder))
        except OSError:
            return set()

    def _problem(self, job: Job, problem: str) -> list[ContentError]:
        """The error for a source that could not be decoded, at each content file line that uses it."""
        self._load_index()["stat"].pop(job.path, None)  # look at the file again next time
        self._dirty = True
        uses: list[tuple[Path | None, int | None]] = [*self._uses.get(job.path, [])] or [(None, None)]
        return [ContentError(where or Path(job.shown), line, f"image {job.shown} {problem}")
                for where, line in uses]

    # -- what the build writes and the pages show --------------------------------------------------------

    def names(self) -> list[tuple[str, str, str]]:
        """Every file this build publishes, as (output path, the file it is a copy of, what that file is),
        no repeats, in the articles' order (worked out once per build: the writer and the headers file both
        ask). What it is: '' for a file of /img/ (its name says it), the derivative's name for a photo
        published beside its page, the source's size and mtime for any other file of a page bundle."""
        if self._names is None:
            self._names = self._list_names()
        return self._names

    def _list_names(self) -> list[tuple[str, str, str]]:
        found: dict[str, tuple[str, str, str]] = {}
        made = self._cached() if self._pending else None  # the preview's background files, once there
        cached = os.path.join(self.folder, "")
        seen: set[int] = set()  # plans listed (a photo on several pages shares one)
        for picture in [*self.leads.values(), *[p for ps in self.body.values() for p in ps.values()]]:
            if id(picture.plan) in seen:
                continue
            seen.add(id(picture.plan))
            for d in picture.plan.derivatives:
                if made is None or d.name not in self._pending or d.name in made:
                    rel = f"{IMG_DIR}/{d.name}"
                    found[rel] = (rel, cached + d.name, "")
        for url, copies in self.copies.items():
            folder = urls.output_path(url).rsplit("/", 1)[0]
            for rel, path, plan in copies:
                # A picture beside the page: its largest file in its own format (oriented, no metadata) when
                # sitegen writes that format; any other file of the bundle as it is.
                copy = _copy_of(path, plan)
                out = f"{folder}/{rel}"
                found[out] = (out, cached + copy.name, copy.name) if copy is not None else \
                    (out, str(path), _file_digest(path))
        return list(found.values())

    def url(self, d: Derivative) -> str:
        return urls.with_base(self.base_path, d.url)

    def abs_url(self, d: Derivative) -> str:
        return self.root_url + d.url.lstrip("/")

    def signature(self, article_url: str) -> str:
        return self.signatures.get(article_url, "")

    def lead(self, article: Any) -> Picture | None:
        return self.leads.get(article.url)


def _copy_of(path: Path, plan: Plan | None) -> Derivative | None:
    """What a photo published beside its page is: its largest fallback, or the largest of its responsive
    files, in the file's own format (a PNG without transparency, whose fallback is a JPEG, gets a PNG of that
    size of its own): oriented, without metadata. None for a format sitegen does not write (TIFF): as it is."""
    if plan is None:
        return None
    largest = plan.responsive[plan.fallback][-1]
    suffix = path.suffix.lower()
    fmt = "jpeg" if suffix in (".jpg", ".jpeg") else suffix.lstrip(".")
    same = [d for d in (largest, *plan.responsive.get(fmt, ())[-1:]) if d.fmt == fmt and d.first]
    if same:
        return same[0]
    if fmt not in ("png", "webp", "avif") or largest.fmt not in ("jpeg", "png"):
        return None
    return Derivative(_name(plan.digest, f"copy|{largest.name}", str(largest.width), fmt), fmt, largest.width,
                      largest.height)


# The image index as this process last read or wrote it, by its file's (size, mtime_ns), with the plans decoded
# from it: `sitegen serve` builds on every save, and reading 25,000 derivatives' names each time took 0.2 s.
_IN_MEMORY: dict[str, tuple[tuple[int, int], dict[str, Any], dict[str, Plan]]] = {}


def _stat_of(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def _shown(path: Path, root: Path) -> str:
    """The path as messages name it: relative to the site's folder when it is inside."""
    text, top = str(path), os.path.join(root, "")
    return text[len(top):].replace(os.sep, "/") if text.startswith(top) else text


# --- 4. HTML and metadata -----------------------------------------------------------------------------


def _srcset(catalog: Catalog, derivatives: Iterable[Derivative]) -> str:
    return ", ".join(f"{catalog.url(d)} {d.width}w" for d in derivatives)


def picture_html(catalog: Catalog, picture: Picture, *, lead: bool = False, sizes: str = STORY_SIZES,
                 card: bool = False, css: str = "") -> str:
    """``<picture>`` with AVIF and WebP sources and an ``<img>`` with srcset, sizes, its real size and alt;
    the lead image is fetched first (``fetchpriority="high"``), every other one lazily."""
    plan = picture.plan
    sets = plan.cards if card else plan.responsive
    alt = "" if picture.decorative or card else picture.alt  # a card's headline says what its picture would
    e = html.escape
    if plan.fallback in ("gif", "svg"):
        only = plan.responsive[plan.fallback][0]
        size = f' width="{only.width}" height="{only.height}"' if only.width and only.height else ""
        loading = ' fetchpriority="high"' if lead else ' loading="lazy" decoding="async"'
        return f'<img{css} src="{e(catalog.url(only))}"{size} alt="{e(alt)}"{loading}>'
    fallback = sets[plan.fallback]
    main = [d for d in fallback if d.width <= (800 if card else 1200)][-1:] or fallback[:1]
    parts = ["<picture>"]
    for fmt in ("avif", "webp"):
        if fmt in sets:
            parts.append(f'<source type="{MIME[fmt]}" srcset="{e(_srcset(catalog, sets[fmt]))}" sizes="{sizes}">')
    loading = ' fetchpriority="high"' if lead else ' loading="lazy" decoding="async"'
    parts.append(f'<img{css} src="{e(catalog.url(main[0]))}" srcset="{e(_srcset(catalog, fallback))}" '
                 f'sizes="{sizes}" width="{main[0].width}" height="{main[0].height}" alt="{e(alt)}"{loading}>')
    parts.append("</picture>")
    return "".join(parts)


def caption_html(picture: Picture) -> str:
    e = html.escape
    if not picture.caption and not picture.credit:
        return ""
    credit = f'<span class="credit">{e(picture.credit)}</span>' if picture.credit else ""
    space = " " if picture.caption and credit else ""
    return f"<figcaption>{e(picture.caption)}{space}{credit}</figcaption>"


def figure_html(catalog: Catalog, picture: Picture, *, lead: bool = False, css: str = "figure") -> str:
    """The whole ``<figure>``: the picture and its caption and credit."""
    return f'<figure class="{css}">{picture_html(catalog, picture, lead=lead)}{caption_html(picture)}</figure>'


_ALONE = re.compile(r"<p>(<img\b[^>]*>)</p>")


def rewrite_body(catalog: Catalog, article_url: str, body: str, *, feed: bool = False) -> str:
    """The body's Markdown images as ``<figure><picture>`` (an image alone in its paragraph, its title the
    caption) or ``<picture>`` (inside text); ``feed``: a plain ``<img>`` of the 1200 px fallback at its
    absolute address, as feed readers want. Images of other sites are left as Markdown wrote them."""
    pictures = catalog.body.get(article_url)
    if not pictures:
        return body

    def find(tag: str) -> Picture | None:
        attrs = dict(_ATTR.findall(tag))
        return pictures.get(html.unescape(attrs.get("src", "")))

    def one(match: re.Match[str], alone: bool) -> str:
        tag = match.group(1) if alone else match.group(0)
        picture = find(tag)
        if picture is None:
            return match.group(0)
        if feed:
            main = picture.main if picture.plan.fallback not in ("gif", "svg") else picture.fallback[0]
            size = f' width="{main.width}" height="{main.height}"' if main.width else ""
            img = f'<img src="{html.escape(catalog.abs_url(main))}"{size} alt="{html.escape(picture.alt)}">'
            return f"<p>{img}</p>" if alone else img
        if alone:
            return figure_html(catalog, picture)
        return picture_html(catalog, picture)

    body = _ALONE.sub(lambda m: one(m, True), body)
    return _IMG.sub(lambda m: one(m, False) if "<picture>" not in m.string[max(0, m.start() - 9):m.start()]
                    else m.group(0), body)


def image_objects(catalog: Catalog, picture: Picture) -> list[dict[str, Any]]:
    """schema.org ImageObjects of the three Google crops (16:9, 4:3, 1:1)."""
    found = []
    for d in picture.plan.crops:
        item: dict[str, Any] = {"@type": "ImageObject", "url": catalog.abs_url(d), "width": d.width,
                                "height": d.height}
        if picture.caption or picture.alt:
            item["caption"] = picture.caption or picture.alt
        if picture.credit:
            item["creditText"] = picture.credit
        found.append(item)
    return found


def share_image(catalog: Catalog, picture: Picture) -> dict[str, Any] | None:
    """What Open Graph and X cards show: the 1200x630 JPEG, its size, type and alt."""
    d = picture.plan.share
    if d is None:
        return None
    return {"url": catalog.abs_url(d), "width": d.width, "height": d.height, "type": MIME[d.fmt],
            "alt": picture.alt or picture.caption}


def feed_media(catalog: Catalog, picture: Picture) -> dict[str, Any]:
    """What feeds carry of an entry's picture: Media RSS content and thumbnail, the credit."""
    main, thumb = picture.main, picture.plan.cards[picture.plan.fallback][0]
    return {"url": catalog.abs_url(main), "width": main.width, "height": main.height, "type": MIME[main.fmt],
            "thumbnail": catalog.abs_url(thumb), "thumbnail_width": thumb.width, "thumbnail_height": thumb.height,
            "credit": picture.credit, "description": picture.caption or picture.alt,
            "banner": catalog.abs_url(picture.plan.share) if picture.plan.share else ""}


class ImageFile(NamedTuple):
    """An image file of the output folder, for ``Cache.decide``'s and ``remember``'s bookkeeping as pages
    are: ``signature`` says which file it is a copy of (``Catalog.names``)."""

    path: str
    signature: str


def outputs(catalog: Catalog, output_dir: Path, previous: Mapping[str, Any],
            on_disk: Mapping[str, tuple[int, int]] | None = None) -> tuple[list[ImageFile], list[ImageFile],
                                                                             Iterator[Any]]:
    """The image files of the build for ``write.write_outputs``: (all, kept, to write). Kept: those the last
    build wrote as copies of the same files (a file of /img/ is named by its content; a photo beside its page
    keeps its name when the photo changes, so its record says which derivative it is) and that are still
    there as written: passed as unchanged, never read, as pages are kept by their signature. To write: every
    other one, read from the cache one at a time. ``on_disk``: (size, mtime_ns) of output files already
    looked at (others are stat'ed here); None trusts the output folder (the preview's own, which nobody else
    writes)."""
    from sitegen.core.model import Output

    catalog.wait()
    files: list[ImageFile] = []
    kept: list[ImageFile] = []
    fresh: list[tuple[str, str]] = []
    base = os.path.join(output_dir, "")
    for rel, path, signature in catalog.names():
        file = ImageFile(rel, signature)
        files.append(file)
        entry = previous.get(rel)
        if entry is not None and entry.signature == signature:
            if on_disk is None:
                found: tuple[int, int] | None = (entry.size, entry.mtime_ns)
            else:
                found = on_disk.get(rel)
                if found is None:
                    try:
                        stat = os.stat(base + rel)
                        found = (stat.st_size, stat.st_mtime_ns)
                    except OSError:
                        found = None
            if found == (entry.size, entry.mtime_ns):
                kept.append(file)
                continue
        fresh.append((rel, path))
    return files, kept, (Output(rel, Path(path).read_bytes()) for rel, path in fresh)
