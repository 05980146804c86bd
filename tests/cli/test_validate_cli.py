"""`obsgate validate` end to end: fixture files and projects in, exit code and JSON (or text) out."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from obsgate.validate.context import default_schemas

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "validate"
PROJECT = ROOT / "tests" / "fixtures" / "project"
SCHEMAS = default_schemas(ROOT)
PINS = tomllib.loads((ROOT / "tools" / "versions.toml").read_text())
SKIPPED_LINTERS = {("external/pint", "warning"), ("external/dashboard-linter", "warning")}


def obsgate(root: Path, *args: str, path_env: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the CLI as a user would; the pinned tools of this checkout are reached through PATH."""
    env = {**os.environ, "PATH": path_env if path_env is not None else f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), "validate", *args],
                          capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def findings(res) -> list[tuple]:
    """(check, severity, path relative to the fixtures, line) of each JSON finding."""
    out = []
    for d in json.loads(res.stdout):
        assert set(d) == {"check", "severity", "path", "line", "message", "hint"}
        path = d["path"].split("fixtures/validate/")[-1].split("assets/")[-1]
        out.append((d["check"], d["severity"], path, d["line"]))
    return out


@pytest.fixture
def inside(tmp_path) -> Path:
    """The fixture project with tests/fixtures/validate copied in as assets/: files checked against its catalog."""
    dest = tmp_path / "inside"
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURES, dest / "assets")
    return dest


def test_good_files_inside_the_project_pass(inside):
    res = obsgate(inside, "--format", "json", "--schemas", str(SCHEMAS), str(inside / "assets" / "good"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert {(c, s) for c, s, _, _ in findings(res)} == SKIPPED_LINTERS
    assert "tools:" in res.stderr and f"promtool {PINS['prometheus']['release']}" in res.stderr
    assert f"amtool {PINS['alertmanager']['release']}" in res.stderr


BAD = {
    ("am/routes", "warning", "bad/alertmanager.yml", 1),
    ("secrets/literal", "error", "bad/alertmanager.yml", 9),
    ("grafana/datasource-variable", "error", "bad/dashboard.json", 8),
    ("grafana/panel-description", "warning", "bad/dashboard.json", 8),
    ("grafana/panel-unit", "warning", "bad/dashboard.json", 8),
    ("grafana/rate-interval", "error", "bad/dashboard.json", 14),
    ("xref/metric-exists", "error", "bad/dashboard.json", 14),
    ("grafana/no-targets", "error", "bad/dashboard.json", 16),
    ("grafana/panel-unit", "error", "bad/dashboard.json", 16),
    ("prom/rule-tests", "error", "bad/rules.test.yml", 5),
    ("promql/rate-on-counter", "error", "bad/rules.yml", 4),
    ("rules/tested", "warning", "bad/rules.yml", 4),
    ("alerts/annotations", "error", "bad/rules.yml", 13),
    ("alerts/name", "error", "bad/rules.yml", 13),
    ("alerts/severity", "error", "bad/rules.yml", 13),
    ("rules/tested", "warning", "bad/rules.yml", 13),
    ("xref/metric-exists", "error", "bad/rules.yml", 13),
    ("alerts/for", "error", "bad/rules.yml", 19),
    ("promql/range-vs-scrape", "error", "bad/rules.yml", 19),
    ("rules/tested", "warning", "bad/rules.yml", 19),
    ("xref/label-exists", "error", "bad/rules.yml", 19),
    ("xref/label-values", "error", "bad/rules.yml", 19),
    ("promql/histogram-quantile", "error", "bad/rules.yml", 27),
    ("rules/tested", "warning", "bad/rules.yml", 27),
}


def test_bad_files_inside_the_project_fail_naming_check_file_and_line(inside):
    res = obsgate(inside, "--format", "json", "--schemas", str(SCHEMAS), str(inside / "assets" / "bad"))
    assert res.returncode == 1, res.stderr
    got = findings(res)
    assert set(got) - {(c, s, "", 0) for c, s in SKIPPED_LINTERS} == BAD
    messages = {d["check"]: d["message"] for d in json.loads(res.stdout)}
    assert messages["xref/label-values"].endswith("`eror` is not a declared value (declared: error, ok)")
    assert messages["prom/rule-tests"].startswith("unit test `queue rate stays quiet while the queue grows` failed: "
                                                  "at 10m expected no alert, got 1 alert")


def test_broken_yaml_and_json_are_findings_with_lines_not_tracebacks():
    res = obsgate(PROJECT, "--format", "json", "--schemas", str(SCHEMAS), str(FIXTURES / "broken"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    got = [f for f in findings(res) if f[0] == "input/parse"]
    assert got == [("input/parse", "error", "broken/dashboard.json", 4), ("input/parse", "error", "broken/rules.yml", 6)]


def test_text_output_is_path_line_severity_message_check_with_hints(inside):
    res = obsgate(inside, "--schemas", str(SCHEMAS), "assets/bad/rules.yml", cwd=inside)
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0].startswith("obsgate validate — tools: ") and f"promtool {PINS['prometheus']['release']}" in lines[0]
    i = lines.index("assets/bad/rules.yml:19 ERROR: critical alert `ShopErrorsPaging` pages after "
                    "`for: 0s`: one bad evaluation wakes someone up (alerts/for)")
    assert lines[i + 1] == "  hint: wait at least `for: 1m` (absent()-style alerts are exempt)"
    assert lines[-1].startswith("10 errors, 5 warnings")  # 4 untested alerts, pint not installed


def test_junit_and_step_summary_files(tmp_path, inside):
    junit, summary = tmp_path / "out" / "validate.xml", tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    res = obsgate(inside, "--format", "json", "--schemas", str(SCHEMAS), "--junit", str(junit), "--summary",
                  str(summary), str(inside / "assets" / "bad" / "rules.yml"),
                  str(inside / "assets" / "good" / "dashboard.json"))
    assert res.returncode == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = {(c.get("classname"), c.get("name").split("assets/")[-1]): c for c in suite.iter("testcase")}
    assert cases[("alerts/for", "bad/rules.yml")].find("failure") is not None
    assert cases[("grafana/panel-unit", "good/dashboard.json")].find("failure") is None
    assert ("schema/grafana-dashboard", "good/dashboard.json") in cases
    assert ("xref/metric-exists", "bad/rules.yml") in cases and ("xref/metric-exists", "good/dashboard.json") in cases
    assert int(suite.get("failures")) == len({c for c, s, _, _ in findings(res) if s == "error"})
    md = summary.read_text()
    assert md.startswith("earlier step\n## ❌ obsgate validate: 10 errors, 6 warnings")
    assert "`alerts/for`" in md


def test_missing_input_is_a_usage_error():
    res = obsgate(PROJECT, str(FIXTURES / "nope.yml"))
    assert res.returncode == 2
    assert "nope.yml: no such file or directory" in res.stderr and res.stdout == ""


def test_missing_tools_exit_2(tmp_path):
    (tmp_path / "bin").mkdir()
    res = obsgate(tmp_path, "--format", "json", str(FIXTURES / "good" / "rules.yml"), path_env=str(tmp_path / "bin"))
    assert res.returncode == 2
    fatal = [d for d in json.loads(res.stdout) if d["severity"] == "fatal"]
    assert {d["check"] for d in fatal} == {"prom/rules"} and fatal[0]["message"] == "`promtool` is not installed"


def test_without_a_project_xref_says_it_skipped(tmp_path):
    res = obsgate(tmp_path, "--format", "json", "--schemas", str(SCHEMAS), str(FIXTURES / "good" / "rules.yml"))
    infos = {d["check"]: d["message"] for d in json.loads(res.stdout) if d["severity"] == "info"}
    assert infos["xref/metric-exists"].startswith("skipped: no project catalog")
    assert res.returncode == 0


def test_no_paths_and_no_project_is_a_usage_error(tmp_path):
    res = obsgate(tmp_path)
    assert res.returncode == 2 and "no project here" in res.stderr


@pytest.fixture
def project(tmp_path) -> Path:
    """The fixture project with the quiet Loki test it lacks, generated: a project that passes."""
    dest = tmp_path / "project"
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    src = (dest / "rules_src" / "shop.py").read_text()
    src = src.replace('alerts=({"service": "shop"},)),),',
                      'alerts=({"service": "shop"},)),\n           LokiTestCase("quiet", streams={\'{service="shop"}\': '
                      '(("1s", "fine"),)}, at="1m")),')
    (dest / "rules_src" / "shop.py").write_text(src)
    assert subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(dest), "generate"],
                          capture_output=True, cwd=ROOT).returncode == 0
    return dest


def test_a_generated_project_passes_then_drift_fails_it(project):
    res = obsgate(project, "--format", "json", "--schemas", str(SCHEMAS))
    assert res.returncode == 0, res.stdout
    assert {(c, s) for c, s, _, _ in findings(res)} <= SKIPPED_LINTERS
    rules = project / "generated" / "prometheus" / "rules" / "shop.yml"
    rules.write_text(rules.read_text().replace("> 100", "> 10"))
    res = obsgate(project, "--format", "json", "--schemas", str(SCHEMAS))
    assert res.returncode == 1
    assert [f[:3] for f in findings(res) if f[1] == "error"] == [
        ("generate/drift", "error", "generated/prometheus/rules/shop.yml")]


def test_a_project_rule_error_points_at_the_python_definition(project):
    src = project / "rules_src" / "shop.py"
    src.write_text(src.read_text().replace('expr="shop_queue_depth > 100", for_="1m"',
                                           'expr="shop_queue_depth > 100", for_="0s"'))
    res = obsgate(project, "--format", "json", "--schemas", str(SCHEMAS))
    assert res.returncode == 1
    errors = [f for f in findings(res) if f[1] == "error"]
    line = next(i for i, l in enumerate(src.read_text().splitlines(), 1) if "QUEUE_STUCK = AlertRule(" in l)
    assert ("alerts/for", "error", "rules_src/shop.py", line) in errors
    assert {f[0] for f in errors} == {"alerts/for", "generate/drift"}


def test_an_empty_summary_path_outside_github_is_not_an_error():
    res = obsgate(PROJECT, "--schemas", str(SCHEMAS), "--summary", "", str(FIXTURES / "good" / "rules.yml"))
    assert res.returncode == 0, res.stderr
    assert "--summary is empty" in res.stderr


# --- online mode against a real Prometheus ------------------------------------------------------------

ONLINE_RULES = """\
groups:
- name: online
  rules:
  - alert: HeadSeriesGrowing
    expr: rate(prometheus_tsdb_head_series[5m]) > 100
  - alert: HttpErrors
    expr: sum(rate(prometheus_http_requestz_total[5m])) > 1
  - alert: TargetDown
    expr: up{jobb="prometheus"} == 0
  - alert: WrongJob
    expr: up{job="nope"} == 0
  - alert: Fine
    expr: sum by (handler) (rate(prometheus_http_requests_total{code="200"}[5m])) > 0
"""


@pytest.fixture
def prometheus(tmp_path):
    """The pinned Prometheus on a free loopback port, scraping itself every second; always stopped."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global: {{scrape_interval: 1s}}\nscrape_configs:\n- job_name: prometheus\n"
                      f"  static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n")
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([str(ROOT / ".tools" / "bin" / "prometheus"), f"--config.file={config}",
                             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # ready once the first scrape gave metadata and series
            assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()[-2000:]
            try:
                meta = json.load(urllib.request.urlopen(f"{url}/api/v1/metadata", timeout=2))["data"]
                up = json.load(urllib.request.urlopen(f"{url}/api/v1/series?match[]=up", timeout=2))["data"]
                if "prometheus_tsdb_head_series" in meta and up and "prometheus_http_requests_total" in meta:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Prometheus gave no metadata within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


@pytest.mark.live
def test_online_mode_takes_types_and_series_from_a_live_prometheus(tmp_path, prometheus):
    rules = tmp_path / "rules.yml"
    rules.write_text(ONLINE_RULES)
    res = obsgate(tmp_path, "--format", "json", "--no-project", "--prometheus", prometheus, str(rules))
    got = {(d["check"], d["line"]): d["message"] for d in json.loads(res.stdout)
           if d["check"].startswith("online/") or d["check"] == "promql/rate-on-counter"}
    assert got.pop(("online/server", 0)).startswith("online mode: ")
    assert got == {
        ("promql/rate-on-counter", 4): "alert `HeadSeriesGrowing`: `rate()` over `prometheus_tsdb_head_series`, a "
                                       "gauge: rate() only means something on counters",
        ("online/series-exists", 6): f"alert `HttpErrors` selects `prometheus_http_requestz_total`, which has no "
                                     f"series on {prometheus}",
        ("online/label-exists", 8): got.get(("online/label-exists", 8), ""),
        ("online/series-exists", 10): got.get(("online/series-exists", 10), ""),
    }
    assert got[("online/label-exists", 8)].startswith(
        f"alert `TargetDown`: no series of `up` on {prometheus} has the label `jobb` (they have: ")
    assert got[("online/series-exists", 10)].startswith('alert `WrongJob`: `up{job="nope"}` matches none of the ')
    assert res.returncode == 1


@pytest.mark.live
def test_online_mode_with_no_server_is_an_error_and_the_offline_checks_still_run(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(ONLINE_RULES)
    res = obsgate(tmp_path, "--format", "json", "--no-project", "--prometheus", "http://127.0.0.1:9", str(rules))
    found = json.loads(res.stdout)
    [server] = [d for d in found if d["check"] == "online/server"]
    assert server["severity"] == "error" and "did not answer" in server["message"]
    assert any(d["check"] == "prom/rules" or d["check"].startswith("alerts/") for d in found)
    assert res.returncode == 1


# --- external mode ------------------------------------------------------------------------------------

EXTERNAL = ROOT / "tests" / "fixtures" / "external"


def test_files_outside_the_project_are_external_the_project_is_not_used(tmp_path):
    """The fixture project's Routing sends critical to `pager`; an external alertmanager.yml is not told so."""
    res = obsgate(PROJECT, "--format", "json", str(EXTERNAL / "alertmanager.yml"), str(EXTERNAL / "alert.rules"))
    found = json.loads(res.stdout)
    [mode] = [d for d in found if d["check"] == "validate/mode"]
    assert mode["severity"] == "info" and mode["message"].startswith("external mode: 2 files checked without the "
                                                                     "project")
    assert not [d for d in found if d["check"] == "am/routes" and "expected" in d["message"]]
    assert {d["check"] for d in found if d["message"].startswith("skipped: no project catalog")} >= {
        "xref/metric-exists"}
    assert [d["severity"] for d in found if d["check"] == "alerts/for"] == ["warning"]  # a convention here
    assert res.returncode == 0, res.stdout


def test_no_project_makes_files_inside_the_project_external(inside):
    rules = str(inside / "assets" / "bad" / "rules.yml")
    with_project = {d["check"] for d in json.loads(obsgate(inside, "--format", "json", rules).stdout)}
    without = json.loads(obsgate(inside, "--format", "json", "--no-project", rules).stdout)
    assert "xref/label-values" in with_project and "validate/mode" not in with_project
    assert {d["check"] for d in without} >= {"validate/mode"} and not [
        d for d in without if d["check"].startswith("xref/") and d["severity"] == "error"]


def test_the_same_files_give_the_same_findings_whatever_the_root(tmp_path):
    """External files no longer take the scrape interval (or anything else) of the project at --root."""
    runs = [obsgate(root, "--format", "json", str(EXTERNAL / "info-join.rules.yml"), str(EXTERNAL / "alert.rules"))
            for root in (PROJECT, tmp_path)]
    first, second = ([(d["check"], d["severity"], d["line"], d["message"]) for d in json.loads(r.stdout)]
                     for r in runs)
    assert first == second and runs[0].returncode == runs[1].returncode


def test_scrape_interval_comes_from_the_flag_and_a_bad_one_is_a_usage_error(tmp_path):
    rules = tmp_path / "r.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - record: job:x:rate1m\n    expr: sum(rate(x_total[1m]))\n")
    assumed = json.loads(obsgate(tmp_path, "--format", "json", str(rules)).stdout)
    stated = json.loads(obsgate(tmp_path, "--format", "json", "--scrape-interval", "15s", str(rules)).stdout)
    assert [d["severity"] for d in assumed if d["check"] == "promql/range-vs-scrape"] == ["warning"]
    assert not [d for d in stated if d["check"] == "promql/range-vs-scrape"]
    bad = obsgate(tmp_path, "--scrape-interval", "soon", str(rules))
    assert bad.returncode == 2 and "--scrape-interval `soon` is not a duration" in bad.stderr


def test_obsgate_yml_sets_severities_per_glob_and_a_bad_one_exits_2(tmp_path):
    (tmp_path / "vendor").mkdir()
    shutil.copy(EXTERNAL / "alert.rules", tmp_path / "vendor" / "alert.rules")
    (tmp_path / ".obsgate.yml").write_text(
        "checks:\n- paths: [\"vendor/**\"]\n  check: alerts/for\n  severity: error\n"
        "- paths: [\"vendor/**\"]\n  check: rules/tested\n  disable: upstream rules, tested upstream\n")
    res = obsgate(tmp_path, "--format", "json", "vendor/alert.rules", cwd=tmp_path)
    got = {d["check"]: (d["severity"], d["message"]) for d in json.loads(res.stdout)}
    assert got["alerts/for"][0] == "error" and res.returncode == 1
    assert got["rules/tested"] == ("info", "disabled in " + str(tmp_path / ".obsgate.yml") +
                                   ": upstream rules, tested upstream (alert `HostDown` has no unit test with a "
                                   "firing case and a quiet case in the promtool test files checked with it)")
    (tmp_path / ".obsgate.yml").write_text("checks:\n- check: alerts/fro\n  severity: info\n")
    bad = obsgate(tmp_path, "vendor/alert.rules", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith(f"{tmp_path / '.obsgate.yml'}:2: error: `alerts/fro` is not a check id")
    assert "  hint: known in that family: " in bad.stderr
