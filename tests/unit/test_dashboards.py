"""The dashboard vocabulary: queries, units, thresholds and layout built from catalog metrics."""
from __future__ import annotations

import grafanalib.core as G
import pytest

from obsgate import DefinitionError, LogStream, Metric, RecordingRule, Suppress
from obsgate import dashboards as D
from obsgate.model.board import Board, flow

REQUESTS = Metric("api_requests_total", "counter", help="Requests served.", job="api",
                  labels={"status": ["ok", "error"], "route": ["a", "b"]})
FAILURES = Metric("scanner_failures_total", "counter", help="Scans that raised.", job="api",
                  labels={"error_type": ["OSError", "other"]})
BUSY = Metric("worker_busy_seconds_total", "counter", unit="seconds", help="Busy time.", job="api")
SENT = Metric("payload_sent_bytes_total", "counter", unit="bytes", help="Bytes sent.", job="api")
LATENCY = Metric("api_request_duration_seconds", "histogram", unit="seconds", help="Request latency.", job="api",
                 labels={"route": ["a", "b"]})
QUEUE = Metric("api_queue_depth", "gauge", help="Jobs waiting.", job="api", labels={"shard": ["1", "2"]})
SHARE = Metric("cache_hit_ratio", "gauge", unit="ratio", help="Cache hits per lookup.", job="api")
LOGS = LogStream("api_logs", labels={"service": ["api"], "level": ["info", "error"]}, fields=("msg",),
                 help="API logs.")
RULE = RecordingRule("route:api_errors:rate5m",
                     'sum by (route) (rate(api_requests_total{status="error"}[5m])) / sum by (route) '
                     "(rate(api_requests_total[5m]))")


@pytest.mark.parametrize("series, expr", [
    (lambda: D.rate(REQUESTS), "sum by (status, route) (rate(api_requests_total[$__rate_interval]))"),
    (lambda: D.rate(REQUESTS, by=("route",)), "sum by (route) (rate(api_requests_total[$__rate_interval]))"),
    (lambda: D.rate(REQUESTS, by="route"), "sum by (route) (rate(api_requests_total[$__rate_interval]))"),
    (lambda: D.rate(REQUESTS, by=()), "sum(rate(api_requests_total[$__rate_interval]))"),
    (lambda: D.rate(REQUESTS, by=(), match={"status": "error"}),
     'sum(rate(api_requests_total{status="error"}[$__rate_interval]))'),
    (lambda: D.rate(REQUESTS, by=(), match={"status": ("ok", "error"), "route": "$route"}),
     'sum(rate(api_requests_total{route=~"$route", status=~"ok|error"}[$__rate_interval]))'),
    (lambda: D.rate(FAILURES, by=(), per="h"), "sum(rate(scanner_failures_total[$__rate_interval])) * 3600"),
    (lambda: D.rate(FAILURES, by=(), per="m"), "sum(rate(scanner_failures_total[$__rate_interval])) * 60"),
    (lambda: D.rate(LATENCY, by=()), "sum(rate(api_request_duration_seconds_count[$__rate_interval]))"),
    (lambda: D.quantile(LATENCY, 0.95),
     "histogram_quantile(0.95, sum by (le) (rate(api_request_duration_seconds_bucket[$__rate_interval])))"),
    (lambda: D.quantile(LATENCY, 0.99, by=("route",), match={"route": "a"}),
     'histogram_quantile(0.99, sum by (le, route) (rate(api_request_duration_seconds_bucket{route="a"}'
     "[$__rate_interval])))"),
    (lambda: D.value(QUEUE), "max by (shard) (api_queue_depth)"),
    (lambda: D.value(QUEUE, by=(), agg="sum"), "sum(api_queue_depth)"),
    (lambda: D.value(QUEUE, by=(), match={"shard": "1"}, agg="min"), 'min(api_queue_depth{shard="1"})'),
    (lambda: D.ratio(D.rate(REQUESTS, by=(), match={"status": "error"}), D.rate(REQUESTS, by=())),
     '(sum(rate(api_requests_total{status="error"}[$__rate_interval]))) / '
     "(sum(rate(api_requests_total[$__rate_interval])))"),
    (lambda: D.ratio(D.rate(REQUESTS, by=(), match={"status": "error"}), D.rate(REQUESTS, by=()), percent=True),
     '100 * (sum(rate(api_requests_total{status="error"}[$__rate_interval]))) / '
     "(sum(rate(api_requests_total[$__rate_interval])))"),
    (lambda: D.recorded(RULE), "route:api_errors:rate5m"),
    (lambda: D.recorded(RULE, match={"route": "$route"}), 'route:api_errors:rate5m{route=~"$route"}'),
    (lambda: D.recorded(RULE, by=(), agg="max"), "max(route:api_errors:rate5m)"),
    (lambda: D.log_query(LOGS, match={"level": "error"}, pipeline="| json"), '{level="error", service="api"} | json'),
], ids=["a counter is a rate summed by all its labels", "by= picks labels", "by= accepts one label name",
        "by=() sums everything", "match= filters on a declared value", "a variable or several values match as a regex",
        "per=h scales to events per hour", "per=m scales to events per minute",
        "a histogram's rate counts its _count series", "a histogram quantile sums buckets by le",
        "a quantile keeps by= labels beside le", "a gauge is aggregated by its labels", "a gauge can be summed",
        "a gauge takes agg= and match=", "a ratio divides two queries", "a percent ratio multiplies by 100",
        "a recording rule is its record name", "a recording rule is filtered on a label it keeps",
        "a recording rule can be re-aggregated", "a log query selects the stream and appends the pipeline"])
def test_query_text(series, expr):
    assert series().expr == expr


@pytest.mark.parametrize("series, unit", [
    (lambda: D.rate(REQUESTS), "reqps"),
    (lambda: D.rate(REQUESTS, per="m"), "reqpm"),
    (lambda: D.rate(FAILURES), "ops"),
    (lambda: D.rate(FAILURES, per="m"), "opm"),
    (lambda: D.rate(FAILURES, per="h"), "suffix:/h"),
    (lambda: D.rate(BUSY), "s"),
    (lambda: D.rate(SENT), "Bps"),
    (lambda: D.rate(LATENCY), "ops"),
    (lambda: D.quantile(LATENCY, 0.5), "s"),
    (lambda: D.value(QUEUE), "short"),
    (lambda: D.value(SHARE), "percentunit"),
    (lambda: D.ratio(D.rate(FAILURES), D.rate(REQUESTS, by=())), "percentunit"),
    (lambda: D.ratio(D.rate(FAILURES), D.rate(REQUESTS, by=()), percent=True), "percent"),
    (lambda: D.ratio(D.value(QUEUE), D.rate(REQUESTS, by=()), unit="s"), "s"),
    (lambda: D.recorded(RULE, unit="percentunit"), "percentunit"),
], ids=["a request counter's rate is reqps", "per minute it is reqpm", "a unitless counter's rate is ops",
        "per minute it is opm", "per hour it is a /h suffix", "a seconds counter's rate is seconds per second",
        "a bytes counter's rate is bytes per second", "a histogram's observation rate is ops",
        "a latency quantile is in seconds", "a unitless gauge is short", "a ratio gauge is percentunit",
        "a ratio is percentunit", "a percent ratio is percent", "a ratio takes an explicit unit",
        "a recorded series takes its unit"])
def test_units_come_from_the_catalog(series, unit):
    assert series().unit == unit


@pytest.mark.parametrize("series, legend", [
    (lambda: D.rate(REQUESTS), "{{status}} {{route}}"),
    (lambda: D.rate(REQUESTS, by=()), "api_requests_total"),
    (lambda: D.quantile(LATENCY, 0.95), "p95"),
    (lambda: D.quantile(LATENCY, 0.999, by=("route",)), "p99.9 {{route}}"),
    (lambda: D.recorded(RULE), "{{route}}"),
    (lambda: D.rate(REQUESTS, legend="all"), "all"),
], ids=["legend names the by labels", "an unlabeled sum is named for the metric", "a quantile is pNN",
        "a fractional quantile keeps its digits", "a recorded series shows the labels its rule keeps",
        "legend= overrides"])
def test_legends(series, legend):
    assert series().legend == legend


def test_descriptions_default_to_the_metric_help():
    assert D.rate(REQUESTS).help == "Requests served."
    assert D.quantile(LATENCY, 0.5).help == "Request latency."
    assert "route:api_errors:rate5m" in D.recorded(RULE).help
    panel = D.counter_panel(FAILURES)
    assert panel.description == "Scans that raised." and panel.title == "Scanner failures"


@pytest.mark.parametrize("build, message", [
    (lambda: D.rate(REQUESTS, by=("path",)), "by: `path` is not a label of metric `api_requests_total`"),
    (lambda: D.rate(REQUESTS, match={"code": "500"}), "match: `code` is not a label of metric `api_requests_total`"),
    (lambda: D.rate(REQUESTS, match={"status": "5xx"}), "`5xx` is not a declared value of label `status`"),
    (lambda: D.rate(QUEUE), "rate() of gauge `api_queue_depth`"),
    (lambda: D.rate(BUSY, per="h"), "per `h` applies to unitless counters"),
    (lambda: D.quantile(REQUESTS, 0.95), "quantile() of counter `api_requests_total`"),
    (lambda: D.quantile(LATENCY, 95), "quantile `95` is not between 0 and 1"),
    (lambda: D.value(REQUESTS), "value() of counter `api_requests_total`"),
    (lambda: D.value(QUEUE, agg="median"), "agg `median` is not one of max, min, sum, avg"),
    (lambda: D.recorded(RULE, match={"status": "error"}), "`status` is not a label of recorded series"),
    (lambda: D.log_query(LOGS, match={"pod": "x"}), "`pod` is not a stream label of log stream `api_logs`"),
    (lambda: D.Series("sum(rate(x[5m])"), "does not parse"),
    (lambda: D.Series(""), "panel query is empty"),
    (lambda: D.thresholds((2, "yellow"), (1, "red")), "threshold values must increase: `1` follows `2`"),
    (lambda: D.thresholds(("1", "red")), "is not (value, color)"),
    (lambda: D.timeseries("Mixed", D.rate(REQUESTS), D.quantile(LATENCY, 0.5)), "mixes units reqps, s"),
    (lambda: D.timeseries("", D.rate(REQUESTS)), "panel title is empty"),
    (lambda: D.timeseries("Empty"), "panel `Empty` has no queries"),
    (lambda: D.timeseries("No help", D.Series("up")), "panel `No help` has no description"),
    (lambda: D.timeseries("Wide", D.rate(REQUESTS), w=30), "does not fit the 24-column grid"),
    (lambda: D.gauge("Dial", D.value(QUEUE)), "gauge `Dial` needs max > min"),
    (lambda: D.logs("Logs", D.rate(REQUESTS)), "needs a LogQL query"),
    (lambda: D.variable(REQUESTS, "path"), "variable: `path` is not a label"),
], ids=["refuses an undeclared by label", "refuses an undeclared match label", "refuses an undeclared label value",
        "refuses a rate of a gauge", "refuses per-hour seconds", "refuses a quantile of a counter",
        "refuses a quantile above 1", "refuses value() of a counter", "refuses an unknown aggregation",
        "refuses a label a recording rule drops", "refuses an undeclared stream label", "refuses unparsable PromQL",
        "refuses an empty query", "refuses decreasing thresholds", "refuses a threshold that is not a number",
        "refuses mixed units in one panel", "refuses an untitled panel", "refuses a panel without queries",
        "refuses a panel without a description", "refuses a panel wider than the grid", "refuses a gauge without max",
        "refuses a PromQL query in a logs panel", "refuses a variable over an undeclared label"])
def test_refuses_bad_definitions_where_they_are_written(build, message):
    with pytest.raises(DefinitionError) as err:
        build()
    assert message in err.value.message
    assert err.value.source.path.endswith("test_dashboards.py") and err.value.source.line > 0


@pytest.mark.parametrize("steps, expected", [
    ((), [{"color": "green", "value": None}]),
    (((1, "yellow"), (2, "red")),
     [{"color": "green", "value": None}, {"color": "yellow", "value": 1}, {"color": "red", "value": 2}]),
    (((0.01, "red"),), [{"color": "green", "value": None}, {"color": "red", "value": 0.01}]),
], ids=["accepts no steps (base color only)", "accepts increasing steps", "accepts fractional steps"])
def test_thresholds(steps, expected):
    assert D.thresholds(*steps) == expected


def test_threshold_base_color_is_configurable():
    assert D.thresholds((0, "green"), base="red")[0] == {"color": "red", "value": None}


def test_stat_panel_carries_unit_thresholds_and_datasource():
    panel = D.stat("Failures per hour", D.rate(FAILURES, by=(), per="h"), steps=D.thresholds((1, "yellow"), (2, "red")))
    data = panel.to_json_data()
    assert data["type"] == "stat"
    assert data["fieldConfig"]["defaults"]["unit"] == "suffix:/h"
    assert [s["value"] for s in data["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 1, 2]
    assert data["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert data["targets"][0].datasource == {"type": "prometheus", "uid": "${datasource}"}
    assert data["description"] == "Scans that raised."


def test_gauge_panel_has_range_and_thresholds():
    data = D.gauge("Streak", D.value(QUEUE, by=()), min=0, max=10, steps=D.thresholds((3, "yellow"), (5, "red")))\
        .to_json_data()
    defaults = data["fieldConfig"]["defaults"]
    assert (defaults["min"], defaults["max"]) == (0, 10)
    assert [s["value"] for s in defaults["thresholds"]["steps"]] == [None, 3, 5]


def test_timeseries_min_max_and_threshold_lines():
    data = D.timeseries("Ratio", D.value(SHARE, by=()), min=0, max=1.5, steps=D.thresholds((0.2, "red")))\
        .to_json_data()
    defaults = data["fieldConfig"]["defaults"]
    assert (defaults["min"], defaults["max"], defaults["unit"]) == (0, 1.5, "percentunit")
    assert defaults["custom"]["thresholdsStyle"] == {"mode": "dashed"}
    assert D.timeseries("Plain", D.value(SHARE)).to_json_data()["fieldConfig"]["defaults"]["custom"][
        "thresholdsStyle"] == {"mode": "off"}


def test_histogram_panel_has_one_target_per_quantile_with_ref_ids():
    panel = D.histogram_panel(LATENCY)
    assert panel.title == "Api request duration seconds p50/p95/p99"
    assert [t.refId for t in panel.targets] == ["A", "B", "C"]
    assert [t.legendFormat for t in panel.targets] == ["p50", "p95", "p99"]
    assert panel.unit == "s"


def test_every_panel_and_target_uses_a_datasource_variable():
    panels = [D.counter_panel(REQUESTS), D.histogram_panel(LATENCY), D.gauge_panel(QUEUE),
              D.stat("S", D.rate(REQUESTS, by=())), D.logs("L", D.log_query(LOGS))]
    for panel in panels:
        assert panel.dataSource["uid"] in ("${datasource}", "${loki}")
        assert all(t.datasource == panel.dataSource for t in panel.targets)
    assert panels[-1].dataSource == {"type": "loki", "uid": "${loki}"}


def test_dashboard_returns_a_board_at_the_callers_line():
    board = D.dashboard("api-overview", "API", [D.counter_panel(REQUESTS)]); line = _line()  # noqa: E702
    assert isinstance(board, Board)
    assert board.uid == "api-overview" and board.path.endswith("tests/unit/test_dashboards.py")
    assert board.line == line


def _line() -> int:
    import sys

    return sys._getframe(1).f_lineno


@pytest.mark.parametrize("sizes, positions", [
    ([(12, 8, False), (12, 8, False), (12, 8, False)], [(0, 0, 12, 8), (12, 0, 12, 8), (0, 8, 12, 8)]),
    ([(6, 8, False), (6, 8, False), (12, 8, False), (24, 6, False)],
     [(0, 0, 6, 8), (6, 0, 6, 8), (12, 0, 12, 8), (0, 8, 24, 6)]),
    ([(6, 6, False), (12, 8, False), (12, 8, False)], [(0, 0, 6, 6), (6, 0, 12, 8), (0, 8, 12, 8)]),
    ([(12, 8, False), (24, 1, True), (12, 8, False)], [(0, 0, 12, 8), (0, 8, 24, 1), (0, 9, 12, 8)]),
], ids=["two half-width panels per line", "a full-width panel starts a new line",
        "a line is as tall as its tallest panel", "a row header breaks the line"])
def test_flow_layout(sizes, positions):
    assert flow(sizes) == positions


def test_dashboard_lays_out_panels_on_the_grid_deterministically():
    panels = [D.stat("A", D.rate(REQUESTS, by=())), D.gauge("B", D.value(QUEUE, by=()), max=10),
              D.counter_panel(REQUESTS), D.row("More"), D.histogram_panel(LATENCY)]
    first = D.dashboard("lay-out", "Layout", panels)
    second = D.dashboard("lay-out", "Layout", panels)
    pos = [(p.gridPos.x, p.gridPos.y, p.gridPos.w, p.gridPos.h) for p in first.dashboard.panels]
    assert pos == [(0, 0, 6, 6), (6, 0, 6, 6), (12, 0, 12, 8), (0, 8, 24, 1), (0, 9, 12, 8)]
    assert pos == [(p.gridPos.x, p.gridPos.y, p.gridPos.w, p.gridPos.h) for p in second.dashboard.panels]


def test_dashboard_keeps_suppressions_by_panel_title():
    why = Suppress("grafana/panel-unit", "the ratio is dimensionless on purpose")
    board = D.dashboard("sup", "S", [D.counter_panel(REQUESTS, title="Requests")], suppress={"Requests": (why,)})
    assert board.suppress == {"Requests": (why,)}


@pytest.mark.parametrize("build, message", [
    (lambda: D.dashboard("bad uid!", "T", [D.counter_panel(REQUESTS)]), "is not 1-40 characters"),
    (lambda: D.dashboard("x" * 41, "T", [D.counter_panel(REQUESTS)]), "is not 1-40 characters"),
    (lambda: D.dashboard("ok", "", [D.counter_panel(REQUESTS)]), "has no title"),
    (lambda: D.dashboard("ok", "T", []), "has no panels"),
    (lambda: D.dashboard("ok", "T", [D.counter_panel(REQUESTS), D.counter_panel(REQUESTS)]),
     "has two panels titled `Api requests`"),
    (lambda: D.dashboard("ok", "T", ["not a panel"]), "is not a panel"),
    (lambda: D.dashboard("ok", "T", [D.counter_panel(REQUESTS)],
                         suppress={"Nope": (Suppress("grafana/panel-unit", "a good reason"),)}),
     "suppresses checks on panel `Nope`, which does not exist"),
    (lambda: D.dashboard("ok", "T", [D.counter_panel(REQUESTS)], suppress={"Api requests": ("x",)}),
     "must be Suppress(...) objects"),
    (lambda: D.dashboard("ok", "T", [D.counter_panel(REQUESTS)], variables=[D.variable(REQUESTS, "route")] * 2),
     "repeat a name"),
], ids=["refuses a uid with bad characters", "refuses a uid over 40 characters", "refuses an untitled dashboard",
        "refuses an empty dashboard", "refuses duplicate panel titles", "refuses a non-panel",
        "refuses a suppression of an unknown panel", "refuses a suppression that is not Suppress",
        "refuses duplicate variables"])
def test_refuses_bad_dashboards(build, message):
    with pytest.raises(DefinitionError) as err:
        build()
    assert message in err.value.message
    assert err.value.source.path.endswith("test_dashboards.py")


def test_variable_queries_label_values_on_the_datasource_variable():
    var = D.variable(LATENCY, "route").to_json_data()
    assert var["query"] == "label_values(api_request_duration_seconds_bucket, route)"
    assert var["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert var["multi"] and var["includeAll"] and var["allValue"] == ".*"


def test_output_labels_read_from_the_ast():
    assert D.output_labels(RULE.expr) == ("route",)
    assert D.output_labels("sum(rate(x[5m]))") == ()
    assert D.output_labels("sum without (a) (x)") is None
    assert D.output_labels("x") is None


def test_row_is_a_full_width_row_panel():
    assert isinstance(D.row("Details"), G.RowPanel) and D.row("Details").gridPos.w == 24
