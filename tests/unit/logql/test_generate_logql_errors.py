"""A LogQL syntax error in a rules_src definition: `generate` exits 2 naming the definition's
path:line and the column in the expression, and leaves generated/ untouched."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

RULE = '''from obsgate import LokiAlertRule, LokiRuleGroup

A = LokiAlertRule(name="LogBurst", expr={expr!r},
    severity="warning", summary="s", description="d")
G = LokiRuleGroup("logs", rules=(A,))
'''


def generate(root):
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), "generate"],
                          capture_output=True, text=True, timeout=120)


def digest(root) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "generated").rglob("*")) if p.is_file()}


@pytest.mark.parametrize("expr, message", [
    ('sum(count_over_time({service="shop"} |= "x" [$window]) > 1',
     'rules_src/logs.py:3: error: loki alert `LogBurst` expr: parse error at line 1, col 59: unexpected end of query'),
    ('sum(count_over_time({service="shop"} |~ "x[" [$window])) > 1',
     'rules_src/logs.py:3: error: loki alert `LogBurst` expr: parse error at line 1, col 41: invalid regex `x[`'),
    ('{service="shop"} |= "error"', "rules_src/logs.py:3: error: loki alert `LogBurst` expr is a log query"),
], ids=["unclosed parenthesis", "bad regex", "log query"])
def test_logql_error_in_a_definition_exits_2_with_path_line_column(fixture_project, expr, message):
    assert generate(fixture_project).returncode == 0
    before = digest(fixture_project)
    (fixture_project / "rules_src" / "logs.py").write_text(RULE.format(expr=expr))
    res = generate(fixture_project)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr
    assert digest(fixture_project) == before


def test_accepts_the_repos_valid_loki_rules(repo_root):
    from obsgate.load import load
    project = load(repo_root)
    assert sum(len(g.rules) for g in project.loki_groups) >= 3
