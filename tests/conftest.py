"""Shared fixtures: the repo root, the fixture project, and a copy-on-demand project factory."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Tests judge fresh results: obsgate's cache (obsgate/cache.py) is off here and in the obsgate processes
# the tests start; tests/unit/test_cache.py turns it on in its own temporary projects.
os.environ["OBSGATE_NO_CACHE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "project"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def fixture_project(tmp_path) -> Path:
    """A writable copy of the small fixture project."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    return dest
