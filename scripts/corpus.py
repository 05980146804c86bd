#!/usr/bin/env python3
"""Measure `obsgate validate` on a corpus of real-world files: files, errors, crashes, time; then plant bugs.

    scripts/corpus.py DIR [--plant]

DIR holds files assembled from public repositories; this script fetches nothing. Issue 13's corpus was
`git archive HEAD <dir>` of: samber/awesome-prometheus-alerts dist/rules, prometheus-operator/kube-prometheus
manifests, kubernetes-monitoring/kubernetes-mixin tests, prometheus/prometheus cmd/promtool/testdata and
documentation/examples, prometheus/alertmanager doc/examples, thanos-io/thanos examples/alerts and
examples/dashboards, dotdc/grafana-dashboards-kubernetes dashboards, rfmoz/grafana-dashboards prometheus.
The figures:
- files checked, wall time, exit code, and whether any traceback or FATAL appeared (a crash);
- ERRORs by the real tool (promtool/amtool: its verdict, never a false alarm), of policy checks
  (conventions, literal secrets), and of obsgate's own checks: on files the tool rejects, and
  elsewhere, where every error is a false-positive candidate to look at (the goal is 0);
- with --plant: a copy of DIR with one bug planted per family (a misspelt metric name: a recorded
  series used under a typo; a broken rule expression; a dashboard with a bad query), each of which
  must be caught.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from obsgate.validate.policy import CONVENTIONS  # noqa: E402

TOOL_CHECKS = {"prom/rules", "prom/config", "prom/rule-tests", "am/config"}
# Policy, not validity: the project's conventions, and no literal secret in a committed file.
POLICY = CONVENTIONS | {"secrets/literal", "compose/ports"}


def validate(target: Path) -> tuple[list[dict], float, int, str]:
    env = {**os.environ, "PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "obsgate.cli", "validate", "--no-project", "--format", "json",
                           str(target)], capture_output=True, text=True, env=env, cwd=target)
    elapsed = time.perf_counter() - started
    try:
        found = json.loads(proc.stdout)
    except json.JSONDecodeError:
        found = []
    return found, elapsed, proc.returncode, proc.stderr


def measure(target: Path) -> dict:
    found, elapsed, code, stderr = validate(target)
    files = int(stderr.rsplit("(", 1)[-1].split(" files")[0]) if " files, " in stderr else 0
    errors = [p for p in found if p["severity"] == "error"]
    by_tool = [p for p in errors if p["check"] in TOOL_CHECKS]  # the real tool's own verdict: never a false alarm
    rejected = {p["path"] for p in by_tool}
    policy = [p for p in errors if p["check"] in POLICY]
    ours = [p for p in errors if p["check"] not in TOOL_CHECKS | POLICY]
    expected = [p for p in ours if p["path"] in rejected]
    other = [p for p in ours if p["path"] not in rejected]
    return {"files": files, "seconds": round(elapsed, 2), "exit": code,
            "crashes": int("Traceback" in stderr) + sum(p["severity"] == "fatal" for p in found),
            "warnings": sum(p["severity"] == "warning" for p in found),
            "errors": len(errors), "errors_by_the_real_tool": len(by_tool), "files_the_tool_rejects": len(rejected),
            "errors_of_policy_checks": len(policy), "policy_by_check": dict(Counter(p["check"] for p in policy)),
            "errors_outside_policy_on_files_the_tool_rejects": len(expected),
            "errors_outside_policy_elsewhere": len(other),
            "elsewhere_by_check": dict(Counter(p["check"] for p in other)),
            "elsewhere": [f"{p['path']}:{p['line']} {p['message']} ({p['check']})" for p in other][:40]}


# --- planted bugs --------------------------------------------------------------------------------------

def _first(target: Path, pattern: str, needle: str) -> Path:
    for path in sorted(target.rglob(pattern)):
        if needle in path.read_text(errors="replace"):
            return path
    raise SystemExit(f"corpus: no {pattern} file containing {needle!r} to plant a bug in")


def plant(target: Path) -> list[tuple[str, Path, str]]:
    """One bug per family, each in a file of its own; returns (family, file, what must be reported)."""
    planted = []
    rules = target / "planted" / "typo.rules.yml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text("groups:\n- name: planted\n  rules:\n"
                     "  - record: job:http_requests:rate5m\n    expr: sum by (job) (rate(http_requests_total[5m]))\n"
                     "  - alert: HighErrorRate\n    expr: job:http_request:rate5m > 100\n    for: 5m\n"
                     "    labels: {severity: warning}\n"
                     "    annotations: {summary: Too many requests, description: More than 100 per second.}\n")
    planted.append(("metric-name typo (a recorded series misspelt)", rules, "xref/metric-exists"))
    src = _first(target, "*.yml", "expr:")
    broken = target / "planted" / ("broken-" + src.name)
    text = src.read_text()
    at = next(i for i in range(len(text)) if text.startswith("expr: ", i) and text[i + 6] not in "|>\n")
    start = at + 6 + (text[at + 6] in "'\"")  # inside the quotes, if any: the YAML stays valid
    broken.write_text(text[:start] + "sum(" + text[start:])  # an unclosed parenthesis
    planted.append(("broken expression", broken, "prom/rules"))
    dash_src = _first(target, "*.json", '"expr": "')
    dash = target / "planted" / ("badquery-" + dash_src.name)
    data = dash_src.read_text()
    i = data.index('"expr": "') + len('"expr": "')
    dash.write_text(data[:i] + "sum(" + data[i:])  # the first query loses its closing parenthesis
    planted.append(("dashboard with a bad query", dash, "promql/syntax"))
    return planted


def caught(target: Path, planted) -> list[dict]:
    found, _, _, _ = validate(target)
    out = []
    for family, path, check in planted:
        rel = path.relative_to(target).as_posix()
        hits = [p for p in found if p["path"].endswith(rel) and p["check"] == check and p["severity"] == "error"]
        out.append({"family": family, "file": rel, "check": check, "caught": bool(hits),
                    "message": hits[0]["message"] if hits else ""})
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--plant", action="store_true", help="also plant one bug per family in a copy and check each")
    args = parser.parse_args(argv)
    target = args.dir.resolve()
    result = measure(target)
    if args.plant:
        with tempfile.TemporaryDirectory(prefix="obsgate-corpus-") as tmp:
            copy = Path(tmp) / "corpus"
            shutil.copytree(target, copy)
            result["planted"] = caught(copy, plant(copy))
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0 if result["crashes"] == 0 and result["errors_outside_policy_elsewhere"] == 0 and all(
        p["caught"] for p in result.get("planted", [])) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
