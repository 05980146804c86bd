"""The PromQL helpers work on the AST: selectors, names, and the ci profile's time compression."""
from __future__ import annotations

import pytest

from obsgate.promql import PromQLError, metric_names, parse, scale_ranges, selectors, substitute_grafana


def test_selectors_carry_matchers_range_and_enclosing_functions():
    [sel] = selectors(parse('sum(rate(http_requests_total{status="500", path=~"/api.*"}[5m]))'))
    assert sel.name == "http_requests_total"
    assert sel.matchers == (("status", "=", "500"), ("path", "=~", "/api.*"))
    assert sel.range_seconds == 300
    assert sel.functions == ("rate",)


def test_metric_names_include_name_matchers_and_both_sides():
    assert metric_names('a_total / on() group_left {__name__="b_total"}') == ["a_total", "b_total"]


def test_syntax_errors_raise_promql_error():
    with pytest.raises(PromQLError):
        parse("sum(rate(x[5m])")


def test_grafana_variables_become_parseable():
    expr = substitute_grafana('sum(rate(x_total{job="$job"}[$__rate_interval])) by (${group})')
    assert parse(expr) is not None


@pytest.mark.parametrize("expr, factor, floor, expected_ranges", [
    ("rate(x[5m])", 60, 4, [5]),
    ("rate(x[1m])", 60, 4, [4]),
    ("max_over_time(rate(x[5m])[1h:1m])", 60, 4, [5]),
    ("rate(x[5m])", 1, 4, [300]),
], ids=["compresses a 5m window to 5s", "keeps at least the floor", "compresses subqueries too",
        "leaves expressions alone at scale 1"])
def test_scale_ranges(expr, factor, floor, expected_ranges):
    out = scale_ranges(expr, factor, floor)
    assert [s.range_seconds for s in selectors(parse(out)) if s.range_seconds] == expected_ranges


def test_scale_ranges_keeps_the_rest_of_the_expression():
    src = 'histogram_quantile(0.95, sum by (le, model) (rate(lat_bucket{job="a"}[10m]))) > 2'
    out = parse(scale_ranges(src, 60, 4))
    [sel] = selectors(out)
    assert sel.matchers == (("job", "=", "a"),) and sel.range_seconds == 10
    assert str(out).startswith("histogram_quantile(0.95, sum by (le, model)")
