"""The tqcheck command line (with tqcheck/cli/*, the only code that prints, exits and imports click)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

import click

import tqcheck
from tqcheck.cli.common import (EXIT_OK, check_options, progress_enabled, run_pipeline, settings_from_options,
                                stdout_errors, stopped, user_errors)
from tqcheck.cli.cache_commands import cache
from tqcheck.cli.gate_commands import baseline, config
from tqcheck.cli.review import review
from tqcheck.cli.rules import rules
from tqcheck.cli.server import server
from tqcheck.cli.train import train
from tqcheck.core.errors import UsageError
from tqcheck.core.limits import one_line


class TqcheckGroup(click.Group):
    """Click group that keeps commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """Click's, with a Ctrl-C while it reads the arguments exit 130 (click said "Aborted!", exit 1, which CI
        reads as a failed gate)."""
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt as stop:
            stopped(stop)

    def invoke(self, ctx: click.Context) -> Any:
        """Click's, with a Ctrl-C outside a command's own handling (``user_errors``) exit 130."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            stopped(stop)


@click.group(cls=TqcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(tqcheck.__version__, "-V", "--version", prog_name="tqcheck")
def cli() -> None:
    """tqcheck: find mistranslations, grammar slips and disfluent sentences in English text."""


# -- check -----------------------------------------------------------------------

def parse_formats(values: Sequence[str], default: Sequence[str]) -> list[tuple[str, str | None]]:
    """``NAME[=PATH]`` items as (name, path or None); unknown names are a UsageError."""
    from tqcheck.output.writers import WRITER_MODULES, writer_names

    items = [v for value in values for v in value.split(",") if v.strip()] or list(default)
    parsed = []
    for item in items:
        name, _, path = item.partition("=")
        name = name.strip()
        if name not in WRITER_MODULES:
            raise UsageError(f"unknown format {name!r} (valid: {', '.join(writer_names())})")
        parsed.append((name, path.strip() or None))
    return parsed


def report_name(paths: Sequence[str], stdin_name: str) -> str:
    """Base name of report files: the single input's stem, else 'tqcheck'."""
    if len(paths) != 1:
        return "tqcheck"
    if paths[0] == "-":
        return Path(stdin_name).stem.strip("<>") or "stdin"
    path = Path(paths[0])
    return path.resolve().name if path.is_dir() else path.stem


class CheckCommand(click.Command):
    """``check``: a bare ``--statistics`` (no ``=files``) never takes the next argument as its value."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        args = [("--statistics=rules" if a == "--statistics" and i < end else a) for i, a in enumerate(args)]
        return super().parse_args(ctx, args)


@cli.command(cls=CheckCommand)
@click.argument("paths", nargs=-1, required=True)
@check_options
@click.option("-f", "--format", "formats", multiple=True, metavar="NAME[=PATH]",
              help="Output format, repeatable: terminal, line, csv, json, jsonl, sarif, github, junit, html. "
                   "File formats go to <output-dir>/<name>.<ext> unless =PATH is given ('-' = stdout). "
                   "Default: terminal and csv; line instead of terminal when stdout is not a terminal; "
                   "no csv for standard input.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Path of the (first) file report.")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder for reports (default: reports).")
@click.option("--top", type=int, help="Sentences shown in the terminal view (default 10).")
@click.option("-q", "--quiet", is_flag=True, help="No terminal view or progress; errors and gate failures only.")
@click.option("--fail-on", type=click.Choice(["none", "minor", "major", "critical"]),
              help="Exit 1 when a finding has at least this severity (default major; none: never).")
@click.option("--min-fluency", type=float, help="Fail when any sentence's fluency is below this.")
@click.option("--min-fluency-mean", type=float, help="Fail when a document's mean fluency is below this.")
@click.option("--max-findings", type=int, help="Fail when there are more findings than this.")
@click.option("--max-penalty", type=float, help="Fail when the MQM penalty per 1,000 words is above this.")
@click.option("--exit-zero", is_flag=True, default=None, help="Exit 0 even when findings or the gate fail (report only).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Baseline file: only findings not in it count for the gate (default: the configured one, else "
                   "the nearest tqcheck-baseline.json up to the project folder; none with --no-config).")
@click.option("--statistics", type=click.Choice(["rules", "files"]), default=None,
              help="Print the number of findings per rule id (--statistics=files: per file and rule id) "
                   "instead of the findings view; file reports are still written.")
@click.option("--fix", is_flag=True, help="Apply the unambiguous suggestions (one suggestion, rule marked fixable) "
                                         "to the files in place; report what changed and what was left.")
@click.option("-i", "--interactive", is_flag=True, help="With --fix: walk through the findings one by one "
                                                         "(as `tqcheck review`).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the changes --fix would make as a unified diff; "
                                                        "write nothing.")
@click.option("--unsafe-fixes", "unsafe_fixes", is_flag=True,
              help="With --fix or --diff: also apply unsafe fixes (one suggestion of a rule not marked fixable).")
@click.option("--keep-state", "keep_state", is_flag=True,
              help="With --fix: leave the state of fixed XLIFF units as it is (default: needs review).")
@click.option("--changed-only", is_flag=True, help="Check only files changed against --base (git).")
@click.option("--base", "base_ref", default="HEAD", show_default=True, help="Git ref for --changed-only.")
@click.option("--partitioned", "partitioned", metavar="DIR", type=click.Path(file_okay=False),
              help="Large runs: one sentence table per part and _summary.json in DIR, never the whole corpus "
                   "in memory (instead of the ranked reports).")
@click.option("--partition-format", type=click.Choice(["parquet", "csv", "jsonl"]), default="parquet",
              show_default=True, help="Format of the --partitioned tables.")
def check(paths: tuple[str, ...], formats: tuple[str, ...], output: str | None, output_dir: str | None,
          top: int | None, quiet: bool, fail_on: str | None, min_fluency: float | None,
          min_fluency_mean: float | None, max_findings: int | None, max_penalty: float | None,
          exit_zero: bool | None, baseline_file: str | None, statistics: str | None, fix: bool, interactive: bool, show_diff: bool,
          changed_only: bool, base_ref: str, **options: Any) -> None:
    """Check PATHS (files, folders, or - for stdin) and write the ranked report."""
    with user_errors():
        extra = {"output": output, "output_dir": output_dir, "top": top, "fail_on": fail_on,
                 "min_fluency": min_fluency, "min_fluency_mean": min_fluency_mean,
                 "max_findings": max_findings, "max_penalty": max_penalty, "exit_zero": exit_zero,
                 "baseline": baseline_file}
        if formats:
            extra["format"] = [v for value in formats for v in value.split(",") if v.strip()]
        settings = settings_from_options(paths, options, extra)
        outputs = choose_outputs(parse_formats([], settings.format), settings, paths, quiet,
                                 statistics or show_diff)
        if (fix or show_diff) and settings.origins.get("format") == "default" and not settings.output:
            outputs = edit_outputs(outputs)
        targets = list(paths)
        if changed_only:
            from tqcheck.policy.vcs import changed_files

            targets = changed_files(base_ref, targets, include=settings.include, exclude=settings.exclude)
            if not targets:
                if not quiet:
                    click.echo("tqcheck: no changed files to check", err=True)
                sys.exit(EXIT_OK)
        name = report_name(paths, options.get("stdin_name", "<stdin>"))
        show_progress = progress_enabled(options.get("show_progress"), quiet)
        if options.get("partitioned"):
            from tqcheck.cli.common import run_partitioned

            given = {"fix": fix, "interactive": interactive, "show_diff": show_diff, "statistics": statistics,
                     "formats": formats, "output": output, "output_dir": output_dir}  # refused, never ignored
            sys.exit(run_partitioned(targets, settings, {**options, **given}, show_progress, quiet))
        if interactive and not fix:  # usage errors before the work
            raise UsageError("--interactive goes with --fix (or use `tqcheck review FILE`)")
        check_outputs(outputs, settings, name)
        from tqcheck.cli.common import refuse_input_outputs

        refuse_input_outputs(targets, [p for _, p in output_paths(outputs, settings, name)], settings)
        accepted = None
        if not settings.baseline and not options.get("no_config"):  # the baseline `review` records false alarms in
            from tqcheck.policy.baseline import discover_baseline

            found_baseline = discover_baseline(list(paths))
            if found_baseline is not None:
                settings.apply({"baseline": _shown(found_baseline)}, "found beside the inputs")
        if settings.baseline:  # read before the work: a bad baseline stops the run at once
            from tqcheck.policy.baseline import load_baseline

            accepted = load_baseline(settings.baseline)
        from tqcheck.engine.pipeline import run_context

        context = run_context(settings)  # the registry and flag threshold, once for the run, its fix and statistics
        result = run_pipeline(targets, settings, show_progress=show_progress,
                              stdin_name=options.get("stdin_name", "<stdin>"), jobs=options.get("jobs"),
                              dask=options.get("dask_address"), use_cache=options.get("use_cache", True),
                              keep_going=True, context=context)
        input_errors = result.errors  # inputs that could not be read: reported after the others, exit 2
        report, diff, failed = result.report, None, []
        if accepted is not None:
            from tqcheck.policy.baseline import apply_baseline

            report, diff = apply_baseline(report, accepted)
        if fix and interactive and not show_diff:
            from tqcheck.cli.review import review_report

            settled = {id(f) for f in review_report(report, settings, list(paths), bool(options.get("keep_state")))}
            report = _without(report, settled)
        elif fix or show_diff:
            stdin_names = {options.get("stdin_name", "<stdin>")} if "-" in targets else set()
            report, changed, failed = fix_files(report, settings, write=fix and not show_diff, quiet=quiet,
                                                unsafe=bool(options.get("unsafe_fixes")),
                                                keep_state=bool(options.get("keep_state")), stdin_names=stdin_names,
                                                registry=context.registry)
            if changed:  # check again only the files written: the report describes the files as they now are
                from tqcheck.policy.fix import replace_files

                fresh = run_pipeline(changed, settings, show_progress=show_progress, jobs=options.get("jobs"),
                                     dask=options.get("dask_address"), use_cache=options.get("use_cache", True),
                                     keep_going=True, context=context)
                full = replace_files(result.report, fresh.report)
                report = full
                if accepted is not None:
                    from tqcheck.policy.baseline import apply_baseline

                    report, diff = apply_baseline(full, accepted)
        write_outputs(report, outputs, settings, name, quiet)
        if statistics:
            from tqcheck.output.statistics import render_statistics

            with stdout_errors():
                sys.stdout.write(render_statistics(report.findings, context.registry, by_file=statistics == "files"))
        from tqcheck.policy.gate import decide

        outcome = decide(report, settings, diff)
        if not quiet:
            for note in outcome.notes:
                click.echo(f"tqcheck: {one_line(note)}", err=True)
        for reason in outcome.reasons:
            click.echo(f"tqcheck: gate: {one_line(reason)}", err=True)
        if input_errors:
            from tqcheck.cli.common import report_input_errors

            report_input_errors(input_errors)
    sys.exit(2 if failed or input_errors else outcome.exit_code)


def fix_files(report, settings, *, write: bool, quiet: bool, unsafe: bool = False, keep_state: bool = False,
              stdin_names=(), registry=None):
    """--fix: apply the fixes that apply; returns the report without the fixed findings, the files written and
    the files that could not be written (each named in a one-line error). --diff: print the unified diff of
    those changes (standard input too: of what was piped) and write nothing. ``registry``: the run's
    (``RunContext.registry``), else the report's or the one ``settings`` load."""
    from tqcheck.policy.fix import plan_fixes, write_fixes

    if registry is None:
        from tqcheck.checks.catalog import registry as registry_of

        registry = report.context.registry if report.context is not None else registry_of(settings)
    fixes = plan_fixes(report, registry, unsafe=unsafe, keep_state=keep_state, settings=settings,
                       stdin_names=stdin_names)
    if not write:
        with stdout_errors():
            sys.stdout.write("".join(f.diff() for f in fixes))
    written = write_fixes(fixes) if write else []
    failed = [f for f in fixes if f.error]
    for file_fix in failed:
        click.echo(f"tqcheck: error: {one_line(file_fix.error, 1000)}", err=True)
    if not write:
        return report, [], failed
    fixed = {id(e.finding) for f in written for e in f.applied}
    if not quiet:
        for file_fix in written:
            for edit in file_fix.applied:
                found = edit.finding
                click.echo(one_line(f"tqcheck: fixed {found.file}:{found.line}:{found.column}: {found.rule_id} "
                                    f"{_quoted(found.matched)} → {_quoted(edit.replacement)}", 1000), err=True)
        left = [item for f in fixes for item in f.left]
        for found, why in left:
            click.echo(one_line(f"tqcheck: left {found.file}:{found.line}:{found.column}: {found.rule_id} "
                                f"{_quoted(found.matched)}: {why}", 1000), err=True)
        count = len(fixed)
        click.echo(f"tqcheck: fixed {count} finding{'s' if count != 1 else ''} in {len(written)} "
                   f"file{'s' if len(written) != 1 else ''}; {len(left)} suggestion{'s' if len(left) != 1 else ''} "
                   "left for review", err=True)
    return _without(report, fixed), [f.path for f in written], failed


def _without(report, finding_ids: set[int]):
    """``report`` without the findings whose ``id()`` is in ``finding_ids`` (fixed or settled in a review)."""
    from tqcheck.output.report import Report

    if not finding_ids:
        return report
    return Report(report.documents, [f for f in report.findings if id(f) not in finding_ids], report.scores,
                  signature=report.signature, notices=report.notices, flag_threshold=report.flag_threshold,
                  similarity=report.similarity, context=report.context)


def _shown(path) -> str:
    """A path relative to the current folder when it is inside it, else absolute."""
    import os

    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _quoted(text: str) -> str:
    """Text in typographic quotes, on one line (no Python escapes)."""
    return "“" + " ".join(text.split()) + "”"


#: Views printed on standard output for people (left out by --quiet and --statistics).
VIEWS = ("terminal", "line")


def choose_outputs(outputs: list[tuple[str, str | None]], settings, paths: Sequence[str], quiet: bool,
                   statistics: str | None) -> list[tuple[str, str | None]]:
    """The outputs of a run: when no format was asked for (``format`` at its default), standard input
    writes no report file (unless -o) and a standard output that is not a terminal gets the ``line``
    view instead of the wrapped ``terminal`` view; --quiet and --statistics leave out the views."""
    from tqcheck.output.writers import get_writer

    if settings.origins.get("format") == "default":
        if "-" in paths and not settings.output:
            outputs = [(n, p) for n, p in outputs if p is not None or not get_writer(n).to_file]
        if not _stdout_is_terminal():
            outputs = [("line" if n == "terminal" and p is None else n, p) for n, p in outputs]
    if quiet or statistics:
        outputs = [(n, p) for n, p in outputs if n not in VIEWS or p not in (None, "-")]
    return outputs


def edit_outputs(outputs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The outputs of a --fix or --diff run when no format was asked for: the views only (no report file is
    written unless -o or --format asks for one)."""
    from tqcheck.output.writers import get_writer

    return [(n, p) for n, p in outputs if p is not None or not get_writer(n).to_file]


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def output_paths(outputs: list[tuple[str, str | None]], settings, name: str) -> list[tuple[str, str | None]]:
    """(format, file path or None for standard output) of every output of a run."""
    from tqcheck.output.writers import get_writer

    planned: list[tuple[str, str | None]] = []
    explicit_output = settings.output or None
    for fmt, path in outputs:
        writer = get_writer(fmt)
        if path is None and writer.to_file:
            if explicit_output:
                path, explicit_output = explicit_output, None
            else:
                path = str(Path(settings.output_dir) / f"{name}{writer.extension}")
        planned.append((fmt, None if path in (None, "-") else path))
    return planned


def check_outputs(outputs: list[tuple[str, str | None]], settings, name: str) -> None:
    """OutputError before any work when a report cannot be written (a folder in the way, no permission)."""
    from tqcheck.output.writers import check_writable

    from tqcheck.core.errors import OutputError

    for fmt, path in output_paths(outputs, settings, name):
        if path is not None:
            check_writable(Path(path))
        elif sys.stdout is None:
            raise OutputError(f"standard output is closed; write the {fmt} report to a file (-f {fmt}=PATH)",
                              path="<stdout>")


def write_outputs(report, outputs: list[tuple[str, str | None]], settings, name: str, quiet: bool) -> None:
    """Render every format first, write all files at once (all or none replaced), then print streams."""
    from tqcheck.output.writers import get_writer, write_files

    rendered: list[tuple[str, Any, str | None, str]] = []
    for fmt, path in output_paths(outputs, settings, name):
        writer = get_writer(fmt)
        if fmt == "terminal":
            writer.top = settings.top
        text = "" if fmt == "terminal" and path is None else writer.render(report)
        rendered.append((fmt, writer, path, text))
    written = [path for _, _, path, _ in rendered if path is not None]
    write_files([(Path(path), text) for _, _, path, text in rendered if path is not None], newline="")
    with stdout_errors():
        for fmt, writer, path, text in rendered:
            if path is None:
                if fmt == "terminal":
                    from rich.console import Console  # only the terminal view needs rich

                    writer.print(report, Console(file=sys.stdout, highlight=False, soft_wrap=False))
                else:
                    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
                if fmt == "line" and not quiet:
                    from tqcheck.output.writers.terminal import summary_line

                    click.echo(f"tqcheck: {summary_line(report)}", err=True)
    if written and not quiet:
        click.echo(f"tqcheck: wrote {one_line(', '.join(written))}", err=True)


# -- commands from other modules --------------------------------------------------

cli.add_command(rules)
cli.add_command(review)
cli.add_command(train)
cli.add_command(baseline)
cli.add_command(config)
cli.add_command(cache)
cli.add_command(server)


def main() -> None:
    """Entry point of the ``tqcheck`` command."""
    from tqcheck.cli.common import handle_sigterm
    from tqcheck.core.threads import interrupted, watch_interrupts

    handle_sigterm()
    watch_interrupts()
    try:
        cli(prog_name="tqcheck")
    except SystemExit as end:  # a Ctrl-C click took as "Aborted!" (exit 1), or one dropped and not raised again
        if interrupted() and end.code not in (130, 143):
            stopped()
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
