"""Write a synthetic obsgate project of a given size, for `make bench` (growth, not content)."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK_SRC = ROOT / "tests" / "fixtures" / "project" / "stacks"


def write_project(dest: Path, dashboards: int, panels: int, alerts: int, recordings: int = 0) -> Path:
    """`dashboards` x `panels`, `alerts` tested alerts in 10-rule groups, `recordings` recording rules in
    10-rule groups of their own (every metric's job is the fixture stack's `shop`: load refuses a job no
    service scrapes)."""
    if dest.exists():
        shutil.rmtree(dest)
    for sub in ("catalog", "rules_src", "dashboards_src"):
        (dest / sub).mkdir(parents=True)
    shutil.copytree(STACK_SRC, dest / "stacks")
    metrics = max(alerts // 10, panels)
    lines = ["from obsgate import Metric", ""]
    for i in range(metrics):
        job = "shop"
        if i % 3 == 0:
            lines.append(f'M{i} = Metric("synth_requests_{i}_total", "counter", help="requests {i}", job="{job}", '
                         f'labels={{"status": ["ok", "error"], "route": ["a", "b", "c"]}})')
        elif i % 3 == 1:
            lines.append(f'M{i} = Metric("synth_queue_{i}", "gauge", help="queue {i}", job="{job}", '
                         f'labels={{"route": ["a", "b", "c"]}})')
        else:
            lines.append(f'M{i} = Metric("synth_latency_{i}_seconds", "histogram", unit="seconds", help="lat {i}", '
                         f'job="{job}", labels={{"route": ["a", "b", "c"]}})')
    (dest / "catalog" / "synth.py").write_text("\n".join(lines) + "\n")

    per_group = 10  # a realistic group size; promtool evaluates every rule of a file for every test
    for g in range(0, alerts, per_group):
        body = [textwrap.dedent("""\
            from obsgate import AlertRule, Cause, RuleGroup, Runbook, TestCase

            RB = Runbook(impact="synthetic", causes=(Cause("c", "confirm", "fix"),), quick_fix="q",
                         long_term_fix="l", prevention="p")
            RULES = []
            """)]
        for a in range(g, min(g + per_group, alerts)):
            i = (a % metrics) // 3 * 3 + 1  # a gauge
            i = i if i < metrics else 1
            body.append(
                f'RULES.append(AlertRule(name="SynthQueueHigh{a}", expr=\'synth_queue_{i}{{route="a"}} > {a % 50 + 10}\', '
                f'for_="5m", severity="warning", summary="queue {a} high", description="synthetic alert {a}", runbook=RB, '
                f'tests=(TestCase("fires", series={{\'synth_queue_{i}{{route="a"}}\': "100x10"}}, at="10m", '
                f'alerts=({{"route": "a"}},)), TestCase("quiet", series={{\'synth_queue_{i}{{route="a"}}\': "1x10"}}, '
                f'at="10m"))))')
        body.append(f'GROUP = RuleGroup("synth_{g // per_group}", rules=tuple(RULES))')
        (dest / "rules_src" / f"synth_{g // per_group}.py").write_text("\n".join(body) + "\n")

    for g in range(0, recordings, per_group):
        body = ["from obsgate import RecordingRule, RuleGroup", "", "RULES = ("]
        for r in range(g, min(g + per_group, recordings)):
            i = (r % metrics) // 3 * 3  # a counter
            body.append(f'    RecordingRule("route:synth_requests_{i}:rate5m_{r}", '
                        f'\'sum by (route) (rate(synth_requests_{i}_total[5m]))\'),')
        body += [")", f'GROUP = RuleGroup("synth_rec_{g // per_group}", rules=RULES)']
        (dest / "rules_src" / f"synth_rec_{g // per_group}.py").write_text("\n".join(body) + "\n")

    for d in range(dashboards):
        body = ["from obsgate.dashboards import counter_panel, dashboard, gauge_panel, histogram_panel",
                "from catalog import synth as c", "", "PANELS = ["]
        for p in range(panels):
            i = (d * panels + p) % metrics
            helper = ("counter_panel", "gauge_panel", "histogram_panel")[i % 3]
            body.append(f"    {helper}(c.M{i}),")
        body += ["]", f'BOARD = dashboard(uid="synth-{d}", title="Synthetic {d}", panels=PANELS)']
        (dest / "dashboards_src" / f"synth_{d}.py").write_text("\n".join(body) + "\n")
    return dest
