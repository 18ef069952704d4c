"""Running a rule's own examples: every `bad` one must be flagged, no `good` one may be."""

from __future__ import annotations

from dataclasses import dataclass

from tqcheck.core.document import Document
from tqcheck.checks.rules.base import Rule
from tqcheck.checks.rules.check import RuleCheck
from tqcheck.checks.rules.loader import RuleSet


@dataclass
class ExampleFailure:
    """One example that did not behave: where it is written and what went wrong."""

    rule: Rule
    line: int
    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.rule.path}:{self.line}: {self.rule.id}: {self.problem}: {self.text!r}"


def example_document(text: str) -> Document:
    """A document with one segment per line of ``text`` (how examples are checked)."""
    document = Document(path="<example>", text=text)
    offset = 0
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            document.add_segment(line, offset, paragraph=number)
        offset += len(line) + 1
    return document


def run_examples(rule: Rule) -> list[ExampleFailure]:
    """Failures of ``rule`` on its own examples (empty when they all pass)."""
    check = RuleCheck(RuleSet([rule], {}))
    failures = []
    for text, line in rule.examples.bad:
        found = [f for f in check.check(example_document(text)) if f.rule_id == rule.id]
        if not found:
            failures.append(ExampleFailure(rule, line, text, "bad example not flagged"))
    for text, line in rule.examples.good:
        found = [f for f in check.check(example_document(text)) if f.rule_id == rule.id]
        if found:
            shown = ", ".join(repr(f.matched) for f in found)
            failures.append(ExampleFailure(rule, line, text, f"good example flagged ({shown})"))
    failures.extend(ExampleFailure(rule, rule.line, "", notice) for notice in check.notices)
    return failures
