"""Inline suppression comments checked against the rule-id registry.

``<!-- tqcheck-disable ids -->`` (and ``-line``, ``-next-line``, ``tqcheck-enable``) comments
are read by ``tqcheck.inputs.suppressions``; this module reports the ones that are wrong:
a comment naming an id no check can emit, or a disable comment that suppressed no finding,
becomes a minor ``tqcheck.BadSuppression`` finding at the comment (ruff's unused-noqa).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from tqcheck.document import Document, rule_matches
from tqcheck.finding import Finding, Severity

if TYPE_CHECKING:
    from tqcheck.rule_ids import RuleRegistry

RULE_ID = "tqcheck.BadSuppression"
#: Formats whose readers honour inline comments.
COMMENT_FORMATS = ("text", "markdown")


@dataclass
class Comment:
    """One suppression comment: where it is, what kind, the ids it names, the regions it disables."""

    start: int
    end: int
    kind: str
    ids: tuple[str, ...]
    regions: list[tuple[int, int, str]]


def comments(text: str) -> list[Comment]:
    """Every ``tqcheck-*`` comment of ``text`` with the regions it disables (as inputs.suppressions)."""
    from tqcheck.inputs import SUPPRESS_RE

    found: list[Comment] = []
    open_regions: dict[str, tuple[int, Comment]] = {}
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_span(offset: int, delta: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, offset) - 1 + delta
        if line >= len(line_starts):
            return len(text), len(text)
        end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
        return line_starts[line], end

    for match in SUPPRESS_RE.finditer(text):
        kind = match.group(1).lower()
        named = tuple(i for i in re.split(r"[\s,]+", match.group(2).strip()) if i)
        comment = Comment(match.start(), match.end(), kind, named, [])
        found.append(comment)
        ids = named or ("*",)
        if kind == "disable":
            for rule in ids:
                open_regions.setdefault(rule, (match.end(), comment))
        elif kind == "enable":
            for rule in list(open_regions):
                if "*" in ids or rule in ids:
                    start, opener = open_regions.pop(rule)
                    opener.regions.append((start, match.start(), rule))
        else:
            start, end = line_span(match.start(), 1 if kind == "disable-next-line" else 0)
            comment.regions.extend((start, end, rule) for rule in ids)
    for rule, (start, opener) in open_regions.items():
        opener.regions.append((start, len(text), rule))
    return found


def bad_suppressions(document: Document, raw: Iterable[Finding], registry: "RuleRegistry") -> list[Finding]:
    """Findings for comments naming unknown ids, or disabling ids that matched no finding in ``raw``."""
    if document.format not in COMMENT_FORMATS or "tqcheck-" not in document.text or not document.segments:
        return []
    raw = [f for f in raw if f.rule_id != RULE_ID]
    result = []
    for comment in comments(document.text):
        unknown = registry.unknown(comment.ids)
        if unknown:
            message = "; ".join(registry.unknown_message(i).split(";")[0] for i in unknown)
            result.append(_finding(document, comment, f"tqcheck-{comment.kind}: {message}"))
        elif comment.kind != "enable" and not any(
                start <= f.offset < end and rule_matches(f.rule_id, rule)
                for start, end, rule in comment.regions for f in raw):
            what = " ".join(comment.ids) or "every rule"
            result.append(_finding(document, comment, f"tqcheck-{comment.kind} {what} suppresses no finding here; "
                                                      "remove it"))
    return result


def _finding(document: Document, comment: Comment, message: str) -> Finding:
    """A finding at the comment, attached to the sentence after it (the one before at the end)."""
    starts = [s.offset for s in document.segments]
    index = min(bisect.bisect_left(starts, comment.end), len(starts) - 1)
    segment = document.segments[index]
    line, column = document.locate(comment.start)
    end_line, end_column = document.locate(comment.end)
    return Finding(rule_id=RULE_ID, message=message, severity=Severity.MINOR, category="other",
                   origin="tqcheck", file=document.path, segment=segment.index, start=0, end=0,
                   matched=document.text[comment.start:comment.end], line=line, column=column,
                   offset=comment.start, end_line=end_line, end_column=end_column, engine="tqcheck")


__all__ = ["RULE_ID", "Comment", "comments", "bad_suppressions"]
