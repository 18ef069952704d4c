"""The rule registry's types: one ``RuleInfo`` per rule id and the ``RuleRegistry`` that looks ids up, by family
and by selector prefix, and names the closest ones for a typo. What is registered is assembled by the checks
(``tqcheck.checks.catalog``), once per run."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

from tqcheck.core.finding import Severity

#: Selectors that are not id prefixes but name groups of ids (``--disable grammar``).
GROUPS: dict[str, tuple[str, ...]] = {
    "grammar": ("harper", "languagetool", "spelling"),
}


@dataclass(frozen=True)
class RuleInfo:
    """One rule id: what it flags, why it matters, an example, its severity and MQM category.

    ``family`` ids stand for many: the engine emits ``<id>.<rule>`` (Harper's rules under a
    lint kind, LanguageTool's rules); ``members`` says which member names are valid.
    ``severity`` is the usual one; a check may raise or lower it for one finding
    (``source.Length`` is major when the ratio is extreme).
    """

    id: str
    severity: Severity
    category: str
    origin: str
    summary: str
    why: str = ""
    example: str = ""
    fixable: bool = False
    family: bool = False
    members: str = ""
    link: str = ""
    where: str = ""
    kind: str = ""
    default: str = "on"  # on, off or demoted by measured precision (tqcheck/core/rule_defaults.py)
    #: Where a YAML rule was learned (its ``provenance`` key), empty for tqcheck's own checks.
    provenance: str = ""

    @property
    def description(self) -> str:
        """What it does, why it matters and an example, as one paragraph."""
        parts = [self.summary.rstrip(".") + "."]
        if self.why:
            parts.append(self.why.rstrip(".") + ".")
        if self.example:
            parts.append(f"Example: {self.example}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Flat dictionary (for ``rules list --format json``)."""
        return {"id": self.id, "severity": self.severity.value, "category": self.category,
                "origin": self.origin, "kind": self.kind, "fixable": self.fixable, "family": self.family,
                "summary": self.summary, "why": self.why, "example": self.example, "link": self.link,
                "where": self.where, "default": self.default, "provenance": self.provenance}


class RuleRegistry:
    """Every registered rule id, looked up exactly, by family, or by selector prefix."""

    def __init__(self, entries: Iterable[RuleInfo]) -> None:
        self.entries: dict[str, RuleInfo] = {}
        for entry in entries:
            self.entries.setdefault(entry.id, entry)

    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, rule_id: str) -> bool:
        return self.lookup(rule_id) is not None

    def lookup(self, rule_id: str) -> RuleInfo | None:
        """The entry of an emitted id: exact, else the family it belongs to (``harper.Spelling``)."""
        entry = self.entries.get(rule_id)
        if entry is not None:
            return entry
        parts = rule_id.split(".")
        for n in range(len(parts) - 1, 0, -1):
            family = self.entries.get(".".join(parts[:n]))
            if family is not None and family.family:
                return family if _valid_member(family, ".".join(parts[n:])) else None
        return None

    def fixable(self, rule_id: str) -> bool:
        """Whether findings of ``rule_id`` may be fixed automatically (one suggestion given)."""
        entry = self.lookup(rule_id)
        return bool(entry and entry.fixable)

    def is_valid_selector(self, selector: str) -> bool:
        """Whether ``selector`` selects something: ``*``, an id, a family member, a prefix, a group."""
        selector = selector.strip()
        if selector in ("", "*") or selector in GROUPS:
            return True
        if selector.endswith("*"):
            stem = selector[:-1]
            return any(i.startswith(stem) for i in self.entries) or any(
                e.family and stem.startswith(e.id + ".") for e in self.entries.values())
        if self.lookup(selector) is not None:
            return True
        dotted = selector.rstrip(".") + "."
        return any(i.startswith(dotted) for i in self.entries)

    def closest(self, selector: str, count: int = 3) -> list[str]:
        """Known ids (and pack prefixes) closest to ``selector``, best first."""
        names = set(self.entries) | {i.split(".")[0] for i in self.entries} | set(GROUPS)
        family = next((e for e in self.entries.values() if e.family and selector.startswith(e.id + ".")), None)
        if family is not None and family.members == "harper":
            member = selector[len(family.id) + 1:]
            close = difflib.get_close_matches(member, sorted(harper_rule_names()), n=count, cutoff=0.6)
            if close:
                return [f"{family.id}.{name}" for name in close]
        head = selector.split(".")[0]
        same_pack = [n for n in names if n.startswith(head + ".")]
        pool = same_pack or sorted(names)
        found = difflib.get_close_matches(selector, pool, n=count, cutoff=0.0 if same_pack else 0.6)
        if not found:
            lowered = {n.lower(): n for n in names}
            found = [lowered[n] for n in difflib.get_close_matches(selector.lower(), list(lowered), n=count,
                                                                    cutoff=0.5)]
        return found

    def unknown_message(self, selector: str) -> str:
        """``unknown rule id 'mt.Nosuch' (closest: mt.X, mt.Y)``."""
        close = self.closest(selector)
        hint = f" (closest: {', '.join(close)})" if close else ""
        return f"unknown rule id {selector!r}{hint}; `tqcheck rules list` shows every id"

    def unknown(self, selectors: Iterable[str]) -> list[str]:
        """The selectors that select nothing, in order."""
        return [s for s in selectors if not self.is_valid_selector(s)]


_HARPER_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_LT_RULE = re.compile(r"^[A-Z][A-Z0-9_]*(\[\d+\])?$")


def _valid_member(family: RuleInfo, member: str) -> bool:
    """Whether ``member`` can follow a family id (a Harper rule name, a LanguageTool rule id)."""
    if family.members == "languagetool":
        return bool(_LT_RULE.match(member))
    if family.members == "harper":
        if not _HARPER_RULE.match(member):
            return False
        names = harper_rule_names()
        return not names or member in names
    return True


@lru_cache(maxsize=1)
def harper_rule_names() -> frozenset[str]:
    """Names of Harper's rules (empty when harper-py is not installed: then any name is accepted)."""
    try:
        import harper
    except ImportError:  # pragma: no cover - harper-py is a dependency
        return frozenset()
    try:
        return frozenset(harper.get_default_lint_config())
    except Exception:  # pragma: no cover - an older harper-py
        return frozenset()
