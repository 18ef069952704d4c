"""Applying suggestions to the checked files (``tqcheck check --fix`` / ``--diff`` / ``tqcheck review``).

The fix model follows ruff's: a finding's ``Fix`` (``fix_of``) holds its edits and how sure they are:

- **safe**: the rule declares itself ``fixable`` in the registry and the finding has exactly one suggestion;
  ``--fix`` applies it;
- **unsafe**: one suggestion of a rule not marked fixable (it may change the meaning); ``--fix --unsafe-fixes``
  applies it;
- **display-only**: several suggestions (a person chooses: ``tqcheck review``); never applied automatically.

Files are edited like a CAT tool edits them: only the characters of the target text a fix changes are
rewritten, every other byte of the file stays as it was (encoding, BOM, line endings, declaration, attribute
order, entities, inline codes, PO wrapping). Where the target is and how a replacement is written there is
``tqcheck.policy.fix_targets``: a source segment, Markdown code, an HTML tag, script or style, an inline code
and a locked or signed-off unit are never changed. A fixed XLIFF unit's state says it needs review (unless
``keep_state``).

Nothing here writes until ``write_fixes``; a ``FileFix`` holds the old and new bytes (for ``--diff``) and
what was applied and what was left, with the reason. ``write_fixes`` writes through a randomly named
temporary file created exclusively in the file's folder (never a planted link), keeps the file's mode, owner,
hard links and symbolic links (edited in place through the existing inode where a rename would break them),
and refuses read-only files.
"""

from __future__ import annotations

import codecs
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from tqcheck.core.document import Document, Segment
from tqcheck.core.errors import InputError
from tqcheck.core.finding import Applicability, Finding, Fix, TextEdit
from tqcheck.policy.fix_targets import Refused, load_store, targets_for  # noqa: F401 (load_store: kept here for callers)

if TYPE_CHECKING:
    from tqcheck.checks.catalog import RuleRegistry
    from tqcheck.core.config import Settings
    from tqcheck.output.report import Report

#: Formats fixed by replacing characters of the original text.
TEXT_FORMATS = ("text", "markdown", "srt", "table", "jsonl")
#: Bilingual formats whose units are located again in the text (locks and states read there).
STORE_FORMATS = ("po", "xliff", "tmx")
#: Suffix of the temporary files ``write_fixes`` makes (after a random part).
TEMPORARY_SUFFIX = ".tqcheck-fix"


@dataclass(frozen=True)
class Edit:
    """Replace the span of ``finding`` with ``replacement`` (a decision: by --fix or by a person)."""

    finding: Finding
    replacement: str


@dataclass
class FileFix:
    """The fixes of one file: old and new bytes, edits applied, findings left (with why)."""

    path: str
    old: bytes = b""
    new: bytes = b""
    applied: list[Edit] = field(default_factory=list)
    left: list[tuple[Finding, str]] = field(default_factory=list)
    #: The text came from standard input: it can be shown as a diff, never written.
    stdin: bool = False
    #: Why the file could not be written (set by ``write_fixes``), else empty.
    error: str = ""

    @property
    def changed(self) -> bool:
        """Whether the file's bytes change."""
        return bool(self.applied) and self.new != self.old

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changes)."""
        if not self.changed:
            return ""
        old, new = (_text_of(self.old), _text_of(self.new))
        lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{self.path}", tofile=f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def fix_of(finding: Finding, registry: "RuleRegistry") -> Fix | None:
    """The fix a finding offers (its first suggestion over its span), or None when it offers none."""
    if not finding.suggestions or finding.end <= finding.start:
        return None
    edits = (TextEdit(finding.start, finding.end, finding.suggestions[0]),)
    if len(finding.suggestions) != 1:
        return Fix(edits, Applicability.DISPLAY_ONLY,
                   f"{len(finding.suggestions)} suggestions (choose one: tqcheck review FILE)")
    if not registry.fixable(finding.rule_id):
        return Fix(edits, Applicability.UNSAFE,
                   "unsafe fix: rule not marked fixable (apply with --unsafe-fixes or review it: tqcheck review FILE)")
    return Fix(edits, Applicability.SAFE)


def why_not_fixable(finding: Finding, registry: "RuleRegistry", unsafe: bool = False) -> str:
    """Empty when ``finding`` is fixed automatically (``unsafe``: with --unsafe-fixes), else the reason."""
    if not finding.suggestions:
        return "no suggestion"
    fix = fix_of(finding, registry)
    if fix is None:
        return "no span to replace"
    return "" if fix.applies(unsafe) else fix.reason


def plan_fixes(report: "Report", registry: "RuleRegistry", *, unsafe: bool = False, keep_state: bool = False,
               settings: "Settings | None" = None, stdin_names: Iterable[str] = ()) -> list[FileFix]:
    """For every file with a fixable finding: the new bytes with every fix that applies made.

    ``stdin_names``: the names documents read from standard input carry (their text is what was piped).
    """
    by_file: dict[str, list[Edit]] = {}
    left: dict[str, list[tuple[Finding, str]]] = {}
    for finding in report.findings:
        reason = why_not_fixable(finding, registry, unsafe)
        if reason:
            if finding.suggestions:
                left.setdefault(finding.file, []).append((finding, reason))
            continue
        by_file.setdefault(finding.file, []).append(Edit(finding, finding.suggestions[0]))
    fixes = []
    documents = {d.path: d for d in report.documents}
    stdin = set(stdin_names)
    for path in sorted(set(by_file) | set(left)):
        edits = by_file.get(path, [])
        try:
            fix = (apply_edits(documents[path], edits, keep_state=keep_state, settings=settings,
                               stdin=path in stdin) if edits else FileFix(path, stdin=path in stdin))
        except InputError as exc:  # one file that cannot be read again never stops the others' fixes
            fix = FileFix(path, error=str(exc), left=[(e.finding, "the file cannot be read again") for e in edits])
        fix.left = left.get(path, []) + fix.left
        fixes.append(fix)
    return fixes


def locked_reason(document: Document, segment: Segment) -> str:
    """Why the unit of ``segment`` must not be changed (locked, signed off, the source), else ''."""
    if document.format not in STORE_FORMATS:
        return ""
    try:
        return targets_for(document).locked(segment)
    except Exception:  # an unreadable unit is refused when it is fixed, with its reason
        return ""


def apply_edits(document: Document, edits: Sequence[Edit], *, keep_state: bool = False,
                settings: "Settings | None" = None, stdin: bool = False) -> FileFix:
    """The new bytes of ``document``'s file with ``edits`` applied (overlapping edits after the first are left).

    ``stdin``: the document's text is what was piped (shown by --diff, never written)."""
    fix = FileFix(document.path, stdin=stdin)
    if stdin or document.path in ("-", "") or document.path.startswith("<"):
        fix.stdin = True
        stored = RawText(b"", "utf-8", document.text)
        fix.old = document.text.encode("utf-8")
    else:
        try:
            fix.old = Path(document.path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read for fixing: {exc.strerror or exc}", path=document.path) from None
        try:
            stored = raw_text(fix.old)
        except UnicodeDecodeError:
            stored = None
        if stored is None or stored.text.replace("\r\n", "\n").replace("\r", "\n") != document.text:
            fix.left = [(e.finding, "the file changed since it was checked") for e in edits]
            fix.new = fix.old
            return fix
    chosen: list[Edit] = []
    taken: list[tuple[int, int, int]] = []
    for edit in sorted(edits, key=lambda e: (e.finding.segment, e.finding.start, e.finding.end)):
        f = edit.finding
        if any(seg == f.segment and f.start < end and start < f.end for seg, start, end in taken):
            fix.left.append((f, "overlaps another fix"))
            continue
        taken.append((f.segment, f.start, f.end))
        chosen.append(edit)
    targets = targets_for(document, settings)
    ops: dict[tuple[int, int], str] = {}
    applied: list[Edit] = []
    for edit in chosen:
        f = edit.finding
        segment = document.segments[f.segment] if f.segment < len(document.segments) else None
        if segment is None or segment.index != f.segment:
            segment = next((s for s in document.segments if s.index == f.segment), None)
        if segment is None:
            fix.left.append((f, "segment not found again"))
            continue
        try:
            found = targets.ops(segment, f.start, f.end, f.matched, edit.replacement)
            if not keep_state:
                found = found + [op for op in targets.state_ops(segment) if (op[0], op[1]) not in ops]
        except Refused as exc:
            fix.left.append((f, str(exc)))
            continue
        except Exception as exc:  # a unit the locating code cannot read: left alone, never a half-made fix
            fix.left.append((f, f"the target text could not be located again ({type(exc).__name__})"))
            continue
        ops.update(((start, end), new) for start, end, new in found)
        applied.append(edit)
    fix.applied = sorted(applied, key=lambda e: e.finding.sort_key)
    fix.new = stored.encode(apply_ops(stored.text, ops)) if applied else fix.old
    return fix


def apply_ops(stored: str, ops: dict[tuple[int, int], str]) -> str:
    """``stored`` (the file's text with its own line endings) with the operations made; their offsets are in
    the text with line breaks normalised, as the readers read it."""
    where = normalised_offsets(stored) if "\r" in stored else None
    text = stored
    for (start, end), new in sorted(ops.items(), reverse=True):
        if where is not None:
            start, end = where[start], where[end]
        text = text[:start] + new + text[end:]
    return text


# -- text formats: replace characters of the original text ---------------------------------------

@dataclass
class RawText:
    """A file's text as stored: BOM, codec, and the text with its own line endings."""

    bom: bytes
    codec: str
    text: str

    def encode(self, text: str) -> bytes:
        """``text`` in the file's codec, with its BOM."""
        if self.codec == "utf-16":
            codec = "utf-16-le" if self.bom == codecs.BOM_UTF16_LE else "utf-16-be"
            return self.bom + text.encode(codec)
        return self.bom + text.encode(self.codec)


def raw_text(raw: bytes) -> RawText:
    """The text of a file as tqcheck.readers.inputs.decode reads it, but with its line endings kept."""
    if raw.startswith(codecs.BOM_UTF8):
        return RawText(codecs.BOM_UTF8, "utf-8", raw[3:].decode("utf-8"))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return RawText(bom, "utf-16", raw[2:].decode(codec))
    return RawText(b"", "utf-8", raw.decode("utf-8"))


def normalised_offsets(text: str) -> list[int]:
    """For each character of ``text`` with CRLF and CR read as LF: its offset in ``text`` (plus the end)."""
    offsets = []
    i = 0
    while i < len(text):
        offsets.append(i)
        i += 2 if text.startswith("\r\n", i) else 1
    offsets.append(len(text))
    return offsets


# -- writing ------------------------------------------------------------------------------------

def write_fixes(fixes: Iterable[FileFix]) -> list[FileFix]:
    """Write every changed file (see ``write_file``); returns those written. A file that cannot be written
    gets its ``error`` and stays as it was; the others are written all the same."""
    written = []
    for fix in fixes:
        if not fix.changed:
            continue
        if fix.stdin:
            fix.left = [(e.finding, "standard input cannot be fixed in place (use --diff)") for e in fix.applied] \
                + fix.left
            fix.applied = []
            continue
        try:
            write_file(fix.path, fix.old, fix.new)
        except (InputError, OSError) as exc:
            fix.error = str(exc) if isinstance(exc, InputError) else f"{fix.path}: cannot fix: {exc.strerror or exc}"
            continue
        written.append(fix)
    return written


def write_file(path: str, old: bytes, new: bytes) -> None:
    """Replace the bytes ``old`` of the file at ``path`` with ``new``, keeping what the file is.

    A symbolic link named as the input stays a link: the file it points to is changed. The new bytes go to a
    randomly named temporary file created exclusively (``O_EXCL``, a link planted at that name is never
    followed) in the file's folder, get the file's mode and owner, and are renamed over it. Where a rename
    would break something (the file has several hard links, its owner cannot be given to a new file, or its
    folder is not writable) the existing inode is rewritten in place instead. A read-only file, a file that is
    not a regular file and a file that changed since it was read are refused (InputError)."""
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError as exc:
        raise InputError(f"cannot fix: {exc.strerror or exc}", path=path) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("cannot fix: not a regular file", path=path)
    if not info.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise InputError("cannot fix: the file is read-only", path=path)
    if _read_nofollow(real, path) != old:
        raise InputError("the file changed while it was being fixed; run again", path=path)
    if info.st_nlink > 1:
        _write_in_place(real, path, info, old, new)
        return
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=TEMPORARY_SUFFIX,
                                       dir=os.path.dirname(real))
    except PermissionError:
        _write_in_place(real, path, info, old, new)
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(new)
            stream.flush()
            os.fchmod(stream.fileno(), stat.S_IMODE(info.st_mode))
            mine = os.fstat(stream.fileno())
            if (mine.st_uid, mine.st_gid) != (info.st_uid, info.st_gid):
                try:
                    os.fchown(stream.fileno(), info.st_uid, info.st_gid)
                    os.fchmod(stream.fileno(), stat.S_IMODE(info.st_mode))  # chown clears set-id bits
                except PermissionError:
                    os.unlink(tmp)
                    tmp = ""
            if tmp:
                os.fsync(stream.fileno())
        if not tmp:  # the owner cannot be kept by a new file: rewrite the existing one
            _write_in_place(real, path, info, old, new)
            return
        current = os.stat(real, follow_symlinks=False)
        if (current.st_dev, current.st_ino) != (info.st_dev, info.st_ino):
            raise InputError("the file was replaced while it was being fixed; run again", path=path)
        os.replace(tmp, real)
        tmp = ""
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _read_nofollow(real: str, path: str) -> bytes:
    """The bytes of ``real`` (opened without following a link: a link put there since is refused)."""
    try:
        handle = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise InputError(f"cannot fix: {exc.strerror or exc}", path=path) from None
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def _write_in_place(real: str, path: str, info: os.stat_result, old: bytes, new: bytes) -> None:
    """Rewrite the existing inode (links, owner and mode stay); on a failure the old bytes are put back."""
    handle = os.open(real, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(handle, "r+b") as stream:
        now = os.fstat(stream.fileno())
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino) or stream.read() != old:
            raise InputError("the file changed while it was being fixed; run again", path=path)
        try:
            stream.seek(0)
            stream.write(new)
            stream.truncate(len(new))
            stream.flush()
            os.fsync(stream.fileno())
        except OSError as exc:
            stream.seek(0)
            stream.write(old)
            stream.truncate(len(old))
            stream.flush()
            raise InputError(f"cannot fix: {exc.strerror or exc} (the file was left as it was)", path=path) from None


def replace_files(report: "Report", fresh: "Report") -> "Report":
    """``report`` with the files checked again in ``fresh`` (after --fix) taking the place of their old
    results: the other files' documents, findings and scores are kept as they were."""
    from tqcheck.output.report import Report

    again = {d.path: d for d in fresh.documents}
    documents = [again.get(d.path, d) for d in report.documents]
    documents += [d for d in fresh.documents if d.path not in {x.path for x in report.documents}]
    findings = [f for f in report.findings if f.file not in again] + list(fresh.findings)
    scores = {k: v for k, v in report.scores.items() if k[0] not in again}
    scores.update(fresh.scores)
    similarity = {k: v for k, v in report.similarity.items() if k[0] not in again}
    similarity.update(fresh.similarity)
    return Report(documents, findings, scores, signature=dict(report.signature),
                  notices=sorted(set(report.notices) | set(fresh.notices)), flag_threshold=report.flag_threshold,
                  similarity=similarity)


def _text_of(data: bytes) -> str:
    return raw_text(data).text if data else ""


__all__ = ["Edit", "FileFix", "fix_of", "plan_fixes", "apply_edits", "write_fixes", "write_file", "why_not_fixable",
           "raw_text", "replace_files", "locked_reason"]
