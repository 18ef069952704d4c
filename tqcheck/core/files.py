"""Writing files safely: reports and baselines are complete or not there (below every writer)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

from tqcheck.core.errors import OutputError


def _report_mode(path: Path) -> int:
    """Permissions for a report: the existing file's, else 0666 less the umask (as open() would)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str, *, encoding: str = "utf-8", newline: str | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written."""
    write_files([(Path(path), text)], encoding=encoding, newline=newline)


def write_files(items: Sequence[tuple[Path, str]], *, encoding: str = "utf-8",
                newline: str | None = None) -> None:
    """Write several files all or nothing: every text goes to a temporary file beside its target first,
    and the temporary files are renamed only when all of them were written (a full disk, a folder in
    the way or an interrupt leaves every previous file as it was and no temporary file behind).
    Failures are an OutputError naming the file."""
    temporary: list[tuple[str, Path]] = []
    try:
        for path, text in items:
            path = Path(path)
            if path.is_dir():
                raise OutputError("cannot write report: is a folder", path=str(path))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
            temporary.append((tmp_name, path))
            try:
                os.chmod(tmp_name, _report_mode(path))
                with os.fdopen(handle, "w", encoding=encoding, newline=newline) as stream:
                    stream.write(text)
                    stream.flush()
                    os.fsync(stream.fileno())
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}", path=str(path)) from None
        for number, (tmp_name, path) in enumerate(temporary):
            try:
                os.replace(tmp_name, path)
            except OSError as exc:
                raise OutputError(f"cannot write report: {exc.strerror or exc}"
                                  + (f" ({number} of {len(temporary)} reports were replaced)" if number else ""),
                                  path=str(path)) from None
        temporary = []
    finally:
        for tmp_name, _ in temporary:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def check_writable(path: Path) -> None:
    """OutputError unless a file can be created or replaced at ``path`` (checked before a long run)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError("cannot write report: is a folder", path=str(path))
    if path.exists() and not os.access(path.parent, os.W_OK):
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


__all__ = ["write_atomic", "write_files", "check_writable"]
