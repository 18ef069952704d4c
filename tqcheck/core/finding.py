"""Findings: one record per problem, read by every writer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    """MQM severity of a finding."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Order of severity: minor 1, major 2, critical 3."""
        return {"minor": 1, "major": 2, "critical": 3}[self.value]

    @property
    def penalty(self) -> int:
        """MQM penalty weight: minor 1, major 5, critical 10."""
        return {"minor": 1, "major": 5, "critical": 10}[self.value]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        """Severity from its name; raises ValueError listing the valid names."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (valid: {valid})") from None


#: MQM categories tqcheck uses (lower-case, slash-separated).
CATEGORIES: tuple[str, ...] = (
    "accuracy/mistranslation",
    "accuracy/omission",
    "accuracy/addition",
    "accuracy/untranslated",
    "accuracy/number",
    "fluency/grammar",
    "fluency/spelling",
    "fluency/punctuation",
    "fluency/register",
    "fluency/inconsistency",
    "fluency/coherence",
    "fluency/unintelligible",
    "terminology",
    "terminology/inconsistent",
    "style",
    "style/awkward",
    "locale/convention",
    "other",
)

#: Where a finding comes from.
ORIGINS: tuple[str, ...] = ("rules", "grammar", "fluency", "semantic", "source", "detector", "tqcheck")


@dataclass(frozen=True)
class Finding:
    """One problem found in one segment.

    ``start``/``end`` are character offsets into the segment text;
    ``offset``, ``line`` and ``column`` locate the start in the original file
    (line and column are 1-based, column counts characters).
    """

    rule_id: str
    message: str
    severity: Severity
    category: str
    origin: str
    file: str
    segment: int
    start: int
    end: int
    matched: str
    line: int
    column: int
    offset: int
    end_line: int
    end_column: int
    suggestions: tuple[str, ...] = ()
    confidence: float | None = None
    engine: str = ""
    link: str = ""
    unit_id: str = ""
    #: Every rule id that reported this problem when engines agreed (this finding's id first); empty otherwise.
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Flat dictionary of the finding (the documented JSON shape)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["suggestions"] = list(self.suggestions)
        data["rules"] = list(self.rules)
        return data

    @property
    def sort_key(self) -> tuple:
        """Stable ordering: file, position, rule."""
        return (self.file, self.segment, self.start, self.end, self.rule_id, self.message)


@dataclass
class SegmentScore:
    """The fluency score of one segment and the features behind it."""

    score: float
    features: dict[str, float] = field(default_factory=dict)


class Applicability(str, Enum):
    """How sure a fix is (ruff's applicability): ``--fix`` applies safe fixes, ``--unsafe-fixes`` the unsafe
    ones too; display-only fixes are shown (``--diff``, ``review``) but never applied without a person."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class TextEdit:
    """Replace characters [start, end) of a segment's text with ``content`` (an empty span inserts)."""

    start: int
    end: int
    content: str


@dataclass(frozen=True)
class Fix:
    """The edits that fix one finding, and how sure they are."""

    edits: tuple[TextEdit, ...]
    applicability: Applicability
    #: Why the fix is not safe (empty for a safe fix).
    reason: str = ""

    def applies(self, unsafe: bool = False) -> bool:
        """Whether ``--fix`` applies it (``unsafe``: with ``--unsafe-fixes``)."""
        return self.applicability is Applicability.SAFE or (unsafe and self.applicability is Applicability.UNSAFE)
