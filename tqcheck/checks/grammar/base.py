"""What every grammar engine shares: the Issue record, the text layout, the MQM mapping.

An engine checks *blocks* of text (several segments joined, so it sees context
and is called few times) and reports ``Issue`` records located in segments.
``HARPER_KINDS``, ``LANGUAGETOOL_CATEGORY_OVERRIDES``, ``LANGUAGETOOL_ISSUE_TYPES``
and ``LANGUAGETOOL_CATEGORIES`` are the one MQM mapping (documented in
docs/grammar.md; a test keeps the two in step).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Protocol, Sequence

from tqcheck.core.interfaces import Progress
from tqcheck.core.document import Document, Segment
from tqcheck.core.finding import Finding, Severity
from tqcheck.checks.grammar.placeholders import mask

#: Joins the segments of one paragraph inside a block.
SENTENCE_GAP = " "
#: Joins paragraphs inside a block.
PARAGRAPH_GAP = "\n\n"


@dataclass
class Issue:
    """One problem an engine found, located in a segment (offsets into ``segment.text``)."""

    segment: Segment
    start: int
    end: int
    rule_id: str
    message: str
    category: str
    severity: Severity
    engine: str
    suggestions: list[str] = field(default_factory=list)
    link: str = ""
    misspelling: bool = False

    @property
    def word(self) -> str:
        """The flagged text."""
        return self.segment.text[self.start:self.end]

    def to_finding(self) -> Finding:
        """The Finding for this issue (origin ``grammar``)."""
        return self.segment.finding(
            self.start, self.end, rule_id=self.rule_id, message=self.message,
            severity=self.severity.value, category=self.category, origin="grammar",
            suggestions=self.suggestions, engine=self.engine, link=self.link)


# -- layout: segments joined into blocks, spans mapped back --------------------------------

@dataclass(frozen=True)
class Piece:
    """A stretch of a segment's text placed at ``start`` in a block's text."""

    segment: Segment
    start: int
    segment_start: int
    length: int


@dataclass
class Block:
    """Text sent to an engine in one call, and where each segment sits in it."""

    text: str
    pieces: list[Piece]

    def finished_segments(self) -> int:
        """Segments whose text ends in this block (a long segment split over blocks counts once)."""
        return len({p.segment.index for p in self.pieces if p.segment_start + p.length >= len(p.segment.text)})

    def locate(self, start: int, end: int) -> tuple[Segment, int, int] | None:
        """The segment and segment-relative span of block span [start, end), or None in a gap."""
        starts = [p.start for p in self.pieces]
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or start >= self.pieces[i].start + self.pieces[i].length:
            # The span starts in a gap between segments: keep it only if it reaches the next one.
            i += 1
            if i >= len(self.pieces) or end <= self.pieces[i].start:
                return None
            start = self.pieces[i].start
        piece = self.pieces[i]
        end = max(start + 1, min(end, piece.start + piece.length))
        if start == end:
            return None
        offset = piece.segment_start - piece.start
        return piece.segment, start + offset, end + offset


def make_blocks(segments: Sequence[Segment], max_chars: int, segment_chars: int | None = None) -> list[Block]:
    """Segments joined into blocks of at most ``max_chars`` characters (long segments split, into pieces of at
    most ``segment_chars`` when given, each piece a block of its own: joined, they would be one long stretch
    again)."""
    piece_chars = min(max_chars, segment_chars or max_chars)
    blocks: list[Block] = []
    parts: list[str] = []
    pieces: list[Piece] = []
    size = 0
    last_paragraph: int | None = None

    def flush() -> None:
        nonlocal parts, pieces, size, last_paragraph
        if pieces:
            blocks.append(Block("".join(parts), pieces))
        parts, pieces, size, last_paragraph = [], [], 0, None

    for segment in segments:
        if not segment.text:
            continue
        alone = segment_chars is not None and len(segment.text) > max_chars
        for seg_start, chunk in split_long(segment.text, piece_chars if alone else max_chars):
            gap = "" if not pieces else (
                SENTENCE_GAP if segment.paragraph == last_paragraph else PARAGRAPH_GAP)
            if pieces and (alone or size + len(gap) + len(chunk) > max_chars):
                flush()
                gap = ""
            parts.extend((gap, mask(chunk)))  # placeholders and tags hidden, positions kept
            size += len(gap)
            pieces.append(Piece(segment, size, seg_start, len(chunk)))
            size += len(chunk)
            last_paragraph = segment.paragraph
        if alone:
            flush()
    flush()
    return blocks


def split_long(text: str, max_chars: int) -> list[tuple[int, str]]:
    """``text`` cut at whitespace into (offset, chunk) parts of at most ``max_chars``."""
    if len(text) <= max_chars:
        return [(0, text)]
    parts: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        parts.append((start, text[start:cut]))
        start = cut
    parts.append((start, text[start:]))
    return parts


# -- engines ---------------------------------------------------------------------------

class Engine(Protocol):
    """A grammar engine: checks one document, reports issues, can be closed."""

    name: str
    notices: list[str]

    def issues(self, document: Document, progress: Progress) -> list[Issue]:
        """Issues in every segment of ``document``."""

    def version(self) -> str:
        """Engine name and version, for the report signature."""

    def close(self) -> None:
        """Release processes and connections; safe to call twice."""


# -- the MQM mapping -------------------------------------------------------------------

MINOR, MAJOR = Severity.MINOR, Severity.MAJOR

#: Harper lint kind -> (MQM category, severity).
HARPER_KINDS: dict[str, tuple[str, Severity]] = {
    "Agreement": ("fluency/grammar", MAJOR),
    "BoundaryError": ("fluency/spelling", MINOR),
    "Capitalization": ("fluency/spelling", MINOR),
    "Eggcorn": ("fluency/grammar", MAJOR),
    "Enhancement": ("style", MINOR),
    "Formatting": ("fluency/punctuation", MINOR),
    "Grammar": ("fluency/grammar", MAJOR),
    "Malapropism": ("fluency/grammar", MAJOR),
    "Miscellaneous": ("fluency/grammar", MINOR),
    "Nonstandard": ("fluency/register", MINOR),
    "Punctuation": ("fluency/punctuation", MINOR),
    "Readability": ("style/awkward", MINOR),
    "Redundancy": ("style", MINOR),
    "Regionalism": ("locale/convention", MINOR),
    "Repetition": ("fluency/grammar", MINOR),
    "Spelling": ("fluency/spelling", MINOR),
    "Style": ("style", MINOR),
    "Typo": ("fluency/spelling", MINOR),
    "Usage": ("fluency/grammar", MINOR),
    "WordChoice": ("fluency/grammar", MINOR),
    "WordOrder": ("fluency/grammar", MAJOR),
}

#: LanguageTool category ids whose MQM category wins over the rule's issue type.
LANGUAGETOOL_CATEGORY_OVERRIDES: dict[str, tuple[str, Severity]] = {
    "CASING": ("fluency/spelling", MINOR),
    "COMPOUNDING": ("fluency/spelling", MINOR),
    "CONFUSED_WORDS": ("fluency/grammar", MAJOR),
    "SEMANTICS": ("fluency/coherence", MAJOR),
    "AMERICAN_ENGLISH": ("locale/convention", MINOR),
    "BRITISH_ENGLISH": ("locale/convention", MINOR),
}

#: LanguageTool ``rule.issueType`` (ITS 2.0 localization quality issue types) -> MQM.
LANGUAGETOOL_ISSUE_TYPES: dict[str, tuple[str, Severity]] = {
    "misspelling": ("fluency/spelling", MINOR),
    "characters": ("fluency/spelling", MINOR),
    "typographical": ("fluency/punctuation", MINOR),
    "whitespace": ("fluency/punctuation", MINOR),
    "formatting": ("fluency/punctuation", MINOR),
    "grammar": ("fluency/grammar", MAJOR),
    "duplication": ("fluency/grammar", MINOR),
    "style": ("style", MINOR),
    "non-conformance": ("style", MINOR),
    "register": ("fluency/register", MINOR),
    "inconsistency": ("fluency/inconsistency", MINOR),
    "inconsistent-entities": ("fluency/inconsistency", MINOR),
    "locale-violation": ("locale/convention", MINOR),
    "locale-specific-content": ("locale/convention", MINOR),
    "terminology": ("terminology", MINOR),
    "mistranslation": ("accuracy/mistranslation", MAJOR),
    "omission": ("accuracy/omission", MAJOR),
    "addition": ("accuracy/addition", MAJOR),
    "untranslated": ("accuracy/untranslated", MAJOR),
    "numbers": ("accuracy/number", MAJOR),
}

#: LanguageTool category id -> MQM, used when the issue type is missing or generic.
LANGUAGETOOL_CATEGORIES: dict[str, tuple[str, Severity]] = {
    "TYPOS": ("fluency/spelling", MINOR),
    "GRAMMAR": ("fluency/grammar", MAJOR),
    "PUNCTUATION": ("fluency/punctuation", MINOR),
    "TYPOGRAPHY": ("fluency/punctuation", MINOR),
    "STYLE": ("style", MINOR),
    "REDUNDANCY": ("style", MINOR),
    "PLAIN_ENGLISH": ("style", MINOR),
    "REPETITIONS_STYLE": ("style", MINOR),
    "COLLOCATIONS": ("style/awkward", MINOR),
    "NONSTANDARD_PHRASES": ("fluency/register", MINOR),
    "GENDER_NEUTRALITY": ("style", MINOR),
    "MISC": ("fluency/grammar", MINOR),
}

#: Category of anything the tables do not name.
DEFAULT_MQM: tuple[str, Severity] = ("other", MINOR)


def harper_mqm(kind: str) -> tuple[str, Severity]:
    """MQM category and severity of a Harper lint kind."""
    return HARPER_KINDS.get(kind, DEFAULT_MQM)


def languagetool_mqm(issue_type: str, category_id: str) -> tuple[str, Severity]:
    """MQM category and severity of a LanguageTool match: category override, issue type, category."""
    if category_id in LANGUAGETOOL_CATEGORY_OVERRIDES:
        return LANGUAGETOOL_CATEGORY_OVERRIDES[category_id]
    if issue_type == "misspelling" and category_id in LANGUAGETOOL_CATEGORIES:
        # LanguageTool also marks wrong words outside its spell-checker (EN_A_VS_AN in MISC) as
        # "misspelling": their category says better what they are.
        return LANGUAGETOOL_CATEGORIES[category_id]
    if issue_type in LANGUAGETOOL_ISSUE_TYPES:
        return LANGUAGETOOL_ISSUE_TYPES[issue_type]
    return LANGUAGETOOL_CATEGORIES.get(category_id, DEFAULT_MQM)


def sorted_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in document order."""
    return sorted(issues, key=lambda i: (i.segment.index, i.start, i.end, i.rule_id))
