"""One run context (issue 24): the rule packs are read once per run, the flag threshold comes from the detector's
card without loading the detector, and the run's registry reaches the SARIF writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import tqcheck.checks.rules.loader as loader
import tqcheck.scoring.detector as detector
from tqcheck.cli.main import cli
from tqcheck.core.config import Settings
from tqcheck.engine.pipeline import flag_threshold, run_context

def _settings(**values) -> Settings:
    settings = Settings()
    settings.apply(values, "command line")
    return settings


FAST = ["--no-config", "--no-fluency", "--grammar", "none", "--no-cache", "--jobs", "1"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.md").write_text(
        "The surrounded striptease was basically over.\n\n"
        "<!-- tqcheck-disable mt.Stripteese -->\nThe exports grew.\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "Filler.yml").write_text(
        "extends: existence\nmessage: \"'%s' adds nothing\"\ndescription: Flags the filler word basically\n"
        "level: minor\ntokens: [basically]\n", encoding="utf-8")
    return tmp_path


def test_a_check_reads_the_rule_packs_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's rules, the inline-suppression check and --statistics share one registry (the packs were read
    three times: by the pipeline, for the bad suppression and for the statistics)."""
    calls = []
    real = loader.load_paths
    monkeypatch.setattr(loader, "load_paths", lambda *a, **k: calls.append(a) or real(*a, **k))
    result = CliRunner().invoke(cli, ["check", "notes.md", *FAST, "--rules", "mine", "--statistics", "--exit-zero"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "tqcheck.BadSuppression" in result.stdout and "mine.Filler" in result.stdout
    assert len(calls) == 1


def test_the_flag_threshold_does_not_load_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run whose every part is cached scores nothing: its threshold is read from the card alone."""
    card = json.loads((detector.SHIPPED / detector.MODEL_FILE).read_text(encoding="utf-8"))
    monkeypatch.setattr(detector, "load_detector", lambda *a: pytest.fail("the detector was loaded"))
    assert flag_threshold(Settings()) == round(1.0 - float(card["flag_threshold"]), 4)


def test_an_unreadable_card_still_gives_the_detectors_own_error(tmp_path: Path) -> None:
    from tqcheck.core.errors import ConfigError

    (tmp_path / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable detector card"):
        flag_threshold(_settings(detector=str(tmp_path)))


def test_the_context_checks_the_selection_once_and_holds_the_registry() -> None:
    context = run_context(_settings(enable=["mt"]))
    assert context.registry.lookup("source.Number") is not None and context.flag_threshold > 0
    from tqcheck.core.errors import UsageError

    with pytest.raises(UsageError, match="mt.Stripteese"):
        run_context(_settings(disable=["mt.Stripteese"])).registry


def test_sarif_describes_the_runs_own_rules(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "notes.md", *FAST, "--rules", "mine", "-f", "sarif=out.sarif",
                                      "--exit-zero"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rules = json.loads((folder / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]["rules"]
    mine = next(r for r in rules if r["id"] == "mine.Filler")
    assert mine["fullDescription"]["text"].startswith("Flags the filler word basically")


def test_a_run_whose_every_part_is_cached_reads_no_rule_pack_and_loads_no_detector(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQCHECK_CACHE_DIR", str(folder / "cache"))
    command = ["check", "notes.md", "--no-config", "--grammar", "none", "--jobs", "1", "-o", "out.csv", "--exit-zero"]
    first = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    report = (folder / "out.csv").read_bytes()
    monkeypatch.setattr(loader, "load_paths", lambda *a, **k: pytest.fail("a rule pack was read"))
    monkeypatch.setattr(detector, "load_detector", lambda *a: pytest.fail("the detector was loaded"))
    again = CliRunner().invoke(cli, command, catch_exceptions=False)
    assert again.exit_code == 0, again.stderr
    assert (folder / "out.csv").read_bytes() == report
