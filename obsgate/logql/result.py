"""A query result in the shapes of Loki's HTTP API (`data` of /query and /query_range)."""
from __future__ import annotations

from .gofmt import api_value


class Result:
    """result_type is "streams", "vector", "matrix" or "scalar"; to_api() is the JSON-ready `data`."""

    __slots__ = ("result_type", "streams", "vector", "matrix", "scalar", "at_ns")

    def __init__(self, result_type: str, *, streams=None, vector=None, matrix=None, scalar=None, at_ns: int = 0):
        self.result_type = result_type
        self.streams = streams or []  # [(labels dict, [(ts_ns, line), ...])]
        self.vector = vector or []  # [(labels dict, value)]
        self.matrix = matrix or []  # [(labels dict, [(ts_ns, value), ...])]
        self.scalar = scalar  # (ts_ns, value)
        self.at_ns = at_ns

    def samples(self) -> list[tuple[dict, float]]:
        """A vector's (labels, value) pairs; a scalar is one sample without labels (as the ruler sees it)."""
        if self.result_type == "vector":
            return [(dict(labels), value) for labels, value in self.vector]
        if self.result_type == "scalar":
            return [({}, self.scalar[1])]
        raise ValueError(f"a {self.result_type} result has no instant samples")

    def to_api(self) -> dict:
        if self.result_type == "streams":
            result = [{"stream": labels, "values": [[str(ts), line] for ts, line in rows]}
                      for labels, rows in self.streams]
        elif self.result_type == "vector":
            result = [{"metric": labels, "value": [_seconds(self.at_ns), api_value(v)]} for labels, v in self.vector]
        elif self.result_type == "matrix":
            result = [{"metric": labels, "values": [[_seconds(t), api_value(v)] for t, v in pts]}
                      for labels, pts in self.matrix]
        else:
            result = [_seconds(self.scalar[0]), api_value(self.scalar[1])]
        return {"resultType": self.result_type, "result": result, "stats": {}}

    def __repr__(self) -> str:
        return f"Result({self.result_type}, {self.to_api()['result']!r})"


def _seconds(ns: int):
    """Unix seconds as Loki writes them: an integer when whole, else a float with the fraction."""
    return ns // 10**9 if ns % 10**9 == 0 else ns / 1e9
