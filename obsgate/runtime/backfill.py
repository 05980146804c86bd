"""History Prometheus cannot collect live in time: written as TSDB blocks with promtool before it starts.

Two kinds. A linear fill is the scenario itself: `predict_linear(x[30m], 3600)` needs 30 minutes of a
declining series. A baseline history fills the long windows of an alert whose scenario is a fault: the
simulator engine (same catalog baselines, same noise) is run offline over the window, so when the fault
starts, `rate(x[6h])` compares it with six (compressed) hours of normal traffic, as in production.
Blocks may not reach past the moment Prometheus starts (its head would then refuse every live sample as
out of bounds), so all history ends at start-up.
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.durations import seconds
from ..analysis.recorded import rule_windows
from ..model.catalog import MetricType

# Windows up to this long fill with live data while the gate runs; longer raw windows get baseline history.
LIVE_FILL = 60.0


@dataclass(frozen=True)
class Backfill:
    """A linear series ending at `end_value` at start-up, changing by `slope` per second before it."""

    alert: str
    metric: str
    labels: dict = field(default_factory=dict)
    end_value: float = 0.0
    slope: float = 0.0
    history: str = "30m"


def for_project(project) -> tuple[Backfill, ...]:
    """The linear fills of the alerts that declare a `History` (their scenario is history, not a fault)."""
    fills = []
    for rule in project.alerts:
        hist = getattr(rule, "history", None)
        if hist is None:
            continue
        metric = project.metric(hist.metric)
        labels = {"job": metric.job if metric else "", "instance": "backfill", **hist.labels}
        fills.append(Backfill(rule.name, hist.metric, labels, hist.end_value, hist.slope, hist.span))
    return tuple(fills)


def openmetrics(fills, end: int, step: float, mtype: str = "gauge") -> str:
    """OpenMetrics text with one sample per `step` seconds over each backfill's history, ending at `end`."""
    lines: list[str] = []
    for metric in sorted({b.metric for b in fills}):
        lines.append(f"# TYPE {metric} {mtype}")
        for b in (b for b in fills if b.metric == metric):
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(b.labels.items()))
            span = seconds(b.history)
            n = int(span // step)
            for i in range(n, -1, -1):
                t = end - i * step
                lines.append(f"{metric}{{{labels}}} {b.end_value - b.slope * i * step:g} {t:.3f}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class History:
    """Baseline history of the raw metrics an alert reads through windows longer than LIVE_FILL."""

    alert: str
    service: str  # the scenario's simulator
    metrics: tuple[str, ...]
    span: float  # seconds, under the target's profile (compressed)
    recorded: tuple[str, ...] = ()  # recorded series read over long windows: raw history cannot fill them


def histories(project, target) -> tuple[History, ...]:
    """A baseline history for every alert whose scenario fault reads a raw window the gate cannot fill live."""
    services = {s.name: s for s in project.stack.services}
    out = []
    for rule in project.alerts:
        sc = rule.scenario
        svc = services.get(sc.target) if sc else None
        if svc is None or not svc.job or sc.metrics_down:
            continue
        raw, rec = rule_windows(rule, project.recorded, target.profile)
        catalog = {m.name for m in project.metrics if m.job == svc.job}
        own = {m: w for m, w in raw.items() if _family(m, catalog)}
        span = max(own.values(), default=0.0)
        if span <= LIVE_FILL:
            continue
        out.append(History(rule.name, svc.name, tuple(sorted({_family(m, catalog) for m in own})), span,
                           tuple(sorted(n for n, w in rec.items() if w > LIVE_FILL))))
    return tuple(out)


def _family(name: str, catalog: set[str]) -> str:
    """The catalog metric a sample name belongs to (`x_bucket` -> `x`), or ""."""
    if name in catalog:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in catalog:
            return name[: -len(suffix)]
    return ""


def baseline_lines(project, hists, target, end: int, step: float) -> dict[str, list[str]]:
    """{sample name: OpenMetrics lines}: each simulator's baseline over the longest span asked of it,
    one scrape per `step`, labelled as Prometheus labels the live scrape (job, instance, service)."""
    from ..sim.telemetry import build_engine, default_seed

    by_service: dict[str, tuple[float, set[str]]] = {}
    for h in hists:
        span, names = by_service.get(h.service, (0.0, set()))
        by_service[h.service] = (max(span, h.span), names | set(h.metrics))
    out: dict[str, dict[tuple, list[str]]] = {}
    for service, (span, names) in sorted(by_service.items()):
        svc = project.stack.service(service)
        engine = build_engine(project, svc.job, service, default_seed(svc.job))
        engine.clear_all()
        scrape = {"job": svc.job, "instance": target.addr(project.stack, service), "service": service}
        n = int(span // step) + 1
        for i in range(n, -1, -1):
            t = end - i * step
            engine.advance(step)
            for metric, samples in engine.snapshot():
                if metric.name in names:
                    _emit(out, metric, samples, scrape, t)
    return {name: [line for lines in series.values() for line in lines] for name, series in sorted(out.items())}


def _emit(out, metric, samples, scrape: dict, t: float) -> None:
    def line(name: str, labels: dict, value: float) -> None:
        text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        out.setdefault(name, {}).setdefault(text, []).append(f"{name}{{{text}}} {value!r} {t:.3f}")

    for s in samples:
        labels = {**dict(s.labels), **scrape}
        if metric.type is MetricType.COUNTER:
            line(metric.name, labels, s.value)
        elif metric.type is MetricType.GAUGE:
            line(metric.name, labels, t - s.value if metric.unit == "timestamp_seconds" else s.value)
        else:
            for le, count in s.buckets:
                line(metric.name + "_bucket", {**labels, "le": "+Inf" if le == float("inf") else repr(float(le))},
                     count)
            line(metric.name + "_sum", labels, s.sum)
            line(metric.name + "_count", labels, s.count)


def write_blocks(promtool: str, fills, data_dir: Path, step: float, work: Path, baseline=None) -> dict:
    """Create the blocks in Prometheus' data dir; returns evidence (series, samples, end time).

    `baseline(end)` gives more families ({sample name: lines}) ending at the same moment."""
    end = int(time.time()) - 1
    work.mkdir(parents=True, exist_ok=True)
    src = work / "backfill.om"
    text = openmetrics(fills, end, step)
    if baseline is not None:
        extra = baseline(end)
        body = [f"# TYPE {name} gauge\n" + "\n".join(lines) for name, lines in extra.items()]
        text = text[: -len("# EOF\n")] + "".join(b + "\n" for b in body) + "# EOF\n"
    src.write_text(text)
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(src), str(data_dir)],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"promtool tsdb create-blocks-from openmetrics failed: {proc.stderr.strip()[-400:]}")
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    return {"end": end, "step": step, "samples": samples, "alerts": [b.alert for b in fills],
            "series": [{"metric": b.metric, "labels": b.labels} for b in fills]}


def history_evidence(hists) -> dict:
    """What the smoke needs per alert: the span of baseline history it has (seconds) and its metrics."""
    return {h.alert: {"span": h.span, "metrics": list(h.metrics), "recorded": list(h.recorded)} for h in hists}


def prepare(project, target, profile: str, promtool: str, data_dir: Path, work: Path) -> dict:
    """Blocks for the linear fills and baseline histories in `data_dir`: the evidence the smoke reads,
    {} when the project needs none, or {"skipped": why}. Either runtime calls it before Prometheus starts."""
    fills = for_project(project)
    hists = histories(project, target)
    if not fills and not hists:
        return {}
    if not promtool:
        return {"skipped": "promtool is not installed (run `make tools`)"}
    step = seconds(project.stack.profile(profile).scrape_interval) or 15.0
    try:
        done = write_blocks(promtool, fills, data_dir, step, work,
                            baseline=lambda end: baseline_lines(project, hists, target, end, step))
    except (RuntimeError, OSError) as exc:
        return {"skipped": str(exc)}
    return {**done, "history": history_evidence(hists)}
