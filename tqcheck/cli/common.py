"""What every tqcheck command shares: options, settings, progress, running the pipeline, errors."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NoReturn, Sequence

import click

from tqcheck.core.errors import TqcheckError

EXIT_OK, EXIT_GATE_FAILED, EXIT_ERROR = 0, 1, 2


#: Exit status after SIGTERM (128 + 15, as a shell reports it).
EXIT_TERMINATED = 143


def fail(error: Exception) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
    """Print a user error on one line (control characters escaped, long middles elided) and exit 2."""
    from tqcheck.core.limits import MAX_MESSAGE_CHARS, one_line

    # trusted_chars: text of tqcheck's own (a list of valid keys) that must not be elided
    say(f"tqcheck: error: {one_line(str(error), MAX_MESSAGE_CHARS + getattr(error, 'trusted_chars', 0))}")
    sys.exit(EXIT_ERROR)


def say(line: str) -> None:
    """Print one line on stderr; a closed or broken stderr is ignored (the exit status still tells)."""
    try:
        click.echo(line, err=True)
    except (OSError, ValueError):
        pass


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM so the run stops like on Ctrl-C: temporary files removed,
    servers stopped."""


def _on_sigterm(signum, frame) -> None:  # noqa: ARG001
    raise Terminated()


def handle_sigterm() -> None:
    """Make SIGTERM stop a run like SIGINT does (cleanup runs; exit 143)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def stopped(stop: BaseException | None = None) -> NoReturn:
    """End the run as a stop ends it: SIGTERM (``Terminated``) with exit 143, a Ctrl-C (anything else) with 130."""
    if isinstance(stop, Terminated):
        say("tqcheck: terminated")
        sys.exit(EXIT_TERMINATED)
    say("tqcheck: interrupted")
    sys.exit(130)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn TqcheckError into a one-line message and exit 2; Ctrl-C into exit 130, SIGTERM into 143.

    An unexpected exception is a bug, but still one line and exit 2 (never exit 1, which means
    "the gate failed" to CI); TQCHECK_DEBUG=1 shows its traceback.
    """
    import os

    try:
        yield
    except InputErrors as error:
        report_input_errors(error.errors)
        sys.exit(EXIT_ERROR)
    except TqcheckError as error:
        fail(error)
    except KeyboardInterrupt as stop:  # Terminated (SIGTERM) too
        stopped(stop)
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except (MemoryError, RecursionError) as error:
        say(f"tqcheck: error: out of {'memory' if isinstance(error, MemoryError) else 'stack'} "
            "(input too large or nested too deeply)")
        sys.exit(EXIT_ERROR)
    except Exception as error:  # noqa: BLE001 - the last line of defence, see the docstring
        from tqcheck.core.threads import interrupted

        if interrupted(error):  # a Ctrl-C that became another error (one in a dataclass's __set_name__)
            stopped()
        if os.environ.get("TQCHECK_DEBUG"):
            raise
        from tqcheck.core.limits import one_line

        say(f"tqcheck: internal error: {type(error).__name__}: {one_line(str(error), 300)} "
            "(a bug: please report it; TQCHECK_DEBUG=1 shows the traceback)")
        sys.exit(EXIT_ERROR)


@contextmanager
def stdout_errors() -> Iterator[None]:
    """Writes to standard output that fail (closed, full, broken pipe) become an OutputError."""
    from tqcheck.core.errors import OutputError

    if sys.stdout is None:
        raise OutputError("standard output is closed; write the report to a file (-f NAME=PATH)",
                          path="<stdout>")
    try:
        yield
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"cannot write to standard output: {reason}", path="<stdout>") from None


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null so Python's exit does not report the same failure again."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


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
        click.option("--enable", multiple=True, help="Run only rules with these id prefixes, or switch on rules that are off by default "
                     "(repeatable, comma-separated; docs/rules.md)."),
        click.option("--disable", multiple=True, help="Skip rules with these id prefixes (repeatable, comma-separated)."),
        click.option("--glossary", multiple=True, type=click.Path(), help="Glossary file, CSV or YAML (repeatable)."),
        click.option("--dnt", multiple=True, type=click.Path(),
                     help="Do-not-translate list: one term per line, kept unchanged in the translation (repeatable)."),
        click.option("--grammar", type=click.Choice(["harper", "languagetool", "auto", "none"]),
                     help="Grammar engine (default harper, offline)."),
        click.option("--dialect", help="English variant: en-US, en-GB, en-AU, en-CA, ..."),
        click.option("--languagetool-url", help="LanguageTool server URL (or TQCHECK_LANGUAGETOOL_URL)."),
        click.option("--languagetool-path", type=click.Path(), help="Folder of a local LanguageTool install."),
        click.option("--accept", multiple=True, type=click.Path(), help="Word list of accepted words and names (repeatable)."),
        click.option("--fluency/--no-fluency", default=None, help="Score sentences for fluency (default on)."),
        click.option("--semantic/--no-semantic", default=None, help="Use the sentence-embedding model (default on)."),
        click.option("--lm", help="Deeper tier: causal language model ('smollm2', a model name or a local path)."),
        click.option("--detector", type=click.Path(file_okay=False),
                     help="Detector folder made by 'tqcheck train' (default: the shipped one)."),
        click.option("--flag-threshold", type=float,
                     help="Flag sentences whose score is below this (default: the detector's calibrated threshold)."),
        click.option("--include", multiple=True, help="Glob of files to check inside folders (repeatable)."),
        click.option("--exclude", multiple=True, help="Glob of files or folders to skip (repeatable)."),
        click.option("--stdin-name", default="<stdin>", show_default=True,
                     help="Name used for standard input in reports (its extension picks the format)."),
        click.option("--progress/--no-progress", "show_progress", default=None,
                     help="Progress bar on stderr (default: when stderr is a terminal)."),
        click.option("-j", "--jobs", type=click.IntRange(min=0),
                     help="Worker processes (default 0: the available cores, for runs of 2,000+ segments)."),
        click.option("--dask", "dask_address", metavar="ADDRESS",
                     help="Check on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'."),
        click.option("--cache/--no-cache", "use_cache", default=True, show_default=True,
                     help="Reuse results of unchanged files checked with the same settings, rules and models "
                          "(user cache folder or $TQCHECK_CACHE_DIR; tqcheck cache clear empties it)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


FLAG_KEYS = ("rules", "enable", "disable", "glossary", "grammar", "dialect", "languagetool_url",
             "languagetool_path", "accept", "fluency", "semantic", "lm", "detector", "flag_threshold", "include",
             "exclude", "jobs", "dnt")


def settings_from_options(paths: Sequence[str], options: dict[str, Any], extra: dict[str, Any] | None = None):
    """Effective settings for a command: defaults < config files < --config < flags."""
    from tqcheck.core.config import load_settings

    flags: dict[str, Any] = {}
    for key in FLAG_KEYS:
        value = options.get(key)
        if isinstance(value, tuple):
            value = _split_list(value) if key not in ("rules", "glossary", "accept", "dnt") else (list(value) or None)
        flags[key] = value
    if options.get("dask_address"):
        flags["dask"] = options["dask_address"]
    if options.get("no_builtin_rules"):
        flags["builtin_rules"] = False
    if extra:
        flags.update(extra)
    # TQCHECK_LANGUAGETOOL_URL is read by tqcheck.checks.grammar.languagetool_url (below flags and config files)
    return load_settings(paths, options.get("config_file"), flags, discover=not options.get("no_config"))


def progress_enabled(choice: bool | None, quiet: bool = False) -> bool:
    """Whether to draw a progress bar: asked for, or stderr is a terminal and not quiet."""
    if choice is not None:
        return choice
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_bar(enabled: bool, total: int, label: str = "Checking") -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (transient), progress lines when stderr is not a terminal (a CI log,
    a file), or a no-op callback."""
    if not enabled or total <= 0:
        yield lambda _n: None
        return
    if sys.stderr is None or not sys.stderr.isatty():
        with progress_lines(total, label) as advance:
            yield advance
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


#: Seconds between two progress lines on a non-terminal stderr (TQCHECK_PROGRESS_SECONDS overrides).
PROGRESS_LINE_SECONDS = 10.0


@contextmanager
def progress_lines(total: int, label: str = "Checking") -> Iterator[Callable[[int], None]]:
    """Plain progress lines on stderr: one at the start, one every PROGRESS_LINE_SECONDS, one at the end."""
    from tqcheck.core.limits import env_number

    interval = env_number("TQCHECK_PROGRESS_SECONDS", PROGRESS_LINE_SECONDS, minimum=0, maximum=86_400)
    started = time.monotonic()
    state = {"done": 0, "next": started + interval}

    def line(final: bool = False) -> None:
        done = min(state["done"], total)
        seconds = time.monotonic() - started
        say(f"tqcheck: {label.lower()} {done:,}/{total:,} ({100 * done / total:.0f}%) after {seconds:.0f} s"
            + (" - done" if final else ""))

    def advance(count: int) -> None:
        state["done"] += count
        now = time.monotonic()
        if now >= state["next"]:
            state["next"] = now + interval
            line()

    line()
    yield advance
    line(final=True)


@contextmanager
def status(enabled: bool, message: str) -> Iterator[None]:
    """A spinner on stderr while something slow (model loading) happens."""
    if not enabled:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


class InputErrors(TqcheckError):
    """Every input of a run failed to read: each error is printed on its own line."""

    def __init__(self, errors: Sequence[Exception]) -> None:
        super().__init__(f"no input could be read ({len(errors)} errors)")
        self.errors = list(errors)


@dataclass
class RunResult:
    """What a pipeline run produced, for the commands that print or gate it."""

    report: Any
    settings: Any
    seconds: float
    #: the InputErrors of inputs that could not be read (the others were checked): exit 2 at the end
    errors: list = ()  # type: ignore[assignment]


def run_pipeline(paths: Sequence[str], settings, *, show_progress: bool, stdin_name: str = "<stdin>",
                 jobs: int | None = None, dask: str | None = None, use_cache: bool = False,
                 keep_going: bool = False, context: Any = None) -> RunResult:
    """Load documents (all of them first: bad input stops before any work), check them, rank (``context``: the
    run's ``RunContext``, built once by the command).

    ``keep_going``: an input that cannot be read is left out and its error kept in ``RunResult.errors``
    (the other inputs are checked; the command reports the errors and exits 2 at the end); when no input
    can be read, the first error is raised."""
    from tqcheck.core.errors import InputError
    from tqcheck.readers.inputs import load_documents
    from tqcheck.engine.runners import early_runner, run_documents

    started = time.perf_counter()
    jobs = jobs if jobs is not None else (settings.jobs or None)
    dask = dask or settings.dask or None
    cache = None
    if use_cache:  # a bad $TQCHECK_CACHE_* value stops the run before any work
        from tqcheck.engine.cache import ResultCache

        cache = ResultCache.configured()
    # a large input: the worker processes start (and load their models) while it is read
    runner = early_runner(jobs, dask, settings, input_bytes(paths, settings))
    errors: list[InputError] | None = [] if keep_going else None
    try:
        documents = load_documents(paths, settings.include, settings.exclude, stdin_name=stdin_name,
                                   settings=settings, errors=errors)
        if errors and not documents:
            raise errors[0] if len(errors) == 1 else InputErrors(errors)
    except BaseException:
        if runner is not None:
            runner.close(now=True)
        raise
    total = sum(len(d.segments) for d in documents)
    with progress_bar(show_progress, total) as advance:
        report = run_documents(documents, settings, jobs=jobs, dask=dask, advance=advance, cache=cache,
                               runner=runner, context=context)
    for notice in cache.notices if cache is not None else ():  # a cache problem never costs the report
        say(f"tqcheck: notice: {notice}")
    return RunResult(report, settings, time.perf_counter() - started, errors or [])


def report_input_errors(errors: Sequence[Exception]) -> None:
    """One line per input that could not be read (printed after the report of the others)."""
    from tqcheck.core.limits import one_line

    for error in errors:
        say(f"tqcheck: error: {one_line(str(error))}")
    if errors:
        say(f"tqcheck: {len(errors)} input{'s' if len(errors) != 1 else ''} not checked (exit 2)")


def input_bytes(paths: Sequence[str], settings) -> int:
    """Bytes of the files a run will read (0 when it reads standard input or a path is not there)."""
    from tqcheck.core.errors import InputError
    from tqcheck.readers.inputs import collect_files, default_include

    include = default_include() if settings.include is None else settings.include
    try:
        files = collect_files(paths, include, settings.exclude)
        return 0 if "-" in files else sum(os.path.getsize(name) for name in files)
    except (InputError, OSError):
        return 0  # reading the input reports the error


def input_files(paths: Sequence[str], settings) -> list[str]:
    """The files a run reads (folders expanded as the run expands them); [] when they cannot be listed (reading
    them reports why)."""
    from tqcheck.core.errors import InputError
    from tqcheck.readers.inputs import collect_files, default_include

    include = default_include() if settings.include is None else settings.include
    try:
        return collect_files(paths, include, settings.exclude)
    except (InputError, OSError):
        return []


def refuse_input_outputs(paths: Sequence[str], outputs: Sequence[str | None], settings) -> None:
    """OutputError (exit 2, before any work) when a report path is one of the run's inputs: by name, through a
    symlink or a hard link."""
    from tqcheck.core.files import refuse_inputs

    files = [path for path in outputs if path is not None]
    if files:
        refuse_inputs(files, input_files(paths, settings))


#: Options a --partitioned run cannot honour (they need the whole report in memory), and why.
PARTITIONED_CONFLICTS = (
    ("fix", "--fix"), ("interactive", "--interactive"), ("show_diff", "--diff"), ("statistics", "--statistics"),
    ("formats", "-f/--format"), ("output", "-o/--output"), ("output_dir", "--output-dir"),
)


def refuse_with_partitioned(options: dict[str, Any], settings) -> None:
    """UsageError for an option given with --partitioned that it would otherwise ignore: reports, fixes and
    statistics need the whole report; a baseline needs every finding."""
    from tqcheck.core.errors import UsageError

    given = [flag for key, flag in PARTITIONED_CONFLICTS if options.get(key)]
    if settings.origins.get("baseline") == "command line" and settings.baseline:
        given.append("--baseline")
    if given:
        raise UsageError(f"--partitioned writes part tables and _summary.json only; {', '.join(given)} "
                         f"{'needs' if len(given) == 1 else 'need'} the whole report: run without --partitioned")


@contextmanager
def progress_count(enabled: bool, label: str = "Checking") -> Iterator[Callable[[int], None]]:
    """Progress of a run of unknown length (--partitioned): a counter on a terminal, a line every
    PROGRESS_LINE_SECONDS elsewhere, or a no-op callback."""
    if not enabled:
        yield lambda _n: None
        return
    if sys.stderr is not None and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description} {task.completed:,.0f} segments"),
                      TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(label, total=None)
            yield lambda n: bar.advance(task, n)
        return
    try:
        interval = float(os.environ.get("TQCHECK_PROGRESS_SECONDS", PROGRESS_LINE_SECONDS))
    except ValueError:
        interval = PROGRESS_LINE_SECONDS
    started = time.monotonic()
    state = {"done": 0, "next": started + interval}

    def line(final: bool = False) -> None:
        say(f"tqcheck: {label.lower()} {int(state['done']):,} segments after {time.monotonic() - started:.0f} s"
            + (" - done" if final else ""))

    def advance(count: int) -> None:
        state["done"] += count
        if time.monotonic() >= state["next"]:
            state["next"] = time.monotonic() + interval
            line()

    line()
    yield advance
    line(final=True)


def run_partitioned(paths: Sequence[str], settings, options: dict[str, Any], show_progress: bool,
                    quiet: bool) -> int:
    """``check --partitioned DIR``: part tables and a summary; the gate reads the summary's per-file counts."""
    from tqcheck.engine.partitioned import check_partitioned, file_counts
    from tqcheck.policy.gate import gate_reasons

    refuse_with_partitioned(options, settings)
    if settings.baseline and not quiet:  # from a config file: said, not silently ignored
        say(f"tqcheck: notice: the baseline {settings.baseline} ({settings.origins.get('baseline')}) is not "
            "applied with --partitioned: every finding counts for the gate")
    folder = options["partitioned"]
    with progress_count(show_progress) as advance:
        data = check_partitioned(paths, settings, folder, options.get("partition_format") or "parquet",
                                 jobs=settings.jobs or None, dask=settings.dask or None, advance=advance,
                                 stdin_name=options.get("stdin_name", "<stdin>"))
    counts = data["summary"]
    if not quiet:
        say(f"tqcheck: wrote {len(data['parts'])} parts and _summary.json to {folder}: {counts['segments']} "
            f"segments, {counts['findings']} findings, {counts['flagged']} flagged")
    reasons = gate_reasons(file_counts(data), settings)  # the report's gate, per-path overrides included
    for reason in reasons:
        say(f"tqcheck: gate: {reason}")
    return 1 if reasons and not settings.exit_zero else EXIT_OK
