"""Writing files safely: reports and baselines are complete or not there (below every writer).

A regular file (or nothing) at the target is written through a temporary file created exclusively with a
random name beside it (``O_EXCL``, never following a symlink) and renamed into place; a symlink at the target
is replaced, never followed, unless it is one of the system's stream names (``/dev/stdout``, ``/dev/fd/N``,
``/proc/self/fd/N``, anything under ``/dev`` or ``/proc``). Targets that are not regular files — a FIFO, a
character device such as ``/dev/null``, a socket, standard output under its ``/dev`` name — are opened and
written *into*, never replaced; a FIFO nobody reads is an error after ``FIFO_WAIT`` seconds, never a hang.
A block device and a folder are refused. An output that is one of the run's inputs is refused
(``refuse_inputs``).
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable, Sequence

from tqcheck.core.errors import OutputError

#: Seconds to wait for a reader to open a FIFO named as an output.
FIFO_WAIT = 2.0
#: Folders whose symlinks are the system's names for streams (followed, and written into).
_STREAM_FOLDERS = ("/dev/", "/proc/")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _report_mode(path: Path) -> int:
    """Permissions for a report: the existing regular file's, else 0666 less the umask (as open() would)."""
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return info.st_mode & 0o777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def _is_stream_name(path: Path) -> bool:
    """Whether ``path`` is under /dev or /proc (where symlinks such as /dev/stdout name streams)."""
    absolute = os.path.normpath(os.path.abspath(path))
    return any(absolute.startswith(folder) for folder in _STREAM_FOLDERS)


def output_kind(path: Path) -> str:
    """How a report reaches ``path``: ``file`` (a temporary file renamed into place), ``append`` (a regular file
    reached through a stream name such as /dev/stdout: written at its end), ``stream`` (a FIFO or character
    device: opened and written into) or ``socket``; an OutputError for a folder or a block device."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "file"  # created: check_writable and the write name what is in the way
    except OSError as exc:
        raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISLNK(info.st_mode):
        if not _is_stream_name(path):
            return "file"  # the link is replaced by the report; what it points to is never written
        try:
            info = os.stat(path)
        except OSError as exc:
            raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
        if stat.S_ISREG(info.st_mode):
            return "append"
    if stat.S_ISREG(info.st_mode):
        return "file"
    if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
        return "stream"
    if stat.S_ISSOCK(info.st_mode):
        return "socket"
    if stat.S_ISDIR(info.st_mode):
        raise OutputError("cannot write report: is a folder", path=str(path))
    raise OutputError(f"cannot write report: is {_kind(info.st_mode)}; name a file, a FIFO or a character device",
                      path=str(path))


class _Stream:
    """An output that is written into (FIFO, device, socket, standard output by name)."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        self.fd = -1
        self.socket: socket.socket | None = None

    def open(self) -> None:
        """Open it without blocking: a FIFO nobody reads is an OutputError after FIFO_WAIT seconds."""
        name = str(self.path)
        if self.kind == "socket":
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                connection = socket.socket(socket.AF_UNIX, kind)
                try:
                    connection.settimeout(FIFO_WAIT)
                    connection.connect(name)
                except OSError as exc:
                    connection.close()
                    if exc.errno == errno.EPROTOTYPE:
                        continue
                    raise OutputError(f"cannot write report: socket: {exc.strerror or exc}", path=name) from None
                self.socket = connection
                return
            raise OutputError("cannot write report: the socket accepts no connection", path=name)
        flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | _CLOEXEC
        if self.kind == "append":
            flags |= os.O_APPEND
        deadline = time.monotonic() + FIFO_WAIT
        while True:
            try:
                self.fd = os.open(name, flags)
                break
            except OSError as exc:
                if exc.errno == errno.ENXIO and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                if exc.errno == errno.ENXIO:
                    raise OutputError(f"cannot write report: no program is reading this FIFO "
                                      f"(waited {FIFO_WAIT:g} s)", path=name) from None
                raise OutputError(f"cannot write report: {exc.strerror or exc}", path=name) from None
        try:
            os.set_blocking(self.fd, True)
        except OSError:
            pass

    def write(self, data: bytes) -> None:
        """Write everything (a reader that went away is an OutputError naming the output)."""
        try:
            if self.socket is not None:
                self.socket.settimeout(None)
                self.socket.sendall(data)
                return
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(self.path)) from None

    def close(self) -> None:
        """Close it (errors on close are ignored: everything was written)."""
        if self.socket is not None:
            self.socket.close()
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1


def write_atomic(path: Path, text: str, *, encoding: str = "utf-8", newline: str | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    write_files([(Path(path), text)], encoding=encoding, newline=newline)


def _encoded(text: str, encoding: str, newline: str | None) -> bytes:
    if newline is None:
        text = text.replace("\n", os.linesep)
    elif newline not in ("", "\n"):
        text = text.replace("\n", newline)
    return text.encode(encoding)


def write_files(items: Sequence[tuple[Path, str]], *, encoding: str = "utf-8",
                newline: str | None = None) -> None:
    """Write several files all or nothing: every text goes to a temporary file beside its target first,
    and the temporary files are renamed only when all of them were written (a full disk, a folder in
    the way or an interrupt leaves every previous file as it was and no temporary file behind).
    Outputs that are not regular files (FIFOs, devices, sockets) are opened before anything is renamed and
    written into after. Failures are an OutputError naming the file."""
    temporary: list[tuple[str, Path]] = []
    streams: list[tuple[_Stream, bytes]] = []
    try:
        for path, text in items:
            path = Path(path)
            kind = output_kind(path)
            if kind != "file":
                stream = _Stream(path, kind)
                streams.append((stream, _encoded(text, encoding, newline)))
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
            temporary.append((tmp_name, path))
            try:
                if hasattr(os, "fchmod"):  # through the descriptor: a name swapped meanwhile is never changed
                    os.fchmod(handle, _report_mode(path))
                else:
                    os.chmod(tmp_name, _report_mode(path))
                with os.fdopen(handle, "w", encoding=encoding, newline=newline) as stream:
                    stream.write(text)
                    stream.flush()
                    os.fsync(stream.fileno())
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
        for stream, _ in streams:  # a FIFO nobody reads fails here, before any report is replaced
            stream.open()
        for number, (tmp_name, path) in enumerate(temporary):
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    raise IsADirectoryError(errno.EISDIR, "is a folder")
                os.replace(tmp_name, path)
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}"
                                  + (f" ({number} of {len(temporary)} reports were replaced)" if number else ""),
                                  path=str(path)) from None
        temporary = []
        for stream, data in streams:
            stream.write(data)
    finally:
        for stream, _ in streams:
            stream.close()
        for tmp_name, _ in temporary:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def check_writable(path: Path) -> None:
    """OutputError unless a report can be written at ``path`` (checked before a long run): a file created or
    replaced in a writable folder, or a FIFO, device or socket that can be written into."""
    path = Path(path)
    kind = output_kind(path)
    if kind != "file":
        if not os.access(path, os.W_OK):
            raise OutputError("cannot write report: permission denied", path=str(path))
        return
    if os.path.lexists(path) and not os.access(path.parent, os.W_OK):
        raise OutputError("cannot write report: its folder is not writable", path=str(path))
    folder = path.parent
    while not folder.exists():
        if folder.parent == folder:
            break
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write report: {folder} is not a folder", path=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write report: folder {folder} is not writable", path=str(path))


def _identity(path: str | os.PathLike) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def refuse_inputs(outputs: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike],
                  what: str = "report") -> None:
    """OutputError when an output is one of ``inputs`` (the same file: by name, through a symlink or a hard
    link), so that a report never replaces what is being checked."""
    known: dict[tuple[int, int], str] = {}
    for name in inputs:
        if os.fspath(name) == "-":
            continue
        identity = _identity(name)
        if identity is not None:
            known.setdefault(identity, os.fspath(name))
    if not known:
        return
    for output in outputs:
        identity = _identity(output)
        if identity is not None and identity in known:
            raise OutputError(f"cannot write {what}: it is the input {known[identity]} of this run; "
                              "choose another path", path=os.fspath(output))


__all__ = ["write_atomic", "write_files", "check_writable", "output_kind", "refuse_inputs", "FIFO_WAIT"]
