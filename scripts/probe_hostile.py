"""Hostile-input probe: every family of issue 12 run through the real CLI, classified and timed.

    python scripts/probe_hostile.py [--json FILE] [--big]

Each probe runs `obsgate validate FILE` (bad files) or `obsgate generate` in a copy of the fixture
project (bad definitions) with a time limit, and is classified as: clean (exit 1 or 2, a message
naming the input, no traceback), traceback, crash (killed by a signal), hang (over the limit) or
data loss (a failing generate changed generated/). Peak memory (max RSS of obsgate and the tools it
waited for) comes from wait4's rusage. `--big` adds a 50 MB rule file (slow: promtool reads it too).
The regression tests for the same inputs are tests/unit/test_inputs.py and tests/unit/test_load_errors.py.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "project"
LIMIT = 60.0  # seconds before a probe counts as a hang
BIG_LIMIT = 400.0  # the valid 50 MB rule file: PyYAML and promtool read all of it


@dataclass
class Result:
    family: str
    probe: str
    outcome: str  # clean | traceback | crash | hang | data-loss | accepted
    exit: int | None
    seconds: float
    peak_mb: float
    message: str


def measure(cmd: list[str], cwd: Path, limit: float = LIMIT) -> tuple[int | None, str, float, float]:
    """(exit code or None on a hang, its output, seconds, peak RSS in MB of obsgate and the children it
    waited for). GNU time measures: a child forked from this big process would inherit its high-water RSS."""
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "PEAK_KB=%M"] + cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    out_chunks: list[str] = []

    def drain(stream):
        out_chunks.append(stream.read())

    readers = [threading.Thread(target=drain, args=(s,), daemon=True) for s in (proc.stderr, proc.stdout)]
    for r in readers:
        r.start()
    deadline = t0 + limit
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, 9)
            pid, status, usage = os.wait4(proc.pid, 0)
            for r in readers:
                r.join(2)
            return None, "".join(out_chunks), time.monotonic() - t0, 0.0
        time.sleep(0.02)
    took = time.monotonic() - t0
    for r in readers:
        r.join(5)
    text = "".join(out_chunks)
    peak = re.search(r"PEAK_KB=(\d+)", text)
    code = os.waitstatus_to_exitcode(status)
    m = re.search(r"Command (?:exited with non-zero status (\d+)|terminated by signal (\d+))", text)
    if m:  # GNU time reports the child's status; it exits with the same code
        code = int(m.group(1)) if m.group(1) else -int(m.group(2))
    text = re.sub(r"(Command exited with non-zero status \d+|Command terminated by signal \d+|PEAK_KB=\d+)\n?", "", text)
    return code, text, took, int(peak.group(1)) / 1024 if peak else 0.0


def classify(code: int | None, text: str, shown: str) -> tuple[str, str]:
    if code is None:
        return "hang", f"killed after {LIMIT:.0f}s"
    if code < 0:
        return "crash", f"killed by signal {-code}"
    if "Traceback (most recent call last)" in text:
        return "traceback", text.strip().splitlines()[-1][:160]
    lines = [ln for ln in text.splitlines() if shown in ln and ("error" in ln.lower() or "ERROR" in ln)]
    if code in (1, 2) and lines:
        return "clean", lines[0].strip()[:200]
    return "accepted", (text.strip().splitlines() or [""])[-1][:160]


# --- bad files ----------------------------------------------------------------------------------

def alias_bomb() -> str:
    text = 'groups: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(8):
        name, prev = chr(98 + i), "a" if i == 0 else chr(97 + i)
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return text


def rule_file(expr: str) -> str:
    return f"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {expr}\n    labels: {{severity: warning}}\n"


def big_rule_file(size: int) -> str:
    rule = ("  - alert: HighErrorRate{i}\n    expr: sum by (job) (rate(http_requests_total{{code=~\"5..\", n=\"{i}\"}}[5m]))"
            " / sum by (job) (rate(http_requests_total[5m])) > 0.05\n    for: 5m\n    labels: {{severity: warning}}\n"
            "    annotations: {{summary: \"errors\", description: \"more than 5% errors\"}}\n")
    parts, total, i = ["groups:\n"], 9, 0
    while total < size:
        if i % 1000 == 0:
            head = f"- name: group{i // 1000}\n  rules:\n"
            parts.append(head)
            total += len(head)
        r = rule.format(i=i)
        parts.append(r)
        total += len(r)
        i += 1
    return "".join(parts)


def file_probes(tmp: Path, big: bool) -> list[tuple[str, str, Path]]:
    d = tmp / "files"
    d.mkdir()
    probes = []

    def write(name: str, text: str | bytes, family: str, probe: str) -> None:
        p = d / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        probes.append((family, probe, p))

    write("bomb.yml", alias_bomb(), "yaml", f"alias bomb ({len(alias_bomb())} bytes)")
    write("dup.yml", rule_file("up").replace("    labels:", "    expr: down\n    labels:"), "yaml", "duplicate YAML key")
    write("deep.yml", "groups: " + "[" * 5000 + "]" * 5000 + "\n", "yaml", "YAML nested 5,000 deep")
    write("plus.yml", rule_file(" + ".join(["up"] * 5000)), "promql", "`up + up ...` x 5000 (25 KB)")
    write("huge.yml", rule_file("x" * (20 * 1024 * 1024)), "promql", "20 MB expression")
    write("parens.yml", rule_file("(" * 3000 + "up" + ")" * 3000), "promql", "3,000 nested parentheses")
    write("deep.json", "[" * 100_000 + "]" * 100_000, "json", "JSON nested 100,000 deep")
    write("dup.json", '{"uid": "a", "title": "t", "panels": [],\n "uid": "b"}\n', "json", "duplicate JSON key")
    write("templ.json", json.dumps({"uid": "x", "title": "t", "schemaVersion": 39, "templating": "x", "panels": [
        {"type": "timeseries", "title": "a", "datasource": {"uid": "${datasource}"}, "targets": [{"expr": "up"}]}]}),
          "json", 'dashboard `templating: "x"`')
    write("latin1.yml", b"groups:\n- name: \xe9\n", "file", "not UTF-8")
    fifo = d / "fifo.yml"
    os.mkfifo(fifo)
    probes.append(("file", "FIFO", fifo))
    (d / "loop1.yml").symlink_to(d / "loop2.yml")
    (d / "loop2.yml").symlink_to(d / "loop1.yml")
    probes.append(("file", "symlink loop", d / "loop1.yml"))
    probes.append(("file", "character device", Path("/dev/zero")))
    probes.append(("file", "missing file", d / "missing.yml"))
    if big:
        write("big.yml", big_rule_file(50 * 1024 * 1024), "size", "50 MB rule file (valid)")
    return probes


# --- bad definitions ----------------------------------------------------------------------------

SHOP = "rules_src/shop.py"


def definition_probes() -> list[tuple[str, str, dict[str, str]]]:
    shop = (FIXTURE / SHOP).read_text()
    tuple_to_case = shop.replace(
        'tests=(TestCase("fires above 100", series={\'shop_queue_depth{instance="a"}\': "200x5"}, at="5m",\n'
        '                    alerts=({"instance": "a"},)),\n'
        '           TestCase("quiet at 50", series={\'shop_queue_depth{instance="a"}\': "50x5"}, at="5m")),',
        'tests=TestCase("quiet at 50", series={\'shop_queue_depth{instance="a"}\': "50x5"}, at="5m"),')
    board = (FIXTURE / "dashboards_src" / "shop.jsonnet").read_text()
    return [
        ("definition", "sys.exit(3) in a rules module", {"rules_src/quits.py": "import sys\nsys.exit(3)\n"}),
        ("definition", "BaseException subclass raised", {"rules_src/odd.py": "class Odd(BaseException):\n    pass\n\n"
                                                                             "raise Odd('boom')\n"}),
        ("definition", "tests=TestCase(...) instead of a tuple", {SHOP: tuple_to_case}),
        ("definition", "circular import between two modules", {"rules_src/a.py": "from rules_src.b import B\nA = 1\n",
                                                               "rules_src/b.py": "from rules_src.a import A\nB = 2\n"}),
        ("definition", "failed module imported by another", {"rules_src/base.py": "X = 1\nraise ValueError('bad')\n",
                                                             "rules_src/user.py": "from rules_src.base import X\n"}),
        ("definition", "jsonnet typo", {"dashboards_src/shop.jsonnet": board + "\n+ undefined_thing\n"}),
        ("definition", "alert expr `up + up ...` x 5000", {SHOP: shop.replace(
            "expr=\"shop_queue_depth > 100\"", "expr=\"" + " + ".join(["shop_queue_depth"] * 5000) + " > 100\"")}),
        ("definition", "alert expr of 20 MB", {SHOP: shop.replace(
            "expr=\"shop_queue_depth > 100\"", "expr=\"shop_queue_depth" + " " * (20 * 1024 * 1024) + "> 100\"")}),
    ]


def snapshot(root: Path) -> dict[str, bytes]:
    out = {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "generated").rglob("*") if p.is_file()}
    compose = root / "docker-compose.infra.yml"
    if compose.exists():
        out["docker-compose.infra.yml"] = compose.read_bytes()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--big", action="store_true", help="also a 50 MB rule file")
    args = ap.parse_args()
    obsgate = [sys.executable, "-m", "obsgate.cli"]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="obsgate-probe-") as t:
        tmp = Path(t)
        for family, probe, path in file_probes(tmp, args.big):
            code, text, took, peak = measure(obsgate + ["validate", str(path)], tmp,
                                             BIG_LIMIT if "50 MB" in probe else LIMIT)
            outcome, msg = classify(code, text, str(path))
            if "50 MB" in probe and outcome == "accepted" and code == 0:
                outcome = "clean"  # a valid file: passing is right; the figure is its time and memory
            results.append(Result(family, probe, outcome, code, round(took, 2), round(peak, 1), msg))
        project = tmp / "project"
        shutil.copytree(FIXTURE, project)
        (project / ".tools").symlink_to(ROOT / ".tools")
        code, text, _, _ = measure(obsgate + ["--root", str(project), "generate"], project)
        assert code == 0, text
        before = snapshot(project)
        for family, probe, files in definition_probes():
            saved = {rel: (project / rel).read_text() if (project / rel).exists() else None for rel in files}
            for rel, text_ in files.items():
                (project / rel).write_text(text_)
            code, text, took, peak = measure(obsgate + ["--root", str(project), "generate"], project)
            shown = next(iter(files)).split("/")[0] + "/"
            outcome, msg = classify(code, text, shown)
            if outcome == "clean" and not re.search(r"^\S+\.(py|jsonnet):\d+: error:", text, re.M):
                outcome, msg = "no-location", msg
            if snapshot(project) != before:
                outcome = "data-loss"
            results.append(Result(family, probe, outcome, code, round(took, 2), round(peak, 1), msg))
            for rel, old in saved.items():
                if old is None:
                    (project / rel).unlink()
                else:
                    (project / rel).write_text(old)
    width = max(len(r.probe) for r in results)
    print(f"{'family':10} {'probe':{width}} {'outcome':10} {'exit':>4} {'sec':>6} {'peak MB':>8}  message")
    for r in results:
        print(f"{r.family:10} {r.probe:{width}} {r.outcome:10} {str(r.exit):>4} {r.seconds:6.2f} {r.peak_mb:8.1f}  "
              f"{r.message}")
    counts = {k: sum(r.outcome == k for r in results) for k in
              ("clean", "traceback", "crash", "hang", "data-loss", "no-location", "accepted")}
    print("totals: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 0 if counts["clean"] == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
