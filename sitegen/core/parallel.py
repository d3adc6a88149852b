"""Spreading CPU-bound work (Markdown, page rendering) over processes; results always in input order,
so a parallel build is byte-identical to a serial one (``--jobs 1``)."""

from __future__ import annotations

import os
import signal
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL = 64  # below this, starting processes costs more than it saves


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _can_fork() -> bool:
    import multiprocessing  # here: a rebuild of a few pages never needs it, and it takes 10 ms to import

    return "fork" in multiprocessing.get_all_start_methods()


def parallel_imap(fn: Callable[[T], R], items: Sequence[T], jobs: int, min_items: int = MIN_PARALLEL) -> Iterator[R]:
    """``map(fn, items)`` on up to ``jobs`` forked processes, yielding results in order as they come.

    Forking lets workers share what the parent already built (the site model, compiled templates)
    without pickling it; ``fn`` must be a module-level function. Fewer than ``min_items`` items are
    mapped here (items that are batches of work may set it lower).
    """
    if jobs <= 1 or len(items) < min_items or not _can_fork():
        yield from map(fn, items)
        return
    import multiprocessing

    chunk = max(1, min(256, len(items) // (jobs * 8)))
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
        yield from pool.imap(fn, items, chunksize=chunk)


def _start_worker(parent: int) -> None:
    # Ctrl-C goes to the whole process group: the parent stops the pool; workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker ends with the thread that forked it, even one stopped half-way through starting the pool
    # (the preview's Ctrl-C), before the pool could know of every worker to terminate it.
    if _die_with_parent() and os.getppid() != parent:
        os._exit(0)  # that thread has gone already


def _die_with_parent() -> bool:
    """Linux's PR_SET_PDEATHSIG: SIGTERM when the forking thread ends. False where it does not exist."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)  # this process and the C library it links
        return bool(libc.prctl(1, signal.SIGTERM, 0, 0, 0) == 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def parallel_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, min_items: int = MIN_PARALLEL) -> list[R]:
    return list(parallel_imap(fn, list(items), jobs, min_items))


class Background(Generic[R]):
    """``fn()`` worked out on a forked process from now on, while this one goes on; ``result()`` waits for
    it. A first build's related-articles pass runs so beside the rest of the plan, on a core that had
    nothing to do. Forked, the process sees what this one has built; only the result is pickled back. A
    process that fails in any way (an exception, killed) is not trusted: ``fn`` then runs here, and raises
    here what it raises. With one job or no fork, ``fn`` runs here when the result is asked for."""

    def __init__(self, fn: Callable[[], R], jobs: int) -> None:
        self._fn = fn
        self._done: tuple[R] | None = None
        self._process: Any = None
        if jobs <= 1 or not _can_fork():
            return
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._receiving, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_background, args=(fn, sending, os.getpid()), daemon=True)
        self._process.start()
        sending.close()
        # never asked for (the build failed first): the process must not wait on a full pipe forever
        weakref.finalize(self, _stop, self._process, self._receiving, os.getpid())

    def result(self) -> R:
        if self._done is None:
            self._done = (self._received() if self._process is not None else self._fn(),)
        return self._done[0]

    def _received(self) -> R:
        try:
            ok, value = self._receiving.recv()
        except (EOFError, OSError):  # it died
            ok, value = False, None
        finally:
            _stop(self._process, self._receiving, os.getpid())
        return value if ok else self._fn()


def _background(fn: Callable[[], Any], sending: Any, parent: int) -> None:
    _start_worker(parent)
    try:
        outcome = (True, fn())
    except BaseException:  # noqa: BLE001 - told as a failure: the parent works it out again and raises it
        outcome = (False, None)
    try:
        sending.send(outcome)
        sending.close()
    except OSError:  # the parent has gone, or stopped waiting
        pass


def _stop(process: Any, receiving: Any, owner: int) -> None:
    if os.getpid() != owner:  # a copy in a process forked later (a render worker): not its child
        return
    receiving.close()
    if process.is_alive():
        process.terminate()
    process.join()
