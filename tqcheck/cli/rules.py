"""`tqcheck rules`: list, validate and test rule packs (attached to the main CLI by the lead)."""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from tqcheck.core.errors import TqcheckError, UsageError


def _run(action: Callable[[], int]) -> None:
    """Run ``action``; a TqcheckError becomes one line on stderr and exit status 2."""
    try:
        code = action()
    except TqcheckError as error:
        click.echo(f"tqcheck: error: {error}", err=True)
        sys.exit(2)
    sys.exit(code)


@click.group(name="rules")
def rules() -> None:
    """List, validate and test rule packs."""


@rules.command(name="list")
@click.option("--rules", "rule_paths", multiple=True, type=click.Path(), help="Extra rule file or folder.")
@click.option("--no-builtin", is_flag=True, help="Leave out the packs shipped with tqcheck.")
@click.option("--enable", multiple=True, help="Only ids selected by this prefix (repeatable).")
@click.option("--disable", multiple=True, help="Leave out ids selected by this prefix (repeatable).")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file (TOML).")
@click.option("--long", "long_", is_flag=True, help="Also show what each id flags, why, an example and its file.")
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one id per line; json: every field of every id.")
def list_rules(rule_paths: tuple[str, ...], no_builtin: bool, enable: tuple[str, ...], disable: tuple[str, ...],
               config_file: str | None, long_: bool, format_: str) -> None:
    """Every rule id tqcheck can emit: YAML rules, grammar lint kinds, source, fluency and detector spans.

    Columns: id, kind (rule type, lint kind, span, ...), severity, MQM category, `fixable` when
    `tqcheck check --fix` may apply its suggestion, and `off by default` / `demoted by default` for ids
    switched off or lowered to minor by their measured precision (docs/rule-precision.md). Family ids (`harper.Spelling`, `languagetool`) stand
    for the engine's rules beneath them (`harper.Spelling.SpellCheck`).
    """

    def action() -> int:
        import json

        from tqcheck.core.config import load_settings
        from tqcheck.core.document import rule_matches
        from tqcheck.checks.catalog import registry_for
        from tqcheck.checks.rules.loader import load_all

        flags: dict[str, Any] = {}
        if no_builtin:
            flags["builtin_rules"] = False
        settings = load_settings(config_file=config_file, flags=flags)
        settings.values["rules"] = list(settings.rules) + list(rule_paths)
        registry = registry_for(load_all(settings))
        selectors = {"enable": _split(enable) or list(settings.enable),
                     "disable": _split(disable) or list(settings.disable)}
        for key, values in selectors.items():
            for selector in registry.unknown(values):
                raise UsageError(f"--{key}: {registry.unknown_message(selector)}")
        shown = [e for e in registry
                 if (not selectors["enable"] or any(rule_matches(e.id, p) for p in selectors["enable"]))
                 and not any(rule_matches(e.id, p) for p in selectors["disable"])]
        if format_ == "json":
            click.echo(json.dumps([e.to_dict() for e in shown], indent=2, ensure_ascii=False))
            return 0
        width = max((len(e.id) + (2 if e.family else 0) for e in shown), default=10)
        kind_width = max((len(e.kind) for e in shown), default=8)
        for entry in shown:
            name = f"{entry.id}.*" if entry.family else entry.id
            click.echo(f"{name:<{width}}  {entry.kind:<{kind_width}}  {entry.severity.value:<8}  "
                       f"{entry.category:<24}  {'fixable' if entry.fixable else '-':<7}  "
                       f"{'' if entry.default == 'on' else entry.default + ' by default'}".rstrip())
            if long_:
                click.echo(f"    {entry.description}")
                if entry.where:
                    click.echo(f"    {entry.where}")
        origins: dict[str, int] = {}
        for entry in shown:
            origins[entry.origin] = origins.get(entry.origin, 0) + 1
        counts = ", ".join(f"{n} {o}" for o, n in sorted(origins.items()))
        fixable = sum(1 for e in shown if e.fixable)
        click.echo(f"{len(shown)} rule ids ({counts}; {fixable} fixable)")
        return 0

    _run(action)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@rules.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check_rules(paths: tuple[str, ...]) -> None:
    """Validate rule files or folders without checking any text (exit 2 on the first problem)."""

    def action() -> int:
        from tqcheck.checks.rules import load_paths

        ruleset = load_paths(paths)
        click.echo(f"{len(ruleset)} rules in {len(ruleset.packs)} pack(s): OK")
        return 0

    _run(action)


@rules.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail when a rule has no examples.")
def test_rules(paths: tuple[str, ...], strict: bool) -> None:
    """Run every rule's own examples (the built-in packs when no PATH is given); exit 1 on a failure."""

    def action() -> int:
        from tqcheck.checks.rules import builtin_rules_dir, load_paths, run_examples

        ruleset = load_paths(paths or [builtin_rules_dir()])
        failures = [failure for rule in ruleset for failure in run_examples(rule)]
        untested = [rule for rule in ruleset if not (rule.examples.bad and rule.examples.good)]
        for failure in failures:
            click.echo(f"FAIL {failure}")
        for rule in untested:
            click.echo(f"{'FAIL' if strict else 'note'} {rule.where}: {rule.id}: needs bad and good examples")
        count = sum(len(r.examples.bad) + len(r.examples.good) for r in ruleset)
        click.echo(f"{len(ruleset)} rules, {count} examples: {len(failures)} failed, {len(untested)} without "
                   "examples")
        return 1 if failures or (strict and untested) else 0

    _run(action)
