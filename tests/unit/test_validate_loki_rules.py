"""loki/rules: Loki rule files through the real, pinned lokitool; a skip WARNING where Loki is missing."""
from __future__ import annotations

import shutil
import textwrap
from types import SimpleNamespace

import pytest

from obsgate.problem import Severity
from obsgate.validate import loki_rules

FIXTURE = "tests/fixtures/loki/rules/fake/fixture_logs.yml"


@pytest.fixture
def lokitool(repo_root):
    path = repo_root / ".tools" / "bin" / "lokitool"
    assert path.is_file(), "run `make tools`: loki/rules is tested against the real lokitool"
    return str(path)


def write(tmp_path, name, body):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip() if body.startswith("\n ") else body.lstrip())
    return path


GOOD_RULE = """\
      - alert: Good
        expr: sum(count_over_time({job="app"} |= "error" [5m])) > 10
"""


def test_accepts_valid_loki_rules(repo_root, lokitool):
    assert loki_rules.check_files([repo_root / FIXTURE], lokitool, repo_root) == []


def test_finds_a_broken_logql_expression_with_file_line_and_rule(tmp_path, lokitool):
    path = write(tmp_path, "app.yml", """
groups:
  - name: app
    rules:
""" + GOOD_RULE + """\
      - alert: BrokenBurst
        expr: sum by (service) (count_over_time({job="app"} |= "error" [5m]) > 10
""")
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert (p.check, p.severity, p.path, p.line) == ("loki/rules", Severity.ERROR, "app.yml", 6)
    assert p.message.startswith("alert `BrokenBurst` in group `app`: could not parse expression: parse error at line 1")
    assert p.details.splitlines()[1].index("^") == 67  # under the end of the expression, where Loki stopped


def test_reports_every_broken_rule_of_a_file_not_only_the_first(tmp_path, lokitool):
    path = write(tmp_path, "many.yml", """
groups:
  - name: one
    rules:
      - alert: MissingParen
        expr: sum(count_over_time({job="app"}[5m]) > 1
      - alert: BadTemplate
        expr: sum(count_over_time({job="app"}[5m])) > 1
        annotations:
          summary: "{{ $labels.service "
  - name: two
    rules:
""" + GOOD_RULE + """\
      - alert: BadSelector
        expr: sum(count_over_time({job=app}[5m])) > 1
""")
    found = {(p.line, p.message.split(":")[0]) for p in loki_rules.check_files([path], lokitool, tmp_path)}
    assert found == {(4, "alert `MissingParen` in group `one`"), (6, "alert `BadTemplate` in group `one`"),
                     (14, "alert `BadSelector` in group `two`")}


def test_template_errors_get_a_template_hint(tmp_path, lokitool):
    path = write(tmp_path, "t.yml", """
        groups:
          - name: t
            rules:
              - alert: BadTemplate
                expr: sum(count_over_time({job="app"}[5m])) > 1
                annotations:
                  summary: "{{ $labels.service "
        """)
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert "unclosed action" in p.message and "{{ $labels.service }}" in p.hint


def test_recording_rule_names_follow_lokitools_best_practice(tmp_path, lokitool):
    path = write(tmp_path, "rec.yml", """
        groups:
          - name: rec
            rules:
              - record: service:log_errors:rate5m
                expr: sum by (service) (rate({job="app"} |= "error" [5m]))
              - record: errors
                expr: sum(rate({job="app"} |= "error" [5m]))
        """)
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert p.line == 6 and p.message.startswith("record `errors` in group `rec`: recording rule name does not match")


def test_a_repeated_group_name_points_at_the_second_group(tmp_path, lokitool):
    path = write(tmp_path, "dup.yml", """
groups:
  - name: same
    rules:
""" + GOOD_RULE + """\
  - name: same
    rules:
""" + GOOD_RULE)
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert (p.line, p.message) == (6, 'groupname: "same" is repeated in the same file')


@pytest.mark.parametrize("body, line, text", [
    ("groups:\n  - name: [\n", 2, "did not find expected node content"),
    ("groups:\n  - name: g\n    colour: red\n    rules: []\n", 3, "field colour not found"),
], ids=["broken yaml", "unknown group field"])
def test_a_file_lokitool_cannot_decode_is_one_problem_with_its_line(tmp_path, lokitool, body, line, text):
    path = tmp_path / "bad.yml"
    path.write_text(body)
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert p.line == line and text in p.message and p.severity == Severity.ERROR


def test_files_with_the_same_name_in_two_tenant_dirs_are_both_checked(tmp_path, lokitool):
    good = write(tmp_path, "a/errors.yml", "groups:\n  - name: g\n    rules:\n" + GOOD_RULE)
    bad = write(tmp_path, "b/errors.yml", """
        groups:
          - name: g
            rules:
              - alert: Broken
                expr: sum(count_over_time({job="app"}[5m]) > 1
        """)
    problems = loki_rules.check_files([good, bad], lokitool, tmp_path)
    assert [(p.path, p.line) for p in problems] == [("b/errors.yml", 4)]


def test_duplicate_recording_rules_are_a_warning(tmp_path, lokitool):
    path = write(tmp_path, "d.yml", """
        groups:
          - name: d
            rules:
              - record: app:errors:count5m
                expr: sum(count_over_time({job="app"}[5m]))
              - record: app:errors:count5m
                expr: sum(count_over_time({job="app"}[1m]))
        """)
    [p] = loki_rules.check_files([path], lokitool, tmp_path)
    assert p.severity == Severity.WARNING and p.message == "duplicate rule `app:errors:count5m` with the same labels"


def test_without_loki_every_file_gets_a_skipped_warning(tmp_path, repo_root):
    problems = loki_rules.check_files([repo_root / FIXTURE, tmp_path / "x.yml"], None, repo_root)
    assert [(p.severity, p.message) for p in problems] == [(Severity.WARNING, "skipped: loki not installed")] * 2
    assert problems[0].path == FIXTURE and "make tools" in problems[0].hint


def test_ignores_an_empty_file_list(lokitool):
    assert loki_rules.check_files([], lokitool) == []


def test_check_finds_generated_rule_files_and_the_pinned_lokitool(tmp_path, repo_root, monkeypatch):
    rules = tmp_path / "generated" / "loki" / "rules" / "fake"
    rules.mkdir(parents=True)
    shutil.copy(repo_root / FIXTURE, rules / "fixture_logs.yml")
    (rules / "broken.yml").write_text("groups:\n  - name: b\n    rules:\n      - alert: B\n        expr: 'sum('\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    # no .tools/bin under tmp_path: skipped, never a silent pass
    skipped = loki_rules.check(SimpleNamespace(root=tmp_path))
    assert {(p.path, p.message) for p in skipped} == {
        ("generated/loki/rules/fake/broken.yml", "skipped: loki not installed"),
        ("generated/loki/rules/fake/fixture_logs.yml", "skipped: loki not installed")}
    (tmp_path / ".tools" / "bin").mkdir(parents=True)
    (tmp_path / ".tools" / "bin" / "lokitool").symlink_to(repo_root / ".tools" / "bin" / "lokitool")
    [p] = loki_rules.check(SimpleNamespace(root=tmp_path))
    assert (p.path, p.line, p.severity) == ("generated/loki/rules/fake/broken.yml", 4, Severity.ERROR)


def test_errors_parses_lokitools_logfmt_lines():
    stderr = ('time="2026-01-01T00:00:00Z" level=error msg="unable parse rules file" '
              'error="yaml: unmarshal errors:\\n  line 3: field foo not found" file=x.yml\n'
              'lokitool: error: check operation unsuccessful, unable to parse rules files: file read error\n')
    assert loki_rules.errors(stderr) == [{"time": "2026-01-01T00:00:00Z", "level": "error",
                                          "msg": "unable parse rules file",
                                          "error": "yaml: unmarshal errors:\n  line 3: field foo not found",
                                          "file": "x.yml"}]


def test_caret_points_at_the_column():
    assert loki_rules.caret("sum(x", 1, 5) == "sum(x\n    ^"
