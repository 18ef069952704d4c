"""Line writer: one finding per line, ``path:line:column: severity rule-id message [→ suggestion]``.

Stable and grep-able (Vale's ``--output=line``, ruff's ``concise``): findings in report order
(file, position, rule), paths relative to the working folder as in the github writer, the
message on one line, up to three suggestions joined by `` / ``. It is the default view when
standard output is not a terminal (pipes, CI logs); ``--format terminal`` forces the wrapped view.
"""

from __future__ import annotations

from tqcheck.core.finding import Finding
from tqcheck.core.limits import visible
from tqcheck.output.report import Report
from tqcheck.output.writers import Writer, register
from tqcheck.output.writers.github import relative_path

#: Suggestions shown per finding.
MAX_SUGGESTIONS = 3


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space."""
    return visible(" ".join(text.split()), newlines=False)


def finding_line(finding: Finding) -> str:
    """``path:line:column: severity rule-id message [→ suggestion]`` for one finding."""
    line = (f"{visible(relative_path(finding.file), newlines=False)}:{finding.line}:{finding.column}: {finding.severity.value} "
            f"{finding.rule_id} {one_line(finding.message)}")
    if finding.suggestions:
        line += " → " + " / ".join(one_line(s) for s in finding.suggestions[:MAX_SUGGESTIONS])
    return line


@register
class LineWriter(Writer):
    """Every finding on its own line, in report order."""

    name = "line"
    extension = ".txt"
    to_file = False

    def render(self, report: Report) -> str:
        """One line per finding (nothing when there is none)."""
        return "".join(finding_line(f) + "\n" for f in report.findings)
