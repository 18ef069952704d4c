"""The ``tqcheck`` script's entry point. It imports the command line itself, so that a Ctrl-C while the command
line's modules are still being imported (about a tenth of a second) ends the run as every other Ctrl-C does: one
line and exit 130, not a traceback from inside an import."""

from __future__ import annotations

import sys


def main() -> None:
    """Import the command line and run it."""
    try:
        from tqcheck.cli.main import main as command
    except KeyboardInterrupt:
        sys.stderr.write("tqcheck: interrupted\n")
        sys.exit(130)
    command()


__all__ = ["main"]
