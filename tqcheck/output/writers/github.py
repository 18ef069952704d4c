"""GitHub writer: workflow commands that annotate the pull request on each finding's place.

``::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=T::message`` with
columns counted in characters, ``endColumn`` one past the last character (as
ruff and SARIF do). Severity maps to the command: critical -> error,
major -> warning, minor -> notice. Data is escaped as the runner expects
(``%`` ``\\r`` ``\\n``), and property values also escape ``:`` and ``,``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tqcheck.core.finding import Finding
from tqcheck.core.limits import visible
from tqcheck.output.report import Report
from tqcheck.output.writers import Writer, register

#: Severity -> workflow command.
COMMANDS = {"critical": "error", "major": "warning", "minor": "notice"}


def relative_path(file: str) -> str:
    """``file`` as a POSIX path relative to the working folder when it lies inside it."""
    if file in ("", "-") or file.startswith("<"):
        return file
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path(os.getcwd()))
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, carriage return and line feed; other control characters are
    shown as ``\\x1b``-style escapes (a log viewer or terminal must not act on them)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(text)


def escape_property(text: str) -> str:
    """Escape a command property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command line for ``finding``."""
    props = [("file", relative_path(finding.file)), ("line", str(finding.line))]
    if finding.end_line == finding.line:
        props += [("col", str(finding.column)), ("endLine", str(finding.line)),
                  ("endColumn", str(max(finding.end_column, finding.column + 1)))]
    else:  # GitHub accepts columns only on single-line annotations
        props += [("endLine", str(finding.end_line))]
    props.append(("title", f"{finding.rule_id} ({finding.severity.value}, {finding.category})"))
    message = finding.message
    if finding.suggestions:
        message += f" Suggestion: {' / '.join(finding.suggestions)}"
    fields = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[finding.severity.value]} {fields}::{escape_data(message)}"


@register
class GithubWriter(Writer):
    """Workflow annotation commands, one line per finding, worst severity first, then in report order.

    GitHub shows a limited number of annotations per step and job (10 errors and 10 warnings
    per step, 50 per job, as documented in actions/toolkit), so the most severe come first.
    """

    name = "github"
    extension = ".txt"
    to_file = False

    def render(self, report: Report) -> str:
        """Every annotation, each on its own line."""
        ordered = sorted(report.findings, key=lambda f: -f.severity.rank)  # stable: report order within a severity
        return "".join(annotation(f) + "\n" for f in ordered)
