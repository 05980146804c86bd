"""generated/docs/metrics.md: the catalog as a reference, with which alerts and dashboards use each metric."""
from __future__ import annotations

from ..project import Project
from ..promql import PromQLError, metric_names, substitute_grafana
from .target import Target


def dashboard_queries(produced: dict[str, object]) -> dict[str, list[str]]:
    """uid -> the PromQL/LogQL of every panel target, read from the grafana family's normalized output."""
    out: dict[str, list[str]] = {}
    for path, doc in produced.items():
        if path.startswith("generated/grafana/dashboards/") and isinstance(doc, dict):
            queries = out.setdefault(doc.get("uid", path), [])
            for panel in doc.get("panels", []):
                for inner in [panel] + list(panel.get("panels", [])):
                    queries += [t["expr"] for t in inner.get("targets", []) if t.get("expr")]
    return out


def usage(project: Project, produced: dict[str, object]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Metric name -> alerts using it, and metric name -> dashboards using it."""
    by_series = {s: m.name for m in project.metrics for s in m.series_names}
    recorded = {r.record: r.expr for g in project.groups for r in g.recordings}

    def resolve(expr: str, seen: frozenset = frozenset()) -> set[str]:
        try:
            names = metric_names(expr)
        except PromQLError:
            return set()
        out = set()
        for n in names:
            if n in by_series:
                out.add(by_series[n])
            elif n in recorded and n not in seen:
                out |= resolve(recorded[n], seen | {n})
        return out

    alerts: dict[str, set[str]] = {m.name: set() for m in project.metrics}
    boards: dict[str, set[str]] = {m.name: set() for m in project.metrics}
    for g in project.groups:
        for a in g.alerts:
            for m in resolve(a.expr):
                alerts[m].add(a.name)
    for uid, queries in dashboard_queries(produced).items():
        for q in queries:
            for m in resolve(substitute_grafana(q)):
                boards[m].add(uid)
    return alerts, boards


def render(project: Project, produced: dict[str, object]) -> str:
    alerts, boards = usage(project, produced)
    lines = ["# Metrics reference", "",
             f"{len(project.metrics)} metrics declared in `catalog/`. Types, units and labels are checked when "
             "declared; the alerts and dashboards columns are computed from the rule and panel queries.", ""]
    jobs = sorted({m.job for m in project.metrics})
    for job in jobs:
        lines += [f"## job `{job}`", "", "| metric | type | unit | labels | help | alerts | dashboards |",
                  "|---|---|---|---|---|---|---|"]
        for m in (m for m in project.metrics if m.job == job):
            labels = "<br>".join(
                f"`{l.name}`: " + (", ".join(f"`{v}`" for v in l.values) if l.values else f"≤ {l.bound} values")
                for l in m.labels) or "—"
            lines.append(
                f"| `{m.name}` | {m.type.value} | {m.unit or '—'} | {labels} | {m.help} | "
                + (", ".join(f"[{a}](../runbooks/{a}.md)" for a in sorted(alerts[m.name])) or "—") + " | "
                + (", ".join(f"`{b}`" for b in sorted(boards[m.name])) or "—") + " |")
        lines.append("")
    differs = [a for a in project.alerts if getattr(a, "deviation", "")]
    if differs:
        lines += ["## Values that differ from the specifications", "",
                  "Where an alert keeps a value other than its monitored system's specification, the definition says "
                  "why (`deviation=`); the same reason is in its runbook.", "",
                  "| alert | component | severity | why it differs |", "|---|---|---|---|"]
        lines += [f"| [{a.name}](../runbooks/{a.name}.md) | {a.component or '—'} | {a.severity} | {a.deviation} |"
                  for a in sorted(differs, key=lambda a: a.name)]
        lines.append("")
    if project.log_streams:
        lines += ["## Log streams", "", "| stream | labels | fields | format |", "|---|---|---|---|"]
        for s in project.log_streams:
            labels = ", ".join(f"`{l.name}`" for l in s.labels)
            lines.append(f"| `{s.name}` | {labels} | {', '.join(f'`{f}`' for f in s.fields) or '—'} | {s.format} |")
        lines.append("")
    return "\n".join(lines)


def files(project: Project, target: Target, produced: dict[str, object]) -> dict[str, object]:
    if target.runtime != "docker":
        return {}
    return {"generated/docs/metrics.md": render(project, produced)}
