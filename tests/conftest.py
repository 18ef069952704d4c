"""Shared fixtures: paths to the seed article and the shared human-annotated data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d711ba56f4b847ad.txt"
SHARED_DATA = Path(os.environ.get("TQCHECK_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def seed_path() -> Path:
    """The seed article shipped in seeds/."""
    return SEED


@pytest.fixture
def shared_data() -> Path:
    """The shared annotated data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def private_result_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty result cache (subprocesses inherit it): no test sees another's results."""
    monkeypatch.setenv("TQCHECK_CACHE_DIR", str(tmp_path_factory.mktemp("tqcheck-cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("tqcheck-state")))  # the cache's signing key
