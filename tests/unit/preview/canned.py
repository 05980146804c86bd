"""Canned query results for the fixture dashboard: what the live stack would have returned."""
import math

from obsgate.preview.data import LogLine, PanelData, Series
from obsgate.preview.timerange import window

NOW = 1_800_000_000.0
WINDOW = window({"from": "now-1h", "to": "now"}, NOW, scrape=15)
TIMES = tuple(WINDOW.start + i * WINDOW.step for i in range(int(WINDOW.seconds / WINDOW.step) + 1))


def series(name, labels, fn):
    return Series(name, tuple(sorted(labels.items())), TIMES, tuple(float(fn(i)) for i in range(len(TIMES))))


def data() -> dict[int, PanelData]:
    return {
        2: PanelData((series("availability", {}, lambda i: 0.95),)),  # below 0.99: red background
        3: PanelData((series("errors", {}, lambda i: 0.2),)),  # below 1: green value
        4: PanelData((series("/", {"mountpoint": "/"}, lambda i: 0.42), series("/data", {"mountpoint": "/data"},
                                                                                lambda i: 0.93))),
        5: PanelData(tuple(series(q, {"queue": q}, lambda i, k=k: 30 * k + 5) for k, q in enumerate(["in", "out", "dlq"]))),
        7: PanelData(tuple(series(f"status {s}", {"status": s}, lambda i, k=k: (k + 1) * (3 + math.sin(i / 5)))
                           for k, s in enumerate(["200", "500"]))),
        8: PanelData(tuple(series(le, {"le": le}, lambda i, k=k: (k + 1) * 10 + i % 7)
                           for k, le in enumerate(["0.1", "0.5", "1", "+Inf"]))),
        9: PanelData(tuple(series(f'up{{job="{j}"}}', {"__name__": "up", "job": j, "instance": f"{j}:9100"},
                                  lambda i, k=k: k % 2) for k, j in enumerate(["api", "db"]))),
        10: PanelData(logs=tuple(LogLine(NOW - 60 * i, f"request {i} failed: upstream timeout", (("level", "error"),))
                                 for i in range(30))),
        11: PanelData(),
        12: PanelData((series("a", {"model": "a"}, lambda i: 1),)),
        13: PanelData(error="bad_data: 1:12: parse error: unclosed left parenthesis"),
    }
