"""`obsgate smoke` reports its cases through the one reporter: text, JUnit, step summary, JSON; exit code from
the worst severity (a failed case is an ERROR, a skipped one a WARNING, a passed one INFO)."""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from obsgate.commands import smoke as command
from obsgate.smoke.base import Case


def cases(failed: bool):
    ok = Case("targets", "prometheus is up", query="GET /-/ready", value="200", seconds=0.1)
    bad = Case("scenarios", "ShopDown fires", path="rules_src/shop.py", line=9, query="ALERTS{alertname=\"ShopDown\"}")
    skip = Case("scenarios", "SlowBurn fires").skip("needs 6h of history")
    return [ok, bad.fail("not firing after 30s", "check the fault") if failed else bad, skip]


def run(tmp_path, monkeypatch, failed: bool, verbose: bool = False):
    monkeypatch.setattr(command, "run_all", lambda ctx, families, timings: cases(failed))
    args = SimpleNamespace(family=None, verbose=verbose, junit=tmp_path / "smoke.xml", summary=tmp_path / "summary.md",
                           json=tmp_path / "smoke.json")
    out = io.StringIO()
    code, _ = command.smoke(object(), args, out)
    return code, out.getvalue(), args


def test_a_failed_case_exits_1_and_is_reported_pint_style(tmp_path, monkeypatch):
    code, text, args = run(tmp_path, monkeypatch, failed=True)
    assert code == 1
    lines = text.splitlines()
    assert "rules_src/shop.py:9 ERROR: ShopDown fires: not firing after 30s (smoke/scenarios)" in lines
    assert "  hint: check the fault" in lines and '  | query: ALERTS{alertname="ShopDown"}' in lines
    assert "<project> WARNING: SlowBurn fires: skipped: needs 6h of history (smoke/scenarios)" in lines
    assert not any("prometheus is up" in line for line in lines)  # passed cases only with -v
    assert "smoke: 1 passed, 1 failed, 1 skipped of 3 cases (targets 1/1, scenarios 0/2)" in lines
    suite = ET.parse(args.junit).getroot().find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "obsgate smoke", "3", "1", "1")
    assert args.summary.read_text().startswith("## ❌ obsgate smoke: smoke: 1 passed, 1 failed, 1 skipped")
    assert [c["status"] for c in json.loads(args.json.read_text())] == ["passed", "failed", "skipped"]


def test_passing_and_skipped_cases_exit_0_and_verbose_shows_the_evidence(tmp_path, monkeypatch):
    code, text, _ = run(tmp_path, monkeypatch, failed=False, verbose=True)
    assert code == 0
    assert "<project> INFO: prometheus is up: passed in 0.10s (smoke/targets)" in text and "  | value: 200" in text
