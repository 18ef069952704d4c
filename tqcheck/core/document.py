"""Documents and segments: the text tqcheck checks, with exact positions."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

from tqcheck.core.finding import Finding, Severity
from tqcheck.core.registry import GROUPS


@dataclass(frozen=True)
class Segment:
    """One sentence (or translation unit) of a document.

    ``text`` is what is checked. ``offset`` is the character offset of its
    first character in the document's original text. When the text is not a
    verbatim slice of the original (Markdown inline markup removed, XML
    entities decoded), ``char_map`` gives the original offset of every
    character of ``text``.

    ``text`` and ``source`` are stripped; a bilingual reader keeps the whitespace it stripped from each end as
    ``source_edges`` and ``target_edges`` ((leading, trailing), as written in the unit) for the checks that
    compare them (``source.Whitespace``). Both stay empty for monolingual text.
    """

    index: int
    text: str
    offset: int
    line: int
    column: int
    file: str
    paragraph: int = 0
    source: str | None = None
    unit_id: str = ""
    char_map: tuple[int, ...] | None = field(default=None, repr=False, compare=False)
    source_edges: tuple[str, str] = ("", "")
    target_edges: tuple[str, str] = ("", "")
    document: "Document | None" = field(default=None, repr=False, compare=False)

    def original_offset(self, position: int) -> int:
        """Offset in the original file of character ``position`` of the text."""
        if self.char_map is not None:
            if not self.char_map:
                return self.offset
            if position >= len(self.char_map):
                return self.char_map[-1] + 1 + (position - len(self.char_map))
            return self.char_map[max(position, 0)]
        return self.offset + position

    def finding(
        self,
        start: int,
        end: int,
        *,
        rule_id: str,
        message: str,
        severity: Severity | str,
        category: str,
        origin: str,
        suggestions: Sequence[str] = (),
        confidence: float | None = None,
        engine: str = "",
        link: str = "",
    ) -> Finding:
        """A finding for the span ``text[start:end]`` of this segment."""
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        abs_start = self.original_offset(start)
        abs_end = self.original_offset(end - 1) + 1 if end > start else abs_start
        if self.document is not None:
            line, column = self.document.locate(abs_start)
            end_line, end_column = self.document.locate(abs_end)
        else:
            line, column = self.line, self.column + start
            end_line, end_column = self.line, self.column + end
        return Finding(
            rule_id=rule_id,
            message=message,
            severity=severity if isinstance(severity, Severity) else Severity.parse(severity),
            category=category,
            origin=origin,
            file=self.file,
            segment=self.index,
            start=start,
            end=end,
            matched=self.text[start:end],
            line=line,
            column=column,
            offset=abs_start,
            end_line=end_line,
            end_column=end_column,
            suggestions=tuple(suggestions),
            confidence=confidence,
            engine=engine,
            link=link,
            unit_id=self.unit_id,
        )


@dataclass
class Document:
    """A checked file: its original text and its segments in order.

    ``suppressions`` lists regions (start offset, end offset, rule-id prefixes)
    disabled by inline comments; ``"*"`` disables every rule.
    """

    path: str
    text: str
    segments: list[Segment] = field(default_factory=list)
    format: str = "text"
    source_language: str = ""
    #: The language the file declares for its translations (XLIFF target-language, PO Language, TMX xml:lang),
    #: as written (``en-GB``); empty when it declares none. Its English variant sets the dialect (pipeline).
    target_language: str = ""
    suppressions: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)
    _line_starts: list[int] = field(default_factory=list, repr=False)
    #: For a part of a larger file: offset of ``text`` in the file and the file's line number of its first line.
    origin: int = 0
    first_line: int = 1
    #: XML formats (XLIFF, TMX): unit id -> (inline markup codes of the source, of the target), as read.
    markup: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict, repr=False)
    #: What the reader tells about how it read the file (one line each, naming the file and line), reported with
    #: the checks' notices (a sentence checked in pieces: readers.inputs.MAX_SENTENCE_CHARS).
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        starts = [0]
        text = self.text
        at = text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        self._line_starts = starts

    def locate(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset in the original text."""
        offset -= self.origin
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + self.first_line, offset - self._line_starts[line] + 1

    def split(self, size: int) -> list["Document"]:
        """This document in parts of at most ``size`` segments, each starting on a line of its own.

        The parts' texts joined give this text back; segments keep their file, index, line and
        offsets, so findings in a part read exactly as in the whole document.
        """
        if size <= 0 or len(self.segments) <= size:
            return [self]
        groups = [self.segments[i:i + size] for i in range(0, len(self.segments), size)]
        bounds = [0] + [g[0].offset - (g[0].column - 1) - self.origin for g in groups[1:]] + [len(self.text)]
        parts = []
        for group, start, end in zip(groups, bounds, bounds[1:]):
            part = Document(path=self.path, text=self.text[start:end], format=self.format,
                            source_language=self.source_language, target_language=self.target_language,
                            suppressions=[s for s in self.suppressions
                                          if s[0] < self.origin + end and s[1] > self.origin + start],
                            origin=self.origin + start, first_line=self.locate(self.origin + start)[0],
                            notices=list(self.notices))
            part.segments = [replace(s, document=part) for s in group]
            part.markup = {s.unit_id: self.markup[s.unit_id] for s in group if s.unit_id in self.markup}
            parts.append(part)
        return parts

    @classmethod
    def joined(cls, parts: Sequence["Document"]) -> "Document":
        """One document from its parts in order (the inverse of ``split``)."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        whole = cls(path=first.path, text="".join(p.text for p in parts), format=first.format,
                    source_language=first.source_language, target_language=first.target_language,
                    origin=first.origin, first_line=first.first_line,
                    suppressions=list(dict.fromkeys(s for p in parts for s in p.suppressions)),
                    notices=list(dict.fromkeys(n for p in parts for n in p.notices)))
        whole.segments = [s for p in parts for s in p.segments]
        whole.markup = {k: v for p in parts for k, v in p.markup.items()}
        return whole

    @property
    def name(self) -> str:
        """File name without folders, for report names."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1] or "stdin"

    @property
    def word_count(self) -> int:
        """Number of whitespace-separated words over all segments."""
        return sum(len(s.text.split()) for s in self.segments)

    def add_segment(
        self,
        text: str,
        offset: int,
        *,
        paragraph: int = 0,
        source: str | None = None,
        unit_id: str = "",
        char_map: Sequence[int] | None = None,
        source_edges: tuple[str, str] = ("", ""),
        target_edges: tuple[str, str] = ("", ""),
    ) -> Segment:
        """Append a segment located at ``offset`` of the original text (``*_edges``: see ``Segment``)."""
        first = char_map[0] if char_map else offset
        line, column = self.locate(first)
        segment = Segment(
            index=len(self.segments),
            text=text,
            offset=first,
            line=line,
            column=column,
            file=self.path,
            paragraph=paragraph,
            source=source,
            unit_id=unit_id,
            char_map=tuple(char_map) if char_map is not None else None,
            document=self,
            source_edges=source_edges,
            target_edges=target_edges,
        )
        self.segments.append(segment)
        return segment

    def is_suppressed(self, finding: Finding) -> bool:
        """Whether an inline comment disables this finding's rule at its place."""
        for start, end, prefixes in self.suppressions:
            if start <= finding.offset < end and any(rule_matches(finding.rule_id, p) for p in prefixes):
                return True
        return False


def whitespace_edges(raw: str | None) -> tuple[str, str]:
    """The whitespace ``raw.strip()`` removes from each end of ``raw``: (leading, trailing); all of it is leading
    when ``raw`` is only whitespace."""
    if not raw:
        return "", ""
    body = raw.lstrip()
    if not body:
        return raw, ""
    return raw[:len(raw) - len(body)], body[len(body.rstrip()):]


#: A UTF-16 surrogate code point: in a Python string it stands alone (a pair is one character), so the text is not
#: Unicode and cannot be encoded, tokenized or written (pyarrow, UTF-8 writers).
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> int:
    """The index of the first lone UTF-16 surrogate in ``text``, or -1 when it is Unicode text."""
    found = _SURROGATE.search(text)
    return -1 if found is None else found.start()


def surrogate_problem(text: str, at: int) -> str:
    """What is wrong at ``text[at]`` (a lone surrogate), in words that are themselves printable."""
    return f"a lone UTF-16 surrogate (\\u{ord(text[at]):04x}): not Unicode text"


def rule_matches(rule_id: str, prefix: str) -> bool:
    """Whether ``prefix`` selects ``rule_id``: ``*``, the id itself, a dotted prefix (``mt``), ``mt.False*``,
    or a group of prefixes (``grammar``: harper, languagetool, spelling)."""
    prefix = prefix.strip()
    if prefix in ("*", ""):
        return True
    if prefix in GROUPS and any(rule_matches(rule_id, p) for p in GROUPS[prefix]):
        return True
    if prefix.endswith("*"):
        return rule_id.startswith(prefix[:-1])
    return rule_id == prefix or rule_id.startswith(prefix.rstrip(".") + ".")


#: A document of at most this many segments is checked whole, as one unit of work: document-level checks
#: (consistency, repeated phrases, names seen elsewhere) see all of it.
WHOLE_SEGMENTS = 1000
#: A longer document (a corpus, a translation memory) is checked in parts of this many segments, small enough
#: to keep every worker busy until the end of a run; document-level checks look within one part. Every runner
#: cuts the same way, so every runner gives the same report.
PART_SEGMENTS = 250


def cut(document: Document, part_segments: int | None = None) -> list[Document]:
    """The parts ``document`` is checked in: the whole document when it has at most ``WHOLE_SEGMENTS``
    segments, else parts of ``PART_SEGMENTS`` (with ``part_segments``: parts of that size, whatever the length)."""
    if part_segments is not None:
        return document.split(part_segments)
    if len(document.segments) <= WHOLE_SEGMENTS:
        return [document]
    return document.split(PART_SEGMENTS)
