#!/usr/bin/env python3
"""`make bench`: wall times of obsgate's commands on the repo and on synthetic projects of two sizes.

A benchmark, not a test: it prints figures (best of N runs) and the growth ratio between sizes.
Each section is a function in SECTIONS; run one with `scripts/bench.py generate`.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_project  # noqa: E402

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


SECTIONS = {"generate": bench_generate}


def main(argv: list[str]) -> int:
    wanted = argv[1:] or list(SECTIONS)
    WORK.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
