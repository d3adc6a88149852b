"""Clean builds of one 10k corpus, interleaved: sitegen (default settings and ``search: false``), Hugo, and
Hugo followed by Pagefind, one after the other, for several rounds. The shared machine's speed drifts by
the hour; ``run.py`` times sitegen first and the peers minutes later, so its clean ratios can mix two
speeds. Old outputs are moved aside, not deleted, until the end (see run.py).

    python benchmarks/interleaved.py              # 3 rounds, 10,000 articles
    python benchmarks/interleaved.py --rounds 5 --articles 1000
    python benchmarks/interleaved.py --plain     # the corpus of plain paragraphs (make_corpus.py --plain)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402
from run import ENV, hugo_site  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--plain", action="store_true", help="the corpus without Markdown formatting")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitegen-interleaved-"))
    corpus = work / "corpus"
    make_corpus(args.articles, corpus, plain=args.plain)
    with_search, without = work / "sitegen", work / "sitegen-no-search"
    shutil.copytree(corpus, with_search)
    shutil.copytree(corpus, without)
    with (without / "sitegen.yaml").open("a", encoding="utf-8") as settings:
        settings.write("search: false\n")
    hugo = hugo_site(corpus, work / "hugo")
    trash = work / "trash"
    trash.mkdir()
    sitegen = [sys.executable, "-m", "sitegen.cli", "build", "--quiet"]
    pagefind = f"hugo --quiet && {sys.executable} -m pagefind --site public --silent"
    cases = {"sitegen, default settings": (sitegen, with_search, ["public", ".sitegen-cache"]),
             "sitegen, search: false": (sitegen, without, ["public", ".sitegen-cache"]),
             "Hugo": (["hugo", "--quiet"], hugo, ["public", "resources"]),
             "Hugo, then Pagefind": (["sh", "-c", pagefind], hugo, ["public", "resources"])}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for number in range(args.rounds):
        for name, (command, folder, outputs) in cases.items():
            for output in outputs:
                if (folder / output).exists():
                    (folder / output).rename(trash / uuid.uuid4().hex)
            os.sync()
            start = time.perf_counter()
            subprocess.run(command, cwd=folder, env=ENV, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
        print(f"round {number + 1}: " + ", ".join(f"{name} {t[-1]:.2f} s" for name, t in times.items()), flush=True)
    median = {name: statistics.median(t) for name, t in times.items()}
    print("\n| clean build | median |\n|---|---|")
    for name, seconds in median.items():
        print(f"| {name} | {seconds:.2f} s |")
    print(f"\nsitegen, default settings / Hugo, then Pagefind: "
          f"{median['sitegen, default settings'] / median['Hugo, then Pagefind']:.2f}x")
    print(f"sitegen, search: false / Hugo: {median['sitegen, search: false'] / median['Hugo']:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
