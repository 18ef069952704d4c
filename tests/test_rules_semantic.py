"""The optional semantic condition of context rules (loads the MiniLM model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqcheck.checks.rules import RuleCheck, load_paths
from tqcheck.checks.rules.examples import example_document

RULE = """\
extends: context
message: "'%s' may be a mistranslation of '%s'"
swap: {striptease: strip}
semantic_topic: war, siege, air strikes and refugees fleeing Gaza
semantic_min: 0.3
"""


def test_semantic_topic_needs_no_model_to_load(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "Strip.yml").write_text(RULE, encoding="utf-8")
    rule = load_paths([tmp_path / "s"]).rules[0]
    assert rule.semantic_topic.startswith("war")
    findings = RuleCheck(load_paths([tmp_path / "s"])).check(example_document("Markets rose on Monday."))
    assert findings == []  # no token, so the model is never asked


@pytest.mark.slow
def test_semantic_topic_separates_war_news_from_a_night_club(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "Strip.yml").write_text(RULE, encoding="utf-8")
    check = RuleCheck(load_paths([tmp_path / "s"]))
    text = ("Hundreds of refugees fled the bombed striptease after weeks of air strikes.\n"
            "The club's late-night striptease show drew a big crowd on Saturday.")
    findings = check.check(example_document(text))
    assert [(f.segment, f.suggestions) for f in findings] == [(0, ("strip",))]
