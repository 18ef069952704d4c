"""One Ctrl-C always ends a LanguageTool request, even when CPython drops its KeyboardInterrupt.

CPython raises a SIGINT's KeyboardInterrupt in whatever the main thread runs next; inside a weakref callback it
is unraisable and dropped. These tests drop one on purpose, exactly that way, inside the guard of a request.
"""

from __future__ import annotations

import signal
import threading
import time
import weakref

import pytest

from tqcheck.checks.grammar.languagetool_backend import _CtrlC

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped interrupts


class _Thing:
    pass


def _swallowed_interrupt(guard: _CtrlC, signum: int = signal.SIGINT) -> None:
    """Deliver ``signum`` to the guard's handler inside a weakref callback, where its exception is dropped."""
    thing = _Thing()
    ref = weakref.ref(thing, lambda _: guard._on_signal(signum, None))
    del thing  # the callback runs now; its KeyboardInterrupt is "Exception ignored"
    assert ref() is None


def test_a_dropped_interrupt_still_ends_a_blocked_wait():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with _CtrlC() as guard:
            _swallowed_interrupt(guard)
            assert guard.interrupted  # the handler ran, and the program went on regardless
            time.sleep(30)  # stands for a read the server never answers
    assert time.monotonic() - started < 10
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_dropped_interrupt_ends_a_request_that_finishes_anyway():
    with pytest.raises(KeyboardInterrupt):
        with _CtrlC() as guard:
            _swallowed_interrupt(guard)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_interrupt_no_change():
    with _CtrlC() as guard:
        assert signal.getsignal(signal.SIGINT) == guard._on_signal
    assert not guard.interrupted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_the_guard_stays_out_of_the_way():
    seen = {}

    def work():
        with _CtrlC() as guard:
            seen["handler"] = signal.getsignal(signal.SIGINT)
        seen["interrupted"] = guard.interrupted

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == {"handler": signal.default_int_handler, "interrupted": False}


def test_a_handler_of_the_caller_is_left_alone():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        with _CtrlC():
            assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)


class _Terminated(KeyboardInterrupt):
    """Stands for tqcheck.cli.common.Terminated (what its SIGTERM handler raises)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def test_a_dropped_sigterm_still_ends_a_blocked_wait_with_the_callers_exception():
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        started = time.monotonic()
        with pytest.raises(_Terminated):
            with _CtrlC() as guard:
                assert signal.getsignal(signal.SIGTERM) == guard._on_signal
                _swallowed_interrupt(guard, signal.SIGTERM)
                assert guard.interrupted
                time.sleep(30)  # stands for a read the server never answers
        assert time.monotonic() - started < 10
        assert signal.getsignal(signal.SIGTERM) is _on_sigterm
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigterm_with_its_default_action_is_left_alone():
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)
    with _CtrlC():
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
