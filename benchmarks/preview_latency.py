"""Save-to-browser latency of `sitegen serve`: write a file, time until the open tab's DOM shows it.

    python benchmarks/preview_latency.py [--sizes 1000 10000] [--runs 5]

For each size: a corpus (benchmarks/make_corpus.py when present, else a small generator here), then the real
`sitegen serve` on a free port and headless Chromium (/usr/bin/chromium) on the page. Each run saves a file
the way editors do (write a temporary file, rename it over the old one) and measures, on the wall clock,
from just before the rename until the browser's DOM shows the change, without the benchmark reloading:

- headline: the newest article's title, watched on the front page (front, tag, archive, author pages and
  feeds all change);
- body: a paragraph of that article, watched on its own page;
- stylesheet: static/style.css, watched as the body's computed colour (swapped in place, no reload).

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
BUILT = re.compile(r"^\d\d:\d\d:\d\d built .* in ([\d.]+) s")


def make_site(n: int, folder: Path) -> None:
    """A corpus of n articles, one probe article newer than all of them, and the site's own stylesheet."""
    maker = REPO / "benchmarks/make_corpus.py"
    if maker.is_file():
        subprocess.run([sys.executable, str(maker), str(n), str(folder)], check=True, stdout=subprocess.DEVNULL)
    else:
        _own_corpus(n, folder)
    (folder / PROBE).write_text(_probe("Probe headline 0", "Probe paragraph 0."), encoding="utf-8")
    (folder / "static").mkdir(exist_ok=True)
    shutil.copy(REPO / "static/style.css", folder / "static/style.css")


def _probe(title: str, paragraph: str) -> str:
    return (f'---\ntitle: "{title}"\ndate: 2030-01-01\nslug: latency-probe\nauthors: [Benchmark]\n'
            f"tags: [Latency]\n---\n{paragraph}\n\nA second paragraph that stays the same.\n")


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


def save(path: Path, text: str) -> float:
    """Save as editors do (temporary file, then rename); returns the wall clock just before the rename."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    started = time.time()
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


def measure(n: int, runs: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sitegen-latency-") as tmp:
        root = Path(tmp) / "site"
        made = time.perf_counter()
        make_site(n, root)
        print(f"  corpus of {n} written in {time.perf_counter() - made:.0f} s")
        server = Server(root)
        results: dict[str, object] = {"articles": n, "first build": server.first_build}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.add_init_script(WATCH)
                for name, url, edit, shown in scenarios(root, server.url):
                    page.goto(url)
                    times, server_times = [], []
                    for run in range(1, runs + 1):
                        connected(page)
                        page.evaluate(ARM, shown(run))
                        before = len(server.builds())
                        saved_ms = save(*edit(run)) * 1000
                        page.wait_for_function("() => sessionStorage.getItem('seenAt')", timeout=300_000)
                        times.append((int(page.evaluate("() => sessionStorage.getItem('seenAt')")) - saved_ms) / 1000)
                        deadline = time.monotonic() + 60
                        while len(server.builds()) == before and time.monotonic() < deadline:
                            time.sleep(0.01)
                        server_times += server.builds()[before:]
                        time.sleep(0.3)
                    results[name] = (statistics.median(times), max(times), statistics.median(server_times))
                    print(f"  {name}: median {results[name][0]:.2f} s, worst {results[name][1]:.2f} s "
                          f"(server build median {results[name][2]:.2f} s)")
                browser.close()
        finally:
            server.stop()
        return results


def scenarios(root: Path, url: str):
    """(name, page to watch, the edit of run i, a JS expression true once run i shows)."""
    probe, css = root / PROBE, root / "static/style.css"
    base_css = css.read_text(encoding="utf-8")
    now = {"title": "Probe headline 0", "paragraph": "Probe paragraph 0."}

    def edit(key: str, value: str) -> tuple[Path, str]:
        now[key] = value
        return probe, _probe(now["title"], now["paragraph"])

    yield ("headline", url, lambda i: edit("title", f"Probe headline {i}"),
           lambda i: f"document.body.innerText.includes('Probe headline {i}')")
    yield ("body", url + "2030/01/01/latency-probe/", lambda i: edit("paragraph", f"Probe paragraph {i}."),
           lambda i: f"document.body.innerText.includes('Probe paragraph {i}.')")
    yield ("stylesheet", url, lambda i: (css, base_css + f"\nbody {{ color: rgb({i}, 1, 2); }}\n"),
           lambda i: f"getComputedStyle(document.body).color === 'rgb({i}, 1, 2)'")


def connected(page) -> None:
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default: 1k, 10k)")
    parser.add_argument("--runs", type=int, default=5, help="saves per scenario (default 5)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"preview latency on {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, sitegen serve + Chromium")
    rows = []
    for n in args.sizes:
        print(f"{n} articles:")
        rows.append(measure(n, args.runs))
    print("\nsave → browser shows it, median / worst of", args.runs, "saves (server build time, median)")
    print(f"{'articles':>9}  {'first build':>11}  {'headline (front page)':>24}  {'body (article page)':>24}  "
          f"{'stylesheet (no reload)':>24}")
    for row in rows:
        cells = [f"{row[k][0]:.2f} / {row[k][1]:.2f} s ({row[k][2]:.2f})" for k in ("headline", "body", "stylesheet")]
        print(f"{row['articles']:>9,}  {row['first build']:>9.1f} s  " + "  ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    main()
