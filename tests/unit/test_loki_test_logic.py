"""obsgate.loki_test without a server: loading, Prometheus alert semantics, templates, report."""
from __future__ import annotations

import textwrap

import pytest

from obsgate import loki_test as lt


def rule(**kw) -> lt.Rule:
    base = dict(name="Burst", expr="sum(x)", for_s=120.0, keep_firing_for_s=0.0, labels={"severity": "warning"},
                annotations={}, interval_s=60.0, group="g", path="r.yml", line=3)
    return lt.Rule(**{**base, **kw})


S = {"service": "api"}


# --- selectors and push payloads -------------------------------------------------------------------

def test_parse_selector_reads_exact_labels():
    assert lt.parse_selector('{service="llm-gateway", level="error"}') == {"service": "llm-gateway", "level": "error"}
    assert lt.parse_selector(r'{msg="say \"hi\""}') == {"msg": 'say "hi"'}


@pytest.mark.parametrize("text, fragment", [
    ('service="a"', "is not a stream selector"),
    ('{service=~"a.*"}', "need exact labels"),
    ("{}", "has no labels"),
], ids=["no braces", "regex matcher", "empty"])
def test_parse_selector_rejects(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        lt.parse_selector(text)


def test_push_streams_merge_sort_and_keep_repeated_lines_apart():
    case = lt.TestCase("t", (lt.Stream(S, ((120.0, "b"), (60.0, "a"))), lt.Stream(S, ((60.0, "a"),)),
                             lt.Stream({"service": "db"}, ((0.0, "c"),))), (), 1)
    streams = lt.push_streams(case, 1_000 * 10**9)
    assert streams == [
        ({"service": "api"}, [(1_060 * 10**9, "a"), (1_060 * 10**9 + 1, "a"), (1_120 * 10**9, "b")]),
        ({"service": "db"}, [(1_000 * 10**9, "c")]),
    ]


# --- evaluation grid and alert state ---------------------------------------------------------------

def test_eval_grid_covers_for_on_the_group_interval():
    assert lt.eval_grid(480, 60, 120) == [360, 420, 480]
    assert lt.eval_grid(500, 60, 0) == [480]  # the last evaluation at or before eval_time
    assert lt.eval_grid(60, 60, 300) == [0, 60]  # never before the test starts


def test_alert_is_pending_until_for_has_passed():
    r = rule()
    assert lt.alerts_at(r, [(360, [(S, 5.0)]), (420, [(S, 5.0)])]) == []
    [a] = lt.alerts_at(r, [(360, [(S, 5.0)]), (420, [(S, 5.0)]), (480, [(S, 4.0)])])
    assert a.labels == {"service": "api", "severity": "warning", "alertname": "Burst"}


def test_a_gap_resets_the_pending_alert():
    assert lt.alerts_at(rule(), [(360, [(S, 5.0)]), (420, []), (480, [(S, 5.0)])]) == []


def test_for_zero_fires_at_the_first_evaluation():
    assert len(lt.alerts_at(rule(for_s=0.0), [(240, [(S, 1.0)])])) == 1


def test_keep_firing_for_holds_a_resolved_alert():
    r = rule(for_s=0.0, keep_firing_for_s=120.0)
    assert len(lt.alerts_at(r, [(0, [(S, 1.0)]), (60, []), (120, [])])) == 1
    assert lt.alerts_at(r, [(0, [(S, 1.0)]), (60, []), (120, []), (180, [])]) == []


def test_each_series_is_its_own_alert_with_rule_labels_on_top():
    r = rule(for_s=0.0, labels={"severity": "critical", "team": "{{ $labels.service }}-oncall"})
    alerts = lt.alerts_at(r, [(60, [({"service": "api", "severity": "x"}, 2.0), ({"service": "db"}, 3.0)])])
    assert [a.labels for a in alerts] == [
        {"service": "api", "severity": "critical", "team": "api-oncall", "alertname": "Burst"},
        {"service": "db", "severity": "critical", "team": "db-oncall", "alertname": "Burst"}]


def test_annotations_use_the_last_value_of_the_series():
    r = rule(for_s=60.0, annotations={"description": "{{ $labels.service }} logged {{ $value }} errors"})
    [a] = lt.alerts_at(r, [(0, [(S, 7.0)]), (60, [(S, 4.0)])])
    assert a.annotations == {"description": "api logged 4 errors"}


def test_series_of_reads_vectors_and_scalars_and_refuses_log_streams():
    assert lt.series_of({"resultType": "vector", "result": [{"metric": {"a": "b"}, "value": [1, "2.5"]}]}) == [
        ({"a": "b"}, 2.5)]
    assert lt.series_of({"resultType": "scalar", "result": [1, "1"]}) == [({}, 1.0)]
    with pytest.raises(ValueError, match="not a metric vector"):
        lt.series_of({"resultType": "streams", "result": []})


# --- templates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("template, value, expected", [
    ("{{ $labels.service }} is down", 1.0, "api is down"),
    ("{{ .Labels.service }}/{{ index $labels \"service\" }}", 1.0, "api/api"),
    ("{{ $labels.missing }}", 1.0, "<no value>"),
    ("{{ $value }} lines", 5.0, "5 lines"),
    ("{{ $value }}", 0.25, "0.25"),
    ("{{ $value | humanize }}", 1234.0, "1.234k"),
    ("{{ $value | humanize }}", 0.0123, "12.3m"),
    ("{{ $value | humanizePercentage }}", 0.0196, "1.96%"),
    ('{{ $value | printf "%.2f" }}', 2.0 / 3.0, "0.67"),
    ("{{- $value -}}", 3.0, "3"),
], ids=["label", "Labels and index forms", "missing label", "integer value", "fraction", "humanize kilo",
        "humanize milli", "percentage", "printf", "trim markers"])
def test_expand_renders_the_common_prometheus_template_forms(template, value, expected):
    assert lt.expand(template, S, value) == expected


def test_expand_refuses_what_it_cannot_render_instead_of_guessing():
    with pytest.raises(lt.TemplateError, match="does not expand"):
        lt.expand("{{ $externalLabels.cluster }}", S, 1.0)
    with pytest.raises(lt.TemplateError, match="does not expand"):
        lt.expand("{{ $value | humanizeDuration }}", S, 1.0)


@pytest.mark.parametrize("value, expected", [
    (5.0, "5"), (0.5, "0.5"), (1e16, "10000000000000000"), (1e21, "1e+21"), (1.5e-5, "1.5e-05"),
    (-2.25, "-2.25"), (float("nan"), "NaN"), (float("inf"), "+Inf"),
])
def test_go_float_prints_like_gos_percent_v(value, expected):
    assert lt.go_float(value) == expected


# --- loading -----------------------------------------------------------------------------------------

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


def test_load_test_file_reads_rules_and_tests(tmp_path):
    write(tmp_path, "rules/fake/g.yml", RULES)
    path = write(tmp_path, "tests/g.test.yml", """
        rule_files: [../rules/fake/g.yml]
        tests:
        - name: fires
          input_streams:
          - stream: '{app="x"}'
            lines: [{ts: 30s, line: a}, {ts: 1m, line: b}]
          alert_rule_test:
          - {eval_time: 3m, alertname: Burst, exp_alerts: [{exp_labels: {severity: warning}}]}
        """)
    tf = lt.load_test_file(path, "tests/g.test.yml")
    assert list(tf.rules) == ["Burst"]  # recording rules have nothing to fire
    r = tf.rules["Burst"]
    assert (r.for_s, r.interval_s, r.path, r.line) == (60.0, 30.0, "rules/fake/g.yml", 7)
    [case] = tf.tests
    assert case.streams[0].lines == ((30.0, "a"), (60.0, "b")) and case.horizon_s == 180.0
    assert case.alert_tests[0].exp_alerts == (lt.ExpAlert({"severity": "warning"}, {}),)


@pytest.mark.parametrize("body, line, fragment", [
    ("rule_files: []\ntests:\n- name: a\n  input_streams:\n  - stream: 'app=\"x\"'\n    lines: []\n"
     "  alert_rule_test: [{eval_time: 1m, alertname: A}]\n", 5, "is not a stream selector"),
    ("rule_files: []\ntests:\n- name: a\n  input_streams: []\n  alert_rule_test:\n  - {eval_time: soon, alertname: A}\n",
     6, "`eval_time` is not a duration: `soon`"),
    ("rule_files: []\ntests: []\n", 1, "0 tests is an error"),
    ("tests: [\n", 2, "invalid YAML"),
    ("rule_files: []\ntests:\n- name: a\n  input_streams: []\n", 3, "has no `alert_rule_test`"),
], ids=["selector", "duration", "no tests", "yaml", "no alert test"])
def test_load_test_file_reports_bad_input_with_path_and_line(tmp_path, body, line, fragment):
    path = tmp_path / "bad.test.yml"
    path.write_text(body)
    with pytest.raises(lt.LokiTestError) as err:
        lt.load_test_file(path, "bad.test.yml")
    assert (err.value.path, err.value.line) == ("bad.test.yml", line) and fragment in err.value.message


def test_a_missing_rule_file_is_bad_input(tmp_path):
    path = write(tmp_path, "t.test.yml", "rule_files: [nope.yml]\ntests: []\n")
    with pytest.raises(lt.LokiTestError, match="cannot read file"):
        lt.load_test_file(path)


# --- run with a stand-in server -------------------------------------------------------------------

class FakeLoki:
    """Answers each query from a table keyed by (tenant, seconds after base); records the pushes."""

    def __init__(self, base, answers):
        self.base, self.answers, self.pushed, self.queries = base, answers, [], []

    def push(self, tenant, streams):
        self.pushed.append((tenant, streams))

    def query(self, tenant, expr, at):
        self.queries.append((tenant, expr, at - self.base))
        series = self.answers.get((tenant, at - self.base), [])
        return {"resultType": "vector", "result": [{"metric": m, "value": [at, str(v)]} for m, v in series]}


def _file(exp_alerts, eval_s=180.0):
    at = lt.AlertTest(f"{int(eval_s)}s", eval_s, "Burst", tuple(exp_alerts), 9)
    case = lt.TestCase("case", (lt.Stream(S, ((0.0, "x"),)),), (at,), 4)
    return lt.TestFile("t.test.yml", {"Burst": rule(for_s=60.0)}, (case, case))


def test_run_uses_a_tenant_per_test_and_queries_on_the_grid():
    base = 1_800_000_000
    fake = FakeLoki(base, {("obsgate-test-0-0", 120): [(S, 2)], ("obsgate-test-0-0", 180): [(S, 3)]})
    [fr] = lt.run([_file([lt.ExpAlert({"service": "api", "severity": "warning"}, {})])], fake, base)
    assert [t for t, _ in fake.pushed] == ["obsgate-test-0-0", "obsgate-test-0-1"]
    assert fake.pushed[0][1] == [(S, [(base * 10**9, "x")])]
    assert [(t, at) for t, _, at in fake.queries] == [("obsgate-test-0-0", 120), ("obsgate-test-0-0", 180),
                                                       ("obsgate-test-0-1", 120), ("obsgate-test-0-1", 180)]
    # the second tenant saw nothing, so its identical expectation fails: tests do not leak into each other
    assert fr.tests == 2 and len(fr.failures) == 1 and fr.failures[0].got == []


def test_run_reports_a_wrong_expectation_with_a_diff():
    base = 1_800_000_000
    answers = {(f"obsgate-test-0-{i}", t): [(S, 2)] for i in (0, 1) for t in (120, 180)}
    [fr] = lt.run([_file([lt.ExpAlert({"service": "db", "severity": "warning"}, {})])], FakeLoki(base, answers), base)
    assert len(fr.failures) == 2
    text = lt.report([fr])
    assert "Unit Testing:  t.test.yml\n  FAILED:\n    name: case," in text
    assert '- missing alert {alertname="Burst", service="db", severity="warning"}' in text
    assert '+ unexpected alert {alertname="Burst", service="api", severity="warning"}' in text


def test_run_names_an_unknown_alert():
    at = lt.AlertTest("1m", 60.0, "Nope", (), 9)
    tf = lt.TestFile("t.test.yml", {"Burst": rule()}, (lt.TestCase("c", (), (at,), 4),))
    [fr] = lt.run([tf], FakeLoki(0, {}), 0)
    assert fr.failures[0].error == "no alerting rule with this name in rule_files (Burst)"


def test_report_says_success_with_the_test_count():
    assert lt.report([lt.FileResult("a.test.yml", 3)]) == "Unit Testing:  a.test.yml\n  SUCCESS (3 tests)\n"


def test_base_time_is_a_past_whole_hour_before_every_test_instant():
    now = 1_800_001_234.5
    base = lt.base_time(now, 5400)
    assert base % 3600 == 0 and base + 5400 < now and now - base < 5400 + 120 + 3600


def test_a_query_loki_refuses_is_a_failure_naming_the_rule():
    from obsgate.loki_server import LokiError

    class Refusing(FakeLoki):
        def query(self, tenant, expr, at):
            raise LokiError("parse error : syntax error: unexpected IDENTIFIER")

    [fr] = lt.run([_file([])], Refusing(0, {}), 0)
    assert fr.failures[0].error == "loki: parse error : syntax error: unexpected IDENTIFIER (rule at r.yml:3)"
