"""Conformance: metric queries, as Loki's documentation describes them (Query > Metric queries).

Range aggregations read the entries with t - range < ts <= t (shifted back by `offset`); vector
aggregations, binary operators and label_replace follow PromQL, which LogQL's documentation defers to.
Values are compared as Loki's HTTP API writes them (strconv 'f', shortest).
"""
from __future__ import annotations

import pytest

from conformance import S, one, streams, values, vector
from obsgate.logql import QueryError, range_query

A = {"app": "a"}
B = {"app": "b"}
# app a: a line every 10 s from 10 s to 60 s; app b: three lines
DATA = streams((A, [(t, f"level=error n={t} lat={t}ms size={t}KB") for t in range(10, 61, 10)]),
               (B, [(15, "level=info n=1 lat=1s"), (25, "level=error n=2 lat=2s"), (55, "level=info n=3 lat=3s")]))


def v(query, at=60):
    return values(query, DATA, at)


def k(**labels):
    return tuple(sorted(labels.items()))


# --- Log range aggregations -------------------------------------------------------------------------

@pytest.mark.parametrize("query, at, expected", [
    ('count_over_time({app="a"}[30s])', 60, {k(app="a"): "3"}),  # 40, 50, 60: 30 s is excluded
    ('count_over_time({app="a"}[30s])', 35, {k(app="a"): "3"}),  # 10, 20, 30
    ('count_over_time({app="a"}[10s])', 60, {k(app="a"): "1"}),  # only 60: the start is exclusive
    ('rate({app="a"}[1m])', 60, {k(app="a"): "0.1"}),
    ('bytes_over_time({app="b"}[1m])', 60, {k(app="b"): str(len("level=info n=1 lat=1s") * 2 + len(
        "level=error n=2 lat=2s"))}),
    ('bytes_rate({app="b"}[1m])', 60, {k(app="b"): str((21 * 2 + 22) / 60)}),
    ('count_over_time({app="a"}[30s] offset 20s)', 60, {k(app="a"): "3"}),  # 20, 30, 40
    ('count_over_time({app="a"}[5s])', 65, {}),  # no entry: no sample
    ('count_over_time({app="a"} |= "n=10 " [1h])', 60, {k(app="a"): "1"}),
    ('count_over_time({app=~"a|b"} | logfmt | level="info" [1h])', 60,
     {k(app="b", level="info", n="1", lat="1s"): "1", k(app="b", level="info", n="3", lat="3s"): "1"}),
    ('absent_over_time({app="nope", env="x"}[1m])', 60, {k(app="nope", env="x"): "1"}),
    ('absent_over_time({app="a"}[1m])', 60, {}),
    ('absent_over_time({app=~"no.*", env="x"}[1m])', 60, {k(env="x"): "1"}),
], ids=["counts entries in the range", "counts earlier", "excludes the range start", "rates per second",
        "counts bytes", "rates bytes", "shifts by offset", "yields no sample for an empty range",
        "counts filtered lines", "keeps parsed labels on the series", "absent returns 1 with the equality labels",
        "absent returns nothing when there are lines", "absent keeps only equality matchers' labels"])
def test_log_range_aggregations(query, at, expected):
    assert values(query, DATA, at) == expected


# --- Unwrapped range aggregations -------------------------------------------------------------------

U = '{app="a"} | logfmt | unwrap n'


@pytest.mark.parametrize("op, expected", [
    ("sum_over_time", "210"), ("avg_over_time", "35"), ("min_over_time", "10"), ("max_over_time", "60"),
    ("first_over_time", "10"), ("last_over_time", "60"), ("stdvar_over_time", "291.6666666666667"),
    ("stddev_over_time", "17.07825127659933"), ("rate", "3.5"), ("count_over_time", None),
], ids=["sum", "avg", "min", "max", "first", "last", "stdvar (population)", "stddev (population)",
        "rate sums per second", "count_over_time refuses unwrap"])
def test_unwrapped_range_aggregations(op, expected):
    query = f"{op}({U} [1m])"
    if expected is None:
        with pytest.raises(Exception, match="invalid aggregation count_over_time with unwrap"):
            vector(query, DATA, 60)
        return
    assert len(values(query, DATA, 60)) == 6  # each line is its own series: lat and size differ
    grouped = values(f"{op}({U} [1m]) by (app)", DATA, 60)
    assert grouped == {k(app="a"): expected}


def test_stdvar_matches_the_population_formula():
    xs = [10, 20, 30, 40, 50, 60]
    mean = sum(xs) / len(xs)
    assert float(values(f"stdvar_over_time({U} [1m]) by (app)", DATA, 60)[k(app="a")]) == pytest.approx(
        sum((x - mean) ** 2 for x in xs) / len(xs))


@pytest.mark.parametrize("q, expected", [
    (0.5, "35"), (0.9, "55"), (0, "10"), (1, "60"),
], ids=["median interpolates", "p90 interpolates", "p0 is the minimum", "p100 is the maximum"])
def test_quantile_over_time(q, expected):
    assert values(f"quantile_over_time({q}, {U} [1m]) by (app)", DATA, 60) == {k(app="a"): expected}


@pytest.mark.parametrize("query, expected", [
    ('sum_over_time({app="b"} | logfmt | unwrap duration(lat) [1m]) by (app)', {k(app="b"): "6"}),
    ('sum_over_time({app="a"} | logfmt | unwrap duration_seconds(lat) [1m]) by (app)', {k(app="a"): "0.21"}),
    ('sum_over_time({app="a"} | logfmt | unwrap bytes(size) [1m]) by (app)', {k(app="a"): "210000"}),
    ('max_over_time({app="b"} | logfmt | unwrap duration(lat) [1m]) by (level)',
     {k(level="info"): "3", k(level="error"): "2"}),
    ('sum_over_time({app=~"a|b"} | logfmt | unwrap n [1m]) without (level, lat, size)',
     {k(app="a"): "210", k(app="b"): "6"}),
], ids=["converts durations", "converts duration_seconds", "converts bytes", "groups by a parsed label",
        "groups without labels"])
def test_unwrap_conversions_and_grouping(query, expected):
    assert v(query) == expected


def test_the_unwrapped_label_leaves_the_series():
    got = values('sum_over_time({app="b"} | logfmt | unwrap n [1m])', DATA, 60)
    assert all("n" not in dict(key) for key in got)


def test_a_failed_unwrap_fails_the_query_until_errors_are_filtered():
    with pytest.raises(QueryError, match="pipeline error: 'SampleExtractionErr'"):
        vector('sum_over_time({app="b"} | logfmt | unwrap lat [1m])', DATA, 60)  # "1s" is not a number
    assert v('sum(sum_over_time({app="b"} | logfmt | unwrap lat | __error__="" [1m]))') == {}


def test_a_parser_error_fails_a_metric_query_until_filtered():
    data = one(A, "not json", '{"x":"1"}')
    with pytest.raises(QueryError, match="pipeline error: 'JSONParserErr'"):
        vector('count_over_time({app="a"} | json [1m])', data, 10)
    assert values('sum(count_over_time({app="a"} | json | __error__="" [1m]))', data, 10) == {(): "1"}


def test_rate_counter_handles_resets_and_extrapolates():
    data = streams((A, [(t, f"v={v}") for t, v in ((10, 10), (20, 20), (30, 5), (40, 15))]))
    raw = 15 - 10 + 20  # last - first, plus the value before each reset (Prometheus' counter rate)
    got = float(values('rate_counter({app="a"} | logfmt | unwrap v [40s])', data, 40)[k(app="a")])
    assert raw / 40 < got < raw / 25  # extrapolated over the range, as Prometheus' rate()


# --- Vector aggregations ----------------------------------------------------------------------------
VA = streams(({"app": "a", "env": "prod"}, [(1, "x")] * 1), ({"app": "b", "env": "prod"}, [(1, "x"), (2, "x")]),
             ({"app": "c", "env": "dev"}, [(1, "x"), (2, "x"), (3, "x")]))
C = 'count_over_time({env=~".+"}[1m])'


@pytest.mark.parametrize("query, expected", [
    (f"sum({C})", {(): "6"}),
    (f"sum by (env) ({C})", {k(env="prod"): "3", k(env="dev"): "3"}),
    (f"sum({C}) by (env)", {k(env="prod"): "3", k(env="dev"): "3"}),
    (f"sum without (app) ({C})", {k(env="prod"): "3", k(env="dev"): "3"}),
    (f"avg({C})", {(): "2"}), (f"min({C})", {(): "1"}), (f"max({C})", {(): "3"}),
    (f"count({C})", {(): "3"}),
    (f"stddev({C})", {(): str(0.816496580927726)}), (f"stdvar({C})", {(): str(0.6666666666666666)}),
    (f"topk(2, {C})", {k(app="c", env="dev"): "3", k(app="b", env="prod"): "2"}),
    (f"bottomk(1, {C})", {k(app="a", env="prod"): "1"}),
    (f"topk(1, {C}) by (env)", {k(app="c", env="dev"): "3", k(app="b", env="prod"): "2"}),
    (f"count by (env) ({C})", {k(env="prod"): "2", k(env="dev"): "1"}),
], ids=["sums", "sums by a label", "accepts the grouping after", "sums without a label", "averages", "takes the min",
        "takes the max", "counts series", "stddev", "stdvar", "topk keeps the largest", "bottomk keeps the smallest",
        "topk per group", "counts per group"])
def test_vector_aggregations(query, expected):
    assert values(query, VA, 5) == expected


def test_sort_and_sort_desc_order_the_result():
    assert [m["app"] for m, _ in vector(f"sort({C})", VA, 5)] == ["a", "b", "c"]
    assert [m["app"] for m, _ in vector(f"sort_desc({C})", VA, 5)] == ["c", "b", "a"]


# --- Binary operators -------------------------------------------------------------------------------
SUMS = 'sum by (env) (count_over_time({env=~".+"}[1m]))'
APPS = 'sum by (app, env) (count_over_time({env=~".+"}[1m]))'


@pytest.mark.parametrize("query, expected", [
    ("1 + 2 * 3", {(): "7"}),
    ("2 ^ 3 ^ 2", {(): "512"}),
    ("-2 ^ 2", {(): "-4"}),
    ("7 % 4", {(): "3"}),
    ("1 / 0", {(): "+Inf"}),
    ("0 / 0", {(): "NaN"}),
    ("2 > bool 1", {(): "1"}),
    (f"{SUMS} * 10", {k(env="prod"): "30", k(env="dev"): "30"}),
    (f"{C} > 1", {k(app="b", env="prod"): "2", k(app="c", env="dev"): "3"}),
    (f"{C} > bool 1", {k(app="a", env="prod"): "0", k(app="b", env="prod"): "1", k(app="c", env="dev"): "1"}),
    (f"1 < {C}", {k(app="b", env="prod"): "2", k(app="c", env="dev"): "3"}),
    (f"{APPS} / on (env) group_left {SUMS}", {k(app="a", env="prod"): str(1 / 3), k(app="b", env="prod"): str(2 / 3),
                                             k(app="c", env="dev"): "1"}),
    (f"{APPS} / ignoring (app) group_left {SUMS}", {k(app="a", env="prod"): str(1 / 3),
                                                   k(app="b", env="prod"): str(2 / 3), k(app="c", env="dev"): "1"}),
    (f"{SUMS} / on (env) {SUMS}", {k(env="prod"): "1", k(env="dev"): "1"}),
    (f"{C} and {C} > 1", {k(app="b", env="prod"): "2", k(app="c", env="dev"): "3"}),
    (f"{C} unless {C} > 1", {k(app="a", env="prod"): "1"}),
    (f'{C} > 2 or count_over_time({{app="a"}}[1m])', {k(app="c", env="dev"): "3", k(app="a", env="prod"): "1"}),
    (f"sum({C}) + vector(4)", {(): "10"}),
], ids=["keeps arithmetic precedence", "is right-associative for ^", "binds ^ tighter than unary minus", "modulo",
        "divides by zero to +Inf", "0/0 is NaN", "compares scalars with bool", "scales a vector",
        "filters with a comparison", "returns 0/1 with bool", "compares scalar-vector", "matches many-to-one on",
        "matches many-to-one ignoring", "matches one-to-one on", "intersects with and", "subtracts with unless",
        "unites with or", "adds vector()"])
def test_binary_operators(query, expected):
    assert values(query, VA, 5) == expected


def test_many_to_many_without_grouping_is_an_error():
    with pytest.raises(QueryError, match="many-to-one matching must be explicit"):
        vector(f"{APPS} / on (env) {SUMS}", VA, 5)


def test_comparing_scalars_needs_bool():
    with pytest.raises(QueryError, match="comparisons between scalars must use BOOL modifier"):
        vector("1 > 2", VA, 5)


def test_group_left_copies_included_labels_from_the_one_side():
    one_side = 'label_replace(sum by (env) (count_over_time({env=~".+"}[1m])), "tier", "t-$1", "env", "(.*)")'
    got = values(f"{APPS} * on (env) group_left (tier) {one_side}", VA, 5)
    assert got[k(app="a", env="prod", tier="t-prod")] == "3" and len(got) == 3


# --- label_replace, vector(), results -----------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    (f'label_replace({SUMS}, "e", "$1", "env", "(p).*")', {k(env="prod", e="p"): "3", k(env="dev"): "3"}),
    (f'label_replace({SUMS}, "env", "", "env", ".*")', {(): None}),
    ("vector(3.5)", {(): "3.5"}),
], ids=["adds a label from a capture", "removes a label with an empty replacement", "vector() has no labels"])
def test_label_replace_and_vector(query, expected):
    if expected == {(): None}:
        with pytest.raises(QueryError, match="same labelset"):
            values(query, VA, 5)
        return
    assert values(query, VA, 5) == expected


def test_range_query_steps_and_matrix_shape():
    res = range_query('sum(count_over_time({app="a"}[20s]))', DATA, 20 * S, 60 * S, 20 * S).to_api()
    assert res == {"resultType": "matrix", "stats": {}, "result": [
        {"metric": {}, "values": [[20, "2"], [40, "2"], [60, "2"]]}]}


def test_an_instant_log_query_is_refused_as_loki_does():
    with pytest.raises(QueryError, match="log queries are not supported as an instant query type"):
        vector('{app="a"}', DATA, 60)


@pytest.mark.parametrize("query, value", [
    ("vector(0.1) + vector(0.2)", "0.30000000000000004"),
    ("vector(1e21)", "1000000000000000000000"),
    ("vector(1e-7)", "0.0000001"),
    ("vector(-2.5)", "-2.5"),
], ids=["shortest round-trip digits", "no exponent for large values", "no exponent for small values",
        "negative values"])
def test_values_are_formatted_as_lokis_api_writes_them(query, value):
    assert vector(query, DATA, 60) == [({}, value)]


def test_structured_metadata_splits_counted_series():
    from obsgate.logql import Entry, Stream
    data = [Stream((("app", "a"),), [Entry(1 * S, "x"), Entry(2 * S, "x", (("trace", "t1"),)), Entry(3 * S, "x")])]
    assert values('count_over_time({app="a"}[1m])', data, 10) == {k(app="a"): "2", k(app="a", trace="t1"): "1"}
    assert values('count_over_time({app="a"} |= "x" [1m])', data, 10) == {k(app="a"): "2", k(app="a", trace="t1"): "1"}
