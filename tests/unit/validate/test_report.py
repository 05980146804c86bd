"""obsgate.report: pint-style text, JSON, JUnit (one case per check x file), GitHub step summary."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from obsgate import report
from obsgate.problem import Problem, Severity
from obsgate.tools import ToolInfo

TOOLS = [ToolInfo("promtool", True, "3.5.1", "/x/promtool", "built"), ToolInfo("pint", False)]
PROBLEMS = [
    Problem("xref/metric-exists", Severity.ERROR, "alert `A` selects `x`", "rules.yml", 4, "declare it", "| detail"),
    Problem("grafana/panel-unit", Severity.WARNING, "panel `P` has no unit", "d.json", 9),
    Problem("external/pint", Severity.WARNING, "skipped: pint not installed"),
    Problem("alerts/for", Severity.INFO, "suppressed: on purpose (critical alert `B` ...)", "rules.yml", 12),
]


def test_text_is_path_line_severity_message_check_then_hint():
    out = report.text(PROBLEMS, TOOLS, "3 files").splitlines()
    assert out[0] == "obsgate validate — tools: pint not installed, promtool 3.5.1 (built)"
    assert out[1] == "rules.yml:4 ERROR: alert `A` selects `x` (xref/metric-exists)"
    assert out[2] == "  hint: declare it"
    assert out[3] == "  | | detail"
    assert out[4] == "d.json:9 WARNING: panel `P` has no unit (grafana/panel-unit)"
    assert out[5] == "<project> WARNING: skipped: pint not installed (external/pint)"
    assert out[-1] == "1 error, 2 warnings, 1 info (3 files)"


def test_json_is_an_array_of_check_severity_path_line_message():
    data = json.loads(report.as_json(PROBLEMS))
    assert data[0] == {"check": "xref/metric-exists", "severity": "error", "path": "rules.yml", "line": 4,
                       "message": "alert `A` selects `x`", "hint": "declare it"}
    assert [d["severity"] for d in data] == ["error", "warning", "warning", "info"]


def test_junit_has_one_case_per_check_and_file():
    cases = [("xref/metric-exists", "rules.yml"), ("xref/metric-exists", "other.yml"),
             ("grafana/panel-unit", "d.json"), ("external/pint", report.NO_FILE), ("alerts/for", "rules.yml")]
    root = ET.fromstring(report.junit(PROBLEMS, cases, {"xref/metric-exists": 0.25}))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "1")
    by = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert by[("xref/metric-exists", "rules.yml")].find("failure").get("message") == "alert `A` selects `x`"
    assert by[("xref/metric-exists", "rules.yml")].get("time") == "0.250"
    assert by[("xref/metric-exists", "other.yml")].find("failure") is None
    assert by[("external/pint", report.NO_FILE)].find("skipped") is not None
    assert "no unit" in by[("grafana/panel-unit", "d.json")].find("system-out").text


def test_summary_is_markdown_with_a_verdict_and_a_table():
    md = report.summary(PROBLEMS, TOOLS)
    assert md.startswith("## ❌ obsgate validate: 1 error, 2 warnings, 1 info")
    assert "| ERROR | `rules.yml:4` | `xref/metric-exists` | alert `A` selects `x` |" in md
    assert "<summary>1 informational</summary>" in md


def test_summary_of_a_clean_run_is_green():
    assert report.summary([], TOOLS).startswith("## ✅ obsgate validate: 0 errors, 0 warnings")


def test_pipes_in_messages_do_not_break_the_table():
    md = report.summary([Problem("x/y", Severity.ERROR, "a | b", "f", 1)], [])
    assert "a \\| b" in md


def test_exit_code_comes_from_the_worst_severity():
    from obsgate.problem import exit_code

    assert exit_code([]) == 0
    assert exit_code(PROBLEMS[1:]) == 0  # warnings and info
    assert exit_code(PROBLEMS) == 1
    assert exit_code(PROBLEMS + [Problem("prom/rules", Severity.FATAL, "`promtool` is not installed")]) == 2


def test_smoke_cases_are_problems_in_the_same_reports():
    from obsgate.smoke.base import Case

    ok = Case("rules", "every group healthy", query="GET /api/v1/rules", value="12 groups", seconds=0.5)
    bad = Case("scenarios", "ApiDown fires", path="rules_src/api.py", line=7, query="ALERTS").fail("not firing",
                                                                                                    "check the fault")
    skip = Case("scenarios", "SlowBurn fires").skip("needs 6h")
    problems = [c.problem() for c in (ok, bad, skip)]
    assert [p.severity for p in problems] == [Severity.INFO, Severity.ERROR, Severity.WARNING]
    assert report.text(problems[1:2], None).splitlines()[0] == \
        "rules_src/api.py:7 ERROR: ApiDown fires: not firing (smoke/scenarios)"
    root = ET.fromstring(report.junit(problems, [], {("smoke/rules", "every group healthy"): 0.5}, name="obsgate smoke"))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    by = {c.get("name"): c for c in suite.iter("testcase")}
    assert by["every group healthy"].get("time") == "0.500"
    assert "value: 12 groups" in by["every group healthy"].find("system-out").text
    assert "query: ALERTS" in by["ApiDown fires"].find("failure").text
    assert dict(report.tally(problems)["smoke/scenarios"]) == {"failed": 1, "skipped": 1}


def test_load_issues_are_fatal_problems_printed_as_path_line_error():
    from obsgate.load import LoadIssue
    from obsgate.problem import exit_code

    p = LoadIssue("catalog/x.py", 3, "`countr` is not a metric type", "use counter").problem()
    assert (p.check, p.severity, p.path, p.line) == ("load", Severity.FATAL, "catalog/x.py", 3)
    assert report.bad_input([p]) == "catalog/x.py:3: error: `countr` is not a metric type\n  hint: use counter\n"
    assert exit_code([p]) == 2
