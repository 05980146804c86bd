"""obsgate.logql.ruletest: loading (with the compact notation), the ruler's alert state, runs on the
engine and on a stand-in backend, and the promtool-style report."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obsgate.logql.ruletest import loading, report, runner
from obsgate.logql.ruletest.alerts import alerts_at, eval_grid
from obsgate.logql.ruletest.model import AlertTest, ExpAlert, FileResult, InputStream, Rule, TestCase, TestFile


def rule(**kw) -> Rule:
    base = dict(name="Burst", expr="sum(x)", for_s=120.0, keep_firing_for_s=0.0, labels={"severity": "warning"},
                annotations={}, interval_s=60.0, group="g", path="r.yml", line=3)
    return Rule(**{**base, **kw})


S = {"service": "api"}


def read(path: str) -> str:
    return Path(path).read_text()


# --- input streams and push payloads ---------------------------------------------------------------

def test_stream_labels_are_read_with_the_logql_parser():
    assert loading.parse_stream_labels('{service="llm-gateway", level="error"}') == {"service": "llm-gateway",
                                                                                   "level": "error"}
    assert loading.parse_stream_labels(r'{msg="say \"hi\""}') == {"msg": 'say "hi"'}


@pytest.mark.parametrize("text, fragment", [
    ('service="a"', "is not a stream selector"),
    ('{service=~"a.*"}', "need exact labels"),
    ("{}", "has no labels"),
    ('{service="a"} |= "x"', "need exact labels"),
], ids=["no braces", "regex matcher", "empty", "pipeline"])
def test_stream_labels_reject(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        loading.parse_stream_labels(text)


@pytest.mark.parametrize("ts, expected", [
    ("30s", [30.0]),
    ("1m30s", [90.0]),
    (45, [45.0]),
    ("30s+5sx3", [30.0, 35.0, 40.0, 45.0]),
    ("1m x 2", [60.0, 60.0]),
    ("0+1mx2", [0.0, 60.0, 120.0]),
], ids=["duration", "compound duration", "number", "start+step x N is N+1 lines", "same instant N times",
        "from zero"])
def test_compact_notation_for_repeated_lines(ts, expected):
    assert loading.timestamps(ts, "t.yml", 3) == expected


@pytest.mark.parametrize("ts, fragment", [
    ("30s+0sx3", "the step must be positive"),
    ("0+1sx200000", "the limit is"),
    ("soon", "is not a duration"),
], ids=["zero step", "too many lines", "not a duration"])
def test_compact_notation_rejects(ts, fragment):
    with pytest.raises(loading.LoadError, match=fragment):
        loading.timestamps(ts, "t.yml", 3)


def test_push_streams_merge_sort_and_keep_repeated_lines_apart():
    case = TestCase("t", (InputStream(S, ((120.0, "b"), (60.0, "a"))), InputStream(S, ((60.0, "a"),)),
                          InputStream({"service": "db"}, ((0.0, "c"),))), (), 1)
    assert runner.push_streams(case, 1_000 * 10**9) == [
        ({"service": "api"}, [(1_060 * 10**9, "a"), (1_060 * 10**9 + 1, "a"), (1_120 * 10**9, "b")]),
        ({"service": "db"}, [(1_000 * 10**9, "c")]),
    ]


# --- evaluation grid and alert state ---------------------------------------------------------------

def test_eval_grid_covers_for_on_the_group_interval():
    assert eval_grid(480, 60, 120) == [360, 420, 480]
    assert eval_grid(500, 60, 0) == [480]  # the last evaluation at or before eval_time
    assert eval_grid(60, 60, 300) == [0, 60]  # never before the test starts


def test_alert_is_pending_until_for_has_passed():
    r = rule()
    assert alerts_at(r, [(360, [(S, 5.0)]), (420, [(S, 5.0)])]) == []
    [a] = alerts_at(r, [(360, [(S, 5.0)]), (420, [(S, 5.0)]), (480, [(S, 4.0)])])
    assert a.labels == {"service": "api", "severity": "warning", "alertname": "Burst"}


def test_a_gap_resets_the_pending_alert():
    assert alerts_at(rule(), [(360, [(S, 5.0)]), (420, []), (480, [(S, 5.0)])]) == []


def test_for_zero_fires_at_the_first_evaluation():
    assert len(alerts_at(rule(for_s=0.0), [(240, [(S, 1.0)])])) == 1


def test_keep_firing_for_holds_a_resolved_alert():
    r = rule(for_s=0.0, keep_firing_for_s=120.0)
    assert len(alerts_at(r, [(0, [(S, 1.0)]), (60, []), (120, [])])) == 1
    assert alerts_at(r, [(0, [(S, 1.0)]), (60, []), (120, []), (180, [])]) == []


def test_each_series_is_its_own_alert_with_rule_labels_on_top():
    r = rule(for_s=0.0, labels={"severity": "critical", "team": "{{ $labels.service }}-oncall"})
    alerts = alerts_at(r, [(60, [({"service": "api", "severity": "x"}, 2.0), ({"service": "db"}, 3.0)])])
    assert [a.labels for a in alerts] == [
        {"service": "api", "severity": "critical", "team": "api-oncall", "alertname": "Burst"},
        {"service": "db", "severity": "critical", "team": "db-oncall", "alertname": "Burst"}]


def test_annotations_use_the_last_value_of_the_series_with_prometheus_functions():
    r = rule(for_s=60.0, annotations={"description": "{{ $labels.service }} logged {{ $value }} errors",
                                      "rate": "{{ $value | humanize }}/{{ humanizeDuration 90 }}"})
    [a] = alerts_at(r, [(0, [(S, 7.0)]), (60, [(S, 4000.0)])])
    assert a.annotations == {"description": "api logged 4000 errors", "rate": "4k/1m 30s"}


# --- loading ---------------------------------------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


RULES = """
groups:
- name: g
  interval: 30s
  rules:
  - record: app:errors:count5m
    expr: sum(count_over_time({app="x"}[5m]))
  - alert: Burst
    expr: sum(count_over_time({app="x"}[5m])) > 1
    for: 1m
    labels: {severity: warning}
"""


def test_load_test_file_reads_rules_tests_and_repeats(tmp_path):
    write(tmp_path, "rules/fake/g.yml", RULES)
    path = write(tmp_path, "tests/g.test.yml", """
        rule_files: [../rules/fake/g.yml]
        tests:
        - name: fires
          input_streams:
          - stream: '{app="x"}'
            lines: [{ts: 30s, line: a}, {ts: 1m+30sx1, line: b}]
          alert_rule_test:
          - {eval_time: 3m, alertname: Burst, exp_alerts: [{exp_labels: {severity: warning}}]}
        """)
    tf = loading.load_test_file(read, str(path), "tests/g.test.yml")
    assert list(tf.rules) == ["Burst"]  # recording rules have nothing to fire
    r = tf.rules["Burst"]
    assert (r.for_s, r.interval_s, r.path, r.line) == (60.0, 30.0, "rules/fake/g.yml", 7)
    [case] = tf.tests
    assert case.streams[0].lines == ((30.0, "a"), (60.0, "b"), (90.0, "b")) and case.horizon_s == 180.0
    assert case.alert_tests[0].exp_alerts == (ExpAlert({"severity": "warning"}, {}),)


@pytest.mark.parametrize("body, line, fragment", [
    ("rule_files: []\ntests:\n- name: a\n  input_streams:\n  - stream: 'app=\"x\"'\n    lines: []\n"
     "  alert_rule_test: [{eval_time: 1m, alertname: A}]\n", 5, "is not a stream selector"),
    ("rule_files: []\ntests:\n- name: a\n  input_streams: []\n  alert_rule_test:\n  - {eval_time: soon, alertname: A}\n",
     6, "`eval_time` is not a duration: `soon`"),
    ("tests: [\n", 2, "invalid YAML"),
    ("rule_files: []\ntests:\n- name: a\n  input_streams:\n  - stream: '{a=\"b\"}'\n    lines: [{line: x}]\n", 6,
     "a line needs `ts` and `line`"),
], ids=["selector", "duration", "yaml", "line without ts"])
def test_load_test_file_reports_bad_input_with_path_and_line(tmp_path, body, line, fragment):
    path = tmp_path / "bad.test.yml"
    path.write_text(body)
    with pytest.raises(loading.LoadError) as err:
        loading.load_test_file(read, str(path), "bad.test.yml")
    assert (err.value.path, err.value.line) == ("bad.test.yml", line) and fragment in err.value.message


def test_a_missing_rule_file_is_bad_input(tmp_path):
    path = write(tmp_path, "t.test.yml", "rule_files: [nope.yml]\ntests: []\n")
    with pytest.raises(loading.LoadError, match="cannot read file"):
        loading.load_test_file(read, str(path))


# --- runs on the engine ----------------------------------------------------------------------------

def _run(tmp_path, tests_yaml, rules=RULES):
    write(tmp_path, "rules/fake/g.yml", rules)
    path = write(tmp_path, "tests/g.test.yml", tests_yaml)
    tf = loading.load_test_file(read, str(path), "tests/g.test.yml")
    return runner.run([tf], runner.EngineBackend())[0]


FIRES = """
rule_files: [../rules/fake/g.yml]
tests:
- name: fires
  input_streams:
  - stream: '{app="x"}'
    lines: [{ts: 0+30sx4, line: a}]
  alert_rule_test:
  - {eval_time: 3m, alertname: Burst, exp_alerts: [{exp_labels: {severity: warning}}]}
"""


def test_engine_run_passes_a_firing_expectation(tmp_path):
    fr = _run(tmp_path, FIRES)
    assert fr.ok and fr.tests == 1


def test_engine_run_fails_when_the_expected_alert_never_fires(tmp_path):
    fr = _run(tmp_path, FIRES.replace("0+30sx4", "0+30sx0"))  # one line: the count is 1, not > 1
    assert [f.got for f in fr.failures] == [[]]
    assert '- missing alert {alertname="Burst", severity="warning"}' in report.report([fr])


def test_a_file_of_quiet_only_tests_fails(tmp_path):
    fr = _run(tmp_path, FIRES.replace("[{exp_labels: {severity: warning}}]", "[]").replace("0+30sx4", "0x1"))
    assert [f.error for f in fr.failures] == [
        "no test in this file expects an alert to fire; quiet-only tests prove nothing (add a case where the rule "
        "fires)"]


def test_a_test_without_alert_rule_test_and_an_empty_file_fail(tmp_path):
    fr = _run(tmp_path, "rule_files: [../rules/fake/g.yml]\ntests: []\n")
    assert fr.failures[0].error == "`tests` is empty: 0 tests is a failing test file"
    fr = _run(tmp_path, FIRES + "- name: nothing\n  input_streams: []\n")
    assert [f.error for f in fr.failures] == ["the test has no `alert_rule_test`"]


def test_a_rule_that_does_not_parse_fails_naming_rule_line_and_column(tmp_path):
    fr = _run(tmp_path, FIRES, RULES.replace("> 1\n", "> \n"))
    [f] = fr.failures
    assert f.error.startswith("logql: parse error at line 1, col 38: unexpected end of query (expected an expression)")
    assert f.error.endswith("(rule at rules/fake/g.yml:7)")


def test_a_log_query_rule_fails_with_lokis_reason(tmp_path):
    fr = _run(tmp_path, FIRES, RULES.replace("expr: sum(count_over_time({app=\"x\"}[5m])) > 1",
                                             "expr: '{app=\"x\"} |= \"a\"'"))
    [f] = fr.failures
    assert "log queries are not supported as an instant query type" in f.error
    assert "an alert needs a metric query" in f.error


def test_the_engine_grid_evaluation_equals_instant_queries(tmp_path):
    backend = runner.EngineBackend()
    backend.push("t", [({"app": "x"}, [(i * 10**9, "level=error n=%d" % i) for i in range(0, 300, 7)])])
    expr = 'sum by (app) (count_over_time({app="x"} | logfmt | n > 20 [1m])) > 3'
    times = [60.0, 120.0, 180.0, 240.0]
    assert backend.evaluate("t", expr, times) == [backend.query("t", expr, t) for t in times]


def test_tests_do_not_leak_into_each_other(tmp_path):
    two = FIRES + """- name: quiet, same stream, own tenant
  input_streams: []
  alert_rule_test:
  - {eval_time: 3m, alertname: Burst, exp_alerts: []}
"""
    assert _run(tmp_path, two).ok


def test_the_repo_fixture_passes_on_the_engine(repo_root):
    path = repo_root / "tests/fixtures/loki/tests/fixture_logs.test.yml"
    tf = loading.load_test_file(read, str(path), "fixture_logs.test.yml")
    [fr] = runner.run([tf], runner.EngineBackend())
    assert fr.ok and fr.tests == 3


# --- runs on a stand-in backend --------------------------------------------------------------------

class FakeBackend:
    """Answers each query from a table keyed by (tenant, seconds after base); records the pushes."""

    def __init__(self, base, answers):
        self.base, self.answers, self.pushed, self.queries = base, answers, [], []

    def push(self, tenant, streams):
        self.pushed.append((tenant, streams))

    def query(self, tenant, expr, at):
        self.queries.append((tenant, expr, at - self.base))
        return self.answers.get((tenant, at - self.base), [])

    def evaluate(self, tenant, expr, times):
        return [self.query(tenant, expr, t) for t in times]


def _file(exp_alerts, eval_s=180.0):
    at = AlertTest(f"{int(eval_s)}s", eval_s, "Burst", tuple(exp_alerts), 9)
    case = TestCase("case", (InputStream(S, ((0.0, "x"),)),), (at,), 4)
    return TestFile("t.test.yml", {"Burst": rule(for_s=60.0)}, (case, case))


def test_run_uses_a_tenant_and_a_time_slot_per_test_and_queries_on_the_grid():
    base = 1_800_000_000
    fake = FakeBackend(base, {("obsgate-test-0-0", 120): [(S, 2)], ("obsgate-test-0-0", 180): [(S, 3)]})
    [fr] = runner.run([_file([ExpAlert({"service": "api", "severity": "warning"}, {})])], fake, base, 3600)
    assert [t for t, _ in fake.pushed] == ["obsgate-test-0-0", "obsgate-test-0-1"]
    assert fake.pushed[0][1] == [(S, [(base * 10**9, "x")])]
    assert fake.pushed[1][1] == [(S, [((base + 3600) * 10**9, "x")])]
    assert [(t, at) for t, _, at in fake.queries] == [("obsgate-test-0-0", 120), ("obsgate-test-0-0", 180),
                                                       ("obsgate-test-0-1", 3720), ("obsgate-test-0-1", 3780)]
    assert fr.tests == 2 and len(fr.failures) == 1 and fr.failures[0].got == []


def test_a_query_the_backend_refuses_is_a_failure_naming_the_rule():
    class Refusing(FakeBackend):
        def query(self, tenant, expr, at):
            raise runner.BackendError("parse error : syntax error: unexpected IDENTIFIER")

    [fr] = runner.run([_file([ExpAlert({}, {})])], Refusing(0, {}), 0)
    assert fr.failures[0].error == "loki: parse error : syntax error: unexpected IDENTIFIER (rule at r.yml:3)"


def test_run_names_an_unknown_alert():
    at = AlertTest("1m", 60.0, "Nope", (ExpAlert({}, {}),), 9)
    tf = TestFile("t.test.yml", {"Burst": rule()}, (TestCase("c", (), (at,), 4),))
    [fr] = runner.run([tf], FakeBackend(0, {}), 0)
    assert fr.failures[0].error == "no alerting rule with this name in rule_files (Burst)"


def test_report_says_success_with_the_test_count_and_failures_with_path_line():
    assert report.report([FileResult("a.test.yml", 3)]) == "Unit Testing:  a.test.yml\n  SUCCESS (3 tests)\n"
    at = AlertTest("1m", 60.0, "Nope", (ExpAlert({}, {}),), 9)
    tf = TestFile("t.test.yml", {}, (TestCase("c", (), (at,), 4),))
    text = report.report(runner.run([tf], FakeBackend(0, {}), 0))
    assert "        error: t.test.yml:9: no alerting rule with this name in rule_files (none)" in text


@pytest.mark.parametrize("pairs", [
    [(f"{t}s", "e") for t in range(30, 160, 5)],
    [("0s", "a"), ("1s", "a"), ("2s", "a"), ("3s", "b"), ("10s", "c"), ("20s", "c"), ("1m", "d"), ("1m", "d")],
    [("1m", "x"), ("1m30s", "x"), ("2m", "x"), ("2m", "y"), ("3m", "x")],
], ids=["one long run", "runs, pairs and repeats at one instant", "a run broken by another line"])
def test_generated_compact_lines_load_back_to_the_same_lines(pairs):
    """generate/loki.py writes runs as START+STEPxN; the loader expands them to the very same lines."""
    from obsgate.generate.loki import compact_lines
    items = compact_lines(pairs)
    expanded = [(ts, item["line"]) for item in items for ts in loading.timestamps(item["ts"], "t.yml", 1)]
    assert expanded == [(loading.duration(ts, "t.yml", 1, "ts"), line) for ts, line in pairs]
    assert len(items) <= len(pairs)
