"""Fixtures for the simulator unit tests: the demo project that exercises every effect kind."""
from __future__ import annotations

from pathlib import Path

import pytest

from obsgate.load import load

SIMPROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "simproject"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def demo_project():
    return load(SIMPROJECT)


@pytest.fixture(scope="session")
def repo_project():
    return load(REPO)
