"""Work on threads that never hold up the end of the program for long.

The check-time models (ONNX Runtime, NumPy) let go of the GIL while they run, so a document's sentences can share
the cores on threads. ``concurrent.futures`` pools are joined when the interpreter exits, and their workers first
finish every queued item: a Ctrl-C in the middle of a long document waited for all of its remaining sentences
(14 s on 1,000 zh-en segments). Daemon threads would not be waited for, but one still inside ONNX Runtime as the
interpreter tears down aborts the process. So these threads are ordinary ones that take one item at a time and
take no more once the program is ending (``STOPPING``, set as the interpreter starts to shut down, before it
joins its threads) or their caller has gone: the end waits for the items in hand (milliseconds) only.
"""

from __future__ import annotations

import atexit
import threading
from concurrent.futures import Future
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Set when the interpreter starts to shut down: no thread here takes another item.
STOPPING = threading.Event()


class Stopped(RuntimeError):
    """The program is ending: the work was left unfinished."""


try:  # run before the interpreter joins its threads (atexit handlers run after): CPython 3.9+
    threading._register_atexit(STOPPING.set)  # type: ignore[attr-defined]
except (AttributeError, RuntimeError):  # pragma: no cover - another interpreter
    atexit.register(STOPPING.set)


#: Per thread: the ``Task.stopped`` event of the background task it runs, if any.
_LOCAL = threading.local()


class Task(Future):
    """The Future of ``in_background``; ``stop()`` asks its work to end early: the ``map_in_threads`` it runs
    take no more items and raise ``Stopped`` (a prediction nobody will read stops using the cores)."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()


def check_stop() -> None:
    """Raise ``Stopped`` when the program is ending or this thread's background task was stopped: called between
    the long steps of work that may run in the background (loading a model, one stage of a prediction)."""
    halt = getattr(_LOCAL, "stopped", None)
    if STOPPING.is_set() or (halt is not None and halt.is_set()):
        raise Stopped("the program is ending" if STOPPING.is_set() else "stopped")


def in_background(fn: Callable[[], R], name: str = "tqcheck-background") -> Task:
    """Run ``fn()`` on a thread of its own; its result (or exception) in the returned Task (a Future)."""
    future = Task()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        _LOCAL.stopped = future.stopped
        try:
            future.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, name=name).start()
    return future


def map_in_threads(fn: Callable[..., R], items: Sequence[T], threads: int, *more: Sequence) -> list[R]:
    """``[fn(item, *others) for item, *others in zip(items, *more)]``, on up to ``threads`` threads that take the
    items one at a time, in order; the first exception is raised once every thread has stopped (the others stop
    taking items), ``Stopped`` when the program ends first or the background task running this is stopped. The
    results do not depend on ``threads``."""
    n = len(items)
    halt = getattr(_LOCAL, "stopped", None)  # the caller's background task, when it runs in one
    if n == 0:
        return []
    if (threads < 2 or n < 2) and halt is None:
        return [fn(*args) for args in zip(items, *more)]
    results: list = [None] * n
    lock = threading.Lock()
    state = {"next": 0, "error": None}
    done = threading.Event()
    running = [max(1, min(threads, n))]

    def work() -> None:
        try:
            while True:
                with lock:
                    k = state["next"]
                    if k < n and state["error"] is None and (STOPPING.is_set() or (halt and halt.is_set())):
                        state["error"] = Stopped("the program is ending" if STOPPING.is_set() else "stopped")
                    if k >= n or state["error"] is not None:
                        return
                    state["next"] = k + 1
                try:
                    results[k] = fn(items[k], *(m[k] for m in more))
                except BaseException as exc:  # noqa: BLE001 - raised in the caller
                    with lock:
                        if state["error"] is None:
                            state["error"] = exc
                    return
        finally:
            with lock:
                running[0] -= 1
                if running[0] == 0:
                    done.set()

    for _ in range(running[0]):
        threading.Thread(target=work, name="tqcheck-worker").start()
    try:
        done.wait()
    except BaseException:  # Ctrl-C: no thread takes another item
        with lock:
            state["next"] = n
        raise
    if state["error"] is not None:
        raise state["error"]
    return results


__all__ = ["in_background", "map_in_threads", "STOPPING", "Stopped", "Task", "check_stop"]
