"""Applying suggestions to the checked files (``tqcheck check --fix`` / ``--diff`` / ``tqcheck review``).

A finding is fixed automatically only when it is unambiguous: its rule declares itself
``fixable`` in the registry and the finding has exactly one suggestion. Every file is
rewritten from its original bytes, so its encoding, BOM, line endings and Markdown markup
stay as they were:

- text, Markdown, SRT and TSV/CSV: the matched characters are replaced in the original text
  (a span that crosses markup, an escape or a quoted field is left alone);
- PO, XLIFF and TMX: the unit's target is changed through translate-toolkit, which read it,
  and the store is written back by translate-toolkit (inline markup of the target is kept: the
  text node holding the span is edited).

Nothing here writes until ``write_fixes``; a ``FileFix`` holds the old and new bytes (for
``--diff``) and what was applied and what was left, with the reason.
"""

from __future__ import annotations

import codecs
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from tqcheck.core.document import Document, Segment
from tqcheck.core.errors import InputError
from tqcheck.core.finding import Finding

if TYPE_CHECKING:
    from tqcheck.output.report import Report
    from tqcheck.checks.catalog import RuleRegistry

#: Formats fixed by replacing characters of the original text.
TEXT_FORMATS = ("text", "markdown", "srt", "table")
#: Formats fixed through translate-toolkit.
STORE_FORMATS = ("po", "xliff", "tmx")


@dataclass(frozen=True)
class Edit:
    """Replace the span of ``finding`` with ``replacement``."""

    finding: Finding
    replacement: str


@dataclass
class FileFix:
    """The fixes of one file: old and new bytes, edits applied, findings left (with why)."""

    path: str
    old: bytes = b""
    new: bytes = b""
    applied: list[Edit] = field(default_factory=list)
    left: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the file's bytes change."""
        return bool(self.applied) and self.new != self.old

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        if not self.changed:
            return ""
        old, new = (_text_of(self.old), _text_of(self.new))
        lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{self.path}", tofile=f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def why_not_fixable(finding: Finding, registry: "RuleRegistry") -> str:
    """Empty when ``finding`` can be fixed automatically, else the reason it cannot."""
    if not finding.suggestions:
        return "no suggestion"
    if not registry.fixable(finding.rule_id):
        return "rule not marked fixable (review it: tqcheck review FILE)"
    if len(finding.suggestions) != 1:
        return f"{len(finding.suggestions)} suggestions (choose one: tqcheck review FILE)"
    if finding.end <= finding.start:
        return "no span to replace"
    return ""


def plan_fixes(report: "Report", registry: "RuleRegistry") -> list[FileFix]:
    """For every file with a fixable finding: the new bytes with every unambiguous suggestion applied."""
    by_file: dict[str, list[Edit]] = {}
    left: dict[str, list[tuple[Finding, str]]] = {}
    for finding in report.findings:
        reason = why_not_fixable(finding, registry)
        if reason:
            if finding.suggestions:
                left.setdefault(finding.file, []).append((finding, reason))
            continue
        by_file.setdefault(finding.file, []).append(Edit(finding, finding.suggestions[0]))
    fixes = []
    documents = {d.path: d for d in report.documents}
    for path in sorted(set(by_file) | set(left)):
        edits = by_file.get(path, [])
        fix = apply_edits(documents[path], edits) if edits else FileFix(path)
        fix.left = left.get(path, []) + fix.left
        fixes.append(fix)
    return fixes


def apply_edits(document: Document, edits: Sequence[Edit]) -> FileFix:
    """The new bytes of ``document``'s file with ``edits`` applied (overlapping edits after the first are left)."""
    fix = FileFix(document.path)
    if document.path in ("-", "") or document.path.startswith("<"):
        fix.left = [(e.finding, "standard input cannot be fixed in place (use --diff)") for e in edits]
        return fix
    try:
        fix.old = Path(document.path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read for fixing: {exc.strerror or exc}", path=document.path) from None
    chosen: list[Edit] = []
    taken: list[tuple[int, int, int]] = []
    for edit in sorted(edits, key=lambda e: (e.finding.segment, e.finding.start, e.finding.end)):
        f = edit.finding
        if any(seg == f.segment and f.start < end and start < f.end for seg, start, end in taken):
            fix.left.append((f, "overlaps another fix"))
            continue
        taken.append((f.segment, f.start, f.end))
        chosen.append(edit)
    if document.format in STORE_FORMATS:
        fix.new, applied, left = _fix_store(document, fix.old, chosen)
    else:
        fix.new, applied, left = _fix_text(document, fix.old, chosen)
    fix.applied, fix.left = applied, fix.left + left
    return fix


# -- text formats: replace characters of the original text ---------------------------------------

@dataclass
class RawText:
    """A file's text as stored: BOM, codec, and the text with its own line endings."""

    bom: bytes
    codec: str
    text: str

    def encode(self, text: str) -> bytes:
        """``text`` in the file's codec, with its BOM."""
        if self.codec == "utf-16":
            codec = "utf-16-le" if self.bom == codecs.BOM_UTF16_LE else "utf-16-be"
            return self.bom + text.encode(codec)
        return self.bom + text.encode(self.codec)


def raw_text(raw: bytes) -> RawText:
    """The text of a file as tqcheck.readers.inputs.decode reads it, but with its line endings kept."""
    if raw.startswith(codecs.BOM_UTF8):
        return RawText(codecs.BOM_UTF8, "utf-8", raw[3:].decode("utf-8"))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return RawText(bom, "utf-16", raw[2:].decode(codec))
    return RawText(b"", "utf-8", raw.decode("utf-8"))


def normalised_offsets(text: str) -> list[int]:
    """For each character of ``text`` with CRLF and CR read as LF: its offset in ``text`` (plus the end)."""
    offsets = []
    i = 0
    while i < len(text):
        offsets.append(i)
        i += 2 if text.startswith("\r\n", i) else 1
    offsets.append(len(text))
    return offsets


def original_span(segment: Segment, start: int, end: int) -> tuple[int, int] | None:
    """The span [start, end) of the segment's text in the document's text, when it is contiguous there."""
    first = segment.original_offset(start)
    last = segment.original_offset(end - 1) + 1
    if segment.char_map is not None and last - first != end - start:
        return None
    return first, last


def _fix_text(document: Document, raw: bytes, edits: Sequence[Edit]) -> tuple[bytes, list[Edit], list]:
    stored = raw_text(raw)
    where = normalised_offsets(stored.text)
    normalised = stored.text.replace("\r\n", "\n").replace("\r", "\n")
    if normalised != document.text:
        return raw, [], [(e.finding, "the file changed since it was checked") for e in edits]
    applied, left, spans = [], [], []
    for edit in edits:
        f = edit.finding
        span = original_span(document.segments[f.segment], f.start, f.end)
        if span is None or document.text[span[0]:span[1]] != f.matched:
            left.append((f, "the span crosses markup or an escape"))
            continue
        if document.format == "table" and any(c in edit.replacement for c in "\t\n\r\",;"):
            left.append((f, "the suggestion holds a delimiter or quote"))
            continue
        spans.append((where[span[0]], where[span[1]], edit.replacement))
        applied.append(edit)
    text = stored.text
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return stored.encode(text), applied, left


# -- translate-toolkit stores: change the unit's target -------------------------------------------

def _fix_store(document: Document, raw: bytes, edits: Sequence[Edit]) -> tuple[bytes, list[Edit], list]:
    from tqcheck.readers.inputs import decode

    if decode(raw, document.path) != document.text:
        return raw, [], [(e.finding, "the file changed since it was checked") for e in edits]
    store = load_store(document)
    targets = {name: target for name, target in store_targets(document.format, store)}
    applied, left = [], []
    for edit in sorted(edits, key=lambda e: (e.finding.segment, -e.finding.start)):
        f = edit.finding
        segment = document.segments[f.segment]
        target = targets.get(segment.unit_id)
        if target is None:
            left.append((f, f"unit {segment.unit_id!r} not found again"))
            continue
        if not target.replace(segment, f.start, f.end, f.matched, edit.replacement):
            left.append((f, "the span crosses inline markup of the target"))
            continue
        applied.append(edit)
    if not applied:
        return raw, [], left
    return dump_store(document, store, raw), sorted(applied, key=lambda e: e.finding.sort_key), left


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


def dump_store(document: Document, store, raw: bytes) -> bytes:
    """The store's bytes, in the original file's encoding and BOM."""
    data = bytes(store)
    stored = raw_text(raw)
    if stored.codec == "utf-8" and not stored.bom:
        return data
    text = data.decode("utf-8")
    if document.format != "po" and stored.codec == "utf-16":
        from tqcheck.readers.units import XML_DECLARATION_RE

        head = XML_DECLARATION_RE.match(text)
        declared = XML_DECLARATION_RE.match(stored.text)
        if head is not None and declared is not None:
            text = text[:head.start(1)] + declared.group(1) + text[head.end(1):]
    if "\r\n" in stored.text and "\r\n" not in text:
        text = text.replace("\n", "\r\n")
    return stored.encode(text)


class PoTarget:
    """A PO unit's msgstr."""

    def __init__(self, unit) -> None:
        self.unit = unit

    def replace(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> bool:
        """Replace ``matched`` at [start, end) of the segment (the stripped target)."""
        target = str(self.unit.target or "")
        lead = len(target) - len(target.lstrip())
        if target[lead + start:lead + end] != matched:
            return False
        self.unit.target = target[:lead + start] + replacement + target[lead + end:]
        return True


class XmlTarget:
    """The target element of an XLIFF unit or TMX variant: its text nodes edited in place."""

    def __init__(self, element, plain: str) -> None:
        self.element = element
        self.plain = plain

    def nodes(self) -> list[tuple[object, str]]:
        """(owner, 'text' or 'tail') of every text node of the element, in order."""
        from tqcheck.readers.xliff import CODE_ELEMENTS

        found: list[tuple[object, str]] = [(self.element, "text")]

        def walk(element) -> None:
            for child in element:
                local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
                if local and local not in CODE_ELEMENTS:
                    found.append((child, "text"))
                    walk(child)
                found.append((child, "tail"))

        walk(self.element)
        return found

    def replace(self, segment: Segment, start: int, end: int, matched: str, replacement: str) -> bool:
        """Replace ``matched`` at [start, end) when it lies inside one text node."""
        lead = len(self.plain) - len(self.plain.lstrip())
        start, end = start + lead, end + lead
        if self.plain[start:end] != matched:
            return False
        position = 0
        joined = ""
        for owner, attr in self.nodes():
            value = getattr(owner, attr) or ""
            joined += value
            if position <= start and end <= position + len(value):
                at = start - position
                if value[at:at + len(matched)] != matched:
                    return False
                setattr(owner, attr, value[:at] + replacement + value[at + len(matched):])
                self.plain = self.plain[:start] + replacement + self.plain[end:]
                return True
            position += len(value)
        return False


def store_targets(fmt: str, store) -> Iterable[tuple[str, object]]:
    """(unit id as the reader names it, editable target) of every unit of a store."""
    if fmt == "po":
        for unit in store.units:
            if unit.isheader() or unit.isobsolete():
                continue
            context = unit.getcontext()
            yield (f"{context}|{unit.source}" if context else str(unit.source)), PoTarget(unit)
    elif fmt == "xliff":
        from tqcheck.readers.xliff import target_element, unit_name

        for unit in store.units:
            element = None if unit.isheader() else target_element(unit)
            if element is not None:
                yield unit_name(unit), XmlTarget(element, str(unit.target or ""))
    else:
        from tqcheck.readers.units import base_language
        from tqcheck.readers.tmx import XML_LANG, _seg, plain_text

        for position, unit in enumerate(store.units, start=1):
            english = next((tuv for tuv in unit.xmlelement.iter("{*}tuv", "tuv")
                            if base_language(tuv.get(XML_LANG) or tuv.get("lang") or "") == "en"), None)
            seg = _seg(english)
            if seg is not None:
                yield unit.xmlelement.get("tuid") or str(position), XmlTarget(seg, plain_text(seg))


# -- writing ------------------------------------------------------------------------------------

def write_fixes(fixes: Iterable[FileFix]) -> list[FileFix]:
    """Write every changed file atomically (temporary file and rename, permissions kept); returns them."""
    written = []
    for fix in fixes:
        if not fix.changed:
            continue
        path = Path(fix.path)
        if path.read_bytes() != fix.old:
            raise InputError("the file changed while it was being fixed; run again", path=fix.path)
        tmp = path.with_name(f".{path.name}.tqcheck-fix.tmp")
        try:
            tmp.write_bytes(fix.new)
            os.chmod(tmp, path.stat().st_mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(fix)
    return written


def _text_of(data: bytes) -> str:
    return raw_text(data).text if data else ""


__all__ = ["Edit", "FileFix", "plan_fixes", "apply_edits", "write_fixes", "why_not_fixable", "raw_text"]
