"""Bounded reads and safe display: every file tqcheck reads has a size limit, every message one line.

Inputs to check have a configurable maximum (``max_input_mb``); the files that
steer a run (configuration, baselines, rule and glossary files, word lists) and
LanguageTool's answers have small fixed limits. Only regular files are read, so
a FIFO or a device named as a baseline cannot block or flood a run.
"""

from __future__ import annotations

import os
import re
import stat
from typing import IO

from tqcheck.core.errors import InputError, TqcheckError

MB = 1024 * 1024
#: Largest configuration file (TOML) read.
MAX_CONFIG_BYTES = 1 * MB
#: Largest rule file, glossary or word list read.
MAX_RULE_FILE_BYTES = 8 * MB
#: Largest baseline file read.
MAX_BASELINE_BYTES = 128 * MB
#: Largest answer read from a LanguageTool server.
MAX_ANSWER_BYTES = 32 * MB
#: Default of the ``max_input_mb`` setting: the largest file (or standard input) checked.
DEFAULT_MAX_INPUT_MB = 64.0
#: Largest ``max_input_mb`` accepted (1 TB): a larger value would overflow the byte count.
MAX_INPUT_MB_CEILING = 1_048_576
#: Longest error message printed (characters).
MAX_MESSAGE_CHARS = 400


def size_text(limit: int) -> str:
    """``8 MB`` / ``512 KB`` / ``100 bytes`` for a byte count."""
    if limit >= MB:
        return f"{limit / MB:.4g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def read_file(path: str | os.PathLike, limit: int, what: str = "file",
              error: type[TqcheckError] = InputError, *, key: str = "", hint: str = "") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else raises ``error`` naming it.

    The file is opened without blocking (a FIFO cannot stall the run) and checked to be a regular
    file before a byte is read; reading stops at ``limit + 1`` bytes.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} not found", path=name, key=key) from None
    except IsADirectoryError:
        raise error(f"{what} is a folder, not a file", path=name, key=key) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", path=name, key=key) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{what} is a folder, not a file", path=name, key=key)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} is not a regular file ({_kind(info.st_mode)})", path=name, key=key)
        if info.st_size > limit:
            raise too_large(name, what, limit, error, key=key, hint=hint)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as stream:
            fd = -1
            data = read_at_most(stream, limit)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", path=name, key=key) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if data is None:
        raise too_large(name, what, limit, error, key=key, hint=hint)
    return data


def require_regular(path: str | os.PathLike, what: str = "file", error: type[TqcheckError] = InputError) -> None:
    """``error`` unless ``path`` is a regular file (checked without opening it: a FIFO cannot block)."""
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", path=name) from None
    if not stat.S_ISREG(mode):
        raise error(f"{what} is not a regular file ({_kind(mode)})", path=name)


def read_text_file(path: str | os.PathLike, limit: int, what: str = "file",
                   error: type[TqcheckError] = InputError, *, key: str = "") -> str:
    """A bounded regular file decoded as UTF-8 (BOM allowed); bad bytes raise ``error`` with the line."""
    raw = read_file(path, limit, what, error, key=key)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise error(f"cannot read {what}: not UTF-8 text (invalid byte 0x{raw[exc.start]:02x})", path=os.fspath(path),
                    line=line, key=key) from None


def read_at_most(stream: IO[bytes], limit: int, chunk: int = MB) -> bytes | None:
    """Up to ``limit`` bytes of ``stream``, or None when it holds more."""
    parts: list[bytes] = []
    total = 0
    while True:
        part = stream.read(min(chunk, limit + 1 - total))
        if not part:
            return b"".join(parts)
        parts.append(part)
        total += len(part)
        if total > limit:
            return None


def read_stdin(limit: int, name: str = "<stdin>", stream: IO[bytes] | None = None) -> bytes:
    """Standard input, at most ``limit`` bytes (an InputError naming the setting when larger)."""
    if stream is None:
        import sys

        if sys.stdin is None:
            raise InputError("standard input is closed", path=name)
        stream = sys.stdin.buffer
    try:
        data = read_at_most(stream, limit)
    except OSError as exc:
        raise InputError(f"cannot read standard input: {exc.strerror or exc}", path=name) from None
    if data is None:
        raise too_large(name, "standard input", limit, InputError, hint="raise max_input_mb to check more")
    return data


def too_large(name: str, what: str, limit: int, error: type[TqcheckError] = InputError, *,
              key: str = "", hint: str = "") -> TqcheckError:
    """The error for a file over its size limit."""
    return error(f"{what} is larger than {size_text(limit)}{'; ' + hint if hint else ''}", path=name, key=key)


def input_limit(settings=None) -> int:
    """Largest input in bytes, from the ``max_input_mb`` setting."""
    value = DEFAULT_MAX_INPUT_MB
    if settings is not None:
        try:
            value = float(settings.get("max_input_mb"))
        except (KeyError, AttributeError, TypeError, ValueError):
            value = DEFAULT_MAX_INPUT_MB
    if not value == value or value <= 0:  # NaN or not positive (the config refuses them; the API may not)
        value = DEFAULT_MAX_INPUT_MB
    return int(min(value, MAX_INPUT_MB_CEILING) * MB)


def env_number(name: str, default: float, *, minimum: float, maximum: float, whole: bool = False) -> float:
    """The number in environment variable ``name`` (``default`` when unset or blank); a value that is not a
    finite number between ``minimum`` and ``maximum`` (a whole one with ``whole``) is a ConfigError naming the
    variable, never a silent default."""
    import math

    from tqcheck.core.errors import ConfigError

    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"expected a number, got {one_line(repr(raw), 60)}", key=f"${name}") from None
    if not math.isfinite(value) or (whole and not value.is_integer()):
        raise ConfigError(f"expected a finite {'whole ' if whole else ''}number, got {one_line(repr(raw), 60)}",
                          key=f"${name}")
    if not minimum <= value <= maximum:
        raise ConfigError(f"must be between {minimum:g} and {maximum:g}, got {one_line(raw, 60)}", key=f"${name}")
    return int(value) if whole else value


#: Most threads the check-time models use at once by default (more do not pay on one document's sentences).
MAX_DEFAULT_THREADS = 4


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def check_threads() -> int:
    """How many threads the check-time models (the tuned MiniLM, E5-small's layers, the detector beside the
    checks) may keep busy in this process: $TQCHECK_ENCODER_THREADS, else every usable core up to
    ``MAX_DEFAULT_THREADS``. A worker process of a parallel runner or a Dask cluster is one core's work: it sets
    the variable to 1 (tqcheck.engine.runners.WORKER_ENVIRONMENT). Results never depend on it."""
    return int(env_number("TQCHECK_ENCODER_THREADS", min(usable_cores(), MAX_DEFAULT_THREADS), minimum=1,
                          maximum=256, whole=True))


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


# -- display -------------------------------------------------------------------------------------

#: C0 and C1 control characters (tab excluded), DEL, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes (a terminal cannot act on them).

    With ``newlines=False`` line feeds are escaped too (one-line outputs); tabs are kept.
    """
    if not newlines:
        text = text.replace("\n", "\\n")
    return _CONTROL.sub(_escape, text)


def visible_with_offsets(text: str) -> tuple[str, list[int]]:
    """``visible(text)`` and, for each offset of ``text`` (and its end), the offset in the result."""
    if not _CONTROL.search(text):
        return text, list(range(len(text) + 1))
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    for ch in text:
        offsets.append(position)
        shown = _CONTROL.sub(_escape, ch)
        parts.append(shown)
        position += len(shown)
    offsets.append(position)
    return "".join(parts), offsets


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one printable line of at most ``limit`` characters (long middles elided)."""
    text = visible(" ".join(str(text).split("\n")).replace("\r", " "), newlines=False)
    if len(text) <= limit:
        return text
    keep = limit - 25
    head, tail = text[: keep * 3 // 4], text[-(keep // 4):]
    return f"{head} …[{len(text) - len(head) - len(tail)} characters]… {tail}"


__all__ = ["read_file", "read_text_file", "require_regular", "read_stdin", "read_at_most", "visible", "visible_with_offsets", "one_line",
           "input_limit",
           "MAX_CONFIG_BYTES", "MAX_RULE_FILE_BYTES", "MAX_BASELINE_BYTES", "MAX_ANSWER_BYTES",
           "DEFAULT_MAX_INPUT_MB"]
