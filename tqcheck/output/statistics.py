"""Counts of findings per rule id (``tqcheck check --statistics``), like ruff's ``--statistics``."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from tqcheck.core.finding import Finding, Severity
from tqcheck.core.limits import visible

if TYPE_CHECKING:
    from tqcheck.checks.catalog import RuleRegistry


@dataclass(frozen=True)
class RuleCount:
    """How many findings one rule id produced, its worst severity, and whether it is fixable."""

    rule_id: str
    count: int
    severity: Severity
    fixable: bool


def rule_counts(findings: Iterable[Finding], registry: "RuleRegistry") -> list[RuleCount]:
    """Counts per rule id, most frequent first (then worst severity, then id)."""
    counts: Counter[str] = Counter()
    worst: dict[str, Severity] = {}
    for finding in findings:
        counts[finding.rule_id] += 1
        if finding.rule_id not in worst or finding.severity.rank > worst[finding.rule_id].rank:
            worst[finding.rule_id] = finding.severity
    rows = [RuleCount(rule_id, n, worst[rule_id], registry.fixable(rule_id)) for rule_id, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.count, -r.severity.rank, r.rule_id))


def render_counts(rows: list[RuleCount], indent: str = "") -> list[str]:
    """Aligned lines: count, severity, ``fixable`` or ``-``, rule id."""
    width = max((len(str(r.count)) for r in rows), default=1)
    return [f"{indent}{r.count:>{width}}  {r.severity.value:<8}  {'fixable' if r.fixable else '-':<7}  "
            f"{visible(r.rule_id, newlines=False)}" for r in rows]


def render_statistics(findings: list[Finding], registry: "RuleRegistry", by_file: bool = False) -> str:
    """The statistics table: per rule id over the run, or per file then per rule id."""
    if not findings:
        return "no findings\n"
    if not by_file:
        rows = rule_counts(findings, registry)
        lines = render_counts(rows)
    else:
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            grouped[finding.file].append(finding)
        lines = []
        for file in sorted(grouped, key=lambda f: (-len(grouped[f]), f)):
            shown = visible(file, newlines=False)  # a file name cannot move the cursor or recolour the terminal
            lines.append(f"{shown}: {len(grouped[file])} finding{'s' if len(grouped[file]) != 1 else ''}")
            lines.extend(render_counts(rule_counts(grouped[file], registry), indent="  "))
    total = len(findings)
    fixable = sum(1 for f in findings if registry.fixable(f.rule_id) and len(f.suggestions) == 1)
    lines.append(f"{total} finding{'s' if total != 1 else ''} in {len({f.rule_id for f in findings})} rule ids; "
                 f"{fixable} fixable with --fix")
    return "\n".join(lines) + "\n"


__all__ = ["RuleCount", "rule_counts", "render_counts", "render_statistics"]
