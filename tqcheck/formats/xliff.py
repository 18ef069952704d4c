"""XLIFF 1.2 and 2.0 (read with translate-toolkit): one segment per unit with a target."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tqcheck.document import Document
from tqcheck.errors import InputError
from tqcheck.formats import (Unit, base_language, bilingual_document, element_unit, line_offsets,
                             require_english_target, setting, xml_bytes, xml_error)
from tqcheck.inputs import decode

if TYPE_CHECKING:
    from tqcheck.config import Settings

#: Inline elements whose content is native code, not text (XLIFF 1.2 and 2.0).
CODE_ELEMENTS = frozenset({"bpt", "ept", "ph", "it", "ut", "x", "bx", "ex", "sc", "ec", "cp"})
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
    data = xml_bytes(text)
    try:
        store = xliff2.Xliff2File.parsestring(data) if is_xliff2(text) else xliff.xlifffile.parsestring(data)
    except Exception as exc:  # lxml.etree.XMLSyntaxError, ValueError from translate-toolkit
        raise xml_error(path, exc) from None
    require_english_target(path, store.gettargetlanguage() or "", "target-language" if not is_xliff2(text)
                           else "trgLang")
    lines = line_offsets(text)
    units = []
    for unit in store.units:
        if unit.isheader():
            continue
        target = str(unit.target or "")
        element = target_element(unit)
        unit_id = unit_name(unit)
        if element is None:
            units.append(Unit(unit_id, str(unit.source or ""), target, 0))
            continue
        units.append(element_unit(text, lines, element, target, unit_id, str(unit.source or "")))
    language = base_language(store.getsourcelanguage() or "") or setting(settings, "source_language", "")
    document = bilingual_document(path, text, "xliff", units, source_language=language)
    ids = {segment.unit_id for segment in document.segments}
    document.markup = {k: v for k, v in store_codes(store).items() if k in ids}
    return document


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
    """Inline markup of a source or target element, as sorted ``name#id`` strings."""
    if element is None:
        return []
    codes = []
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        local = child.tag.rsplit("}", 1)[-1]
        if local in CODE_ELEMENTS or local in WRAP_ELEMENTS:
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
