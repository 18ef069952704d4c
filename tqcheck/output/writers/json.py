"""JSON writers: ``json`` (one document for the whole run) and ``jsonl`` (one finding per line).

Both are deterministic: keys sorted, findings in report order (file, segment,
position, rule), sentences ranked worst first, scores rounded to 4 decimals,
no timestamps. The schema is written down in docs/ci.md.
"""

from __future__ import annotations

import json
from typing import Any

from tqcheck.core.finding import Finding
from tqcheck.output.report import Report, score_format
from tqcheck.output.writers import Writer, register

#: Version of the JSON/JSONL shape; bumped when a field changes meaning or disappears.
SCHEMA_VERSION = 1


def rounded(value: float | None) -> float | None:
    """A score as a JSON number with the fixed 4-decimal formatting of ``score_format``."""
    return None if value is None else float(score_format(value))


def finding_record(finding: Finding, mark: str) -> dict[str, Any]:
    """The flat finding dictionary plus its baseline fingerprint, floats rounded."""
    data = finding.to_dict()
    data["confidence"] = rounded(finding.confidence)
    data["fingerprint"] = mark
    return data


def segment_record(row: dict[str, Any]) -> dict[str, Any]:
    """One ranked sentence row with its fluency score rounded."""
    data = dict(row)
    data["fluency"] = rounded(row["fluency"])
    return data


def report_document(report: Report) -> dict[str, Any]:
    """The whole report as one JSON-ready dictionary."""
    from tqcheck.output.fingerprints import fingerprints

    summary = dict(report.summary())
    summary["fluency_mean"] = rounded(summary["fluency_mean"])
    summary["fluency_min"] = rounded(summary["fluency_min"])
    summary["penalty_per_1000_words"] = float(f"{summary['penalty_per_1000_words']:.2f}")
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "tqcheck",
        "signature": dict(sorted(report.signature.items())),
        "summary": summary,
        "notices": list(report.notices),
        "files": [{"file": d.path, "format": d.format, "segments": len(d.segments), "words": d.word_count}
                  for d in report.documents],
        "segments": [segment_record(row) for row in report.rows()],
        "findings": [finding_record(f, mark) for f, mark in zip(report.findings, fingerprints(report))],
    }


@register
class JsonWriter(Writer):
    """One JSON document: schema version, signature, summary, files, ranked sentences, findings."""

    name = "json"
    extension = ".json"
    to_file = True

    def render(self, report: Report) -> str:
        """Indented JSON with sorted keys and a trailing newline."""
        return json.dumps(report_document(report), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@register
class JsonLinesWriter(Writer):
    """One finding per line (JSON Lines); no findings gives an empty output."""

    name = "jsonl"
    extension = ".jsonl"
    to_file = True

    def render(self, report: Report) -> str:
        """Compact JSON objects with sorted keys, one per line."""
        from tqcheck.output.fingerprints import fingerprints

        return "".join(json.dumps(finding_record(f, mark), ensure_ascii=False, sort_keys=True) + "\n"
                       for f, mark in zip(report.findings, fingerprints(report)))
