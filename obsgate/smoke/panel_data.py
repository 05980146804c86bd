"""Range data for every panel of the generated dashboards, for `obsgate preview` (not a smoke family).

The queries are the panels smoke check's own (panels.panel_queries: same dashboards, variables and
expansion, interval windows no shorter than the check's); here they run as range queries over the
preview's window: Prometheus' query_range, and the Loki HTTP API's query_range on the log store (or Loki
under the docker runtime).
"""
from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from ..analysis.durations import seconds
from ..preview import timerange
from ..preview.data import LogLine, PanelData, Series
from ..preview.legend import series_name
from . import grafana_vars, http, panels
from .base import Context

LOG_LINES = 200  # latest lines asked of the log store per logs query


class BoardData(NamedTuple):
    board: dict
    window: timerange.Window
    data: dict  # panel id -> PanelData


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _series(result: list, target: dict, expr: str) -> list[Series]:
    out = []
    for item in result:
        labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
        points = item.get("values") or ([item["value"]] if item.get("value") else [])
        out.append(Series(series_name(labels, str(target.get("legendFormat") or ""), expr),
                          tuple(sorted(labels.items())), tuple(float(p[0]) for p in points),
                          tuple(_float(p[1]) for p in points), str(target.get("refId") or "")))
    return out


def _logs(result: list) -> list[LogLine]:
    out = []
    for stream in result:
        labels = tuple(sorted((str(k), str(v)) for k, v in (stream.get("stream") or {}).items()))
        out.extend(LogLine(int(ts) / 1e9, str(line), labels) for ts, line in stream.get("values") or [])
    return out


def run_query(runner: panels.Runner, kind: str, target: dict, expr: str, win: timerange.Window
              ) -> tuple[list[Series], list[LogLine]]:
    """One target's result over the window (raises http.HTTPError with the server's error)."""
    if kind == "loki":
        if not runner.loki:
            raise http.HTTPError("loki", 0, "the stack runs no log store")
        data = http.get(runner.loki + "/loki/api/v1/query_range", {
            "query": expr, "start": str(int(win.start * 1e9)), "end": str(int(win.end * 1e9)),
            "step": f"{win.step:g}", "limit": str(LOG_LINES), "direction": "backward"})["data"]
        if data.get("resultType") == "streams":
            return [], _logs(data.get("result") or [])
        return _series(data.get("result") or [], target, expr), []
    if target.get("instant") and not target.get("range"):
        result = http.get(runner.ctx.prom + "/api/v1/query", {"query": expr, "time": f"{win.end:.3f}"})["data"]
        return _series(result.get("result") or [], target, expr), []
    result = http.get(runner.ctx.prom + "/api/v1/query_range", {
        "query": expr, "start": f"{win.start:.3f}", "end": f"{win.end:.3f}", "step": f"{win.step:g}"})["data"]
    return _series(result.get("result") or [], target, expr), []


def _panel(runner: panels.Runner, queries, win: timerange.Window) -> PanelData:
    series: list[Series] = []
    logs: list[LogLine] = []
    for target, kind, expr in queries:
        try:
            got_series, got_logs = run_query(runner, kind, target, expr, win)
        except http.HTTPError as exc:
            return PanelData(error=f"{kind} query failed: {(exc.body or str(exc))[:300]}",
                             queries=tuple(e for _, _, e in queries))
        series.extend(got_series)
        logs.extend(got_logs)
    return PanelData(tuple(series), tuple(logs), queries=tuple(e for _, _, e in queries))


def compressed(ctx: Context) -> bool:
    """The ci profile compresses time: its preview spans the time the stack has run."""
    return ctx.stack_profile().time_scale > 1


def fetch(ctx: Context, now: float | None = None, workers: int = 8) -> list[BoardData]:
    """Every generated dashboard with its window and the data of each panel that has queries."""
    now = time.time() if now is None else now
    scrape = seconds(ctx.stack_profile().scrape_interval) or 15.0
    started = float(ctx.state.get("started_at") or now) if compressed(ctx) else None
    runner = panels.Runner(ctx)
    floor = seconds(grafana_vars.builtins(scrape)["__rate_interval"])  # the smoke check's own windows
    boards, jobs = [], []
    for board in panels.dashboards(ctx):
        win = timerange.window(board.get("time"), now, scrape, started_at=started)
        values = panels.board_variables(board, runner, timerange.widen(timerange.variables(win, scrape), floor))
        data: dict = {}
        boards.append(BoardData(board, win, data))
        for panel in panels.panels(board):
            queries = panels.panel_queries(panel, values)
            if queries and panel.get("id") is not None:
                jobs.append((data, panel["id"], queries, win))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(lambda job: _panel(runner, job[2], job[3]), jobs)
        for (data, pid, _, _), result in zip(jobs, results):
            data[pid] = result
    return boards
