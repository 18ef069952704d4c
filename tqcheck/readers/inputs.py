"""Reading inputs: files, folders and stdin become Documents of sentence Segments.

Text is decoded strictly (UTF-8 with or without BOM, UTF-16 with BOM); Markdown
code, front matter, HTML and tables are not checked; inline markup is removed
with a character map so every finding still points at its place in the file.
"""

from __future__ import annotations

import bisect
import codecs
import fnmatch
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from tqcheck.core.document import Document, lone_surrogate
from tqcheck.core.errors import InputError

#: A reader turns a file's path and raw bytes into a Document.
Reader = Callable[[str, bytes], Document]

@dataclass(frozen=True)
class InputFormat:
    """One input format: the module whose ``read(path, raw[, settings])`` reads a file of it whole, and how a
    corpus run reads a large one a part at a time."""

    module: str
    #: "rows": a table of one unit per row (tqcheck.readers.corpus reads it a part at a time); "xml": parsed
    #: incrementally by the module's ``iter_parts``; "": read whole, then cut into parts.
    parts: str = ""


#: Input format -> how it is read (modules imported when used).
FORMATS: dict[str, InputFormat] = {
    "text": InputFormat("tqcheck.readers.inputs"),
    "markdown": InputFormat("tqcheck.readers.inputs"),
    "xliff": InputFormat("tqcheck.readers.xliff", "xml"),
    "po": InputFormat("tqcheck.readers.po"),
    "tmx": InputFormat("tqcheck.readers.tmx", "xml"),
    "table": InputFormat("tqcheck.readers.table", "rows"),
    "srt": InputFormat("tqcheck.readers.srt"),
    "jsonl": InputFormat("tqcheck.readers.jsonl", "rows"),
    "parquet": InputFormat("tqcheck.readers.parquet", "rows"),
}

#: Input format -> module defining ``read(path, raw) -> Document`` (``FORMATS``' modules).
READER_MODULES: dict[str, str] = {name: fmt.module for name, fmt in FORMATS.items()}

#: File extension (lower case, with dot) -> input format: the one extension table, for files read whole, corpus
#: files read in parts and XML parsed incrementally alike.
EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".sdlxliff": "xliff",  # Trados Studio: XLIFF 1.2 with sdl: extensions (locked segments: policy.fix_targets)
    ".po": "po",
    ".pot": "po",
    ".tmx": "tmx",
    ".tsv": "table",
    ".tab": "table",
    ".csv": "table",
    ".srt": "srt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


def input_format(path: str) -> str:
    """The input format of a file by its extension (plain text when unknown)."""
    return EXTENSIONS.get(Path(path).suffix.lower(), "text")


def streamed_module(path: str) -> str | None:
    """The module that parses ``path`` a part at a time (XML formats), or None."""
    fmt = FORMATS[input_format(path)]
    return fmt.module if fmt.parts == "xml" else None


SUPPRESS_RE = re.compile(
    r"<!--\s*tqcheck-(disable-next-line|disable-line|disable|enable)\b([^>]*?)-->", re.IGNORECASE)


# -- decoding ------------------------------------------------------------------

def decode(raw: bytes, path: str) -> str:
    """Text of a file: UTF-8 (BOM optional) or UTF-16 with BOM; anything else is an InputError."""
    if raw.startswith(codecs.BOM_UTF8):
        data, encoding = raw[len(codecs.BOM_UTF8):], "utf-8"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data, encoding = raw, "utf-16"
    else:
        data, encoding = raw, "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 or UTF-16 text (invalid byte 0x{raw[exc.start]:02x} at byte {exc.start}); "
            "save it as UTF-8", path=path, line=line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("binary file (contains NUL bytes), not text", path=path, line=line)
    if not text.strip():
        raise InputError("empty file: nothing to check", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


# -- segmentation --------------------------------------------------------------

@dataclass
class Piece:
    """A run of prose: its text, the original offset of each character, its paragraph."""

    text: str
    char_map: list[int]
    paragraph: int


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of ``text``, whitespace trimmed."""
    from sentencex import get_sentence_boundaries

    return trimmed_spans(text, ((item["start_index"], item["end_index"])
                                for item in get_sentence_boundaries("en", text)))


def trimmed_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` of ``text`` without their leading and trailing whitespace; spans left empty are dropped."""
    out = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((start, end))
    return out


#: Zero-width characters: invisible, they can split a word for every check (``strip\u200btease`` is no longer
#: ``striptease`` to a rule or a spell-checker) while the reader sees one word. Checks read the text without
#: them (the positions still point into the original); ``tqcheck.HiddenCharacter`` reports one inside a word.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")


def without_zero_width(text: str, char_map: Sequence[int]) -> tuple[str, list[int]] | None:
    """``text`` without its zero-width characters and the original offset of each character left
    (``char_map``: the offset of each character of ``text``); None when it has none."""
    if not ZERO_WIDTH_RE.search(text):
        return None
    kept = [(ch, char_map[i]) for i, ch in enumerate(text) if ch not in ZERO_WIDTH]
    return "".join(ch for ch, _ in kept), [offset for _, offset in kept]


def visible_piece(piece: Piece) -> Piece:
    """``piece`` as checks read it: zero-width characters left out, offsets kept (``without_zero_width``)."""
    found = without_zero_width(piece.text, piece.char_map)
    return piece if found is None else Piece(found[0], found[1], piece.paragraph)


#: Longest sentence checked as one segment (about 3,000 words). A longer one (a file written as one unbroken
#: "sentence", a table dumped without punctuation) is checked in pieces of at most this many characters, cut at a
#: space, with a notice naming the file and line: every check then sees bounded segments (one 30 MB sentence took
#: 3 GB, Harper went over its time budget and dropped all its grammar findings, and a rule's regex timed out and
#: was stopped for the rest of the run). LanguageTool and Vale cap what they analyse in the same spirit, but drop
#: the rest; here nothing is left unchecked, only a finding across a cut can be missed.
MAX_SENTENCE_CHARS = 20_000
_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


def sentence_pieces(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` cut into spans of at most ``limit`` characters, each cut at the last whitespace of the
    span's second half (at ``limit`` when it has none, never before a combining mark), whitespace trimmed."""
    import unicodedata

    spans = []
    while end - start > limit:
        cut = start + limit
        space = _LAST_SPACE.match(text, start + limit // 2, cut)
        if space is not None:
            cut = space.end()
        else:
            while cut > start + 1 and unicodedata.combining(text[cut]):
                cut -= 1
        spans.append((start, cut))
        start = cut
    spans.append((start, end))
    return trimmed_spans(text, spans)


def long_sentence_notice(document: Document, long_sentences: Sequence[tuple[int, int, int]]) -> str:
    """The one notice for a document's sentences over ``MAX_SENTENCE_CHARS``: (offset, characters, pieces) each."""
    offset, chars, count = long_sentences[0]
    line, column = document.locate(offset)
    others = len(long_sentences) - 1
    more = f"; {others:,} more such sentence{'s' if others > 1 else ''} after it" if others else ""
    return (f"{document.path}:{line}:{column}: a sentence of {chars:,} characters (over {MAX_SENTENCE_CHARS:,}) is "
            f"checked in {count:,} pieces, cut at spaces, each a segment of the report; a finding across a cut is "
            f"not found{more}")


def add_pieces(document: Document, pieces: Iterable[Piece]) -> Document:
    """Split every piece into sentences and append them to ``document`` as segments (zero-width characters
    left out of the text checked, ``visible_piece``); a sentence over ``MAX_SENTENCE_CHARS`` is checked in pieces,
    with a notice."""
    long_sentences: list[tuple[int, int, int]] = []  # (offset, characters, pieces)
    for piece in pieces:
        if not piece.text.strip():
            continue
        piece = visible_piece(piece)
        if not piece.text.strip():
            continue
        contiguous = piece.char_map[-1] - piece.char_map[0] == len(piece.text) - 1
        spans = split_sentences(piece.text)
        if any(end - start > MAX_SENTENCE_CHARS for start, end in spans):
            cut = []
            for start, end in spans:
                if end - start > MAX_SENTENCE_CHARS:
                    parts = sentence_pieces(piece.text, start, end)
                    long_sentences.append((piece.char_map[start], end - start, len(parts)))
                    cut.extend(parts)
                else:
                    cut.append((start, end))
            spans = cut
        for start, end in spans:
            text = piece.text[start:end]
            if contiguous and document.text[piece.char_map[start]:piece.char_map[start] + len(text)] == text:
                document.add_segment(text, piece.char_map[start], paragraph=piece.paragraph)
            else:
                document.add_segment(text, piece.char_map[start], paragraph=piece.paragraph,
                                     char_map=piece.char_map[start:end])
    if long_sentences:
        document.notices.append(long_sentence_notice(document, long_sentences))
    return document


def _prose_pieces(text: str, regions: Sequence[tuple[int, int]], skip: Sequence[tuple[int, int]]) -> list[Piece]:
    """Pieces for paragraphs of ``text`` inside ``regions``, leaving out ``skip`` spans."""
    pieces: list[Piece] = []
    skipped = sorted(skip)
    j = 0
    for region_start, region_end in regions:
        while j < len(skipped) and skipped[j][1] <= region_start:
            j += 1
        if j >= len(skipped) or skipped[j][0] >= region_end:
            # nothing left out: the text as it is, its offsets a range (no per-character list)
            if region_end > region_start:
                pieces.append(Piece(text[region_start:region_end], range(region_start, region_end),  # type: ignore[arg-type]
                                    len(pieces)))
            continue
        chars: list[str] = []
        offsets: list[int] = []
        k = 0
        position = region_start
        while position < region_end:
            while k < len(skipped) and skipped[k][1] <= position:
                k += 1
            if k < len(skipped) and skipped[k][0] <= position < skipped[k][1]:
                position = skipped[k][1]
                continue
            chars.append(text[position])
            offsets.append(position)
            position += 1
        if chars:
            pieces.append(Piece("".join(chars), offsets, len(pieces)))
    return pieces


#: A line break that begins a blank line (it ends a paragraph).
_PARAGRAPH_END = re.compile(r"\n(?=[ \t]*\n)")
_NON_SPACE = re.compile(r"\S")


def paragraph_regions(text: str) -> list[tuple[int, int]]:
    """(start, end) of the blank-line separated paragraphs of ``text``: from the first non-space character
    to the line break before the next blank line (or the end). Linear in time and memory: a single
    regular expression over the whole paragraph needed memory per character on one long line."""
    regions = []
    start = 0
    for end in [m.start() for m in _PARAGRAPH_END.finditer(text)] + [len(text)]:
        first = _NON_SPACE.search(text, start, end)
        if first is not None:
            regions.append((first.start(), end))
        start = end + 1
    return regions


def read_text(path: str, raw: bytes) -> Document:
    """A plain-text document: paragraphs split into sentences (HTML comments not checked)."""
    text = decode(raw, path)
    document = Document(path=path, text=text, format="text")
    comments = [(m.start(), m.end()) for m in re.finditer(r"<!--.*?-->", text, re.DOTALL)]
    add_pieces(document, _prose_pieces(text, paragraph_regions(text), comments))
    document.suppressions = suppressions(text)
    return document


# -- Markdown ------------------------------------------------------------------

FRONT_MATTER_RE = re.compile(r"\A(?:\ufeff)?(---|\+\+\+)[ \t]*\n.*?\n\1[ \t]*(?:\n|\Z)", re.DOTALL)


def _blank_out(text: str, start: int, end: int) -> str:
    """``text`` with [start, end) replaced by spaces, newlines kept (offsets unchanged)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


#: Levels of nesting the Markdown parser follows (a quote is one, a list item two). markdown-it's CommonMark preset
#: stops at 20 and drops the text inside and after, silently (a list ten deep hid the rest of the document); its
#: block parser is iterative enough for far more (5,000 nested quotes parse without a RecursionError).
MARKDOWN_NESTING = 100


def markdown_parser():
    """The CommonMark parser tqcheck reads Markdown with (and ``--fix`` finds code and HTML blocks with)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"maxNesting": MARKDOWN_NESTING})


def markdown_tokens(text: str, path: str = "<text>") -> list:
    """The block tokens of a Markdown text (tables on); an InputError at the line where the nesting reaches the
    parser's limit, past which it would drop the text without a word."""
    tokens = markdown_parser().enable("table").parse(text)
    deepest = max(tokens, key=lambda token: token.level, default=None)
    if deepest is not None and deepest.level >= MARKDOWN_NESTING - 1:
        raise InputError(f"Markdown nested more than {MARKDOWN_NESTING} levels deep (quotes and lists): the text "
                         "inside would not be read", path=path, line=deepest.map[0] + 1 if deepest.map else None)
    return tokens


def markdown_pieces(text: str, path: str = "<text>") -> list[Piece]:
    """Prose pieces of a Markdown text: paragraphs, headings, list items, quotes; no code or tables."""
    masked = text
    front = FRONT_MATTER_RE.match(text)
    if front:
        masked = _blank_out(masked, 0, front.end())
    line_starts = [0] + [m.end() for m in re.finditer("\n", masked)]
    tokens = markdown_tokens(masked, path)
    pieces: list[Piece] = []
    table_depth = 0
    for token in tokens:
        if token.type == "table_open":
            table_depth += 1
        elif token.type == "table_close":
            table_depth -= 1
        elif token.type == "inline" and token.map and not table_depth:
            piece = _inline_piece(masked, line_starts, token, len(pieces))
            if piece is not None:
                pieces.append(piece)
    return pieces


def _inline_piece(text: str, line_starts: list[int], token, paragraph: int) -> Piece | None:
    """The prose of one inline token with each character's offset in ``text``."""
    first_line, last_line = token.map
    source_start = line_starts[first_line]
    source_end = line_starts[last_line] if last_line < len(line_starts) else len(text)
    source = text[source_start:source_end]
    cursor = 0
    chars: list[str] = []
    offsets: list[int] = []

    def take(content: str) -> None:
        nonlocal cursor
        if not content:
            return
        found = source.find(content, cursor)
        if found < 0:  # escapes or entities: map characters one by one where they match
            for ch in content:
                hit = source.find(ch, cursor)
                if hit < 0:
                    chars.append(ch)
                    offsets.append(source_start + max(cursor - 1, 0))
                else:
                    chars.append(ch)
                    offsets.append(source_start + hit)
                    cursor = hit + 1
            return
        for i, ch in enumerate(content):
            chars.append(ch)
            offsets.append(source_start + found + i)
        cursor = found + len(content)

    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            take(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            newline = source.find("\n", cursor)
            chars.append(" ")
            offsets.append(source_start + (newline if newline >= 0 else cursor))
            if newline >= 0:
                cursor = newline + 1
        elif child.type == "image":
            take(child.content)
    if not "".join(chars).strip():
        return None
    return Piece("".join(chars), offsets, paragraph)


def read_markdown(path: str, raw: bytes) -> Document:
    """A Markdown document: prose split into sentences, code blocks and front matter skipped."""
    text = decode(raw, path)
    document = Document(path=path, text=text, format="markdown")
    add_pieces(document, markdown_pieces(text, path))
    document.suppressions = suppressions(text)
    return document


def read(path: str, raw: bytes) -> Document:
    """Reader for the built-in formats, chosen by extension (plain text otherwise)."""
    if EXTENSIONS.get(Path(path).suffix.lower()) == "markdown":
        return read_markdown(path, raw)
    return read_text(path, raw)


# -- inline suppressions -------------------------------------------------------

@dataclass
class Comment:
    """One suppression comment: where it is, what kind, the ids it names, the regions it disables."""

    start: int
    end: int
    kind: str
    ids: tuple[str, ...]
    regions: list[tuple[int, int, str]]


def comments(text: str) -> list[Comment]:
    """Every ``<!-- tqcheck-disable[-line|-next-line] ids -->`` / ``tqcheck-enable`` comment of ``text``.

    Each comment carries the regions it disables as (start, end, rule-id prefix); no ids means
    every rule (``*``). ``tqcheck-enable`` ends every open ``disable`` region (or only the ids it
    names); a region still open at the end of the text runs to its end.
    """
    found: list[Comment] = []
    open_regions: dict[str, tuple[int, Comment]] = {}
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_span(offset: int, delta: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, offset) - 1 + delta
        if line >= len(line_starts):
            return len(text), len(text)
        end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
        return line_starts[line], end

    for match in SUPPRESS_RE.finditer(text):
        kind = match.group(1).lower()
        named = tuple(i for i in re.split(r"[\s,]+", match.group(2).strip()) if i)
        comment = Comment(match.start(), match.end(), kind, named, [])
        found.append(comment)
        ids = named or ("*",)
        if kind == "disable":
            for rule in ids:
                open_regions.setdefault(rule, (match.end(), comment))
        elif kind == "enable":
            for rule in list(open_regions):
                if "*" in ids or rule in ids:
                    start, opener = open_regions.pop(rule)
                    opener.regions.append((start, match.start(), rule))
        else:
            start, end = line_span(match.start(), 1 if kind == "disable-next-line" else 0)
            comment.regions.extend((start, end, rule) for rule in ids)
    for rule, (start, opener) in open_regions.items():
        opener.regions.append((start, len(text), rule))
    return found


def suppressions(text: str) -> list[tuple[int, int, frozenset[str]]]:
    """Regions disabled by suppression comments: (start offset, end offset, rule-id prefixes), in text order."""
    regions = [(start, end, frozenset({rule})) for comment in comments(text) for start, end, rule in comment.regions]
    return sorted(regions, key=lambda region: (region[0], region[1], sorted(region[2])))


# -- collecting files ----------------------------------------------------------

def reader_for(path: str) -> Reader:
    """The reader for a file, by its extension (plain text when unknown)."""
    module = importlib.import_module(FORMATS[input_format(path)].module)
    return getattr(module, "read")


def default_include() -> list[str]:
    """The ``include`` globs of the configuration's defaults."""
    from tqcheck.core.config import KEYS_BY_NAME

    return list(KEYS_BY_NAME["include"].default)


def selected_in_folder(rel: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether a file at ``rel`` (a /-separated path inside a checked folder) is checked.

    A glob may match the whole relative path, the file name or any folder on the way;
    hidden files and folders (a part starting with ``.``) are never checked.
    """
    parts = rel.split("/")

    def hit(globs: Sequence[str]) -> bool:
        return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(parts[-1], g)
                   or any(fnmatch.fnmatch(part, g.rstrip("/")) for part in parts[:-1]) for g in globs)

    return hit(include) and not hit(exclude) and not any(part.startswith(".") for part in parts)


def collect_files(paths: Sequence[str], include: Sequence[str], exclude: Sequence[str],
                  errors: list[InputError] | None = None) -> list[str]:
    """Files to check: named files as given, folders searched recursively with the globs.

    A path that cannot be checked raises an InputError, or, with an ``errors`` list, is added to it
    and the other paths are still collected (a run survives one bad input, like ruff's)."""
    found: list[str] = []
    for name in paths:
        if name == "-":
            found.append("-")
            continue
        try:
            files = _files_of(name, include, exclude)
        except InputError as error:
            if errors is None:
                raise
            errors.append(error)
            continue
        for file in files:
            if lone_surrogate(file) < 0:
                found.append(file)
                continue
            error = InputError("the file name is not UTF-8 (reports, baselines and fixes name files in UTF-8); "
                               "rename it to check it", path=printable_name(file))
            if errors is None:
                raise error
            errors.append(error)
    return list(dict.fromkeys(found))


def printable_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 (kept by Python as lone surrogates) as ``\\xff``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _files_of(name: str, include: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The files one named path stands for (itself, or a folder's selected files)."""
    path = Path(name)
    try:
        if path.is_dir():
            matches = sorted(
                p for p in path.rglob("*")
                if p.is_file() and selected_in_folder(p.relative_to(path).as_posix(), include, exclude))
            if not matches:
                raise InputError(f"no files to check in folder (include: {', '.join(include)})", path=name)
            return [str(p) for p in matches]
        if path.is_file():
            return [name]
    except OSError as exc:  # an unreadable folder, a name too long
        raise InputError(f"cannot read: {exc.strerror or exc}", path=name) from None
    if path.exists():
        raise InputError("not a regular file", path=name)
    raise InputError("no such file or folder", path=name)


def read_raw(path: str, stdin: bytes | None = None, *, limit: int | None = None,
             stdin_name: str = "<stdin>") -> bytes:
    """The bytes of a regular file, or of standard input for ``-``, at most ``limit`` bytes
    (the ``max_input_mb`` setting; an InputError naming the file when larger)."""
    from tqcheck.core.limits import input_limit, read_file, read_stdin, too_large

    limit = input_limit() if limit is None else limit
    if path == "-":
        if stdin is None:
            return read_stdin(limit, stdin_name)
        if len(stdin) > limit:
            raise too_large(stdin_name, "standard input", limit, hint="raise max_input_mb to check more")
        return stdin
    return read_file(path, limit, "input file", hint="raise max_input_mb to check larger files")


def load_documents(paths: Sequence[str], include: Sequence[str] | None = None,
                   exclude: Sequence[str] = (), *, stdin: bytes | None = None,
                   stdin_name: str = "-", settings=None, errors: list[InputError] | None = None) -> list[Document]:
    """Read every input into Documents; the first bad input raises an InputError, or, with an ``errors``
    list, every bad input's InputError is added to it and the other inputs are still read.

    ``settings`` reach the readers that take them (bilingual tables: column names, source language).
    """
    from tqcheck.core.limits import input_limit

    documents = []
    limit = input_limit(settings)
    for name in collect_files(paths, default_include() if include is None else include, exclude, errors):
        label = stdin_name if name == "-" else name
        try:
            raw = read_raw(name, stdin, limit=limit, stdin_name=stdin_name)
            reader = reader_for(label if name == "-" else name)
            documents.append(read_with(reader, label, raw, _settings_for(settings, name)))
        except InputError as error:
            if errors is None:
                raise
            errors.append(error)
    return documents


def _settings_for(settings, name: str):
    """``settings`` with the per-path overrides of file ``name`` (bilingual columns may vary per path)."""
    if settings is None or name == "-":
        return settings
    from tqcheck.core.config import settings_for_path

    return settings_for_path(settings, name)


def read_with(reader: Reader, path: str, raw: bytes, settings=None) -> Document:
    """``reader(path, raw)``, passing ``settings`` to readers whose ``read`` accepts them."""
    import inspect

    if settings is not None and "settings" in inspect.signature(reader).parameters:
        return reader(path, raw, settings=settings)
    return reader(path, raw)


def document_from_text(text: str, path: str = "<text>", fmt: str = "text") -> Document:
    """A Document from a string (notebooks, tests); a lone surrogate is an InputError naming its line and column."""
    from tqcheck.core.document import lone_surrogate, surrogate_problem

    at = lone_surrogate(text)
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise InputError(surrogate_problem(text, at), path=path, line=line, column=at - (text.rfind("\n", 0, at) + 1) + 1)
    raw = text.encode("utf-8")
    return read_markdown(path, raw) if fmt == "markdown" else read_text(path, raw)
