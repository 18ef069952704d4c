"""What one run is built from, made once (``tqcheck.engine.pipeline.run_context``) and handed on.

The settings, the registry of every rule id the run can emit (``rules list``, selection, inline suppressions,
``--statistics``, ``--fix`` and SARIF read it) and the score below which a sentence is flagged. Building the
registry reads the rule packs, and the flag threshold reads the detector's card: a run does each once, not once
per consumer, and a run whose every part is cached loads no model for its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqcheck.core.config import Settings
    from tqcheck.core.registry import RuleRegistry


@dataclass(frozen=True)
class RunContext:
    """The settings, rule registry and flag threshold of one run."""

    settings: "Settings"
    registry: "RuleRegistry"
    #: Scores below this are flagged (the setting, or the detector's calibrated threshold).
    flag_threshold: float
    #: The rules the run's packs hold, unselected (a ``tqcheck.checks.rules.RuleSet``; the pipeline selects from
    #: it instead of reading the packs again). Not compared: a context is its settings.
    rules: Any = field(default=None, compare=False, repr=False)


__all__ = ["RunContext"]
