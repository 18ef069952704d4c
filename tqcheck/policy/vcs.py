"""Version control: which files changed against a base ref (for ``--changed-only``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from tqcheck.core.errors import InputError
from tqcheck.readers.inputs import default_include, selected_in_folder



def _git(args: Sequence[str], cwd: Path) -> str:
    """Output of a git command; raises InputError when git is missing or fails."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                              encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise InputError("git is not installed (needed by --changed-only)") from None
    if done.returncode != 0:
        raise _GitFailed(done.stderr.strip())
    return done.stdout


class _GitFailed(Exception):
    pass


def repository_root(start: Path) -> Path:
    """The top folder of the git work tree containing ``start``; InputError when there is none."""
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], start).strip())
    except _GitFailed:
        raise InputError("not inside a git repository (--changed-only needs git)", path=str(start)) from None


def merge_base(base_ref: str, root: Path) -> str:
    """The commit where HEAD left ``base_ref`` (``base_ref`` itself when HEAD is on it)."""
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base_ref}^{{commit}}"], root)
    except _GitFailed:
        raise InputError(f"unknown git ref {base_ref!r} (fetch it first, e.g. git fetch origin main)",
                         path=str(root), key="--base") from None
    try:
        return _git(["merge-base", base_ref, "HEAD"], root).strip()
    except _GitFailed:  # unrelated histories or no HEAD yet: compare with the ref itself
        return base_ref


def changed_files(base_ref: str, paths: Sequence[str], include: Sequence[str] | None = None,
                  exclude: Sequence[str] = ()) -> list[str]:
    """Files among ``paths`` added or modified since ``base_ref`` (committed, staged, unstaged or untracked).

    Named files are kept when they changed; folders contribute their changed files
    that match ``include`` and not ``exclude`` (as when checking a folder).
    Deleted files are left out. Paths are returned relative to the working folder.
    """
    include = tuple(include) if include else tuple(default_include())
    cwd = Path(os.getcwd())
    named = [p for p in paths if p != "-"] or ["."]
    first = Path(named[0])
    root = repository_root(first if first.is_dir() else (first.parent if str(first.parent) else cwd))
    base = merge_base(base_ref, root)
    try:
        listed = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=ACMRT", base, "--"], root)
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    except _GitFailed as exc:
        raise InputError(f"git diff against {base_ref!r} failed: {exc}", path=str(root)) from None
    changed = {(root / name).resolve() for name in (listed + untracked).split("\0") if name}
    found: list[str] = []
    for name in paths:
        if name == "-":
            found.append(name)
            continue
        target = Path(name).resolve()
        if target.is_file():
            if target in changed:
                found.append(name)
            continue
        for path in sorted(changed):
            if path.is_file() and path.is_relative_to(target) and selected_in_folder(
                    path.relative_to(target).as_posix(), include, exclude):
                found.append(os.path.relpath(path, cwd))
    return list(dict.fromkeys(found))


__all__ = ["changed_files", "repository_root", "merge_base"]
