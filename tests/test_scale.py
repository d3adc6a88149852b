"""Size and scale: one huge article, one article with 1,000 tags, 10,000 articles on one day, as real builds."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import article, read_page, write_files

pytestmark = pytest.mark.slow
SITEGEN = [sys.executable, "-m", "sitegen.cli"]


def build(site: Path) -> tuple[float, float]:
    """Build as a real process: (seconds, peak RSS in MiB of the largest child so far)."""
    started = time.monotonic()
    done = subprocess.run([*SITEGEN, "-C", str(site), "build", "--now", "2024-01-01"], capture_output=True,
                          text=True, timeout=600)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@pytest.mark.parametrize("markdown", [False, True])
def test_a_10_mb_article_builds(tmp_path: Path, markdown: bool) -> None:
    sentence = "The delegation met again on Tuesday and said the talks would go on. " * 6
    para = f"Some *emphasis*, a [link](https://example.org/) and `code`. {sentence}" if markdown else sentence
    body = "\n\n".join([para] * (10_000_000 // len(para)))
    write_files(tmp_path, {"sitegen.yaml": "search: false\n", "content/huge.md": article("Huge", body=body)})
    seconds, rss = build(tmp_path)
    page = (tmp_path / "public/2023/09/19/huge/index.html").read_bytes()
    assert len(page) > 10_000_000 and page.count(b"<p>") >= 10_000_000 // len(para)
    print(f"\n10 MB article ({'Markdown' if markdown else 'plain'}): {seconds:.1f} s, page {len(page) / 1e6:.1f} MB, "
          f"peak RSS {rss:.0f} MiB")
    assert rss < 1024


def test_an_article_with_1000_tags(tmp_path: Path) -> None:
    # Each tag's page and feed shows the article: listing all of its tags there made the output quadratic
    # (141 MB: 1,000 pages and feeds of 1,000 tag links or categories each; 71.5 s on a loaded machine).
    tags = [f"Topic {i}" for i in range(1000)]
    write_files(tmp_path, {"sitegen.yaml": "search: false\n",
                           "content/tagged.md": article("Tagged", tags="[" + ", ".join(tags) + "]")})
    seconds, _rss = build(tmp_path)
    public = tmp_path / "public"
    for i in range(1000):
        page = read_page(public, f"/tags/topic-{i}/")
        assert "Tagged" in page.text and "and 990 more" in page.text
        assert [link for link in page.links if link.endswith("/") and "/tags/topic-" in link] == [
            f"/tags/topic-{n}/" for n in range(10)]
        assert (public / f"tags/topic-{i}/index.html").stat().st_size < 10_000
        assert (public / f"tags/topic-{i}/feed.xml").read_text(encoding="utf-8").count("<category ") == 10
    story = read_page(public, "/2023/09/19/tagged/")
    assert all(f"/tags/topic-{i}/" in story.links for i in range(1000))  # the article itself lists every tag
    size = (public / "2023/09/19/tagged/index.html").stat().st_size
    total = sum(f.stat().st_size for f in public.rglob("*") if f.is_file())
    print(f"\n1,000 tags: {seconds:.1f} s, article page {size / 1e3:.0f} kB, output {total / 1e6:.1f} MB")
    assert size < 500_000
    assert total < 10_000_000  # linear in the number of tags (5.7 MB), no longer quadratic (141 MB)


def test_10000_articles_on_one_day(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"sitegen.yaml": "search: false\nper_page: 10\n"}
    files.update({f"content/{i:05d}.md": article(f"Story number {i}", body=f"Story {i}.") for i in range(10_000)})
    write_files(tmp_path, files)
    seconds, rss = build(tmp_path)
    day = tmp_path / "public/2023/09/19"
    slugs = [p.name for p in day.iterdir() if p.is_dir() and p.name != "page"]
    assert len(slugs) == len(set(slugs)) == 10_000
    assert (day / "page/1000/index.html").exists() and not (day / "page/1001").exists()
    print(f"\n10,000 articles on one day: {seconds:.1f} s, peak RSS {rss:.0f} MiB")
    assert rss < 1024
