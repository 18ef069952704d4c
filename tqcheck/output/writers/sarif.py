"""SARIF 2.1.0 writer: findings as code-scanning results (GitHub, Azure DevOps, IDE viewers).

One run; ``tool.driver.rules`` describes every rule that has a finding (sorted
by id; ``fullDescription`` from the rule-id registry for the shipped ids); each result carries ``ruleId``/``ruleIndex``, a level from the
severity (critical -> error, major -> warning, minor -> note), the message,
the file (a URI relative to the working folder when it lies inside it), the
region (1-based lines, columns counted in Unicode code points, end column one
past the last character) and ``partialFingerprints`` from the baseline
fingerprint, so code scanning tracks a finding across edits elsewhere in the file.
A finding that engines agreed on (merged, ``Finding.rules``) names every rule that
reported it in ``properties.rules`` (its own ``ruleId`` first), as the JSON report does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import tqcheck
from tqcheck.core.finding import Finding
from tqcheck.output.report import Report, score_format
from tqcheck.output.writers import Writer, register
from tqcheck.output.writers.github import relative_path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Severity -> SARIF level.
LEVELS = {"critical": "error", "major": "warning", "minor": "note"}
#: Key of tqcheck's fingerprint in ``partialFingerprints`` (v2: one per finding, its words and their neighbours;
#: v1 hashed the whole sentence).
FINGERPRINT_KEY = "tqcheckFingerprint/v2"
#: tqcheck's documentation: the help of its own rules (which carry no link of their own) points there.
DOCS_URI = "https://pypi.org/project/tqcheck/"


def artifact_uri(file: str) -> str:
    """A URI reference for ``file``: relative and percent-encoded inside the working folder, else file://."""
    shown = relative_path(file)
    if Path(shown).is_absolute():
        return Path(shown).as_uri()
    return quote(shown, safe="/-._~")


def rule_descriptor(rule_id: str, findings: list[Finding], registry: Any = None) -> dict[str, Any]:
    """Metadata of one rule from its findings: name, description, link, default level, tags (``registry``: the
    run's rule registry, which knows its own rules; else the shipped packs')."""
    first = findings[0]
    worst = max(findings, key=lambda f: f.severity.rank)
    categories = sorted({f.category for f in findings})
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace(".", "/"),
        "shortDescription": {"text": f"{', '.join(categories)} ({first.origin})"},
        "defaultConfiguration": {"level": LEVELS[worst.severity.value]},
        "properties": {"tags": ["translation-quality", *categories], "origin": first.origin},
    }
    if registry is None:
        from tqcheck.checks.catalog import shipped_registry

        registry = shipped_registry()
    entry = registry.lookup(rule_id)
    if entry is not None:  # what it flags, why it matters, an example (tqcheck rules list --long)
        descriptor["fullDescription"] = {"text": entry.description}
    links = sorted({f.link for f in findings if f.link.startswith(("https://", "http://"))})
    if links:
        descriptor["helpUri"] = links[0]
    elif entry is not None and entry.link:
        descriptor["helpUri"] = entry.link
    else:  # tqcheck's own rules (and a user's rules without a link): its documentation, and the help inline
        descriptor["helpUri"] = DOCS_URI
    about = entry.description if entry is not None else first.message
    descriptor["help"] = {"text": f"{about} (tqcheck rules list --long {rule_id})",
                          "markdown": f"{about}\n\nMore: `tqcheck rules list --long {rule_id}`"}
    return descriptor


def result_record(finding: Finding, rule_index: int, mark: str) -> dict[str, Any]:
    """One SARIF result for ``finding``."""
    region = {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
        "endColumn": max(finding.end_column, finding.column + 1) if finding.end_line == finding.line
        else max(finding.end_column, 1),
    }
    properties: dict[str, Any] = {
        "matched": finding.matched,
        "severity": finding.severity.value,
        "category": finding.category,
        "origin": finding.origin,
        "segment": finding.segment,
    }
    if finding.rules:  # merged across engines: every rule that agreed
        properties["rules"] = list(finding.rules)
    if finding.suggestions:
        properties["suggestions"] = list(finding.suggestions)
    if finding.confidence is not None:
        properties["confidence"] = float(score_format(finding.confidence))
    if finding.engine:
        properties["engine"] = finding.engine
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": artifact_uri(finding.file)},
        "region": region,
    }}
    if finding.unit_id:  # a bilingual file's translation unit (XLIFF trans-unit/unit id, PO msgctxt+msgid, ...)
        properties["unitId"] = finding.unit_id
        location["logicalLocations"] = [{"name": finding.unit_id, "kind": "element",
                                         "fullyQualifiedName": f"{relative_path(finding.file)}#{finding.unit_id}"}]
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: mark},
        "properties": properties,
    }


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log of ``report`` as a dictionary."""
    from tqcheck.output.fingerprints import fingerprints

    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = {
        "name": "tqcheck",
        "version": tqcheck.__version__,
        "semanticVersion": tqcheck.__version__,
        "informationUri": "https://pypi.org/project/tqcheck/",
        "rules": [rule_descriptor(r, by_rule[r], report.context and report.context.registry) for r in rule_ids],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [result_record(f, index[f.rule_id], mark)
                    for f, mark in zip(report.findings, fingerprints(report))],
        "properties": {"signature": dict(sorted(report.signature.items()))},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


@register
class SarifWriter(Writer):
    """A SARIF 2.1.0 log (JSON) for code scanning."""

    name = "sarif"
    extension = ".sarif"
    to_file = True

    def render(self, report: Report) -> str:
        """Indented JSON, keys sorted, trailing newline."""
        return json.dumps(sarif_log(report), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
