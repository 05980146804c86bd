"""Conformance: what Loki refuses, refused here too, with line, column, expectation and hint; what this
engine does not evaluate, refused by name (never evaluated wrongly); and bounded input."""
from __future__ import annotations

import re

import pytest

from obsgate.logql import LogQLSyntaxError, Unsupported, parse
from obsgate.logql.parser import MAX_BYTES, MAX_DEPTH


@pytest.mark.parametrize("query, line, col, fragment", [
    ("{}", 1, 1, "at least one regexp or equality matcher that does not have an empty-compatible value"),
    ('{app=~".*"}', 1, 1, "empty-compatible value"),
    ('{app!="x"}', 1, 1, "empty-compatible value"),
    ('{app="x"', 1, 9, "unexpected end of query"),
    ("{app='x'}", 1, 6, "unexpected character `'`"),
    ("{app=x}", 1, 6, "unexpected `x`"),
    ('count_over_time({app="x"})', 1, 26, "unexpected `)`"),
    ('sum_over_time({app="x"}[5m])', 1, 1, "invalid aggregation sum_over_time without unwrap"),
    ('count_over_time({app="x"} | logfmt | unwrap n [5m])', 1, 1, "invalid aggregation count_over_time with unwrap"),
    ('{app="x"} | logfmt | unwrap n', 1, 1, "`| unwrap` is only allowed inside a range aggregation"),
    ('rate({app="x"}[5m]) by (a)', 1, 1, "grouping not allowed for rate aggregation"),
    ('quantile_over_time({app="x"} | logfmt | unwrap n [5m])', 1, 1, "quantile_over_time needs a quantile"),
    ('topk(0, count_over_time({app="x"}[5m]))', 1, 1, "invalid parameter for topk"),
    ('sum(1)', 1, 1, "sum aggregates a vector, not the number 1"),
    ('{app="x"} |~ "("', 1, 14, "invalid regex `(`"),
    ('{app="x"} | regexp "(\\\\w+)"', 1, 20, "at least one named capture must be supplied"),
    ('{app="x"} | pattern "<a><b>"', 1, 21, "consecutive capture"),
    ('{app="x"} | pattern "nothing"', 1, 21, "at least one capture is required"),
    ('{app="x"} | line_format "{{ .a "', 1, 25, "invalid template: unclosed action"),
    ('{app="x"} | label_format a=b, a=c', 1, 31, "multiple label name 'a' not allowed in a single format operation"),
    ('{app="x"} | json a="b[x]"', 1, 18, "invalid json path `b[x]`"),
    ('{app="x"} | size > 10XB', 1, 20, "neither a number, a duration nor a byte size"),
    ('{app="x"} | a > "5"', 1, 17, "compares numbers, durations or bytes, not the string"),
    ('foo({app="x"})', 1, 1, "unknown function `foo`"),
    ('sum(count_over_time({app="x"}[5m])) and 1', 1, 37, "set operator `and` not allowed in binary scalar expression"),
    ('sum(count_over_time({app="x"}[5m])) + bool 1', 1, 37, "bool modifier can only be used on comparison operators"),
    ('sum(count_over_time({app="x"}[5x]))', 1, 31, "invalid range `5x`"),
    ('count_over_time({app="x"}[0s])', 1, 27, "invalid range `0s`"),
    ("", 1, 1, "empty query"),
    ('{app="x"}\n| json\n| a >', 3, 6, "unexpected end of query"),
], ids=["an empty selector", "a selector matching the empty value", "only a negative matcher", "an unclosed selector",
        "single quotes", "an unquoted value", "a range aggregation without range", "an unwrap aggregation without unwrap",
        "count with unwrap", "unwrap in a log query", "grouping a log range aggregation", "a quantile without its phi",
        "topk 0", "aggregating a number", "an invalid regex", "a regexp without named capture",
        "consecutive pattern captures", "a pattern without capture", "a broken line_format template",
        "a label formatted twice", "a bad json path", "a bad byte unit", "a string with >", "an unknown function",
        "a set operator on a scalar", "bool on arithmetic", "a bad range unit", "a zero range", "an empty query",
        "a fault on a later line"])
def test_rejects_with_line_column_and_message(query, line, col, fragment):
    with pytest.raises(LogQLSyntaxError) as err:
        parse(query)
    e = err.value
    assert fragment in str(e) and (e.line, e.column) == (line, col), (str(e), e.line, e.column)
    assert e.hint  # every refusal says what to do


def test_a_syntax_error_lists_what_was_expected():
    with pytest.raises(LogQLSyntaxError) as err:
        parse('count_over_time({app="x"})')
    assert err.value.expected and "`[`" in err.value.expected
    assert "a range aggregation needs a range" in err.value.hint


@pytest.mark.parametrize("query, construct", [
    ('count_over_time({app="x"}[5m:1m])', "subqueries"),
    ('{app="x"} |= ip("192.168.0.1")', "ip() line filters"),
    ('{app="x"} | logfmt | addr = ip("10.0.0.0/8")', "ip() label filters"),
    ('approx_topk(2, count_over_time({app="x"}[5m]))', "approx_topk"),
    ('absent(count_over_time({app="x"}[5m]))', "absent() (use absent_over_time)"),
    ('topk(vector(1), count_over_time({app="x"}[5m]))', "topk with a non-literal parameter"),
    ('{app="x"} | logfmt | distinct level', "the `distinct` stage"),
], ids=["subqueries", "ip line filter", "ip label filter", "approx_topk", "absent", "non-literal topk", "distinct"])
def test_unsupported_constructs_are_refused_by_name(query, construct):
    with pytest.raises(Unsupported, match=re.escape(f"not supported by obsgate's LogQL engine: {construct}")):
        parse(query)


def test_refuses_input_over_64_kib_without_parsing_it():
    query = '{app="x"} |= "' + "a" * MAX_BYTES + '"'
    with pytest.raises(LogQLSyntaxError, match="the limit is 65536"):
        parse(query)


def test_refuses_nesting_deeper_than_200_without_recursion_error():
    query = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(LogQLSyntaxError, match="nests deeper than 200 levels") as err:
        parse(query)
    assert (err.value.line, err.value.column) == (1, MAX_DEPTH + 1)


def test_refuses_a_long_operator_chain_without_recursion_error():
    query = " + ".join(['sum(count_over_time({app="x"}[1m]))'] * 1500)
    with pytest.raises(LogQLSyntaxError, match="deeper than 200 operators"):
        parse(query)


def test_accepts_nesting_up_to_the_limit():
    assert parse("(" * 150 + "1" + ")" * 150).kind == "metric"


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert parse('{app="x"} |= "' + "(" * 500 + '"').kind == "log"
