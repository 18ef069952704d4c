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
#: An XML name (``Name``; letters of any script).
NAME = r"(?:[^\W\d]|:)[\w.:\-\u00b7]*"
#: A character reference or an entity reference, as XML writes them (``&#65;``, ``&#x41;``, ``&name;``).
REFERENCE_RE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(" + NAME + r"));")
#: The character a reference tqcheck cannot decode stands for (a fix never writes over it).
UNDECODED = "\ufffd"


def xml_char_allowed(code: int) -> bool:
    """Whether ``code`` is a character XML 1.0 allows (``Char``): tab, line feed, carriage return, and
    U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF (never a surrogate, NUL or U+FFFE/U+FFFF)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def xml_reference(text: str, at: int, entities: "DeclaredEntities | None" = None) -> tuple[str | None, int] | None:
    """The reference starting at ``text[at]`` (an ``&``): (its text, the offset after its ``;``), the text None for a
    well-formed reference that is not decoded here (an entity no internal DTD subset declares, an external one, a
    number that is not an XML character: out of range, a surrogate, NUL); None when no reference starts there (a
    literal ``&``). A character reference or a predefined entity is one character; an entity of ``entities`` (the
    file's internal DTD subset) is its text, of any length (empty too). The one decoding of references for the
    readers and for the fixes (``policy.fix_targets``)."""
    found = REFERENCE_RE.match(text, at)
    if found is None:
        return None
    decimal, hexadecimal, name = found.groups()
    if name is not None:
        if name in ENTITIES or entities is None:
            return ENTITIES.get(name), found.end()
        return entities.text(name), found.end()
    digits = (decimal or hexadecimal).lstrip("0") or "0"
    if len(digits) > 8:  # beyond U+10FFFF whatever the base (and never a 4,300-digit int)
        return None, found.end()
    code = int(digits, 10 if decimal is not None else 16)
    return (chr(code) if xml_char_allowed(code) else None), found.end()


#: Markup whose content is neither text nor tags: comments and processing instructions (opening, closing).
COMMENT_AND_PI = (("<!--", "-->"), ("<?", "?>"))


def skip_delimited(text: str, i: int, pairs: Sequence[tuple[str, str]] = COMMENT_AND_PI) -> int | None:
    """When one of ``pairs`` (opening, closing) opens at ``text[i]``: the offset after its closing, -1 when it
    never closes; None when none of them opens there."""
    for opening, closing in pairs:
        if text.startswith(opening, i):
            close = text.find(closing, i + len(opening))
            return -1 if close < 0 else close + len(closing)
    return None


def xml_content_chars(text: str, start: int, entities: "DeclaredEntities | None" = None) -> list[tuple[str, int]]:
    """Visible characters (and their offsets) of the XML element whose start tag begins at ``start``.

    Tags, comments, processing instructions, inline native codes (``<bpt>&lt;b&gt;</bpt>``) and Trados tracked
    deletions (``<mrk mtype="x-sdl-deleted">``) are skipped with their content; references become one
    character at the offset of their ``&`` (``xml_reference``; U+FFFD for one it does not decode), an entity the
    file's internal DTD subset declares (``entities``) its text, every character at the offset of the ``&``; CDATA
    content is kept.
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
            skipped = skip_delimited(text, i)
            if skipped is not None:
                i = n if skipped < 0 else skipped
                continue
            tag_end = end_of_tag(text, i)
            if tag_end < 0:
                break
            skipped = None if text[i + 1] == "/" else (tracked_deletion_end(text, i, tag_end)
                                                        or native_code_end(text, i, tag_end))
            if skipped is not None:  # a Trados tracked deletion, a native code: not text of the translation
                i = skipped
                continue
            if text[i + 1] == "/":
                if depth == 0:
                    break
                depth -= 1
            elif text[tag_end - 1] != "/":
                depth += 1
            i = tag_end + 1
            continue
        if ch == "&":
            reference = xml_reference(text, i, entities)
            if reference is not None:
                value, i_next = reference
                chars.extend((c, i) for c in (UNDECODED if value is None else value))
                i = i_next
                continue
        chars.append((ch, i))
        i += 1
    return chars


#: The start tag of a Trados tracked deletion (``<mrk mtype="x-sdl-deleted" sdl:revid=…>``): its text was deleted
#: with track changes on, so it is not part of the translation.
TRACKED_DELETION_RE = re.compile(r"<(?:[\w.\-]+:)?mrk\s[^>]*?\bmtype\s*=\s*[\"']x-sdl-deleted[\"']")


#: Inline elements whose content is native code, not text (XLIFF 1.2 and TMX: ``<bpt id="1">&lt;b&gt;</bpt>``).
NATIVE_CODE_ELEMENTS = frozenset({"bpt", "ept", "ph", "it", "ut"})
#: Every inline code element of XLIFF 1.2 and 2.0 and TMX: the native codes and the empty placeholders (XLIFF 1.2
#: ``<x>``, ``<bx>``, ``<ex>``; 2.0 ``<sc>``, ``<ec>``, ``<cp>``; 2.0's ``<ph>`` is empty too).
INLINE_CODE_ELEMENTS = NATIVE_CODE_ELEMENTS | {"x", "bx", "ex", "sc", "ec", "cp"}
#: The start tag of a native code element (NATIVE_CODE_ELEMENTS), with any namespace prefix.
NATIVE_CODE_RE = re.compile(r"<(?:[\w.\-]+:)?(?:" + "|".join(sorted(NATIVE_CODE_ELEMENTS)) + r")(?=[\s/>])")


def tracked_deletion_end(text: str, start: int, tag_end: int) -> int | None:
    """When the start tag at ``start`` (closed at ``tag_end``) opens a Trados tracked deletion, the offset after
    the element's end tag (the end of the text when it never closes); else None."""
    if not TRACKED_DELETION_RE.match(text[start:tag_end + 1]):
        return None
    return element_end(text, tag_end)


def native_code_end(text: str, start: int, tag_end: int) -> int | None:
    """When the start tag at ``start`` (closed at ``tag_end``) opens an inline native code (``NATIVE_CODE_RE``), the
    offset after the element's end tag; else None."""
    if not NATIVE_CODE_RE.match(text, start):
        return None
    return element_end(text, tag_end)


def element_end(text: str, tag_end: int) -> int:
    """The offset after the end tag of the element whose start tag closes at ``tag_end`` (the end of the text when
    it never closes; ``tag_end + 1`` for an empty element)."""
    if text[tag_end - 1] == "/":
        return tag_end + 1
    depth = 0
    i = tag_end + 1
    while True:
        i = text.find("<", i)
        if i < 0:
            return len(text)
        skipped = skip_delimited(text, i, (("<!--", "-->"), ("<![CDATA[", "]]>")))
        if skipped is not None:
            if skipped < 0:
                return len(text)
            i = skipped
            continue
        end = end_of_tag(text, i)
        if end < 0:
            return len(text)
        if text[i + 1] == "/":
            if depth == 0:
                return end + 1
            depth -= 1
        elif text[i + 1] not in "?!" and text[end - 1] != "/":
            depth += 1
        i = end + 1


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
    (XLIFF 2.0 segments of one unit written on one line, a whole file on one line) the element's rank among them
    picks the tag. The tags found on a line are kept, so the elements of a line are located in one pass over it
    (a 40 MB XLIFF file on one line took hours: each unit searched the line from its start again).
    """
    line = max(1, element.sourceline or 1)
    base = lines[min(line, len(lines)) - 1]
    local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
    name = f"{element.prefix}:{local}" if element.prefix else local
    rank = _rank_on_line(element)
    starts = tag_starts(_STARTS, text, name, base, rank)
    return starts[rank] if rank < len(starts) else base


#: The text whose start tags were last searched, and per (tag name, line start): [starts found, where to search on].
_STARTS: dict[str, Any] = {}


def tag_starts(cache: dict[str, Any], text: str, name: str, base: int, rank: int) -> list[int]:
    """Offsets of the first ``rank + 1`` start tags ``<name`` in ``text`` from ``base`` on (fewer when there are
    not that many), found once per text and kept in ``cache``."""
    if cache.get("text") is not text:
        cache.update(text=text, found={})
    found = cache["found"].setdefault((name, base), [[], base])
    starts, at = found
    if len(starts) <= rank and at is not None:
        pattern = re.compile(r"<" + re.escape(name) + r"(?=[\s/>])")
        while len(starts) <= rank:
            match = pattern.search(text, at)
            if match is None:
                at = None
                break
            starts.append(match.start())
            at = match.end()
        found[1] = at
    return starts


#: The tree whose elements were last ranked, and its element -> rank among the elements of its tag on its line.
_RANKED: dict[str, Any] = {}


def _rank_on_line(element: Any) -> int:
    """How many elements with the same tag start earlier on ``element``'s line."""
    root = element.getroottree().getroot()
    if _RANKED.get("root") is not root:
        counts: dict[tuple[str, int], int] = {}
        index: dict[Any, int] = {}
        for item in root.iter():
            if isinstance(item.tag, str):
                key = (item.tag, item.sourceline)
                index[item] = counts.get(key, 0)
                counts[key] = index[item] + 1
        _RANKED.clear()
        _RANKED.update(root=root, index=index)
    return _RANKED["index"].get(element, 0)


def xml_bytes(text: str) -> bytes:
    """``text`` (already decoded) as UTF-8 bytes for an XML parser, its declared encoding made UTF-8 too
    (a UTF-16 file declares ``encoding="UTF-16"``, which would no longer be true)."""
    head = XML_DECLARATION_RE.match(text)
    if head is not None:
        text = text[:head.start(1)] + "UTF-8" + text[head.end(1):]
    return text.encode("utf-8")


XML_DECLARATION_RE = re.compile(r"\A\ufeff?<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")


def element_unit(text: str, lines: list[int], element: Any, plain: str, unit_id: str, source: str,
                 entities: "DeclaredEntities | None" = None) -> Unit:
    """A Unit whose target ``plain`` is the text of ``element``, mapped into ``text`` (``entities``: those the file's
    internal DTD subset declares)."""
    start = element_start(text, lines, element)
    char_map = align(plain, xml_content_chars(text, start, entities))
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
    if "amplification" in message:  # libxml2's own guard (many references to a large entity): not malformed
        return InputError(f"entity expansion too large (the parser's limit: {message}); the file is not read",
                          path=path, line=line)
    return InputError(f"malformed XML: {message}", path=path, line=line)


# -- entities a file declares in its internal DTD subset ------------------------------------------------------

#: Limits on the entities of an internal DTD subset, beyond which the file is refused as an expansion bomb
#: ("billion laughs"): how deep entities may nest, and how many characters the texts of all of them may hold
#: together (libxml2's own guard, ``XML_PARSER_ALLOWED_EXPANSION``, starts at the same million).
ENTITY_DEPTH = 16
ENTITY_CHARS = 1_000_000

ENTITY_DECLARATION_RE = re.compile(
    r"<!ENTITY\s+(?:(%)\s+)?(" + NAME + r")\s+(?:(\"[^\"]*\"|'[^']*')|(SYSTEM|PUBLIC)\s+"
    r"((?:\"[^\"]*\"|'[^']*')(?:\s+(?:\"[^\"]*\"|'[^']*'))?)(?:\s+NDATA\s+" + NAME + r")?)\s*>")
PARAMETER_REFERENCE_RE = re.compile(r"%(" + NAME + r");")


#: What a DTD's internal subset skips whole, its brackets and ``>`` included: comments, processing instructions and
#: quoted literals.
DECLARATION_PARTS = (*COMMENT_AND_PI, ('"', '"'), ("'", "'"))


class PrologIncomplete(Exception):
    """The text ends inside the prolog (the DOCTYPE declaration is not complete yet)."""


def internal_subset(text: str) -> tuple[int, int] | None:
    """(start, end) of the internal DTD subset (between ``[`` and ``]``) of an XML text's DOCTYPE declaration; None
    when the text has none. PrologIncomplete when the text ends before that is known (a stream reads on)."""
    n = len(text)
    i = 1 if text.startswith("\ufeff") else 0
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise PrologIncomplete
        skipped = skip_delimited(text, i)
        if skipped is not None:
            if skipped < 0:
                raise PrologIncomplete
            i = skipped
        else:
            if text.startswith("<!DOCTYPE", i):
                break
            if n - i < 9 and "<!DOCTYPE".startswith(text[i:]):
                raise PrologIncomplete
            return None
    j, quote = i + 9, ""
    while j < n:
        ch = text[j]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return None
        elif ch == "[":
            break
        j += 1
    else:
        raise PrologIncomplete
    k = j + 1
    while k < n:
        skipped = skip_delimited(text, k, DECLARATION_PARTS)
        if skipped is not None:
            if skipped < 0:
                raise PrologIncomplete
            k = skipped
        elif text[k] == "]":
            return j + 1, k
        else:
            k += 1
    raise PrologIncomplete


@dataclass
class Declaration:
    """One general entity of an internal DTD subset: its replacement text (character references decoded), or its
    external identifier (``SYSTEM "…"``), and the offset of its declaration."""

    value: str | None
    external: str
    offset: int


class DeclaredEntities:
    """The general entities a file's internal DTD subset declares (``<!DOCTYPE xliff [ <!ENTITY co "Acme"> ]>``),
    read as their text: what an XML parser puts in their place, markup left out, nested entities expanded.

    External entities (``SYSTEM``/``PUBLIC``) are never fetched or read (as translate-toolkit and lxml with
    ``resolve_entities=False`` leave them): ``external`` names them, and a reader refuses a file whose content
    refers to one (``refuse_external``). Every internal entity is expanded when the subset is read: one that
    nests deeper than ENTITY_DEPTH, refers to itself, or expands to more than ENTITY_CHARS characters (a "billion
    laughs") is an InputError naming the file and the line of its declaration, before any parser expands it."""

    def __init__(self, path: str, text: str, start: int, end: int) -> None:
        self.path = path
        self._text = text
        self.declarations: dict[str, Declaration] = {}
        self._parameters: dict[str, Declaration] = {}
        self._parameter_chars = 0  # characters of parameter entities read so far
        self._read_subset(text[start:end], start, 0)
        self._expanded: dict[str, str] = {}
        self._total = 0  # characters of all the texts expanded so far
        for name in self.declarations:
            self._expand(name, ())
        self._text = ""

    @property
    def external(self) -> dict[str, str]:
        """Name -> external identifier of the external entities declared."""
        return {name: d.external for name, d in self.declarations.items() if d.value is None}

    def text(self, name: str) -> str | None:
        """The text an internal entity stands for; None for an external or undeclared one."""
        return self._expanded.get(name)

    def _line(self, offset: int) -> int:
        return self._text.count("\n", 0, offset) + 1

    def _error(self, message: str, offset: int) -> InputError:
        return InputError(message, path=self.path, line=self._line(offset))

    def _read_subset(self, subset: str, offset: int, depth: int) -> None:
        """Read the declarations of ``subset`` (at ``offset`` in the file); parameter entities declared with a
        literal value are read where they are referred to, as a parser does."""
        i = 0
        while i < len(subset):
            found = ENTITY_DECLARATION_RE.match(subset, i)
            if found is not None:
                parameter, name, literal, keyword, identifier = found.groups()
                table = self._parameters if parameter else self.declarations
                if name not in table and name not in ENTITIES:  # the first declaration binds (XML 1.0, 4.2)
                    value = None if literal is None else _character_references(literal[1:-1])
                    table[name] = Declaration(value, "" if keyword is None else f"{keyword} {identifier}",
                                              offset + i)
                i = found.end()
                continue
            reference = PARAMETER_REFERENCE_RE.match(subset, i)
            if reference is not None:
                declared = self._parameters.get(reference.group(1))
                if declared is not None and declared.value is not None:
                    if depth >= ENTITY_DEPTH:
                        raise self._error(f"parameter entities nested more than {ENTITY_DEPTH} deep "
                                          f"(%{reference.group(1)};): the file is not read", offset + i)
                    self._parameter_chars += len(declared.value)
                    if self._parameter_chars > ENTITY_CHARS:
                        raise self._error(f"entity expansion too large: the parameter entities expand to more than "
                                          f"{ENTITY_CHARS:,} characters by %{reference.group(1)}; (nested "
                                          "entities, a \"billion laughs\"): the file is not read", offset + i)
                    self._read_subset(declared.value, offset + i, depth + 1)
                i = reference.end()
                continue
            skipped = skip_delimited(subset, i, DECLARATION_PARTS)
            if skipped is None:
                i += 1
            else:
                i = len(subset) if skipped < 0 else skipped

    def _expand(self, name: str, stack: tuple[str, ...]) -> str | None:
        """The text of entity ``name`` (its replacement text read as content), expanded once and kept."""
        if name in self._expanded:
            return self._expanded[name]
        declared = self.declarations.get(name)
        if declared is None or declared.value is None:
            return None
        first = self.declarations[stack[0]] if stack else declared
        if name in stack:
            raise self._error(f"the entity &{name}; refers to itself: the file is not read", first.offset)
        if len(stack) >= ENTITY_DEPTH:
            raise self._error(f"entities nested more than {ENTITY_DEPTH} deep (&{stack[0]}; …): the file is not "
                              "read", first.offset)
        parts: list[str] = []
        size = 0
        value = declared.value
        i = 0
        while i < len(value):
            ch = value[i]
            if ch == "<":  # markup inside the entity: its text counts, as an XML parser reads it
                if value.startswith("<![CDATA[", i):
                    close = value.find("]]>", i)
                    close = len(value) if close < 0 else close
                    piece, i = value[i + 9:close], close + 3
                else:
                    closing = "-->" if value.startswith("<!--", i) else "?>" if value.startswith("<?", i) else ">"
                    close = value.find(closing, i + 1)
                    i = len(value) if close < 0 else close + len(closing)
                    continue
            elif ch == "&":
                found = REFERENCE_RE.match(value, i)
                if found is None:
                    piece, i = ch, i + 1
                elif found.group(3) is not None and found.group(3) not in ENTITIES:
                    inner = self._expand(found.group(3), (*stack, name))
                    piece, i = (UNDECODED if inner is None else inner), found.end()
                else:
                    decoded, i = xml_reference(value, i) or (UNDECODED, found.end())
                    piece = UNDECODED if decoded is None else decoded
            else:
                end = value.find("<", i)
                end2 = value.find("&", i)
                end = min(e for e in (end, end2, len(value)) if e >= 0)
                piece, i = value[i:end], end
            size += len(piece)
            if size + self._total > ENTITY_CHARS:
                raise self._error(f"entity expansion too large: the entities expand to more than {ENTITY_CHARS:,} "
                                  f"characters by &{stack[0] if stack else name}; (nested entities, a \"billion "
                                  "laughs\"): the file is not read", first.offset)
            parts.append(piece)
        self._expanded[name] = "".join(parts)
        self._total += size
        return self._expanded[name]

    def refuse_external(self, root: Any) -> None:
        """InputError naming the line of the first reference, in the content under the lxml element ``root``, to an
        external entity (never fetched nor read; its text would be missing from what is checked)."""
        if not self.external:
            return
        from lxml import etree

        for node in root.iter(etree.Entity):
            self._refuse(node)

    def refuse_external_children(self, element: Any) -> None:
        """``refuse_external`` for the children of ``element`` alone (a stream checks each element as it ends)."""
        from lxml import etree

        for node in element:
            if node.tag is etree.Entity:
                self._refuse(node)

    def _refuse(self, node: Any) -> None:
        declared = self.declarations.get(node.name)
        if declared is not None and declared.value is None:
            raise InputError(f"&{node.name}; is an external entity ({declared.external}): tqcheck never reads "
                             "external entities; write its text in place of the reference", path=self.path,
                             line=node.sourceline)


def _character_references(literal: str) -> str:
    """An entity's literal value with its character references decoded (entity references are kept, to be
    expanded where the entity is used: XML 1.0, 4.5)."""
    def decoded(found: re.Match) -> str:
        if found.group(3) is not None:
            return found.group(0)
        value = xml_reference(found.group(0), 0)
        return UNDECODED if value is None or value[0] is None else value[0]

    return REFERENCE_RE.sub(decoded, literal) if "&#" in literal else literal


def declared_entities(path: str, text: str, whole: bool = True) -> DeclaredEntities | None:
    """The general entities the internal DTD subset of an XML text declares, None when it declares none (an
    InputError for an expansion bomb). ``whole``: ``text`` is the whole file (one that ends inside its prolog is
    malformed, which the parser reports); else PrologIncomplete when it ends there (a stream reads on)."""
    try:
        span = internal_subset(text)
    except PrologIncomplete:
        if not whole:
            raise
        return None
    if span is None or "<!ENTITY" not in text[span[0]:span[1]]:
        return None
    entities = DeclaredEntities(path, text, *span)
    return entities if entities.declarations else None


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


#: A language pair at the end of a file name, before its extension (docs/bilingual.md, "Language pair from a file
#: name"): ``.`` or ``_`` (or the name's start), the source's language tag, ``-`` or ``_``, the English target. A tag is
#: a lowercase language subtag, then an optional script (``Hans``) and region (``BR``, ``419``), joined by ``-`` or ``_``;
#: a source region is in capitals (``zh_tw`` would be Twi). The greedy ``.*`` reads the rightmost pair.
NAME_PAIR_RE = re.compile(r"^(?:.*[._])?(?P<source>[a-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Z]{2}|\d{3}))?)"
                          r"[-_](?P<target>(?:en|eng)(?:[-_](?:[A-Za-z]{2}|\d{3}))?)\.[A-Za-z]+$")
#: Language subtags that name no language: undetermined, several, none, uncoded, private use (qaa-qtz).
NO_LANGUAGE_RE = re.compile(r"und|mul|zxx|mis|q[a-t][a-z]")


def language_code(tag: str) -> str:
    """The ISO 639 code of a real language tag (``de`` from ``de``, ``deu``, ``ger`` or ``de-CH``; ``yue`` from
    ``yue``), empty when ``tag`` is no registered language (``dup`` is Duano; ``xx``, ``ids2`` and ``und`` are none)."""
    import langcodes  # a dependency of wordfreq's; IANA's subtag registry, which holds ISO 639-1, -2 and -3

    tag = tag.replace("_", "-")
    language = tag.split("-", 1)[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", language) or NO_LANGUAGE_RE.fullmatch(language):
        return ""
    try:
        if not langcodes.tag_is_valid(tag):
            return ""
        return langcodes.standardize_tag(language).split("-", 1)[0]
    except (ValueError, LookupError):  # langcodes' parse errors
        return ""


def language_pair_from_name(path: str) -> tuple[str, str]:
    """(source, target) ISO 639 codes named at the end of a file name (``notes.de-en.tsv``, ``notes_pt-BR_en.csv``,
    ``zh-en.tsv``), ``("", "")`` when the name holds no such pair: the target must be English (tqcheck checks English
    targets) and the source a registered language (``csv_dup_ids.csv`` names no pair)."""
    found = NAME_PAIR_RE.match(Path(path).name)
    if not found:
        return ("", "")
    source = language_code(found.group("source"))
    return (source, "en") if source and language_code(found.group("target")) == "en" else ("", "")


__all__ = ["NATIVE_CODE_ELEMENTS", "INLINE_CODE_ELEMENTS", "skip_delimited", "COMMENT_AND_PI", "tracked_deletion_end", "DeclaredEntities", "declared_entities", "internal_subset", "PrologIncomplete", "xml_reference", "xml_char_allowed", "UNDECODED", "Unit", "bilingual_document", "segment_fields", "unit_edges", "align", "xml_content_chars", "element_unit", "xml_error", "xml_bytes",
           "base_language", "language_code", "language_pair_from_name", "require_english_target", "line_offsets", "setting", "LANGUAGE_NAMES"]
