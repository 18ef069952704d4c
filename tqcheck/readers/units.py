"""Bilingual file formats: each unit's translation becomes a segment beside its source.

Readers live in one small module per format (``xliff``, ``po``, ``tmx``, ``table``,
``srt``), each with ``read(path, raw, settings=None) -> Document``. They share the
helpers here: building the Document, mapping the characters of a unit's text back
to the original file, and naming languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from tqcheck.core.document import Document, whitespace_edges
from tqcheck.core.errors import InputError

if TYPE_CHECKING:
    from tqcheck.core.config import Settings


@dataclass
class Unit:
    """One translation unit as read from a file: id, source, target and where the target is."""

    unit_id: str
    source: str
    target: str
    offset: int
    char_map: Sequence[int] | None = None


def setting(settings: "Settings | None", name: str, default: Any) -> Any:
    """A settings value, or ``default`` when no settings were given."""
    if settings is None:
        return default
    try:
        return settings.get(name)
    except KeyError:
        return default


def unit_edges(unit: Unit) -> tuple[tuple[str, str], tuple[str, str]]:
    """The whitespace the segment of ``unit`` strips from the ends of its source and of its target, as
    ((leading, trailing) of the source, (leading, trailing) of the target): ``Segment.source_edges`` and
    ``target_edges``, compared by ``source.Whitespace``."""
    return whitespace_edges(unit.source), whitespace_edges(unit.target)


def bilingual_document(path: str, text: str, fmt: str, units: Iterable[Unit],
                       source_language: str = "", target_language: str = "", edges: bool = True) -> Document:
    """A Document with one segment per unit that has a non-empty target (``edges``: keep the whitespace
    stripped from both ends of source and target on the segment; False where the format's edges mean
    nothing, as between subtitle lines)."""
    document = Document(path=path, text=text, format=fmt, source_language=source_language,
                        target_language=target_language.strip())
    for unit in units:
        found = segment_fields(unit, lambda start, end: text[start:end])
        if found is not None:
            stripped, offset, source, unit_id, char_map = found
            source_edges, target_edges = unit_edges(unit) if edges else (("", ""), ("", ""))
            document.add_segment(stripped, offset, paragraph=len(document.segments), source=source,
                                 unit_id=unit_id, char_map=char_map, source_edges=source_edges,
                                 target_edges=target_edges)
    return document


def segment_fields(unit: Unit, text_at: Callable[[int, int], str]
                   ) -> tuple[str, int, str, str, Sequence[int] | None] | None:
    """(text, offset, source, unit id, char map or None) of the segment a unit gives, None for an empty target;
    ``text_at(start, end)`` is the file's text between two offsets."""
    target = unit.target
    if not target.strip():
        return None
    char_map = unit.char_map
    stripped = target.strip()
    lead = len(target) - len(target.lstrip())
    if char_map is not None and len(char_map) == len(target):
        char_map = char_map[lead:lead + len(stripped)]
    elif char_map is not None:
        char_map = None
    offset = char_map[0] if char_map else unit.offset
    from tqcheck.readers.inputs import ZERO_WIDTH_RE, without_zero_width

    source = unit.source.strip()
    if ZERO_WIDTH_RE.search(stripped):  # checked without them (tqcheck.HiddenCharacter reports them)
        visible = without_zero_width(stripped, char_map or range(offset, offset + len(stripped)))
        if visible is None or not visible[0].strip():
            return None
        stripped, char_map = visible
        source = ZERO_WIDTH_RE.sub("", source)
    contiguous = char_map is not None and text_at(offset, offset + len(stripped)) == stripped
    return stripped, offset, source, unit.unit_id, None if contiguous or not char_map else char_map


def line_offsets(text: str) -> list[int]:
    """Offset of the first character of every line (index 0 is line 1)."""
    return [0] + [m.end() for m in re.finditer("\n", text)]


def align(plain: str, chars: Sequence[tuple[str, int]]) -> list[int] | None:
    """Original offsets for each character of ``plain``, matched in order against ``chars``.

    ``chars`` are the visible characters of the original markup with their offsets.
    Whitespace may differ (normalised by the parser); other characters must appear in
    order. Returns None when ``plain`` cannot be aligned.
    """
    result: list[int] = []
    k = 0
    for ch in plain:
        j = k
        limit = min(len(chars), k + 200)
        while j < limit and chars[j][0] != ch and not (ch.isspace() and chars[j][0].isspace()):
            j += 1
        if j >= limit:
            if ch.isspace() and result:
                result.append(result[-1] + 1 if k >= len(chars) else chars[k][1])
                continue
            return None
        result.append(chars[j][1])
        k = j + 1
    return result


#: The five entities XML predefines.
ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
#: A character reference or an entity reference, as XML writes them (``&#65;``, ``&#x41;``, ``&name;``).
REFERENCE_RE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z_:][A-Za-z0-9._:\-]*));")
#: The character a reference tqcheck cannot decode stands for (a fix never writes over it).
UNDECODED = "\ufffd"


def xml_char_allowed(code: int) -> bool:
    """Whether ``code`` is a character XML 1.0 allows (``Char``): tab, line feed, carriage return, and
    U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF (never a surrogate, NUL or U+FFFE/U+FFFF)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def xml_reference(text: str, at: int) -> tuple[str | None, int] | None:
    """The reference starting at ``text[at]`` (an ``&``): (its character, the offset after its ``;``), the character
    None for a well-formed reference that is not decoded here (an entity declared in a DTD, a number that is not an
    XML character: out of range, a surrogate, NUL); None when no reference starts there (a literal ``&``). The one
    decoding of references for the readers and for the fixes (``policy.fix_targets``)."""
    found = REFERENCE_RE.match(text, at)
    if found is None:
        return None
    decimal, hexadecimal, name = found.groups()
    if name is not None:
        return ENTITIES.get(name), found.end()
    digits = (decimal or hexadecimal).lstrip("0") or "0"
    if len(digits) > 8:  # beyond U+10FFFF whatever the base (and never a 4,300-digit int)
        return None, found.end()
    code = int(digits, 10 if decimal is not None else 16)
    return (chr(code) if xml_char_allowed(code) else None), found.end()


def xml_content_chars(text: str, start: int) -> list[tuple[str, int]]:
    """Visible characters (and their offsets) of the XML element whose start tag begins at ``start``.

    Tags, comments and processing instructions are skipped; references become one
    character at the offset of their ``&`` (``xml_reference``; U+FFFD for one it does not decode); CDATA content
    is kept.
    """
    tag_close = end_of_tag(text, start)
    if tag_close < 0 or text[tag_close - 1] == "/":
        return []
    chars: list[tuple[str, int]] = []
    depth = 0
    i = tag_close + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            if text.startswith("<![CDATA[", i):
                close = text.find("]]>", i)
                close = n if close < 0 else close
                chars.extend((c, i + 9 + k) for k, c in enumerate(text[i + 9:close]))
                i = close + 3
                continue
            if text.startswith("<!--", i):
                close = text.find("-->", i)
                i = n if close < 0 else close + 3
                continue
            if text.startswith("<?", i):
                close = text.find("?>", i)
                i = n if close < 0 else close + 2
                continue
            tag_end = end_of_tag(text, i)
            if tag_end < 0:
                break
            if text[i + 1] == "/":
                if depth == 0:
                    break
                depth -= 1
            elif text[tag_end - 1] != "/":
                depth += 1
            i = tag_end + 1
            continue
        if ch == "&":
            reference = xml_reference(text, i)
            if reference is not None:
                value, i_next = reference
                chars.append((UNDECODED if value is None else value, i))
                i = i_next
                continue
        chars.append((ch, i))
        i += 1
    return chars


def end_of_tag(text: str, start: int) -> int:
    """Offset of the ``>`` closing the tag that starts at ``start`` (quotes respected), or -1."""
    quote = ""
    for i in range(start + 1, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return i
    return -1


def element_start(text: str, lines: list[int], element: Any) -> int:
    """Offset of the start tag of an lxml ``element`` in ``text`` (its line start when not found).

    lxml knows only an element's line, so when several elements of the same name start on that line
    (XLIFF 2.0 segments of one unit written on one line) the element's rank among them picks the tag.
    """
    line = max(1, element.sourceline or 1)
    base = lines[min(line, len(lines)) - 1]
    local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
    name = f"{element.prefix}:{local}" if element.prefix else local
    pattern = re.compile(r"<" + re.escape(name) + r"(?=[\s/>])")
    match = pattern.search(text, base)
    for _ in range(_rank_on_line(element)):
        if match is None:
            break
        match = pattern.search(text, match.end())
    return match.start() if match else base


#: The tree whose elements were last ranked, and its (tag, line) -> elements in document order.
_RANKED: dict[str, Any] = {}


def _rank_on_line(element: Any) -> int:
    """How many elements with the same tag start earlier on ``element``'s line."""
    root = element.getroottree().getroot()
    if _RANKED.get("root") is not root:
        index: dict[tuple[str, int], list[Any]] = {}
        for item in root.iter():
            if isinstance(item.tag, str):
                index.setdefault((item.tag, item.sourceline), []).append(item)
        _RANKED.clear()
        _RANKED.update(root=root, index=index)
    same = _RANKED["index"].get((element.tag, element.sourceline), ())
    return next((i for i, item in enumerate(same) if item is element), 0)


def xml_bytes(text: str) -> bytes:
    """``text`` (already decoded) as UTF-8 bytes for an XML parser, its declared encoding made UTF-8 too
    (a UTF-16 file declares ``encoding="UTF-16"``, which would no longer be true)."""
    head = XML_DECLARATION_RE.match(text)
    if head is not None:
        text = text[:head.start(1)] + "UTF-8" + text[head.end(1):]
    return text.encode("utf-8")


XML_DECLARATION_RE = re.compile(r"\A\ufeff?<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def element_unit(text: str, lines: list[int], element: Any, plain: str, unit_id: str, source: str) -> Unit:
    """A Unit whose target ``plain`` is the text of ``element``, mapped into ``text``."""
    start = element_start(text, lines, element)
    char_map = align(plain, xml_content_chars(text, start))
    return Unit(unit_id, source, plain, start, char_map)


def xml_error(path: str, exc: Exception) -> InputError:
    """An InputError for a parse error of an XML file, with its line when known."""
    line = getattr(exc, "lineno", None)
    message = str(exc)
    message = re.sub(r"\s*\(<string>, line \d+\)\s*$", "", message)
    if line is None:
        found = re.search(r"line (\d+)", message)
        line = int(found.group(1)) if found else None
    if len(message) > 300:
        message = message[:200] + " … " + message[-60:]
    return InputError(f"malformed XML: {message}", path=path, line=line)


#: Language names for messages (the common ones; others show their code).
LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "he": "Hebrew",
    "hi": "Hindi", "hu": "Hungarian", "it": "Italian", "ja": "Japanese", "km": "Khmer", "ko": "Korean",
    "ne": "Nepali", "nl": "Dutch", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "si": "Sinhala", "sk": "Slovak", "sv": "Swedish", "th": "Thai", "tr": "Turkish",
    "uk": "Ukrainian", "zh": "Chinese",
}


def base_language(code: str) -> str:
    """``de`` from ``de-DE``, ``de_DE`` or ``DE``."""
    return re.split(r"[-_@.]", code.strip().lower(), maxsplit=1)[0] if code else ""


#: Region codes that name a variant by another name than tqcheck's dialects (``en-UK`` is ``en-GB``).
REGION_ALIASES = {"UK": "GB"}


def english_variant(language: str) -> str:
    """The dialect (``en-GB``, ``en-US``, ... as in the ``dialect`` setting) a declared language names: ``en-GB``
    from ``en-GB``, ``en_gb`` or ``en-GB@x``; empty for ``en`` alone, another language or an unknown region."""
    from tqcheck.core.config import DIALECTS

    found = re.match(r"\s*en[-_]([A-Za-z]{2})\b", language or "", re.I)
    if not found:
        return ""
    region = found.group(1).upper()
    variant = f"en-{REGION_ALIASES.get(region, region)}"
    return variant if variant in DIALECTS else ""


def require_english_target(path: str, language: str, where: str) -> None:
    """InputError unless ``language`` (the file's declared target language) is empty or English."""
    code = base_language(language)
    if code and code != "en":
        name = LANGUAGE_NAMES.get(code, code)
        raise InputError(f"the translations are in {name} ({where} {language!r}); tqcheck checks English targets",
                         path=path)


def language_pair_from_name(path: str) -> tuple[str, str]:
    """(source, target) languages named in a file name like ``notes.de-en.tsv`` (empty when absent)."""
    stem = Path(path).name
    found = re.search(r"[._]([a-z]{2,3})[-_]([a-z]{2,3})\.[A-Za-z]+$", stem)
    return (found.group(1), found.group(2)) if found else ("", "")


__all__ = ["xml_reference", "xml_char_allowed", "UNDECODED", "Unit", "bilingual_document", "segment_fields", "unit_edges", "align", "xml_content_chars", "element_unit", "xml_error", "xml_bytes",
           "base_language", "language_pair_from_name", "require_english_target", "line_offsets", "setting", "LANGUAGE_NAMES"]
