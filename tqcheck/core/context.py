"""What one run is built from, made once (``tqcheck.engine.pipeline.run_context``) and handed on.

The settings, the registry of every rule id the run can emit (``rules list``, selection, inline suppressions,
``--statistics``, ``--fix`` and SARIF read it) and the score below which a sentence is flagged. Building the
registry reads the rule packs, and the flag threshold reads the detector's card: a run does each once, not once
per consumer, and a run whose every part is cached loads no model for its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.core.registry import RuleRegistry


@dataclass(frozen=True)
class RunContext:
    """The settings, rule registry and flag threshold of one run.

    The registry and the rules are read on first use, once (``load``): a run whose every part is cached and that
    describes no rule (no ``--statistics``, ``--fix`` or SARIF) reads no rule pack.
    """

    settings: "Settings"
    #: Scores below this are flagged (the setting, or the detector's calibrated threshold).
    flag_threshold: float
    #: Reads the run's rule packs: (the registry of every id the run can emit, the rules unselected: a
    #: ``tqcheck.checks.rules.RuleSet`` the pipeline selects from instead of reading the packs again).
    load: "Callable[[], tuple[RuleRegistry, Any]]" = field(compare=False, repr=False)

    @cached_property
    def _loaded(self) -> "tuple[RuleRegistry, Any]":
        return self.load()

    @property
    def registry(self) -> "RuleRegistry":
        """The registry of every rule id the run can emit (built on first use)."""
        return self._loaded[0]

    @property
    def rules(self) -> Any:
        """The rules the run's packs hold, unselected (read on first use)."""
        return self._loaded[1]


__all__ = ["RunContext"]
