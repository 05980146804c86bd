"""The contract of LOGQL_API.md: names, shapes and the errors the log store relies on."""
from __future__ import annotations

import pytest

from obsgate.logql import Entry, LogQLSyntaxError, Matcher, Stream, Unsupported, instant, parse, range_query

S = 10**9
STREAMS = [
    Stream((("level", "error"), ("service", "api")), [Entry(t * S, f"error {t}") for t in range(0, 120, 10)]),
    Stream((("level", "info"), ("service", "api")), [Entry(t * S, f"info {t}") for t in range(0, 120, 30)]),
]


def test_parse_exposes_kind_selectors_range_and_text():
    q = parse('sum by (level) (rate({service="api", level=~"e.*"} |= "x" [5m] offset 1m))')
    assert q.kind == "metric"
    assert q.selectors() == [[Matcher("service", "=", "api"), Matcher("level", "=~", "e.*")]]
    assert q.range_ns() == 6 * 60 * S
    assert q.text.startswith("sum by")
    assert parse('{service="api"}').kind == "log" and parse('{service="api"}').range_ns() == 0


def test_matcher_matches_anchored_regex():
    assert Matcher("a", "=~", "ap.").matches("api") and not Matcher("a", "=~", "ap").matches("api")
    assert Matcher("a", "!~", "ap").matches("api") and Matcher("a", "!=", "x").matches("api")


def test_instant_vector_to_api_and_samples():
    res = instant('sum by (level) (count_over_time({service="api"}[1m]))', STREAMS, 120 * S)
    assert res.result_type == "vector"
    assert res.to_api() == {"resultType": "vector", "stats": {}, "result": [
        {"metric": {"level": "error"}, "value": [120, "5"]},  # (60s, 120s]: 70..110
        {"metric": {"level": "info"}, "value": [120, "1"]}]}  # 90
    assert res.samples() == [({"level": "error"}, 5.0), ({"level": "info"}, 1.0)]


def test_range_query_log_streams_backward_with_limit():
    res = range_query('{service="api"} |= "error"', STREAMS, 0, 120 * S, S, limit=2)
    assert res.to_api()["result"] == [{"stream": {"level": "error", "service": "api"},
                                       "values": [["110000000000", "error 110"], ["100000000000", "error 100"]]}]


def test_range_query_matrix_steps():
    res = range_query('sum(rate({service="api"}[1m]))', STREAMS, 60 * S, 120 * S, 60 * S)
    assert res.to_api()["result"] == [{"metric": {}, "values": [[60, "0.13333333333333333"], [120, "0.09999999999999999"]]}]  # 5/60 + 1/60 in float64


def test_syntax_error_has_line_column_expected_hint():
    with pytest.raises(LogQLSyntaxError) as err:
        parse('sum(count_over_time({service="api"}))')
    e = err.value
    assert (e.line, e.column) == (1, 36) and "`[`" in e.expected and "range" in e.hint
    assert "line 1, col 36" in str(e)


def test_unsupported_is_named():
    with pytest.raises(Unsupported, match="not supported by obsgate's LogQL engine: subqueries"):
        parse('count_over_time({a="b"}[5m:1m])')
