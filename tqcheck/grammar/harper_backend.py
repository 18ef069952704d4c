"""Harper (harper-py): the offline grammar and spelling engine, in process."""

from __future__ import annotations

from tqcheck.checks import Progress, no_progress
from tqcheck.document import Document
from tqcheck.errors import BackendError
from tqcheck.grammar.base import Issue, harper_mqm, make_blocks

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
BLOCK_CHARS = 20_000

#: Harper's issues link to its rule list.
HARPER_LINK = "https://writewithharper.com/docs/rules"


class HarperEngine:
    """Harper's lints for every segment, rule ids ``harper.<LintKind>.<Rule>``."""

    name = "harper"

    def __init__(self, dialect: str = "en-US") -> None:
        try:
            import harper
        except ImportError:  # pragma: no cover - harper-py is a dependency
            raise BackendError("Harper is not installed: pip install harper-py==0.2.0") from None
        self.notices: list[str] = []
        self.dialect = dialect
        harper_name = HARPER_DIALECTS.get(dialect, "AMERICAN")
        if dialect in ("en-NZ", "en-ZA"):
            self.notices.append(f"Harper has no {dialect} dialect: using British English spelling.")
        self._linter = harper.Linter(getattr(harper.Dialect, harper_name))

    def version(self) -> str:
        """``harper-py <version> (<dialect>)``."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("harper-py")
        except PackageNotFoundError:  # pragma: no cover
            number = "unknown"
        return f"harper-py {number} ({self.dialect})"

    def issues(self, document: Document, progress: Progress = no_progress) -> list[Issue]:
        """Harper's issues in ``document``, linted a block of paragraphs at a time."""
        found: list[Issue] = []
        for block in make_blocks(document.segments, BLOCK_CHARS):
            by_rule = self._linter.organized_lints(block.text, language="plaintext")
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
            progress(len({p.segment.index for p in block.pieces}))
        return found

    def close(self) -> None:
        """Nothing to release (Harper runs in process)."""


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
