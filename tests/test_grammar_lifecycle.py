"""A local LanguageTool server never outlives the run: close, server error, Ctrl-C, parent death.

A real Java LanguageTool cannot be downloaded here, so the lifecycle code starts
the stand-in server (tests/ltserver.py) as its "local LanguageTool" process,
exactly as it would start ``java ... org.languagetool.server.HTTPServer -p PORT``.
"""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from tqcheck.core.config import Settings
from tqcheck.core.errors import BackendError
from tqcheck.checks.grammar import make_grammar_check
from tqcheck.checks.grammar.languagetool_backend import LanguageToolFailure, LocalServer, free_port
from tqcheck.readers.inputs import document_from_text
from tqcheck.engine.pipeline import Pipeline

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LTSERVER = str(ROOT / "tests" / "ltserver.py")
TEXT = "This is an test of the the linter.\n\nOfficials in Rafah said it was ready."


def stand_in(*args: str) -> list[str]:
    """The command of a stand-in local LanguageTool ({port} is filled in by tqcheck)."""
    return [sys.executable, LTSERVER, "-p", "{port}", "--lifetime", "60", *args]


def settings(**values) -> Settings:
    result = Settings()
    result.apply({"grammar": "languagetool", "fluency": False, **values}, "test")
    return result


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper counts as gone)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone_within(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def no_url_from_environment(monkeypatch):
    monkeypatch.delenv("TQCHECK_LANGUAGETOOL_URL", raising=False)


def test_local_server_starts_once_is_reused_and_stops_on_close():
    check = make_grammar_check(settings(), languagetool_command=stand_in())
    server = check.engines[-1].server
    pid = server.pid
    assert running(pid)
    try:
        first = check.check(document_from_text(TEXT, "a.txt"))
        second = check.check(document_from_text("Another an test.", "b.txt"))
        assert server.pid == pid and running(pid)
        assert any(f.engine == "harper+languagetool" for f in first + second)
        assert check.signature()["languagetool"].startswith("LanguageTool 6.4 (en-US, local http://127.0.0.1:")
    finally:
        check.close()
    assert not running(pid)
    check.close()  # idempotent


def test_server_error_stops_the_local_server_at_once():
    check = make_grammar_check(settings(), languagetool_command=stand_in("--mode", "500", "--after", "1"))
    pid = check.engines[-1].server.pid
    try:
        with pytest.raises(BackendError, match="HTTP 500"):
            check.check(document_from_text(TEXT, "a.txt"))
        assert not running(pid)  # before close(): the failing engine was shut down
    finally:
        check.close()


def test_local_server_dying_mid_run_is_reported():
    check = make_grammar_check(settings(grammar="auto"), languagetool_command=stand_in("--mode", "die", "--after", "1"))
    pid = check.engines[-1].server.pid
    try:
        findings = check.check(document_from_text(TEXT, "a.txt"))
    finally:
        check.close()
    assert findings and all(f.engine == "harper" for f in findings)
    assert "using Harper only" in check.notices[0]
    assert gone_within(pid)


def test_keyboard_interrupt_during_a_run_stops_the_server():
    check = make_grammar_check(settings(), languagetool_command=stand_in())
    pid = check.engines[-1].server.pid

    def interrupt(_n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with Pipeline(settings(), checks=[check], scorer=None) as pipeline:
            pipeline.run([document_from_text(TEXT, "a.txt")], interrupt)
    assert not running(pid)


def test_keyboard_interrupt_while_the_server_starts_stops_it():
    port = free_port()
    server = LocalServer([sys.executable, "-c", "import time; time.sleep(60)"], port, startup_timeout=30)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            server.start()
    finally:
        timer.cancel()
    assert server.process is not None and not running(server.process.pid)


def test_server_that_exits_while_starting_is_explained():
    command = [sys.executable, "-c", "import sys; print('Error: port in use', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(BackendError) as error:
        make_grammar_check(settings(), languagetool_command=command)
    message = str(error.value)
    assert "local LanguageTool exited with code 3 while starting: Error: port in use" in message
    assert "\n" not in message


def test_server_that_never_answers_is_killed_after_the_startup_time():
    server = LocalServer([sys.executable, "-c", "import time; time.sleep(60)"], free_port(), startup_timeout=1)
    with pytest.raises(LanguageToolFailure, match="did not answer within 1 s"):
        server.start()
    assert not running(server.process.pid)


SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tqcheck.core.config import Settings
from tqcheck.checks.grammar import make_grammar_check
from tqcheck.readers.inputs import document_from_text
from tqcheck.engine.pipeline import Pipeline

settings = Settings()
settings.apply({{"grammar": "languagetool", "fluency": False}}, "test")
command = [sys.executable, {ltserver!r}, "-p", "{{port}}", "--lifetime", "60", "--mode", "timeout", "--after", "1"]
check = make_grammar_check(settings, languagetool_command=command)
print(check.engines[-1].server.pid, flush=True)
if {hang!r}:
    import time
    time.sleep(60)
with Pipeline(settings, checks=[check], scorer=None) as pipeline:
    print("checking", flush=True)
    pipeline.run([document_from_text("This is an test. " * 20, "a.txt")])
"""


def run_script(tmp_path: Path, hang: bool) -> tuple[subprocess.Popen, int]:
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT), ltserver=LTSERVER, hang=hang)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TQCHECK_LANGUAGETOOL_URL"}
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    line = child.stdout.readline().strip()
    assert line.isdigit(), child.stderr.read()
    return child, int(line)


def test_ctrl_c_during_a_run_leaves_no_server(tmp_path):
    child, pid = run_script(tmp_path, hang=False)
    try:
        assert child.stdout.readline().strip() == "checking"
        time.sleep(0.5)  # inside the /v2/check request that the server never answers
        assert running(pid)
        child.send_signal(signal.SIGINT)
        try:  # communicate drains stderr while it waits: a full pipe would block the child, not the server
            _, err = child.communicate(timeout=10)
        except subprocess.TimeoutExpired as waited:
            # one Ctrl-C must do, even when CPython drops its KeyboardInterrupt inside a weakref callback
            # ("Exception ignored in: ... WeakSet ... KeyboardInterrupt"; tests/test_ctrl_c_guard.py)
            so_far = (waited.stderr or b"").decode("utf-8", "replace") if isinstance(waited.stderr, bytes) \
                else (waited.stderr or "")
            child.kill()
            _, err = child.communicate()
            pytest.fail(f"the run did not end within 10 s of Ctrl-C; its stderr ends: {(so_far + err)[-2000:]}")
        assert "KeyboardInterrupt" in err
        assert gone_within(pid)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_server_dies_with_a_killed_parent(tmp_path, sig):
    child, pid = run_script(tmp_path, hang=True)
    try:
        assert running(pid)
        child.send_signal(sig)  # neither runs Python's clean-up (no finally, no atexit)
        child.wait(timeout=10)
        assert gone_within(pid)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.skipif(not __import__("shutil").which("java"), reason="needs Java")
def test_local_install_that_is_not_languagetool_fails_with_javas_reason(tmp_path):
    (tmp_path / "languagetool-server.jar").write_bytes(b"")
    before = {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "java"}
    with pytest.raises(BackendError) as error:
        make_grammar_check(settings(languagetool_path=str(tmp_path)))
    message = str(error.value)
    assert "local LanguageTool exited with code 1 while starting: Error: Could not find or load main class" in message
    assert "\n" not in message
    after = {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "java"}
    assert after <= before
