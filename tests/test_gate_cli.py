"""The gate through the CLI, with stand-in checks so it runs in a second."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import tqcheck.engine.pipeline
from tqcheck.cli.main import cli

from test_gate_support import LengthScorer, WordCheck

CLEAN = "The talks continue in Cairo.\n\nBoth sides met on Monday.\n"
BAD = "People left the surrounded striptease.\n\nThe exports grew.\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a [tool.tqcheck] gate, stand-in checks instead of the real ones."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tqcheck.engine.pipeline, "build_checks", lambda settings, context=None: [WordCheck()])
    monkeypatch.setattr(tqcheck.engine.pipeline, "build_scorer", lambda settings: LengthScorer())
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.tqcheck]\nfail_on = "major"\nformat = ["csv"]\n'
        'output_dir = "out"\n\n[[tool.tqcheck.overrides]]\npaths = ["press/**"]\nfail_on = "minor"\n',
        encoding="utf-8")
    (tmp_path / "clean.txt").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "bad.txt").write_text(BAD, encoding="utf-8")
    return tmp_path


def invoke(*args: str):
    """Run the CLI and return the click result (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_clean_passes_and_bad_fails_with_the_reason(project: Path) -> None:
    assert invoke("check", "clean.txt").exit_code == 0
    result = invoke("check", "bad.txt")
    assert result.exit_code == 1
    assert "tqcheck: gate: 1 major finding at --fail-on major" in result.stderr
    assert (project / "out" / "bad.csv").is_file()


def test_flags_override_the_config_and_exit_zero_reports_only(project: Path) -> None:
    assert invoke("check", "bad.txt", "--fail-on", "critical").exit_code == 0
    result = invoke("check", "bad.txt", "--exit-zero")
    assert result.exit_code == 0 and "1 major finding at --fail-on major" in result.stderr


def test_per_path_override_is_stricter(project: Path) -> None:
    (project / "press").mkdir()
    (project / "press" / "minor.txt").write_text("The exports grew.\n", encoding="utf-8")
    (project / "minor.txt").write_text("The exports grew.\n", encoding="utf-8")
    assert invoke("check", "minor.txt").exit_code == 0
    result = invoke("check", "press/minor.txt")
    assert result.exit_code == 1 and "1 minor finding at --fail-on minor" in result.stderr


def test_github_and_sarif_formats_in_one_run(project: Path) -> None:
    result = invoke("check", "bad.txt", "--format", "github", "--format", "sarif=out/x.sarif")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::warning file=bad.txt,line=1,col=28,endLine=1,endColumn=38,"
        "title=Demo.Striptease (major%2C accuracy/mistranslation)::"
        "'striptease' is a likely mistranslation Suggestion: (check the source)",
        "::notice file=bad.txt,line=3,col=5,endLine=3,endColumn=12,"
        "title=Demo.Exports (minor%2C accuracy/mistranslation)::"
        "'exports' is a likely mistranslation Suggestion: (check the source)",
    ]
    log = json.loads((project / "out" / "x.sarif").read_text(encoding="utf-8"))
    assert len(log["runs"][0]["results"]) == 2


def test_baseline_create_then_check_fails_only_on_new_findings(project: Path) -> None:
    result = invoke("baseline", "create", "bad.txt", "--output", "baseline.json")
    assert result.exit_code == 0 and "2 findings recorded" in result.stderr
    assert invoke("check", "bad.txt", "--baseline", "baseline.json").exit_code == 0
    (project / "bad.txt").write_text("An opening line.\n\n" + BAD + "\nThe striptease again.\n", encoding="utf-8")
    result = invoke("check", "bad.txt", "--baseline", "baseline.json", "--format", "jsonl=-")
    assert result.exit_code == 1
    assert "1 major new finding at --fail-on major" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["rule_id"], r["line"]) for r in records] == [("Demo.Striptease", 7)]


def test_baseline_from_config_and_a_broken_baseline_exits_2(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        'output_dir = "out"', 'output_dir = "out"\nbaseline = "ci/baseline.json"'), encoding="utf-8")
    assert invoke("baseline", "create", "bad.txt").exit_code == 0
    assert (project / "ci" / "baseline.json").is_file()
    assert invoke("check", "bad.txt").exit_code == 0
    (project / "ci" / "baseline.json").write_text("{oops", encoding="utf-8")
    result = invoke("check", "bad.txt")
    assert result.exit_code == 2
    assert "ci/baseline.json:1: not valid JSON" in result.stderr


def test_config_show_prints_values_and_origins(project: Path) -> None:
    result = invoke("config", "show", "press/x.txt")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"# config files: {project / 'pyproject.toml'}"
    fail_on = next(line for line in lines if line.startswith("fail_on ="))
    assert fail_on.startswith('fail_on = "minor"') and "(overrides press/**)" in fail_on
    top = next(line for line in lines if line.startswith("top ="))
    assert top.endswith("# default")
    data = json.loads(invoke("config", "show", "--json").stdout)
    assert data["values"]["fail_on"] == {"value": "major", "origin": str(project / "pyproject.toml")}


def test_config_show_names_a_bad_key_and_file(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.tqcheck]\nfail_on = "sometimes"\n', encoding="utf-8")
    result = invoke("config", "show")
    assert result.exit_code == 2
    assert "pyproject.toml: fail_on: invalid value 'sometimes'" in result.stderr


def test_changed_only_checks_changed_files(project: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=project, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    result = invoke("check", ".", "--changed-only", "--base", "main")
    assert result.exit_code == 0 and "no changed files" in result.stderr
    (project / "clean.txt").write_text(CLEAN + "\nThe striptease.\n", encoding="utf-8")
    result = invoke("check", ".", "--changed-only", "--base", "main", "--format", "github")
    assert result.exit_code == 1
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["::warning file=clean.txt"]
    result = invoke("check", ".", "--changed-only", "--base", "nope")
    assert result.exit_code == 2 and "unknown git ref 'nope'" in result.stderr


def test_pre_commit_hook_runs_check_on_text_and_markdown() -> None:
    import re

    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "tqcheck")
    # one finding per line, like other linters' hooks; --format also keeps report files out of the repository
    assert hook["entry"].split()[:2] == ["tqcheck", "check"] and "--format line" in hook["entry"]
    pattern = re.compile(hook["files"])
    assert all(pattern.search(name) for name in ("a.md", "docs/b.txt", "c.markdown"))
    assert not any(pattern.search(name) for name in ("a.py", "b.mdx", "notes.txt.bak"))
    assert invoke(*hook["entry"].split()[1:], "--help").exit_code == 0


def test_partitioned_run_gates_with_the_per_path_overrides(project: Path) -> None:
    """One gate: the partitioned run reads each file's counts with its own settings, as a report's gate does
    (it used to apply only the run-wide settings, so press/**'s fail_on = "minor" was ignored)."""
    (project / "press").mkdir()
    (project / "press" / "minor.txt").write_text("The exports grew.\n", encoding="utf-8")
    result = invoke("check", "press/minor.txt", "clean.txt", "--partitioned", "parts", "--partition-format", "csv",
                    "--jobs", "1")
    assert result.exit_code == 1, result.stderr
    assert "tqcheck: gate: 1 minor finding at --fail-on minor in press/minor.txt" in result.stderr
    whole = invoke("check", "press/minor.txt", "clean.txt", "--jobs", "1")
    assert "tqcheck: gate: 1 minor finding at --fail-on minor in press/minor.txt" in whole.stderr


BROKEN_XLIFF = '<xliff version="1.2"><file><body><trans-unit id="1"><source>a</source><target>b</target>\n'


def test_baseline_create_records_every_good_file_and_names_each_bad_one(project: Path) -> None:
    (project / "bad2.txt").write_text(BAD.replace("People", "Others"), encoding="utf-8")
    (project / "broken.xlf").write_text(BROKEN_XLIFF, encoding="utf-8")
    result = invoke("baseline", "create", "bad.txt", "broken.xlf", "missing.txt", "bad2.txt",
                    "--output", "baseline.json")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: error:")]
    assert len(errors) == 2
    assert any(line.startswith("tqcheck: error: broken.xlf:2: malformed XML") for line in errors)
    assert "tqcheck: error: missing.txt: no such file or folder" in errors
    assert "4 findings recorded" in result.stderr and "2 inputs not checked (exit 2)" in result.stderr
    recorded = json.loads((project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert sorted({e["file"] for e in recorded}) == ["bad.txt", "bad2.txt"]
    assert invoke("check", "bad.txt", "bad2.txt", "--baseline", "baseline.json").exit_code == 0


def test_baseline_create_keeps_the_entries_of_an_input_it_cannot_read_today(project: Path) -> None:
    other = project / "texts" / "other.xlf"
    other.parent.mkdir()
    other.write_text('<xliff version="1.2"><file source-language="de" target-language="en"><body>'
                     '<trans-unit id="1"><source>Sie gingen.</source><target>The exports grew.</target></trans-unit>'
                     '<trans-unit id="2"><source>Sie gingen.</source><target>The striptease.</target></trans-unit>'
                     '</body></file></xliff>\n', encoding="utf-8")
    assert invoke("baseline", "create", "bad.txt", "texts", "--output", "baseline.json").exit_code == 0
    before = json.loads((project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    kept = len([e for e in before if e["file"] == "texts/other.xlf"])
    assert kept >= 2
    other.write_text(BROKEN_XLIFF, encoding="utf-8")  # unreadable today
    (project / "bad.txt").write_text("People left the surrounded striptease.\n", encoding="utf-8")
    result = invoke("baseline", "create", "bad.txt", "texts", "--output", "baseline.json")
    assert result.exit_code == 2 and "tqcheck: error: texts/other.xlf:2: malformed XML" in result.stderr
    assert f"1 finding recorded, {kept} entries of the unread inputs kept" in result.stderr
    after = json.loads((project / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert [e for e in after if e["file"] != "bad.txt"] == [e for e in before if e["file"] != "bad.txt"]
    assert [e["rule_id"] for e in after if e["file"] == "bad.txt"] == ["Demo.Striptease"]


def test_baseline_create_writes_nothing_when_no_input_can_be_read(project: Path) -> None:
    (project / "broken.xlf").write_text(BROKEN_XLIFF, encoding="utf-8")
    result = invoke("baseline", "create", "broken.xlf", "missing.txt", "--output", "baseline.json")
    assert result.exit_code == 2 and "broken.xlf:2: malformed XML" in result.stderr
    assert not (project / "baseline.json").exists()


def test_baseline_create_never_replaces_a_file_that_is_not_a_baseline(project: Path) -> None:
    notes = project / "notes.json"
    notes.write_text('{"my": "notes"}\n', encoding="utf-8")
    result = invoke("baseline", "create", "bad.txt", "--output", "notes.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("tqcheck: error: notes.json: not replaced: not a tqcheck baseline (expected")
    assert notes.read_text(encoding="utf-8") == '{"my": "notes"}\n'
    assert invoke("baseline", "create", "bad.txt", "--output", "base.json").exit_code == 0
    assert invoke("baseline", "create", "bad.txt", "clean.txt", "--output", "base.json").exit_code == 0  # its own
