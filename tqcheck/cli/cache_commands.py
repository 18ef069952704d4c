"""``tqcheck cache``: where the result cache lives, and emptying it."""

from __future__ import annotations

import click


@click.group()
def cache() -> None:
    """The result cache (results of unchanged files are reused; see --no-cache)."""


@cache.command("clear")
def cache_clear() -> None:
    """Delete every cached result (only files tqcheck recognises as its entries; nothing else in the folder)."""
    from tqcheck.cli.common import user_errors
    from tqcheck.core.limits import one_line
    from tqcheck.engine.cache import ResultCache

    with user_errors():
        store = ResultCache()
        count = store.clear()
    click.echo(one_line(f"tqcheck: removed {count} cached result{'s' if count != 1 else ''} from {store.folder}"),
               err=True)


@cache.command("dir")
def cache_dir() -> None:
    """Print the cache folder."""
    from tqcheck.engine.cache import cache_dir as folder

    click.echo(str(folder()))
