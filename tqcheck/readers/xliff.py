"""XLIFF 1.2 and 2.0 (read with translate-toolkit): one segment per unit with a target."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import (INLINE_CODE_ELEMENTS, NATIVE_CODE_ELEMENTS, Unit, base_language, bilingual_document,
                             declared_entities, element_unit, line_offsets, require_english_target, setting, xml_bytes,
                             xml_error)
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

#: Inline elements that wrap text (their content is translatable).
WRAP_ELEMENTS = frozenset({"g", "pc", "mrk", "sub", "sm", "em"})


def is_xliff2(text: str) -> bool:
    """Whether the file declares XLIFF 2.x."""
    head = text[:2000]
    return bool(re.search(r"<xliff\b[^>]*\bversion\s*=\s*[\"']2\.", head)
                or "urn:oasis:names:tc:xliff:document:2" in head)


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """An XLIFF file: each trans-unit (1.2) or segment (2.0) with a target becomes a segment."""
    text = decode(raw, path)
    try:
        from translate.storage import xliff, xliff2
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        raise InputError("reading XLIFF needs translate-toolkit: pip install translate-toolkit", path=path) from None
    entities = declared_entities(path, text)  # before the parser expands them (an expansion bomb is refused)
    data = xml_bytes(text)
    try:
        store = xliff2.Xliff2File.parsestring(data) if is_xliff2(text) else xliff.xlifffile.parsestring(data)
    except Exception as exc:  # lxml.etree.XMLSyntaxError, ValueError from translate-toolkit
        raise xml_error(path, exc) from None
    if entities is not None:
        entities.refuse_external(store.document.getroot())
    require_english_target(path, store.gettargetlanguage() or "", "target-language" if not is_xliff2(text)
                           else "trgLang")
    lines = line_offsets(text)
    units = []
    for unit in store.units:
        if unit.isheader():
            continue
        drop_tracked_deletions(unit.xmlelement)
        drop_code_content(unit.xmlelement)
        target = str(unit.target or "")
        element = target_element(unit)
        unit_id = unit_name(unit)
        if element is None:
            units.append(Unit(unit_id, str(unit.source or ""), target, 0))
            continue
        units.append(element_unit(text, lines, element, target, unit_id, str(unit.source or ""), entities))
    language = base_language(store.getsourcelanguage() or "") or setting(settings, "source_language", "")
    document = bilingual_document(path, text, "xliff", units, source_language=language,
                                  target_language=store.gettargetlanguage() or "")
    ids = {segment.unit_id for segment in document.segments}
    document.markup = {k: v for k, v in store_codes(store).items() if k in ids}
    return document


#: The namespaces of XLIFF 1.x start with this (translate-toolkit's xlifffile.unversioned_namespace).
XLIFF_NAMESPACE = "urn:oasis:names:tc:xliff:document:"


def iter_parts(path: str, settings: "Settings | None" = None, size: int | None = None) -> Iterator[Document]:
    """An XLIFF file a part at a time, parsed incrementally (``readers.xmlstream``): the parts ``document.cut``
    (or ``Document.split(size)``) makes of the Document ``read`` gives, without holding the whole file.

    Units are read with translate-toolkit's own unit classes, as ``read`` reads them. A PO-XLIFF file (a gettext
    header unit, or ``datatype="po"``), which translate-toolkit reads another way, is read whole and then cut.
    """
    from tqcheck.readers.xmlstream import PartCutter, XmlStream, head_text
    from tqcheck.core.document import cut

    try:
        from translate.storage import xliff, xliff2
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        raise InputError("reading XLIFF needs translate-toolkit: pip install translate-toolkit", path=path) from None
    version2 = is_xliff2(head_text(path, 2000))
    unit_class = xliff2.Xliff2Unit if version2 else xliff.xliffunit
    with open(path, "rb") as handle:
        stream = XmlStream(path, handle)
        cutter = PartCutter(path, "xliff", stream.window, size)
        root = namespace = first_file = None
        first_unit = True
        for event, element in stream.events():
            if root is None:
                root = element
                namespace = _store_namespace(path, root, version2)
                if version2:
                    require_english_target(path, root.get("trgLang") or "", "trgLang")
                    cutter.target_language = root.get("trgLang") or ""
                    cutter.source_language = (base_language(root.get("srcLang", "en") or "")
                                              or setting(settings, "source_language", ""))
                continue
            if event == "start":
                if first_file is None and not version2 and element.getparent() is root \
                        and element.tag == _named(namespace, "file"):
                    first_file = element
                    if element.get("datatype") == "po" and (element.get("original") or "NoName") != "NoName":
                        break  # PO-XLIFF
                    require_english_target(path, element.get("target-language") or "", "target-language")
                    cutter.target_language = element.get("target-language") or ""
                    cutter.source_language = (base_language(element.get("source-language") or "")
                                              or setting(settings, "source_language", ""))
                continue
            if version2 and element.tag == _named(namespace, "unit"):
                stream.forget(element)  # its segments are read (a segment's placeholders refer to its unit)
                continue
            if element.tag != _named(namespace, unit_class.rootNode):
                continue
            unit = unit_class.createfromxmlElement(element)
            unit.namespace = namespace
            if first_unit:
                first_unit = False
                if not version2 and "gettext-domain-header" in (unit.getrestype() or ""):
                    break  # PO-XLIFF
            found = _unit(stream, unit)
            if not version2:
                stream.forget(element)
            if found is None:
                continue
            codes, fields = found
            cutter.markup[fields.unit_id] = codes
            yield from cutter.add(fields)
        else:
            if root is not None and not version2 and first_file is None:
                raise InputError("malformed XML: no <file> element", path=path)
            yield from cutter.finish()
            return
    from tqcheck.readers.inputs import read_raw

    yield from cut(read(path, read_raw(path), settings), size)


def _store_namespace(path: str, root, version2: bool) -> str:
    """The namespace translate-toolkit reads an XLIFF root with (its version checked as it checks it)."""
    version = root.get("version", "")
    default = root.nsmap.get(None, "") or ""
    if version2:
        if (version and not version.startswith("2.")) or (not version and default and ":1." in default):
            raise InputError(f"malformed XML: This file appears to be XLIFF 1.x (version={version!r})", path=path)
        namespace = root.nsmap.get(None, "urn:oasis:names:tc:xliff:document:2.0") or ""
    else:
        if version.startswith("2.") or (not version and default and ":2." in default):
            raise InputError(f"malformed XML: This file appears to be XLIFF 2.x (version={version!r})", path=path)
        namespace = next((ns for ns in root.nsmap.values() if ns and ns.startswith(XLIFF_NAMESPACE)), default)
    if root.tag != _named(namespace, "xliff"):
        raise InputError(f"malformed XML: the root element is <{root.tag.rsplit('}', 1)[-1]}>, not <xliff>",
                         path=path, line=root.sourceline)
    return namespace


def _named(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _unit(stream, unit):
    """(inline codes, segment fields) of a unit as ``read`` takes it, or None (a header, an empty target)."""
    from tqcheck.readers.xmlstream import fields_of

    if unit.isheader():
        return None
    drop_tracked_deletions(unit.xmlelement)
    drop_code_content(unit.xmlelement)
    target = str(unit.target or "")
    element = target_element(unit)
    unit_id = unit_name(unit)
    source = str(unit.source or "")
    if element is None:
        found = Unit(unit_id, source, target, 0)
    else:
        found = stream.element_unit(element, target, unit_id, source)
    fields = fields_of(found, stream.window)
    if fields is None:
        return None
    return (inline_codes(source_element(unit)), inline_codes(element)), fields


#: Trados ``<mrk mtype>`` values that mark revisions and comments (``x-sdl-added``, ``x-sdl-deleted``,
#: ``x-sdl-comment``…): Studio's annotations of the text, not inline markup of the document.
TRADOS_ANNOTATION = "x-sdl-"


def drop_tracked_deletions(element) -> None:
    """Remove from a unit's lxml element the Trados tracked deletions (``<mrk mtype="x-sdl-deleted">``, text deleted
    with track changes on, not part of the translation), their tails kept in place; tracked additions
    (``x-sdl-added``) are text of the translation and stay."""
    deleted = [m for m in element.iter("{*}mrk", "mrk") if m.get("mtype") == "x-sdl-deleted"]
    for mark in deleted:
        parent = mark.getparent()
        if parent is None or any(mark in d.iterancestors() for d in deleted if d is not mark):
            continue
        tail = mark.tail or ""
        previous = mark.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(mark)


def drop_code_content(element) -> None:
    """Empty the inline native codes of a unit's lxml element (``<bpt>&lt;b&gt;</bpt>`` -> ``<bpt/>``, the element
    and its tail kept): their content is code of the original format, not text to check (as the TMX reader reads
    ``<seg>``, and as a CAT tool shows a tag); the markup comparison (``inline_codes``) still sees the element."""
    codes = [c for c in element.iter() if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] in NATIVE_CODE_ELEMENTS]
    for code in codes:
        if code.text or len(code):
            code.text = None
            for child in list(code):
                code.remove(child)


def unit_name(unit) -> str:
    """The id a translator sees: the unit's ``id`` attribute (``resname`` when it has no id)."""
    element = unit.xmlelement
    own = element.get("id") or element.get("resname")
    if element.tag.endswith("}segment"):
        parent = element.getparent()
        parent_id = parent.get("id") if parent is not None else ""
        return f"{parent_id}/{own}" if own and parent_id else (parent_id or own or "")
    return own or str(unit.getid()).split("\x04")[-1]


def target_element(unit):
    """The lxml ``<target>`` element of a unit, or None."""
    for child in unit.xmlelement:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "target":
            return child
    return None


def source_element(unit):
    """The lxml ``<source>`` element of a unit, or None."""
    for child in unit.xmlelement:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "source":
            return child
    return None


def inline_codes(element) -> list[str]:
    """Inline markup of a source or target element, as sorted ``name#id`` strings (segment markers left out)."""
    if element is None:
        return []
    codes = []
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        local = child.tag.rsplit("}", 1)[-1]
        if local == "mrk" and child.get("mtype") == "seg":
            continue  # XLIFF 1.2 segmentation (``<seg-source>`` and the target, never ``<source>``): not markup
        if local == "mrk" and (child.get("mtype") or "").startswith(TRADOS_ANNOTATION):
            continue  # a Trados revision or comment mark: an annotation of the text, not markup
        if local in INLINE_CODE_ELEMENTS or local in WRAP_ELEMENTS:
            ident = child.get("id") or child.get("rid") or child.get("startRef") or ""
            codes.append(f"<{local}{' id=' + ident if ident else ''}>")
    return sorted(codes)


def unit_codes(document: Document) -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (inline codes of the source, of the target), re-read from the document's text."""
    from translate.storage import xliff, xliff2

    data = xml_bytes(document.text)
    try:
        store = xliff2.Xliff2File.parsestring(data) if is_xliff2(document.text) else xliff.xlifffile.parsestring(data)
    except Exception:
        return {}
    return store_codes(store)


def store_codes(store) -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (inline codes of the source, of the target) of every unit of a parsed XLIFF."""
    return {unit_name(u): (inline_codes(source_element(u)), inline_codes(target_element(u)))
            for u in store.units if not u.isheader()}
