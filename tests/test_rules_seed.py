"""The seed article's translation errors are caught by general rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqcheck.readers.inputs import document_from_text
from tqcheck.checks.rules import RuleCheck, builtin_rules_dir, load_paths

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d711ba56f4b847ad.txt"


@pytest.fixture(scope="module")
def findings():
    if not SEED.is_file():
        pytest.skip("seed article not present")
    document = document_from_text(SEED.read_text(encoding="utf-8"), str(SEED))
    return RuleCheck(load_paths([builtin_rules_dir()])).check(document)


@pytest.mark.parametrize("rule_id, matched", [
    ("mt.StripteaseForStrip", "striptease"),
    ("mt.SurroundedForBesieged", "surrounded"),
    ("mt.ExportOfPeople", "exports"),
    ("mt.ExportOfPeople", "export"),
    ("mt.OccupiedForTookIn", "occupied"),
    ("mt.NumberBeforeCountry", "170 Germany"),
    ("mt.DefenseSecretaryForMinister", "Defense Secretary"),
    ("mt.RepeatedPhrase", "months later"),
    ("mt.CaughtByForSeizedOn", "caught by"),
    ("mt.ConcernsRecovered", "have recovered"),
    ("mt.OpenTheExitSign", "exit sign"),
    ("mt.PoliticalEchelon", "political echelon"),
    ("agreement.ModalWithNoun", "resettlement"),
    ("agreement.ComparativeWithEver", "smaller"),
])
def test_seed_error_is_caught(findings, rule_id: str, matched: str) -> None:
    assert any(f.rule_id == rule_id and f.matched.lower() == matched.lower() for f in findings), \
        [(f.rule_id, f.matched) for f in findings]


def test_seed_findings_carry_suggestions_and_positions(findings) -> None:
    export = next(f for f in findings if f.rule_id == "mt.ExportOfPeople")
    assert export.suggestions == ("exits",) and export.line == 1 and export.column == 98
    strip = next(f for f in findings if f.rule_id == "mt.StripteaseForStrip")
    assert strip.suggestions == ("strip",) and strip.severity.value == "critical"
    occupied = next(f for f in findings if f.rule_id == "mt.OccupiedForTookIn")
    assert occupied.suggestions == ("taken in",)
    assert all(f.origin == "rules" for f in findings)
