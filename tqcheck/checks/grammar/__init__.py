"""The grammar check: Harper offline, LanguageTool when asked for, one merged set of findings.

``make_grammar_check(settings)`` builds it from the ``grammar`` setting:

- ``harper``: Harper only (offline, in process);
- ``languagetool``: LanguageTool (server URL, or a local install started once
  for the run) and Harper, duplicates merged; a BackendError if LanguageTool
  cannot be used;
- ``auto``: like ``languagetool`` when LanguageTool can be used, else Harper
  with one notice (also when LanguageTool fails in the middle of a run);
- ``none``: no grammar check (``None``).

Spelling findings pass the document-aware filter (names, acronyms, terms and
``accept`` words are not misspellings), and Harper's repeated-word and a/an
findings about names ("Li Li", "Serie A and") are dropped, before engines'
duplicates are merged.
"""

from __future__ import annotations

import os
from typing import Any

from tqcheck.core.interfaces import Check, Progress, no_progress
from tqcheck.core.document import Document
from tqcheck.core.errors import BackendError, ConfigError
from tqcheck.core.finding import Finding
from tqcheck.checks.grammar.base import Engine, Issue
from tqcheck.checks.grammar.merge import merge_issues
from tqcheck.checks.grammar.spelling import SpellingFilter, accepted_words, without_names

__all__ = ["GrammarCheck", "make_grammar_check", "languagetool_url"]

#: What to do when LanguageTool was asked for and cannot be used, by where it was to come from.
FIX_HINTS = {
    "server": "check that LanguageTool runs at that URL (--languagetool-url, languagetool_url or "
              "TQCHECK_LANGUAGETOOL_URL), or use --grammar harper",
    "local": "check the local LanguageTool (languagetool_path, or language-tool-python's download cache) "
             "and Java 17+, pass --languagetool-url URL instead, or use --grammar harper",
    "none": "pass --languagetool-url URL (or set TQCHECK_LANGUAGETOOL_URL), set languagetool_path to an "
            "unpacked LanguageTool folder (needs Java 17+), or use --grammar harper",
}


def fix_hint(source: str) -> str:
    """What to do when LanguageTool from ``source`` (server, local or none) cannot be used."""
    return FIX_HINTS[source]


class GrammarCheck(Check):
    """Runs the grammar engines over a document and returns their merged findings."""

    name = "grammar"

    def __init__(self, engines: list[Engine], spelling: SpellingFilter, mode: str = "harper",
                 dialect: str = "en-US", notices: list[str] | None = None) -> None:
        self.engines = engines
        self.spelling = spelling
        self.mode = mode
        self.dialect = dialect
        self.notices: list[str] = list(notices or [])
        for engine in engines:
            self._notice(*engine.notices)

    def _notice(self, *messages: str) -> None:
        for message in messages:
            if message not in self.notices:
                self.notices.append(message)

    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """Findings of every engine for ``document``, names filtered and duplicates merged."""
        issues: list[Issue] = []
        reported = 0

        def count(n: int) -> None:
            nonlocal reported
            reported += n
            progress(n)

        for engine in list(self.engines):
            # The last engine (the slow one, when there are two) drives the progress bar.
            tick = count if engine is self.engines[-1] else no_progress
            try:
                issues.extend(engine.issues(document, tick))
                self._notice(*engine.notices)
            except Exception as exc:
                if engine.name != "languagetool":
                    raise
                issues = self._languagetool_failed(engine, exc, issues)
        remaining = len(document.segments) - reported
        if remaining > 0:
            progress(remaining)
        issues = without_names(self.spelling.apply(issues, document))
        return [issue.to_finding() for issue in merge_issues(issues)]

    def _languagetool_failed(self, engine: Engine, exc: Exception, issues: list[Issue]) -> list[Issue]:
        """Stop LanguageTool; raise in ``languagetool`` mode, fall back to Harper in ``auto`` mode."""
        engine.close()
        self.engines.remove(engine)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if self.mode != "auto":
            source = "local" if getattr(engine, "server", None) is not None else "server"
            raise BackendError(f"{reason}; {fix_hint(source)}") from None
        self._notice(f"{reason}: using Harper only for the rest of the run.")
        return [i for i in issues if i.engine != "languagetool"]

    def signature(self) -> dict[str, str]:
        """Engine names and versions, and the dialect."""
        data = {"engines": "+".join(e.name for e in self.engines), "dialect": self.dialect}
        for engine in self.engines:
            data[engine.name] = engine.version()
        return data

    def close(self) -> None:
        """Stop every engine (a local LanguageTool server included); safe to call twice."""
        for engine in self.engines:
            engine.close()


def languagetool_url(settings: Any) -> str:
    """The LanguageTool server URL: command line > config file > TQCHECK_LANGUAGETOOL_URL."""
    if settings.languagetool_url and settings.origins.get("languagetool_url", "default") != "default":
        return settings.languagetool_url
    return os.environ.get("TQCHECK_LANGUAGETOOL_URL", "").strip() or settings.languagetool_url


def make_grammar_check(settings: Any, *, languagetool_command: list[str] | None = None) -> GrammarCheck | None:
    """The grammar check the settings ask for, or None when ``grammar = "none"``.

    ``languagetool_command`` replaces the local LanguageTool command (tests start a
    stand-in server this way; ``{port}`` is replaced by the chosen port).
    """
    mode = settings.grammar
    if mode == "none":
        return None
    accepted = accepted_words(settings.accept)
    from tqcheck.checks.grammar.harper_backend import HarperEngine

    engines: list[Engine] = [HarperEngine(settings.dialect)]
    notices: list[str] = []
    if mode in ("languagetool", "auto"):
        from tqcheck.checks.grammar.languagetool_backend import LanguageToolEngine, LanguageToolFailure

        url = languagetool_url(settings)
        try:
            engines.append(LanguageToolEngine.connect(settings, url, languagetool_command))
        except LanguageToolFailure as exc:
            if mode == "languagetool":
                found = exc.local_install_found or languagetool_command is not None
                source = "server" if url else "local" if found else "none"
                raise BackendError(f"{exc}; {fix_hint(source)}") from None
            notices.append(f"{exc}: using Harper only.")
    elif mode != "harper":
        raise ConfigError(f"invalid value {mode!r} (valid: harper, languagetool, auto, none)", key="grammar")
    return GrammarCheck(engines, SpellingFilter(accepted), mode, settings.dialect, notices)
