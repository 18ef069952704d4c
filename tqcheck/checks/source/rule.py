"""What every source-check finding shares: the rule-id prefix (``source.<Rule>``), and the pair of findings of a
source item the translation lacks (changed, or missing)."""

from __future__ import annotations

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding

RULE_PREFIX = "source"


def changed_or_missing(segment: Segment, rule: str, name: str, shown: str,
                       changed: tuple[int, int] | None) -> Finding:
    """A ``name`` of the source (``shown``) the translation lacks: changed, pointing at the target's span
    ``changed`` with the source's form suggested (major mistranslation), else missing from the whole sentence
    (major omission)."""
    if changed is not None:
        return segment.finding(
            changed[0], changed[1], rule_id=f"{RULE_PREFIX}.{rule}",
            message=f"{name} differs from the source: the source has {shown!r}", severity="major",
            category="accuracy/mistranslation", origin="source", suggestions=(shown,), engine="tqcheck.source")
    return segment.finding(
        0, len(segment.text), rule_id=f"{RULE_PREFIX}.{rule}",
        message=f"{name} {shown!r} of the source is missing from the translation", severity="major",
        category="accuracy/omission", origin="source", engine="tqcheck.source")
