"""TMX translation memories (read with translate-toolkit): the English target variant of each unit is checked,
chosen as a CAT tool chooses it (``choose_variants``: the English ``<tuv>`` that is not the ``srclang`` one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import (NATIVE_CODE_ELEMENTS, base_language, bilingual_document, declared_entities,
                             element_unit, line_offsets, setting, xml_bytes, xml_error)
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """A TMX file: for each ``<tu>``, the English ``<tuv>`` that is not its source is the target, the ``<tuv>`` of
    the tu's or header's srclang the source (``choose_variants``)."""
    text = decode(raw, path)
    try:
        from translate.storage import tmx
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        raise InputError("reading TMX needs translate-toolkit: pip install translate-toolkit", path=path) from None
    entities = declared_entities(path, text)  # before the parser expands them (an expansion bomb is refused)
    try:
        store = tmx.tmxfile.parsestring(xml_bytes(text))
    except Exception as exc:
        raise xml_error(path, exc) from None
    if entities is not None:
        entities.refuse_external(store.document.getroot())
    configured = base_language(setting(settings, "source_language", ""))
    srclang = header_srclang(store.document.getroot())
    header_language = base_language(srclang)
    source_language = configured or (header_language if header_language not in ("", "*all*") else "")
    lines = line_offsets(text)
    units = []
    target_language = ""
    english = False
    for position, unit in enumerate(store.units, start=1):
        source_tuv, target_tuv = choose_variants(unit.xmlelement, srclang, source_language)
        english = english or any(_is_english(t) for t in _tuvs(unit.xmlelement))
        if target_tuv is None:
            continue
        target_language = target_language or _code(target_tuv)
        if source_language == "" and source_tuv is not None:
            source_language = base_language(_code(source_tuv))
        target_seg = _seg(target_tuv)
        if target_seg is None:
            continue
        unit_id = unit.xmlelement.get("tuid") or str(position)
        units.append(element_unit(text, lines, target_seg, plain_text(target_seg, entities), unit_id,
                                  plain_text(_seg(source_tuv), entities) if source_tuv is not None else "", entities))
    if not units and store.units:
        raise InputError(no_english_message(english, srclang), path=path)
    document = bilingual_document(path, text, "tmx", units, source_language=source_language,
                                  target_language=target_language)
    ids = {segment.unit_id for segment in document.segments}
    document.markup = {k: v for k, v in store_codes(store, source_language, srclang).items() if k in ids}
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
        srclang = ""
        any_english = False
        for event, element in stream.events():
            if root is None:
                root, namespace = element, element.nsmap.get(None)
                if element.tag != _named(namespace, "tmx"):
                    raise InputError(f"malformed XML: the root element is <{_local(element.tag)}>, not <tmx>",
                                     path=path, line=element.sourceline)
                continue
            if event != "end":
                continue
            if element.tag == _named(namespace, "header") and element.getparent() is root:
                srclang = (element.get("srclang") or "").strip()
                header_language = base_language(srclang)
                if not configured:
                    source_language = header_language if header_language not in ("", "*all*") else ""
            if element.tag != _named(namespace, "tu"):
                continue
            position += 1
            any_english = any_english or any(_is_english(t) for t in _tuvs(element))
            unit, source_language, code = _unit(stream, element, position, source_language, srclang)
            cutter.target_language = cutter.target_language or code
            codes = tu_codes(element, position, source_language, srclang)
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
            raise InputError(no_english_message(any_english, srclang), path=path)
        cutter.source_language = source_language
        yield from cutter.finish()


def header_srclang(root) -> str:
    """The ``srclang`` of the ``<header>`` of a TMX root element, as written (empty when absent)."""
    for header in root.iter("{*}header", "header"):
        return (header.get("srclang") or "").strip()
    return ""


def _tuvs(tu) -> list:
    return list(tu.iter("{*}tuv", "tuv"))


def _code(tuv) -> str:
    """The language of a ``<tuv>`` as written (``xml:lang``, or TMX 1.1's ``lang``)."""
    return (tuv.get(XML_LANG) or tuv.get("lang") or "").strip()


def _same_language(code: str, other: str) -> bool:
    """Whether two language tags are the same (case, ``_`` for ``-`` ignored)."""
    return bool(code) and code.lower().replace("_", "-") == other.lower().replace("_", "-")


def _is_english(tuv) -> bool:
    return base_language(_code(tuv)) == "en"


def choose_variants(tu, srclang: str = "", source_language: str = ""):
    """(source ``<tuv>`` or None, English target ``<tuv>`` or None) of a ``<tu>``, as a CAT tool chooses them.

    The source language is the ``<tu>``'s ``srclang``, else the header's (``srclang``, as written, e.g.
    ``en-US``), else ``source_language`` (a base language: the configured one or the one found so far);
    ``*all*`` names none; a configured source language that differs wins. The source is the ``<tuv>`` of exactly
    that language, else the first of its base language, else (none found) the first non-English ``<tuv>``. The target is the first English
    ``<tuv>`` that is not the source: with ``srclang="en-US"`` and variants ``en-US`` and ``en-GB``, ``en-GB``.
    When the only English variant is the source (an English-to-German memory) there is no English target. When
    no source is found and every variant is English, the first is the source, the next the target.
    """
    tuvs = _tuvs(tu)
    declared = (tu.get("srclang") or srclang or "").strip()
    if declared.lower() == "*all*":
        declared = ""
    source = None
    if declared and (not source_language or base_language(declared) == source_language):
        source = next((t for t in tuvs if _same_language(_code(t), declared)), None)
        if source is None:
            source = next((t for t in tuvs if base_language(_code(t)) == base_language(declared)), None)
    elif source_language:  # configured, and not the declared one: the configuration wins
        source = next((t for t in tuvs if base_language(_code(t)) == source_language), None)
    if source is None:
        source = next((t for t in tuvs if not _is_english(t)), None)
        if source is None and sum(1 for t in tuvs if _is_english(t)) >= 2:
            source = next(t for t in tuvs if _is_english(t))
    target = next((t for t in tuvs if t is not source and _is_english(t)), None)
    return source, target


def no_english_message(english: bool, srclang: str) -> str:
    """The error for a TMX file none of whose units has an English target (``english``: some unit has an English
    variant, which is then its source)."""
    if english:
        return (f"no English target variant in any <tu>: the English variants are the source (srclang "
                f"{srclang!r}); tqcheck checks English targets")
    return "no English (xml:lang=\"en...\") variant in any <tu>; tqcheck checks English targets"


def _unit(stream, tu, position: int, source_language: str, srclang: str = ""):
    """(the Unit of a ``<tu>`` or None when it has no English target ``<seg>``, the source language now known,
    the target's language as written)."""
    source_tuv, target_tuv = choose_variants(tu, srclang, source_language)
    if target_tuv is None:
        return None, source_language, ""
    if source_language == "" and source_tuv is not None:
        source_language = base_language(_code(source_tuv))
    target_seg = _seg(target_tuv)
    if target_seg is None:
        return None, source_language, _code(target_tuv)
    unit_id = tu.get("tuid") or str(position)
    return (stream.element_unit(target_seg, plain_text(target_seg, stream.entities), unit_id,
                                plain_text(_seg(source_tuv), stream.entities) if source_tuv is not None else ""),
            source_language, _code(target_tuv))


def _named(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


def _seg(tuv):
    """The ``<seg>`` element of a ``<tuv>``."""
    if tuv is None:
        return None
    for child in tuv:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "seg":
            return child
    return None


def plain_text(seg, entities=None) -> str:
    """The text of a ``<seg>`` without its inline native codes; an entity reference is the text ``entities`` (the
    file's ``readers.units.DeclaredEntities``) gives it (none: left out, as lxml leaves its text)."""
    if seg is None:
        return ""
    from lxml import etree

    parts = [seg.text or ""]
    for child in seg:
        local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if local not in NATIVE_CODE_ELEMENTS and isinstance(child.tag, str):
            parts.append(plain_text(child, entities))
        elif child.tag is etree.Entity and entities is not None:
            parts.append(entities.text(child.name) or "")
        parts.append(child.tail or "")
    return "".join(parts)


def inline_codes(seg) -> list[str]:
    """The native codes of a ``<seg>`` (e.g. ``<b>``), sorted."""
    if seg is None:
        return []
    codes = []
    for child in seg.iter():
        local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if local in NATIVE_CODE_ELEMENTS:
            codes.append("".join(child.itertext()).strip() or f"<{local}>")
    return sorted(codes)


def unit_codes(document: Document) -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (native codes of the source, of the English target), re-read from the text."""
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsestring(xml_bytes(document.text))
    except Exception:
        return {}
    return store_codes(store, document.source_language, header_srclang(store.document.getroot()))


def store_codes(store, source_language: str, srclang: str = "") -> dict[str, tuple[list[str], list[str]]]:
    """Unit id -> (native codes of the source, of the English target) of every unit of a parsed TMX."""
    result = {}
    for position, unit in enumerate(store.units, start=1):
        codes = tu_codes(unit.xmlelement, position, source_language, srclang)
        if codes is not None:
            result[codes[0]] = codes[1]
    return result


def tu_codes(tu, position: int, source_language: str, srclang: str = ""
             ) -> tuple[str, tuple[list[str], list[str]]] | None:
    """(unit id, (native codes of the source, of the English target)) of a ``<tu>``; None without an English
    target."""
    source, target = choose_variants(tu, srclang, source_language)
    if target is None:
        return None
    return tu.get("tuid") or str(position), (inline_codes(_seg(source)), inline_codes(_seg(target)))
