"""Gettext PO/POT files (read with translate-toolkit): one segment per translated message."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import Unit, base_language, bilingual_document, require_english_target, setting
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

MSGSTR_RE = re.compile(r'^msgstr(?:\[0\])?[ \t]*"', re.MULTILINE)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """A PO file: every non-header, non-obsolete message with a msgstr becomes a segment."""
    text = decode(raw, path)
    try:
        from translate.storage import po
        from translate.storage.poparser import PoParseError
    except ImportError:  # pragma: no cover - a dependency of tqcheck
        raise InputError("reading PO needs translate-toolkit: pip install translate-toolkit", path=path) from None
    try:
        store = po.pofile.parsestring(text.encode("utf-8"))
    except PoParseError as exc:
        found = re.search(r"on line (\d+)", str(exc))
        message = re.sub(r"\s*on line \d+:?", ":", str(exc)).rstrip(":")
        raise InputError(f"malformed PO: {message}", path=path,
                         line=int(found.group(1)) if found else None) from None
    except Exception as exc:
        raise InputError(f"malformed PO: {exc}", path=path) from None
    require_english_target(path, _header_field(store, "Language"), "header Language")
    starts = [m.end() - 1 for m in MSGSTR_RE.finditer(text)]
    units = []
    position = 0
    for unit in store.units:
        if unit.isobsolete():
            continue
        quote = starts[position] if position < len(starts) else None
        position += 1
        if unit.isheader():
            continue
        target = str(unit.target or "")
        context = unit.getcontext()
        unit_id = f"{context}|{unit.source}" if context else str(unit.source)
        char_map = None
        if quote is not None:
            decoded, offsets = po_string(text, quote)
            char_map = offsets if decoded == target else None
        units.append(Unit(unit_id, str(unit.source or ""), target, quote if quote is not None else 0, char_map))
    language = setting(settings, "source_language", "") or base_language(_header_field(store, "X-Source-Language"))
    return bilingual_document(path, text, "po", units, source_language=language,
                              target_language=_header_field(store, "Language"))


def _header_field(store, name: str) -> str:
    """A field of the PO header, or an empty string."""
    try:
        return str(store.parseheader().get(name, ""))
    except Exception:
        return ""


def po_string(text: str, quote: int) -> tuple[str, list[int]]:
    """The decoded value of the quoted PO string starting at ``quote`` (continuation lines joined).

    Returns the text and the offset in ``text`` of each of its characters.
    """
    chars: list[str] = []
    offsets: list[int] = []
    i = quote
    n = len(text)
    while i < n and text[i] == '"':
        i += 1
        while i < n and text[i] != '"':
            if text[i] == "\\" and i + 1 < n:
                chars.append(ESCAPES.get(text[i + 1], text[i + 1]))
                offsets.append(i)
                i += 2
                continue
            if text[i] == "\n":
                break
            chars.append(text[i])
            offsets.append(i)
            i += 1
        i += 1  # closing quote
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == "\n":
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == '"':
                i = j
                continue
        break
    return "".join(chars), offsets
