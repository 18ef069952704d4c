"""tqcheck: a translation-quality checker for English text."""

__version__ = "0.1.0"

#: Names importable from ``tqcheck`` -> module defining them (imported on first use, so
#: ``import tqcheck`` stays fast).
_LAZY = {"check": "tqcheck.api", "check_frame": "tqcheck.api", "Checker": "tqcheck.api",
         "Report": "tqcheck.output.report"}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    """Lazy exports: ``tqcheck.check``, ``tqcheck.check_frame``, ``tqcheck.Checker``, ``tqcheck.Report``."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tqcheck' has no attribute {name!r}")
