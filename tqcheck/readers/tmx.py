"""TMX translation memories (read with translate-toolkit): the English variant of each unit is checked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import (base_language, bilingual_document, element_unit, line_offsets, setting, xml_bytes,
                             xml_error)
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """A TMX file: for each ``<tu>``, the English ``<tuv>`` is the target, the header's srclang the source."""
    text = decode(raw, path)
    try:
        from translate.storage import tmx
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        raise InputError("reading TMX needs translate-toolkit: pip install translate-toolkit", path=path) from None
    try:
        store = tmx.tmxfile.parsestring(xml_bytes(text))
    except Exception as exc:
        raise xml_error(path, exc) from None
    configured = base_language(setting(settings, "source_language", ""))
    header_language = base_language(store.getsourcelanguage() or "")
    source_language = configured or (header_language if header_language not in ("", "*all*") else "")
    lines = line_offsets(text)
    units = []
    target_language = ""
    for position, unit in enumerate(store.units, start=1):
        target_language = target_language or english_code(unit.xmlelement)
        variants = {}
        for tuv in unit.xmlelement.iter("{*}tuv", "tuv"):
            language = base_language(tuv.get(XML_LANG) or tuv.get("lang") or "")
            variants.setdefault(language, tuv)
        if "en" not in variants:
            continue
        source_tuv = _source_variant(variants, source_language)
        if source_language == "" and source_tuv is not None:
            source_language = next(k for k, v in variants.items() if v is source_tuv)
        target_seg = _seg(variants["en"])
        if target_seg is None:
            continue
        unit_id = unit.xmlelement.get("tuid") or str(position)
        units.append(element_unit(text, lines, target_seg, plain_text(target_seg), unit_id,
                                  plain_text(_seg(source_tuv)) if source_tuv is not None else ""))
    if not units and store.units:
        raise InputError("no English (xml:lang=\"en...\") variant in any <tu>; tqcheck checks English targets",
                         path=path)
    document = bilingual_document(path, text, "tmx", units, source_language=source_language,
                                  target_language=target_language)
    ids = {segment.unit_id for segment in document.segments}
    document.markup = {k: v for k, v in store_codes(store, source_language).items() if k in ids}
    return document


def iter_parts(path: str, settings: "Settings | None" = None, size: int | None = None) -> Iterator[Document]:
    """A TMX file a part at a time, parsed incrementally (``readers.xmlstream``): the parts ``document.cut``
    (or ``Document.split(size)``) makes of the Document ``read`` gives, without holding the whole file."""
    from tqcheck.readers.xmlstream import PartCutter, XmlStream, fields_of

    configured = base_language(setting(settings, "source_language", ""))
    source_language = configured
    with open(path, "rb") as handle:
        stream = XmlStream(path, handle)
        cutter = PartCutter(path, "tmx", stream.window, size)
        cutter.hold = not source_language  # every part carries the language the whole file shows
        root = namespace = None
        position = english = 0
        for event, element in stream.events():
            if root is None:
                root, namespace = element, element.nsmap.get(None)
                if element.tag != _named(namespace, "tmx"):
                    raise InputError(f"malformed XML: the root element is <{_local(element.tag)}>, not <tmx>",
                                     path=path, line=element.sourceline)
                continue
            if event != "end":
                continue
            if element.tag == _named(namespace, "header") and element.getparent() is root and not configured:
                header_language = base_language(element.get("srclang") or "")
                source_language = header_language if header_language not in ("", "*all*") else ""
            if element.tag != _named(namespace, "tu"):
                continue
            position += 1
            cutter.target_language = cutter.target_language or english_code(element)
            unit, source_language = _unit(stream, element, position, source_language)
            codes = tu_codes(element, position, source_language)
            stream.forget(element)
            if source_language and cutter.hold:
                cutter.source_language, cutter.hold = source_language, False
            if unit is None:
                continue
            english += 1
            if codes is not None:
                cutter.markup[codes[0]] = codes[1]
            fields = fields_of(unit, stream.window)
            if fields is not None:
                yield from cutter.add(fields)
        if not english and position:
            raise InputError("no English (xml:lang=\"en...\") variant in any <tu>; tqcheck checks English targets",
                             path=path)
        cutter.source_language = source_language
        yield from cutter.finish()


def english_code(tu) -> str:
    """The ``xml:lang`` of the first English ``<tuv>`` of a ``<tu>`` as written (``en-GB``), or empty."""
    for tuv in tu.iter("{*}tuv", "tuv"):
        code = tuv.get(XML_LANG) or tuv.get("lang") or ""
        if base_language(code) == "en":
            return code
    return ""


def _unit(stream, tu, position: int, source_language: str):
    """(the Unit of a ``<tu>`` or None when it has no English ``<seg>``, the source language now known)."""
    variants = {}
    for tuv in tu.iter("{*}tuv", "tuv"):
        language = base_language(tuv.get(XML_LANG) or tuv.get("lang") or "")
        variants.setdefault(language, tuv)
    if "en" not in variants:
        return None, source_language
    source_tuv = _source_variant(variants, source_language)
    if source_language == "" and source_tuv is not None:
        source_language = next(k for k, v in variants.items() if v is source_tuv)
    target_seg = _seg(variants["en"])
    if target_seg is None:
        return None, source_language
    unit_id = tu.get("tuid") or str(position)
    return stream.element_unit(target_seg, plain_text(target_seg), unit_id,
                               plain_text(_seg(source_tuv)) if source_tuv is not None else ""), source_language


def _named(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


def _source_variant(variants: dict, language: str):
    """The ``<tuv>`` of ``language``, else the first non-English one, else None."""
    if language in variants:
        return variants[language]
    return next((v for k, v in variants.items() if k != "en"), None)


def _seg(tuv):
    """The ``<seg>`` element of a ``<tuv>``."""
    if tuv is None:
        return None
    for child in tuv:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "seg":
            return child
    return None


#: TMX inline elements whose content is native code (tags of the original format), not text.
CODE_ELEMENTS = frozenset({"bpt", "ept", "ph", "it", "ut"})


def plain_text(seg) -> str:
    """The text of a ``<seg>`` without its inline native codes."""
    if seg is None:
        return ""
    parts = [seg.text or ""]
    for child in seg:
        local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if local not in CODE_ELEMENTS and isinstance(child.tag, str):
            parts.append(plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def inline_codes(seg) -> list[str]:
    """The native codes of a ``<seg>`` (e.g. ``<b>``), sorted."""
    if seg is None:
        return []
    codes = []
    for child in seg.iter():
        local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if local in CODE_ELEMENTS:
            codes.append("".join(child.itertext()).strip() or f"<{local}>")
    return sorted(codes)


def unit_codes(document: Document) -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (native codes of the source, of the English target), re-read from the text."""
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsestring(xml_bytes(document.text))
    except Exception:
        return {}
    return store_codes(store, document.source_language)


def store_codes(store, source_language: str) -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (native codes of the source, of the English target) of every unit of a parsed TMX."""
    result = {}
    for position, unit in enumerate(store.units, start=1):
        codes = tu_codes(unit.xmlelement, position, source_language)
        if codes is not None:
            result[codes[0]] = codes[1]
    return result


def tu_codes(tu, position: int, source_language: str) -> tuple[str, tuple[list[str], list[str]]] | None:
    """(unit id, (native codes of the source, of the English target)) of a ``<tu>``; None without English."""
    variants = {}
    for tuv in tu.iter("{*}tuv", "tuv"):
        variants.setdefault(base_language(tuv.get(XML_LANG) or tuv.get("lang") or ""), tuv)
    if "en" not in variants:
        return None
    source = _source_variant(variants, source_language)
    return tu.get("tuid") or str(position), (inline_codes(_seg(source)), inline_codes(_seg(variants["en"])))
