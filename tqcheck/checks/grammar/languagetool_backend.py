"""LanguageTool: a server given by URL, or a local install started once per run.

The HTTP API (``/v2/languages``, ``/v2/check``) is spoken directly with
``requests`` so that every failure (HTTP 413, 500, time-outs, malformed JSON, a
server that dies) becomes one clear reason. language-tool-python finds a local
install (its download cache) and checks the Java version; ``LocalServer`` runs
the Java process and guarantees it does not outlive the run: it is killed with
its children on ``close()``, at interpreter exit, after a server error, and by
the kernel when Python itself dies (``setpriv --pdeathsig`` on Linux).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any, Sequence

from tqcheck.core.interfaces import Progress, no_progress
from tqcheck.core.document import Document
from tqcheck.core.threads import INTERRUPTED, on_interrupt
from tqcheck.checks.grammar.base import Block, Issue, languagetool_mqm, make_blocks

#: Environment variable with the URL of a LanguageTool server.
URL_ENV = "TQCHECK_LANGUAGETOOL_URL"
#: Smallest request the engine shrinks to after HTTP 413 (Request Entity Too Large).
MIN_CHARS = 100
#: Seconds a local LanguageTool gets to start answering.
STARTUP_SECONDS = 60.0
#: Times a rate-limited request (HTTP 429/503) is sent again, after Retry-After or 1, 2, 4 s.
RATE_LIMIT_RETRIES = 3
#: Suggestions kept per match (spelling rules can return dozens).
MAX_SUGGESTIONS = 8
JAR_NAMES = ("languagetool-server.jar", "LanguageTool.jar", "languagetool.jar")


class LanguageToolFailure(Exception):
    """LanguageTool cannot be used; ``str()`` says why in one line."""

    def __init__(self, reason: str, *, too_large: bool = False, local_install_found: bool = True) -> None:
        super().__init__(reason)
        self.too_large = too_large
        self.local_install_found = local_install_found


# -- HTTP client -----------------------------------------------------------------------------

def api_base(url: str) -> str:
    """``http://host:port/v2`` from a server URL given with or without ``/v2``."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise LanguageToolFailure(f"invalid LanguageTool URL {url!r}: it must start with http:// or https://")
    return base if base.endswith("/v2") else base + "/v2"


class LanguageToolClient:
    """Requests to one LanguageTool server's /v2 API, every failure a LanguageToolFailure."""

    def __init__(self, url: str, timeout: float) -> None:
        import requests

        self.url = url.rstrip("/")
        self.base = api_base(url)
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "tqcheck"
        if _is_local(self.base):
            self._session.trust_env = False  # no HTTP(S)_PROXY detour for a server on this machine

    def languages(self) -> list[dict]:
        """The server's languages (``name``, ``code``, ``longCode``)."""
        data = self._request("get", "languages")
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise LanguageToolFailure(f"malformed /v2/languages answer from {self.url}")
        return data

    def check(self, text: str, params: dict[str, str]) -> dict:
        """The JSON answer of /v2/check for ``text``."""
        data = self._request("post", "check", {**params, "text": text})
        if not isinstance(data, dict) or not isinstance(data.get("matches"), list):
            raise LanguageToolFailure(f"malformed /v2/check answer from {self.url} (no 'matches' list)")
        return data

    def _request(self, method: str, endpoint: str, data: dict | None = None) -> Any:
        """One API call; a rate limit (HTTP 429/503) is waited out up to RATE_LIMIT_RETRIES times."""
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                return self._request_once(method, endpoint, data)
            except RateLimited as limited:
                if attempt == RATE_LIMIT_RETRIES:
                    raise LanguageToolFailure(str(limited)) from None
                time.sleep(min(limited.wait if limited.wait is not None else 2.0 ** attempt, self.timeout))
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_once(self, method: str, endpoint: str, data: dict | None = None) -> Any:
        with _CtrlC():
            return self._request_guarded(method, endpoint, data)

    def _request_guarded(self, method: str, endpoint: str, data: dict | None = None) -> Any:
        import requests

        where = f"{self.base}/{endpoint}"
        deadline = time.monotonic() + self.timeout
        try:
            response = self._session.request(method, where, data=data, timeout=self.timeout, stream=True)
        except requests.Timeout:
            raise LanguageToolFailure(
                f"LanguageTool at {self.url} gave no answer within {self.timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise LanguageToolFailure(f"LanguageTool unreachable at {self.url} ({_short(exc)})") from None
        except requests.RequestException as exc:
            raise LanguageToolFailure(f"LanguageTool request to {self.url} failed ({_short(exc)})") from None
        with response:
            body = self._read_answer(response, deadline)
            if response.status_code == 413:
                raise LanguageToolFailure(f"LanguageTool at {self.url} refused a text of {len(data['text']) if data else 0}"
                                          " characters as too large (HTTP 413)", too_large=True)
            if response.status_code in (429, 503):
                raise RateLimited(
                    f"LanguageTool at {self.url} is rate-limiting requests (HTTP {response.status_code})",
                    _retry_after(response.headers.get("Retry-After")))
            if response.status_code != 200:
                text = body.decode("utf-8", "replace")
                raise LanguageToolFailure(
                    f"LanguageTool at {self.url} answered HTTP {response.status_code}"
                    f"{': ' + _first_line(text) if text.strip() else ''}")
            try:
                return json.loads(body)
            except (ValueError, RecursionError):
                raise LanguageToolFailure(f"LanguageTool at {self.url} sent malformed JSON") from None

    def _read_answer(self, response: Any, deadline: float) -> bytes:
        """The body of ``response``: at most MAX_ANSWER_BYTES, complete before ``deadline`` (one timeout
        after the request was sent; each read also waits at most one timeout)."""
        import requests

        from tqcheck.core.limits import MAX_ANSWER_BYTES, size_text

        late = LanguageToolFailure(f"LanguageTool at {self.url} did not finish its answer within {self.timeout:g} s")
        parts: list[bytes] = []
        total = 0
        watchdog = _Watchdog(response, deadline)  # a server trickling bytes is cut off at the deadline
        try:
            for chunk in response.iter_content(64 * 1024):
                parts.append(chunk)
                total += len(chunk)
                if total > MAX_ANSWER_BYTES:
                    raise LanguageToolFailure(
                        f"LanguageTool at {self.url} sent an answer larger than {size_text(MAX_ANSWER_BYTES)}")
                if time.monotonic() > deadline:
                    raise late
        except (requests.RequestException, OSError, ValueError, AttributeError) as exc:
            if watchdog.fired:
                raise late from None
            raise LanguageToolFailure(f"LanguageTool at {self.url} broke off its answer ({_short(exc)})") from None
        finally:
            watchdog.cancel()
        if watchdog.fired:
            raise late
        return b"".join(parts)

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()


class _CtrlC:
    """One Ctrl-C (or SIGTERM) always ends a request, even when CPython drops its KeyboardInterrupt.

    CPython raises the KeyboardInterrupt of a SIGINT in whatever Python code the main thread runs next. When that is
    a weakref callback (``WeakSet._remove`` during a request, seen in about 1 run in 4 of a test), the exception is
    unraisable: it is printed as "Exception ignored" and dropped, and the main thread goes back to waiting for the
    server, up to the whole time-out. While a request runs in the main thread (and SIGINT has Python's default
    handler), this guard's handler remembers the interrupt; if the request is still running a second later it sends
    the signal to the main thread again, which interrupts the blocked read; and if the request ends normally after
    an interrupt, the guard raises it itself on the way out. SIGTERM, when a Python handler turns it into an
    exception (``tqcheck.cli.common.handle_sigterm``), is guarded the same way: the same drop hung a SIGTERM'd run
    until the time-out (tests/test_fuzz.py, the LanguageTool process-tree case, about 1 run in 3 under load).
    """

    RESEND_AFTER = 1.0  # seconds

    def __init__(self) -> None:
        self.interrupted = False
        self._signal: int | None = None  # the first signal that interrupted the request
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._resender: threading.Thread | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is not threading.main_thread():
            return self
        if signal.getsignal(signal.SIGINT) in (signal.default_int_handler, on_interrupt):  # Python's, or the CLI's
            self._previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._on_signal)
        term = signal.getsignal(signal.SIGTERM)
        if callable(term) and term not in (signal.SIG_DFL, signal.SIG_IGN):
            self._previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, self._on_signal)
        return self

    def _on_signal(self, signum, frame) -> None:
        if self._done.is_set():  # a resent signal arriving as the request ends: the first one is on its way
            return
        if signum == signal.SIGINT and self._previous.get(signal.SIGINT) is on_interrupt:
            INTERRUPTED.set()  # the command line remembers it (tqcheck.core.threads.interrupted)
        if not self.interrupted:
            self.interrupted = True
            self._signal = signum
            self._resender = threading.Thread(target=self._resend, name="tqcheck-ctrl-c", daemon=True)
            self._resender.start()
        self._raise(signum, frame)

    def _raise(self, signum: int, frame: Any = None) -> None:
        """The exception the signal stands for: KeyboardInterrupt, or what the SIGTERM handler raises."""
        if signum == signal.SIGTERM:
            self._previous[signal.SIGTERM](signum, frame)
        raise KeyboardInterrupt

    def _resend(self) -> None:
        if self._done.wait(self.RESEND_AFTER):
            return
        with self._lock:
            if not self._done.is_set() and self._signal is not None:
                signal.pthread_kill(threading.main_thread().ident, self._signal)

    def __exit__(self, kind, value, traceback) -> bool:
        with self._lock:
            self._done.set()
        if self._previous:
            if self._resender is not None:
                self._resender.join()
                time.sleep(0.01)  # a signal resent just before the request ended is handled (ignored) here
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)
        if self.interrupted and kind is None and self._signal is not None:
            self._raise(self._signal)
        return False


class _Watchdog:
    """Shuts a response's connection down at ``deadline`` so a blocked read returns."""

    def __init__(self, response: Any, deadline: float) -> None:
        import threading

        self.fired = False
        self._socket = _socket_of(response)
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        if self._socket is not None:
            self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        """Stop the timer (the answer is complete or failed)."""
        self._timer.cancel()


def _socket_of(response: Any) -> Any:
    """The socket a requests response reads from (urllib3's connection, else http.client's file), or None."""
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:  # http.client hands the socket to the response when the server closes after answering
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock


class RateLimited(Exception):
    """HTTP 429 or 503: try again after ``wait`` seconds (None: unknown)."""

    def __init__(self, reason: str, wait: float | None) -> None:
        super().__init__(reason)
        self.wait = wait


def _retry_after(value: str | None) -> float | None:
    """Seconds of a ``Retry-After`` header given in seconds (dates are ignored)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return max(0.0, seconds) if seconds is not None and math.isfinite(seconds) else None


def _is_local(url: str) -> bool:
    """Whether ``url`` points at this machine."""
    from urllib.parse import urlparse

    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Connection reset", "Connection aborted", "Name or service not known",
                   "Remote end closed connection", "timed out"):
        if marker.lower() in text.lower():
            return marker.lower()
    return _first_line(text, 120) or type(exc).__name__


# -- local server ----------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill(process: subprocess.Popen) -> None:
    """Kill ``process`` and its children and reap it (no zombies).

    The server runs in a process group of its own (see LocalServer.start), so the whole group is
    killed, including children that no longer have the server as their parent.
    """
    if hasattr(os, "killpg") and getattr(process, "_tqcheck_group", False):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if process.poll() is None:
        try:
            from language_tool_python.utils import kill_process_force

            kill_process_force(pid=process.pid)
        except Exception:  # psutil missing or process gone: fall back to the direct kill
            try:
                process.kill()
            except OSError:
                pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
        pass


class LocalServer:
    """A LanguageTool server process this run started, stopped on close, exit or parent death."""

    def __init__(self, command: Sequence[str], port: int, startup_timeout: float = STARTUP_SECONDS) -> None:
        self.command = list(command)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._finalizer: weakref.finalize | None = None
        self._log = None

    @property
    def pid(self) -> int | None:
        """Process id of the server, while it runs."""
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the process and wait until it answers /v2/languages; stops it on any failure."""
        self._log = tempfile.TemporaryFile(mode="w+b")
        try:
            # its own process group (and session): stopping it kills the server's whole process tree,
            # and a Ctrl-C in the terminal reaches tqcheck only, which then stops the server itself
            self.process = subprocess.Popen(
                _with_parent_death_signal(self.command), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self._log, close_fds=True,
                start_new_session=hasattr(os, "killpg"))
        except OSError as exc:
            self.stop()
            raise LanguageToolFailure(f"cannot start LanguageTool ({exc.strerror or exc})") from None
        self.process._tqcheck_group = hasattr(os, "killpg")  # type: ignore[attr-defined]
        self._finalizer = weakref.finalize(self, _kill, self.process)
        _register_with_language_tool_python(self.process)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        import requests

        session = requests.Session()
        session.trust_env = False  # the server is on 127.0.0.1: never through a proxy
        deadline = time.monotonic() + self.startup_timeout
        try:
            with _CtrlC():
                self._poll_until_ready(session, deadline)
        finally:
            session.close()

    def _poll_until_ready(self, session, deadline: float) -> None:
        import requests

        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise LanguageToolFailure(
                    f"local LanguageTool exited with code {code} while starting{self._last_log_line()}")
            try:
                if session.get(f"{self.url}/v2/languages", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise LanguageToolFailure(
            f"local LanguageTool did not answer within {self.startup_timeout:g} s{self._last_log_line()}")

    def _last_log_line(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        if not lines:
            return ""
        # Java's own first error line ("Error: Could not find or load main class ...",
        # "Exception in thread ...") says more than the last line of a stack trace.
        errors = [line for line in lines if line.startswith("Error") or "Exception" in line.split(":")[0]]
        return f": {(errors or lines[-1:])[0][:160]}"

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Kill the process and its children; safe to call twice."""
        if self.process is not None:
            _kill(self.process)
            _unregister_with_language_tool_python(self.process)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _with_parent_death_signal(command: list[str]) -> list[str]:
    """On Linux, ``command`` under ``setpriv --pdeathsig KILL`` so it dies with this process."""
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


def _register_with_language_tool_python(process: subprocess.Popen) -> None:
    """Let language-tool-python's own exit handler kill the process too."""
    try:
        from language_tool_python import server

        server.RUNNING_SERVER_PROCESSES.append(process)
    except Exception:  # pragma: no cover - optional safety net
        pass


def _unregister_with_language_tool_python(process: subprocess.Popen) -> None:
    try:
        from language_tool_python import server

        if process in server.RUNNING_SERVER_PROCESSES:
            server.RUNNING_SERVER_PROCESSES.remove(process)
    except Exception:  # pragma: no cover
        pass


def find_local_jar(path: str = "") -> Path:
    """The LanguageTool server jar of ``path`` or of language-tool-python's download cache."""
    if path:
        folder = Path(path).expanduser()
        if folder.is_file() and folder.suffix == ".jar":
            return folder
        for name in JAR_NAMES:
            if (folder / name).is_file():
                return folder / name
        raise LanguageToolFailure(
            f"no languagetool-server.jar in {folder} (languagetool_path): point it at an unpacked LanguageTool folder")
    jar_dir = os.environ.get("LTP_JAR_DIR_PATH")
    if jar_dir:
        return find_local_jar(jar_dir)
    cache = Path(os.environ.get("LTP_PATH", str(Path.home() / ".cache" / "language_tool_python")))
    if cache.is_dir():
        from language_tool_python.download_lt import LocalLanguageTool

        installed = LocalLanguageTool.get_latest_installed_version()
        if installed is not None:
            try:
                return installed.get_jar_path()
            except FileNotFoundError:
                pass
    raise LanguageToolFailure(
        f"no LanguageTool server URL and no local LanguageTool install (looked in {cache})",
        local_install_found=False)


def local_command(jar: Path, port: int) -> list[str]:
    """The command that runs LanguageTool's HTTP server from ``jar`` on ``port``; checks Java."""
    java = shutil.which("java")
    if not java:
        raise LanguageToolFailure("a local LanguageTool needs Java 17 or newer, and java is not on PATH")
    try:
        from language_tool_python.download_lt import confirm_java_compatibility

        confirm_java_compatibility()
    except (ModuleNotFoundError, SystemError) as exc:
        raise LanguageToolFailure(str(exc).splitlines()[0]) from None
    except (OSError, subprocess.SubprocessError, ValueError):
        pass  # an unusual `java -version` output: let the server start decide
    return [java, "-cp", str(jar), "org.languagetool.server.HTTPServer", "-p", str(port)]


# -- the engine ------------------------------------------------------------------------------

class Utf16Offsets:
    """Converts LanguageTool's offsets (UTF-16 code units, as Java counts) to str indices."""

    def __init__(self, text: str) -> None:
        self._index: list[int] | None = None
        if any(ord(c) > 0xFFFF for c in text):
            index = []
            for i, c in enumerate(text):
                index.append(i)
                if ord(c) > 0xFFFF:
                    index.append(i)
            index.append(len(text))
            self._index = index

    def __call__(self, offset: int) -> int:
        if self._index is None:
            return offset
        return self._index[max(0, min(offset, len(self._index) - 1))]


def rule_parameters(settings: Any) -> dict[str, str]:
    """enabledRules/disabledRules/enabledCategories/disabledCategories from the settings."""
    params: dict[str, str] = {}
    for key, param in (("languagetool_enabled_rules", "enabledRules"),
                       ("languagetool_disabled_rules", "disabledRules"),
                       ("languagetool_enabled_categories", "enabledCategories"),
                       ("languagetool_disabled_categories", "disabledCategories")):
        values = [v.strip().removeprefix("languagetool.") for v in settings.get(key) if v.strip()]
        if values:
            params[param] = ",".join(values)
    return params


def choose_language(dialect: str, languages: list[dict]) -> tuple[str, str | None]:
    """The server's language code for ``dialect`` and a notice when it had to substitute one."""
    codes = {str(x.get("longCode", "")) for x in languages} | {str(x.get("code", "")) for x in languages}
    if dialect in codes:
        return dialect, None
    for fallback in (("en-GB", "en-US") if dialect != "en-US" else ("en-US",)) + ("en",):
        if fallback in codes:
            return fallback, f"LanguageTool has no {dialect}: checking as {fallback}."
    raise LanguageToolFailure("the LanguageTool server offers no English")


class LanguageToolEngine:
    """LanguageTool's matches for every segment, rule ids ``languagetool.<RULE_ID>``."""

    name = "languagetool"

    def __init__(self, client: LanguageToolClient, language: str, params: dict[str, str],
                 max_chars: int, server: LocalServer | None = None, software: str = "") -> None:
        self.client = client
        self.language = language
        self.params = {"language": language, **params}
        self.max_chars = max_chars
        self.server = server
        self.software = software or "LanguageTool"
        self.notices: list[str] = []

    @classmethod
    def connect(cls, settings: Any, url: str = "", command: Sequence[str] | None = None) -> "LanguageToolEngine":
        """Connect to ``url``, or start a local server (``command``, else the local install)."""
        server: LocalServer | None = None
        try:
            if not url:
                port = free_port()
                if command is None:
                    command = local_command(find_local_jar(settings.languagetool_path), port)
                else:
                    command = [c.replace("{port}", str(port)) for c in command]
                server = LocalServer(command, port, max(STARTUP_SECONDS, settings.languagetool_timeout))
                server.start()
                url = server.url
            client = LanguageToolClient(url, settings.languagetool_timeout)
            language, notice = choose_language(settings.dialect, client.languages())
            probe = client.check("This is a test.", {"language": language})
            software = probe.get("software") if isinstance(probe.get("software"), dict) else {}
            version = f"{software.get('name', 'LanguageTool')} {software.get('version', '')}".strip()
            where = f"local {server.url}" if server is not None else client.url
            engine = cls(client, language, rule_parameters(settings), settings.languagetool_max_chars,
                         server, f"{version} ({language}, {where})")
        except BaseException:
            if server is not None:
                server.stop()
            raise
        if notice:
            engine.notices.append(notice)
        return engine

    def version(self) -> str:
        """``LanguageTool <version> (<language>, <where>)``."""
        return self.software

    def issues(self, document: Document, progress: Progress = no_progress) -> list[Issue]:
        """LanguageTool's issues in ``document``; requests shrink after HTTP 413."""
        if self.server is not None and not self.server.alive():
            raise LanguageToolFailure(f"local LanguageTool at {self.server.url} has stopped")
        segments = [s for s in document.segments if s.text]
        found: list[Issue] = []
        reported: set[int] = set()
        queue = deque(make_blocks(segments, self.max_chars))
        while queue:
            block = queue.popleft()
            try:
                answer = self.client.check(block.text, self.params)
            except LanguageToolFailure as failure:
                if not failure.too_large or len(block.text) <= MIN_CHARS:
                    raise
                self.max_chars = max(MIN_CHARS, len(block.text) // 2)
                first = segments.index(block.pieces[0].segment)
                queue = deque(make_blocks(segments[first:], self.max_chars))
                continue
            found.extend(self._parse(block, answer))
            done = {p.segment.index for p in block.pieces
                    if p.segment_start + p.length >= len(p.segment.text)} - reported  # once, even after a 413
            reported |= done
            if done:
                progress(len(done))
        return found

    def _parse(self, block: Block, answer: dict) -> list[Issue]:
        warnings = answer.get("warnings")
        if isinstance(warnings, dict) and warnings.get("incompleteResults"):
            notice = (f"LanguageTool at {self.client.url} checked some text only partly (incomplete results, "
                      "usually its own time limit): lower languagetool_max_chars.")
            if notice not in self.notices:
                self.notices.append(notice)
        to_index = Utf16Offsets(block.text)
        issues: list[Issue] = []
        for match in answer["matches"]:
            try:
                rule = match["rule"]
                rule_id = str(rule["id"])
                start16, length16 = int(match["offset"]), int(match["length"])
                message = str(match.get("message") or rule.get("description") or rule_id)
            except (KeyError, TypeError, ValueError):
                raise LanguageToolFailure(f"malformed match in the /v2/check answer from {self.client.url}") from None
            start, end = to_index(start16), to_index(start16 + length16)
            place = block.locate(start, max(end, start + 1))
            if place is None:
                continue
            segment, seg_start, seg_end = place
            category_id = str((rule.get("category") or {}).get("id", ""))
            issue_type = str(rule.get("issueType", ""))
            category, severity = languagetool_mqm(issue_type, category_id)
            replacements = [str(r.get("value", "")) for r in match.get("replacements") or [] if isinstance(r, dict)]
            whole = seg_end - seg_start == end - start
            issues.append(Issue(
                segment=segment, start=seg_start, end=seg_end, rule_id=f"languagetool.{rule_id}",
                message=message, category=category, severity=severity, engine="languagetool",
                suggestions=list(dict.fromkeys(replacements))[:MAX_SUGGESTIONS] if whole else [],
                link=_rule_link(rule, rule_id, self.language),
                misspelling=_is_spelling_rule(rule_id, issue_type, category_id)))
        return issues

    def close(self) -> None:
        """Close the connection and stop the local server, if this run started one."""
        self.client.close()
        if self.server is not None:
            self.server.stop()


def _is_spelling_rule(rule_id: str, issue_type: str, category_id: str) -> bool:
    """Whether a match comes from LanguageTool's dictionary spell-checker."""
    return rule_id.startswith(("MORFOLOGIK_RULE", "HUNSPELL")) or (
        issue_type == "misspelling" and category_id == "TYPOS")


def _rule_link(rule: dict, rule_id: str, language: str) -> str:
    urls = rule.get("urls") or []
    if urls and isinstance(urls[0], dict) and urls[0].get("value"):
        return str(urls[0]["value"])
    return f"https://community.languagetool.org/rule/show/{rule_id}?lang={language}"
