"""`scripts/bench.py scale`: generate and validate at 1x, 2x, 4x and 16x the kube-prometheus size, cold,
warm-unchanged and one-rule-changed, as one table of seconds and ratios measured in one run.

kube-prometheus (its jsonnet build): 33 dashboards, 340 panels, 139 alerts, 95 recording rules; the synthetic
project of scale n has 34n dashboards x 10 panels, 139n tested alerts and 95n recording rules.
- cold: no cache (.cache/obsgate deleted; generate also without generated/);
- warm: the same command again, nothing changed;
- changed: one alert's threshold changed in its source, then the command (validate after a generate).
obsgate's own share of validate: one in-process run without the cache (bench.split_seconds): the CPU
seconds of obsgate's process over those of the tools it ran (promtool and amtool; CPU, because the checks
run tools concurrently and their wall times overlap). Each figure is the best of two runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from synth import write_project

ROOT = Path(__file__).resolve().parent.parent
OBSGATE = [sys.executable, "-m", "obsgate.cli"]
KUBE_PROMETHEUS = dict(dashboards=34, panels=10, alerts=139, recordings=95)
SCALES = tuple(int(s) for s in os.environ.get("OBSGATE_BENCH_SCALES", "1,2,4,16").split(","))


def _wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bench: `{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def _change_one_rule(root: Path) -> None:
    """One byte of one alert: its threshold 10 <-> 11 (both keep its tests passing)."""
    path = root / "rules_src" / "synth_0.py"
    text = path.read_text()
    a, b = "} > 10', ", "} > 11', "
    path.write_text(text.replace(a, b, 1) if a in text else text.replace(b, a, 1))


def _three(root: Path, cmd: list[str], cold_prep, changed_prep) -> tuple[float, float, float]:
    cold, warm, changed = [], [], []
    for _ in range(2):
        cold_prep()
        cold.append(_wall(cmd))
        warm.append(_wall(cmd))
        changed_prep()
        changed.append(_wall(cmd))
    return min(cold), min(warm), min(changed)


def _cpu_split(split_seconds, root: Path) -> tuple[float, float]:
    """(obsgate's own CPU seconds, its tools' CPU seconds) of one in-process validate."""
    import resource

    self0, kids0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    split_seconds(root)
    self1, kids1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = lambda a, b: (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)  # noqa: E731
    return cpu(self0, self1), cpu(kids0, kids1)


def bench_scale(work: Path, split_seconds) -> None:
    os.environ["PATH"] = f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.pop("OBSGATE_NO_CACHE", None)
    rows = []
    for n in SCALES:
        spec = {k: v * n if k != "panels" else v for k, v in KUBE_PROMETHEUS.items()}
        root = work / f"scale{n}"
        if not (root / "catalog").is_dir():
            write_project(root, **spec)
        gen = [*OBSGATE, "--root", str(root), "generate"]
        val = [*OBSGATE, "--root", str(root), "validate", "--format", "json"]

        def fresh(with_output: bool) -> None:
            shutil.rmtree(root / ".cache", ignore_errors=True)
            if not with_output:
                shutil.rmtree(root / "generated", ignore_errors=True)

        g = _three(root, gen, lambda: fresh(False), lambda: _change_one_rule(root))
        v = _three(root, val, lambda: (fresh(True), _wall(gen)),
                   lambda: (_change_one_rule(root), _wall(gen)))
        saved = dict(os.environ)
        os.environ["OBSGATE_NO_CACHE"] = "1"
        try:
            own, prom = _cpu_split(split_seconds, root)  # sets OBSGATE_PROMTOOL_JOBS=1: undone after
        finally:
            os.environ.clear()
            os.environ.update(saved)
        rows.append((n, spec, g, v, prom, own))
    g1, v1 = rows[0][2][0], rows[0][3][0]
    print("scale  dashboards panels alerts records | generate cold  warm  changed (x 1x cold) | "
          "validate cold   warm  changed (x 1x cold) | CPU: tools  own  own/tools")
    for n, spec, g, v, prom, own in rows:
        print(f"{n:>4}x  {spec['dashboards']:>10} {spec['dashboards'] * spec['panels']:>6} {spec['alerts']:>6} "
              f"{spec['recordings']:>7} | {g[0]:8.2f} s {g[1]:5.2f} {g[2]:6.2f}   ({g[0] / g1:5.2f}x) | "
              f"{v[0]:8.2f} s {v[1]:6.2f} {v[2]:6.2f}   ({v[0] / v1:5.2f}x) | {prom:6.2f} s {own:5.2f}  "
              f"{own / prom if prom else float('nan'):5.2f}")
    print("ratios  warm/cold and changed/cold (generate; validate):")
    for n, _, g, v, _, _ in rows:
        print(f"{n:>4}x  generate {g[1] / g[0]:.2f} {g[2] / g[0]:.2f}; validate {v[1] / v[0]:.2f} {v[2] / v[0]:.2f}")
