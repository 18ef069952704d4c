"""One finding per problem: duplicates from two engines (or two rules) are merged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from tqcheck.checks.grammar.base import Issue, sorted_issues

#: Spans whose overlap is at least this share of their union are the same problem. Origin: convention (13ee925),
#: not measured; it only matters with two grammar engines (--grammar auto).
SAME_SPAN = 0.4
#: Order of engine names in a merged finding's ``engine`` field.
ENGINE_ORDER = ("harper", "languagetool")


def same_problem(a: Issue, b: Issue) -> bool:
    """Same segment and category, and spans that overlap for most of their length."""
    if a.segment.index != b.segment.index or a.category != b.category:
        return False
    overlap = min(a.end, b.end) - max(a.start, b.start)
    if overlap <= 0:
        return a.start == b.start and a.end == b.end
    union = max(a.end, b.end) - min(a.start, b.start)
    return overlap / union >= SAME_SPAN


def quality(issue: Issue) -> tuple:
    """Which message to keep: more severe, then with suggestions, then the more informative."""
    return (issue.severity.rank, bool(issue.suggestions), len(issue.message))


def merge_pair(a: Issue, b: Issue) -> Issue:
    """One issue for two reports of the same problem: the better message, every suggestion."""
    best, other = (a, b) if quality(a) >= quality(b) else (b, a)
    suggestions = list(dict.fromkeys([*best.suggestions, *other.suggestions]))
    engines = set(best.engine.split("+")) | set(other.engine.split("+"))
    engine = "+".join(sorted(engines, key=lambda e: (ENGINE_ORDER.index(e) if e in ENGINE_ORDER else 99, e)))
    severity = max(a.severity, b.severity, key=lambda s: s.rank)
    return replace(best, suggestions=suggestions, engine=engine, severity=severity,
                   misspelling=a.misspelling or b.misspelling)


def merge_issues(issues: list[Issue]) -> list[Issue]:
    """``issues`` with every group of same-problem issues merged into one, in document order."""
    by_segment: dict[int, list[Issue]] = defaultdict(list)
    for issue in sorted_issues(issues):
        kept = by_segment[issue.segment.index]
        for i, existing in enumerate(kept):
            if same_problem(existing, issue):
                kept[i] = merge_pair(existing, issue)
                break
        else:
            kept.append(issue)
    return sorted_issues(i for group in by_segment.values() for i in group)
