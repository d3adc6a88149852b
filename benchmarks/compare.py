"""Two or more revisions of sitegen on one corpus, interleaved in one run: did a change make a build slower?

    python benchmarks/compare.py 9d90fd6^ HEAD                 # 10,000 articles, default settings (search on)
    python benchmarks/compare.py A B --articles 2000 --no-search
    python benchmarks/compare.py A B --rounds 5                # more rounds (median reported; default 3)

Each revision is checked out into a temporary git worktree with a virtual environment of its own (its
dependencies installed from the same package index). Each round builds the same corpus (benchmarks/
make_corpus.py, Markdown formatting in most articles) with every revision in turn: a clean build (old output
and cache moved aside, not deleted: see run.py), then an edit of one mid-archive article's body. The order of
the revisions alternates between rounds, so the machine's drift falls on each alike. The figures are wall
seconds, the median over the rounds, and each revision's ratio to the first.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402
from run import discard, run  # noqa: E402


def checkout(revision: str, folder: Path) -> list[str]:
    """The revision in a worktree of its own, installed in its own virtual environment: its build command."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(folder), revision],
                   check=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder / ".venv")], check=True)
    python = folder / ".venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    return [str(python), "-m", "sitegen.cli", "build", "--quiet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revisions", nargs="+", help="git revisions (the first is the baseline)")
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-search", action="store_true", help="search: false")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitegen-compare-"))
    trees: list[Path] = []
    try:
        commands = []
        for i, revision in enumerate(args.revisions):
            trees.append(work / f"rev{i}")
            commands.append(checkout(revision, trees[-1]))
        sites = []
        for i in range(len(args.revisions)):  # one copy of the corpus each: every revision keeps its own cache
            site = work / f"site{i}"
            make_corpus(args.articles, site)
            if args.no_search:
                with (site / "sitegen.yaml").open("a", encoding="utf-8") as settings:
                    settings.write("search: false\n")
            sites.append(site)
        clean: list[list[float]] = [[] for _ in args.revisions]
        edit: list[list[float]] = [[] for _ in args.revisions]
        for round_ in range(args.rounds):
            order = list(range(len(args.revisions)))
            if round_ % 2:
                order.reverse()
            for i in order:
                site = sites[i]
                discard(site / "public")
                discard(site / ".sitegen-cache")
                clean[i].append(run(commands[i], site)[0])
                target = sorted((site / "content").glob("*.md"))[args.articles // 2]
                text = target.read_text(encoding="utf-8")
                target.write_text(text.replace("\n\n", f"\n\nEdited in round {round_}.\n\n", 1), encoding="utf-8")
                edit[i].append(run(commands[i], site)[0])
            print(f"round {round_ + 1}: " + ", ".join(f"{args.revisions[i]} clean {clean[i][-1]:.2f} s "
                                                       f"edit {edit[i][-1]:.2f} s" for i in order), flush=True)
        setting = "search: false" if args.no_search else "default settings (search on)"
        print(f"\n{args.articles:,} articles, {setting}, median of {args.rounds} rounds\n")
        print("| revision | clean build | ratio | edit one article | ratio |")
        print("|---|---|---|---|---|")
        base_clean, base_edit = statistics.median(clean[0]), statistics.median(edit[0])
        for i, revision in enumerate(args.revisions):
            c, e = statistics.median(clean[i]), statistics.median(edit[i])
            print(f"| {revision} | {c:.2f} s | {c / base_clean:.2f}× | {e:.2f} s | {e / base_edit:.2f}× |")
    finally:
        for tree in trees:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
