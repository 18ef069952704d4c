"""Harper (harper-py): the offline grammar and spelling engine, in process."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from typing import Iterator

from tqcheck.core.interfaces import Progress, no_progress
from tqcheck.core.document import Document
from tqcheck.core.errors import BackendError
from tqcheck.checks.grammar.base import Block, Issue, harper_mqm, make_blocks

#: tqcheck dialect -> Harper dialect name (Harper has no New Zealand or South African English).
HARPER_DIALECTS: dict[str, str] = {
    "en-US": "AMERICAN",
    "en-GB": "BRITISH",
    "en-AU": "AUSTRALIAN",
    "en-CA": "CANADIAN",
    "en-IN": "INDIAN",
    "en-NZ": "BRITISH",
    "en-ZA": "BRITISH",
}

#: Characters of text linted in one call (whole paragraphs; bigger calls are not faster).
BLOCK_CHARS = 10_000
#: Documents of at least this many blocks are linted by two threads.
PARALLEL_BLOCKS = 3
#: A segment longer than a block is linted in pieces of this many characters: Harper's time grows faster than
#: the length of one unbroken stretch of bracket-heavy text (a 4,000-character one took 2.1 s, a 2,000 one 0.8 s),
#: so short pieces keep every call short enough to stop between two of them.
SEGMENT_CHARS = 2_000
#: Harper's time budget for one segment: this many seconds, plus ``BUDGET_PER_CHAR`` per character of it. A
#: segment over its budget is not linted further and is reported without grammar findings, with a notice. The
#: time is the CPU time of the thread that lints (a busy machine does not make a segment go over).
SEGMENT_BUDGET_SECONDS = 5.0
BUDGET_PER_CHAR = 20e-6

#: Harper's issues link to its rule list.
HARPER_LINK = "https://writewithharper.com/docs/rules"


#: Harper's finding on a sentence's length; it names the number of words of the text it was given.
LENGTH_RULE = "harper.Readability.LongSentences"


def one_length_finding(issues: list[Issue], cut: set[int]) -> list[Issue]:
    """``issues`` with one length finding per segment linted in pieces (``cut``): Harper reports each piece of a
    long sentence as a long sentence of the piece's length. The first is kept, over the whole segment, with the
    segment's own number of words; every other finding is left as it is."""
    out, seen = [], set()
    for issue in issues:
        index = issue.segment.index
        if issue.rule_id == LENGTH_RULE and index in cut:
            if index in seen:
                continue
            seen.add(index)
            text = issue.segment.text
            issue = replace(issue, start=0, end=len(text), message=f"This sentence is {len(text.split())} words long.")
        out.append(issue)
    return out


class HarperEngine:
    """Harper's lints for every segment, rule ids ``harper.<LintKind>.<Rule>``.

    With ``threads=2``, documents of three blocks or more are linted by two threads,
    each with its own ``Linter`` (Harper releases the GIL while linting; a Linter is
    not thread-safe). One thread is the default: on the shared 2-core benchmark
    machine two threads were slower and used more memory (docs/benchmarks-grammar.md).
    """

    name = "harper"

    def __init__(self, dialect: str = "en-US", threads: int | None = None) -> None:
        try:
            import harper
        except ImportError:  # pragma: no cover - harper-py is a dependency
            raise BackendError("Harper is not installed: pip install harper-py==0.2.0") from None
        self.notices: list[str] = []
        self.dialect = dialect
        harper_name = HARPER_DIALECTS.get(dialect, "AMERICAN")
        if dialect in ("en-NZ", "en-ZA"):
            self.notices.append(f"Harper has no {dialect} dialect: using British English spelling.")
        self._harper_dialect = getattr(harper.Dialect, harper_name)
        # Harper's first Linter takes most of a second to build (its dictionary and rules) and releases the
        # GIL meanwhile: build it in a thread, so the other models load at the same time on a second core.
        self._built: list = []
        self._building = threading.Thread(target=self._build, name="tqcheck-harper", daemon=True)
        self._building.start()
        self._spare = None
        self.threads = max(1, min(2, os.cpu_count() or 1, threads or 1))

    def _build(self) -> None:
        import harper

        try:
            self._built.append(harper.Linter(self._harper_dialect))
        except BaseException as exc:  # noqa: BLE001 - raised again in the thread that uses the linter
            self._built.append(exc)

    @property
    def _linter(self):
        """Harper's Linter (waits for the thread building it; its error, if any, is raised here)."""
        if self._building is not None:
            self._building.join()
            self._building = None
        linter = self._built[0]
        if isinstance(linter, BaseException):
            raise BackendError(f"Harper failed to start: {linter}") from linter
        return linter

    def version(self) -> str:
        """``harper-py <version> (<dialect>)``."""
        from tqcheck.core.versions import installed_version

        return f"harper-py {installed_version('harper-py') or 'unknown'} ({self.dialect})"

    def issues(self, document: Document, progress: Progress = no_progress) -> list[Issue]:
        """Harper's issues in ``document``, linted a block of paragraphs at a time; a segment that exceeds its
        time budget (``SEGMENT_BUDGET_SECONDS``) is not linted further and keeps no Harper issue (a notice
        names it)."""
        found: list[Issue] = []
        spent: dict[int, float] = {}
        over: dict[int, object] = {}

        def skip(block: Block) -> bool:
            return all(piece.segment.index in over for piece in block.pieces)

        blocks = make_blocks(document.segments, BLOCK_CHARS, SEGMENT_CHARS)
        linted = self._linted(blocks, skip)
        try:
            for block, by_rule, seconds in linted:
                if by_rule is not None:
                    found.extend(self._block_issues(block, by_rule))
                    chars = sum(piece.length for piece in block.pieces) or 1
                    for piece in block.pieces:  # the call's time, shared by the characters of each segment
                        index = piece.segment.index
                        spent[index] = spent.get(index, 0.0) + seconds * piece.length / chars
                        if index not in over and spent[index] > segment_budget(piece.segment.text):
                            over[index] = piece.segment
                done = block.finished_segments()
                if done:
                    progress(done)
        finally:
            linted.close()  # stops the worker threads at once on an error or Ctrl-C
        found = one_length_finding(found, {p.segment.index for b in blocks for p in b.pieces
                                           if p.length < len(p.segment.text)})
        if over:
            found = [issue for issue in found if issue.segment.index not in over]
            for segment in over.values():
                budget = segment_budget(segment.text)
                self.notices.append(f"Harper: {segment.file}:{segment.line}: segment {segment.index + 1} "
                                    f"({len(segment.text):,} characters) took more than its {budget:.1f} s "
                                    "grammar budget; it is reported without grammar findings")
        return found

    def _block_issues(self, block: Block, by_rule: dict) -> list[Issue]:
        found: list[Issue] = []
        for rule, lints in by_rule.items():
            for lint in lints:
                place = block.locate(lint.span.start, lint.span.end)
                if place is None:
                    continue
                segment, start, end = place
                whole = end - start == lint.span.end - lint.span.start
                category, severity = harper_mqm(lint.lint_kind)
                found.append(Issue(
                    segment=segment, start=start, end=end,
                    rule_id=f"harper.{lint.lint_kind}.{rule}",
                    message=lint.message, category=category, severity=severity,
                    engine="harper", suggestions=_suggestions(lint, start, end, segment.text) if whole else [],
                    link=HARPER_LINK, misspelling=lint.lint_kind == "Spelling" and rule == "SpellCheck"))
        return found

    def _linted(self, blocks: list[Block], skip=lambda block: False) -> Iterator[tuple[Block, dict | None, float]]:
        """(block, lints by rule, seconds taken) in block order, None for a block ``skip`` says to leave out;
        two threads for long documents."""
        if self.threads < 2 or len(blocks) < PARALLEL_BLOCKS:
            for block in blocks:
                if skip(block):
                    yield block, None, 0.0
                    continue
                linter = self._linter
                began = time.thread_time()
                lints = linter.organized_lints(block.text, language="plaintext")
                yield block, lints, time.thread_time() - began
            return
        import harper

        if self._spare is None:
            self._spare = harper.Linter(self._harper_dialect)
        results: list[Future] = [Future() for _ in blocks]
        stop = threading.Event()

        def work(linter, start: int) -> None:
            for i in range(start, len(blocks), 2):
                if stop.is_set():
                    return
                try:
                    if skip(blocks[i]):
                        results[i].set_result((None, 0.0))
                        continue
                    began = time.thread_time()
                    lints = linter.organized_lints(blocks[i].text, language="plaintext")
                    results[i].set_result((lints, time.thread_time() - began))
                except BaseException as exc:  # handed to the main thread
                    results[i].set_exception(exc)
                    return

        workers = [threading.Thread(target=work, args=(linter, n), daemon=True, name=f"tqcheck-harper-{n}")
                   for n, linter in enumerate((self._linter, self._spare))]
        for worker in workers:
            worker.start()
        try:
            for block, result in zip(blocks, results):
                yield (block, *result.result())
        finally:
            stop.set()  # on an error or Ctrl-C: workers stop after their current block
            for worker in workers:
                worker.join()

    def close(self) -> None:
        """Nothing to release (Harper runs in process)."""


def segment_budget(text: str) -> float:
    """Seconds Harper may spend on a segment of ``text``."""
    return SEGMENT_BUDGET_SECONDS + BUDGET_PER_CHAR * len(text)


def _suggestions(lint, start: int, end: int, text: str) -> list[str]:
    """Replacement texts of a lint's suggestions ("" removes; insertions are shown whole)."""
    out: list[str] = []
    for suggestion in lint.suggestions:
        kind = int(suggestion.kind)
        if kind == 0:  # REPLACE
            value = suggestion.replacement_text
        elif kind == 1:  # REMOVE
            value = ""
        else:  # INSERT_AFTER: the flagged text followed by the insertion
            value = text[start:end] + suggestion.replacement_text
        if value not in out:
            out.append(value)
    return out
