"""JUnit XML writers: CI test dashboards show each checked file (or sentence) as a test case.

``junit``: one test case per file; it fails when the file has findings, and the
failure lists them (``path:line:column: severity rule: message``).
``junit-sentences``: one test case per sentence, failing when the sentence has findings.
No timestamps or durations: the output is byte-identical for the same input.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from tqcheck.core.document import Segment
from tqcheck.core.finding import Finding
from tqcheck.output.report import Report, score_format
from tqcheck.output.writers import Writer, register

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _INVALID_XML.sub("\ufffd", text)


def finding_line(finding: Finding) -> str:
    """One finding as ``path:line:column: severity rule: message [matched]``."""
    suggestion = f" (suggestion: {' / '.join(finding.suggestions)})" if finding.suggestions else ""
    return (f"{finding.file}:{finding.line}:{finding.column}: {finding.severity.value} {finding.rule_id}: "
            f"{finding.message} [{finding.matched}]{suggestion}")


def failure_summary(findings: list[Finding]) -> str:
    """``3 findings (1 major, 2 minor)``."""
    counts = Counter(f.severity.value for f in findings)
    parts = ", ".join(f"{counts[s]} {s}" for s in ("critical", "major", "minor") if counts[s])
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({parts})"


def _case(suite: ET.Element, classname: str, name: str, findings: list[Finding], fluency: str = "") -> None:
    case = ET.SubElement(suite, "testcase", {"classname": xml_text(classname), "name": xml_text(name)})
    if findings:
        worst = max(findings, key=lambda f: f.severity.rank).severity.value
        failure = ET.SubElement(case, "failure", {"message": failure_summary(findings), "type": worst})
        failure.text = xml_text("\n".join(finding_line(f) for f in findings))
    if fluency:
        ET.SubElement(case, "system-out").text = f"fluency {fluency}"


def sentence_name(segment: Segment) -> str:
    """Test case name of a sentence: ``line N: first words…``."""
    words = " ".join(segment.text.split())
    short = words if len(words) <= 60 else words[:59].rstrip() + "…"
    return f"line {segment.line}: {short}"


@register
class JunitWriter(Writer):
    """JUnit XML with one test case per file (or per sentence with ``per_sentence``)."""

    name = "junit"
    extension = ".xml"
    to_file = True
    per_sentence: bool = False

    def __init__(self, per_sentence: bool | None = None) -> None:
        if per_sentence is not None:
            self.per_sentence = per_sentence

    def render(self, report: Report) -> str:
        """The XML document with a declaration and a trailing newline."""
        root = ET.Element("testsuites", {"name": "tqcheck"})
        suite = ET.SubElement(root, "testsuite", {"name": "tqcheck"})
        for document in report.documents:
            if self.per_sentence:
                for segment in document.segments:
                    score = report.score_of(segment)
                    _case(suite, document.path, sentence_name(segment), report.findings_for(segment),
                          score_format(score))
            else:
                found = [f for s in document.segments for f in report.findings_for(s)]
                _case(suite, "tqcheck", document.path, found)
        cases = suite.findall("testcase")
        failures = sum(1 for c in cases if c.find("failure") is not None)
        for element in (root, suite):
            element.set("tests", str(len(cases)))
            element.set("failures", str(failures))
            element.set("errors", "0")
        suite.set("skipped", "0")
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


@register
class JunitSentencesWriter(JunitWriter):
    """JUnit XML with one test case per sentence."""

    name = "junit-sentences"
    per_sentence = True
