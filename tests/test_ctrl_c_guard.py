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


# -- the whole command line (tqcheck.core.threads.watch_interrupts, tqcheck.cli.main.main) --------------------------

CLI_SCRIPT = """
import signal, sys, time, weakref
sys.path.insert(0, {root!r})
import click
from tqcheck.cli import main as cli_main
from tqcheck.readers import inputs

class Thing:
    pass

def ctrl_c_in_a_callback():
    # a real SIGINT whose handler runs inside a weakref callback: CPython drops its KeyboardInterrupt
    thing = Thing()
    ref = weakref.ref(thing, lambda _: signal.raise_signal(signal.SIGINT))
    del thing

where = sys.argv[1]
if where == "parsing":  # Ctrl-C while click reads the arguments: click said "Aborted!", exit 1
    make_context = click.Group.make_context
    def parsing(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        return make_context(*args, **kwargs)
    click.Group.make_context = parsing
else:  # Ctrl-C dropped while the inputs are read, which then take 20 s: the check ran to the end
    load = inputs.load_documents
    def loading(*args, **kwargs):
        ctrl_c_in_a_callback()
        for _ in range(200):
            time.sleep(0.1)
        return load(*args, **kwargs)
    inputs.load_documents = loading
sys.argv = ["tqcheck", "check", sys.argv[2], "--no-config", "--no-fluency", "--grammar", "none", "-q"]
cli_main.main()
"""


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="signals")
@pytest.mark.parametrize("where", ["parsing", "dropped"])
def test_one_ctrl_c_always_ends_the_command_with_130(tmp_path, where: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    text = tmp_path / "a.txt"
    text.write_text("They waited at the border of the striptease.\n", encoding="utf-8")
    root = str(Path(__file__).resolve().parent.parent)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CLI_SCRIPT.format(root=root), where, str(text)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()[-1:]) == (130, ["tqcheck: interrupted"]), done.stderr
    assert time.monotonic() - started < 15  # not the 20 s the inputs would take
    assert "Aborted!" not in done.stderr


def test_a_ctrl_c_that_became_another_error_is_an_interruption() -> None:
    """CPython 3.11 wraps a KeyboardInterrupt raised in a class's ``__set_name__`` (a dataclass being made by a lazy
    import) in a RuntimeError: that was "internal error", exit 2."""
    from tqcheck.cli.common import user_errors

    with pytest.raises(SystemExit) as end:
        with user_errors():
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as interrupt:
                raise RuntimeError("Error calling __set_name__ on 'Field' instance 'load'") from interrupt
    assert end.value.code == 130


def test_a_ctrl_c_while_the_command_line_is_imported_ends_with_130_and_one_line():
    """The script's entry point (pyproject's ``tqcheck.cli.entry:main``) imports the command line itself: a Ctrl-C
    during that import is one line and exit 130, as every other Ctrl-C, not a traceback."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    assert 'tqcheck = "tqcheck.cli.entry:main"' in (Path(__file__).parent.parent / "pyproject.toml").read_text()
    code = textwrap.dedent("""
        import sys

        class CtrlCDuringImport:
            def find_spec(self, name, path=None, target=None):
                if name == "tqcheck.cli.main":
                    raise KeyboardInterrupt

        sys.meta_path.insert(0, CtrlCDuringImport())
        from tqcheck.cli.entry import main
        main()
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stderr) == (130, "tqcheck: interrupted\n")
