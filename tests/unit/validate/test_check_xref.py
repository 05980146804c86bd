"""xref/*: rule expressions and panel queries against the fixture project's catalog."""
from __future__ import annotations

import pytest

from obsgate.problem import Severity
from obsgate.validate.xref import label_exists, label_values, metric_exists

from validate_builders import alert, dashboard, expect, make_ctx, panel, record, rules_file


def rule_case(expr, *extra):
    return {"rules.yml": rules_file(alert(expr=expr), *extra)}


def panel_case(expr):
    return {"dash.json": dashboard(panel(expr=expr))}


METRIC_EXISTS = [
    ("accepts valid catalog metrics", rule_case("sum(rate(shop_requests_total[5m])) > 1"), []),
    ("accepts valid histogram series names", rule_case("rate(shop_request_duration_seconds_count[5m]) > 1"), []),
    ("accepts valid recorded series of the project", rule_case('status:shop_requests:rate5m{status="ok"} > 1'), []),
    ("accepts valid recorded series of the same file",
     rule_case("job:shop_queue:max > 1", record("job:shop_queue:max", "max by (job) (shop_queue_depth)")), []),
    ("accepts valid series Prometheus writes itself", rule_case('up{job="shop"} == 0'), []),
    ("ignores selectors without a metric name", rule_case('count({job="shop"}) > 1'), []),
    ("ignores metric names that are Grafana variables", panel_case("sum(rate($metric[$__rate_interval]))"), []),
    ("rejects a misspelt metric with a suggestion", rule_case("shop_requets_total > 1"),
     ["selects `shop_requets_total`, which is neither in the catalog nor recorded"]),
    ("rejects an undeclared metric in a panel query", panel_case("sum(rate(shop_orders_total[$__rate_interval]))"),
     ["panel `Requests` selects `shop_orders_total`"]),
    ("rejects a histogram's base name, which is not stored",
     rule_case("rate(shop_request_duration_seconds[5m]) > 1"), ["selects `shop_request_duration_seconds`"]),
    ("reports a missing metric once per query", rule_case("nope_total / nope_total > 1"), ["selects `nope_total`"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in METRIC_EXISTS], ids=[c[0] for c in METRIC_EXISTS])
def test_metric_exists(tmp_path, shop, files, expected):
    expect(metric_exists.check(make_ctx(tmp_path, files, shop)), expected)


def test_metric_exists_suggests_the_closest_catalog_name(tmp_path, shop):
    [p] = metric_exists.check(make_ctx(tmp_path, rule_case("shop_requets_total > 1"), shop))
    assert p.severity is Severity.ERROR
    assert "did you mean `shop_requests_total`?" in p.hint
    assert p.line == 4  # the rule's line in the file


def test_xref_without_a_catalog_says_it_skipped(tmp_path):
    [p] = metric_exists.check(make_ctx(tmp_path, rule_case("anything_total > 1"), None))
    assert p.severity is Severity.INFO and p.message.startswith("skipped: no project catalog")


LABEL_EXISTS = [
    ("accepts valid matchers on declared labels", rule_case('rate(shop_requests_total{status="ok"}[5m]) > 1'), []),
    ("accepts valid target labels (job, instance, scrape labels)",
     rule_case('sum by (job, instance) (shop_queue_depth{job="shop"}) > 1'), []),
    ("accepts valid `le` on bucket series",
     rule_case("histogram_quantile(0.9, sum by (le) (rate(shop_request_duration_seconds_bucket[5m]))) > 1"), []),
    ("accepts valid labels through a recording rule", rule_case("sum by (status) (status:shop_requests:rate5m) > 1"),
     []),
    ("accepts valid labels added by label_replace",
     rule_case('sum by (code) (label_replace(shop_queue_depth, "code", "$1", "job", "(.*)")) > 1'), []),
    ("ignores labels of metrics it does not know", rule_case('foo_total{anything="x"} > 1'), []),
    ("rejects a misspelt matcher label", rule_case('shop_requests_total{statsu="ok"} > 1'),
     ["`shop_requests_total` has no label `statsu`"]),
    ("rejects an undeclared label in by()", rule_case("sum by (region) (rate(shop_requests_total[5m])) > 1"),
     ["`sum by (region)` names `region`"]),
    ("rejects a label the recording rule aggregated away",
     rule_case("sum by (instance) (status:shop_requests:rate5m) > 1"), ["`sum by (instance)` names `instance`"]),
    ("rejects `le` on a gauge", rule_case('shop_queue_depth{le="1"} > 1'), ["`shop_queue_depth` has no label `le`"]),
    ("rejects a label dropped by an inner aggregation",
     rule_case("max by (status) (sum by (job) (rate(shop_requests_total[5m]))) > 1"),
     ["`max by (status)` names `status`"]),
    ("rejects labels in panel queries too", panel_case('sum(rate(shop_requests_total{code="500"}[$__rate_interval]))'),
     ["panel `Requests`: `shop_requests_total` has no label `code`"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in LABEL_EXISTS], ids=[c[0] for c in LABEL_EXISTS])
def test_label_exists(tmp_path, shop, files, expected):
    expect(label_exists.check(make_ctx(tmp_path, files, shop)), expected)


LABEL_VALUES = [
    ("accepts valid declared values", rule_case('rate(shop_requests_total{status="error"}[5m]) > 1'), []),
    ("accepts valid regexes that match a declared value", rule_case('shop_requests_total{status=~"err.*"} > 1'), []),
    ("accepts valid scrape job names", rule_case('up{job="shop"} == 0'), []),
    ("ignores empty values (label absent)", rule_case('shop_requests_total{status=""} > 1'), []),
    ("ignores values that are Grafana variables",
     panel_case('sum(rate(shop_requests_total{status="$status"}[$__rate_interval]))'), []),
    ("ignores labels without declared values", rule_case('shop_queue_depth{instance="a:1"} > 1'), []),
    ("rejects an undeclared value", rule_case('shop_requests_total{status="eror"} > 1'),
     ['`status="eror"` on `shop_requests_total`: `eror` is not a declared value (declared: error, ok)']),
    ("rejects an undeclared value in a negative matcher", rule_case('shop_requests_total{status!="500"} > 1'),
     ['`status!="500"`']),
    ("rejects a regex that matches no declared value", rule_case('shop_requests_total{status=~"5.."} > 1'),
     ['`status=~"5.."` on `shop_requests_total` matches none of the declared values']),
    ("rejects a job that is not scraped", rule_case('up{job="shopp"} == 0'), ['`job="shopp"` on `up`']),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in LABEL_VALUES], ids=[c[0] for c in LABEL_VALUES])
def test_label_values(tmp_path, shop, files, expected):
    expect(label_values.check(make_ctx(tmp_path, files, shop)), expected)
