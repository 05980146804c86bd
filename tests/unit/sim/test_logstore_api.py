"""The log store's HTTP routes in process: push (JSON, gzip, protobuf+snappy), queries, labels, series, errors."""
from __future__ import annotations

import gzip
import json

import pytest

from obsgate.logql import Entry
from obsgate.sim.httpd import Request
from obsgate.sim.logstore import NAME
from obsgate.sim.logstore.api import LogStoreApp, parse_time
from obsgate.sim.logstore.metrics import Metrics
from obsgate.sim.logstore.proto import encode_protobuf
from obsgate.sim.logstore.storage import Store

S = 10**9
NOW = 1_700_000_000 * S


def app():
    store = Store(None, 3600, 1 << 20, clock=lambda: NOW, log=lambda m: None)
    a = LogStoreApp(store, clock=lambda: NOW)
    a.metrics = Metrics(store)
    return a


def call(a, method, path, query=None, body=b"", headers=None):
    q = {k: v if isinstance(v, list) else [v] for k, v in (query or {}).items()}
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    return a.handle(Request(method, path, q, body, {k.lower(): v for k, v in (headers or {}).items()}))


def ok(resp):
    assert resp.status == 200, resp.body
    doc = json.loads(resp.body)
    assert doc["status"] == "success"
    return doc["data"]


def push(a, streams, tenant=None):
    headers = {"Content-Type": "application/json", **({"X-Scope-OrgID": tenant} if tenant else {})}
    return call(a, "POST", "/loki/api/v1/push", body={"streams": streams}, headers=headers)


def seed(a):
    resp = push(a, [
        {"stream": {"service": "api", "level": "error"},
         "values": [[str(NOW - 30 * S), '{"msg":"boom","code":500}'], [str(NOW - 10 * S), '{"msg":"bang","code":502}']]},
        {"stream": {"service": "api", "level": "info"}, "values": [[str(NOW - 20 * S), '{"msg":"fine","code":200}']]},
        {"stream": {"service": "db", "level": "info"}, "values": [[str(NOW - 5 * S), "checkpoint done"]]},
    ])
    assert resp.status == 204, resp.body


@pytest.mark.parametrize("text, ns", [("1700000000", NOW), ("1700000000.5", NOW + S // 2), (str(NOW), NOW),
                                      ("2023-11-14T22:13:20Z", NOW), ("2023-11-14T22:13:20.25+00:00", NOW + S // 4)],
                         ids=["unix seconds", "fractional seconds", "nanoseconds", "rfc3339", "rfc3339 fraction"])
def test_parse_time_reads_every_form_loki_accepts(text, ns):
    assert parse_time(text, 0, "start") == ns


def test_ready_names_the_store_for_what_it_is():
    resp = call(app(), "GET", "/ready")
    assert resp.status == 200 and resp.body.decode() == f"ready ({NAME})\n"
    assert "not Loki" in resp.body.decode()
    info = json.loads(call(app(), "GET", "/loki/api/v1/status/buildinfo").body)
    assert info["name"] == NAME


def test_pushed_lines_come_back_from_query_range_newest_first_by_default():
    a = app()
    seed(a)
    data = ok(call(a, "GET", "/loki/api/v1/query_range",
                   {"query": '{service="api"} |= "b"', "start": str(NOW - 60 * S), "end": str(NOW)}))
    assert data["resultType"] == "streams"
    got = {json.dumps(r["stream"], sort_keys=True): [v[1] for v in r["values"]] for r in data["result"]}
    assert got == {'{"level": "error", "service": "api"}': ['{"msg":"bang","code":502}', '{"msg":"boom","code":500}']}


def test_a_metric_query_range_returns_a_matrix_per_group():
    a = app()
    seed(a)
    data = ok(call(a, "GET", "/loki/api/v1/query_range",
                   {"query": 'sum by (level) (count_over_time({service="api"}[1m]))', "start": str(NOW - 10 * S),
                    "end": str(NOW), "step": "10s"}))
    assert data["resultType"] == "matrix"
    last = {r["metric"]["level"]: r["values"][-1] for r in data["result"]}
    assert last == {"error": [NOW / S, "2"], "info": [NOW / S, "1"]}


def test_an_instant_metric_query_returns_a_vector():
    a = app()
    seed(a)
    data = ok(call(a, "GET", "/loki/api/v1/query", {"query": 'count_over_time({service="db"}[1m])', "time": str(NOW)}))
    assert data["resultType"] == "vector"
    assert [(r["metric"], r["value"][1]) for r in data["result"]] == [({"level": "info", "service": "db"}, "1")]


def test_labels_label_values_and_series():
    a = app()
    seed(a)
    window = {"start": str(NOW - 60 * S), "end": str(NOW)}
    assert ok(call(a, "GET", "/loki/api/v1/labels", window)) == ["level", "service"]
    assert ok(call(a, "GET", "/loki/api/v1/label/service/values", window)) == ["api", "db"]
    assert ok(call(a, "GET", "/loki/api/v1/label/level/values", {**window, "query": '{service="db"}'})) == ["info"]
    series = ok(call(a, "GET", "/loki/api/v1/series", {**window, "match[]": ['{level="info"}']}))
    assert series == [{"level": "info", "service": "api"}, {"level": "info", "service": "db"}]
    assert ok(call(a, "GET", "/loki/api/v1/labels", {"start": str(NOW - 4 * S), "end": str(NOW)})) == []


def test_tenants_see_only_their_own_streams():
    a = app()
    assert push(a, [{"stream": {"service": "a"}, "values": [[str(NOW), "x"]]}], tenant="team-a").status == 204
    assert ok(call(a, "GET", "/loki/api/v1/label/service/values", headers={"X-Scope-OrgID": "team-a"})) == ["a"]
    assert ok(call(a, "GET", "/loki/api/v1/label/service/values")) == []  # the default tenant `fake`


def test_gzip_json_and_protobuf_snappy_pushes_are_read():
    a = app()
    body = gzip.compress(json.dumps({"streams": [{"stream": {"service": "gz"}, "values": [[str(NOW - 2 * S), "zipped"]]}]})
                         .encode())
    resp = call(a, "POST", "/loki/api/v1/push", body=body,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert resp.status == 204, resp.body
    proto = encode_protobuf([((("job", 'say "hi"'), ("service", "pb")), [Entry(NOW - S, "from a shipper",
                                                                                 (("trace_id", "abc"),))])])
    resp = call(a, "POST", "/loki/api/v1/push", body=proto, headers={"Content-Type": "application/x-protobuf"})
    assert resp.status == 204, resp.body
    data = ok(call(a, "GET", "/loki/api/v1/query_range", {"query": '{service=~"gz|pb"}', "start": str(NOW - 60 * S),
                                                         "end": str(NOW)}))
    got = sorted((r["stream"]["service"], r["values"][0][1]) for r in data["result"])
    assert got == [("gz", "zipped"), ("pb", "from a shipper")]
    assert ok(call(a, "GET", "/loki/api/v1/label/job/values")) == ['say "hi"']


@pytest.mark.parametrize("body, message", [
    (b"not json", "push body is not JSON"),
    ({"streams": [{"stream": {}, "values": []}]}, "streams[0].stream: stream labels must be a non-empty"),
    ({"streams": [{"stream": {"1bad": "x"}, "values": []}]}, "invalid label name `1bad`"),
    ({"streams": [{"stream": {"a": "b"}, "values": [[1, "x"]]}]}, "streams[0].values[0]: timestamp must be"),
    ({"streams": [{"stream": {"a": "b"}, "values": [[str(NOW + 11 * 60 * S), "x"]]}]}, "more than 10m in the future"),
], ids=["not json", "no labels", "bad label name", "numeric timestamp", "too far in the future"])
def test_a_bad_push_is_a_400_naming_the_stream_and_field(body, message):
    a = app()
    resp = call(a, "POST", "/loki/api/v1/push", body=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400 and message in resp.body.decode()
    assert ok(call(a, "GET", "/loki/api/v1/labels")) == []  # nothing of a rejected body is kept


@pytest.mark.parametrize("query, message", [
    ({"query": "{service="}, "query"),
    ({"query": '{service="api"}', "limit": "6000"}, "max entries limit per query exceeded"),
    ({"query": '{service="api"}', "start": str(NOW), "end": str(NOW - S)}, "end timestamp must not be before"),
    ({"query": 'rate({service="api"}[1m])', "start": str(NOW - 86400 * S), "end": str(NOW), "step": "1"},
     "exceeded maximum resolution of 11,000 points"),
    ({"query": '{service="api"}', "direction": "sideways"}, "direction"),
    ({"query": '{service="api"}', "start": "yesterday"}, "cannot parse `yesterday`"),
], ids=["syntax error", "limit too high", "end before start", "too many points", "bad direction", "bad time"])
def test_a_bad_query_is_a_400_with_the_reason(query, message):
    resp = call(app(), "GET", "/loki/api/v1/query_range", query)
    assert resp.status == 400 and message in resp.body.decode(), resp.body


def test_an_instant_log_query_is_refused_as_loki_3_does():
    a = app()
    seed(a)
    resp = call(a, "GET", "/loki/api/v1/query", {"query": '{service="api"}', "time": str(NOW)})
    assert resp.status == 400 and b"log queries are not supported as an instant query type" in resp.body


def test_an_unknown_route_is_a_404_listing_the_routes():
    resp = call(app(), "GET", "/loki/api/v1/tail")
    assert resp.status == 404 and b"POST /loki/api/v1/push" in resp.body and NAME.encode() in resp.body


def test_metrics_count_received_entries_and_name_the_stand_in():
    a = app()
    seed(a)
    push(a, [{"stream": {"service": "db", "level": "info"}, "values": [[str(NOW - 5 * S), "checkpoint done"]]}])
    text = call(a, "GET", "/metrics").body.decode()
    assert 'obsgate_logstore_received_entries_total{tenant="fake"} 4.0' in text
    assert 'obsgate_logstore_discarded_entries_total{reason="duplicate",tenant="fake"} 1.0' in text
    assert 'obsgate_logstore_streams{tenant="fake"} 3.0' in text
    assert 'stands_in_for="loki"' in text
