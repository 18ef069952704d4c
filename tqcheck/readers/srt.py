"""SRT subtitles (parsed with ``srt``): English subtitles alone, or paired with a source file.

``film.en.srt`` is checked; when a sibling ``film.<lang>.srt`` exists (or the one named
by ``source_language``), its subtitles are the sources, paired by order. Italic tags and
``{\\an8}`` codes are not checked; line breaks inside a subtitle read as spaces.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import TYPE_CHECKING

from tqcheck.core.document import Document
from tqcheck.core.errors import InputError
from tqcheck.readers.units import LANGUAGE_NAMES, Unit, base_language, bilingual_document, line_offsets, setting
from tqcheck.readers.inputs import decode

if TYPE_CHECKING:
    from tqcheck.core.config import Settings

NAME_RE = re.compile(r"^(?P<base>.+)\.(?P<lang>[A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)\.srt$", re.IGNORECASE)
MARKUP_RE = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")


def read(path: str, raw: bytes, settings: "Settings | None" = None) -> Document:
    """Subtitles of an English ``.srt`` file, with their sources when a paired file exists."""
    text = decode(raw, path)
    targets = parse(path, text)
    match = NAME_RE.match(Path(path).name)
    language = base_language(match.group("lang")) if match else ""
    if language and language != "en" and language in LANGUAGE_NAMES:
        raise InputError(f"{LANGUAGE_NAMES[language]} subtitles: tqcheck checks English targets; "
                         f"check the English file (e.g. {match.group('base')}.en.srt), which is paired with this one",
                         path=path)
    source_path = find_source(path, settings) if language == "en" else None
    sources: list[Unit] | None = None
    source_language = ""
    if source_path is not None:
        source_text = decode(_read_bytes(source_path), source_path)
        sources = parse(source_path, source_text)
        source_language = base_language(NAME_RE.match(Path(source_path).name).group("lang"))
        if len(sources) != len(targets):
            shorter = min(len(sources), len(targets))
            line = targets[shorter].offset if shorter < len(targets) else None
            where = max(1, text[:line].count("\n") - 1) if line is not None else None  # the block's number line
            raise InputError(f"mismatched pair: {len(targets)} subtitles here, {len(sources)} in {source_path}",
                             path=path, line=where)
        for target, source in zip(targets, sources):
            target.source = source.target
    return bilingual_document(path, text, "srt", targets, source_language=source_language,
                              edges=False) if sources is not None \
        else _target_only(path, text, targets)


def _target_only(path: str, text: str, units: list[Unit]) -> Document:
    """A document of subtitles without sources (checked like any English text)."""
    document = Document(path=path, text=text, format="srt")
    for unit in units:
        stripped = unit.target.strip()
        if not stripped or unit.char_map is None:
            continue
        lead = len(unit.target) - len(unit.target.lstrip())
        char_map = unit.char_map[lead:lead + len(stripped)]
        from tqcheck.readers.inputs import without_zero_width

        visible = without_zero_width(stripped, char_map)  # checked without them (tqcheck.HiddenCharacter)
        if visible is not None:
            stripped, char_map = visible
            if not stripped.strip():
                continue
        document.add_segment(stripped, char_map[0], paragraph=len(document.segments), unit_id=unit.unit_id,
                             char_map=char_map)
    return document


def _read_bytes(path: str) -> bytes:
    from tqcheck.core.limits import input_limit, read_file

    return read_file(path, input_limit(), "paired subtitle file")


def find_source(path: str, settings: "Settings | None") -> str | None:
    """The paired source file of ``film.en.srt``: ``film.<source_language>.srt``, or the only other language."""
    if path in ("-", "") or not Path(path).exists():
        return None
    match = NAME_RE.match(Path(path).name)
    folder = Path(path).parent
    wanted = base_language(setting(settings, "source_language", ""))
    candidates = []
    for sibling in sorted(folder.glob(f"{glob_escape(match.group('base'))}.*.srt")):
        found = NAME_RE.match(sibling.name)
        if found and found.group("base") == match.group("base") and base_language(found.group("lang")) != "en":
            candidates.append((base_language(found.group("lang")), str(sibling)))
    if wanted:
        chosen = [c for c in candidates if c[0] == wanted]
        return chosen[0][1] if chosen else None
    if len(candidates) > 1:
        names = ", ".join(Path(c[1]).name for c in candidates)
        raise InputError(f"several source subtitle files ({names}); set source_language to choose one",
                         path=path)
    return candidates[0][1] if candidates else None


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def parse(path: str, text: str) -> list[Unit]:
    """Subtitles of an SRT text as Units (target text cleaned of markup, mapped to the file)."""
    import srt

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[:exc.expected_start].count("\n") + 1
        raise InputError("malformed subtitles: expected a number, a 'start --> end' time line and text",
                         path=path, line=line) from None
    except ValueError as exc:  # TimestampParseError
        raise InputError(f"malformed subtitle time: {exc}", path=path) from None
    units = []
    cursor = 0
    lines = line_offsets(text)
    for subtitle in subtitles:
        arrow = text.find("-->", cursor)
        line_end = text.find("\n", arrow) if arrow >= 0 else -1
        body = line_end + 1 if line_end >= 0 else cursor
        time_line = bisect.bisect_right(lines, arrow) if arrow >= 0 else None
        if subtitle.end < subtitle.start:
            raise InputError(f"subtitle {subtitle.index} ends ({srt.timedelta_to_srt_timestamp(subtitle.end)}) "
                             f"before it starts ({srt.timedelta_to_srt_timestamp(subtitle.start)})",
                             path=path, line=time_line)
        _check_content(path, text, lines, body, subtitle.content)
        found = text.find(subtitle.content, body) if subtitle.content else -1
        start = found if found >= 0 else body
        cleaned, offsets = clean(subtitle.content, start if found >= 0 else None)
        cursor = start + len(subtitle.content)
        units.append(Unit(str(subtitle.index), "", cleaned, start, offsets if found >= 0 else None))
    return units


#: A subtitle's time line ("00:00:01,000 --> 00:00:02,500").
TIME_LINE_RE = re.compile(r"^\s*\d+:\d+:\d+(?:[,.]\d+)?\s*-->", re.MULTILINE)


def _check_content(path: str, text: str, lines: list[int], body: int, content: str) -> None:
    """InputError when a subtitle's text holds another block (a block the parser could not read was merged)."""
    found = TIME_LINE_RE.search(content)
    if found is None:
        return
    at = text.find(content, body)
    offset = (at if at >= 0 else body) + found.start()
    line = bisect.bisect_right(lines, offset)
    previous = content[:found.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
    if previous and not previous.isdigit():
        raise InputError(f"subtitle counter {previous[:40]!r} is not a number", path=path, line=max(1, line - 1))
    raise InputError("malformed subtitle block: expected a number, a 'start --> end' time line and text",
                     path=path, line=line)


def clean(content: str, start: int | None) -> tuple[str, list[int]]:
    """Subtitle text without markup, line breaks as spaces, and each character's offset."""
    chars: list[str] = []
    offsets: list[int] = []
    base = start or 0
    position = 0
    for match in MARKUP_RE.finditer(content):
        for i in range(position, match.start()):
            chars.append(" " if content[i] == "\n" else content[i])
            offsets.append(base + i)
        position = match.end()
    for i in range(position, len(content)):
        chars.append(" " if content[i] == "\n" else content[i])
        offsets.append(base + i)
    return "".join(chars), offsets
