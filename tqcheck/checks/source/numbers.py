"""Numbers, dates and units of the source missing or changed in the target, and numbers added (``source.Number``,
``source.Unit``, ``source.Date``). The reading of numbers is ``tqcheck.checks.source.parsing``."""

from __future__ import annotations

import math
from typing import Iterable

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.lexicon import UNIT_FAMILIES
from tqcheck.checks.source.parsing import Quantity, quantities
from tqcheck.checks.source.rule import RULE_PREFIX


def numbers(segment: Segment, source: str, language: str = "") -> Iterable[Finding]:
    """Numbers, dates and units of the source missing or changed in the target, and numbers added."""
    source_items = quantities(source, language)
    target_items = quantities(segment.text, target=True)
    unmatched_target = [q for q in target_items]
    missing: list[Quantity] = []
    source_months_unmatched: list[Quantity] = []
    for item in source_items:
        match = _take(item, unmatched_target)
        if match is None:
            if item.kind == "number":
                missing.append(item)
            elif item.kind == "month":
                source_months_unmatched.append(item)
            continue
        if item.unit and match.unit and item.unit != match.unit and item.unit != "month" \
                and UNIT_FAMILIES.get(item.unit, item.unit) != UNIT_FAMILIES.get(match.unit, match.unit):
            yield segment.finding(
                match.start, match.end, rule_id=f"{RULE_PREFIX}.Unit",
                message=f"unit differs from the source: {source[item.start:item.end]!r} became "
                        f"{segment.text[match.start:match.end]!r}",
                severity="major", category="accuracy/number", origin="source",
                suggestions=(), engine="tqcheck.source")
    added = [q for q in unmatched_target if q.kind == "number"]
    phrases = [q for q in unmatched_target if q.kind == "phrase"]  # "three million": a changed number, never added
    target_months = [q for q in unmatched_target if q.kind == "month"]
    for item in source_months_unmatched:
        if target_months:
            month = target_months.pop(0)
            yield segment.finding(
                month.start, month.end, rule_id=f"{RULE_PREFIX}.Date",
                message=f"month differs from the source: {source[item.start:item.end]!r}",
                severity="major", category="accuracy/mistranslation", origin="source", engine="tqcheck.source")
    for item in missing:
        shown = source[item.start:item.end]
        pool = added or phrases
        near = min(pool, key=lambda q: abs(q.start / max(len(segment.text), 1) - item.start / max(len(source), 1)),
                   default=None)
        if near is not None:
            pool.remove(near)
            yield segment.finding(
                near.start, near.end, rule_id=f"{RULE_PREFIX}.Number",
                message=f"number differs from the source: the source has {shown!r}",
                severity="major", category="accuracy/number", origin="source", suggestions=(),
                engine="tqcheck.source")
        else:
            yield segment.finding(
                0, len(segment.text), rule_id=f"{RULE_PREFIX}.Number",
                message=f"number {shown!r} of the source is missing from the translation",
                severity="major", category="accuracy/omission", origin="source", engine="tqcheck.source")
    for item in added:
        yield segment.finding(
            item.start, item.end, rule_id=f"{RULE_PREFIX}.Number",
            message=f"number {segment.text[item.start:item.end]!r} is not in the source",
            severity="minor", category="accuracy/addition", origin="source", engine="tqcheck.source")


def _take(item: Quantity, pool: list[Quantity]) -> Quantity | None:
    """Remove and return the first quantity of ``pool`` sharing a value (and month-ness) with ``item``."""
    ordered = sorted(pool, key=lambda q: q.kind == "word")  # digits (and number phrases) before single number words
    for candidate in ordered:
        if (candidate.kind == "month") != (item.kind == "month"):
            continue
        if item.values & candidate.values or any(
                math.isclose(a, b, rel_tol=1e-9) for a in item.values for b in candidate.values):
            pool.remove(candidate)
            return candidate
    return None

