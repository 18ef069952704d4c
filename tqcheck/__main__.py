"""`python -m tqcheck`: the command line, as the `tqcheck` script."""

from tqcheck.cli.entry import main

if __name__ == "__main__":  # pragma: no cover
    main()
