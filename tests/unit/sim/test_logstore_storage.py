"""The log store's storage: ordering, dedup, selection, retention, byte budget, persistence and torn files."""
from __future__ import annotations

import json

import pytest

from obsgate.logql import Entry, Matcher
from obsgate.sim.logstore.storage import ENTRY_OVERHEAD, Store, check_tenant

S = 10**9
API = (("level", "info"), ("service", "api"))
ERR = (("level", "error"), ("service", "api"))
DB = (("service", "db"),)


class Clock:
    def __init__(self, now_ns: int = 1_000_000 * S) -> None:
        self.now = now_ns

    def __call__(self) -> int:
        return self.now


def sel(*matchers):
    return [[Matcher(*m) for m in matchers]]


def store(tmp_path=None, retention_s=3600.0, max_bytes=1 << 20, clock=None):
    return Store(tmp_path, retention_s, max_bytes, clock=clock or Clock(), log=lambda msg: None)


def lines(streams):
    return [(dict(s.labels)["service"], e.ts_ns, e.line) for s in streams for e in s.entries]


def test_entries_are_kept_in_time_order_whatever_order_they_arrive_in():
    st = store()
    now = st.clock()
    st.push("fake", [(API, [Entry(now - 3 * S, "c"), Entry(now - 5 * S, "a")])])
    st.push("fake", [(API, [Entry(now - 4 * S, "b"), Entry(now - 1 * S, "d")])])
    got = st.select("fake", sel(("service", "=", "api")), 0, now)
    assert [e.line for e in got[0].entries] == ["a", "b", "c", "d"]


def test_an_identical_entry_is_stored_once_but_same_time_other_line_is_kept():
    st = store()
    now = st.clock()
    first = st.push("fake", [(API, [Entry(now, "x"), Entry(now, "x"), Entry(now, "y")])])
    assert (first.accepted, first.duplicates) == (2, 1)
    assert [e.line for e in st.select("fake", sel(("service", "=", "api")), 0, now)[0].entries] == ["x", "y"]


def test_select_matches_any_selector_and_cuts_the_time_window_inclusively():
    st = store()
    now = st.clock()
    st.push("fake", [(API, [Entry(now - 10 * S, "old"), Entry(now - 5 * S, "mid"), Entry(now, "new")]),
                     (ERR, [Entry(now - 5 * S, "boom")]), (DB, [Entry(now - 5 * S, "db")])])
    got = st.select("fake", sel(("service", "=", "api"), ("level", "=~", "info|debug")), now - 5 * S, now)
    assert lines(got) == [("api", now - 5 * S, "mid"), ("api", now, "new")]
    both = st.select("fake", [[Matcher("service", "=", "db")], [Matcher("level", "=", "error")]], 0, now)
    assert sorted(x[2] for x in lines(both)) == ["boom", "db"]
    assert st.select("fake", sel(("service", "=", "nope")), 0, now) == []
    assert st.select("other-tenant", sel(("service", "=", "api")), 0, now) == []


def test_a_missing_label_matches_as_the_empty_string_like_loki():
    st = store()
    now = st.clock()
    st.push("fake", [(API, [Entry(now, "a")]), (DB, [Entry(now, "b")])])
    got = st.select("fake", sel(("service", "=~", ".+"), ("level", "=", "")), 0, now)
    assert lines(got) == [("db", now, "b")]


def test_tenants_are_separate():
    st = store()
    now = st.clock()
    st.push("team-a", [(API, [Entry(now, "a")])])
    st.push("team-b", [(API, [Entry(now, "b")])])
    assert lines(st.select("team-a", sel(("service", "=", "api")), 0, now)) == [("api", now, "a")]
    assert st.tenants() == ["team-a", "team-b"]


@pytest.mark.parametrize("tenant", ["", "..", "a/b", "a|b", "x" * 151])
def test_a_tenant_id_that_is_not_a_safe_file_name_is_refused(tenant):
    with pytest.raises(ValueError, match="invalid tenant id"):
        check_tenant(tenant)


def test_entries_older_than_the_retention_window_are_refused_on_push_and_forgotten_later():
    clock = Clock()
    st = store(retention_s=60, clock=clock)
    now = clock.now
    res = st.push("fake", [(API, [Entry(now - 61 * S, "too old"), Entry(now - 30 * S, "a"), Entry(now, "b")])])
    assert (res.accepted, res.too_old) == (2, 1)
    clock.now += 45 * S
    st.enforce_retention()
    assert [e.line for s in st.select("fake", sel(("service", "=", "api")), 0, clock.now) for e in s.entries] == ["b"]
    clock.now += 60 * S
    st.enforce_retention()
    assert st.stats()["fake"].streams == 0 and st.dropped_for_retention == 2


def test_the_byte_budget_drops_the_oldest_entries_across_streams():
    clock = Clock()
    st = store(max_bytes=3 * (10 + ENTRY_OVERHEAD), clock=clock)
    now = clock.now
    st.push("fake", [(API, [Entry(now - 9 * S, "a" * 10), Entry(now - 5 * S, "c" * 10)]),
                     (DB, [Entry(now - 7 * S, "b" * 10)])])
    st.push("fake", [(DB, [Entry(now, "d" * 10)])])
    kept = sorted(e.line[0] for s in st.select("fake", sel(("service", "=~", ".+")), 0, now) for e in s.entries)
    assert kept == ["b", "c", "d"] and st.stats()["fake"].bytes == 3 * (10 + ENTRY_OVERHEAD)
    assert st.dropped_for_budget == 1


def test_logs_survive_a_restart_and_metadata_too(tmp_path):
    clock = Clock()
    st = store(tmp_path, clock=clock)
    now = clock.now
    st.push("fake", [(API, [Entry(now - S, "one"), Entry(now, "two", (("trace_id", "t1"),))])])
    st.push("team-b", [(DB, [Entry(now, "db line")])])
    again = store(tmp_path, clock=clock)
    got = again.select("fake", sel(("service", "=", "api")), 0, now)
    assert [(e.line, e.meta) for e in got[0].entries] == [("one", ()), ("two", (("trace_id", "t1"),))]
    assert lines(again.select("team-b", sel(("service", "=", "db")), 0, now)) == [("db", now, "db line")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.jsonl", "team-b.jsonl"]


def test_a_torn_last_line_is_skipped_and_cut_so_later_appends_stay_readable(tmp_path):
    clock = Clock()
    st = store(tmp_path, clock=clock)
    now = clock.now
    st.push("fake", [(API, [Entry(now - S, "kept")])])
    path = tmp_path / "fake.jsonl"
    whole = path.read_bytes()
    torn = json.dumps({"stream": dict(API), "values": [[str(now), "lost"]]}).encode()[:25]
    path.write_bytes(whole + torn)
    again = store(tmp_path, clock=clock)
    assert again.torn_lines == 1 and path.read_bytes() == whole
    again.push("fake", [(API, [Entry(now, "after")])])
    third = store(tmp_path, clock=clock)
    assert [e.line for e in third.select("fake", sel(("service", "=", "api")), 0, now)[0].entries] == ["kept", "after"]
    assert third.torn_lines == 0


def test_reload_drops_what_left_the_retention_window_and_rewrites_the_file(tmp_path):
    clock = Clock()
    st = store(tmp_path, retention_s=60, clock=clock)
    now = clock.now
    st.push("fake", [(API, [Entry(now - 50 * S, "old"), Entry(now, "new")])])
    clock.now += 30 * S
    again = store(tmp_path, retention_s=60, clock=clock)
    assert [e.line for e in again.select("fake", sel(("service", "=", "api")), 0, clock.now)[0].entries] == ["new"]
    assert b"old" not in (tmp_path / "fake.jsonl").read_bytes()


def test_series_lists_label_sets_with_entries_in_the_window():
    st = store()
    now = st.clock()
    st.push("fake", [(API, [Entry(now - 100 * S, "a")]), (DB, [Entry(now, "b")])])
    assert st.series("fake", None, now - 10 * S, now) == [DB]
    assert st.series("fake", sel(("service", "=", "api")), 0, now) == [API]


def test_the_file_is_rewritten_only_once_it_has_doubled_so_forgotten_lines_leave_the_disk(tmp_path, monkeypatch):
    monkeypatch.setattr("obsgate.sim.logstore.storage.COMPACT_SLACK", 0)
    clock = Clock()
    st = store(tmp_path, retention_s=60, max_bytes=10 * (10 + ENTRY_OVERHEAD), clock=clock)
    rewrites = []
    real = st._compact
    monkeypatch.setattr(st, "_compact", lambda t: (rewrites.append(t.file_bytes), real(t)))
    path = tmp_path / "fake.jsonl"
    for i in range(40):  # 40 lines through a budget of 10
        st.push("fake", [(API, [Entry(clock.now + i, f"line {i:05d}")])])
    assert 0 < len(rewrites) < 10  # amortised: not one rewrite per push over the budget
    kept = [e.line for e in st.select("fake", sel(("service", "=", "api")), 0, clock.now + 100)[0].entries]
    assert kept == [f"line {i:05d}" for i in range(30, 40)]
    clock.now += 120 * S
    st.enforce_retention()
    assert st.stats()["fake"].entries == 0 and path.read_bytes() == b""  # all forgotten: the file is rewritten
