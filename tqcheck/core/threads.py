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
import time
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


#: Set by the command line's SIGINT handler (``watch_interrupts``): a Ctrl-C arrived, whatever became of its
#: KeyboardInterrupt.
INTERRUPTED = threading.Event()


def on_interrupt(signum, frame) -> None:  # noqa: ARG001 - a signal handler's signature
    """The command line's SIGINT handler: Python's own (a KeyboardInterrupt), with the interrupt remembered."""
    INTERRUPTED.set()
    raise KeyboardInterrupt


def _redeliver_dropped(unraisable) -> None:
    """``sys.unraisablehook`` while the command line watches interrupts: a KeyboardInterrupt that CPython could not
    raise (a Ctrl-C whose handler ran inside a weakref callback, a ``__del__``, a gc or atexit callback) is raised
    again in the main thread, at its next line of ordinary code; anything else goes to the hook before."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        import _thread
        import signal

        # tqcheck.cli.common.Terminated (a KeyboardInterrupt) stands for SIGTERM: its own handler raises it again.
        # From another thread, a moment later: here, the handler would run at once, inside this hook (an error in
        # the hook itself is only printed). Raised inside another callback, it comes back here.
        kind = signal.SIGINT if type(unraisable.exc_value) is KeyboardInterrupt else signal.SIGTERM

        def again() -> None:
            time.sleep(0.01)
            _thread.interrupt_main(kind)

        try:
            threading.Thread(target=again, name="tqcheck-ctrl-c", daemon=True).start()
        except RuntimeError:  # the interpreter is shutting down: the program is ending anyway
            pass
        return
    _PREVIOUS_HOOK[0](unraisable)


_PREVIOUS_HOOK: list = []


def watch_interrupts() -> None:
    """For the command line (its main thread, SIGINT with Python's default handler): remember every Ctrl-C
    (``interrupted``) and raise again a KeyboardInterrupt CPython drops, so one Ctrl-C always ends the run (a
    Ctrl-C at start-up was once dropped and the check ran to the end)."""
    import signal
    import sys

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_interrupt)
    if not _PREVIOUS_HOOK:
        _PREVIOUS_HOOK.append(sys.unraisablehook)
        sys.unraisablehook = _redeliver_dropped


def interrupt_handled() -> None:
    """A command took the Ctrl-C as part of its work (``tqcheck review``: stop the walk, keep the decisions): it is
    no longer an interruption of the run."""
    INTERRUPTED.clear()


def interrupted(error: BaseException | None = None) -> bool:
    """Whether a Ctrl-C arrived (``watch_interrupts``), or ``error`` stands for one: a KeyboardInterrupt that
    became another exception on its way (CPython wraps one raised in ``__set_name__`` in a RuntimeError)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return INTERRUPTED.is_set()


__all__ = ["in_background", "map_in_threads", "STOPPING", "Stopped", "Task", "check_stop", "INTERRUPTED",
           "on_interrupt", "watch_interrupts", "interrupted", "interrupt_handled"]
