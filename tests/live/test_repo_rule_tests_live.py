"""The repo's own rule unit tests pass: promtool for PromQL; obsgate's LogQL engine for LogQL (the real
Loki comparison runs `loki-test --loki URL` in the docker live job)."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.live


def test_repo_logql_rule_tests_pass_on_the_engine(repo_root):
    res = subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(repo_root), "loki-test"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "on obsgate's LogQL engine: all passed" in res.stdout and " 0 tests" not in res.stdout


def test_repo_promql_rule_tests_pass_under_promtool(repo_root):
    tests = sorted((repo_root / "generated" / "prometheus" / "tests").glob("*.test.yml"))
    assert len(tests) >= 2
    res = subprocess.run([str(repo_root / ".tools" / "bin" / "promtool"), "test", "rules", *map(str, tests)],
                         capture_output=True, text=True, timeout=600, cwd=repo_root)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert res.stdout.count("SUCCESS") == len(tests)
