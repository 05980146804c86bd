"""Every query of every generated dashboard panel runs on the live server and returns >= 1 series.

One case per panel; the dashboards are rendered in memory by the same generator as generated/.
"""
from __future__ import annotations

import time

from ..generate import generate
from ..analysis.durations import seconds
from ..analysis.recorded import history_needed as _history_needed
from ..analysis.rewrite import expr_for
from ..generate.target import Target
from .base import Case, Context, SKIPPED
from . import grafana_vars, http

FAMILY = "panels"
CHECK_ID = "smoke/panels"
WAIT = 45.0  # how long a panel may take to show data once the history it needs exists; runs beside the scenarios


def dashboards(ctx: Context) -> list[dict]:
    target = Target(profile=ctx.stack_profile(), runtime="native")
    docs = generate(ctx.project, target, families=("grafana",))
    return [doc for path, doc in sorted(docs.items()) if path.endswith(".json") and isinstance(doc, dict)
            and "panels" in doc]


def panels(board: dict):
    """Panels in display order, rows' nested panels included."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", []) or []


def _kind(panel: dict, target: dict) -> str:
    ds = target.get("datasource") or panel.get("datasource") or {}
    kind = ds.get("type", "") if isinstance(ds, dict) else ""
    return "loki" if kind == "loki" else "prometheus"


def board_variables(board: dict, runner: "Runner", builtin: dict[str, str]) -> dict[str, str]:
    """Values for a board's queries: Grafana's built-in intervals and the board's template variables."""
    return {**builtin, **grafana_vars.resolve(board.get("templating", {}).get("list", []), runner.label_values)}


def panel_queries(panel: dict, values: dict[str, str]) -> list[tuple[dict, str, str]]:
    """(target, kind, expanded query) for each query of the panel, as its datasource would run it
    (the smoke check and `obsgate preview` both build them here)."""
    return [(t, _kind(panel, t), grafana_vars.expand(t["expr"], values))
            for t in panel.get("targets", []) or [] if t.get("expr")]


class Runner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.loki = ctx.url("loki") if ctx.has("loki") else ""

    def label_values(self, label: str, match: str) -> list[str]:
        params = {"match[]": match} if match else None
        try:
            return http.get(self.ctx.prom + f"/api/v1/label/{label}/values", params)["data"]
        except http.HTTPError:
            return []

    def run(self, kind: str, expr: str) -> int:
        """Number of series returned (raises http.HTTPError with the server's error)."""
        if kind == "loki":
            now = time.time_ns()
            data = http.get(self.loki + "/loki/api/v1/query_range",
                            {"query": expr, "start": str(now - 300 * 10**9), "end": str(now), "limit": "100",
                             "step": "5s"})
            return len(data["data"]["result"])
        return len(self.ctx.promql(expr))


def history_needed(ctx: Context, expr: str, target: Target) -> float:
    """Seconds of history a PromQL query needs before it returns anything (its longest offset), through the
    recording rules it reads as rendered for this profile: `offset 40m` shows nothing in a stack up for a minute."""
    return _history_needed(expr, ctx.project.recorded, lambda r: expr_for(r, target.profile))


def check(ctx: Context) -> list[Case]:
    runner = Runner(ctx)
    scrape = seconds(ctx.stack_profile().scrape_interval) or 15.0
    builtin = grafana_vars.builtins(scrape)
    board_src = {b.uid: b for b in ctx.project.boards}
    target = Target(profile=ctx.stack_profile(), runtime="native")
    uptime = time.time() - float(ctx.state.get("started_at") or time.time())
    work: list[tuple[Case, list[tuple[str, str]], float]] = []  # (case, queries, seconds of history needed)
    for board in dashboards(ctx):
        uid = board.get("uid", "")
        src = board_src.get(uid)
        values = board_variables(board, runner, builtin)
        for panel in panels(board):
            queries = [(kind, expr) for _, kind, expr in panel_queries(panel, values)]
            if not queries:
                continue
            case = Case(FAMILY, f"{uid} / {panel.get('title') or panel.get('id')}",
                        path=src.path if src else "", line=src.line if src else 0)
            sup = next((s for s in (src.suppress.get(panel.get("title"), ()) if src else ()) if s.check == CHECK_ID), None)
            if sup:
                work.append((case.skip(f"suppressed: {sup.reason}"), [], 0.0))
                continue
            need = max((history_needed(ctx, e, target) for k, e in queries if k == "prometheus"), default=0.0)
            if need > uptime + WAIT:
                work.append((case.skip(f"needs about {need:.0f}s of history (offsets, recording rules "
                                       f"included) under profile `{ctx.profile}`; the stack has run {uptime:.0f}s"),
                             [], 0.0))
                continue
            work.append((case, queries, need))
    t0 = time.monotonic()
    # each panel gets WAIT seconds from the moment the history it needs exists (a 40 s chain of offsets in a
    # stack up for 10 s first waits 30 s), so a loaded machine's rule-evaluation lag is not a missing series
    pending = [(c, q, t0 + WAIT + max(0.0, need - uptime)) for c, q, need in work if c.status != SKIPPED]
    while pending:
        still = []
        for case, queries, deadline in pending:
            started = time.monotonic()
            counts, error = [], ""
            for kind, expr in queries:
                try:
                    counts.append(runner.run(kind, expr))
                except http.HTTPError as exc:
                    error = f"{kind} query failed: {exc.body[:300] or exc}"
                    break
            case.seconds += time.monotonic() - started
            case.query = " ; ".join(expr for _, expr in queries)
            case.value = ", ".join(f"{n} series" for n in counts)
            if error:
                case.fail(error, hint="run the query in Prometheus/Loki; check metric names against the catalog")
            elif any(n == 0 for n in counts):
                if time.monotonic() < deadline:
                    still.append((case, queries, deadline))
                    continue
                case.fail(f"no series after {deadline - t0:.0f}s for: "
                          + "; ".join(e for (k, e), n in zip(queries, case.value.split(", ")) if n.startswith("0 ")),
                          hint="the simulators must export this series; or suppress it with a reason "
                               f"(Suppress(\"{CHECK_ID}\", ...))")
        if not still:
            break
        pending = still
        time.sleep(1.0)
    return [c for c, _, _ in work]
