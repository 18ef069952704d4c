"""RuleCheck: runs a RuleSet over a document and turns its hits into findings."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from tqcheck import __version__
from tqcheck.core.interfaces import Check, Progress, no_progress
from tqcheck.core.document import Document
from tqcheck.core.finding import Finding
from tqcheck.checks.rules.base import REGEX_TIMEOUT, DocumentContext, Hit, Rule, RuleTimeout
from tqcheck.checks.rules.loader import RuleSet

#: Segments between two progress callbacks.
PROGRESS_STEP = 200

#: Time budget of one rule (seconds): per document, BUDGET_BASE_DOCUMENT plus BUDGET_PER_CHARACTER for each
#: character of the document; per run, BUDGET_BASE_RUN plus the same allowance for every character checked.
#: A linear rule needs microseconds per character; a rule that spends its budget is stopped with a notice.
BUDGET_BASE_DOCUMENT = 1.0
BUDGET_BASE_RUN = 5.0
BUDGET_PER_CHARACTER = 20e-6


class RuleCheck(Check):
    """The rule stage: sentence rules through a word index, then document-level rules."""

    name: ClassVar[str] = "rules"
    wall_clock_budgets: ClassVar[bool] = True  # REGEX_TIMEOUT and the time budgets are wall-clock seconds

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.notices: list[str] = []
        self._order = {id(rule): i for i, rule in enumerate(ruleset.rules)}
        self._index: dict[str, list[Rule]] = {}
        self._always: list[Rule] = []
        self._document_rules = [r for r in ruleset.rules if r.document_level]
        for rule in ruleset.rules:
            if rule.document_level:
                continue
            words = rule.triggers()
            if words is None:
                self._always.append(rule)
            else:
                for word in words:
                    self._index.setdefault(word, []).append(rule)
        self._stopped: set[str] = set()
        self._stopped_here: set[str] = set()
        self._spent_run: dict[str, float] = {}
        self._spent_document: dict[str, float] = {}
        self._budget_run = BUDGET_BASE_RUN
        self._budget_document = BUDGET_BASE_DOCUMENT

    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """Findings of every rule for every segment of ``document``."""
        context = DocumentContext(document)
        findings: dict[tuple, Finding] = {}
        pending = 0
        size = sum(len(s.text) for s in document.segments)
        self._budget_document = BUDGET_BASE_DOCUMENT + BUDGET_PER_CHARACTER * size
        self._budget_run += BUDGET_PER_CHARACTER * size
        self._spent_document = {}
        self._stopped_here = set()
        for segment in document.segments:
            for rule in self._candidates(context, segment):
                self._collect(rule, lambda r=rule, s=segment: r.match_segment(s, context), context, findings,
                              segment)
            pending += 1
            if pending >= PROGRESS_STEP:
                progress(pending)
                pending = 0
        for rule in self._document_rules:
            if rule.id not in self._stopped and rule.id not in self._stopped_here:
                self._collect(rule, lambda r=rule: r.match_document(context), context, findings, None)
        if pending:
            progress(pending)
        return sorted(findings.values(), key=lambda f: f.sort_key)

    def _candidates(self, context: DocumentContext, segment: Any) -> list[Rule]:
        found: dict[int, Rule] = {}
        for _, _, word in context.words(segment):
            for rule in self._index.get(word, ()):
                found[id(rule)] = rule
            if "'" in word or "’" in word:  # "Gaza's" also triggers rules about "gaza"
                for part in word.replace("’", "'").split("'"):
                    for rule in self._index.get(part, ()):
                        found[id(rule)] = rule
        for rule in self._always:
            found[id(rule)] = rule
        rules = sorted(found.values(), key=lambda r: self._order[id(r)])
        if self._stopped or self._stopped_here:
            return [r for r in rules if r.id not in self._stopped and r.id not in self._stopped_here]
        return rules

    def _collect(self, rule: Rule, run: Any, context: DocumentContext, findings: dict[tuple, Finding],
                 segment: Any) -> None:
        spent_run = self._spent_run.get(rule.id, 0.0)
        spent_document = self._spent_document.get(rule.id, 0.0)
        started = time.monotonic()
        rule.deadline = started + min(self._budget_run - spent_run, self._budget_document - spent_document)
        out_of_budget = False
        try:
            hits: list[Hit] = list(run())
        except RuleTimeout as timeout:
            hits, out_of_budget = [], timeout.budget
            if not timeout.budget:
                self._stopped.add(rule.id)
                where = context.segment(timeout.segment)
                self.notices.append(
                    f"rule {rule.id} ({rule.where}) took longer than {REGEX_TIMEOUT:g}s on "
                    f"{where.file}:{where.line} and was stopped for the rest of this run; "
                    "simplify its regular expression")
                return
        finally:
            rule.deadline = None
            elapsed = time.monotonic() - started
            self._spent_run[rule.id] = spent_run = spent_run + elapsed
            self._spent_document[rule.id] = spent_document = spent_document + elapsed
        if out_of_budget:  # the search stopped at the deadline: whichever budget was closer is spent
            if self._budget_run - spent_run <= self._budget_document - spent_document:
                spent_run = self._budget_run
            else:
                spent_document = self._budget_document
        if spent_run >= self._budget_run and rule.id not in self._stopped:
            self._stopped.add(rule.id)
            self.notices.append(
                f"rule {rule.id} ({rule.where}) spent its time budget for this run ({self._budget_run:.1f}s) "
                f"at {self._place(context, segment)} and was stopped for the rest of the run; "
                "make its pattern simpler or faster")
        elif spent_document >= self._budget_document and rule.id not in self._stopped_here:
            self._stopped_here.add(rule.id)
            self.notices.append(
                f"rule {rule.id} ({rule.where}) spent its time budget for one document "
                f"({self._budget_document:.1f}s) at {self._place(context, segment)} and was stopped for the rest "
                "of that document; make its pattern simpler or faster")
        for hit in hits:
            key = (rule.id, hit.segment, hit.start, hit.end)
            if key not in findings:
                findings[key] = self.finding(rule, context.segment(hit.segment), hit)

    @staticmethod
    def _place(context: DocumentContext, segment: Any) -> str:
        """``file:line`` of ``segment``, or the document's name for document-level rules."""
        if segment is None:
            return context.document.path
        return f"{segment.file}:{segment.line}"

    @staticmethod
    def finding(rule: Rule, segment: Any, hit: Hit) -> Finding:
        """The Finding for one hit of ``rule`` in ``segment``."""
        return segment.finding(hit.start, hit.end, rule_id=rule.id,
                               message=hit.message or rule.format_message(segment.text[hit.start:hit.end]),
                               severity=rule.severity.value, category=rule.category, origin="rules",
                               suggestions=hit.suggestions, engine="tqcheck-rules", link=rule.link)

    def signature(self) -> dict[str, str]:
        """tqcheck's version and the name and version of every pack in use."""
        packs = ", ".join(f"{p.name} {p.label}" for p in sorted(self.ruleset.packs.values(), key=lambda p: p.name))
        return {"tqcheck": __version__, "rules": packs, "rule_count": str(len(self.ruleset.rules))}
