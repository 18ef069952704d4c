"""The detector learns from, and is measured on, the findings a report shows (not the checks' raw output)."""

from tqcheck.core import rule_defaults
from tqcheck.core.config import Settings
from tqcheck.training.build import example_findings
from tqcheck.training.data import Example
from tqcheck.core.document import Document
from tqcheck.engine.pipeline import build_checks

DEMOTED_AGREEMENT = "So maybe the chemicals in it are useful."  # Harper: 'it are' (major, demoted by default)


def _raw(text: str):
    settings = Settings()
    checks = build_checks(settings)
    try:
        document = Document(path="x", text=text)
        document.add_segment(text, 0)
        return [f for check in checks for f in check.check(document)]
    finally:
        for check in checks:
            check.close()


def test_training_findings_have_the_reported_severity() -> None:
    raw = [f for f in _raw(DEMOTED_AGREEMENT) if f.rule_id.startswith("harper.Agreement")]
    assert raw and any(str(f.severity.value) == "major" for f in raw)  # what the engine says
    [found] = example_findings([Example(text=DEMOTED_AGREEMENT, label=None)])
    agreement = [f for f in found if f[0].startswith("harper.Agreement")]
    assert agreement and all(f[2] == "minor" for f in agreement)  # what the report shows
    assert rule_defaults.describe(agreement[0][0]) == "demoted"


def test_training_findings_leave_out_ids_that_are_off_by_default() -> None:
    text = "The results were good and also the costs were low."
    assert any(rule_defaults.describe(f.rule_id) == "off" for f in _raw(text))  # harper.Redundancy fires raw
    [found] = example_findings([Example(text=text, label=None)])
    assert not [f for f in found if rule_defaults.describe(f[0]) == "off"]
