"""The tqcheck command line: the only place that prints, exits and imports click."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import click

import tqcheck
from tqcheck.errors import TqcheckError, UsageError

EXIT_OK, EXIT_GATE_FAILED, EXIT_ERROR = 0, 1, 2


def fail(error: Exception) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
    """Print a user error on one line and exit 2."""
    click.echo(f"tqcheck: error: {error}", err=True)
    sys.exit(EXIT_ERROR)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn TqcheckError into a one-line message and exit 2; Ctrl-C into exit 130."""
    try:
        yield
    except TqcheckError as error:
        fail(error)
    except KeyboardInterrupt:
        click.echo("tqcheck: interrupted", err=True)
        sys.exit(130)


class TqcheckGroup(click.Group):
    """Click group that keeps commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=TqcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(tqcheck.__version__, "-V", "--version", prog_name="tqcheck")
def cli() -> None:
    """tqcheck: find mistranslations, grammar slips and disfluent sentences in English text."""


# -- options shared by commands that run the checks ----------------------------

def _split_list(values: Sequence[str]) -> list[str] | None:
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return items or None


def check_options(func: Callable) -> Callable:
    """Options of every command that runs the pipeline (check, baseline create)."""
    options = [
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Config file (TOML); overrides pyproject.toml/.tqcheck.toml found near the input."),
        click.option("--no-config", is_flag=True, help="Do not look for pyproject.toml/.tqcheck.toml."),
        click.option("--rules", "rules", multiple=True, type=click.Path(),
                     help="Extra rule file or folder (repeatable)."),
        click.option("--no-builtin-rules", is_flag=True, default=None, help="Skip the rule packs shipped with tqcheck."),
        click.option("--enable", multiple=True, help="Run only rules with these id prefixes (repeatable, comma-separated)."),
        click.option("--disable", multiple=True, help="Skip rules with these id prefixes (repeatable, comma-separated)."),
        click.option("--glossary", multiple=True, type=click.Path(), help="Glossary file, CSV or YAML (repeatable)."),
        click.option("--grammar", type=click.Choice(["harper", "languagetool", "auto", "none"]),
                     help="Grammar engine (default harper, offline)."),
        click.option("--dialect", help="English variant: en-US, en-GB, en-AU, en-CA, ..."),
        click.option("--languagetool-url", help="LanguageTool server URL (or TQCHECK_LANGUAGETOOL_URL)."),
        click.option("--languagetool-path", type=click.Path(), help="Folder of a local LanguageTool install."),
        click.option("--accept", multiple=True, type=click.Path(), help="Word list of accepted words and names (repeatable)."),
        click.option("--fluency/--no-fluency", default=None, help="Score sentences for fluency (default on)."),
        click.option("--semantic/--no-semantic", default=None, help="Use the sentence-embedding model (default on)."),
        click.option("--lm", help="Deeper tier: causal language model ('smollm2', a model name or a local path)."),
        click.option("--flag-threshold", type=float, help="Flag sentences whose fluency is below this (default 0.5)."),
        click.option("--include", multiple=True, help="Glob of files to check inside folders (repeatable)."),
        click.option("--exclude", multiple=True, help="Glob of files or folders to skip (repeatable)."),
        click.option("--stdin-name", default="<stdin>", show_default=True,
                     help="Name used for standard input in reports (its extension picks the format)."),
        click.option("--progress/--no-progress", "show_progress", default=None,
                     help="Progress bar on stderr (default: when stderr is a terminal)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


FLAG_KEYS = ("rules", "enable", "disable", "glossary", "grammar", "dialect", "languagetool_url",
             "languagetool_path", "accept", "fluency", "semantic", "lm", "flag_threshold", "include",
             "exclude")


def settings_from_options(paths: Sequence[str], options: dict[str, Any], extra: dict[str, Any] | None = None):
    """Effective settings for a command: defaults < config files < --config < flags."""
    from tqcheck.config import load_settings

    flags: dict[str, Any] = {}
    for key in FLAG_KEYS:
        value = options.get(key)
        if isinstance(value, tuple):
            value = _split_list(value) if key not in ("rules", "glossary", "accept") else (list(value) or None)
        flags[key] = value
    if options.get("no_builtin_rules"):
        flags["builtin_rules"] = False
    if extra:
        flags.update(extra)
    env_url = os.environ.get("TQCHECK_LANGUAGETOOL_URL")
    if env_url and not flags.get("languagetool_url"):
        flags.setdefault("languagetool_url", None)
    settings = load_settings(paths, options.get("config_file"), flags, discover=not options.get("no_config"))
    if env_url and settings.origins.get("languagetool_url") == "default":
        settings.apply({"languagetool_url": env_url}, "environment TQCHECK_LANGUAGETOOL_URL")
    return settings


def progress_enabled(choice: bool | None, quiet: bool = False) -> bool:
    """Whether to draw a progress bar: asked for, or stderr is a terminal and not quiet."""
    if choice is not None:
        return choice
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_bar(enabled: bool, total: int, label: str = "Checking") -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (transient), or a no-op callback."""
    if not enabled or total <= 0:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@contextmanager
def status(enabled: bool, message: str) -> Iterator[None]:
    """A spinner on stderr while something slow (model loading) happens."""
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


@dataclass
class RunResult:
    """What a pipeline run produced, for the commands that print or gate it."""

    report: Any
    settings: Any
    seconds: float


def run_pipeline(paths: Sequence[str], settings, *, show_progress: bool, stdin_name: str = "<stdin>") -> RunResult:
    """Load documents (all of them first: bad input stops before any work), check them, rank."""
    from tqcheck.inputs import load_documents
    from tqcheck.pipeline import Pipeline

    started = time.perf_counter()
    documents = load_documents(paths, settings.include, settings.exclude, stdin_name=stdin_name,
                               settings=settings)
    with status(show_progress, "Loading rules and models…"):
        pipeline = Pipeline(settings)
    with pipeline:
        total = sum(len(d.segments) for d in documents) * max(pipeline.stages, 1)
        with progress_bar(show_progress, total) as advance:
            report = pipeline.run(documents, advance)
    return RunResult(report, settings, time.perf_counter() - started)


# -- check -----------------------------------------------------------------------

def parse_formats(values: Sequence[str], default: Sequence[str]) -> list[tuple[str, str | None]]:
    """``NAME[=PATH]`` items as (name, path or None); unknown names are a UsageError."""
    from tqcheck.writers import WRITER_MODULES, writer_names

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


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@check_options
@click.option("-f", "--format", "formats", multiple=True, metavar="NAME[=PATH]",
              help="Output format, repeatable: terminal, csv, json, jsonl, sarif, github, junit, html. "
                   "File formats go to <output-dir>/<name>.<ext> unless =PATH is given ('-' = stdout).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Path of the (first) file report.")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder for reports (default: reports).")
@click.option("--top", type=int, help="Sentences shown in the terminal view (default 10).")
@click.option("-q", "--quiet", is_flag=True, help="No terminal view or progress; errors and gate failures only.")
@click.option("--fail-on", type=click.Choice(["minor", "major", "critical"]),
              help="Fail (exit 1) when a finding has at least this severity.")
@click.option("--min-fluency", type=float, help="Fail when any sentence's fluency is below this.")
@click.option("--min-fluency-mean", type=float, help="Fail when a document's mean fluency is below this.")
@click.option("--max-findings", type=int, help="Fail when there are more findings than this.")
@click.option("--max-penalty", type=float, help="Fail when the MQM penalty per 1,000 words is above this.")
@click.option("--exit-zero", is_flag=True, default=None, help="Exit 0 even when the gate fails (report only).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Baseline file: only findings not in it count for the gate.")
@click.option("--changed-only", is_flag=True, help="Check only files changed against --base (git).")
@click.option("--base", "base_ref", default="HEAD", show_default=True, help="Git ref for --changed-only.")
def check(paths: tuple[str, ...], formats: tuple[str, ...], output: str | None, output_dir: str | None,
          top: int | None, quiet: bool, fail_on: str | None, min_fluency: float | None,
          min_fluency_mean: float | None, max_findings: int | None, max_penalty: float | None,
          exit_zero: bool | None, baseline_file: str | None, changed_only: bool, base_ref: str,
          **options: Any) -> None:
    """Check PATHS (files, folders, or - for stdin) and write the ranked report."""
    with user_errors():
        extra = {"output": output, "output_dir": output_dir, "top": top, "fail_on": fail_on,
                 "min_fluency": min_fluency, "min_fluency_mean": min_fluency_mean,
                 "max_findings": max_findings, "max_penalty": max_penalty, "exit_zero": exit_zero,
                 "baseline": baseline_file}
        if formats:
            extra["format"] = [v for value in formats for v in value.split(",") if v.strip()]
        settings = settings_from_options(paths, options, extra)
        outputs = parse_formats([], settings.format)
        if quiet:
            outputs = [(n, p) for n, p in outputs if n != "terminal"]
        targets = list(paths)
        if changed_only:
            from tqcheck.vcs import changed_files

            targets = changed_files(base_ref, targets, include=settings.include, exclude=settings.exclude)
            if not targets:
                if not quiet:
                    click.echo("tqcheck: no changed files to check", err=True)
                sys.exit(EXIT_OK)
        show_progress = progress_enabled(options.get("show_progress"), quiet)
        result = run_pipeline(targets, settings, show_progress=show_progress,
                              stdin_name=options.get("stdin_name", "<stdin>"))
        report, diff = result.report, None
        if settings.baseline:
            from tqcheck.baseline import apply_baseline, load_baseline

            report, diff = apply_baseline(report, load_baseline(settings.baseline))
        write_outputs(report, outputs, settings, report_name(paths, options.get("stdin_name", "<stdin>")), quiet)
        from tqcheck.gate import decide

        outcome = decide(report, settings, diff)
        if not quiet:
            for note in outcome.notes:
                click.echo(f"tqcheck: {note}", err=True)
        for reason in outcome.reasons:
            click.echo(f"tqcheck: gate: {reason}", err=True)
    sys.exit(outcome.exit_code)


def write_outputs(report, outputs: list[tuple[str, str | None]], settings, name: str, quiet: bool) -> None:
    """Render every format first, then write files atomically and print streams."""
    from rich.console import Console

    from tqcheck.writers import get_writer, write_atomic

    rendered: list[tuple[str, Any, str | None, str]] = []
    explicit_output = settings.output or None
    for fmt, path in outputs:
        writer = get_writer(fmt)
        if fmt == "terminal":
            writer.top = settings.top
        if path is None and writer.to_file:
            if explicit_output:
                path, explicit_output = explicit_output, None
            else:
                path = str(Path(settings.output_dir) / f"{name}{writer.extension}")
        text = "" if fmt == "terminal" and path in (None, "-") else writer.render(report)
        rendered.append((fmt, writer, path, text))
    written = []
    for fmt, writer, path, text in rendered:
        if path is None or path == "-":
            if fmt == "terminal":
                writer.print(report, Console(highlight=False, soft_wrap=False))
            else:
                click.echo(text, nl=not text.endswith("\n"))
        else:
            write_atomic(Path(path), text, newline="")
            written.append(path)
    if written and not quiet:
        click.echo(f"tqcheck: wrote {', '.join(written)}", err=True)


# -- commands from other modules --------------------------------------------------

def _attach_optional_commands() -> None:
    import importlib

    for module, names in (("tqcheck.cli.rules", ("rules",)),
                          ("tqcheck.cli.gate_commands", ("baseline", "config"))):
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as exc:  # TODO(lead): remove once every command module has landed
            if exc.name != module:
                raise
            continue
        for name in names:
            cli.add_command(getattr(loaded, name))


_attach_optional_commands()


def main() -> None:
    """Entry point of the ``tqcheck`` command."""
    cli(prog_name="tqcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
