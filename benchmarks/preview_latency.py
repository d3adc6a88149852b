"""Save-to-browser latency of `sitegen serve`: write a file, time until the open tab's DOM shows it.

    python benchmarks/preview_latency.py [--sizes 1000 10000] [--runs 5]
    python benchmarks/preview_latency.py --photos [--site DIR] --sizes 1000   # every article with a photo

For each size: a corpus (benchmarks/make_corpus.py when present, else a small generator here), then the real
`sitegen serve` on a free port and headless Chromium (/usr/bin/chromium) on the page. Each run saves a file
the way editors do (write a temporary file, rename it over the old one) and measures, on the wall clock,
from just before the rename until the browser's DOM shows the change, without the benchmark reloading:

- headline: the newest article's title, watched on the front page (front, tag, archive, author pages and
  feeds all change);
- body: a paragraph of that article, watched on its own page;
- stylesheet: static/style.css, watched as the body's computed colour (swapped in place, no reload);
- photo (with ``--photos``): a new 2400x1600 JPEG, never seen before, dropped into content/ and made that
  article's lead image in the same save, watched on the article's page until the ``<img>`` has loaded.

``--photos``: the corpus is benchmarks/images.py's (each article its own 2400x1600 photo), built once with
`sitegen build` before the preview starts (as a site in use has its image cache filled). ``--site DIR``
uses that site already made (``benchmarks/images.py --folder X`` leaves it in X/site) instead of making one
(half an hour at 1,000 photos); the probe files are added to it and removed afterwards.

Prints the median and the worst run of each, and the server's own build time for them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PROBE = "content/2030-01-01-latency-probe.md"
sys.path.insert(0, str(REPO))  # benchmarks.images (the photos)
BUILT = re.compile(r"^\d\d:\d\d:\d\d built .* in ([\d.]+) s")


def make_site(n: int, folder: Path, photos: bool = False) -> None:
    """A corpus of n articles, one probe article newer than all of them, and the site's own stylesheet."""
    maker = REPO / "benchmarks/make_corpus.py"
    if photos:
        from benchmarks.images import make_site as photo_site

        photo_site(n, folder)
    elif maker.is_file():
        subprocess.run([sys.executable, str(maker), str(n), str(folder)], check=True, stdout=subprocess.DEVNULL)
    else:
        _own_corpus(n, folder)
    add_probe(folder)


def add_probe(folder: Path) -> None:
    (folder / PROBE).write_text(_probe("Probe headline 0", "Probe paragraph 0."), encoding="utf-8")
    (folder / "static").mkdir(exist_ok=True)
    shutil.copy(REPO / "static/style.css", folder / "static/style.css")


def _probe(title: str, paragraph: str, image: str = "") -> str:
    lead = f'image: {{src: {image}, alt: "Probe photo {image}"}}\n' if image else ""
    return (f'---\ntitle: "{title}"\ndate: 2030-01-01\nslug: latency-probe\nauthors: [Benchmark]\n'
            f"tags: [Latency]\n{lead}---\n{paragraph}\n\nA second paragraph that stays the same.\n")


def _own_corpus(n: int, folder: Path) -> None:
    (folder / "content").mkdir(parents=True)
    (folder / "sitegen.yaml").write_text("title: Benchmark News\n", encoding="utf-8")
    words = ["government", "minister", "talks", "economy", "markets", "report", "council", "election", "trade"]
    for i in range(n):
        day = f"{2014 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        title = f"{words[i % len(words)].title()} {words[i * 7 % len(words)]} story {i}"
        body = "\n\n".join(" ".join(words[(i + j) % len(words)] for j in range(60)) for _ in range(8))
        (folder / f"content/{day}-story-{i}.md").write_text(
            f'---\ntitle: "{title}"\ndate: {day}\ntags: [{words[i % 5]}, {words[i % 7]}]\n---\n{body}\n',
            encoding="utf-8")


def save(path: Path, text: str, photo: tuple[Path, Path] | None = None) -> float:
    """Save as editors do (temporary file, then rename); returns the wall clock just before the rename.
    ``photo``: (made beforehand, outside the watched folders; its place in content/), moved in first."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    started = time.time()
    if photo:
        os.replace(*photo)
    os.replace(temp, path)
    return started


class Server:
    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "-C", str(root), "serve", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(self.proc.stdout.readline, "")), daemon=True).start()
        self.url = re.search(r"http://\S+", self.wait(lambda line: line.startswith("serving "))).group(0)
        self.first_build = float(BUILT.match(self.wait(BUILT.match, timeout=900)).group(1))

    def wait(self, found, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found(line):
                    return line
            if self.proc.poll() is not None:
                raise SystemExit("sitegen serve stopped:\n" + "".join(self.lines))
            time.sleep(0.02)
        raise SystemExit("timed out:\n" + "".join(self.lines[-20:]))

    def builds(self) -> list[float]:
        return [float(m.group(1)) for m in map(BUILT.match, list(self.lines)) if m]

    def stop(self) -> None:
        self.proc.send_signal(2)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            print("  sitegen serve did not stop within 60 s of Ctrl-C; killed")
            self.proc.kill()


# In every document of the tab: the first moment the awaited condition holds, on the page's own clock, so
# that neither Playwright's polling nor its round trips count.
WATCH = """(() => {
  const check = () => {
    const probe = sessionStorage.getItem('probe');
    try {
      if (probe && !sessionStorage.getItem('seenAt') && (0, eval)(probe)) {
        sessionStorage.setItem('seenAt', String(Date.now()));
      }
    } catch (e) {}
  };
  document.addEventListener('DOMContentLoaded', check);
  const loop = () => { check(); requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
})();"""


ARM = "probe => { sessionStorage.removeItem('seenAt'); sessionStorage.setItem('probe', probe); }"


def measure(n: int, runs: int, photos: bool = False, site: Path | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sitegen-latency-") as tmp:
        root = site or Path(tmp) / "site"
        made = time.perf_counter()
        if site:
            n = len(list((root / "content").glob("*.md")))
            css = root / "static/style.css"
            own_css = css.read_bytes() if css.is_file() else None
            add_probe(root)
        else:
            make_site(n, root, photos)
            print(f"  corpus of {n} written in {time.perf_counter() - made:.0f} s")
            if photos:
                made = time.perf_counter()
                subprocess.run([sys.executable, "-m", "sitegen.cli", "-C", str(root), "build", "--quiet"], check=True)
                print(f"  photos processed by sitegen build in {time.perf_counter() - made:.0f} s")
        server = Server(root)
        results: dict[str, object] = {"articles": n, "first build": server.first_build}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.add_init_script(WATCH)
                for name, url, edit, shown in scenarios(root, server.url, photos):
                    page.goto(url)
                    times, server_times = [], []
                    for run in range(1, runs + 1):
                        change = edit(run)
                        connected(page)
                        page.evaluate(ARM, shown(run))
                        before = len(server.builds())
                        saved_ms = save(*change) * 1000
                        page.wait_for_function("() => sessionStorage.getItem('seenAt')", timeout=300_000)
                        times.append((int(page.evaluate("() => sessionStorage.getItem('seenAt')")) - saved_ms) / 1000)
                        deadline = time.monotonic() + 60
                        while len(server.builds()) == before and time.monotonic() < deadline:
                            time.sleep(0.01)
                        server_times += server.builds()[before:]
                        # a new photo's other sizes and formats are made on the server's thread after the page
                        # shows: let them finish, as they would while the writer reads the page
                        time.sleep(6 if name == "photo" else 0.3)
                    results[name] = (statistics.median(times), max(times), statistics.median(server_times))
                    print(f"  {name}: median {results[name][0]:.2f} s, worst {results[name][1]:.2f} s "
                          f"(server build median {results[name][2]:.2f} s)")
                browser.close()
        finally:
            server.stop()
            if site:
                (root / PROBE).unlink()
                for made_photo in (root / "content").glob("latency-photo-*.jpg"):
                    made_photo.unlink()
                shutil.rmtree(root / ".latency-photos", ignore_errors=True)
                if own_css is None:
                    css.unlink()
                else:
                    css.write_bytes(own_css)
        return results


def scenarios(root: Path, url: str, photos: bool = False):
    """(name, page to watch, the edit of run i, a JS expression true once run i shows)."""
    probe, css = root / PROBE, root / "static/style.css"
    base_css = css.read_text(encoding="utf-8")
    now = {"title": "Probe headline 0", "paragraph": "Probe paragraph 0.", "image": ""}

    def edit(key: str, value: str) -> tuple[Path, str]:
        now[key] = value
        return probe, _probe(now["title"], now["paragraph"], now["image"])

    def new_photo(i: int) -> tuple[Path, str, tuple[Path, Path]]:
        from benchmarks.images import photo

        name = f"latency-photo-{time.time_ns()}.jpg"  # never one the image cache has seen
        made = root / ".latency-photos" / name
        made.parent.mkdir(exist_ok=True)
        photo(time.time_ns() % 2**32, made)
        return (*edit("image", name), (made, root / "content" / name))

    yield ("headline", url, lambda i: edit("title", f"Probe headline {i}"),
           lambda i: f"document.body.innerText.includes('Probe headline {i}')")
    yield ("body", url + "2030/01/01/latency-probe/", lambda i: edit("paragraph", f"Probe paragraph {i}."),
           lambda i: f"document.body.innerText.includes('Probe paragraph {i}.')")
    yield ("stylesheet", url, lambda i: (css, base_css + f"\nbody {{ color: rgb({i}, 1, 2); }}\n"),
           lambda i: f"getComputedStyle(document.body).color === 'rgb({i}, 1, 2)'")
    if photos:
        yield ("photo", url + "2030/01/01/latency-probe/", new_photo,
               lambda i: f"(() => {{ const img = document.querySelector('img[alt=\"Probe photo {now['image']}\"]'); "
                         "return !!img && img.complete && img.naturalWidth > 0; })()")


def connected(page) -> None:
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default: 1k, 10k)")
    parser.add_argument("--runs", type=int, default=5, help="saves per scenario (default 5)")
    parser.add_argument("--photos", action="store_true", help="every article with its own photo; a photo scenario")
    parser.add_argument("--site", type=Path, default=None,
                        help="with --photos: a photo site already made and built (benchmarks/images.py --folder)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"preview latency on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, sitegen serve + Chromium")
    rows = []
    for n in args.sizes:
        print(f"{n} articles:")
        rows.append(measure(n, args.runs, args.photos, args.site))
    print("\nsave → browser shows it, median / worst of", args.runs, "saves (server build time, median)")
    kinds = ("headline", "body", "stylesheet", *(("photo",) if args.photos else ()))
    print(f"{'articles':>9}  {'first build':>11}  {'headline (front page)':>24}  {'body (article page)':>24}  "
          f"{'stylesheet (no reload)':>24}" + (f"  {'new photo (article page)':>24}" if args.photos else ""))
    for row in rows:
        cells = [f"{row[k][0]:.2f} / {row[k][1]:.2f} s ({row[k][2]:.2f})" for k in kinds]
        print(f"{row['articles']:>9,}  {row['first build']:>9.1f} s  " + "  ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    main()
