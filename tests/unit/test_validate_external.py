"""external/pint and external/dashboard-linter: output parsing on recorded samples, wiring, and the skip path."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

from obsgate.problem import Severity
from obsgate.validate import external

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "external"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_pint_checkstyle_findings_keep_pints_check_name_file_and_line():
    got = [(p.check, p.severity, p.path, p.line, p.message, p.details)
           for p in external.parse_pint_checkstyle(sample("pint-checkstyle.xml"))]
    assert got == [
        ("pint/promql/syntax", Severity.FATAL, "generated/prometheus/rules/other.yml", 5,
         "syntax error: unclosed left parenthesis", ""),
        ("pint/promql/counter", Severity.ERROR, "generated/prometheus/rules/shop.yml", 7,
         "`rate()` should only be used with counters, `shop_queue_depth` is a gauge",
         "Use delta() or deriv() for gauges."),
        ("pint/alerts/comparison", Severity.WARNING, "generated/prometheus/rules/shop.yml", 12,
         "alert query doesn't have any condition, it will always fire if the metric exists", ""),
    ]


def test_pint_information_comments_are_not_problems():
    checks = {p.check for p in external.parse_pint_checkstyle(sample("pint-checkstyle.xml"))}
    assert "pint/promql/fragile" not in checks


def test_an_empty_pint_report_means_no_findings():
    assert external.parse_pint_checkstyle('<?xml version="1.0"?><checkstyle version="4.3"></checkstyle>') == []


def test_an_unreadable_pint_report_is_an_error_not_a_pass():
    [p] = external.parse_pint_checkstyle("<checkstyle><file")
    assert p.check == "external/pint" and p.severity == Severity.ERROR and "unreadable pint report" in p.message


def test_dashboard_linter_rule_listing_maps_descriptions_to_rule_names():
    names = external.parse_rule_listing(sample("dashboard-linter-rules.txt"))
    assert names == {
        "Every dashboard offers a templated datasource variable.": "template-datasource-rule",
        "Every panel declares a unit.": "panel-units-rule",
        "Every rate() in a target uses $__rate_interval.": "target-rate-interval-rule",
        "Every panel has a title and a description.": "panel-title-description-rule",
    }


def test_dashboard_linter_older_bulleted_rule_listing_is_read_too():
    assert external.parse_rule_listing("* `panel-units-rule` - Every panel declares a unit.\n") == {
        "Every panel declares a unit.": "panel-units-rule"}


def test_dashboard_linter_findings_carry_rule_name_and_panel_line():
    names = external.parse_rule_listing(sample("dashboard-linter-rules.txt"))
    problems = external.parse_dashboard_linter(sample("dashboard-linter-lint.txt"), names, "dash/shop.json",
                                               sample("shop-dashboard.json"))
    assert [(p.check, p.severity, p.line, p.message) for p in problems] == [
        ("dashboard-linter/panel-units-rule", Severity.ERROR, 12,
         "Dashboard 'Shop overview', panel 'Queue depth' has no or invalid units defined: ''"),
        ("dashboard-linter/target-rate-interval-rule", Severity.ERROR, 7,
         "Dashboard 'Shop overview', panel 'Orders per second', target idx '0' should use $__rate_interval"),
    ]
    assert "warning" in problems[1].details and "--strict" in problems[1].details


def test_dashboard_linter_ignores_passing_and_excluded_results():
    out = "Every panel declares a unit.\n[✔️] OK\n[➖] Dashboard 'D', panel 'P' x (Excluded)\n"
    assert external.parse_dashboard_linter(out, {"Every panel declares a unit.": "panel-units-rule"}, "d.json") == []


def test_dashboard_linter_finding_under_an_unknown_description_still_reports():
    [p] = external.parse_dashboard_linter("A rule this version added.\n[❌] Dashboard 'D' is wrong\n", {}, "d.json")
    assert p.check == "dashboard-linter/unknown-rule: A rule this version added." and p.severity == Severity.ERROR


def test_skipped_when_pint_is_not_installed():
    [p] = external.run_pint([Path("generated/prometheus/rules/x.yml")], None, Path("."))
    assert (p.check, p.severity) == ("external/pint", Severity.WARNING)
    assert p.message == ("skipped: pint not installed "
                         "(not obtainable from the registries this project reaches)")


def test_skipped_when_dashboard_linter_is_not_installed():
    [p] = external.run_dashboard_linter([Path("d.json")], None, Path("."))
    assert (p.check, p.severity) == ("external/dashboard-linter", Severity.WARNING)
    assert p.message.startswith("skipped: dashboard-linter not installed (not obtainable")


def test_nothing_to_lint_is_not_a_skip(tmp_path):
    assert external.run_pint([], None, tmp_path) == [] and external.run_dashboard_linter([], None, tmp_path) == []


def test_checks_skip_on_this_machine_with_the_files_found(tmp_path, monkeypatch):
    (tmp_path / "generated" / "prometheus" / "rules").mkdir(parents=True)
    (tmp_path / "generated" / "prometheus" / "rules" / "a.yml").write_text("groups: []\n")
    (tmp_path / "generated" / "grafana" / "dashboards").mkdir(parents=True)
    (tmp_path / "generated" / "grafana" / "dashboards" / "a.json").write_text("{}\n")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    ctx = SimpleNamespace(root=tmp_path)
    [pint] = external.check_pint(ctx)
    [linter] = external.check_dashboard_linter(ctx)
    assert "skipped: pint not installed" in pint.message and "1 file(s)" in pint.hint
    assert "skipped: dashboard-linter not installed" in linter.message


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_run_pint_passes_offline_config_and_checkstyle_and_reads_the_report(tmp_path):
    """A stand-in pint (the real one cannot be installed here) checks the wiring, not pint itself."""
    (tmp_path / ".pint.hcl").write_text("checks {\n  disabled = []\n}\n")
    argv = tmp_path / "argv"
    fake = _script(tmp_path / "pint", f'echo "$@" > {argv}\n'
                   'for a in "$@"; do case "$a" in --checkstyle=*) cp ' + str(SAMPLES / "pint-checkstyle.xml")
                   + ' "${a#--checkstyle=}";; esac; done\nexit 1\n')
    rules = tmp_path / "generated" / "prometheus" / "rules" / "shop.yml"
    problems = external.run_pint([rules], fake, tmp_path)
    args = argv.read_text().split()
    assert args[:4] == ["--offline", "--no-color", "--config", str(tmp_path / ".pint.hcl")]
    assert args[4] == "lint" and args[5].startswith("--checkstyle=") and args[6] == "generated/prometheus/rules/shop.yml"
    assert [p.check for p in problems] == ["pint/promql/syntax", "pint/promql/counter", "pint/alerts/comparison"]


def test_run_pint_reports_a_crash_without_a_report(tmp_path):
    fake = _script(tmp_path / "pint", 'echo "level=ERROR msg=\\"Fatal error\\" err=\\"bad config\\"" >&2\nexit 1\n')
    [p] = external.run_pint([tmp_path / "r.yml"], fake, tmp_path)
    assert p.severity == Severity.ERROR and p.message.startswith("pint failed: level=ERROR")


def test_run_dashboard_linter_lints_each_dashboard_strictly_with_the_repo_config(tmp_path):
    (tmp_path / ".lint").write_text("exclusions: {}\nwarnings: {}\n")
    dash = tmp_path / "shop.json"
    dash.write_text(sample("shop-dashboard.json"))
    calls = tmp_path / "calls"
    fake = _script(tmp_path / "dashboard-linter",
                   f'echo "$@" >> {calls}\n'
                   f'if [ "$1" = rules ]; then cat {SAMPLES / "dashboard-linter-rules.txt"}; exit 0; fi\n'
                   f'cat {SAMPLES / "dashboard-linter-lint.txt"}\n'
                   'echo "there were linting errors, please see previous output" >&2\nexit 1\n')
    problems = external.run_dashboard_linter([dash], fake, tmp_path)
    assert calls.read_text().splitlines() == ["rules", f"lint --strict --config {tmp_path / '.lint'} {dash}"]
    assert [(p.path, p.check, p.line) for p in problems] == [
        ("shop.json", "dashboard-linter/target-rate-interval-rule", 7),
        ("shop.json", "dashboard-linter/panel-units-rule", 12)]


def test_repo_config_files_declare_no_exceptions(repo_root):
    import yaml

    lint = yaml.safe_load((repo_root / ".lint").read_text())
    assert lint == {"exclusions": {}, "warnings": {}}
    pint_cfg = (repo_root / ".pint.hcl").read_text()
    code = [line for line in pint_cfg.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert code == ["checks {", "  disabled = []", "}"]
    assert os.path.basename(external.__file__) == "external.py"
