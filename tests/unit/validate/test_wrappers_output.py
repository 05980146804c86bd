"""The promtool/amtool output parsers on captured output (the real binaries are in test_check_tools.py)."""
from __future__ import annotations

from obsgate.wrappers import amtool, promtool

CHECK_RULES = """Checking bad1.yml
  FAILED:
bad1.yml: 5:11: group "a", rule 1, "Foo": could not parse expression: 1:11: parse error: unclosed left parenthesis
Checking bad2.yml
  FAILED:
bad2.yml: yaml: unmarshal errors:
  line 6: field bogus not found in type rulefmt.Rule
Checking bad3.yml
  FAILED:
bad3.yml: yaml: line 1: did not find expected node content
bad3.yml: yaml: line 1: did not find expected node content
Checking dup.yml
  FAILED:
lint error 1 duplicate rule(s) found.
Metric: Bar
Label(s):
Might cause inconsistency while recording expressions

Checking good.yml
  SUCCESS: 1 rules found
"""


def test_promtool_check_output_is_attributed_to_each_file():
    found = promtool.parse_check(CHECK_RULES)
    assert [(f.file, f.line, f.severity) for f in found] == [
        ("bad1.yml", 5, "error"), ("bad2.yml", 6, "error"), ("bad3.yml", 1, "error"), ("dup.yml", 0, "warning")]
    assert found[0].rule == "Foo" and found[0].group == "a"
    assert found[0].message == ("rule `Foo` in group `a`: could not parse expression: 1:11: parse error: unclosed "
                                "left parenthesis")
    assert found[3].message == "duplicate rule `Bar`: same name and labels as another rule"


def test_promtool_config_errors_in_referenced_rule_files_name_that_file():
    out = ("Checking prometheus.yml\n  SUCCESS: 1 rule files found\n SUCCESS: prometheus.yml is valid\n\n"
           "Checking rules/a.yml\n  FAILED:\nrules/a.yml: 3:9: group \"g\", rule 2, \"X\": bad\n")
    [f] = promtool.parse_check(out)
    assert (f.file, f.line, f.rule) == ("rules/a.yml", 3, "X")


def test_promtool_success_output_has_no_findings():
    assert promtool.parse_check("Checking a.yml\n  SUCCESS: 3 rules found\n\n") == []


JUNIT = ('<testsuites><testsuite name="t.test.yml" tests="2" failures="1"><testcase name="fires"><failure>  exp:[]'
         '</failure></testcase><testcase name="quiet"></testcase></testsuite><testsuite name="t3.test.yml" '
         'tests="1" errors="1"><testcase name="unknown"><error>yaml: line 1: did not find expected node content'
         '</error></testcase></testsuite></testsuites>')


def test_promtool_junit_report_gives_file_test_and_outcome():
    results = promtool.parse_junit(JUNIT)
    assert [(r.file, r.name, r.ok, r.kind) for r in results] == [
        ("t.test.yml", "fires", False, "failure"), ("t.test.yml", "quiet", True, ""),
        ("t3.test.yml", "unknown", False, "error")]
    assert results[2].message == "yaml: line 1: did not find expected node content"


AM_CHECK = """Checking 'alertmanager.yml'  SUCCESS
Found:
 - global config
 - route

Checking 'bad.yml'  FAILED: yaml: unmarshal errors:
  line 3: field bogus not found in type config.plain

Checking 'other.yml'  FAILED: undefined receiver "pagr" used in route

amtool: error: failed to validate 2 file(s)
"""


def test_amtool_check_config_output_is_attributed_to_each_file():
    assert amtool.parse_check(AM_CHECK) == [
        amtool.Finding("bad.yml", 3, "field bogus not found in type config.plain"),
        amtool.Finding("other.yml", 0, 'undefined receiver "pagr" used in route')]
