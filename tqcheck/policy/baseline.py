"""Baselines: accept today's findings so a gate fails only on new ones.

A finding is keyed by a fingerprint that does not use line numbers: the rule
id, the finding's own words (whitespace collapsed, case folded) and the word on
each side of it (``tqcheck.output.fingerprints``). Editing other sentences of the
file, moving the sentence, or fixing another slip of the same sentence keeps the
fingerprint; changing the finding's words or their neighbours makes it new.
Findings with the same fingerprint in one file are counted; the baseline counts
them too, so a third copy of a baselined pair is new.

Version-1 baselines (keyed by the whole sentence) still load: their entries are
matched with the version-1 fingerprint, and keep that scheme when a baseline
is written back (``"scheme": 1``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqcheck.core.errors import ConfigError
from tqcheck.core.files import write_atomic
from tqcheck.output.fingerprints import fingerprint, fingerprints, normalise, segment_texts
from tqcheck.core.finding import Finding
from tqcheck.output.report import Report

#: Version of the baseline file format (2: one fingerprint per finding; 1: per finding in its whole sentence).
BASELINE_VERSION = 2

#: Versions that load (entries of version 1 are matched with the version-1 fingerprint).
READABLE_VERSIONS = (1, 2)


def baseline_path_key(file: str, base_dir: Path) -> str:
    """A checked file's name as stored in a baseline: POSIX, relative to the baseline's folder."""
    if file in ("-", "") or file.startswith("<"):
        return file
    absolute = Path(os.path.abspath(file))
    try:
        return Path(os.path.relpath(absolute, base_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


@dataclass
class Baseline:
    """Accepted findings loaded from a baseline file."""

    path: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        """Folder the stored file names are relative to."""
        return Path(os.path.abspath(self.path)).parent

    def counts(self) -> Counter:
        """How many findings are accepted per (file, fingerprint scheme, fingerprint)."""
        return Counter((e["file"], entry_scheme(e), e["fingerprint"]) for e in self.entries)


def entry_scheme(entry: dict[str, Any]) -> int:
    """The fingerprint scheme of a baseline entry: 1 for entries of version-1 baselines, else 2."""
    return 1 if entry.get("scheme") == 1 else 2


@dataclass
class BaselineDiff:
    """How a run compares with a baseline: new and known counts, fixed entries."""

    new: int = 0
    known: int = 0
    fixed: list[dict[str, Any]] = field(default_factory=list)

    def describe(self, path: str = "") -> str:
        """One line for the terminal, e.g. ``baseline b.json: 1 new, 12 known, 2 fixed``."""
        where = f"baseline {path}: " if path else "baseline: "
        return f"{where}{self.new} new, {self.known} known, {len(self.fixed)} fixed"

    def to_dict(self) -> dict[str, Any]:
        """Counts and the fixed entries as a plain dictionary."""
        return {"new": self.new, "known": self.known, "fixed": list(self.fixed)}


def _entry(finding: Finding, mark: str, file_key: str) -> dict[str, Any]:
    return {
        "file": file_key,
        "fingerprint": mark,
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "line": finding.line,
        "column": finding.column,
        "matched": finding.matched,
        "message": finding.message,
    }


def _entry_order(entry: dict[str, Any]) -> tuple:
    return (entry["file"], entry.get("line", 0), entry.get("column", 0), entry["rule_id"], entry["fingerprint"])


def baseline_entries(report: Report, base_dir: Path) -> list[dict[str, Any]]:
    """One entry per finding of ``report``, sorted, file names relative to ``base_dir``."""
    entries = [_entry(f, mark, baseline_path_key(f.file, base_dir))
               for f, mark in zip(report.findings, fingerprints(report))]
    return sorted(entries, key=_entry_order)


def render_baseline(report: Report, base_dir: Path, kept: list[dict[str, Any]] = ()) -> str:
    """The baseline file's text (JSON, sorted keys, stable order, trailing newline); ``kept``: entries of a
    previous baseline written back as they are, in the same order."""
    entries = sorted(baseline_entries(report, base_dir) + list(kept), key=_entry_order)
    data = {"tool": "tqcheck", "version": BASELINE_VERSION, "findings": entries}
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_baseline(report: Report, path: str | Path, kept: list[dict[str, Any]] = ()) -> int:
    """Write the findings of ``report`` as a baseline file (atomically); returns how many.

    ``kept``: entries of the previous baseline written back as they are (``kept_entries``: those of inputs
    that could not be read this time, so a file broken today keeps the findings accepted for it)."""
    path = Path(path)
    write_atomic(path, render_baseline(report, Path(os.path.abspath(path)).parent, kept))
    return len(report.findings)


def kept_entries(path: str | Path, unread: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """The entries of the baseline at ``path`` that belong to the inputs ``unread`` (a file, or any file
    under a folder); [] when there is no baseline there. A baseline that cannot be read is a ConfigError
    naming it (its entries for the unread inputs cannot be kept)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return []
    old = load_baseline(path)
    keys = {baseline_path_key(name, old.base_dir) for name in unread}
    return [entry for entry in old.entries
            if entry["file"] in keys or any(entry["file"].startswith(key.rstrip("/") + "/") for key in keys)]


_REQUIRED = ("file", "fingerprint", "rule_id")


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; a missing or malformed file is a ConfigError naming it."""
    from tqcheck.core.limits import MAX_BASELINE_BYTES, read_text_file

    name = str(path)
    if not Path(path).exists() and not Path(path).is_symlink():
        raise ConfigError("baseline file not found (create it with `tqcheck baseline create`)",
                          path=name, key="baseline")
    text = read_text_file(path, MAX_BASELINE_BYTES, "baseline file", ConfigError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc.msg}", path=name, line=exc.lineno) from None
    except RecursionError:
        raise ConfigError("not a tqcheck baseline: JSON nested too deeply", path=name) from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise ConfigError("not valid JSON: an integer of more than 4,300 digits", path=name) from None
    if not isinstance(data, dict) or data.get("tool") != "tqcheck" or not isinstance(data.get("findings"), list):
        raise ConfigError('not a tqcheck baseline (expected {"tool": "tqcheck", "findings": [...]})', path=name)
    version = data.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise ConfigError(f"unsupported baseline version {version!r} (expected "
                          f"{' or '.join(map(str, READABLE_VERSIONS))})", path=name)
    for number, entry in enumerate(data["findings"], start=1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in _REQUIRED):
            raise ConfigError(f"finding {number} needs string fields {', '.join(_REQUIRED)}", path=name)
        for key in ("line", "column"):
            if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int)):
                raise ConfigError(f"finding {number}: {key!r} must be a whole number", path=name)
        if "scheme" in entry and (isinstance(entry["scheme"], bool) or entry["scheme"] not in (1, 2)):
            raise ConfigError(f"finding {number}: 'scheme' must be 1 or 2", path=name)
        if version == 1:
            entry["scheme"] = 1  # kept when the baseline is written back (review adds false alarms)
    return Baseline(path=name, entries=data["findings"])


def apply_baseline(report: Report, baseline: Baseline) -> tuple[Report, BaselineDiff]:
    """A report with only the findings not in ``baseline``, and the new/known/fixed comparison."""
    remaining = baseline.counts()
    base_dir = baseline.base_dir
    new_findings: list[Finding] = []
    known = 0
    marks = fingerprints(report)
    old_marks = (fingerprints(report, scheme=1) if any(scheme == 1 for _, scheme, _ in remaining)
                 else [""] * len(marks))
    for finding, mark, old_mark in zip(report.findings, marks, old_marks):
        file_key = baseline_path_key(finding.file, base_dir)
        for key in ((file_key, 2, mark), (file_key, 1, old_mark)):
            if remaining[key] > 0:
                remaining[key] -= 1
                known += 1
                break
        else:
            new_findings.append(finding)
    checked = {baseline_path_key(d.path, base_dir): d.path for d in report.documents}
    fixed: list[dict[str, Any]] = []
    leftover = Counter({k: v for k, v in remaining.items() if v > 0})
    for entry in sorted(baseline.entries, key=lambda e: (e["file"], e.get("line", 0), e.get("column", 0),
                                                          e["rule_id"], e["fingerprint"])):
        key = (entry["file"], entry_scheme(entry), entry["fingerprint"])
        if entry["file"] in checked and leftover[key] > 0:
            leftover[key] -= 1
            shown = {k: v for k, v in entry.items() if k != "scheme"}
            fixed.append({**shown, "file": checked[entry["file"]]})  # named as on the command line
    filtered = Report(list(report.documents), new_findings, dict(report.scores), signature=dict(report.signature),
                      notices=list(report.notices), flag_threshold=report.flag_threshold,
                      similarity=dict(report.similarity), context=report.context)
    return filtered, BaselineDiff(new=len(new_findings), known=known, fixed=fixed)


#: The baseline file ``check`` finds by itself, and ``review`` records false alarms in, when none is named.
BASELINE_NAME = "tqcheck-baseline.json"
#: What marks a project's top folder: its config file or its repository.
PROJECT_MARKERS = (".tqcheck.toml", "pyproject.toml", ".git")


def baseline_folders(inputs: list[str] | tuple[str, ...]) -> list[Path]:
    """The folders searched for ``BASELINE_NAME``, nearest first: from the first input's folder up to the
    project's top folder (the first holding a config file or ``.git``); without one, up to the current
    folder when the input is inside it, else the input's folder alone."""
    named = next((p for p in inputs if p != "-"), None)
    start = Path(os.path.abspath(named)) if named else Path.cwd()
    folder = start if start.is_dir() else start.parent
    folders = []
    for candidate in (folder, *folder.parents):
        folders.append(candidate)
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return folders
    cwd = Path.cwd()
    if cwd in folders:
        return folders[:folders.index(cwd) + 1]
    return folders[:1]


def discover_baseline(inputs: list[str] | tuple[str, ...]) -> Path | None:
    """The nearest ``tqcheck-baseline.json`` in ``baseline_folders(inputs)``, or None."""
    for folder in baseline_folders(inputs):
        candidate = folder / BASELINE_NAME
        if candidate.is_file():
            return candidate
    return None


def default_baseline(inputs: list[str] | tuple[str, ...]) -> Path:
    """Where a baseline that ``check`` will find is made: the one found, else the project's top folder."""
    return discover_baseline(inputs) or baseline_folders(inputs)[-1] / BASELINE_NAME


__all__ = ["BASELINE_NAME", "discover_baseline", "default_baseline", "Baseline", "BaselineDiff", "fingerprint", "write_baseline", "kept_entries", "load_baseline", "apply_baseline",
           "render_baseline", "normalise", "fingerprints", "segment_texts"]
