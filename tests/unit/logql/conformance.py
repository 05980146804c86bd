"""Helpers of the conformance tables: streams from (labels, [(seconds, line)]), and results as plain data."""
from __future__ import annotations

from obsgate.logql import Entry, Stream, instant, range_query

S = 10**9


def streams(*specs) -> list[Stream]:
    """streams(({"app": "a"}, [(1, "line"), ...]), ...) with timestamps in seconds."""
    return [Stream(tuple(sorted(labels.items())), [Entry(int(t * S), line) for t, line in sorted(rows)])
            for labels, rows in specs]


def one(labels: dict, *lines: str, start: int = 1) -> list[Stream]:
    """One stream whose lines are 1 s apart from `start` seconds."""
    return streams((labels, [(start + i, line) for i, line in enumerate(lines)]))


def log(query: str, data, start: int = 0, end: int = 3600, direction: str = "forward", limit: int = 1000):
    """[(labels, line)] of a log query over [start, end), oldest first by default."""
    res = range_query(query, data, start * S, end * S, S, limit=limit, direction=direction).to_api()
    rows = [(tuple(sorted(r["stream"].items())), int(ts), line) for r in res["result"] for ts, line in r["values"]]
    rows.sort(key=lambda x: x[1], reverse=direction == "backward")
    return [(dict(labels), line) for labels, _, line in rows]


def lines(query: str, data, **kw) -> list[str]:
    return [line for _, line in log(query, data, **kw)]


def labels_of(query: str, data, **kw) -> list[dict]:
    return [labels for labels, _ in log(query, data, **kw)]


def vector(query: str, data, at: float) -> list[tuple[dict, str]]:
    """[(labels, value as Loki's API writes it)] of an instant metric query at `at` seconds."""
    res = instant(query, data, int(at * S)).to_api()
    if res["resultType"] == "scalar":
        return [({}, res["result"][1])]
    return [(r["metric"], r["value"][1]) for r in res["result"]]


def values(query: str, data, at: float) -> dict:
    """{frozen labels: value} of an instant query (order-free comparisons)."""
    return {tuple(sorted(m.items())): v for m, v in vector(query, data, at)}
