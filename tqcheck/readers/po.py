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

#: The keywords that begin a message (``msgid``) and its translations (``msgstr``, ``msgstr[N]``), at a line start.
KEYWORD_RE = re.compile(r'^(msgid|msgstr(?:\[\d+\])?)[ \t]*"', re.MULTILINE)
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
    unclosed_string(path, text)
    messages = message_quotes(text)
    units = []
    position = 0
    for unit in store.units:
        if unit.isobsolete():
            continue
        source_quote, quote = messages[position] if position < len(messages) else (None, None)
        position += 1
        if unit.isheader():
            continue
        target = str(unit.target or "")
        source = str(unit.source or "")
        context = unit.getcontext()
        unit_id = f"{context}|{unit.source}" if context else str(unit.source)
        char_map = None
        if quote is not None:
            decoded, offsets, joined = po_strings(text, quote)
            if joined and not unit.hasplural():  # "a" "b" on one line: read as gettext reads it
                target = decoded
            char_map = offsets if decoded == target else None
        if source_quote is not None:
            decoded_source, _, joined = po_strings(text, source_quote)
            source = decoded_source if joined else source
        units.append(Unit(unit_id, source, target, quote if quote is not None else 0, char_map))
    language = setting(settings, "source_language", "") or base_language(_header_field(store, "X-Source-Language"))
    return bilingual_document(path, text, "po", units, source_language=language,
                              target_language=_header_field(store, "Language"))


#: A line holding a PO string: a keyword (or none, for a continuation line), then the opening quote.
STRING_LINE_RE = re.compile(r'[ \t]*(?:(?:msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)[ \t]*)?"')
#: A whole PO string from its opening quote: escapes (``\"``) inside, closed on the same line.
CLOSED_STRING = r'"(?:[^"\\\n]|\\.)*"'
#: The strings of one line (``"a" "b"``, which gettext joins), each closed.
STRINGS_RE = re.compile(CLOSED_STRING + r'(?:[ \t]*' + CLOSED_STRING + r')*')


def unclosed_string(path: str, text: str) -> None:
    """InputError at the first line whose string is not closed on that line (``msgstr "It said \"``: the last quote
    is escaped), as msgfmt refuses it ("end-of-line within string"); translate-toolkit would read on and give a
    text that is not the one in the file."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = STRING_LINE_RE.match(line)
        if found is None:
            continue
        closed = STRINGS_RE.match(line, found.end() - 1)
        if closed is None:
            raise InputError("malformed PO: the string is not closed on its line (end of line within the string)",
                             path=path, line=number, column=found.end())
        if line[closed.end():].strip():  # msgfmt: "syntax error"
            raise InputError(f"malformed PO: {line[closed.end():].strip()[:40]!r} after the closing quote",
                             path=path, line=number, column=closed.end() + 1)


def message_quotes(text: str) -> list[tuple[int, int | None]]:
    """For each message of a PO text (each ``msgid`` line, obsolete ``#~`` ones not counted), the offsets of the
    opening quotes of its ``msgid`` and of its first translation (``msgstr``, or the first ``msgstr[N]`` it has: a
    plural message may lack ``msgstr[0]``; None when it has none); one item per message, so a message without
    ``msgstr[0]`` never shifts the messages after it onto the wrong lines."""
    quotes: list[tuple[int, int | None]] = []
    for found in KEYWORD_RE.finditer(text):
        if found.group(1) == "msgid":
            quotes.append((found.end() - 1, None))
        elif quotes and quotes[-1][1] is None:
            quotes[-1] = (quotes[-1][0], found.end() - 1)
    return quotes


def _header_field(store, name: str) -> str:
    """A field of the PO header, or an empty string."""
    try:
        return str(store.parseheader().get(name, ""))
    except Exception:
        return ""


#: One character of a PO string as written: the character (an escape decoded), the offsets in the file of its first
#: character and past its last (an escape such as ``\\n`` spans two), and the number of the quoted string it is in.
PoChar = tuple[str, int, int, int]


def line_strings(text: str, quote: int, piece: int = 0) -> tuple[list[PoChar], int, int]:
    """The characters of the strings of one line, from the opening quote at ``quote`` (``"a " "b"``: gettext joins
    them), the strings numbered from ``piece``; the offset after the last closing quote (after the end of the line
    for a string not closed on it); and how many strings there were. The one PO string parser: the reader
    (``po_value``) and the fixes (``policy.fix_targets.po_entries``) read strings with it."""
    chars: list[PoChar] = []
    n = len(text)
    i = quote
    count = 0
    while True:
        number = piece + count
        count += 1
        i += 1
        while i < n and text[i] not in '"\n':
            if text[i] == "\\" and i + 1 < n:
                chars.append((ESCAPES.get(text[i + 1], text[i + 1]), i, i + 2, number))
                i += 2
                continue
            chars.append((text[i], i, i + 1, number))
            i += 1
        if i >= n or text[i] != '"':
            return chars, i + 1, count
        i += 1  # the closing quote
        more = i
        while more < n and text[more] in " \t":
            more += 1
        if more >= n or text[more] != '"':
            return chars, i, count
        i = more


def po_value(text: str, quote: int) -> tuple[list[PoChar], bool]:
    """The characters of the PO string whose opening quote is at ``quote``, its continuation lines joined (each
    ``PoChar``: the decoded character, its start and end offsets, its string's number), and whether two strings
    stand on one line (``msgstr "a" "b"``: gettext joins them, translate-toolkit reads ``a" "b``)."""
    chars: list[PoChar] = []
    joined = False
    n = len(text)
    strings = 0
    while True:
        found, i, count = line_strings(text, quote, strings)
        chars += found
        strings += count
        joined = joined or count > 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == "\n":
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == '"':
                quote = j
                continue
        return chars, joined


def po_strings(text: str, quote: int) -> tuple[str, list[int], bool]:
    """The decoded value of the PO string at ``quote`` (``po_value``), the offset of each of its characters, and
    whether two strings stand on one line."""
    chars, joined = po_value(text, quote)
    return "".join(c[0] for c in chars), [c[1] for c in chars], joined
