"""The registry of rule types: the value of a rule's ``extends`` key names one of these."""

from __future__ import annotations

from tqcheck.checks.rules.base import Rule
from tqcheck.checks.rules.types.consistency import ConsistencyRule
from tqcheck.checks.rules.types.context import ContextRule
from tqcheck.checks.rules.types.existence import ExistenceRule
from tqcheck.checks.rules.types.glossary import GlossaryRule
from tqcheck.checks.rules.types.pattern import PatternRule
from tqcheck.checks.rules.types.repetition import RepetitionRule
from tqcheck.checks.rules.types.substitution import SubstitutionRule

#: Rule type name -> class. A new type is one module and one line here.
RULE_TYPES: dict[str, type[Rule]] = {
    cls.type_name: cls
    for cls in (SubstitutionRule, ExistenceRule, PatternRule, RepetitionRule, ConsistencyRule,
                ContextRule, GlossaryRule)
}

__all__ = ["RULE_TYPES"]
