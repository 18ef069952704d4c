"""RuleCheck: runs a RuleSet over a document and turns its hits into findings."""

from __future__ import annotations

from typing import Any, ClassVar

from tqcheck import __version__
from tqcheck.checks import Check, Progress, no_progress
from tqcheck.document import Document
from tqcheck.finding import Finding
from tqcheck.rules.base import REGEX_TIMEOUT, DocumentContext, Hit, Rule, RuleTimeout
from tqcheck.rules.loader import RuleSet

#: Segments between two progress callbacks.
PROGRESS_STEP = 200


class RuleCheck(Check):
    """The rule stage: sentence rules through a word index, then document-level rules."""

    name: ClassVar[str] = "rules"

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

    def check(self, document: Document, progress: Progress = no_progress) -> list[Finding]:
        """Findings of every rule for every segment of ``document``."""
        context = DocumentContext(document)
        findings: dict[tuple, Finding] = {}
        pending = 0
        for segment in document.segments:
            for rule in self._candidates(context, segment):
                self._collect(rule, lambda r=rule, s=segment: r.match_segment(s, context), context, findings)
            pending += 1
            if pending >= PROGRESS_STEP:
                progress(pending)
                pending = 0
        for rule in self._document_rules:
            if rule.id not in self._stopped:
                self._collect(rule, lambda r=rule: r.match_document(context), context, findings)
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
        return [r for r in rules if r.id not in self._stopped] if self._stopped else rules

    def _collect(self, rule: Rule, run: Any, context: DocumentContext, findings: dict[tuple, Finding]) -> None:
        try:
            hits: list[Hit] = list(run())
        except RuleTimeout as timeout:
            self._stopped.add(rule.id)
            segment = context.segment(timeout.segment)
            self.notices.append(
                f"rule {rule.id} ({rule.where}) took longer than {REGEX_TIMEOUT:g}s on "
                f"{segment.file}:{segment.line} and was stopped for the rest of this run; "
                "simplify its regular expression")
            return
        for hit in hits:
            key = (rule.id, hit.segment, hit.start, hit.end)
            if key not in findings:
                findings[key] = self.finding(rule, context.segment(hit.segment), hit)

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
