"""One finding per problem: duplicates from two engines (or two rules) are merged.

``merge_issues`` merges Harper's and LanguageTool's issues inside the grammar check; ``merge_findings`` merges the
findings of the whole pipeline across engines (the rule packs, Harper, LanguageTool, spelling), so counts,
statistics, the gate and ``review`` see one finding per problem. A merged finding keeps the most severe one's id,
message and suggestions, and names every rule that agreed (``rules``) and every engine (``engine``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from tqcheck.core.finding import Finding
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


# -- across engines: the rule packs, Harper, LanguageTool and spelling on one span -------------------------------

#: Origins whose findings are merged with each other (the detector's and the source check's are other questions).
MERGED_ORIGINS = frozenset({"rules", "grammar"})


def engines_of(finding: Finding) -> list[str]:
    """The engines a finding comes from (``harper+languagetool`` is two)."""
    return [e for e in (finding.engine or finding.origin).split("+") if e]


def _union_text(a: Finding, b: Finding) -> tuple[int, str] | None:
    """(start, text) of the union of two overlapping spans of one segment, or None when they do not overlap."""
    first, second = (a, b) if (a.start, a.end) <= (b.start, b.end) else (b, a)
    if second.start > first.end or (second.start == first.end and first.end > first.start
                                    and second.end > second.start):
        return None
    tail = second.matched[first.end - second.start:] if second.end > first.end else ""
    return first.start, first.matched + tail


def _fixed(finding: Finding, start: int, text: str) -> set[str]:
    """``text`` (starting at ``start`` in the segment) with each of ``finding``'s suggestions applied."""
    before, after = text[:finding.start - start], text[finding.end - start:]
    return {" ".join((before + s + after).split()) for s in finding.suggestions}


def same_meaning(a: Finding, b: Finding) -> bool:
    """Two findings of different engines about one problem: overlapping spans of one segment, and either the same
    span and MQM category, or a suggestion of each that gives the same text ("could of" -> "could have" and
    "of" -> "have")."""
    if a.file != b.file or a.segment != b.segment or set(engines_of(a)) & set(engines_of(b)):
        return False
    union = _union_text(a, b)
    if union is None:
        return False
    if (a.start, a.end) == (b.start, b.end) and a.category == b.category:
        return True
    return bool(_fixed(a, *union) & _fixed(b, *union))


def _rank(finding: Finding) -> tuple:
    """Which finding speaks for a merged group: the more severe, then tqcheck's own rules (their messages and
    examples are curated for translations), then one with suggestions."""
    return (finding.severity.rank, finding.origin == "rules", bool(finding.suggestions))


def merge_pair_findings(a: Finding, b: Finding) -> Finding:
    """One finding for two findings of the same problem: the better one, naming every rule and engine."""
    best, other = (a, b) if _rank(a) >= _rank(b) else (b, a)
    rules = list(dict.fromkeys([best.rule_id, *best.rules, other.rule_id, *other.rules]))
    engines = list(dict.fromkeys([*engines_of(best), *engines_of(other)]))
    return replace(best, rules=tuple(rules), engine="+".join(engines))


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """``findings`` with the findings of different engines about the same problem merged into one (the first
    finding's place in the list kept); findings of other origins pass untouched."""
    kept: list[Finding | None] = []
    by_segment: dict[tuple[str, int], list[int]] = defaultdict(list)
    for finding in findings:
        if finding.origin not in MERGED_ORIGINS:
            kept.append(finding)
            continue
        places = by_segment[(finding.file, finding.segment)]
        for i in places:
            if same_meaning(kept[i], finding):
                kept[i] = merge_pair_findings(kept[i], finding)
                break
        else:
            places.append(len(kept))
            kept.append(finding)
    return [f for f in kept if f is not None]
