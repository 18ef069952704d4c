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

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tqcheck.core.config import Settings, settings_for_path
from tqcheck.core.finding import Finding, Severity
from tqcheck.core.result import Counts
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


def _fail_on_reasons(counts: dict[str, Counts], groups: dict[Any, list[str]], new: str) -> list[str]:
    reasons = []
    for threshold, files in groups.items():
        if not threshold or threshold == "none":
            continue
        level = Severity.parse(threshold)
        worse = [s for s in sorted(Severity, key=lambda s: -s.rank) if s.rank >= level.rank]
        found = {s: sum(counts[f].severity_count(s.value) for f in files) for s in worse}
        parts = [f"{n} {s.value}" for s, n in found.items() if n]
        if not parts:
            continue
        listed = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
        last = min((s for s in found if found[s]), key=lambda s: s.rank)
        noun = "finding" if found[last] == 1 else "findings"  # agrees with the last count: "1 critical and 1 major finding"
        failing = sorted(f for f in files if any(counts[f].severity_count(s.value) for s in worse))
        reasons.append(f"{listed} {new}{noun} at --fail-on {level.value}{_where(failing, len(files) == len(counts))}")
    return reasons


def _min_fluency_reasons(counts: dict[str, Counts], settings_of: dict[str, Settings]) -> list[str]:
    low = [(c.lowest, settings_of[f].min_fluency, c.below_min_fluency) for f, c in counts.items()
           if settings_of[f].min_fluency >= 0 and c.below_min_fluency and c.lowest is not None]
    if not low:
        return []
    score, file, line = min(lowest for lowest, _, _ in low)
    limit = " / ".join(_number(t) for t in sorted({t for _, t, _ in low}))
    return [f"{_plural(sum(n for *_, n in low), 'sentence')} below --min-fluency {limit} "
            f"(lowest {score_format(score)} at {file}:{line})"]


def _min_fluency_mean_reasons(counts: dict[str, Counts], settings_of: dict[str, Settings]) -> list[str]:
    reasons = []
    for file, count in counts.items():
        threshold, mean = settings_of[file].min_fluency_mean, count.fluency_mean
        if threshold >= 0 and mean is not None and mean < threshold:
            reasons.append(f"mean fluency {score_format(mean)} of {file} "
                           f"is below --min-fluency-mean {_number(threshold)}")
    return reasons


def _max_findings_reasons(counts: dict[str, Counts], groups: dict[Any, list[str]], new: str) -> list[str]:
    reasons = []
    for limit, files in groups.items():
        if limit < 0:
            continue
        count = sum(counts[f].findings for f in files)
        if count > limit:
            reasons.append(f"{count} {new}{'finding exceeds' if count == 1 else 'findings exceed'} "
                           f"--max-findings {limit}{_where(sorted(files), len(files) == len(counts))}")
    return reasons


def _max_penalty_reasons(counts: dict[str, Counts], settings_of: dict[str, Settings]) -> list[str]:
    reasons = []
    for file, count in counts.items():
        limit = settings_of[file].max_penalty
        if 0 <= limit < count.penalty_per_1000_words:
            reasons.append(f"MQM penalty {count.penalty_per_1000_words:.2f} per 1,000 words in {file} "
                           f"exceeds --max-penalty {_number(limit)}")
    return reasons


def _group(settings_of: dict[str, Settings], key: str) -> dict[Any, list[str]]:
    groups: dict[Any, list[str]] = defaultdict(list)
    for file, settings in settings_of.items():
        groups[settings.get(key)].append(file)
    return dict(sorted(groups.items(), key=lambda item: str(item[0])))


def gate_reasons(counts: dict[str, Counts], settings: Settings, new: str = "") -> list[str]:
    """Why a run fails its gate, from the ``Counts`` of each file (taken with that file's ``min_fluency``) and the
    settings with their per-path overrides: the one gate of a report and of a partitioned run."""
    settings_of = {file: settings_for_path(settings, file) for file in counts}
    return [*_fail_on_reasons(counts, _group(settings_of, "fail_on"), new),
            *_min_fluency_reasons(counts, settings_of),
            *_min_fluency_mean_reasons(counts, settings_of),
            *_max_findings_reasons(counts, _group(settings_of, "max_findings"), new),
            *_max_penalty_reasons(counts, settings_of)]


def decide(report: Report, settings: Settings, diff: "BaselineDiff | None" = None) -> GateOutcome:
    """Evaluate every gate criterion; exit code 1 on failure unless ``exit_zero``."""
    counts = report.counts(lambda file: settings_for_path(settings, file).min_fluency)
    reasons = gate_reasons(counts, settings, "new " if diff is not None else "")
    passed = not reasons
    return GateOutcome(passed=passed, exit_code=0 if passed or settings.exit_zero else 1, reasons=reasons,
                       notes=baseline_notes(diff, settings.baseline) if diff is not None else [])


#: Fixed baseline entries listed one by one before the rest are counted. Origin: convention.
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


__all__ = ["GateOutcome", "decide", "gate_reasons", "penalty_per_1000_words", "baseline_notes", "GATE_KEYS"]
