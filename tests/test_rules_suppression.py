"""Inline suppression comments (parsed by tqcheck.readers.inputs) silence rule findings by id prefix."""

from __future__ import annotations

from tqcheck.readers.inputs import read_markdown
from tqcheck.checks.rules import RuleCheck, builtin_rules_dir, load_paths

TEXT = """\
People left the surrounded striptease near Gaza.

<!-- tqcheck-disable mt.StripteaseForStrip -->
People left the striptease near Gaza.
<!-- tqcheck-enable -->

People left the striptease near Gaza. <!-- tqcheck-disable-line mt -->

People left the striptease near Gaza.
"""


def test_rule_findings_are_suppressed_by_comments() -> None:
    document = read_markdown("article.md", TEXT.encode("utf-8"))
    findings = RuleCheck(load_paths([builtin_rules_dir()])).check(document)
    strip = [f for f in findings if f.rule_id == "mt.StripteaseForStrip"]
    kept = [f.line for f in strip if not document.is_suppressed(f)]
    assert len(strip) == 4
    assert kept == [1, 9]
    surrounded = [f for f in findings if f.rule_id == "mt.SurroundedForBesieged"]
    assert surrounded and not document.is_suppressed(surrounded[0])
