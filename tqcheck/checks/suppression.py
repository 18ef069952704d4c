"""Inline suppression comments checked against the rule-id registry.

``<!-- tqcheck-disable ids -->`` (and ``-line``, ``-next-line``, ``tqcheck-enable``) comments
are parsed once, by ``tqcheck.readers.inputs.comments``; this module reports the ones that are wrong:
a comment naming an id no check can emit, or a disable comment that suppressed no finding,
becomes a minor ``tqcheck.BadSuppression`` finding at the comment (ruff's unused-noqa).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Iterable

from tqcheck.core.document import Document, rule_matches
from tqcheck.core.finding import Finding, Severity
from tqcheck.readers.inputs import Comment, comments

if TYPE_CHECKING:
    from tqcheck.checks.catalog import RuleRegistry

RULE_ID = "tqcheck.BadSuppression"
#: Formats whose readers honour inline comments.
COMMENT_FORMATS = ("text", "markdown")


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
