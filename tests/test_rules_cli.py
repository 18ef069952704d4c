"""`tqcheck rules list|check|test` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tqcheck.cli.rules import rules

GOOD = ("extends: substitution\nmessage: \"'%s': write '%s'\"\nswap: {striptease: strip}\n"
        "examples:\n  bad: [They left the striptease.]\n  good: [They left the strip.]\n")


def invoke(*args: str):
    return CliRunner().invoke(rules, list(args))


def test_list_shows_ids_types_severities_categories() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if l.startswith("mt.StripteaseForStrip"))
    assert line.split() == ["mt.StripteaseForStrip", "context", "critical", "accuracy/mistranslation", "fixable"]
    assert "rule ids (" in result.output.splitlines()[-1]


def test_list_with_enable_prefix() -> None:
    result = invoke("list", "--enable", "idiom")
    assert result.exit_code == 0
    rows = result.output.splitlines()[:-1]
    assert rows and all(r.startswith("idiom.") for r in rows)


def test_check_reports_a_key_typo_with_path_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "house" / "Strip.yml"
    path.parent.mkdir()
    path.write_text(GOOD.replace("swap:", "swpa:"), encoding="utf-8")
    result = invoke("check", str(path.parent))
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output  # CliRunner mixes stderr into output
    assert len(result.output.strip().splitlines()) == 1


def test_check_accepts_a_valid_pack(tmp_path: Path) -> None:
    path = tmp_path / "house" / "Strip.yml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")
    result = invoke("check", str(path))
    assert result.exit_code == 0 and "1 rules in 1 pack(s): OK" in result.output


def test_test_command_runs_shipped_examples() -> None:
    result = invoke("test")
    assert result.exit_code == 0, result.output
    assert "0 failed, 0 without examples" in result.output


def test_test_command_fails_on_a_wrong_example(tmp_path: Path) -> None:
    path = tmp_path / "house" / "Strip.yml"
    path.parent.mkdir()
    path.write_text(GOOD.replace("good: [They left the strip.]", "good: [A striptease.]"), encoding="utf-8")
    result = invoke("test", str(path))
    assert result.exit_code == 1
    assert f"FAIL {path}:6: house.Strip: good example flagged" in result.output


def test_test_strict_requires_examples(tmp_path: Path) -> None:
    path = tmp_path / "house" / "Bare.yml"
    path.parent.mkdir()
    path.write_text("extends: existence\nmessage: m\ntokens: [x]\n", encoding="utf-8")
    assert invoke("test", str(path)).exit_code == 0
    assert invoke("test", "--strict", str(path)).exit_code == 1
