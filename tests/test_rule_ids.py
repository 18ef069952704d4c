"""The one registry of rule ids: what it holds, selection checked against it, bad inline comments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tqcheck.cli.main import cli
from tqcheck.core.config import load_settings
from tqcheck.core.errors import ConfigError, UsageError
from tqcheck.readers.inputs import read_markdown
from tqcheck.engine.pipeline import Pipeline
from tqcheck.checks.catalog import registry
from tqcheck.checks.catalog import load_rules
from tqcheck.checks.rules import RuleCheck

ROOT = Path(__file__).resolve().parent.parent


def test_registry_holds_every_kind_of_id() -> None:
    reg = registry()
    for rule_id in ("source.Number", "fluency.UnexpectedWord", "semantic.UnexpectedWord", "detector.ErrorSpan",
                    "spelling.NameVariant", "tqcheck.BadSuppression", "mt.StripteaseForStrip"):
        assert reg.lookup(rule_id) is not None and reg.lookup(rule_id).id == rule_id
    assert reg.lookup("harper.Readability.LongSentences").id == "harper.Readability"
    assert reg.lookup("languagetool.EN_A_VS_AN").id == "languagetool"
    detector = reg.lookup("detector.ErrorSpan")
    assert detector.severity.value == "major" and "reviewer would mark" in detector.summary
    assert reg.fixable("mt.StripteaseForStrip") and not reg.fixable("mt.ExportOfPeople")
    for entry in reg:
        assert entry.summary and entry.category and entry.origin


def test_every_id_the_code_emits_is_registered() -> None:
    """Ids written literally in the checks' code (source.*, fluency.*, ...) are all in the registry."""
    reg = registry()
    emitted = set()
    for path in (ROOT / "tqcheck").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        emitted |= set(re.findall(r'rule_id=f?"(?:\{RULE_PREFIX\}|source)\.(\w+)', text))
        emitted = {e if "." in e else f"source.{e}" for e in emitted}
        emitted |= set(re.findall(r'"((?:fluency|semantic|detector|spelling)\.[A-Z]\w+)"', text))
    emitted.discard("source.title")  # f"{kind.title()}": Placeholder and Tag, registered below
    assert {"source.Number", "source.Meaning", "fluency.SurprisingSequence"} <= emitted
    assert sorted(e for e in emitted if reg.lookup(e) is None) == []
    assert reg.lookup("source.Placeholder") and reg.lookup("source.Tag")


@pytest.mark.parametrize("selector", ["mt", "grammar", "harper.Spelling", "harper.Spelling.SpellCheck", "mt.Strip*",
                                      "languagetool.EN_A_VS_AN", "source.Number", "*"])
def test_valid_selectors(selector: str) -> None:
    assert registry().is_valid_selector(selector)


@pytest.mark.parametrize("selector", ["mt.Nosuch", "harper.Spelling.NoSuchRule", "sourse", "style"])
def test_invalid_selectors_name_the_closest_ids(selector: str) -> None:
    reg = registry()
    assert not reg.is_valid_selector(selector)
    assert selector in reg.unknown_message(selector)


def test_closest_ids_of_a_typo() -> None:
    assert registry().closest("harper.Spelling.SpelCheck") == ["harper.Spelling.SpellCheck"]
    assert registry().closest("mt.StripteasForStrip")[0] == "mt.StripteaseForStrip"
    assert registry().closest("source.Numbr")[0] == "source.Number"


def test_enable_unknown_id_exits_2_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("A sentence.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--enable", "mt.Nosuch", "--no-config",
                                      "--no-fluency", "--grammar", "none", "-f", "terminal"])
    assert result.exit_code == 2
    assert "--enable: unknown rule id 'mt.Nosuch' (closest: mt." in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_disable_typo_in_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / ".tqcheck.toml").write_text('disable = ["source.Numbr"]\n', encoding="utf-8")
    path = tmp_path / "a.txt"
    path.write_text("A sentence.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--no-fluency", "--grammar", "none", "-f", "terminal"])
    assert result.exit_code == 2
    assert ".tqcheck.toml: disable: unknown rule id 'source.Numbr' (closest: source.Number" in result.output


def test_load_rules_raises_for_unknown_ids() -> None:
    settings = load_settings(discover=False, flags={"disable": ["mt.Nosuch"]})
    with pytest.raises(UsageError, match="mt.Nosuch"):
        load_rules(settings)
    settings = load_settings(discover=False)
    settings.apply({"enable": ["units.Nosuch"]}, "house.toml")
    with pytest.raises(ConfigError, match="house.toml: enable: unknown rule id 'units.Nosuch'"):
        load_rules(settings)


def test_prefix_and_group_selection_still_work() -> None:
    assert all(r.id.startswith("mt.") for r in load_rules(load_settings(discover=False, flags={"enable": ["mt"]})))
    settings = load_settings(discover=False, flags={"disable": ["grammar"]})
    every = load_rules(load_settings(discover=False))
    assert [r.id for r in load_rules(settings)] == [r.id for r in every]  # no YAML rule is in the grammar group


def test_rules_list_includes_every_kind_of_id() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0, result.output
    ids = {line.split()[0] for line in result.output.splitlines()[:-1]}
    assert {"source.Number", "harper.Spelling.*", "fluency.UnexpectedWord", "semantic.UnexpectedWord",
            "detector.ErrorSpan", "tqcheck.BadSuppression", "languagetool.*", "mt.StripteaseForStrip"} <= ids
    strip = next(l for l in result.output.splitlines() if l.startswith("mt.StripteaseForStrip "))
    assert strip.split() == ["mt.StripteaseForStrip", "context", "critical", "accuracy/mistranslation", "fixable"]


def test_rules_list_json_and_long() -> None:
    import json

    result = CliRunner().invoke(cli, ["rules", "list", "--format", "json", "--enable", "detector"])
    assert [e["id"] for e in json.loads(result.output)] == ["detector.ErrorSpan", "detector.Omission"]
    result = CliRunner().invoke(cli, ["rules", "list", "--long", "--enable", "source.Number"])
    assert "Why it matters" not in result.output and "A changed figure" in result.output
    assert CliRunner().invoke(cli, ["rules", "list", "--enable", "mt.Nosuch"]).exit_code == 2


COMMENTS = """\
<!-- tqcheck-disable mt.Stripteese -->
People left the surrounded striptease near Gaza.
<!-- tqcheck-enable -->

<!-- tqcheck-disable-next-line idiom -->
The weather was fine today.

<!-- tqcheck-disable-next-line mt.StripteaseForStrip -->
Aid trucks waited at the border of the striptease in Gaza.
"""


def test_bad_inline_comments_are_minor_findings() -> None:
    settings = load_settings(discover=False)
    document = read_markdown("article.md", COMMENTS.encode("utf-8"))
    with Pipeline(settings, checks=[RuleCheck(load_rules(settings))], scorer=None) as pipeline:
        findings = pipeline.check_document(document).findings
    bad = [f for f in findings if f.rule_id == "tqcheck.BadSuppression"]
    assert [(f.line, f.severity.value) for f in bad] == [(1, "minor"), (5, "minor")]
    assert "unknown rule id 'mt.Stripteese' (closest: mt.StripteaseForStrip" in bad[0].message
    assert "idiom suppresses no finding" in bad[1].message
    strip = [f.line for f in findings if f.rule_id == "mt.StripteaseForStrip"]
    assert strip == [2]  # the mistyped comment silenced nothing; the good one silenced line 9
    settings = load_settings(discover=False, flags={"disable": ["tqcheck.BadSuppression"]})
    with Pipeline(settings, checks=[RuleCheck(load_rules(settings))], scorer=None) as pipeline:
        findings = pipeline.check_document(document).findings
    assert not [f for f in findings if f.rule_id == "tqcheck.BadSuppression"]


def test_fixable_rules_give_exactly_one_suggestion_on_their_bad_examples() -> None:
    """A rule marked fixable must be unambiguous: each of its bad examples gets one suggestion to apply."""
    from tqcheck.readers.inputs import document_from_text
    from tqcheck.checks.rules import builtin_rules_dir, load_paths

    ruleset = load_paths([builtin_rules_dir()])
    fixable = [r for r in ruleset if r.fixable]
    assert {"mt.StripteaseForStrip", "calque.DespiteOf", "agreement.CouldOf"} <= {r.id for r in fixable}
    check = RuleCheck(ruleset)
    for rule in fixable:
        for sentence, _ in rule.examples.bad:
            found = [f for f in check.check(document_from_text(sentence)) if f.rule_id == rule.id]
            assert found and all(len(f.suggestions) == 1 for f in found), (rule.id, sentence, found)


def test_every_registered_origin_is_a_finding_origin() -> None:
    from tqcheck.core.finding import ORIGINS

    assert {e.origin for e in registry()} <= set(ORIGINS)
