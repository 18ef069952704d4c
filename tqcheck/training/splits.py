"""The selection protocol: a fixed third of every shared set's documents that no choice ever looks at.

Every annotated row belongs to a *unit*: its document (MQM sets: ``doc``; wmtqe2022: ``doc_group``; MLQE-PE:
language pair and Wikipedia article; CoLA: the source publication), or, for a row without a document, its source
sentence (MLQE-PE test21, wmtqe2022 test2022, JFLEG). A unit is *untouched* when the SHA-256 of
``PROTOCOL | family | unit`` falls in the first third of the hash range: a pure function of names that are in the
data, so the split is stable across machines, Python versions and row orders, and anyone can recompute it.

The untouched units are read once, at the end, to report; every choice (features, architecture, epochs, weights,
thresholds) is made on the other two thirds, by leave-one-set-out and by in-set document folds (``choice_fold``).
Sets that share sentences share a *family* (the MLQE-PE direct assessments and post-edits are the same sentences),
so a sentence is untouched in both or in neither.
"""

from __future__ import annotations

import hashlib

#: The protocol's name, part of every hash: changing it would draw a new untouched third (never do that quietly).
PROTOCOL = "tqcheck-untouched-v1"
#: Share of the units set aside.
UNTOUCHED_SHARE = 1 / 3
#: In-set document folds of the choosable two thirds.
CHOICE_FOLDS = 3
#: Sets with too few documents for a third of them to mean anything: their unit is a section of this many
#: consecutive segments of a document (TED 2021 has two talks in the shared data, of 31 and 129 segments).
SECTION_SETS = {"mqm_zhen_ted2021": 20}
#: Split family of each shared data folder (folders not listed are their own family).
FAMILIES = {
    "mlqe_pe_da_xen": "mlqe_pe",
    "mlqe_pe_xen_postedits": "mlqe_pe",
}


def family_of(data_set: str) -> str:
    """The split family of a shared data folder's name (``mqm_zhen_ted2021``, ``mlqe_pe_da_xen``, ...)."""
    return FAMILIES.get(data_set, data_set)


def unit_of(document: str = "", source: str = "", *, data_set: str = "", position: int | None = None) -> str:
    """A row's split unit: its document id (with its section for a set in SECTION_SETS, from the segment's
    ``position`` in its document), or its source sentence (stripped) when it has no document."""
    document = (document or "").strip()
    if document:
        size = SECTION_SETS.get(data_set)
        if size and position is not None:
            return f"doc:{document}#{int(position) // size}"
        return "doc:" + document
    source = (source or "").strip()
    if not source:
        raise ValueError("a row needs a document id or a source sentence to be split")
    return "src:" + source


def _position(*parts: str) -> float:
    """A number in [0, 1) from the SHA-256 of the parts (joined by ' | ')."""
    digest = hashlib.sha256(" | ".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0 ** 64


def is_untouched(data_set: str, unit: str) -> bool:
    """Whether a unit of a data set is in the untouched third (read once, at the end, never for a choice)."""
    return _position(PROTOCOL, family_of(data_set), unit) < UNTOUCHED_SHARE


def choice_fold(data_set: str, unit: str, folds: int = CHOICE_FOLDS) -> int:
    """The in-set document fold (0 .. folds-1) of a choosable unit; ValueError for an untouched one."""
    if is_untouched(data_set, unit):
        raise ValueError(f"{data_set}: unit {unit[:60]!r} is in the untouched third and has no choice fold")
    return int(_position(PROTOCOL, "fold", family_of(data_set), unit) * folds)


def part_of(data_set: str, unit: str) -> str:
    """``untouched`` or ``choose``."""
    return "untouched" if is_untouched(data_set, unit) else "choose"


def choose_part(sets: dict[str, list]) -> dict[str, list]:
    """Examples (with ``.unit``) of every set without its untouched third: what every choice is made on."""
    return {n: [e for e in sets[n] if not is_untouched(n, e.unit)] for n in sets}


def untouched_part(sets: dict[str, list]) -> dict[str, list]:
    """The untouched third of every set: read once, at the end (``--only untouched``), never for a choice."""
    return {n: [e for e in sets[n] if is_untouched(n, e.unit)] for n in sets}


def split_test_units(sets: dict[str, list], fold: int = 0) -> set[str]:
    """The units of the in-set document fold ``fold`` of the choose part of every set (as set|unit keys)."""
    return {f"{n}|{e.unit}" for n in sets for e in sets[n]
            if not is_untouched(n, e.unit) and choice_fold(n, e.unit) == fold}


__all__ = ["PROTOCOL", "UNTOUCHED_SHARE", "CHOICE_FOLDS", "SECTION_SETS", "family_of", "unit_of", "is_untouched",
           "choice_fold", "part_of", "choose_part", "untouched_part", "split_test_units"]
