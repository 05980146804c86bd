"""History Prometheus cannot collect live in time: written as TSDB blocks with promtool before it starts.

`predict_linear(x[30m], 3600)` needs 30 minutes of a declining series. Blocks may not reach past the
moment Prometheus starts (its head would then refuse every live sample as out of bounds), so the
history ends at start-up; the alert then holds while the rule's window still covers that history.
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..generate.durations import seconds


@dataclass(frozen=True)
class Backfill:
    """A linear series ending at `end_value` at start-up, changing by `slope` per second before it."""

    alert: str
    metric: str
    labels: dict = field(default_factory=dict)
    end_value: float = 0.0
    slope: float = 0.0
    history: str = "30m"


# Alerts whose scenario is history, not a fault. The budget falls 10 tokens/s and ends at 6000:
# above zero, yet projected below zero within the hour (6000 - 10*3600 < 0), for the whole 30 minutes.
BACKFILLS = (
    Backfill("TokenBudgetDepletionPredicted", "hypertool_persona_token_budget_remaining",
             {"job": "hypertool", "instance": "backfill", "persona": "tester"}, end_value=6000.0, slope=-10.0),
)


def for_project(project) -> tuple[Backfill, ...]:
    names = {a.name for a in project.alerts}
    return tuple(b for b in BACKFILLS if b.alert in names)


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


def write_blocks(promtool: str, fills, data_dir: Path, step: float, work: Path) -> dict:
    """Create the blocks in Prometheus' data dir; returns evidence (series, samples, end time)."""
    end = int(time.time()) - 1
    work.mkdir(parents=True, exist_ok=True)
    src = work / "backfill.om"
    text = openmetrics(fills, end, step)
    src.write_text(text)
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(src), str(data_dir)],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"promtool tsdb create-blocks-from openmetrics failed: {proc.stderr.strip()[-400:]}")
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    return {"end": end, "step": step, "samples": samples, "alerts": [b.alert for b in fills],
            "series": [{"metric": b.metric, "labels": b.labels} for b in fills]}
