"""Log lines for Loki: baseline streams, fault bursts, real events, and the push body."""
from __future__ import annotations

import json

import pytest

from obsgate.model import LogEffect, LogStream
from obsgate.sim.logs import (EventLog, LogSource, event_labels, field_value, push_body, render, vocabulary)

NOW = 1_750_000_000_000_000_000


@pytest.fixture
def stream(demo_project):
    return demo_project.log_streams[0]


def parse_logfmt(line: str) -> dict:
    import shlex
    return dict(part.split("=", 1) for part in shlex.split(line))


def test_baseline_lines_come_at_the_configured_rate_with_declared_labels_and_fields(stream, demo_project):
    src = LogSource([stream], seed=1, rate=10.0, vocab=vocabulary(demo_project.metrics))
    entries = [e for _ in range(10) for e in src.lines(1.0, NOW)]
    assert len(entries) == pytest.approx(100, abs=3)
    for labels, ts, line in entries:
        assert labels["service"] == "demo" and labels["level"] in ("info", "warning", "error")
        fields = parse_logfmt(line)
        assert set(fields) == set(stream.fields)
        assert fields["route"] in ("home", "search", "checkout")  # from the job's metric labels
    levels = [labels["level"] for labels, _, _ in entries]
    assert levels.count("info") > 0.8 * len(levels)


def test_timestamps_are_spread_over_the_slice_and_unique(stream):
    entries = LogSource([stream], rate=20.0).lines(1.0, NOW)
    stamps = [ts for _, ts, _ in entries]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert NOW - 1_000_000_000 < stamps[0] and stamps[-1] < NOW


def test_fault_lines_come_at_per_second_even_when_slices_are_fractional():
    src = LogSource([])
    burst = LogEffect({"service": "demo", "level": "error"}, "event=boom", per_second=3.0)
    entries = [e for _ in range(10) for e in src.lines(0.25, NOW, [burst])]
    assert len(entries) == 7  # 3/s over 2.5 s, fractions carried
    assert all(e[0] == {"service": "demo", "level": "error"} and e[2] == "event=boom" for e in entries)


def test_same_seed_same_lines(stream):
    assert LogSource([stream], seed=5).lines(2.0, NOW) == LogSource([stream], seed=5).lines(2.0, NOW)


def test_render_json_and_logfmt_quote_what_needs_quoting():
    j = LogStream("j", labels={"service": ["x"]}, fields=("msg",))
    assert json.loads(render(j, {"msg": "a b", "n": 1})) == {"msg": "a b", "n": 1}
    l = LogStream("l", labels={"service": ["x"]}, fields=("msg",), format="logfmt")
    assert render(l, {"msg": "a b", "k": "v", "e": ""}) == 'msg="a b" k=v e=""'


def test_field_values_follow_the_level():
    import random
    rng = random.Random(1)
    assert field_value("error_type", "info", rng, NOW) == ""
    assert field_value("error_type", "error", rng, NOW, {"error_type": ("OSError",)}) == "OSError"
    assert field_value("status", "error", rng, NOW) == 500
    assert field_value("result", "info", rng, NOW, {"result": ("ok", "error")}) == "ok"


def test_push_body_groups_by_stream_and_orders_by_time():
    body = push_body([({"a": "1"}, 3, "c"), ({"a": "2"}, 1, "x"), ({"a": "1"}, 2, "b")])
    assert body == {"streams": [{"stream": {"a": "1"}, "values": [["2", "b"], ["3", "c"]]},
                                {"stream": {"a": "2"}, "values": [["1", "x"]]}]}


def test_real_events_become_lines_of_the_stream_with_level_by_severity():
    s = LogStream("gw", labels={"service": ["gw"], "level": ["debug", "info", "warning", "error"]},
                  fields=("event", "model", "msg"))
    assert event_labels(s, "error") == {"service": "gw", "level": "error"}
    log = EventLog(s)
    log.record("info", {"event": "request_completed", "model": "m", "ignored": 1})
    log.record("error", {"event": "request_failed", "model": "m"})
    entries = log.lines(1.0, NOW)
    assert [e[0]["level"] for e in entries] == ["info", "error"]
    assert json.loads(entries[0][2]) == {"event": "request_completed", "model": "m", "msg": ""}
    assert log.lines(1.0, NOW) == []  # drained


def test_event_log_without_a_stream_records_nothing_but_still_bursts():
    log = EventLog(None)
    log.record("info", {"event": "x"})
    burst = LogEffect({"service": "gw"}, "boom", per_second=2.0)
    assert [e[2] for e in log.lines(1.0, NOW, [burst])] == ["boom", "boom"]
