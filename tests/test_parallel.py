"""core.parallel.Background: work on another process that the build may always trust."""

import os

import pytest

from sitegen.core.parallel import Background


def _here_only(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)  # the forked process dies without a word
    return "worked out here"


def _fails() -> None:
    raise ValueError("a bad article")


def test_the_result_comes_from_another_process():
    parent = os.getpid()
    assert Background(lambda: os.getpid() != parent and "forked", jobs=2).result() == "forked"
    assert Background(lambda: os.getpid() == parent and "here", jobs=1).result() == "here"


def test_a_process_that_dies_is_not_trusted_the_work_is_done_here():
    parent = os.getpid()
    assert Background(lambda: _here_only(parent), jobs=2).result() == "worked out here"


def test_an_error_in_the_other_process_is_raised_here():
    with pytest.raises(ValueError, match="a bad article"):
        Background(_fails, jobs=2).result()
