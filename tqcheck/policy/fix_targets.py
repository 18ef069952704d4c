"""Where a fix may land: the characters of a segment's target text in its file, per format.

A fix is a list of byte-faithful operations on the document's text (line breaks as the reader normalised
them): ``(start, end, new text)``. Each format says where the characters of a segment's target are and how a
replacement is written there (XML entities, PO and JSON escapes), refuses what must not change (a source
segment, an inline code, Markdown code, an HTML tag, script or style, a locked or signed-off unit), and gives
the one attribute edit that marks a fixed unit for review (XLIFF ``state``). Nothing is re-serialised: every
byte outside these operations stays as it was.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tqcheck.readers.units import (INLINE_CODE_ELEMENTS, UNDECODED, end_of_tag, skip_delimited,
                                   tracked_deletion_end, xml_reference)
from tqcheck.readers.po import PoChar, line_strings
from tqcheck.core.document import Document, Segment

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

#: One operation on a document's text: replace [start, end) with the new text.
Op = tuple[int, int, str]


class Refused(Exception):
    """A fix that cannot be made here; the message says why (shown as ``left …: WHY``)."""


#: XLIFF 1.2 target states that mean signed off: never changed.
FINAL_STATES_12 = frozenset({"final", "signed-off"})
#: The state a fixed XLIFF 1.2 target gets (unless --keep-state).
REVIEW_STATE_12 = "needs-review-translation"
#: The state a fixed XLIFF 2.0 segment gets (``reviewed`` is not claimed).
REVIEW_STATE_20 = "translated"

CROSSES_MARKUP = "the span crosses markup or an escape"
TRACKED_DELETION = "the span crosses a Trados tracked deletion (x-sdl-deleted), which is not part of the translation"


class Targets:
    """The editable target text of one document (the base class refuses everything)."""

    reason = "this format cannot be fixed in place"

    def locked(self, segment: Segment) -> str:
        """Why the segment's unit must not change (locked, signed off), else an empty string."""
        return ""

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        """The operations that replace [start, end) of the segment's text with ``replacement``."""
        raise Refused(self.reason)

    def state_ops(self, segment: Segment) -> list[Op]:
        """The operations that mark the segment's unit as changed (none by default)."""
        return []


def targets_for(document: Document, settings: "Settings | None" = None) -> Targets:
    """The Targets of a document, by its format."""
    fmt = document.format
    if fmt in ("table", "tsv", "csv"):
        return TableTargets(document, settings=settings)
    if fmt in ("text", "markdown", "srt"):
        return TextTargets(document)
    if fmt == "po":
        return PoTargets(document)
    if fmt in ("xliff", "tmx"):
        return XmlTargets(document)
    if fmt == "jsonl":
        return JsonlTargets(document, settings)
    return Targets()


# -- text, Markdown, SRT, tables ---------------------------------------------------------------------

#: Markdown link destinations and reference definitions, autolinks.
LINK_RE = re.compile(r"\]\([^)\n]*\)|^[ \t]{0,3}\[[^\]\n]+\]:[^\n]*|<[a-z][a-z0-9+.-]*:[^<>\s]*>",
                     re.MULTILINE | re.IGNORECASE)
BACKTICKS_RE = re.compile(r"`+")


def code_spans(text: str) -> list[tuple[int, int]]:
    """Markdown inline code spans: a run of N backticks up to the next run of exactly N (CommonMark)."""
    runs = [(m.start(), m.end()) for m in BACKTICKS_RE.finditer(text)
            if not (m.start() > 0 and text[m.start() - 1] == "\\")]
    spans = []
    i = 0
    while i < len(runs):
        start, end = runs[i]
        closer = next((j for j in range(i + 1, len(runs)) if runs[j][1] - runs[j][0] == end - start), None)
        if closer is None:
            i += 1
            continue
        spans.append((start, runs[closer][1]))
        i = closer + 1
    return spans


def markdown_blocks(text: str) -> list[tuple[int, int]]:
    """Offsets of the Markdown blocks that are code or HTML (fenced and indented code, HTML blocks)."""
    from tqcheck.readers.inputs import markdown_parser

    starts = [0] + [m.end() for m in re.finditer("\n", text)] + [len(text)]
    blocks = []
    for token in markdown_parser().parse(text):  # the reader's parser: the same blocks at any nesting
        if token.type in ("fence", "code_block", "html_block") and token.map:
            first, last = token.map
            blocks.append((starts[min(first, len(starts) - 1)], starts[min(last, len(starts) - 1)]))
    return blocks


TAG_START_RE = re.compile(r"<[A-Za-z/!?]")
SCRIPT_START_RE = re.compile(r"<(script|style)\b", re.IGNORECASE)


def markup_regions(text: str) -> list[tuple[int, int]]:
    """HTML/XML tags (quoted attribute values may hold ``>``), comments, and script and style elements whole,
    in one pass over the text (a tag that never closes ends the search: no quadratic rescans)."""
    regions = []
    at = 0
    while True:
        found = TAG_START_RE.search(text, at)
        if found is None:
            break
        start = found.start()
        if text.startswith("<!--", start):
            close = text.find("-->", start + 4)
            end = len(text) if close < 0 else close + 3
        else:
            close = end_of_tag(text, start)
            if close < 0:
                break
            end = close + 1
            script = SCRIPT_START_RE.match(text, start)
            if script is not None and text[close - 1] != "/":
                closing = re.compile(r"</" + script.group(1) + r"\s*>", re.IGNORECASE).search(text, end)
                end = len(text) if closing is None else closing.end()
        regions.append((start, end))
        at = end
    return regions


#: Suffixes of files that are markup whatever reader reads them (a .html file named on the command line).
MARKUP_SUFFIXES = (".html", ".htm", ".xhtml", ".xml", ".svg", ".php", ".jsp", ".erb", ".vue")


def is_markup(document: Document) -> bool:
    """Whether tags in the document are markup: Markdown and SRT always, text when named or shaped as HTML."""
    if document.format in ("markdown", "srt"):
        return True
    return document.path.lower().endswith(MARKUP_SUFFIXES) or document.text.lstrip()[:1] == "<"


def protected_regions(document: Document) -> list[tuple[int, int]]:
    """Regions of a text, Markdown or SRT document a fix never touches: code, tags, script and style."""
    text = document.text
    regions = markup_regions(text) if is_markup(document) else []
    if document.format == "markdown":
        regions += code_spans(text) + markdown_blocks(text) + [m.span() for m in LINK_RE.finditer(text)]
    return sorted(regions)


@dataclass
class TextTargets(Targets):
    """Text, Markdown, SRT and tables: the matched characters are replaced in the original text."""

    document: Document
    _regions: list[tuple[int, int]] | None = None

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        first = segment.original_offset(start)
        last = segment.original_offset(end - 1) + 1
        if segment.char_map is not None and last - first != end - start:
            raise Refused(CROSSES_MARKUP)
        if self.document.text[first:last] != matched:
            raise Refused(CROSSES_MARKUP)
        if self.document.format in ("table", "tsv", "csv"):
            if any(c in replacement for c in "\t\n\r\",;"):
                raise Refused("the suggestion holds a delimiter or quote")
        elif self._overlaps_protected(first, last):
            raise Refused("the span is code or markup (Markdown code, a link, an HTML tag, script or style)")
        return [(first, last, replacement)]

    def _overlaps_protected(self, first: int, last: int) -> bool:
        if self._regions is None:
            self._regions = protected_regions(self.document)
        return any(start < last and first < end for start, end in self._regions)


@dataclass
class TableTargets(TextTargets):
    """TSV and CSV tables: as text, and the span must lie in the target column of its row."""

    settings: "Settings | None" = None

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        found = super().ops(segment, start, end, matched, replacement)
        first, last, _ = found[0]
        cells = self._target_cells(first)
        if cells is None or not all(offset in cells for offset in range(first, last)):
            raise Refused("the span is not in the target column")
        return found

    def _target_cells(self, offset: int) -> set[int] | None:
        """Offsets of the characters of the target field of the row holding ``offset``."""
        import csv

        from tqcheck.readers.corpus import _columns
        from tqcheck.readers.table import _column, field_offsets

        text = self.document.text
        delimiter = "\t" if self.document.path.lower().endswith((".tsv", ".tab")) else ","
        try:
            header = [h.strip() for h in next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter))]
            _, target_col, _ = _columns(self.settings, self.document.path)
            index = _column(header, target_col, "target", self.document.path, "target_column")
        except Exception:
            return None
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        record = text[line_start:len(text) if line_end < 0 else line_end + 1]
        offsets = field_offsets(record, delimiter, index)
        return None if offsets is None else {line_start + o for o in offsets}


# -- JSON Lines ------------------------------------------------------------------------------------

JSON_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def json_string_chars(text: str, quote: int) -> tuple[list[tuple[str, int, int]], int]:
    """The characters of the JSON string whose opening quote is at ``quote``: (char, start, end) each, and the
    offset after the closing quote. A surrogate pair written as two escapes is one character."""
    chars: list[tuple[str, int, int]] = []
    i = quote + 1
    while i < len(text) and text[i] != '"':
        if text[i] == "\\":
            kind = text[i + 1:i + 2]
            if kind == "u":
                code = int(text[i + 2:i + 6], 16)
                end = i + 6
                if 0xD800 <= code < 0xDC00 and text.startswith("\\u", end):
                    low = int(text[end + 2:end + 6], 16)
                    if 0xDC00 <= low < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        end += 6
                chars.append((chr(code), i, end))
                i = end
                continue
            chars.append((JSON_ESCAPES.get(kind, kind), i, i + 2))
            i += 2
            continue
        chars.append((text[i], i, i + 1))
        i += 1
    return chars, i + 1


def json_members(line: str) -> dict[str, tuple[int, int]]:
    """Top-level string members of a one-line JSON object: key -> (offset of the value's opening quote,
    offset after its closing quote). Other values are skipped."""
    decoder = json.JSONDecoder()
    members: dict[str, tuple[int, int]] = {}
    i = line.find("{") + 1
    while 0 < i < len(line):
        while i < len(line) and line[i] in " \t\r\n,":
            i += 1
        if i >= len(line) or line[i] != '"':
            break
        key_chars, i = json_string_chars(line, i)
        while i < len(line) and line[i] in " \t\r\n:":
            i += 1
        if line[i:i + 1] == '"':
            _, end = json_string_chars(line, i)
            members.setdefault("".join(c for c, _, _ in key_chars), (i, end))
            i = end
        else:
            _, i = decoder.raw_decode(line, i)
    return members


def json_escape(text: str) -> str:
    """``text`` as the inside of a JSON string (non-ASCII kept as it is)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


@dataclass
class JsonlTargets(Targets):
    """JSON Lines: the target member's string value of the segment's line, JSON escapes kept and written."""

    document: Document
    settings: "Settings | None" = None

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        from tqcheck.readers.corpus import _columns, _resolve

        text = self.document.text
        line_start = text.rfind("\n", 0, segment.offset) + 1
        line_end = text.find("\n", segment.offset)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        try:
            members = json_members(line)
            source_col, target_col, id_col = _columns(self.settings, self.document.path)
            target_key = _resolve(list(members), source_col, target_col, id_col, self.document.path)[0]
        except Exception:
            raise Refused("the target member of this line was not found again") from None
        quote, _ = members[target_key]
        chars, _ = json_string_chars(line, quote)
        value = "".join(c for c, _, _ in chars)
        # the reader checks " ".join(value.split()): character i of that is value[kept[i]] (the first character
        # of each whitespace run stands for the run; leading and trailing runs are gone)
        kept = [i for i, c in enumerate(value) if not c.isspace() or (i > 0 and not value[i - 1].isspace())]
        while kept and value[kept[-1]].isspace():
            kept.pop()
        if "".join(" " if value[i].isspace() else value[i] for i in kept) != segment.text:
            raise Refused("the target member of this line was not found again")
        first, last = kept[start], kept[end - 1]
        if " ".join(value[first:last + 1].split()) != " ".join(matched.split()):
            raise Refused(CROSSES_MARKUP)
        return [(line_start + chars[first][1], line_start + chars[last][2], json_escape(replacement))]


# -- PO --------------------------------------------------------------------------------------------

PO_KEYWORD_RE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)[ \t]*(?=")')


@dataclass
class PoEntry:
    """One PO entry as written: flags, context, msgid and the characters of each msgstr form."""

    flags: list[str] = field(default_factory=list)
    context: str | None = None
    msgid: str = ""
    #: form number -> [(char, start, end, piece number)], the positions in the document's text (readers.po.PoChar).
    forms: dict[int, list[PoChar]] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def unit_id(self) -> str:
        """The unit id as the PO reader names it."""
        return f"{self.context}|{self.msgid}" if self.context else self.msgid

    def target(self) -> str:
        """The first msgstr form, decoded."""
        return "".join(c for c, *_ in self.forms.get(0, []))


def po_entries(text: str) -> list[PoEntry]:
    """The entries of a PO text with the positions of their msgstr characters (obsolete ones marked)."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    current: tuple[str, int] | None = None
    seen_keyword = False
    pieces = 0
    position = 0
    for line in text.split("\n"):
        start = position
        position += len(line) + 1
        stripped = line.strip()
        obsolete = stripped.startswith("#~")
        body = stripped[2:].lstrip() if obsolete else stripped
        if (not stripped or (stripped.startswith("#") and not obsolete)) and seen_keyword:
            entries.append(entry)
            entry, current, seen_keyword = PoEntry(), None, False
        if not stripped:
            continue
        if stripped.startswith("#,"):
            entry.flags += [f.strip() for f in stripped[2:].split(",") if f.strip()]
            continue
        if stripped.startswith("#") and not obsolete:
            continue
        offset = start + line.index(body)
        found = PO_KEYWORD_RE.match(body)
        if found and found.group(1) in ("msgctxt", "msgid") and seen_keyword and current and current[0] != "msgctxt":
            entries.append(entry)  # a new entry right after the last one's msgstr (no blank line between)
            entry, seen_keyword = PoEntry(), False
        entry.obsolete = entry.obsolete or obsolete
        if found:
            seen_keyword = True
            keyword = found.group(1)
            current = ("msgstr", int(found.group(2) or 0)) if keyword.startswith("msgstr") else (keyword, 0)
            if current[0] == "msgctxt":
                entry.context = ""
            quote = offset + found.end()
        elif body.startswith('"') and current is not None:
            quote = offset
        else:
            continue
        chars, _, count = line_strings(text, quote, pieces + 1)  # "a " "b" on one line: gettext joins them
        pieces += count
        if current[0] == "msgstr":
            entry.forms.setdefault(current[1], []).extend(chars)
        elif current[0] == "msgid":
            entry.msgid += "".join(c for c, *_ in chars)
        elif current[0] == "msgctxt":
            entry.context = (entry.context or "") + "".join(c for c, *_ in chars)
    if seen_keyword:
        entries.append(entry)
    return entries


def po_escape(text: str) -> str:
    """``text`` as the inside of a PO string."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


@dataclass
class PoTargets(Targets):
    """PO: the characters of ``msgstr`` (or ``msgstr[0]``) of the segment's entry; every other form, every
    other entry, the wrapping and the comments stay as written. Obsolete entries are never read nor changed."""

    document: Document
    _entries: dict[str, list[PoEntry]] | None = None

    def entry(self, segment: Segment) -> PoEntry:
        """The entry the segment was read from (its id and its target)."""
        if self._entries is None:
            self._entries = {}
            for entry in po_entries(self.document.text):
                if not entry.obsolete and entry.msgid:
                    self._entries.setdefault(entry.unit_id, []).append(entry)
        candidates = [e for e in self._entries.get(segment.unit_id, []) if e.target().strip() == segment.text]
        if len(candidates) != 1:
            raise Refused(f"entry {segment.unit_id!r} not found again" if not candidates
                          else f"entry {segment.unit_id!r} is in the file {len(candidates)} times")
        return candidates[0]

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        chars = self.entry(segment).forms[0]
        target = "".join(c for c, *_ in chars)
        lead = len(target) - len(target.lstrip())
        span = chars[lead + start:lead + end]
        if "".join(c for c, *_ in span) != matched or not span:
            raise Refused(CROSSES_MARKUP)
        ops: list[Op] = []
        for piece in sorted({c[3] for c in span}):
            own = [c for c in span if c[3] == piece]
            ops.append((own[0][1], own[-1][2], po_escape(replacement) if not ops else ""))
        return ops


# -- XLIFF and TMX ---------------------------------------------------------------------------------

ATTRIBUTE_RE = re.compile(r"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")


def local_name(tag: str) -> str:
    """``target`` of ``xliff:target`` or ``{ns}target``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


@dataclass
class XmlChar:
    """One character of an element's content: where it is written, in which text node, and whether a fix
    may change it (not inside an inline code or a ``translate="no"``/protected marker)."""

    char: str
    start: int
    end: int
    node: int
    editable: bool
    cdata: bool
    #: Why the character must not change beyond being protected markup (a locked Trados segment), else ''.
    locked: str = ""
    #: The Trados segment (``<mrk mtype="seg" mid>``) holding the character, else ''.
    segment: str = ""
    #: The entity (declared in the file's internal DTD subset) whose reference the character is the text of, else
    #: '' (such a character is never written over; an empty entity is one character '').
    entity: str = ""
    #: A Trados tracked deletion (``<mrk mtype="x-sdl-deleted">``): one character '' standing for the element and
    #: its deleted text, which is not part of the translation and never written over.
    deleted: bool = False


def xml_chars(text: str, start: int, locked_segments: dict[str, str] | None = None,
              open_spans: dict[str, bool] | None = None, entities: Any = None) -> tuple[list[XmlChar], int]:
    """The characters of the element whose start tag is at ``start`` and the offset of its end tag.

    A character is not editable inside an inline code, a ``mtype="protected"`` marker, or a ``translate="no"``
    element (``<mrk>``, ``<pc>``; an inner ``translate="yes"`` makes its content translatable again) or span
    (XLIFF 2.0 ``<sm translate="no"/>`` up to its ``<em startRef=…/>``). ``locked_segments``: Trados segment
    ids (``<mrk mtype="seg" mid=…>``) whose characters are locked, with the reason; ``open_spans``: the ``<sm>``
    markers an earlier segment of the unit opened and did not close (id -> protects its span); ``entities``: the
    ``readers.units.DeclaredEntities`` of the file, whose references are read as their text (``xml_reference``)."""
    locked_segments = locked_segments or {}
    tag_end = end_of_tag(text, start)
    if tag_end < 0 or text[tag_end - 1] == "/":
        return [], tag_end + 1
    chars: list[XmlChar] = []
    stack: list[tuple[bool, str, str]] = []  # per open inline element: protected content, why locked, Trados mid
    spans: dict[str, bool] = dict(open_spans or {})  # open <sm> markers: id -> protects its span
    node = 0
    i = tag_end + 1
    while i < len(text):
        ch = text[i]
        protected = (stack[-1][0] if stack else False) or any(spans.values())
        locked, segment = (stack[-1][1], stack[-1][2]) if stack else ("", "")
        if ch == "<":
            if text.startswith("<![CDATA[", i):
                close = text.find("]]>", i)
                close = len(text) if close < 0 else close
                chars.extend(XmlChar(c, i + 9 + k, i + 10 + k, node, not protected and not locked, True, locked,
                                     segment)
                             for k, c in enumerate(text[i + 9:close]))
                i = close + 3
                continue
            node += 1
            skipped = skip_delimited(text, i)  # a comment or a processing instruction
            if skipped is not None:
                i = len(text) if skipped < 0 else skipped
                continue
            end = end_of_tag(text, i)
            if end < 0:
                break
            deleted = tracked_deletion_end(text, i, end) if text[i + 1] != "/" else None
            if deleted is not None:  # Trados tracked deletion: not the translation's text, never edited
                chars.append(XmlChar("", i, deleted, node, False, False, locked, segment, deleted=True))
                node += 1
                i = deleted
                continue
            if text[i + 1] == "/":
                if not stack:
                    return chars, i
                stack.pop()
                i = end + 1
                continue
            name = re.match(r"<([^\s/>]+)", text[i:end + 1])
            element = local_name(name.group(1) if name else "")
            attributes = {local_name(k): v[1:-1] for k, v in ATTRIBUTE_RE.findall(text[i:end])}
            if text[end - 1] == "/":  # an empty element: a span marker may open or close
                if element == "sm":
                    spans[attributes.get("id", "")] = attributes.get("translate") == "no"
                elif element == "em":
                    spans.pop(attributes.get("startRef", ""), None)
                i = end + 1
                continue
            inner = (stack[-1][0] if stack else False)
            if element in INLINE_CODE_ELEMENTS or attributes.get("mtype") == "protected" \
                    or attributes.get("translate") == "no":
                inner = True
            elif attributes.get("translate") == "yes":
                inner = False
            if element == "mrk" and attributes.get("mtype") == "seg":
                segment = attributes.get("mid", "")
                locked = locked_segments.get(segment, locked)
            stack.append((inner, locked, segment))
            i = end + 1
            continue
        if ch == "&":
            reference = xml_reference(text, i, entities)
            if reference is not None and (value := reference[0]) is not None and len(value) != 1:
                name = text[i + 1:reference[1] - 1]  # a declared entity: its text, never written over
                chars.extend(XmlChar(c, i, reference[1], node, False, False, locked, segment, name)
                             for c in value or [""])
                i = reference[1]
                continue
            if reference is not None:  # one character; one that is not decoded is never written over
                value, after = reference
                name = text[i + 1:after - 1] if entities is not None and entities.text(text[i + 1:after - 1]) \
                    is not None else ""
                chars.append(XmlChar(UNDECODED if value is None else value, i, after, node,
                                     value is not None and not name and not protected and not locked, False, locked,
                                     segment, name))
                i = after
                continue
        chars.append(XmlChar(ch, i, i + 1, node, not protected and not locked, False, locked, segment))
        i += 1
    return chars, len(text)


def xml_escape(text: str, cdata: bool) -> str:
    """``text`` as XML character data (inside CDATA: as it is)."""
    if cdata:
        if "]]>" in text:
            raise Refused("the suggestion cannot be written inside CDATA")
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class XmlUnit:
    """A unit's target element in the text: where its start tag is, its characters, its lock and state."""

    target_start: int
    chars: list[XmlChar] | None
    locked: str
    #: (offset of the start tag whose state attribute marks the unit, attribute value, new value) or None.
    state_tag: int | None = None
    state_value: str = ""
    #: Trados segments (``mrk mtype="seg"`` mid) locked or signed off inside an otherwise editable unit: mid -> why.
    locked_segments: dict[str, str] = field(default_factory=dict)
    #: Trados segments that may change: mid -> offset of its ``<sdl:seg>`` tag (whose ``conf`` marks a fix).
    trados_tags: dict[str, int] = field(default_factory=dict)
    #: Trados segments changed by the fixes made so far.
    edited: set[str] = field(default_factory=set)
    #: XLIFF 2.0: ``<sm>`` markers opened in an earlier segment's target of the unit and not closed yet.
    open_spans: dict[str, bool] = field(default_factory=dict)


class XmlTargets(Targets):
    """XLIFF 1.2/2.0 and TMX: the characters of the unit's target element, written with XML escapes; locked and
    signed-off units are never changed; a fixed XLIFF unit's state says it needs review."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._units: dict[str, list[XmlUnit]] | None = None
        self._starts: dict[int, int] = {}
        self._entities: Any = False

    def entities(self):
        """The entities the file's internal DTD subset declares (``readers.units.DeclaredEntities``), or None."""
        if self._entities is False:
            from tqcheck.core.errors import InputError
            from tqcheck.readers.units import declared_entities

            try:
                self._entities = declared_entities(self.document.path, self.document.text)
            except InputError as exc:  # the reader refused the file already: this is a changed file
                raise Refused(f"the units could not be read again ({exc})") from None
        return self._entities

    # reading the units again, from the document's own text
    def units(self) -> dict[str, list[XmlUnit]]:
        """Unit id (as the reader names it) -> the units with that id."""
        if self._units is None:
            self._units = {}
            try:
                found = list(self._read_units())
            except Exception as exc:  # the file was read once: this is a bug or a changed file
                raise Refused(f"the units could not be read again ({type(exc).__name__})") from None
            for unit_id, unit in found:
                self._units.setdefault(unit_id, []).append(unit)
        return self._units

    def _read_units(self):
        from tqcheck.readers.units import element_start, line_offsets

        text = self.document.text
        lines = line_offsets(text)
        if self.document.format == "xliff":
            yield from self._xliff_units(text, lines, element_start)
        else:
            yield from self._tmx_units(text, lines, element_start)

    def _xliff_units(self, text: str, lines: list[int], element_start):
        from tqcheck.readers.xliff import is_xliff2, target_element, unit_name

        version2 = is_xliff2(text)
        for unit in load_store(self.document).units:
            if unit.isheader():
                continue
            target = target_element(unit)
            if target is None:
                continue
            element = unit.xmlelement
            start = element_start(text, lines, target)
            found = XmlUnit(start, None, "")  # characters read when a fix needs them
            if version2:
                unit_element = element.getparent() if local_name(element.tag) == "segment" else element
                found.open_spans = _spans_open_before(unit_element, target)
                if _inherited(unit_element, "translate") == "no":
                    found.locked = 'the unit is locked (translate="no")'
                elif element.get("state") == "final":
                    found.locked = 'the segment is signed off (state="final")'
                elif local_name(element.tag) == "segment" and element.get("state", "initial") != REVIEW_STATE_20:
                    found.state_tag, found.state_value = element_start(text, lines, element), REVIEW_STATE_20
            else:
                trados = trados_segments(element, target)
                if _inherited(element, "translate") == "no":
                    found.locked = 'the unit is locked (translate="no")'
                elif trados is not None and trados.whole:
                    found.locked = trados.whole
                elif (target.get("state") or "") in FINAL_STATES_12:
                    found.locked = f'the unit is signed off (state="{target.get("state")}")'
                elif element.get("approved") == "yes":
                    found.locked = 'the unit is signed off (approved="yes")'
                elif target.get("state") != REVIEW_STATE_12:
                    found.state_tag, found.state_value = start, REVIEW_STATE_12
                if trados is not None and not found.locked:  # Trados marks a changed segment by its conf
                    found.locked_segments = trados.locks
                    found.state_tag = None
                    found.trados_tags = {mid: element_start(text, lines, seg) for mid, seg in trados.segments.items()
                                         if mid not in trados.locks}
            yield unit_name(unit), found

    def _tmx_units(self, text: str, lines: list[int], element_start):
        from tqcheck.readers.tmx import _seg, choose_variants, header_srclang

        store = load_store(self.document)
        header_language = header_srclang(store.document.getroot()).lower()
        for position, unit in enumerate(store.units, start=1):
            tu = unit.xmlelement
            tuvs = [t for t in tu.iter("{*}tuv", "tuv")]
            # the target the reader checked (readers.tmx.choose_variants), never the srclang variant
            english = choose_variants(tu, header_language, self.document.source_language)[1]
            seg = _seg(english)
            if seg is None:
                continue
            start = element_start(text, lines, seg)
            found = XmlUnit(start, None, "")  # characters read when a fix needs them
            found.locked = _tmx_source_lock(tuvs, english, (tu.get("srclang") or header_language).lower())
            yield tu.get("tuid") or str(position), found

    def unit(self, segment: Segment) -> XmlUnit:
        """The unit the segment was read from: its id, and its target holding the segment's first character."""
        first = segment.original_offset(0)
        for unit in self.units().get(segment.unit_id, []):
            if unit.chars is None:
                unit.chars = xml_chars(self.document.text, unit.target_start, unit.locked_segments,
                                       unit.open_spans, self.entities())[0]
            if any(c.start == first for c in unit.chars):
                return unit
        raise Refused(f"unit {segment.unit_id!r} not found again")

    def locked(self, segment: Segment) -> str:
        try:
            return self.unit(segment).locked
        except Refused:
            return ""

    def ops(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> list[Op]:
        unit = self.unit(segment)
        if unit.locked:
            raise Refused(unit.locked)
        index = {c.start: k for k, c in enumerate(unit.chars)}
        positions = [index.get(segment.original_offset(i)) for i in range(start, end)]
        if not positions or None in positions:
            raise Refused(CROSSES_MARKUP)
        first, last = positions[0], positions[-1]
        span = unit.chars[first:last + 1]
        entity = next((c.entity for c in span if c.entity), "")
        if entity:
            raise Refused(f"the span overlaps the entity reference &{entity}; (declared in the file's DTD)")
        if any(c.deleted for c in span):
            raise Refused(TRACKED_DELETION)
        if any(b <= a for a, b in zip(positions, positions[1:])) or len({c.node for c in span}) != 1:
            raise Refused("the span crosses inline markup of the target")
        locked = next((c.locked for c in span if c.locked), "")
        if locked:
            raise Refused(locked)
        if not all(c.editable for c in span) or len({c.cdata for c in span}) != 1:
            raise Refused("the span is inside an inline code or a protected marker")
        written = "".join(c.char for c in span)
        if " ".join(written.split()) != " ".join(matched.split()) or (written.strip() != written) != (
                matched.strip() != matched):
            raise Refused(CROSSES_MARKUP)
        if unit.trados_tags:
            mid = span[0].segment or (next(iter(unit.trados_tags)) if len(unit.trados_tags) == 1 else "")
            if mid in unit.trados_tags:
                unit.edited.add(mid)
        return [(span[0].start, span[-1].end, xml_escape(replacement, span[0].cdata))]

    def state_ops(self, segment: Segment) -> list[Op]:
        unit = self.unit(segment)
        if unit.trados_tags:  # Trados: each changed segment's <sdl:seg conf> says Draft, as Studio does on an edit
            return [op for mid in sorted(unit.edited) for op in _attribute_ops(
                self.document.text, unit.trados_tags[mid], "conf", TRADOS_REVIEW_CONF)]
        if unit.state_tag is None:
            return []
        return _attribute_ops(self.document.text, unit.state_tag, "state", unit.state_value)


def _attribute_ops(text: str, tag: int, name: str, value: str) -> list[Op]:
    """The operation that sets attribute ``name`` of the start tag at ``tag`` to ``value`` (its value replaced where
    it is, else the attribute added at the end of the tag); none when it already has that value."""
    tag_end = end_of_tag(text, tag)
    for match in ATTRIBUTE_RE.finditer(text, tag, tag_end):
        if match.group(1) == name:
            if match.group(2)[1:-1] == value:
                return []
            return [(match.start(2) + 1, match.end(2) - 1, value)]
    at = tag_end - 1 if text[tag_end - 1] == "/" else tag_end
    return [(at, at, f' {name}="{value}"')]


def load_store(document: Document):
    """The translate-toolkit store of a PO, XLIFF or TMX document, parsed from its text."""
    from tqcheck.readers.units import xml_bytes

    if document.format == "po":
        from translate.storage import po

        return po.pofile.parsestring(document.text.encode("utf-8"))
    if document.format == "xliff":
        from translate.storage import xliff, xliff2

        from tqcheck.readers.xliff import is_xliff2

        data = xml_bytes(document.text)
        return xliff2.Xliff2File.parsestring(data) if is_xliff2(document.text) else xliff.xlifffile.parsestring(data)
    from translate.storage import tmx

    return tmx.tmxfile.parsestring(xml_bytes(document.text))


def _tmx_source_lock(tuvs: list, english: Any, source_language: str) -> str:
    """Why the first English variant of a ``<tu>`` may be its source (then it is never changed), else ''."""
    from tqcheck.readers.tmx import XML_LANG
    from tqcheck.readers.units import base_language

    def language(tuv: Any) -> str:
        return (tuv.get(XML_LANG) or tuv.get("lang") or "").lower()

    english_tuvs = [t for t in tuvs if base_language(language(t)) == "en"]
    why = f"the English variant may be the source (srclang {source_language!r}): never changed"
    if base_language(source_language) == "en":
        others = [t for t in english_tuvs if language(t) == source_language]
        return "" if len(english_tuvs) >= 2 and others and language(english) != source_language else why
    if source_language == "*all*" and len(english_tuvs) >= 2:
        return why
    return ""


#: The namespace of Trados Studio's SDLXLIFF extensions.
SDL_NAMESPACE = "http://sdl.com/FileTypes/SdlXliff/1.0"
#: Trados confirmation levels that mean signed off: never changed (as XLIFF ``state="final"``).
SIGNED_OFF_TRADOS = frozenset({"ApprovedSignOff"})
#: The confirmation level a fixed Trados segment gets (unless --keep-state): Studio sets it on any edit.
TRADOS_REVIEW_CONF = "Draft"


@dataclass
class TradosSegments:
    """A Trados ``trans-unit``'s segment definitions (``<sdl:seg-defs>``)."""

    #: Why the whole target is locked (every segment it holds is), else ''.
    whole: str
    #: Locked or signed-off segment ids -> why.
    locks: dict[str, str]
    #: Segment id -> its ``<sdl:seg>`` element.
    segments: dict[str, Any]


def trados_segments(unit: Any, target: Any) -> TradosSegments | None:
    """A Trados ``trans-unit``'s segments and locks, from its ``<sdl:seg-defs>``; None when it has none. A segment is
    locked by ``locked="true"`` or signed off by ``conf="ApprovedSignOff"``; the target is locked whole when every
    segment it holds (``<mrk mtype="seg" mid=…>``; all defined ones when it marks none) is."""
    definitions = [seg for defs in unit if isinstance(defs.tag, str) and local_name(defs.tag) == "seg-defs"
                   and defs.tag.startswith("{" + SDL_NAMESPACE + "}")
                   for seg in defs if isinstance(seg.tag, str) and local_name(seg.tag) == "seg"]
    if not definitions:
        return None
    locks: dict[str, str] = {}
    for seg in definitions:
        if (seg.get("locked") or "").lower() == "true":
            locks[seg.get("id") or ""] = 'the segment is locked (sdl:seg locked="true")'
        elif seg.get("conf") in SIGNED_OFF_TRADOS:
            locks[seg.get("id") or ""] = f'the segment is signed off (sdl:seg conf="{seg.get("conf")}")'
    held = [m.get("mid") or "" for m in target.iter("{*}mrk", "mrk") if m.get("mtype") == "seg"]
    held = held or [seg.get("id") or "" for seg in definitions]
    whole = locks.get(held[0], "") if held and all(mid in locks for mid in held) else ""
    return TradosSegments(whole, locks, {seg.get("id") or "": seg for seg in definitions})


def _spans_open_before(unit: Any, target: Any) -> dict[str, bool]:
    """XLIFF 2.0: the ``<sm>`` markers the targets of ``unit``'s earlier segments open and do not close before
    ``target`` (an annotation may span segments): id -> whether it protects its span (``translate="no"``)."""
    spans: dict[str, bool] = {}
    for element in unit.iter():
        if element is target:
            break
        if not isinstance(element.tag, str) or not any(local_name(a.tag) == "target" for a in element.iterancestors()
                                                      if isinstance(a.tag, str)):
            continue
        name = local_name(element.tag)
        if name == "sm":
            spans[element.get("id") or ""] = element.get("translate") == "no"
        elif name == "em":
            spans.pop(element.get("startRef") or "", None)
    return spans


def _inherited(element: Any, name: str) -> str:
    """The value of attribute ``name`` on the element or the nearest ancestor that has it."""
    while element is not None:
        value = element.get(name)
        if value is not None:
            return value
        element = element.getparent()
    return ""


__all__ = ["load_store", "Op", "Refused", "Targets", "targets_for", "po_entries", "xml_chars", "json_members"]
