#!/usr/bin/env python3
"""`make bench`: wall times of obsgate's commands on the repo and on synthetic projects of two sizes.

A benchmark, not a test: it prints figures (best of N runs) and the growth ratio between sizes.
Each section is a function in SECTIONS; run one with `scripts/bench.py generate`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_project  # noqa: E402
from bench_loki import bench_loki  # noqa: E402
from bench_scale import bench_scale  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OBSGATE = [sys.executable, "-m", "obsgate.cli"]
SIZES = {"half": dict(dashboards=100, panels=12, alerts=2500), "full": dict(dashboards=200, panels=12, alerts=5000)}
WORK = Path(tempfile.gettempdir()) / "obsgate-bench"


def timed(cmd: list[str], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(f"bench: `{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        best = min(best, elapsed)
    return best


def synthetic(size: str) -> Path:
    dest = WORK / size
    if not (dest / "catalog").is_dir():
        write_project(dest, **SIZES[size])
    return dest


def bench_generate() -> None:
    repo = timed([*OBSGATE, "--root", str(ROOT), "generate", "--check"])
    print(f"generate  repo content                          {repo:7.2f} s   (target < 1 s)")
    times = {}
    for size, spec in SIZES.items():
        root = synthetic(size)
        shutil.rmtree(root / "generated", ignore_errors=True)
        cmd = [*OBSGATE, "--root", str(root), "generate"]
        times[size] = timed(cmd, runs=1)  # cold: every file written
        warm = timed(cmd, runs=1)  # nothing changed: nothing written
        print(f"generate  synthetic {size:4} ({spec['dashboards']} dashboards x {spec['panels']} panels, "
              f"{spec['alerts']} alerts) {times[size]:7.2f} s cold, {warm:6.2f} s unchanged")
    print(f"generate  growth full/half: {times['full'] / times['half']:.2f}x for 2x the content "
          f"(linear = 2.0; target full < 20 s)")


# validate's synthetic project is smaller than generate's: promtool's unit tests evaluate every rule of a
# group file once per test group, so promtool's own time grows with rules x tests (about 24 s per group of
# 100 alerts with 200 tests here; the `half` project would spend ~10 minutes in promtool alone).
VALIDATE_SIZE = SIZES["full"]  # the synthetic project of the foundation issue


def split_seconds(root: Path) -> tuple[dict[str, float], float]:
    """One in-process validate run, checks one after another: each external tool's own time, and the rest.

    The rest (loading, rendering, parsing, every pure check) is obsgate's own time. The CLI runs the same
    checks on a thread pool, so its wall time is shorter than tools + own.
    """
    sys.path.insert(0, str(ROOT))
    os.environ["OBSGATE_PROMTOOL_JOBS"] = "1"  # tools one after another, so tools + own = total exactly
    from obsgate import render
    from obsgate.commands.generate import produce
    from obsgate.validate import context
    from obsgate.validate.registry import CHECKS

    started = time.perf_counter()
    project, outputs = produce(root)
    with tempfile.TemporaryDirectory(prefix="obsgate-bench-") as tmp:
        render.write_tree(Path(tmp), outputs)
        ctx = context.for_project(root, project, outputs, Path(tmp))
        for check in CHECKS:
            check.run(ctx)
    total = time.perf_counter() - started
    tools: dict[str, float] = {}
    for tool, seconds in ctx.timings:
        tools[tool] = tools.get(tool, 0.0) + seconds
    return tools, total - sum(tools.values())


def bench_validate() -> None:
    # a synthetic project has no .tools/ of its own: let it find this checkout's pinned tools on PATH
    os.environ["PATH"] = f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    dest = WORK / "validate"
    if not (dest / "catalog").is_dir():
        write_project(dest, **VALIDATE_SIZE)
        subprocess.run([*OBSGATE, "--root", str(dest), "generate"], capture_output=True, check=True)
    spec = VALIDATE_SIZE
    for label, root, runs in (("repo content", ROOT, 3),
                              (f"synthetic ({spec['dashboards']} dashboards x {spec['panels']} panels, "
                               f"{spec['alerts']} alerts)", dest, 1)):
        wall = timed([*OBSGATE, "--root", str(root), "validate", "--format", "json"], runs)
        tools, own = split_seconds(root)
        prom = tools.get("promtool", 0.0)
        others = ", ".join(f"{t} {s:.2f} s" for t, s in sorted(tools.items()) if t != "promtool")
        target = "   (target < 5 s)" if root == ROOT else ""
        print(f"validate  {label:48} {wall:7.2f} s wall{target}")
        print(f"          promtool's own time {prom:.2f} s (check config + check rules + test rules); {others}")
        print(f"          obsgate's own time  {own:.2f} s = {100 * own / prom:.0f}% on top of promtool "
              f"(target <= 100%)")


EXTERNAL_RULES = 20_000


def large_rule_file(path: Path, rules: int = EXTERNAL_RULES) -> None:
    """A rule file as big ones are: 100-rule groups, alerts with annotations and recording rules alternating."""
    lines = ["groups:"]
    for g in range(rules // 100):
        lines += [f"- name: service_{g}", "  rules:"]
        for r in range(100):
            if r % 2:
                lines += [f"  - alert: HighErrorRate{g}x{r}",
                          f'    expr: sum by (job) (rate(http_requests_total{{job="svc{g}",code=~"5.."}}[5m])) / sum by '
                          f'(job) (rate(http_requests_total{{job="svc{g}"}}[5m])) > 0.0{r % 9 + 1}',
                          "    for: 10m", "    labels:", "      severity: warning", "    annotations:",
                          f"      summary: Errors on svc{g}", "      description: More than a few percent of requests fail.",
                          f"      runbook_url: https://runbooks.example/HighErrorRate{g}.md"]
            else:
                lines += [f"  - record: job:http_request_duration_seconds_bucket:rate5m_{g}_{r}",
                          f'    expr: sum by (job, le) (rate(http_request_duration_seconds_bucket{{job="svc{g}"}}[5m]))']
    path.write_text("\n".join(lines) + "\n")


def _run_cpu(cmd: list[str], json_out: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one run; with `json_out` its output
    must be a JSON report (a traceback also exits 1)."""
    import json
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        ok = proc.returncode in (0, 1) and (not json_out or isinstance(json.loads(proc.stdout), list))
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"bench: `{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_external(pairs: int = 5) -> None:
    """`obsgate validate --no-project` on one 20,000-rule file against `promtool check rules` on it (target <= 2x).

    The two run alternately, `pairs` times, so that both see the same machine load; the median of the
    wall-time ratios is the figure, with the CPU seconds beside it (obsgate's include the promtool it runs).
    """
    import statistics

    path = WORK / "external" / "rules20k.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        large_rule_file(path)
    promtool = ROOT / ".tools" / "bin" / "promtool"
    os.environ["PATH"] = f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    tool, ours = [], []
    for _ in range(pairs):
        tool.append(_run_cpu([str(promtool), "check", "rules", str(path)]))
        ours.append(_run_cpu([*OBSGATE, "validate", "--no-project", "--format", "json", str(path)], json_out=True))
    ratio = statistics.median(o[0] / t[0] for o, t in zip(ours, tool))
    cpu = statistics.median(o[1] / t[1] for o, t in zip(ours, tool))
    print(f"validate  one {EXTERNAL_RULES:,}-rule file, external mode   {statistics.median(o[0] for o in ours):7.2f} s "
          f"wall; promtool check rules {statistics.median(t[0] for t in tool):.2f} s; ratio {ratio:.2f}x wall "
          f"(target <= 2x), {cpu:.2f}x CPU (median of {pairs} alternating pairs)")


SECTIONS = {"generate": bench_generate, "validate": bench_validate, "external": bench_external, "loki": bench_loki,
            "scale": lambda: bench_scale(WORK, split_seconds)}


def main(argv: list[str]) -> int:
    wanted = argv[1:] or list(SECTIONS)
    WORK.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
