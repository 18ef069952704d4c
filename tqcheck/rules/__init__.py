"""The rule engine: YAML rule packs (Vale-style) checked strictly and run as one Check.

Public names: ``load_rules(settings)``, ``load_paths(paths)``, ``RuleSet``, ``RuleCheck``,
``builtin_rules_dir()``, ``run_examples(rule)`` and the ``RULE_TYPES`` registry.
"""

from __future__ import annotations

from tqcheck.rules.base import Rule
from tqcheck.rules.check import RuleCheck
from tqcheck.rules.examples import run_examples
from tqcheck.rules.loader import Pack, RuleSet, builtin_rules_dir, load_paths, load_rules, matches_prefix
from tqcheck.rules.types import RULE_TYPES

__all__ = ["Rule", "RuleCheck", "RuleSet", "Pack", "RULE_TYPES", "builtin_rules_dir", "load_paths",
           "load_rules", "matches_prefix", "run_examples"]
