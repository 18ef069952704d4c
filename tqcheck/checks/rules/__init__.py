"""The rule engine: YAML rule packs (Vale-style) checked strictly and run as one Check.

Public names: ``load_paths(paths)``, ``RuleSet``, ``RuleCheck``,
``builtin_rules_dir()``, ``run_examples(rule)`` and the ``RULE_TYPES`` registry.
"""

from __future__ import annotations

from tqcheck.checks.rules.base import Rule
from tqcheck.checks.rules.check import RuleCheck
from tqcheck.checks.rules.examples import run_examples
from tqcheck.checks.rules.loader import Pack, RuleSet, builtin_rules_dir, load_paths, matches_prefix
from tqcheck.checks.rules.types import RULE_TYPES

__all__ = ["Rule", "RuleCheck", "RuleSet", "Pack", "RULE_TYPES", "builtin_rules_dir", "load_paths",
           "matches_prefix", "run_examples"]
