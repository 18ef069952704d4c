"""`tqcheck review FILE` (and `check --fix --interactive`): walk a translator through the findings.

For each finding, in file order: the sentence with the span marked, the source text in bilingual
files, the message and the numbered suggestions. One key decides:

    1-9 / Enter  accept that suggestion (Enter: the first)
    e            type another replacement
    s            skip (leave it)
    f            false alarm: recorded in the baseline file, not reported again with --baseline
    q            stop here (what was decided so far is applied)

Replacements are written into the files at the end (as --fix writes them: atomically, keeping
encoding, line endings and markup; bilingual targets through translate-toolkit).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from tqcheck.cli.common import check_options, progress_enabled, run_pipeline, settings_from_options, user_errors
from tqcheck.core.errors import UsageError

KEYS_HELP = "[1-9/Enter] accept  [e] edit  [s] skip  [f] false alarm  [q] quit"


def _marked(finding) -> str:
    """The finding's sentence with its span in brackets (from the document's segment)."""
    segment = _segment(finding)
    if segment is None:
        return finding.matched
    text = segment.text
    return f"{text[:finding.start]}[{text[finding.start:finding.end]}]{text[finding.end:]}"


def _segment(finding):
    document = _DOCUMENTS.get(finding.file)
    if document is None or finding.segment >= len(document.segments):
        return None
    return document.segments[finding.segment]


_DOCUMENTS: dict[str, Any] = {}


def read_key() -> str:
    """One key press, without waiting for Enter. Keys typed ahead are kept (the terminal is switched to
    cbreak mode at once, not after flushing its input as ``click.getchar`` does)."""
    try:
        import termios
        import tty
    except ImportError:  # pragma: no cover - Windows
        return click.getchar()
    if not _TYPED_AHEAD:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            data = os.read(fd, 64)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if not data:
            return "\x04"
        _TYPED_AHEAD.extend(data.decode("utf-8", "replace"))
    return _TYPED_AHEAD.pop(0)


#: Keys read in one go but not handled yet (typed ahead).
_TYPED_AHEAD: list[str] = []


def walk(report, findings) -> "Decisions":  # noqa: F821
    """Ask about every finding with one key press; returns the decisions (nothing is written here)."""
    from tqcheck.policy.fix import Edit
    from tqcheck.core.limits import visible
    from tqcheck.policy.review import Decisions

    _DOCUMENTS.clear()
    _DOCUMENTS.update({d.path: d for d in report.documents})
    decisions = Decisions()
    total = len(findings)
    for number, finding in enumerate(findings, start=1):
        segment = _segment(finding)
        click.echo()
        click.secho(f"[{number}/{total}] {visible(finding.file, newlines=False)}:{finding.line}:{finding.column}  "
                    f"{finding.severity.value}  {finding.rule_id}", bold=True)
        click.echo(f"  {visible(_marked(finding))}")
        if segment is not None and segment.source:
            click.echo(f"  source: {visible(segment.source)}")
        click.echo(f"  {visible(' '.join(finding.message.split()))}")
        for index, suggestion in enumerate(finding.suggestions[:9], start=1):
            click.echo(f"  {index}) {visible(suggestion)}")
        while True:
            click.echo(f"  {KEYS_HELP} ? ", nl=False)
            key = read_key()
            click.echo(key if key.isprintable() else "")
            if key in ("\r", "\n") and finding.suggestions:
                decisions.edits.append(Edit(finding, finding.suggestions[0]))
            elif key.isdigit() and 1 <= int(key) <= min(len(finding.suggestions), 9):
                decisions.edits.append(Edit(finding, finding.suggestions[int(key) - 1]))
            elif key == "e":
                typed = click.prompt("  replacement", default="", show_default=False)
                if not typed.strip():
                    continue
                decisions.edits.append(Edit(finding, typed))
            elif key == "s":
                decisions.skipped.append(finding)
            elif key == "f":
                decisions.false_alarms.append(finding)
            elif key in ("q", "\x03", "\x04"):
                return decisions
            else:
                continue
            break
    return decisions


def review_report(report, settings) -> list:
    """Walk the findings of ``report``, apply the replacements and record the false alarms; print a summary.
    Returns the findings settled (replaced or marked as false alarms)."""
    from tqcheck.core.limits import one_line
    from tqcheck.policy.review import DEFAULT_FALSE_ALARMS, apply_replacements, record_false_alarms

    if not _interactive():
        raise UsageError("the review needs a terminal: standard input and output must be one (use --fix or --diff)")
    findings = [f for f in report.findings if f.end > f.start or f.suggestions]
    if not findings:
        click.echo("tqcheck: nothing to review")
        return []
    decisions = walk(report, findings)
    fixes = apply_replacements(report, decisions.edits) if decisions.edits else []
    applied = sum(len(f.applied) for f in fixes)
    for fix in fixes:
        for finding, why in fix.left:
            click.echo(one_line(f"tqcheck: not applied {finding.file}:{finding.line}:{finding.column}: "
                                f"{finding.rule_id}: {why}", 1000), err=True)
    target = settings.baseline or DEFAULT_FALSE_ALARMS
    if decisions.false_alarms:
        record_false_alarms(report, decisions.false_alarms, target, [e for f in fixes for e in f.applied])
    click.echo(f"\ntqcheck: {applied} replaced, {len(decisions.skipped)} skipped, {len(decisions.false_alarms)} "
               f"false alarm{'s' if len(decisions.false_alarms) != 1 else ''}"
               + (one_line(f" recorded in {target} (check with --baseline {target})", 1000)
                  if decisions.false_alarms else ""))
    return [e.finding for f in fixes for e in f.applied] + list(decisions.false_alarms)


def _interactive() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@click.command()
@click.argument("paths", nargs=-1, required=True)
@check_options
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Baseline file: findings in it are not asked about, and false alarms are added to it "
                   "(default: the configured baseline, else tqcheck-baseline.json).")
def review(paths: tuple[str, ...], baseline_file: str | None, **options: Any) -> None:
    """Walk through the findings of PATHS one by one: accept a suggestion, type another, skip, or mark a
    false alarm (recorded in the baseline file)."""
    with user_errors():
        settings = settings_from_options(paths, options, {"baseline": baseline_file})
        if "-" in paths:
            raise UsageError("review works on files, not standard input")
        result = run_pipeline(paths, settings, show_progress=progress_enabled(options.get("show_progress")),
                              stdin_name=options.get("stdin_name", "<stdin>"), jobs=options.get("jobs"),
                              dask=options.get("dask_address"))
        report = result.report
        from pathlib import Path

        if settings.baseline and Path(settings.baseline).exists():
            from tqcheck.policy.baseline import apply_baseline, load_baseline

            report, _ = apply_baseline(report, load_baseline(settings.baseline))
        review_report(report, settings)
