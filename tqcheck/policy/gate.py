"""The CI gate: decide from a Report and the settings whether a run passes.

Criteria (each off unless set, but ``fail_on``; per-path overrides apply to each document's file):

- ``fail_on``: any finding at or above this severity fails (minor < major < critical); the default
  is ``major`` (as a linter: findings that matter fail the run), ``none`` turns it off.
- ``min_fluency``: any sentence whose fluency score is below this fails.
- ``min_fluency_mean``: any document whose average sentence score is below this fails.
- ``max_findings``: more findings than this (counted over every file that shares
  the same limit; without overrides that is the whole run) fails.
- ``max_penalty``: any document whose MQM penalty per 1,000 words exceeds this fails.
  The penalty is ``1000 * (1*minor + 5*major + 10*critical) / words``.

``exit_zero`` turns a failure into exit code 0 but keeps the reasons.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tqcheck.core.config import Settings, settings_for_path
from tqcheck.core.document import Document
from tqcheck.core.finding import Finding, Severity
from tqcheck.output.report import Report, score_format

if TYPE_CHECKING:
    from tqcheck.policy.baseline import BaselineDiff

#: Gate keys, in the order their reasons are reported.
GATE_KEYS: tuple[str, ...] = ("fail_on", "min_fluency", "min_fluency_mean", "max_findings", "max_penalty")


@dataclass
class GateOutcome:
    """Whether the gate passed, the exit code to use, and one line per reason it failed."""

    passed: bool
    exit_code: int
    reasons: list[str] = field(default_factory=list)
    #: Information for the user that is not a failure (baseline comparison, fixed findings).
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The outcome as a plain dictionary (for JSON)."""
        return {"passed": self.passed, "exit_code": self.exit_code, "reasons": list(self.reasons),
                "notes": list(self.notes)}


def penalty_per_1000_words(findings: list[Finding], words: int) -> float:
    """MQM penalty (minor 1, major 5, critical 10) per 1,000 words; 0 for no words."""
    total = sum(f.severity.penalty for f in findings)
    return 1000.0 * total / words if words else 0.0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _where(files: list[str], everything: bool) -> str:
    """`` in a.md, b.md`` when a criterion covers only some files, else nothing."""
    if everything or not files:
        return ""
    shown = ", ".join(files[:3])
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    return f" in {shown}{more}"


def _number(value: float) -> str:
    return f"{value:g}"


def _fail_on_reasons(report: Report, groups: dict[Any, list[Document]], new: str) -> list[str]:
    reasons = []
    for threshold, documents in groups.items():
        if not threshold or threshold == "none":
            continue
        level = Severity.parse(threshold)
        files = {d.path for d in documents}
        failing = [f for f in report.findings if f.file in files and f.severity.rank >= level.rank]
        if not failing:
            continue
        counts = Counter(f.severity for f in failing)
        parts = [f"{counts[s]} {s.value}" for s in sorted(counts, key=lambda s: -s.rank)]
        listed = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
        noun = "finding" if counts[min(counts, key=lambda s: s.rank)] == 1 else "findings"  # "1 major and 1 minor finding"
        where = _where(sorted({f.file for f in failing}), _all(report, files))
        reasons.append(f"{listed} {new}{noun} at --fail-on {level.value}{where}")
    return reasons


def _all(report: Report, files: set[str]) -> bool:
    return files >= {d.path for d in report.documents}


def _min_fluency_reasons(report: Report, settings_of: dict[str, Settings]) -> list[str]:
    low: list[tuple[float, str, int, float]] = []
    for document in report.documents:
        threshold = settings_of[document.path].min_fluency
        if threshold < 0:
            continue
        for segment in document.segments:
            score = report.score_of(segment)
            if score is not None and score < threshold:
                low.append((score, segment.file, segment.line, threshold))
    if not low:
        return []
    low.sort()
    score, file, line, _ = low[0]
    thresholds = sorted({t for *_, t in low})
    limit = " / ".join(_number(t) for t in thresholds)
    return [f"{_plural(len(low), 'sentence')} below --min-fluency {limit} "
            f"(lowest {score_format(score)} at {file}:{line})"]


def _min_fluency_mean_reasons(report: Report, settings_of: dict[str, Settings]) -> list[str]:
    reasons = []
    for document in report.documents:
        threshold = settings_of[document.path].min_fluency_mean
        if threshold < 0:
            continue
        scores = [s for s in (report.score_of(seg) for seg in document.segments) if s is not None]
        if not scores:
            continue
        mean = sum(scores) / len(scores)
        if mean < threshold:
            reasons.append(f"mean fluency {score_format(mean)} of {document.path} "
                           f"is below --min-fluency-mean {_number(threshold)}")
    return reasons


def _max_findings_reasons(report: Report, groups: dict[Any, list[Document]], new: str) -> list[str]:
    reasons = []
    for limit, documents in groups.items():
        if limit < 0:
            continue
        files = {d.path for d in documents}
        count = sum(1 for f in report.findings if f.file in files)
        if count > limit:
            reasons.append(f"{count} {new}{'finding exceeds' if count == 1 else 'findings exceed'} "
                           f"--max-findings {limit}{_where(sorted(files), _all(report, files))}")
    return reasons


def _max_penalty_reasons(report: Report, settings_of: dict[str, Settings]) -> list[str]:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_file[finding.file].append(finding)
    reasons = []
    for document in report.documents:
        limit = settings_of[document.path].max_penalty
        if limit < 0:
            continue
        penalty = penalty_per_1000_words(by_file.get(document.path, []), document.word_count)
        if penalty > limit:
            reasons.append(f"MQM penalty {penalty:.2f} per 1,000 words in {document.path} "
                           f"exceeds --max-penalty {_number(limit)}")
    return reasons


def _group(report: Report, settings_of: dict[str, Settings], key: str) -> dict[Any, list[Document]]:
    groups: dict[Any, list[Document]] = defaultdict(list)
    for document in report.documents:
        groups[settings_of[document.path].get(key)].append(document)
    return dict(sorted(groups.items(), key=lambda item: str(item[0])))


def decide(report: Report, settings: Settings, diff: "BaselineDiff | None" = None) -> GateOutcome:
    """Evaluate every gate criterion; exit code 1 on failure unless ``exit_zero``."""
    settings_of = {d.path: settings_for_path(settings, d.path) for d in report.documents}
    new = "new " if diff is not None else ""
    reasons: list[str] = []
    reasons += _fail_on_reasons(report, _group(report, settings_of, "fail_on"), new)
    reasons += _min_fluency_reasons(report, settings_of)
    reasons += _min_fluency_mean_reasons(report, settings_of)
    reasons += _max_findings_reasons(report, _group(report, settings_of, "max_findings"), new)
    reasons += _max_penalty_reasons(report, settings_of)
    passed = not reasons
    return GateOutcome(passed=passed, exit_code=0 if passed or settings.exit_zero else 1, reasons=reasons,
                       notes=baseline_notes(diff, settings.baseline) if diff is not None else [])


#: Fixed baseline entries listed one by one before the rest are counted.
MAX_FIXED_NOTES = 20


def baseline_notes(diff: "BaselineDiff", path: str = "") -> list[str]:
    """``baseline FILE: 1 new, 12 known, 2 fixed`` and one line per fixed finding."""
    notes = [diff.describe(path)]
    for entry in diff.fixed[:MAX_FIXED_NOTES]:
        notes.append(f"fixed: {entry['file']}:{entry.get('line', '?')}: {entry['rule_id']} "
                     f"{entry.get('matched', '')!r} (was in the baseline, no longer found)")
    if len(diff.fixed) > MAX_FIXED_NOTES:
        notes.append(f"fixed: ... and {len(diff.fixed) - MAX_FIXED_NOTES} more")
    return notes


__all__ = ["GateOutcome", "decide", "penalty_per_1000_words", "baseline_notes", "GATE_KEYS"]
