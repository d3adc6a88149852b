"""Photos at scale: N articles, each with its own 2400x1600 JPEG lead image (made here, deterministically).

    python benchmarks/images.py --articles 1000 [--folder DIR] [--identical 20]

Times, with `sitegen build --quiet` in a subprocess (search off, as the other benchmarks at scale):

1. a clean build (no output, no cache): every photo decoded once and every derivative encoded;
2. the rebuild after editing one article's text: no photo may be processed again;
3. a clean build of a fresh copy of the site (new mtimes, as a CI checkout) with the cache restored:
   nothing may be encoded again (the image cache's files are counted and their mtimes compared);

and checks that the image outputs are byte-identical between two clean builds (of the first
``--identical`` articles: two more full clean builds of every photo would double the run).
Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.make_corpus import make_corpus  # noqa: E402

SITEGEN = [sys.executable, "-m", "sitegen.cli"]
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}


def photo(index: int, path: Path, size: tuple[int, int] = (2400, 1600)) -> None:
    """A photo-like JPEG (gradients, shapes, grain; nothing an encoder finds trivially flat), the same every time."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(index)
    w, h = size
    small = Image.new("RGB", (w // 8, h // 8))
    draw = ImageDraw.Draw(small)
    top, bottom = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    for y in range(h // 8):
        t = y / (h // 8)
        draw.line([(0, y), (w // 8, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(12):
        x, y, r = rng.randrange(w // 8), rng.randrange(h // 8), rng.randrange(5, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    picture = small.filter(ImageFilter.GaussianBlur(1)).resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).convert("RGB")
    Image.blend(picture, grain, 0.08).save(path, "JPEG", quality=88)


def make_site(n: int, folder: Path) -> None:
    make_corpus(n, folder)
    (folder / "sitegen.yaml").write_text((folder / "sitegen.yaml").read_text() + "search: false\n")
    for index, md in enumerate(sorted((folder / "content").glob("*.md"))):
        name = f"{md.stem}.jpg"
        photo(index, md.parent / name)
        text = md.read_text(encoding="utf-8")
        head, body = text[4:].split("\n---\n", 1)
        md.write_text(f"---\n{head}\nimage: {{src: {name}, alt: \"Photo {index}\", credit: \"Photo: Staff\"}}\n---\n"
                      f"{body}", encoding="utf-8")
    shutil.rmtree(folder / "seeds", ignore_errors=True)


def build(site: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([*SITEGEN, "build", "--quiet"], cwd=site, env=ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return time.perf_counter() - start


def cache_files(site: Path) -> dict[str, int]:
    folder = site / ".sitegen-cache" / "images"
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name != "index.marshal"} if folder.is_dir() \
        else {}


def image_hashes(site: Path) -> dict[str, str]:
    return {p.relative_to(site / "public").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((site / "public").rglob("*")) if p.is_file() and p.suffix in (".jpg", ".webp", ".avif", ".png")}


def settle() -> None:
    """Wait for the preview's background thread (the crops of the photos it made) to finish."""
    import threading

    while threading.active_count() > 1:
        time.sleep(0.1)


def preview_saves(folder: Path, articles: int = 20) -> list[tuple[str, float, float]]:
    """What `sitegen serve` does on a save, in this process as the preview does it (a warm cache, the
    watcher's list of changed files): an article's text edited, then a new 2400x1600 photo added to it."""
    import dataclasses

    from sitegen.build import build as build_site
    from sitegen.build import cache_key
    from sitegen.core.config import load_config
    from sitegen.incremental.cache import Cache

    shutil.rmtree(folder, ignore_errors=True)
    make_site(articles, folder)
    config = load_config(folder)
    preview = dataclasses.replace(config, cache_dir=str(folder / ".preview-cache"),
                                  output_dir=str(folder / ".preview-out"), fingerprint=False)
    warm = Cache(preview.cache_path, cache_key(preview))
    build_site(preview, warm=warm, preview=True, image_cache=config.cache_path)  # the preview's first build
    settle()
    target = sorted((folder / "content").glob("*.md"))[articles // 2]
    rows = []
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    start, cpu = time.perf_counter(), time.process_time()
    build_site(preview, warm=warm, preview=True, image_cache=config.cache_path, changed={target})
    rows.append(("preview: save an article's text", time.perf_counter() - start, time.process_time() - cpu))
    settle()
    photo(10_000, folder / "content" / "new.jpg")
    target.write_text(target.read_text(encoding="utf-8") + "\n![A new photo](new.jpg)\n", encoding="utf-8")
    start, cpu = time.perf_counter(), time.process_time()
    build_site(preview, warm=warm, preview=True, image_cache=config.cache_path,
               changed={target, folder / "content" / "new.jpg"})
    rows.append(("preview: save adding a new 2400x1600 photo (WebP + JPEG now, crops after)",
                 time.perf_counter() - start, time.process_time() - cpu))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--identical", type=int, default=20, help="articles of the byte-identity check")
    parser.add_argument("--preview-only", action="store_true", help="only the preview's saves (20 articles)")
    args = parser.parse_args()
    if args.preview_only:
        folder = Path(tempfile.mkdtemp(prefix="sitegen-preview-"))
        print("| scenario | wall seconds | CPU seconds of the process |\n|---|---|---|")
        for name, seconds, cpu in preview_saves(folder / "site"):
            print(f"| {name} | {seconds:.2f} | {cpu:.2f} |")
        shutil.rmtree(folder, ignore_errors=True)
        return
    work = args.folder or Path(tempfile.mkdtemp(prefix="sitegen-images-"))
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    started = time.perf_counter()
    make_site(args.articles, site)
    print(f"made {args.articles} articles and photos in {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    rows.append(("clean build (every photo processed)", build(site)))
    made = cache_files(site)
    print(f"clean build: {rows[-1][1]:.1f} s, {len(made)} image files encoded", flush=True)
    target = sorted((site / "content").glob("*.md"))[args.articles // 2]
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    rows.append(("edit one article's text", build(site)))
    assert cache_files(site) == made, "the edit re-encoded a photo"
    copy = work / "checkout"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public", ".sitegen-cache"))  # new mtimes
    (copy / ".sitegen-cache").mkdir()
    shutil.copytree(site / ".sitegen-cache" / "images", copy / ".sitegen-cache" / "images")
    restored = cache_files(copy)
    rows.append(("clean checkout, image cache restored", build(copy)))
    again = cache_files(copy)
    encoded = len(set(again) - set(restored)) + sum(1 for k in restored if again.get(k) != restored[k])
    print(f"restored cache: {encoded} files encoded again", flush=True)
    same = "not checked"
    if args.identical:
        small = [work / "a", work / "b"]
        for folder in small:
            shutil.rmtree(folder, ignore_errors=True)
            make_site(args.identical, folder)
            build(folder)
        first, second = (image_hashes(f) for f in small)
        same = f"{len(first)} files, identical" if first == second else \
            f"{sum(1 for k in first if first[k] != second.get(k))} of {len(first)} files differ"
    print(f"\n{args.articles} articles, one 2400x1600 photo each; {len(made)} derivatives; "
          f"cache restored: {encoded} re-encoded; two clean builds of {args.identical}: {same}\n")
    print("| scenario | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    if args.folder is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
