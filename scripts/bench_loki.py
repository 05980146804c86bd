"""`scripts/bench.py loki`: obsgate's LogQL engine. loki-test on the repo's tests and on a synthetic file
of 500 rules x 5 cases, and evaluator throughput (lines/s) for a line filter + count_over_time over 1M
lines and for `| json` + a label filter. Goals (issue 11): repo loki-test < 0.3 s; >= 1M lines/s."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES, CASES = 500, 5


def _best(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _loki_test_in_process(paths: list[Path], root: Path) -> tuple[int, int]:
    """Load and run the files as `obsgate loki-test` does, with the query and template caches emptied
    first, so that a best-of-N figure is not a warm-cache figure."""
    from obsgate.logql import gotemplate, parser
    from obsgate.logql.ruletest import loading, runner
    parser._parse_cached.cache_clear()
    gotemplate.parse_template.cache_clear()
    gotemplate._template_idents.cache_clear()
    files = [loading.load_test_file(lambda p: Path(p).read_text(), str(p), str(p.relative_to(root))) for p in paths]
    results = runner.run(files, runner.EngineBackend())
    return sum(r.tests for r in results), sum(len(r.failures) for r in results)


def synthetic_tests(dest: Path) -> Path:
    """One rule file of RULES alerts and one test file with CASES cases per rule (fires and quiet ones)."""
    dest.mkdir(parents=True, exist_ok=True)
    rules = ["groups:", "- name: synthetic", "  interval: 1m", "  rules:"]
    for i in range(RULES):
        rules += [f"  - alert: Burst{i}",
                  f'    expr: sum by (service) (count_over_time({{service="svc{i % 50}"}} |= "error" | logfmt '
                  f'| code >= 500 [5m])) > 3',
                  "    for: 2m", "    labels: {severity: warning}",
                  "    annotations: {summary: '{{ $labels.service }} logged {{ $value | humanize }} errors'}"]
    (dest / "rules.yml").write_text("\n".join(rules) + "\n")
    tests = ["rule_files: [rules.yml]", "tests:"]
    for i in range(RULES):
        svc = f"svc{i % 50}"
        for c in range(CASES):
            fires = c % 2 == 0
            count = 12 if fires else 2
            tests += [f"- name: 'Burst{i} case {c}'", "  input_streams:",
                      f"  - stream: '{{service=\"{svc}\"}}'", "    lines:",
                      f"    - {{ts: 10s+20sx{count - 1}, line: 'level=error code=503 msg=\"upstream\"'}}",
                      "    - {ts: 30s, line: 'level=info code=200 msg=ok'}",
                      "  alert_rule_test:", "  - eval_time: 5m", f"    alertname: Burst{i}", "    exp_alerts:"]
            if fires:
                tests += [f"    - exp_labels: {{service: {svc}, severity: warning}}",
                          f"      exp_annotations: {{summary: '{svc} logged {count} errors'}}"]
            else:
                tests[-1] += " []"
    (dest / "rules.test.yml").write_text("\n".join(tests) + "\n")
    return dest / "rules.test.yml"


def _wall(args: list[str], runs: int = 3) -> float:
    def once():
        proc = subprocess.run([sys.executable, "-m", "obsgate.cli", *args], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"bench: obsgate {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-1500:]}"
                             f"{proc.stderr[-1500:]}")
    return _best(once, runs)


def throughput() -> None:
    from obsgate.logql import Entry, Stream, instant, parse
    n = 1_000_000
    S = 10**9
    lines = [f"level={'error' if i % 10 == 0 else 'info'} msg=\"request {i}\" code={500 if i % 10 == 0 else 200}"
             for i in range(1000)]
    entries = [Entry(i * 1_000_000, lines[i % 1000]) for i in range(n)]  # 1M lines over 1000 s
    streams = [Stream((("app", "api"),), entries)]
    at = n * 1_000_000
    q = parse('sum(count_over_time({app="api"} |= "level=error" [1h]))')
    seconds = _best(lambda: instant(q, streams, at), runs=3)
    [(labels, value)] = instant(q, streams, at).samples()
    print(f"logql     filter + count_over_time over {n:,} lines   {seconds:6.3f} s = {n / seconds / 1e6:5.2f} M lines/s"
          f" (target >= 1 M/s; counted {value:.0f})")
    nj = 200_000
    jlines = [f'{{"level":"{"error" if i % 10 == 0 else "info"}","status":{500 if i % 10 == 0 else 200},'
              f'"msg":"request {i}"}}' for i in range(1000)]
    jentries = [Entry(i * 5_000_000, jlines[i % 1000]) for i in range(nj)]
    jq = parse('sum(count_over_time({app="api"} | json | status >= 500 [1h]))')
    jstreams = [Stream((("app", "api"),), jentries)]
    jat = nj * 5_000_000
    seconds = _best(lambda: instant(jq, jstreams, jat), runs=2)
    [(labels, value)] = instant(jq, jstreams, jat).samples()
    print(f"logql     | json | status >= 500 over {nj:,} lines     {seconds:6.3f} s = {nj / seconds / 1e3:5.0f} k lines/s"
          f" (counted {value:.0f})")


def bench_loki() -> None:
    repo_tests = sorted((ROOT / "generated" / "loki" / "tests").glob("*.test.yml"))
    own = _best(lambda: _loki_test_in_process(repo_tests, ROOT))
    tests, failed = _loki_test_in_process(repo_tests, ROOT)
    wall = _wall(["--root", str(ROOT), "loki-test"])
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import obsgate.cli"], check=True)
    startup = time.perf_counter() - started
    print(f"loki-test repo ({tests} tests, {failed} failing)       {own:6.3f} s in process (target < 0.3 s); "
          f"{wall:.2f} s CLI wall, of which {startup:.2f} s is `import obsgate.cli`")
    path = synthetic_tests(Path("/tmp/obsgate-bench/loki"))
    own = _best(lambda: _loki_test_in_process([path], path.parent), runs=1)
    tests, failed = _loki_test_in_process([path], path.parent)
    wall = _wall(["--root", str(path.parent), "loki-test", str(path)], runs=1)
    print(f"loki-test synthetic {RULES} rules x {CASES} cases ({tests} tests, {failed} failing) "
          f"{own:6.2f} s in process; {wall:.2f} s CLI wall")
    throughput()


if __name__ == "__main__":
    bench_loki()
