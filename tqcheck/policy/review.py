"""What a review session decides, applied: replacements written into the files, false alarms recorded.

The interactive walk lives in tqcheck/cli/review.py (it reads keys and prints); this module holds
the decisions and applies them. False alarms go into a baseline file (the format of
``tqcheck baseline create``, each entry marked ``"false_alarm": true``): the configured baseline, else
``tqcheck-baseline.json`` where ``tqcheck check`` finds it by itself (``policy.baseline.discover_baseline``),
so ``check`` no longer reports them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqcheck.core.finding import Finding
from tqcheck.policy.fix import Edit, FileFix, apply_edits, write_fixes
from tqcheck.output.report import Report

#: Baseline file written when neither --baseline nor the ``baseline`` key names one.
DEFAULT_FALSE_ALARMS = "tqcheck-baseline.json"


@dataclass
class Decisions:
    """A review's outcome: replacements to make, findings marked as false alarms, findings skipped."""

    edits: list[Edit] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    #: The walk was stopped with Ctrl-C (what was decided before is kept, as with ``q``).
    interrupted: bool = False


def overlaps(first: Finding, second: Finding) -> bool:
    """Whether two findings' spans share a character of the same segment."""
    return (first.file, first.segment) == (second.file, second.segment) and first.start < second.end \
        and second.start < first.end


def apply_replacements(report: Report, edits: list[Edit], keep_state: bool = False) -> list[FileFix]:
    """Write the accepted or typed replacements into their files (only the target characters change; a fixed
    XLIFF unit is marked for review unless ``keep_state``); returns the file fixes (``error`` set on a file
    that could not be written)."""
    documents = {d.path: d for d in report.documents}
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.finding.file, []).append(edit)
    fixes = [apply_edits(documents[path], file_edits, keep_state=keep_state)
             for path, file_edits in sorted(by_file.items())]
    write_fixes(fixes)
    return fixes


def sentence_after(report: Report, finding: Finding, applied: list[Edit]) -> tuple[str, Finding]:
    """The finding's sentence with the replacements ``applied`` to it, and the finding moved to match."""
    segment = next(d for d in report.documents if d.path == finding.file).segments[finding.segment]
    text, start = segment.text, finding.start
    same = [e.finding for e in applied if e.finding.file == finding.file and e.finding.segment == finding.segment]
    for edit in sorted((e for e in applied if e.finding in same), key=lambda e: -e.finding.start):
        f = edit.finding
        text = text[:f.start] + edit.replacement + text[f.end:]
        if f.end <= start:
            start += len(edit.replacement) - (f.end - f.start)
    return text, replace(finding, start=start, end=start + (finding.end - finding.start))


def record_false_alarms(report: Report, findings: list[Finding], path: str | Path,
                        applied: list[Edit] = ()) -> int:
    """Add ``findings`` to the baseline file at ``path`` (created when missing), fingerprinted in their
    sentences as they read after the replacements ``applied``; returns how many were added."""
    from tqcheck.policy.baseline import BASELINE_VERSION, baseline_path_key, load_baseline
    from tqcheck.core.files import write_atomic
    from tqcheck.output.fingerprints import fingerprint

    path = Path(path)
    base_dir = Path(os.path.abspath(path)).parent
    entries = list(load_baseline(path).entries) if path.exists() else []
    added = 0
    for finding in findings:
        text, moved = sentence_after(report, finding, list(applied))
        entries.append({"file": baseline_path_key(finding.file, base_dir), "fingerprint": fingerprint(moved, text),
                        "rule_id": finding.rule_id, "severity": finding.severity.value, "line": finding.line,
                        "column": finding.column, "matched": finding.matched, "message": finding.message,
                        "false_alarm": True})
        added += 1
    entries.sort(key=lambda e: (e["file"], e.get("line", 0), e.get("column", 0), e["rule_id"], e["fingerprint"]))
    data = {"tool": "tqcheck", "version": BASELINE_VERSION, "findings": entries}
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return added


__all__ = ["overlaps", "Decisions", "apply_replacements", "record_false_alarms", "DEFAULT_FALSE_ALARMS"]
