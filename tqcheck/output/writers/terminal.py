"""Terminal writer: the worst sentences first, suspicious spans highlighted."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from tqcheck.core.finding import Finding
from tqcheck.core.limits import visible, visible_with_offsets
from tqcheck.output.report import Report, score_format
from tqcheck.output.writers import Writer, register

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


#: Spans longer than this many words are shortened with an ellipsis.
SPAN_WORDS = 6
#: Words kept at the start and at the end of a shortened span.
SPAN_HEAD, SPAN_TAIL = 3, 2
#: Width of the severity column of a finding line.
SEVERITY_WIDTH = 8


def short_span(matched: str, sentence: str = "") -> str:
    """The matched text on one line, shortened to its first and last words when long; 'whole sentence'
    when it is the whole sentence."""
    words = matched.split()
    if sentence and words and matched.strip() == sentence.strip():
        return ""
    if len(words) <= SPAN_WORDS:
        return " ".join(words)
    return " ".join(words[:SPAN_HEAD]) + " … " + " ".join(words[-SPAN_TAIL:])


_QUOTES = (("'", "'"), ('"', '"'), ("‘", "’"), ("“", "”"))


def message_without_span(message: str, matched: str) -> tuple[bool, str]:
    """(whether the message began with the quoted span, the message without it).

    ``'exports': 'exports' is used …`` becomes ``is used …`` (the span is shown once, before it);
    ``unexpected word in this context: 'double'`` loses its quoted tail.
    """
    message = " ".join(message.split())
    span = " ".join(matched.split())
    if not span:
        return False, message
    for left, right in _QUOTES:
        quoted = f"{left}{span}{right}"
        if message.startswith(quoted):
            rest = message[len(quoted):]
            while rest.startswith(":") and rest[1:].lstrip().startswith(quoted):  # "'x': 'x' is …"
                rest = rest[1:].lstrip()[len(quoted):]
            return True, rest.lstrip()
        for tail in (f": {quoted}", f" {quoted}"):
            if message.endswith(tail) and len(message) > len(tail):
                return False, message[:-len(tail)]
    return False, message


def finding_text(finding: Finding, sentence: str) -> "Text":
    """“span” message → suggestion  [rule-id] for one finding, without Python escapes."""
    from rich.text import Text

    out = Text()
    span = short_span(finding.matched, sentence)
    led, message = message_without_span(finding.message, finding.matched)
    separator = " " if led else ": "
    if message.startswith(":"):
        message, separator = message[1:].lstrip(), ": "
    if finding.matched.strip() and not span:
        out.append("whole sentence", style="italic")
        out.append(": " if message else "")
    elif span:
        out.append(f"“{visible(span, newlines=False)}”", style=SPAN_STYLES[finding.severity.value])
        out.append(separator if message else "")
    out.append(visible(message, newlines=False))
    if finding.suggestions:
        out.append(" → ", style="dim")
        out.append(visible(" / ".join(finding.suggestions[:3]), newlines=False), style="green")
    out.append(f"  [{visible(finding.rule_id)}]", style="dim")
    return out


def flag_reason(score: float | None, threshold: float, bilingual: bool = False) -> str:
    """Why a sentence without findings is shown: its fluency score is below the flag threshold."""
    if score is None:
        return ""
    advice = "read it against the source" if bilingual else "read it again as a whole"
    return (f"fluency {score_format(score)} is below the flag threshold {threshold:g}: the sentence reads as "
            f"unusual English as a whole (no single word or rule is to blame); {advice}")


@register
class TerminalWriter(Writer):
    """Human view: the worst ``top`` sentences with their findings, then a summary.

    Each sentence shows its place (and unit id), fluency, the text with the spans highlighted, the
    source text under it in bilingual files, and one line per finding: severity, the span (shortened
    with an ellipsis when longer than a few words, never the whole sentence again), the message
    without repeating the span, the suggestion and the rule id. Wrapped lines keep their indentation.
    """

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
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())

    def print(self, report: Report, console: "Console") -> None:
        """Print the view on a rich Console (colour follows the console, NO_COLOR is respected)."""
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        from tqcheck.output.writers import shown_notices

        for notice in shown_notices(report):
            console.print(Padding(Text(f"note: {visible(notice)}", style="dim"), (0, 0, 0, 0)))
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
            console.print(Padding(highlighted(segment.text, found), (0, 0, 0, 2)))
            if segment.source:
                source = Text("source: ", style="dim italic")
                source.append(visible(segment.source), style="dim")
                console.print(Padding(source, (0, 0, 0, 2)))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=SEVERITY_WIDTH, no_wrap=True)
            grid.add_column(overflow="fold")
            for finding in found:
                grid.add_row(Text(finding.severity.value, style=SEVERITY_STYLES[finding.severity.value]),
                             finding_text(finding, segment.text))
            if not found and score is not None and score < report.flag_threshold:
                grid.add_row(Text("flagged", style="red"),
                             Text(flag_reason(score, report.flag_threshold, segment.source is not None), style="dim"))
            if grid.rows:
                console.print(Padding(grid, (0, 0, 0, 4)))
            console.print()
        if len(rows) > len(shown):
            console.print(Text(f"… {len(rows) - len(shown)} more flagged sentences in the report", style="dim"))
        console.print(Text(summary_line(report), style="bold"))
