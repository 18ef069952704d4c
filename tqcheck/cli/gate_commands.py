"""Commands for CI gates: ``baseline create`` and ``config show``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tqcheck.cli.common import check_options, progress_enabled, run_pipeline, settings_from_options, user_errors

#: Baseline file written when neither --output nor the ``baseline`` key names one.
DEFAULT_BASELINE = "tqcheck-baseline.json"


@click.group()
def baseline() -> None:
    """Record today's findings so a gate fails only on new ones (check --baseline FILE)."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True)
@check_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help=f"Baseline file (default: the configured baseline, else {DEFAULT_BASELINE}).")
def create(paths: tuple[str, ...], output: str | None, **options: Any) -> None:
    """Check PATHS with the same configuration as `check` and record every finding.

    An input that cannot be read does not stop the others: their findings are recorded, each bad input gets
    a one-line error naming the file and place, and the exit status is 2. The entries the previous baseline
    (at the same path) holds for the unread inputs are kept, so a file broken today keeps its accepted
    findings. When no input can be read, nothing is written. A file at the output path that is not a tqcheck
    baseline is never replaced (exit 2 before any work)."""
    from tqcheck.policy.baseline import write_baseline

    with user_errors():
        settings = settings_from_options(paths, options)
        target = output or settings.baseline or DEFAULT_BASELINE
        from pathlib import Path

        from tqcheck.output.writers import check_writable

        check_writable(Path(target))
        from tqcheck.cli.common import refuse_input_outputs

        refuse_input_outputs(paths, [target], settings)
        refuse_foreign_file(target)
        result = run_pipeline(paths, settings, show_progress=progress_enabled(options.get("show_progress")),
                              stdin_name=options.get("stdin_name", "<stdin>"), jobs=options.get("jobs"),
                              dask=options.get("dask_address"), keep_going=True)
        unread = [e.path for e in result.errors if e.path and e.path != "-" and not e.path.startswith("<")]
        kept: list = []
        if unread:
            from tqcheck.core.errors import ConfigError
            from tqcheck.policy.baseline import kept_entries

            try:
                kept = kept_entries(target, unread)
            except ConfigError as error:  # the previous baseline is unreadable: nothing of it can be kept
                from tqcheck.core.limits import one_line

                click.echo(one_line(f"tqcheck: notice: no entries kept for the unread inputs: {error}"), err=True)
        count = write_baseline(result.report, target, kept)
        click.echo(f"tqcheck: baseline {target}: {count} finding{'s' if count != 1 else ''} recorded"
                   + (f", {len(kept)} entr{'ies' if len(kept) != 1 else 'y'} of the unread inputs kept" if kept else ""),
                   err=True)
        if result.errors:
            from tqcheck.cli.common import report_input_errors

            report_input_errors(result.errors)
    if result.errors:
        sys.exit(2)


def refuse_foreign_file(target: str) -> None:
    """OutputError (before any work) when a regular file at ``target`` is not a tqcheck baseline: a file tqcheck did
    not write is never replaced."""
    import os
    import stat

    from tqcheck.core.errors import ConfigError, OutputError
    from tqcheck.policy.baseline import load_baseline

    try:
        info = os.lstat(target)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        return  # a link is replaced, never followed; a FIFO or device is written into (core.files)
    try:
        load_baseline(target)
    except ConfigError as error:
        why = error.message if error.message.startswith("not a tqcheck baseline") else \
            f"not a tqcheck baseline ({error.message})"
        raise OutputError(f"not replaced: {why}; remove it or choose another --output", path=target) from None


@click.group()
def config() -> None:
    """Inspect the configuration."""


def effective_configuration(path: str | None, config_file: str | None, no_config: bool) -> dict[str, Any]:
    """Every key's value and origin, the config files read and the overrides, for PATH if given."""
    from tqcheck.core.config import KEYS, load_settings, settings_for_path

    inputs = [path] if path else []
    settings = load_settings(inputs, config_file, None, discover=not no_config)
    if path:
        settings = settings_for_path(settings, path)
    return {
        "config_files": list(settings.config_files),
        "values": {k.name: {"value": settings.get(k.name), "origin": settings.origins[k.name]} for k in KEYS},
        "overrides": [{"paths": o["paths"], "values": o["values"], "origin": o["origin"]}
                      for o in settings.values.get("_overrides") or []],
    }


def render_configuration(data: dict[str, Any]) -> str:
    """The configuration as TOML-like lines, each with its origin as a comment."""
    lines = [f"# config files: {', '.join(data['config_files']) or 'none'}"]
    shown = {name: json.dumps(item["value"], ensure_ascii=False) for name, item in data["values"].items()}
    width = max(len(f"{name} = {text}") for name, text in shown.items())
    for name, text in shown.items():
        lines.append(f"{f'{name} = {text}':<{width}}  # {data['values'][name]['origin']}")
    if data["overrides"]:
        from tqcheck.core.config import RUN_WIDE_KEYS

        lines.append("")
        lines.append(f"# overrides apply to the checks and the gate of the files they match; these keys hold "
                     f"for the whole run and cannot vary per path: {', '.join(sorted(RUN_WIDE_KEYS))}")
    for override in data["overrides"]:
        lines.append("")
        lines.append(f"# override from {override['origin']}")
        lines.append(f"# paths = {json.dumps(override['paths'], ensure_ascii=False)}")
        for name, value in override["values"].items():
            lines.append(f"#   {name} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines)


@config.command("show")
@click.argument("path", required=False)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Config file (TOML) to apply.")
@click.option("--no-config", is_flag=True, help="Do not look for pyproject.toml/.tqcheck.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML-like lines.")
def show(path: str | None, config_file: str | None, no_config: bool, as_json: bool) -> None:
    """Print the effective configuration (for PATH, with its per-path overrides) and where each value came from."""
    with user_errors():
        data = effective_configuration(path, config_file, no_config)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(render_configuration(data))
