"""schemas/ is a verbatim copy of ../shared/schemas for checkouts without shared/ (GitHub runners)."""
from __future__ import annotations

from pathlib import Path

import pytest


def files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_schema_copy_matches_shared(repo_root):
    shared = repo_root.parent / "shared" / "schemas"
    if not shared.is_dir():
        pytest.skip("no ../shared/schemas beside this checkout (a GitHub runner): compared where shared/ exists")
    assert files(repo_root / "schemas") == files(shared), "refresh with: cp -r ../shared/schemas/. schemas/"
