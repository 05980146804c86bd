"""promql/*: syntax, rate over counters, histogram_quantile inputs, ranges against the scrape interval."""
from __future__ import annotations

import pytest

from obsgate.problem import Severity
from obsgate.validate import promql_usage

from validate_builders import alert, dashboard, expect, make_ctx, panel, record, rules_file


def rule_case(expr, *extra):
    return {"rules.yml": rules_file(alert(expr=expr), *extra)}


def panel_case(expr):
    return {"dash.json": dashboard(panel(expr=expr))}


SYNTAX = [
    ("accepts valid rule expressions", rule_case("sum(rate(shop_requests_total[5m])) > 1"), []),
    ("accepts valid panel queries with Grafana variables",
     panel_case('sum by (status) (rate(shop_requests_total{job=~"$job"}[$__rate_interval]))'), []),
    ("ignores panels on a Loki datasource",
     {"dash.json": dashboard(panel(expr='{service="shop"} |= "error"',
                                   datasource={"type": "loki", "uid": "${loki}"}))}, []),
    ("rejects an unclosed parenthesis in a rule", rule_case("sum(rate(shop_requests_total[5m]) > 1"),
     ["alert `ShopQueueHigh`: `sum(rate(shop_requests_total[5m]) > 1` does not parse"]),
    ("rejects a broken panel query", panel_case("rate(shop_requests_total[$__rate_interval]"),
     ["panel `Requests`: `rate(shop_requests_total[$__rate_interval]` does not parse"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in SYNTAX], ids=[c[0] for c in SYNTAX])
def test_syntax(tmp_path, shop, files, expected):
    expect(promql_usage.syntax(make_ctx(tmp_path, files, shop)), expected)


RATE = [
    ("accepts valid rate over a counter", rule_case("rate(shop_requests_total[5m]) > 1"), []),
    ("accepts valid increase over histogram buckets", rule_case("increase(shop_request_duration_seconds_bucket[5m]) > 1"), []),
    ("accepts valid deriv over a gauge", rule_case("deriv(shop_queue_depth[10m]) > 1"), []),
    ("ignores metrics of unknown type", rule_case("rate(other_thing[5m]) > 1"), []),
    ("ignores recorded series", rule_case("rate(status:shop_requests:rate5m[5m]) > 1"), []),
    ("rejects rate over a gauge", rule_case("rate(shop_queue_depth[5m]) > 1"),
     ["`rate()` over `shop_queue_depth`, a gauge"]),
    ("rejects irate over a gauge in a panel", panel_case("irate(shop_queue_depth[$__rate_interval])"),
     ["panel `Requests`: `irate()` over `shop_queue_depth`"]),
    ("warns about deriv over a counter", rule_case("deriv(shop_requests_total[10m]) > 1"),
     ["`deriv()` over the counter `shop_requests_total` sees its resets as drops"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in RATE], ids=[c[0] for c in RATE])
def test_rate_on_counter(tmp_path, shop, files, expected):
    expect(promql_usage.rate_on_counter(make_ctx(tmp_path, files, shop)), expected)


def test_rate_on_gauge_is_an_error_and_deriv_on_counter_a_warning(tmp_path, shop):
    ctx = make_ctx(tmp_path, {"r.yml": rules_file(alert(expr="rate(shop_queue_depth[5m]) > 1"),
                                                  alert(name="B", expr="deriv(shop_requests_total[5m]) > 1"))}, shop)
    assert sorted(p.severity for p in promql_usage.rate_on_counter(ctx)) == [Severity.WARNING, Severity.ERROR]


HQ = "histogram_quantile({q}, {inner}) > 1"
QUANTILE = [
    ("accepts valid sum by (le) over bucket rates",
     rule_case(HQ.format(q=0.95, inner="sum by (le) (rate(shop_request_duration_seconds_bucket[5m]))")), []),
    ("accepts valid grouping that keeps le beside other labels",
     rule_case(HQ.format(q=0.5, inner="sum by (job, le) (rate(shop_request_duration_seconds_bucket[5m]))")), []),
    ("accepts valid without() that keeps le",
     rule_case(HQ.format(q=0.5, inner="sum without (instance) (rate(shop_request_duration_seconds_bucket[5m]))")), []),
    ("accepts valid bucket rates without aggregation",
     rule_case(HQ.format(q=0.99, inner="rate(shop_request_duration_seconds_bucket[5m])")), []),
    ("accepts valid recorded bucket rates",
     rule_case(HQ.format(q=0.9, inner="job_le:shop_latency_bucket:rate5m"),
               record("job_le:shop_latency_bucket:rate5m",
                      "sum by (job, le) (rate(shop_request_duration_seconds_bucket[5m]))")), []),
    ("ignores series it does not know", rule_case(HQ.format(q=0.9, inner="sum by (le) (rate(foo_bucket[5m]))")), []),
    ("rejects sum by() without le",
     rule_case(HQ.format(q=0.95, inner="sum by (job) (rate(shop_request_duration_seconds_bucket[5m]))")),
     ["`sum by (job)` drops the `le` label"]),
    ("rejects an aggregation with no grouping",
     rule_case(HQ.format(q=0.95, inner="sum(rate(shop_request_duration_seconds_bucket[5m]))")),
     ["`sum` drops the `le` label"]),
    ("rejects without (le)",
     rule_case(HQ.format(q=0.95, inner="sum without (le) (rate(shop_request_duration_seconds_bucket[5m]))")),
     ["`sum without (le)` drops the `le` label"]),
    ("rejects a recording rule that dropped le",
     rule_case(HQ.format(q=0.9, inner="job:shop_latency_bucket:rate5m"),
               record("job:shop_latency_bucket:rate5m", "sum by (job) (rate(shop_request_duration_seconds_bucket[5m]))")),
     ["`sum by (job)` drops the `le` label"]),
    ("rejects the _sum series", rule_case(HQ.format(q=0.9, inner="rate(shop_request_duration_seconds_sum[5m])")),
     ["histogram_quantile over `shop_request_duration_seconds_sum` (a histogram-sum)"]),
    ("rejects a gauge", rule_case(HQ.format(q=0.9, inner="shop_queue_depth")),
     ["histogram_quantile over `shop_queue_depth` (a gauge)"]),
    ("rejects the histogram's base name", rule_case(HQ.format(q=0.9, inner="rate(shop_request_duration_seconds[5m])")),
     ["the histogram is stored as `shop_request_duration_seconds_bucket`"]),
    ("rejects a quantile written as a percentage",
     rule_case(HQ.format(q=95, inner="sum by (le) (rate(shop_request_duration_seconds_bucket[5m]))")),
     ["histogram_quantile(95, ...) asks for a quantile outside 0..1"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in QUANTILE], ids=[c[0] for c in QUANTILE])
def test_histogram_quantile(tmp_path, shop, files, expected):
    expect(promql_usage.histogram_quantile(make_ctx(tmp_path, files, shop)), expected)


PROM_CONFIG = {"global": {"scrape_interval": "30s"},
               "scrape_configs": [{"job_name": "shop", "scrape_interval": "1m",
                                   "static_configs": [{"targets": ["shop:8080"]}]}]}
RANGE = [
    ("accepts valid ranges of 4 scrapes (15s in the project)", rule_case("rate(shop_requests_total[1m]) > 1"), []),
    ("accepts valid $__rate_interval in panels", panel_case("rate(shop_requests_total[$__rate_interval])"), []),
    ("ignores $__interval (grafana/rate-interval judges it)", panel_case("rate(shop_requests_total[$__interval])"), []),
    ("rejects 30s at a 15s scrape interval", rule_case("rate(shop_requests_total[30s]) > 1"),
     ["`shop_requests_total[30s]` spans fewer than 4 scrapes (scrape interval 15s)"]),
    ("rejects short windows in any range function", rule_case("max_over_time(shop_queue_depth[45s]) > 1"),
     ["`shop_queue_depth[45s]`"]),
    ("rejects short fixed windows in panels", panel_case("rate(shop_requests_total[30s])"),
     ["panel `Requests`: `shop_requests_total[30s]`"]),
    ("rejects a window shorter than the job's own scrape interval from a checked prometheus.yml",
     {**rule_case("rate(shop_requests_total[2m]) > 1"), "prometheus.yml": PROM_CONFIG},
     ["`shop_requests_total[2m]` spans fewer than 4 scrapes (scrape interval 1m)"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in RANGE], ids=[c[0] for c in RANGE])
def test_range_vs_scrape(tmp_path, shop, files, expected):
    expect(promql_usage.range_vs_scrape(make_ctx(tmp_path, files, shop)), expected)


def test_range_vs_scrape_assumes_prometheus_default_without_a_project(tmp_path):
    ctx = make_ctx(tmp_path, rule_case("rate(x_total[2m]) > 1"), None)
    expect(promql_usage.range_vs_scrape(ctx), ["(scrape interval 1m)"])
    [p] = promql_usage.range_vs_scrape(ctx)
    assert p.hint == "use a range of at least [4m]"
