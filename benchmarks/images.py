"""Photos at scale: N articles, each with its own 2400x1600 JPEG lead image (made here, deterministically).

    python benchmarks/images.py --articles 1000 [--folder DIR [--reuse]] [--identical 20]

Times, with `sitegen build --quiet` in a subprocess, with the default settings (search on):

1. a clean build (no output, no cache): every photo decoded once and every derivative encoded;
2. the rebuild after editing one article's text: no photo may be processed again (median of three edits),
   then the same with `search: false` (the variant the other benchmarks at scale also report);
3. a clean build of a fresh copy of the site (new mtimes, as a CI checkout) with the cache restored:
   nothing may be encoded again (the image cache's files are counted and their mtimes compared);

and checks that the image outputs are byte-identical between two clean builds (of the first
``--identical`` articles: two more full clean builds of every photo would double the run).
``--reuse``: the site of an earlier run in ``--folder`` is built again (a no-op) instead of made and built
from nothing (half an hour at 1,000 photos); its clean build is then not timed.
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
# as installed programs run, with their compiled bytecode cached (benchmarks/run.py)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "SOURCE_DATE_EPOCH": "1700000000"}


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


def edits(site: Path, articles: int, runs: int = 3) -> float:
    """The median rebuild after appending a sentence to the same article."""
    import statistics

    target = sorted((site / "content").glob("*.md"))[articles // 2]
    times = []
    for _ in range(runs):
        target.write_text(target.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        times.append(build(site))
    return statistics.median(times)


def set_search(site: Path, on: bool) -> None:
    settings = site / "sitegen.yaml"
    text = settings.read_text(encoding="utf-8").replace("search: false\n", "")
    settings.write_text(text + ("" if on else "search: false\n"), encoding="utf-8")


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


def preview_saves(folder: Path, articles: int = 20, reuse: bool = False) -> list[tuple[str, float, float]]:
    """What `sitegen serve` does on a save, in this process as the preview does it (a warm session, the
    watcher's list of changed files; preview/serve.py): an article's text edited, then a new 2400x1600 photo
    added to it. ``reuse``: the site already in ``folder`` (its image cache filled by `sitegen build`)."""
    import dataclasses

    from sitegen.build import BuildOptions, Session, cache_key
    from sitegen.build import build as build_site
    from sitegen.core.config import load_config
    from sitegen.incremental.cache import Cache, read_state

    if not (reuse and (folder / "content").is_dir()):
        shutil.rmtree(folder, ignore_errors=True)
        make_site(articles, folder)
    articles = len(list((folder / "content").glob("*.md")))
    config = load_config(folder)
    preview = dataclasses.replace(config, cache_dir=str(folder / ".preview-cache"),
                                  output_dir=str(folder / ".preview-out"), fingerprint=False)
    session = Session(Cache(preview.cache_path, cache_key(preview)),
                      read_state(config.cache_path, cache_key(config)).sources)
    options = BuildOptions(index_later=True, preview=True, image_cache=config.cache_path)

    def save(changed: set[Path]) -> tuple[float, float]:
        session.changed = changed
        start, cpu = time.perf_counter(), time.process_time()
        build_site(preview, options, session)
        return time.perf_counter() - start, time.process_time() - cpu

    build_site(preview, options, session)  # the preview's first build
    settle()
    target = sorted((folder / "content").glob("*.md"))[articles // 2]
    rows = []
    for _ in range(3):
        target.write_text(target.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        rows.append(("preview: save an article's text", *save({target})))
        settle()
    for run in range(3):
        new = folder / "content" / f"new-{run}.jpg"
        photo(10_000 + run + int(time.time()), new)  # never one the image cache has
        target.write_text(target.read_text(encoding="utf-8") + f"\n![A new photo]({new.name})\n", encoding="utf-8")
        rows.append(("preview: save adding a new 2400x1600 photo (WebP + JPEG now, the rest after)",
                     *save({target, new})))
        settle()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--identical", type=int, default=20, help="articles of the byte-identity check")
    parser.add_argument("--preview-only", action="store_true",
                        help="only the preview's saves (20 articles, or the site of --folder with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="the site already made and built in --folder")
    args = parser.parse_args()
    if args.preview_only:
        folder = args.folder or Path(tempfile.mkdtemp(prefix="sitegen-preview-"))
        print("| scenario | wall seconds | CPU seconds of the process |\n|---|---|---|")
        for name, seconds, cpu in preview_saves(folder / "site", 20, args.reuse):
            print(f"| {name} | {seconds:.2f} | {cpu:.2f} |")
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
        return
    work = args.folder or Path(tempfile.mkdtemp(prefix="sitegen-images-"))
    site = work / "site"
    rows = []
    if args.reuse and (site / "public").is_dir():
        set_search(site, True)
        build(site)
        print(f"reused the site in {site} (its clean build not timed)", flush=True)
    else:
        shutil.rmtree(site, ignore_errors=True)
        started = time.perf_counter()
        make_site(args.articles, site)
        print(f"made {args.articles} articles and photos in {time.perf_counter() - started:.1f} s", flush=True)
        rows.append(("clean build (every photo processed)", build(site)))
        print(f"clean build: {rows[-1][1]:.1f} s", flush=True)
    made = cache_files(site)
    rows.append(("edit one article's text (default settings: search on)", edits(site, args.articles)))
    set_search(site, False)
    build(site)  # every page says search is off: rendered again once
    rows.append(("edit one article's text, search: false", edits(site, args.articles)))
    set_search(site, True)
    build(site)
    assert cache_files(site) == made, "an edit re-encoded a photo"
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
