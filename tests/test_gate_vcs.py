"""--changed-only: files changed against a base ref, from git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tqcheck.core.errors import InputError
from tqcheck.policy.vcs import changed_files


def git(cwd: Path, *args: str) -> None:
    """Run git quietly with a fixed identity."""
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd,
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a main branch and a feature branch that changes some files."""
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "docs").mkdir()
    for name in ("docs/old.md", "docs/same.md", "docs/gone.md", "notes.txt", "docs/script.py"):
        (tmp_path / name).write_text("Text.\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    (tmp_path / "docs/old.md").write_text("Changed and committed.\n", encoding="utf-8")
    git(tmp_path, "rm", "-q", "docs/gone.md")
    git(tmp_path, "commit", "-q", "-am", "feature")
    (tmp_path / "notes.txt").write_text("Changed, not committed.\n", encoding="utf-8")
    (tmp_path / "docs/new.md").write_text("Untracked.\n", encoding="utf-8")
    (tmp_path / "docs/script.py").write_text("print()\n", encoding="utf-8")
    return tmp_path


def test_changed_files_in_folders_follow_the_include_globs(repo: Path) -> None:
    assert changed_files("main", ["."]) == ["docs/new.md", "docs/old.md", "notes.txt"]
    assert changed_files("main", ["docs"]) == ["docs/new.md", "docs/old.md"]
    assert changed_files("main", ["docs"], include=["*.py"]) == ["docs/script.py"]
    assert changed_files("main", ["."], exclude=["docs"]) == ["notes.txt"]


def test_named_files_are_kept_only_when_changed(repo: Path) -> None:
    assert changed_files("main", ["docs/same.md", "docs/old.md", "docs/script.py"]) == [
        "docs/old.md", "docs/script.py"]


def test_the_base_is_where_the_branch_left_it(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "docs/same.md").write_text("Main moved on.\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "main moves")
    git(repo, "checkout", "-q", "feature")
    assert "docs/same.md" not in changed_files("main", ["."])


def test_unknown_ref_and_no_repository_are_input_errors(repo: Path, tmp_path_factory) -> None:
    with pytest.raises(InputError, match="unknown git ref 'origin/nope'"):
        changed_files("origin/nope", ["."])
    outside = tmp_path_factory.mktemp("plain")
    with pytest.raises(InputError, match="not inside a git repository"):
        changed_files("main", [str(outside)])
