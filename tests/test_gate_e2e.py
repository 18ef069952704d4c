"""Acceptance: a test repository gated through the CLI with the full default pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d711ba56f4b847ad.txt"
CLEAN = ("The weather was mild on Tuesday, and most shops in the town opened at nine in the morning.\n"
         "Children walked to school with their parents. The library will stay open until six this evening.\n")
NEW_BAD_SENTENCE = "Hundreds more people left the surrounded striptease last week."
PYPROJECT = """[project]
name = "newsroom"

[tool.tqcheck]
fail_on = "major"
format = ["csv", "json"]
output_dir = "reports"
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A newsroom repository: pyproject.toml with [tool.tqcheck], a clean article and the seed."""
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED}")
    root = tmp_path_factory.mktemp("newsroom")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "articles").mkdir()
    (root / "articles" / "clean.txt").write_text(CLEAN, encoding="utf-8")
    shutil.copyfile(SEED, root / "articles" / "seed.txt")
    return root


def invoke(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    """Run the tqcheck CLI inside ``root``."""
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def new_findings(result) -> list[dict]:
    """The JSONL records printed on stdout."""
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_clean_file_passes(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(repository, monkeypatch, "check", "articles/clean.txt")
    assert result.exit_code == 0, result.stderr
    assert "gate:" not in result.stderr


def test_seed_fails_at_fail_on_major_and_reports_are_byte_identical(
        repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    for attempt in range(2):
        sarif = f"reports/seed-{attempt}.sarif"
        result = invoke(repository, monkeypatch, "check", "articles/seed.txt", "--format", "json",
                        "--format", f"sarif={sarif}", "--format", f"junit=reports/seed-{attempt}.xml")
        assert result.exit_code == 1, result.stderr
        assert "tqcheck: gate:" in result.stderr and "at --fail-on major" in result.stderr
        outputs.append([(repository / "reports" / "seed.json").read_bytes(),
                        (repository / sarif).read_bytes(),
                        (repository / f"reports/seed-{attempt}.xml").read_bytes()])
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0][0])
    rules = {f["rule_id"] for f in data["findings"] if f["severity"] in ("major", "critical")}
    assert any("Striptease" in rule for rule in rules), rules
    # every finding points at its text in the original file
    lines = (repository / "articles" / "seed.txt").read_text(encoding="utf-8").split("\n")
    for finding in data["findings"]:
        if finding["line"] == finding["end_line"]:
            text = lines[finding["line"] - 1][finding["column"] - 1:finding["end_column"] - 1]
            assert text == finding["matched"], finding
    # the real pipeline's SARIF is valid SARIF 2.1.0
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(json.loads(outputs[0][1])))
    assert not errors, errors[0]
    # the real pipeline's JSON follows the documented schema
    report_schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "schemas"
                                / "tqcheck-report-1.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft7Validator(report_schema).iter_errors(data))
    assert not errors, errors[0]


def markdown_seed() -> str:
    """The seed as a Markdown article: front matter, a heading, emphasis, a list and a code block."""
    paragraphs = SEED.read_text(encoding="utf-8").strip().split("\n")
    body = []
    for number, paragraph in enumerate(paragraphs):
        if number == 2:
            paragraph = paragraph.replace("surrounded", "*surrounded*").replace("France", "**France**")
        if number == 4:
            paragraph = "- " + paragraph
        body.append(paragraph)
    return ("---\ntitle: Leaving Gaza\n---\n\n# Leaving *Gaza*\n\n" + "\n\n".join(body[:5])
            + "\n\n```\nexports striptease in code\n```\n\n" + "\n\n".join(body[5:]) + "\n")


def test_markdown_annotations_point_at_the_original_text(
        repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = repository / "articles" / "seed-md.md"
    path.write_text(markdown_seed(), encoding="utf-8")
    result = invoke(repository, monkeypatch, "check", "articles/seed-md.md", "--exit-zero",
                    "--format", "json=-", "--format", "github=reports/seed-md.github")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    lines = path.read_text(encoding="utf-8").split("\n")
    striptease = [f for f in data["findings"] if f["matched"] == "striptease"]
    assert len(striptease) == 1  # the one in the code block is not checked
    checked = 0
    for finding in data["findings"]:
        if finding["line"] != finding["end_line"]:
            continue
        text = lines[finding["line"] - 1][finding["column"] - 1:finding["end_column"] - 1]
        assert text.replace("*", "") == finding["matched"].replace("*", ""), finding
        checked += 1
    assert checked >= 10
    annotations = (repository / "reports" / "seed-md.github").read_text(encoding="utf-8").splitlines()
    assert len(annotations) == len(data["findings"])
    first = next(a for a in annotations if "StripteaseForStrip" in a)
    finding = striptease[0]
    assert first.startswith(f"::error file=articles/seed-md.md,line={finding['line']},col={finding['column']},")
    assert lines[finding["line"] - 1][finding["column"] - 1:].startswith("striptease")


def test_baselined_seed_passes_and_a_new_bad_sentence_fails_alone(
        repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(repository, monkeypatch, "baseline", "create", "articles/seed.txt",
                    "--output", "ci/tqcheck-baseline.json")
    assert result.exit_code == 0, result.stderr
    recorded = json.loads((repository / "ci" / "tqcheck-baseline.json").read_text(encoding="utf-8"))
    assert recorded["findings"] and {e["file"] for e in recorded["findings"]} == {"../articles/seed.txt"}

    result = invoke(repository, monkeypatch, "check", "articles/seed.txt", "--baseline",
                    "ci/tqcheck-baseline.json", "--format", "jsonl=-")
    assert new_findings(result) == [], result.stderr
    assert result.exit_code == 0, result.stderr

    seed = repository / "articles" / "seed.txt"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.rstrip("\n") + f"\n\n{NEW_BAD_SENTENCE}\n", encoding="utf-8")
    new_line = text.rstrip("\n").count("\n") + 3
    result = invoke(repository, monkeypatch, "check", "articles/seed.txt", "--baseline",
                    "ci/tqcheck-baseline.json", "--format", "jsonl=-")
    assert result.exit_code == 1, result.stderr
    gate_lines = [line for line in result.stderr.splitlines() if line.startswith("tqcheck: gate:")]
    assert gate_lines == ["tqcheck: gate: 1 critical new finding at --fail-on major"]
    found = new_findings(result)
    failing = [f for f in found if f["severity"] in ("major", "critical")]
    assert [(f["line"], f["column"], f["matched"]) for f in failing] == [
        (new_line, NEW_BAD_SENTENCE.index("striptease") + 1, "striptease")]
    # anything else new is below the gate (context-dependent minor findings may appear)
    assert all(f["severity"] == "minor" for f in found if f not in failing)

    result = invoke(repository, monkeypatch, "check", "articles/seed.txt", "--baseline",
                    "ci/tqcheck-baseline.json", "--format", "github")
    errors = [line for line in result.stdout.splitlines() if line.startswith(("::error", "::warning"))]
    assert len(errors) == 1
    assert errors[0].startswith(f"::error file=articles/seed.txt,line={new_line},"
                                f"col={NEW_BAD_SENTENCE.index('striptease') + 1},")
