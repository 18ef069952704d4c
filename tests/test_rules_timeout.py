"""A hostile regular expression in a user's rule cannot stall a check."""

from __future__ import annotations

import time
from pathlib import Path

from tqcheck.checks.rules import RuleCheck, load_paths
from tqcheck.checks.rules.base import REGEX_TIMEOUT
from tqcheck.checks.rules.examples import example_document

HOSTILE = "extends: pattern\nmessage: m\npattern: '(a|aa)+b'\n"


def test_catastrophic_pattern_is_stopped_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "Hostile.yml").write_text(HOSTILE, encoding="utf-8")
    (folder / "Fine.yml").write_text("extends: existence\nmessage: m\ntokens: [striptease]\n", encoding="utf-8")
    check = RuleCheck(load_paths([folder]))
    text = "\n".join(["a" * 40 + " striptease"] * 200)  # 200 segments that each backtrack exponentially
    started = time.perf_counter()
    findings = check.check(example_document(text))
    elapsed = time.perf_counter() - started
    assert elapsed < REGEX_TIMEOUT * 4 + 2.0
    assert len(check.notices) == 1
    notice = check.notices[0]
    assert "user.Hostile" in notice and str(folder / "Hostile.yml") in notice and "<example>:1" in notice
    assert len([f for f in findings if f.rule_id == "user.Fine"]) == 200  # the other rules still ran
