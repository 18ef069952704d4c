"""Large XML files read a part at a time: decoded in chunks, parsed incrementally, cut like ``document.cut``.

``XmlStream`` reads a file in chunks of ``CHUNK`` bytes with the whole-file reader's
decoding (``inputs.decode``: UTF-8 with or without BOM, UTF-16 with BOM, newlines
normalised, the same errors) and feeds them to lxml's pull parser with the protections of
the whole-file readers (translate-toolkit's safe parser: no entity expansion, no network,
no DTD loading, lxml's default size limits). It keeps the decoded text only from the start
of the oldest part not yet handed on, and a format reader clears each unit's elements once
it has read them, so memory depends on the size of a part, not of the file.

``PartCutter`` turns the segments a reader finds (``SegmentFields``, in file order) into
part Documents: the same segments, texts, lines, columns and offsets as the whole-file
Document cut by ``document.cut`` (or ``Document.split(size)``).
"""

from __future__ import annotations

import bisect
import codecs
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Iterator, Sequence

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import (XML_DECLARATION_RE, DeclaredEntities, PrologIncomplete, Unit, declared_entities,
                                   segment_fields, tag_starts, unit_edges, xml_error)

#: Bytes read (and fed to the parser) at a time.
CHUNK = 1 << 20
#: Characters of a prolog (XML declaration, DOCTYPE with its internal subset) read before the parser is fed anyway.
PROLOG_LIMIT = 16 << 20


class Window:
    """The decoded text of a file from offset ``base`` to what has been read, with its line starts."""

    def __init__(self) -> None:
        self.base = 0
        self.text = ""
        self.first_line = 1
        self.starts = [0]  # absolute offsets of the starts of lines first_line, first_line + 1, ...

    @property
    def end(self) -> int:
        """Absolute offset just after the text read so far."""
        return self.base + len(self.text)

    def append(self, chunk: str) -> None:
        """Add decoded text at the end."""
        offset = self.end
        at = chunk.find("\n")
        while at >= 0:
            self.starts.append(offset + at + 1)
            at = chunk.find("\n", at + 1)
        self.text += chunk

    def slice(self, start: int, end: int) -> str:
        """The text between two absolute offsets (both inside the window)."""
        return self.text[start - self.base:end - self.base]

    def line_start(self, line: int) -> int:
        """Absolute offset of the start of ``line`` (the last line read when beyond it)."""
        return self.starts[max(0, min(line - self.first_line, len(self.starts) - 1))]

    def line_of(self, offset: int) -> int:
        """The 1-based line of an absolute offset."""
        return self.first_line + bisect.bisect_right(self.starts, offset) - 1

    def drop_before(self, offset: int) -> None:
        """Forget the text before the start of the line holding ``offset``."""
        k = bisect.bisect_right(self.starts, offset) - 1
        if k <= 0:
            return
        start = self.starts[k]
        self.text = self.text[start - self.base:]
        self.base = start
        self.starts = self.starts[k:]
        self.first_line += k


class XmlStream:
    """Parse events of an XML file read in chunks, its decoded text in ``window``."""

    def __init__(self, path: str, handle: BinaryIO, tags: Sequence[str] | None = None) -> None:
        self.path = path
        self.handle = handle
        self.window = Window()
        self.tags = tags
        self._ranks: dict[tuple[str, int], int] = {}
        self._rank_line = 0
        #: element -> its rank among the elements of the same tag starting on its line (see formats.element_start)
        self.rank: dict[Any, int] = {}
        #: the start tags found on the line being read (``readers.units.tag_starts``)
        self._starts: dict[str, Any] = {}
        #: the general entities the file's internal DTD subset declares (read before the parser sees them)
        self.entities: DeclaredEntities | None = None

    def _parser(self):
        from lxml import etree

        # translate-toolkit's safe parser (misc.xml_helpers.get_safe_xml_parser), as a pull parser
        return etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True,
                                   load_dtd=False, strip_cdata=False, collect_ids=True, huge_tree=False,
                                   remove_blank_text=False)

    def events(self) -> Iterator[tuple[str, Any]]:
        """("start" | "end", element) in document order; a parse error is an InputError with its line."""
        from lxml import etree

        parser = self._parser()
        try:
            head: str | None = ""  # the start of the text, until it holds the prolog (XML declaration, DOCTYPE)
            for chunk in self._decoded():
                self.window.append(chunk)
                if head is not None:  # the text is fed as UTF-8, so its declaration must say so (formats.xml_bytes)
                    head += chunk
                    try:  # the entities of the internal DTD subset, read (a bomb refused) before the parser sees them
                        self.entities = declared_entities(self.path, head, whole=False)
                    except PrologIncomplete:
                        if len(head) < PROLOG_LIMIT:
                            continue
                    chunk, head = _as_utf8(head), None
                parser.feed(chunk.encode("utf-8"))
                yield from self._drain(parser)
            if head:
                self.entities = declared_entities(self.path, head)
                parser.feed(_as_utf8(head).encode("utf-8"))
            parser.close()
            yield from self._drain(parser)
        except etree.XMLSyntaxError as exc:
            raise xml_error(self.path, exc) from None

    def _drain(self, parser) -> Iterator[tuple[str, Any]]:
        external = self.entities.external if self.entities is not None else {}
        for event, element in parser.read_events():
            if external and event == "end":  # a reference to an external entity: refused as the whole-file readers do
                self.entities.refuse_external_children(element)
            if event == "start" and isinstance(element.tag, str):
                line = element.sourceline or 0
                if line != self._rank_line:
                    self._ranks.clear()
                    self._rank_line = line
                key = (element.tag, line)
                self.rank[element] = self._ranks.get(key, 0)
                self._ranks[key] = self.rank[element] + 1
            yield event, element

    def _decoded(self) -> Iterator[str]:
        """The file's text in chunks, decoded and normalised as ``inputs.decode`` does the whole file."""
        head = self.handle.read(CHUNK)
        while 0 < len(head) < 4:  # enough bytes to see a byte order mark
            more = self.handle.read(CHUNK)
            if not more:
                break
            head += more
        if head.startswith(codecs.BOM_UTF8):
            encoding, head, skipped = "utf-8", head[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
            head, skipped = head[2:], 2
        else:
            encoding, skipped = "utf-8", 0
        consumed = skipped  # bytes of the file before ``pending``
        newlines = 0  # b"\n" bytes before ``pending`` (inputs.decode counts them for its error line)
        decoded_newlines = 0  # "\n" characters decoded so far (for the NUL error line)
        pending = head
        carry = ""  # a "\r" at the end of a chunk, normalised with what follows
        blank = ""  # leading whitespace, held until something else shows the file is not empty
        while pending:
            more = self.handle.read(CHUNK)
            data, rest = _whole_characters(pending, encoding) if more else (pending, b"")
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                at = consumed + exc.start
                raise InputError(f"not UTF-8 or UTF-16 text (invalid byte 0x{data[exc.start]:02x} at byte {at}); "
                                 "save it as UTF-8", path=self.path,
                                 line=newlines + data[:exc.start].count(b"\n") + 1) from None
            if "\x00" in text:
                line = decoded_newlines + text[:text.index("\x00")].count("\n") + 1
                raise InputError("binary file (contains NUL bytes), not text", path=self.path, line=line)
            consumed += len(data)
            newlines += data.count(b"\n")
            decoded_newlines += text.count("\n")
            pending = rest + more
            text = carry + text
            carry = ""
            if pending and text.endswith("\r"):
                text, carry = text[:-1], "\r"
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            if blank is not None:
                if not text.strip():
                    blank += text
                    continue
                text, blank = blank + text, None
            yield text
        if carry:
            yield "\n"
        if blank is not None:
            raise InputError("empty file: nothing to check", path=self.path)

    def element_offset(self, element: Any) -> int:
        """Absolute offset of the start tag of ``element`` (as ``formats.element_start`` finds it)."""
        window = self.window
        line = max(1, element.sourceline or 1)
        base = window.line_start(line)
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        name = f"{element.prefix}:{local}" if element.prefix else local
        rank = self.rank.get(element, 0)
        if self._starts.get("line") != (line, window.base):  # the tags of one line are found once (tag_starts)
            self._starts.clear()
            self._starts["line"] = (line, window.base)
        starts = tag_starts(self._starts, window.text, name, base - window.base, rank)
        return window.base + starts[rank] if rank < len(starts) else base

    def element_unit(self, element: Any, plain: str, unit_id: str, source: str) -> Unit:
        """A Unit whose target ``plain`` is the text of ``element`` (as ``formats.element_unit``)."""
        from tqcheck.readers.units import align, xml_content_chars

        start = self.element_offset(element)
        base = self.window.base
        chars = [(c, base + k) for c, k in xml_content_chars(self.window.text, start - base, self.entities)]
        return Unit(unit_id, source, plain, start, align(plain, chars))

    def forget(self, element: Any) -> None:
        """Drop a handled element, its earlier siblings and their ranks from the tree being built."""
        for item in element.iter():
            self.rank.pop(item, None)
        element.clear(keep_tail=True)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                self.rank.pop(element.getprevious(), None)
                del parent[0]


def head_text(path: str, size: int) -> str:
    """The first ``size`` characters of a file's text, decoded as ``XmlStream`` decodes it."""
    text = ""
    with open(path, "rb") as handle:
        for chunk in XmlStream(path, handle)._decoded():
            text += chunk
            if len(text) >= size:
                break
    return text[:size]


def _as_utf8(head: str) -> str:
    """The start of an XML text with its declared encoding made UTF-8."""
    found = XML_DECLARATION_RE.match(head)
    return head if found is None else head[:found.start(1)] + "UTF-8" + head[found.end(1):]


def _whole_characters(data: bytes, encoding: str) -> tuple[bytes, bytes]:
    """``data`` split before a character cut in two at its end (UTF-8 sequence, UTF-16 unit or pair)."""
    if encoding == "utf-8":
        k = len(data)
        back = 0
        while back < 3 and k - back - 1 >= 0 and (data[k - back - 1] & 0xC0) == 0x80:
            back += 1
        lead = k - back - 1
        if lead >= 0:
            byte = data[lead]
            size = 1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else \
                4 if byte >> 3 == 0b11110 else 1
            if lead + size > k:
                return data[:lead], data[lead:]
        return data, b""
    cut = len(data) - len(data) % 2
    if cut >= 2:
        unit = data[cut - 2:cut]
        value = unit[0] | unit[1] << 8 if encoding == "utf-16-le" else unit[0] << 8 | unit[1]
        if 0xD800 <= value <= 0xDBFF:  # a high surrogate waits for its low half
            cut -= 2
    return data[:cut], data[cut:]


@dataclass(frozen=True)
class SegmentFields:
    """What ``Document.add_segment`` takes for one segment, offsets in the whole file."""

    text: str
    offset: int
    source: str
    unit_id: str
    char_map: Sequence[int] | None
    source_edges: tuple[str, str] = ("", "")
    target_edges: tuple[str, str] = ("", "")


def fields_of(unit: Unit, window: Window) -> SegmentFields | None:
    """The segment a unit gives (as ``formats.bilingual_document`` adds it), or None for an empty target."""
    found = segment_fields(unit, window.slice)
    return None if found is None else SegmentFields(*found, *unit_edges(unit))


class PartCutter:
    """Part Documents from segments in file order, cut as ``document.cut`` cuts the whole-file Document."""

    def __init__(self, path: str, fmt: str, window: Window, size: int | None = None) -> None:
        from tqcheck.core.document import PART_SEGMENTS, WHOLE_SEGMENTS

        self.path, self.fmt, self.window = path, fmt, window
        self.source_language = ""
        self.target_language = ""  # as the file declares it (XLIFF target-language, TMX English xml:lang)
        #: the first part holds up to WHOLE_SEGMENTS + 1 segments until the file is known to be longer
        self.size = size or PART_SEGMENTS
        self.whole = None if size else WHOLE_SEGMENTS
        self.parts: list[list[SegmentFields]] = [[]]  # parts not handed on yet; the last one is filling
        self.starts = [0]  # absolute offset where each of those parts begins
        self.index = 0  # whole-file index of the first segment of parts[0]
        self.hold = False  # True while the parts must wait (e.g. for the source language)
        #: unit id -> inline markup codes of the units read and not handed on (Document.markup of the parts)
        self.markup: dict[str, tuple[list[str], list[str]]] = {}

    def add(self, fields: SegmentFields) -> Iterator[Document]:
        """Take the next segment; yields the parts that are complete."""
        if self.whole is None and len(self.parts[-1]) >= self.size:
            self.parts.append([])
            self.starts.append(self.window.line_start(self.window.line_of(fields.offset)))
        self.parts[-1].append(fields)
        if self.whole is not None and len(self.parts[0]) > self.whole:  # longer than WHOLE_SEGMENTS: cut it
            first = self.parts[0]
            self.parts = [first[i:i + self.size] for i in range(0, len(first), self.size)]
            self.starts = [self.starts[0]] + [self.window.line_start(self.window.line_of(p[0].offset))
                                              for p in self.parts[1:]]
            self.whole = None
        yield from self.ready()

    def ready(self) -> Iterator[Document]:
        """The parts whose successor has begun (their text ends where it begins)."""
        while not self.hold and len(self.parts) > 1:
            yield self._part(self.parts[0], self.starts[0], self.starts[1])
        self.window.drop_before(self.starts[0])

    def finish(self) -> Iterator[Document]:
        """The remaining parts, the last ending at the end of the file."""
        self.hold = False
        yield from self.ready()
        if self.parts[0] or self.index == 0:
            yield self._part(self.parts[0], self.starts[0], self.window.end)

    def _part(self, fields: list[SegmentFields], start: int, end: int) -> Document:
        document = Document(path=self.path, text=self.window.slice(start, end), format=self.fmt,
                            source_language=self.source_language, target_language=self.target_language,
                            origin=start,
                            first_line=self.window.line_of(start))
        for item in fields:
            segment = document.add_segment(item.text, item.offset, paragraph=self.index, source=item.source,
                                           unit_id=item.unit_id, char_map=item.char_map,
                                           source_edges=item.source_edges, target_edges=item.target_edges)
            document.segments[-1] = replace(segment, index=self.index)
            self.index += 1
        later = {f.unit_id for part in self.parts[1:] for f in part}
        document.markup = {f.unit_id: self.markup[f.unit_id] for f in fields if f.unit_id in self.markup}
        self.markup = {k: v for k, v in self.markup.items() if k in later}
        self.parts.pop(0)
        self.starts.pop(0)
        if not self.parts:
            self.parts, self.starts = [[]], [end]
        return document


__all__ = ["XmlStream", "Window", "PartCutter", "SegmentFields", "fields_of", "head_text", "CHUNK"]
