"""`tqcheck rules`: list, validate and test rule packs (attached to the main CLI by the lead)."""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from tqcheck.errors import TqcheckError


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
@click.option("--enable", multiple=True, help="Only rules whose id starts with this prefix.")
@click.option("--disable", multiple=True, help="Leave out rules whose id starts with this prefix.")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file (TOML).")
@click.option("--long", "long_", is_flag=True, help="Also show each rule's description and file.")
def list_rules(rule_paths: tuple[str, ...], no_builtin: bool, enable: tuple[str, ...], disable: tuple[str, ...],
               config_file: str | None, long_: bool) -> None:
    """Show the id, type, severity and category of every rule that would run."""

    def action() -> int:
        from tqcheck.config import load_settings
        from tqcheck.rules import load_rules

        flags: dict[str, Any] = {}
        if no_builtin:
            flags["builtin_rules"] = False
        settings = load_settings(config_file=config_file, flags=flags)
        settings.values["rules"] = list(settings.rules) + list(rule_paths)
        if enable:
            settings.values["enable"] = list(enable)
        if disable:
            settings.values["disable"] = list(disable)
        ruleset = load_rules(settings)
        width = max((len(r.id) for r in ruleset), default=10)
        for rule in ruleset:
            click.echo(f"{rule.id:<{width}}  {rule.type_name:<12}  {rule.severity.value:<8}  {rule.category}")
            if long_:
                if rule.description:
                    click.echo(f"    {rule.description}")
                click.echo(f"    {rule.where}")
        packs = ", ".join(f"{p.name} {p.label}" for p in ruleset.packs.values())
        click.echo(f"{len(ruleset)} rules ({packs})")
        return 0

    _run(action)


@rules.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check_rules(paths: tuple[str, ...]) -> None:
    """Validate rule files or folders without checking any text (exit 2 on the first problem)."""

    def action() -> int:
        from tqcheck.rules import load_paths

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
        from tqcheck.rules import builtin_rules_dir, load_paths, run_examples

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
