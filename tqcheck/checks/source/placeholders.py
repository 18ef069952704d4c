"""Placeholders and tags of the source missing from the target or added to it (``source.Placeholder``,
``source.Tag``)."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.checks.source.markup import placeholders_of
from tqcheck.checks.source.rule import RULE_PREFIX


def placeholders(segment: Segment, source: str,
                 codes: tuple[list[str], list[str]] | None = None) -> Iterable[Finding]:
    """Placeholders and tags of the source missing from the target, or added to it."""
    source_tokens = Counter(t for t, _, _ in placeholders_of(source))
    target_found = placeholders_of(segment.text)
    target_tokens = Counter(t for t, _, _ in target_found)
    for token, count in (source_tokens - target_tokens).items():
        kind = "tag" if token.startswith("<") else "placeholder"
        yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.{kind.title()}",
                              message=f"{kind} {token} of the source is missing"
                                      + (f" ({count} times)" if count > 1 else ""),
                              severity="major", category="accuracy/omission", origin="source",
                              engine="tqcheck.source")
    extra = target_tokens - source_tokens
    for token, start, end in target_found:
        if extra.get(token, 0) > 0:
            extra[token] -= 1
            kind = "tag" if token.startswith("<") else "placeholder"
            yield segment.finding(start, end, rule_id=f"{RULE_PREFIX}.{kind.title()}",
                                  message=f"{kind} {token} is not in the source", severity="major",
                                  category="accuracy/addition", origin="source", engine="tqcheck.source")
    if codes is not None:
        source_codes, target_codes = Counter(codes[0]), Counter(codes[1])
        for code, _ in (source_codes - target_codes).items():
            yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.Tag",
                                  message=f"inline markup {code} of the source is missing from the target",
                                  severity="major", category="accuracy/omission", origin="source",
                                  engine="tqcheck.source")
        for code, _ in (target_codes - source_codes).items():
            yield segment.finding(0, len(segment.text), rule_id=f"{RULE_PREFIX}.Tag",
                                  message=f"inline markup {code} is in the target but not in the source",
                                  severity="major", category="accuracy/addition", origin="source",
                                  engine="tqcheck.source")

