"""``tqcheck server``: the Language Server Protocol over stdio, so editors show tqcheck's findings as you type.

What an editor gets (pygls speaks the protocol; everything else is tqcheck's own pipeline):

- diagnostics on open, on save and on change (debounced), for every format ``check`` reads by extension
  (text, Markdown, PO, XLIFF, TMX, SRT, ...), with the settings of the nearest ``.tqcheck.toml`` /
  ``pyproject.toml [tool.tqcheck]`` found from the document's path (and ``--config``);
- code actions that apply a finding's suggestions: one quick fix per suggestion, a ``WorkspaceEdit`` of exactly
  the finding's range (escaped for XML and PO where the file's text is escaped);
- hover with the finding's message and the rule's documentation from the registry (``tqcheck rules list``).

Positions are converted between tqcheck's characters (code points) and the client's units (UTF-16 unless the
client and server agree on UTF-8 or UTF-32). Checks run on one worker thread, so the server keeps answering while a
document is checked; the pipelines (and their models) are loaded once per configuration and kept for the session.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import click

import tqcheck
from tqcheck.cli.common import fail
from tqcheck.core.errors import BackendError, TqcheckError, UsageError
from tqcheck.core.finding import Finding

#: Seconds to wait after the last change before a document is checked again.
DEBOUNCE_SECONDS = 0.4
#: Editor language ids -> a file name suffix, for documents without a path (untitled buffers).
LANGUAGE_SUFFIXES = {"markdown": ".md", "po": ".po", "gettext": ".po", "xliff": ".xlf", "xml": ".xlf",
                     "plaintext": ".txt", "text": ".txt"}
#: Names of configuration files: saving one reloads the settings and checks every open document again.
CONFIG_NAMES = (".tqcheck.toml", "pyproject.toml")
SOURCE = "tqcheck"

log = logging.getLogger("tqcheck.server")


# -- positions: tqcheck counts characters (code points), LSP clients count UTF-16 units by default ----------------

def client_units(text: str, encoding: str = "utf-16") -> int:
    """Length of ``text`` in the client's position units (``utf-16``, ``utf-8`` or ``utf-32``)."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def char_column(line: str, units: int, encoding: str = "utf-16") -> int:
    """The character column of a client column ``units`` in ``line`` (clamped to the line's end)."""
    if encoding == "utf-32":
        return min(units, len(line))
    counted = 0
    for i, char in enumerate(line):
        if counted >= units:
            return i
        counted += client_units(char, encoding)
    return len(line)


# -- a checked document: its text, its findings and where they are ----------------------------------------------

@dataclass
class Located:
    """A finding with its place in the checked text: 0-based lines and character columns, both ends."""

    finding: Finding
    start: tuple[int, int]
    end: tuple[int, int]


@dataclass
class Checked:
    """The result of checking one version of a document."""

    version: int | None
    lines: list[str]
    fmt: str
    located: list[Located] = field(default_factory=list)
    error: str = ""
    settings: Any = None

    def text_between(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The text from ``start`` to ``end`` (0-based line and character column)."""
        if start[0] == end[0]:
            return self.lines[start[0]][start[1]:end[1]]
        middle = self.lines[start[0] + 1:end[0]]
        return "\n".join([self.lines[start[0]][start[1]:], *middle, self.lines[end[0]][:end[1]]])


def split_lines(text: str) -> list[str]:
    """Lines as an LSP client counts them (``\\n``, ``\\r\\n`` and ``\\r`` end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def edit_text(fmt: str, original: str, matched: str, replacement: str) -> str | None:
    """The text that replaces ``original`` (the file's bytes of a finding) with ``replacement``, escaped as the
    format escapes it; None when ``original`` does not read as ``matched`` (an edit there could break the file)."""
    if fmt in ("xliff", "tmx"):
        if html.unescape(original) != matched:
            return None
        return replacement.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if fmt == "po":
        if _po_unescape(original) != matched:
            return None
        return replacement.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return replacement if original == matched else None


def _po_unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# -- checking: one pipeline per configuration, loaded on the worker thread ---------------------------------------

class Checker:
    """Checks editor buffers with the settings of their nearest config file; pipelines are kept per config."""

    def __init__(self, config: str | None = None) -> None:
        self.config = config
        self._pipelines: dict[str, Any] = {}
        self._registries: dict[str, Any] = {}
        self._lock = threading.Lock()

    def settings_for(self, path: str):
        """Settings for a document at ``path``: defaults < nearest config file < ``--config``."""
        from tqcheck.core.config import load_settings

        # an unsaved buffer's file does not exist yet: its folder's config applies
        start = Path(path) if Path(path).exists() else Path(path).parent
        return load_settings([str(start if start.exists() else Path.cwd())], self.config)

    @staticmethod
    def _key(settings) -> str:
        return "|".join(settings.config_files)

    def pipeline(self, settings):
        """The pipeline for ``settings`` (loaded on first use, then kept)."""
        from tqcheck.engine.pipeline import Pipeline

        key = self._key(settings)
        with self._lock:
            if key not in self._pipelines:
                self._pipelines[key] = Pipeline(settings)
            return self._pipelines[key]

    def registry(self, settings):
        """The rule registry of ``settings`` (rule documentation for hover)."""
        from tqcheck.checks.catalog import registry

        key = self._key(settings)
        with self._lock:
            if key not in self._registries:
                self._registries[key] = registry(settings)
            return self._registries[key]

    def check(self, path: str, text: str, version: int | None) -> Checked:
        """Check ``text`` as the file ``path``: its findings located in its lines, or the one-line error."""
        from tqcheck.core.document import cut
        from tqcheck.readers.inputs import EXTENSIONS, reader_for, read_with

        lines = split_lines(text)
        fmt = EXTENSIONS.get(Path(path).suffix.lower(), "text")
        result = Checked(version, lines, fmt)
        if not text.strip():
            return result  # a new, empty buffer: nothing to say (``check`` calls it an error)
        try:
            settings = self.settings_for(path)
            result.settings = settings
            document = read_with(reader_for(path), path, text.encode("utf-8"), settings)
            pipeline = self.pipeline(settings)
            findings = [f for part in cut(document) for f in pipeline.check_document(part).findings]
        except TqcheckError as exc:
            result.error = str(exc)
            return result
        bom = 1 if text.startswith("\ufeff") else 0
        result.located = [self._locate(f, bom) for f in findings]
        return result

    @staticmethod
    def _locate(finding: Finding, bom: int = 0) -> Located:
        """Columns count characters of the reader's text: line ends normalised to \\n (the client's lines too),
        a byte-order mark dropped (the client's first line may still have it: ``bom``)."""
        start = (finding.line - 1, finding.column - 1 + (bom if finding.line == 1 else 0))
        end = (finding.end_line - 1, finding.end_column - 1 + (bom if finding.end_line == 1 else 0))
        return Located(finding, start, end)

    def close(self) -> None:
        """Shut every pipeline down."""
        with self._lock:
            for pipeline in self._pipelines.values():
                pipeline.close()
            self._pipelines.clear()


# -- the language server -----------------------------------------------------------------------------------------

#: MQM severity -> LSP DiagnosticSeverity (Error, Warning, Information).
SEVERITIES = {"critical": 1, "major": 2, "minor": 3}


def build_server(config: str | None = None, debounce: float = DEBOUNCE_SECONDS):
    """The pygls language server, its handlers registered."""
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path

    server = LanguageServer("tqcheck", tqcheck.__version__,
                            text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
    checker = Checker(config)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tqcheck-check")
    results: dict[str, Checked] = {}
    pending: dict[str, asyncio.Task] = {}
    latest: dict[str, int | None] = {}

    def encoding() -> str:
        value = server.workspace.position_encoding
        return str(getattr(value, "value", value) or "utf-16")

    def path_of(uri: str, language_id: str = "") -> str:
        path = to_fs_path(uri)
        if path is None:  # an untitled buffer: a name in the working folder with the language's suffix
            path = os.path.join(os.getcwd(), "untitled" + LANGUAGE_SUFFIXES.get(language_id, ".txt"))
        return path

    def position(checked: Checked, line: int, column: int) -> "types.Position":
        text = checked.lines[line] if line < len(checked.lines) else ""
        return types.Position(line=line, character=client_units(text[:column], encoding()))

    def to_range(checked: Checked, located: Located) -> "types.Range":
        return types.Range(start=position(checked, *located.start), end=position(checked, *located.end))

    def diagnostic(checked: Checked, located: Located) -> "types.Diagnostic":
        finding = located.finding
        rules = [finding.rule_id, *[r for r in finding.rules if r != finding.rule_id]]
        message = finding.message
        if len(rules) > 1:
            message += f" (also {', '.join(rules[1:])})"
        return types.Diagnostic(
            range=to_range(checked, located), message=message,
            severity=types.DiagnosticSeverity(SEVERITIES[finding.severity.value]), code=finding.rule_id, source=SOURCE,
            code_description=(types.CodeDescription(href=finding.link)
                              if finding.link.startswith(("https://", "http://")) else None),
            data={"rule_id": finding.rule_id, "suggestions": list(finding.suggestions)})

    def error_diagnostic(message: str) -> "types.Diagnostic":
        place = types.Position(line=0, character=0)
        return types.Diagnostic(range=types.Range(start=place, end=place), message=message,
                                severity=types.DiagnosticSeverity.Error, source=SOURCE, code="tqcheck.Error")

    async def run_check(uri: str, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = server.workspace.get_text_document(uri)
        version, text = document.version, document.source
        path = path_of(uri, document.language_id or "")
        loop = asyncio.get_running_loop()

        def work() -> Checked | None:
            if latest.get(uri, version) != version:
                return None  # a newer version is on its way
            try:
                return checker.check(path, text, version)
            except Exception as exc:  # a defect, not the user's: say so in the editor, keep serving
                log.exception("checking %s failed", path)
                failed = Checked(version, split_lines(text), "text")
                failed.error = f"tqcheck failed on this file ({type(exc).__name__}: {exc}); please report it"
                return failed

        checked = await loop.run_in_executor(worker, work)
        if checked is None or uri not in latest or latest[uri] != version:
            return
        results[uri] = checked
        diagnostics = ([error_diagnostic(checked.error)] if checked.error
                       else [diagnostic(checked, item) for item in checked.located])
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics))

    def schedule(uri: str, delay: float = 0.0) -> None:
        previous = pending.pop(uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.ensure_future(run_check(uri, delay))
        pending[uri] = task
        task.add_done_callback(lambda t: _log_failure(t, uri))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: types.DidOpenTextDocumentParams) -> None:
        latest[params.text_document.uri] = params.text_document.version
        schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: types.DidChangeTextDocumentParams) -> None:
        latest[params.text_document.uri] = params.text_document.version
        results.pop(params.text_document.uri, None)
        schedule(params.text_document.uri, debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if Path(to_fs_path(uri) or "").name in CONFIG_NAMES:  # new settings: load again, check everything again
            worker.submit(checker.close)
            for open_uri in list(latest):
                schedule(open_uri)
        elif uri in latest:
            schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        latest.pop(uri, None)
        results.pop(uri, None)
        task = pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def current(uri: str) -> Checked | None:
        checked = results.get(uri)
        if checked is None or checked.version != latest.get(uri):
            return None  # findings of an older text: their places may have moved
        return checked

    def char_position(checked: Checked, pos: "types.Position") -> tuple[int, int]:
        text = checked.lines[pos.line] if pos.line < len(checked.lines) else ""
        return pos.line, char_column(text, pos.character, encoding())

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        checked = current(uri)
        if checked is None:
            return []
        first = char_position(checked, params.range.start)
        last = char_position(checked, params.range.end)
        actions: list[types.CodeAction] = []
        for item in checked.located:
            if item.end < first or item.start > last or not item.finding.suggestions:
                continue
            finding = item.finding
            original = checked.text_between(item.start, item.end)
            diag = diagnostic(checked, item)
            for n, suggestion in enumerate(finding.suggestions):
                new_text = edit_text(checked.fmt, original, finding.matched, suggestion)
                if new_text is None:
                    continue
                edit = types.TextEdit(range=diag.range, new_text=new_text)
                actions.append(types.CodeAction(
                    title=f"Replace '{finding.matched}' with '{suggestion}' ({finding.rule_id})",
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                    is_preferred=n == 0 and len(finding.suggestions) == 1,
                    edit=types.WorkspaceEdit(changes={uri: [edit]})))
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: types.HoverParams) -> types.Hover | None:
        checked = current(params.text_document.uri)
        if checked is None:
            return None
        at = char_position(checked, params.position)
        found = [item for item in checked.located if item.start <= at <= item.end]
        if not found:
            return None
        parts = [hover_text(item.finding, checker.registry(checked.settings) if checked.settings else None)
                 for item in found]
        first = min(found, key=lambda i: i.start)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
                           range=to_range(checked, first))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls, params: Any) -> None:
        for task in pending.values():
            task.cancel()
        worker.submit(checker.close).result()
        worker.shutdown(wait=False, cancel_futures=True)

    server.tqcheck_checker = checker  # tests reach the checker through the server
    return server


def hover_text(finding: Finding, registry) -> str:
    """Markdown for a finding: id, severity and category, the message, suggestions, the rule's documentation."""
    lines = [f"**{finding.rule_id}** ({finding.severity.value}, {finding.category})", "", finding.message]
    others = [r for r in finding.rules if r != finding.rule_id]
    if others:
        lines += ["", "Also reported by: " + ", ".join(f"`{r}`" for r in others)]
    if finding.suggestions:
        lines += ["", "Suggestions: " + ", ".join(f"`{s}`" for s in finding.suggestions)]
    entry = registry.lookup(finding.rule_id) if registry is not None else None
    if entry is not None:
        lines += ["", entry.description]
    link = finding.link or (entry.link if entry is not None else "")
    if link:
        lines += ["", f"[Documentation]({link})"]
    return "\n".join(lines)


def _log_failure(task: asyncio.Task, uri: str) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("checking %s failed: %s", uri, task.exception())


@click.command("server")
@click.option("--stdio", is_flag=True, help="Speak over standard input and output (the default and only transport).")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="Config file applied on top of the one found from each document's path.")
@click.option("--debounce", type=click.FloatRange(0, 10), default=DEBOUNCE_SECONDS, show_default=True,
              help="Seconds after the last change before a document is checked again.")
def server(stdio: bool, config: str | None, debounce: float) -> None:
    """Run the Language Server Protocol over stdio: diagnostics, quick fixes and hover in your editor.

    Setup for VS Code and Neovim: docs/editor.md.
    """
    try:
        import pygls  # noqa: F401
    except ImportError:
        fail(BackendError("tqcheck server needs pygls: pip install 'pygls>=2.0'"))
    if config is not None and not Path(config).is_file():
        fail(UsageError("no such config file", path=config))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the protocol owns standard output: a stray print must not break it
    build_server(config, debounce).start_io(stdin, stdout)


__all__: Sequence[str] = ["server", "build_server", "Checker", "client_units", "char_column", "edit_text"]
