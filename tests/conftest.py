"""Fixtures that follow the pipeline: a site folder on disk, its config, a built site."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.core.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Config]:
    """make_site({relpath: text}) -> Config for a site folder holding exactly those files."""

    def make(files: dict[str, str | bytes], **overrides: object) -> Config:
        write_files(tmp_path, files)
        return load_config(tmp_path, **overrides)

    return make


def article(title: str = "A headline", date: str = "2023-09-19", body: str = "Some text.", **meta: str) -> str:
    """A content file's text; extra keyword arguments become front matter lines as given."""
    lines = ["---", f"title: {json.dumps(title)}", f"date: {date}", *(f"{k}: {v}" for k, v in meta.items()), "---"]
    return "\n".join(lines) + "\n" + body + "\n"


class Page(HTMLParser):
    """A built page, parsed just enough to assert what a reader sees: text, links, headings."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.links: list[str] = []
        self.text_parts: list[str] = []
        self.headings: dict[str, list[str]] = {}
        self._heading: str | None = None
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.setdefault(tag, []).append("")
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self._heading = None
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text_parts.append(data)
        if self._heading:
            self.headings[self._heading][-1] += data

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def render_texts(config: Config, *texts: str, now: datetime | None = None) -> dict[str, str]:
    """Write the texts as content files, then load, collect, plan and render: {output path: text}."""
    from sitegen.content.load import load_articles
    from sitegen.incremental.cache import Cache
    from sitegen.pages.render import global_signature, make_env, plan_pages, render_pages
    from sitegen.site.collect import build_site

    write_files(config.root, {f"content/{i}.md": text for i, text in enumerate(texts)})
    cache = Cache(config.cache_path, "test")
    articles, errors = load_articles(config, cache)
    assert not errors
    site, _ = build_site(articles, config.per_page, config.title)
    env = make_env(config)
    pages = plan_pages(site, config, env, global_signature(env, config), cache.html, now=now)
    return {o.path: o.data.decode() for o in render_pages(pages, env)}


def read_page(output_dir: Path, url: str) -> Page:
    rel = url.strip("/")
    path = output_dir / rel / "index.html" if not rel.endswith((".html", ".xml")) else output_dir / rel
    return Page(path.read_text(encoding="utf-8"))


# `python -c KILL_HALFWAY build …`: the CLI, SIGKILLed after moving half of its files into place (a real kill
# at the one moment a random delay rarely hits).
KILL_HALFWAY = """
import os, signal, sys
from sitegen import cli
from sitegen.output import write
real = write._apply
def apply_half(plan, staging, output_dir):
    if len(plan["moves"]) > 10:  # the build's own apply, not a recovery: stop it dead halfway
        real({"moves": plan["moves"][: len(plan["moves"]) // 2], "deletes": []}, staging, output_dir)
        os.kill(os.getpid(), signal.SIGKILL)
    real(plan, staging, output_dir)
write._apply = apply_half
sys.exit(cli.main(sys.argv[1:]))
"""


@contextlib.contextmanager
def mounted_tmpfs(size: str, prefix: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``1m``), mounted for one test as a disk that fills up; skips where it cannot be."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (this run is not root)")
    mount_point = Path(tempfile.mkdtemp(prefix=prefix))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        mount_point.rmdir()
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)
        mount_point.rmdir()
