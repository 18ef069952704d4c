"""Text that is not Unicode text inside a YAML rule file or pack file — a lone UTF-16 surrogate written as an escape
(``"\\ud800"``, which pure-Python PyYAML decodes to one and libyaml refuses), a NUL or terminal-control escape, a
noncharacter — is a one-line error naming the file, line and column, exit 2: never a traceback or an internal
error while a report is written, whichever YAML loader is installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tqcheck.cli.main import cli

LOADERS = ["pure"] + (["libyaml"] if hasattr(yaml, "CSafeLoader") else [])

RULE = 'extends: existence\nmessage: "{message}"\nlevel: minor\ntokens:\n  - "{token}"\n'
CASES = {
    "surrogate in the message": (RULE.format(message="Avoid \\ud800 %s", token="text"), 2, 10),
    "low surrogate in a token": (RULE.format(message="Avoid %s", token="te\\udc80xt"), 5, 5),
    "pair written as two escapes": (RULE.format(message="Avoid \\uD83D\\uDE00 %s", token="text"), 2, 10),
    "NUL in the message": (RULE.format(message="Avoid\\0 %s", token="text"), 2, 10),
    "escape sequence in a token": (RULE.format(message="Avoid %s", token="\\e[31mtext"), 5, 5),
    "noncharacter": (RULE.format(message="Avoid \\uFFFF %s", token="text"), 2, 10),
    "surrogate in a key": ('extends: existence\n"le\\ud800vel": minor\nmessage: m\ntokens: [text]\n', 2, 1),
}


@pytest.fixture(params=LOADERS)
def loader(request, monkeypatch) -> str:
    import tqcheck.checks.rules.yamlfile as yamlfile

    monkeypatch.setattr(yamlfile, "_Loader", yaml.SafeLoader if request.param == "pure" else yaml.CSafeLoader)
    return request.param


def run(tmp_path: Path, *rules: str):
    text = tmp_path / "a.txt"
    text.write_text("The text is fine.\n", encoding="utf-8")
    args = ["check", str(text), "--no-config", "--no-fluency", "--grammar", "none", "-f", "line",
            "-f", f"csv={tmp_path / 'out.csv'}", "-f", f"json={tmp_path / 'out.json'}"]
    for rule in rules:
        args += ["--rules", rule]
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_text_in_a_rule_file_is_one_error_with_its_place(tmp_path: Path, loader: str, case: str) -> None:
    body, line, column = CASES[case]
    path = tmp_path / "Avoid.yml"
    path.write_text(body, encoding="utf-8")
    result = run(tmp_path, str(path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    errors = [e for e in result.stderr.splitlines() if e.strip()]
    assert len(errors) == 1, result.stderr
    if loader == "libyaml" and "\\u" in body and ("\\ud" in body.lower()):
        assert re.search(rf"Avoid\.yml:{line}: invalid YAML: found invalid Unicode character escape code", errors[0])
    else:
        assert f"Avoid.yml:{line}:{column}: invalid text in a YAML value: " in errors[0], errors[0]
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.json").exists()


def test_a_pack_file_and_a_rule_in_a_pack_are_checked_alike(tmp_path: Path, loader: str) -> None:
    pack = tmp_path / "house"
    pack.mkdir()
    (pack / "Avoid.yml").write_text(RULE.format(message="Avoid %s", token="text"), encoding="utf-8")
    (pack / "_pack.yml").write_text('version: "1"\ndescription: "House \\x1b[2J rules"\n', encoding="utf-8")
    result = run(tmp_path, str(pack))
    assert result.exit_code == 2, result.output
    assert re.search(r"_pack\.yml:2:14: invalid text in a YAML value: a control character \(U\+001B\)",
                     result.stderr), result.stderr
    (pack / "_pack.yml").write_text('version: "1"\n', encoding="utf-8")
    result = run(tmp_path, str(pack))
    assert result.exit_code == 0, result.output
    assert "house.Avoid" in result.stdout


def test_ordinary_text_is_kept(tmp_path: Path, loader: str) -> None:
    path = tmp_path / "Avoid.yml"
    path.write_text(RULE.format(message="Avoid\\t«%s» — 😀 \\u00e9 \\x85", token="text"), encoding="utf-8")
    result = run(tmp_path, str(path))
    assert result.exit_code == 0, result.output
    assert "«text» — 😀 é" in result.stdout
