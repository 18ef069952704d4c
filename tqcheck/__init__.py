"""tqcheck: a translation-quality checker for English text."""

__version__ = "0.1.0"
