"""`tqcheck review FILE` (and `check --fix --interactive`): walk a translator through the findings.

For each finding, in file order: the sentence as it now reads (the replacements accepted earlier in it
applied) with the span marked, the source text in bilingual files, the message and the numbered
suggestions. One key decides:

    1-9 / Enter  accept that suggestion (Enter: the first; offered only where there is a suggestion)
    e            type another replacement
    s            skip (leave it)
    f            false alarm: recorded in the baseline file ``check`` finds by itself
    q, Ctrl-C    stop here (what was decided so far is applied)

A locked or signed-off unit (XLIFF ``translate="no"``, ``state="final"``) is shown but cannot be changed:
only skip and false alarm are offered. Replacements are written into the files at the end, as --fix
writes them (only the target characters change).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from tqcheck.cli.common import check_options, progress_enabled, run_pipeline, settings_from_options, user_errors
from tqcheck.core.errors import UsageError

KEYS_HELP = "[1-9/Enter] accept  [e] edit  [s] skip  [f] false alarm  [q] quit"


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


def keys_help(accept: int, editable: bool) -> str:
    """The keys offered for one finding: accept only where there is a suggestion, edit only where the unit
    may change."""
    keys = []
    if accept:
        keys.append("[1/Enter] accept" if accept == 1 else f"[1-{min(accept, 9)}/Enter] accept")
    if editable:
        keys.append("[e] edit")
    return "  ".join(keys + ["[s] skip", "[f] false alarm", "[q] quit"])


def walk(report, findings) -> "Decisions":  # noqa: F821
    """Ask about every finding with one key press; returns the decisions (nothing is written here). Ctrl-C
    stops the walk as ``q`` does: every decision made before it is kept."""
    from tqcheck.cli.common import Terminated
    from tqcheck.policy.review import Decisions

    _DOCUMENTS.clear()
    _DOCUMENTS.update({d.path: d for d in report.documents})
    decisions = Decisions()
    try:
        _walk(report, findings, decisions)
    except (KeyboardInterrupt, click.exceptions.Abort) as stop:
        if isinstance(stop, Terminated):
            raise
        from tqcheck.core.threads import interrupt_handled

        interrupt_handled()  # the walk's own way to stop: the command goes on and ends as usual
        click.echo()
        decisions.interrupted = True
    return decisions


def _walk(report, findings, decisions) -> None:
    from tqcheck.core.limits import visible
    from tqcheck.policy.fix import Edit, locked_reason
    from tqcheck.policy.review import overlaps, sentence_after

    total = len(findings)
    for number, finding in enumerate(findings, start=1):
        segment = _segment(finding)
        document = _DOCUMENTS.get(finding.file)
        where = f"[{number}/{total}] {visible(finding.file, newlines=False)}:{finding.line}:{finding.column}  " \
                f"{finding.severity.value}  " \
                f"{finding.rule_id}"
        earlier = [e for e in decisions.edits if e.finding.file == finding.file and e.finding.segment == finding.segment]
        if any(overlaps(e.finding, finding) for e in earlier):
            click.echo()
            click.secho(visible(where), bold=True)
            click.echo("  settled by an earlier replacement in this sentence")
            decisions.skipped.append(finding)
            continue
        locked = locked_reason(document, segment) if document is not None and segment is not None else ""
        suggestions = [] if locked else list(finding.suggestions[:9])
        click.echo()
        click.secho(visible(where), bold=True)
        if segment is not None:
            text, moved = sentence_after(report, finding, earlier)
            click.echo(f"  {visible(text[:moved.start])}[{visible(text[moved.start:moved.end])}]"
                       f"{visible(text[moved.end:])}")
        else:
            click.echo(f"  {visible(finding.matched)}")
        if segment is not None and segment.source:
            click.echo(f"  source: {visible(segment.source)}")
        click.echo(f"  {visible(' '.join(finding.message.split()))}")
        if locked:
            click.echo(f"  not changed: {visible(locked)}")
        for index, suggestion in enumerate(suggestions, start=1):
            click.echo(f"  {index}) {visible(suggestion)}")
        while True:
            click.echo(f"  {keys_help(len(suggestions), not locked)} ? ", nl=False)
            key = read_key()
            click.echo(key if key.isprintable() else "")
            if key in ("\r", "\n") and suggestions:
                decisions.edits.append(Edit(finding, suggestions[0]))
            elif key.isdigit() and 1 <= int(key) <= len(suggestions):
                decisions.edits.append(Edit(finding, suggestions[int(key) - 1]))
            elif key == "e" and not locked:
                typed = click.prompt("  replacement", default="", show_default=False)
                if not typed.strip():
                    continue
                decisions.edits.append(Edit(finding, typed))
            elif key == "s":
                decisions.skipped.append(finding)
            elif key == "f":
                decisions.false_alarms.append(finding)
            elif key in ("q", "\x04"):
                return
            elif key == "\x03":
                raise KeyboardInterrupt
            else:
                continue
            break


def review_report(report, settings, inputs=(), keep_state: bool = False) -> list:
    """Walk the findings of ``report``, apply the replacements and record the false alarms; print a summary.
    Returns the findings settled (replaced or marked as false alarms). False alarms go to the configured
    baseline, else to the one ``check`` finds by itself beside the inputs (``policy.baseline.default_baseline``)."""
    from tqcheck.core.limits import one_line
    from tqcheck.policy.baseline import default_baseline
    from tqcheck.policy.review import apply_replacements, record_false_alarms

    if not _interactive():
        raise UsageError("the review needs a terminal: standard input and output must be one (use --fix or --diff)")
    findings = [f for f in report.findings if f.end > f.start or f.suggestions]
    if not findings:
        click.echo("tqcheck: nothing to review")
        return []
    decisions = walk(report, findings)
    if decisions.interrupted:
        click.echo(f"tqcheck: interrupted: keeping the {len(decisions.edits) + len(decisions.false_alarms)} "
                   "decisions made so far")
    fixes = apply_replacements(report, decisions.edits, keep_state) if decisions.edits else []
    applied = sum(len(f.applied) for f in fixes)
    for fix in fixes:
        for finding, why in fix.left:
            click.echo(one_line(f"tqcheck: not applied {finding.file}:{finding.line}:{finding.column}: "
                                f"{finding.rule_id}: {why}", 1000), err=True)
        if fix.error:
            click.echo(one_line(f"tqcheck: error: {fix.error}", 1000), err=True)
    target = settings.baseline or _shown(default_baseline(list(inputs) or [f.file for f in findings[:1]]))
    if decisions.false_alarms:
        record_false_alarms(report, decisions.false_alarms, target, [e for f in fixes for e in f.applied])
    click.echo(f"\ntqcheck: {applied} replaced, {len(decisions.skipped)} skipped, {len(decisions.false_alarms)} "
               f"false alarm{'s' if len(decisions.false_alarms) != 1 else ''}"
               + (one_line(f" recorded in {target} (tqcheck check finds it there)", 1000)
                  if decisions.false_alarms else ""))
    return [e.finding for f in fixes for e in f.applied] + list(decisions.false_alarms)


def _shown(path) -> str:
    """A path relative to the current folder when it is inside it, else absolute."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


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
                   "(default: the configured baseline, else the tqcheck-baseline.json `check` finds by itself).")
@click.option("--keep-state", "keep_state", is_flag=True,
              help="Leave the state of changed XLIFF units as it is (default: needs review).")
def review(paths: tuple[str, ...], baseline_file: str | None, keep_state: bool, **options: Any) -> None:
    """Walk through the findings of PATHS one by one: accept a suggestion, type another, skip, or mark a
    false alarm (recorded in the baseline file).

    A file that cannot be read does not stop the review of the others: each one gets a one-line error
    naming the file and place after the review, and the exit status is 2."""
    with user_errors():
        settings = settings_from_options(paths, options, {"baseline": baseline_file})
        if "-" in paths:
            raise UsageError("review works on files, not standard input")
        if not _interactive():  # before the work
            raise UsageError("the review needs a terminal: standard input and output must be one "
                             "(use --fix or --diff)")
        result = run_pipeline(paths, settings, show_progress=progress_enabled(options.get("show_progress")),
                              stdin_name=options.get("stdin_name", "<stdin>"), jobs=options.get("jobs"),
                              dask=options.get("dask_address"), keep_going=True)
        report = result.report
        if result.errors:
            click.echo(f"tqcheck: {len(result.errors)} input{'s' if len(result.errors) != 1 else ''} could not be "
                       "read (listed at the end); reviewing the others", err=True)
        if not settings.baseline:
            from tqcheck.policy.baseline import discover_baseline

            found = discover_baseline(list(paths))
            if found is not None:
                settings.apply({"baseline": _shown(found)}, "found beside the inputs")
        if settings.baseline and os.path.exists(settings.baseline):
            from tqcheck.policy.baseline import apply_baseline, load_baseline

            report, _ = apply_baseline(report, load_baseline(settings.baseline))
        review_report(report, settings, paths, keep_state)
        if result.errors:
            from tqcheck.cli.common import report_input_errors

            report_input_errors(result.errors)
    if result.errors:
        sys.exit(2)
