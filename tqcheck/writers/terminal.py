"""Terminal writer: the worst sentences first, suspicious spans highlighted."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from tqcheck.finding import Finding
from tqcheck.limits import visible, visible_with_offsets
from tqcheck.report import Report, score_format
from tqcheck.writers import Writer, register

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

SEVERITY_STYLES = {"critical": "bold white on red", "major": "bold red", "minor": "yellow"}
SPAN_STYLES = {"critical": "bold white on red", "major": "bold red underline", "minor": "yellow underline"}


def plural(count: int, word: str) -> str:
    """'1 finding', '2 findings'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    """One line: files, sentences, findings by severity, flagged sentences, mean fluency."""
    s = report.summary()
    fluency = "" if s["fluency_mean"] is None else f", mean fluency {score_format(s['fluency_mean'])}"
    return (f"{plural(s['files'], 'file')}, {plural(s['segments'], 'sentence')}, "
            f"{plural(s['findings'], 'finding')} ({s['critical']} critical, {s['major']} major, {s['minor']} minor), "
            f"{s['flagged']} flagged{fluency}")


def highlighted(text: str, findings: list[Finding]) -> "Text":
    """The sentence with each finding's span styled by its severity (control characters shown as escapes)."""
    from rich.text import Text

    shown, offsets = visible_with_offsets(text)
    out = Text(shown)
    last = len(offsets) - 1
    for finding in sorted(findings, key=lambda f: f.severity.rank):
        if finding.end > finding.start:
            out.stylize(SPAN_STYLES[finding.severity.value], offsets[min(finding.start, last)],
                        offsets[min(finding.end, last)])
    return out


@register
class TerminalWriter(Writer):
    """Human view: a summary, then the worst ``top`` sentences with their findings."""

    name = "terminal"
    extension = ".txt"
    to_file = False

    def __init__(self, top: int = 10, show_all: bool = False) -> None:
        self.top = top
        self.show_all = show_all

    def render(self, report: Report) -> str:
        """Plain text (no colour) of the view."""
        from rich.console import Console

        buffer = io.StringIO()
        self.print(report, Console(file=buffer, width=100, no_color=True, highlight=False,
                                   force_terminal=False, emoji=False))
        return buffer.getvalue()

    def print(self, report: Report, console: "Console") -> None:
        """Print the view on a rich Console (colour follows the console, NO_COLOR is respected)."""
        from rich.text import Text

        for notice in report.notices:
            console.print(Text(f"note: {visible(notice)}", style="dim"))
        rows = [s for s in report.ranked_segments()
                if self.show_all or report.findings_for(s)
                or (report.score_of(s) is not None and report.score_of(s) < report.flag_threshold)]
        shown = rows[: self.top] if self.top else []
        for rank, segment in enumerate(shown, start=1):
            found = report.findings_for(segment)
            score = report.score_of(segment)
            header = Text()
            header.append(f"#{rank} ", style="bold")
            header.append(f"{visible(segment.file)}:{segment.line}:{segment.column}", style="cyan")
            if segment.unit_id:
                header.append(f" [{visible(segment.unit_id)}]", style="cyan")
            if score is not None:
                style = "red" if score < report.flag_threshold else "green"
                header.append(f"  fluency {score_format(score)}", style=style)
            console.print(header)
            console.print(Text("  ").append_text(highlighted(segment.text, found)))
            for finding in found:
                line = Text("    ")
                line.append(f"{finding.severity.value:<8}", style=SEVERITY_STYLES[finding.severity.value])
                line.append(f" {visible(repr(finding.matched))}: " if finding.matched else " ")
                line.append(visible(finding.message))
                if finding.suggestions:
                    line.append(" → ", style="dim")
                    line.append(visible(" / ".join(finding.suggestions[:3])), style="green")
                line.append(f"  [{visible(finding.rule_id)}]", style="dim")
                console.print(line)
            console.print()
        if len(rows) > len(shown):
            console.print(Text(f"… {len(rows) - len(shown)} more flagged sentences in the report", style="dim"))
        console.print(Text(summary_line(report), style="bold"))
