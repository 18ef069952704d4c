"""Exit status like a linter (default fail_on major, --exit-zero) and the shipped pre-commit hook."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
CLEAN = "The committee approved the budget on Tuesday. Members said the plan would take effect next year.\n"


def hook() -> dict:
    (entry,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return entry


def run_tqcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tqcheck", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("name, matched", [
    ("a.txt", True), ("a.md", True), ("b/c.markdown", True), ("m.po", True), ("m.xlf", True),
    ("m.xliff", True), ("m.tmx", True), ("m.srt", True),
    ("m.tsv", False), ("m.pot", False), ("data.csv", False), ("a.py", False), ("a.json", False)])
def test_hook_matches_text_markdown_and_bilingual_files(name: str, matched: bool) -> None:
    assert bool(re.search(hook()["files"], name)) is matched


def test_hook_matches_exactly_what_check_checks_by_default() -> None:
    """The hook passes file names explicitly (which check then always checks), so it must select only the
    files `check` selects in a folder by default: data tables (.tsv) are not translations to check."""
    from tqcheck.readers.inputs import EXTENSIONS, default_include

    suffixes = {glob.removeprefix("*") for glob in default_include()}
    for suffix in EXTENSIONS:
        assert bool(re.search(hook()["files"], "dir/file" + suffix)) is (suffix in suffixes), suffix


def test_hook_entry_sets_no_report_only_option() -> None:
    entry = hook()["entry"].split()
    assert entry[:2] == ["tqcheck", "check"]
    assert "--exit-zero" not in entry and "--fail-on" not in entry  # the default gate (major) applies
    assert hook()["require_serial"] is True


@pytest.mark.slow
def test_seed_exit_zero_and_clean_file(tmp_path: Path) -> None:
    """Full pipeline: the seed with --exit-zero exits 0 (reasons still printed); a clean file exits 0."""
    result = run_tqcheck("check", str(SEED), "--no-config", "--exit-zero", "-f", "terminal", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tqcheck: gate: 1 critical and" in result.stderr
    clean = tmp_path / "clean.txt"
    clean.write_text(CLEAN, encoding="utf-8")
    result = run_tqcheck("check", str(clean), "--no-config", "-f", "terminal", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gate" not in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit is not installed")
def test_pre_commit_with_the_shipped_hook_fails_on_the_seed(tmp_path: Path) -> None:
    """`pre-commit run` with the shipped hook's entry, files and types (as a local hook, so pre-commit
    does not build a virtualenv from the network; its `tqcheck` is this tree's)."""
    shipped = hook()
    local = {**shipped, "language": "system",
             "entry": shipped["entry"].replace("tqcheck", f"{sys.executable} -m tqcheck", 1)}
    local.pop("minimum_pre_commit_version", None)
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.copy(SEED, tmp_path / "article.txt")
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRE_COMMIT_HOME": str(tmp_path / ".cache"),
           "GIT_CONFIG_GLOBAL": os.devnull}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True, env=env)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True, env=env)

    def pre_commit(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(["pre-commit", "run", "--files", *files], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=900)

    failed = pre_commit("article.txt")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "striptease" in failed.stdout
    assert "at --fail-on major" in failed.stdout
    passed = pre_commit("clean.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    assert not (tmp_path / "reports").exists()
