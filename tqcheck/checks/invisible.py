"""Zero-width characters inside words (``tqcheck.HiddenCharacter``).

The readers leave zero-width characters out of the text the checks read (``tqcheck.readers.inputs.ZERO_WIDTH``),
so ``strip\u200btease`` is checked as the ``striptease`` a reader sees. This finds where they were: one inside a
word splits it for search, translation memories and other tools, and is how a slip can be hidden from a checker.
"""

from __future__ import annotations

import unicodedata

from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding
from tqcheck.readers.inputs import ZERO_WIDTH, ZERO_WIDTH_RE

RULE_ID = "tqcheck.HiddenCharacter"


def hidden_characters(document: Document) -> list[Finding]:
    """One finding per word of ``document`` with a zero-width character inside it (between two letters or
    digits of the text as read)."""
    if not ZERO_WIDTH_RE.search(document.text):
        return []
    found: list[Finding] = []
    for segment in document.segments:
        if segment.char_map:  # a segment with zero-width characters left out always has a character map
            found.extend(_in_segment(document.text, document.origin, segment))
    return found


def _in_segment(original: str, origin: int, segment: Segment) -> list[Finding]:
    """The findings of one segment; ``original``: its document's text, which starts at offset ``origin`` of the
    file (a part of a long file)."""
    text, char_map = segment.text, [offset - origin for offset in segment.char_map]
    findings: list[Finding] = []
    covered_to = -1
    for position in range(1, len(text)):
        if position < covered_to or not (_word_char(text[position - 1]) and _word_char(text[position])):
            continue
        gap = original[char_map[position - 1] + 1:char_map[position]]
        hidden = [ch for ch in gap if ch in ZERO_WIDTH]
        if not hidden:
            continue
        start, end = position - 1, position + 1
        while start > 0 and _word_char(text[start - 1]):
            start -= 1
        while end < len(text) and _word_char(text[end]):
            end += 1
        covered_to = end
        name = unicodedata.name(hidden[0], "ZERO WIDTH CHARACTER").lower()
        findings.append(segment.finding(
            start, end, rule_id=RULE_ID, severity="minor", category="fluency/spelling", origin="tqcheck",
            message=(f"'{text[start:end]}' has an invisible {name} (U+{ord(hidden[0]):04X}) inside it: search, "
                     "translation memories and spell-checkers see two words or a different word; remove it")))
    return findings


def _word_char(ch: str) -> bool:
    return ch.isalnum()


__all__ = ["RULE_ID", "hidden_characters"]
