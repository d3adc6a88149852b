"""The build as named, timed stages: what ``sitegen build --explain`` tells of them, and BuildOptions."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import pytest

from sitegen.build import STAGE_NAMES, BuildOptions, build
from sitegen.cli import main
from sitegen.core.config import load_config
from tests.conftest import article, write_files

PIPELINE = ["check", "load", "convert", "timeline", "search", "collect", "images", "plan", "render", "write", "index",
            "record"]


def explained(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[tuple[str, int]], float, list[str]]:
    """(stage, milliseconds) as --explain prints them, the summary's seconds, and the pages it rendered."""
    assert main(["-C", str(site), "build", "--explain", "-j", "1", "--now", "2024-01-01"]) == 0
    out = capsys.readouterr().out.splitlines()
    line = next(x for x in out if x.startswith("stages: "))
    stages = [(name, int(ms)) for name, ms in re.findall(r"(\w+) (\d+) ms", line)]
    memory = [(name, int(mib)) for name, mib in re.findall(r"(\w+) (\d+) MiB", next(x for x in out
                                                                                    if x.startswith("peak memory: ")))]
    # the process's peak after each stage: every stage named, in order, never going down
    assert [name for name, _ in memory] == [name for name, _ in stages]
    assert all(0 < a[1] <= b[1] for a, b in zip(memory, memory[1:], strict=False)) and memory[0][1] > 10
    seconds = float(re.search(r" in (\d+\.\d+) s ", out[-1]).group(1))
    return stages, seconds, [x for x in out if x.startswith("rendered ")]


def test_explain_prints_the_time_of_each_stage_in_pipeline_order(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_files(tmp_path, {"sitegen.yaml": "title: Stages\nsearch: false\n",
                           "content/a.md": article("First story", date="2023-09-19"),
                           "seeds/b.txt": " date 2023-09-20 A seed arrives\n\nBy Staff\n\nIt was converted.\n"})
    stages, seconds, rendered = explained(tmp_path, capsys)
    assert [name for name, _ms in stages] == PIPELINE
    assert sum(ms for _name, ms in stages) <= seconds * 1000 + len(stages)  # each rounded to the millisecond
    assert "rendered index.html: no earlier build in the cache" in rendered
    # nothing changed: the no-op check answers, and it is the only stage
    stages, _seconds, rendered = explained(tmp_path, capsys)
    assert [name for name, _ms in stages] == ["check"] and rendered == []
    # one edit: every stage again, and only the pages that show it rendered
    (tmp_path / "content/a.md").write_text(article("First story", date="2023-09-19", body="New text."))
    stages, _seconds, rendered = explained(tmp_path, capsys)
    assert [name for name, _ms in stages] == PIPELINE
    assert "rendered 2023/09/19/first-story/index.html: what it shows changed" in rendered
    assert "rendered tags/index.html: what it shows changed" not in rendered


def test_the_progress_line_names_each_stage(tmp_path: Path) -> None:
    write_files(tmp_path, {"sitegen.yaml": "title: Stages\nsearch: false\n", "content/a.md": article("Story")})
    told: list[str] = []
    build(load_config(tmp_path), BuildOptions(jobs=1, progress=lambda stage, _done, _total: told.append(stage)))
    assert list(dict.fromkeys(told)) == [STAGE_NAMES[name] for name in PIPELINE]



def test_a_process_that_builds_many_times_can_still_collect_its_garbage(tmp_path: Path) -> None:
    """The build sets the cache's record aside from the cycle collector while it runs; the garbage the
    caller had made by then must not be set aside with it (the test suite's process grew to 1 GiB so)."""
    write_files(tmp_path, {"sitegen.yaml": "title: Garbage\nsearch: false\n", "content/a.md": article("Story")})
    config = load_config(tmp_path)
    build(config)

    class Cycle:
        me: object

    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)  # no collection of its own before the build's
    try:
        garbage = Cycle()
        garbage.me = garbage
        alive = weakref.ref(garbage)
        del garbage
        write_files(tmp_path, {"content/a.md": article("Story, edited")})  # a build that reads the cache
        build(config)
        gc.collect(1)  # the young generations only: what a running program collects most often
    finally:
        gc.set_threshold(*thresholds)
    assert alive() is None
