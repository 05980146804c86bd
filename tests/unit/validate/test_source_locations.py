"""A project's dashboard findings name the user's source file and line, never generated/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "project"


def test_an_unknown_metric_in_a_jsonnet_panel_is_reported_at_its_source_line(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(FIXTURE, root)
    (root / ".tools").symlink_to(ROOT / ".tools")
    board = root / "dashboards_src" / "shop.jsonnet"
    text = board.read_text()
    assert "rate(shop_requests_total[$__rate_interval])" in text
    board.write_text(text.replace("rate(shop_requests_total[$__rate_interval])", "rate(shop_requestz_total[$__rate_interval])"))
    line = next(i for i, ln in enumerate(board.read_text().splitlines(), 1) if "shop_requestz_total" in ln)
    run = subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), "validate"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    found = [ln for ln in run.stdout.splitlines() if "shop_requestz_total" in ln]
    assert found and all(ln.startswith(f"dashboards_src/shop.jsonnet:{line} ERROR:") for ln in found), run.stdout
    assert not [ln for ln in run.stdout.splitlines() if ln.startswith("generated/grafana/dashboards/shop") and "drift" not in ln]
