"""tqcheck.core.threads: the check-time models' threads give the serial results and never hold up the end of the
program (a Ctrl-C in the middle of a long document ends it at once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tqcheck.core.threads import in_background, map_in_threads

ROOT = Path(__file__).resolve().parent.parent


def test_map_in_threads_gives_the_serial_results_in_order() -> None:
    def slow(x: int, y: int) -> int:
        time.sleep(0.001 * (x % 3))
        return x * 10 + y

    items, more = list(range(40)), [k % 7 for k in range(40)]
    expected = [slow(x, y) for x, y in zip(items, more)]
    for threads in (1, 2, 5, 64):
        assert map_in_threads(slow, items, threads, more) == expected
    assert map_in_threads(slow, [], 4, []) == []


def test_the_first_error_is_raised_and_the_others_stop_taking_items() -> None:
    seen = []

    def fail_at_three(x: int) -> int:
        seen.append(x)
        if x == 3:
            raise ValueError("item 3")
        time.sleep(0.01)
        return x

    with pytest.raises(ValueError, match="item 3"):
        map_in_threads(fail_at_three, list(range(200)), 2)
    assert len(seen) < 20


def test_in_background_hands_over_the_result_or_the_error() -> None:
    assert in_background(lambda: 41 + 1).result(timeout=10) == 42
    with pytest.raises(ZeroDivisionError):
        in_background(lambda: 1 / 0).result(timeout=10)


SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from tqcheck.core.threads import in_background, map_in_threads
work = lambda x: time.sleep(0.2)
if sys.argv[1] == "background":
    in_background(lambda: map_in_threads(work, list(range(300)), 2))  # 30 s of work
    time.sleep(0.5)
    sys.exit(0)  # the program ends: nothing waits for the remaining items
print("ready", flush=True)
map_in_threads(work, list(range(300)), 2)  # Ctrl-C arrives while the main thread waits
"""


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("how", ["background", "ctrl-c"])
def test_a_long_map_never_holds_up_the_end_of_the_program(how: str) -> None:
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), how], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if how == "ctrl-c":
        assert process.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
    process.wait(timeout=20)
    assert time.monotonic() - started < 10
    if how == "ctrl-c":
        assert process.returncode != 0 and "KeyboardInterrupt" in process.stderr.read()
    else:
        assert process.returncode == 0


def test_a_stopped_background_task_stops_its_maps() -> None:
    """DetectorScorer stops a prediction nobody will read (its document's checks failed, or the pipeline closed):
    the maps it runs take no more items, whatever their thread count."""
    from tqcheck.core.threads import Stopped

    taken = []

    def slow(x: int) -> int:
        taken.append(x)
        time.sleep(0.05)
        return x

    for threads in (1, 3):
        taken.clear()
        task = in_background(lambda: map_in_threads(slow, list(range(400)), threads))
        time.sleep(0.2)
        task.stop()
        with pytest.raises(Stopped):
            task.result(timeout=10)
        assert len(taken) < 60
    assert in_background(lambda: map_in_threads(slow, [], 2)).result(timeout=10) == []
