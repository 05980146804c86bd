"""prometheus.yml, one rule file per domain, and promtool unit-test files built from TestCases."""
from __future__ import annotations

from ..model import AlertRule, LokiAlertRule, RuleGroup, TestCase
from ..model.rules import expand_labels
from ..project import Project
from ..promql import metric_names
from .target import Target
from ..promql import scale_ranges
from ..analysis.durations import scale_duration
from ..analysis.rewrite import expr_for

RULES_DIR = "generated/prometheus/rules"
TESTS_DIR = "generated/prometheus/tests"


def runbook_url(project: Project, alert_name: str) -> str:
    return f"{project.stack.runbook_base_url.rstrip('/')}/{alert_name}.md"


def alert_labels(rule) -> dict[str, str]:
    """The static labels of an alert: its own, then those obsgate sets from fields (severity, component, family)."""
    fields = {k: getattr(rule, k, "") for k in ("component", "family")}
    return {**rule.labels, "severity": rule.severity, **{k: v for k, v in fields.items() if v}}


def alert_annotations(project: Project, rule) -> dict[str, str]:
    return {**rule.annotations, "description": rule.description, "runbook_url": runbook_url(project, rule.name),
            "summary": rule.summary}


def alert_dict(project: Project, rule, target: Target) -> dict:
    doc: dict = {"alert": rule.name, "expr": expr_for(rule, target.profile)}
    for_ = scale_duration(rule.for_, target.profile.time_scale)
    if for_ != "0s":
        doc["for"] = for_
    if rule.keep_firing_for:
        doc["keep_firing_for"] = rule.keep_firing_for
    doc["labels"] = alert_labels(rule)
    doc["annotations"] = alert_annotations(project, rule)
    return doc


def rule_dict(project: Project, rule, target: Target) -> dict:
    if isinstance(rule, (AlertRule, LokiAlertRule)):
        return alert_dict(project, rule, target)
    doc = {"record": rule.record, "expr": expr_for(rule, target.profile)}
    if rule.labels:
        doc["labels"] = dict(rule.labels)
    return doc


def group_dict(project: Project, group, target: Target) -> dict:
    doc: dict = {"name": group.name}
    if group.interval:
        doc["interval"] = group.interval
    doc["rules"] = [rule_dict(project, r, target) for r in group.rules]
    return doc


def rule_file(project: Project, group, target: Target) -> dict:
    return {"groups": [group_dict(project, group, target)]}


def expected_alert(project: Project, rule, exp) -> dict:
    labels = {**alert_labels(rule), **exp.labels}
    annotations = {}
    for key, template in alert_annotations(project, rule).items():
        annotations[key] = exp.annotations.get(key) or expand_labels(template, labels) or template
    annotations.update(exp.annotations)
    return {"exp_labels": dict(sorted(labels.items())), "exp_annotations": dict(sorted(annotations.items()))}


def _test_dict(project: Project, rule, case: TestCase) -> dict:
    doc: dict = {
        "name": f"{rule.name}: {case.name}",
        "interval": case.interval,
        "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
    }
    if isinstance(rule, AlertRule):
        doc["alert_rule_test"] = [{
            "eval_time": case.at,
            "alertname": rule.name,
            "exp_alerts": [expected_alert(project, rule, e) for e in case.alerts],
        }]
    if case.promql:
        doc["promql_expr_test"] = [{
            "expr": expr,
            "eval_time": case.at,
            "exp_samples": [{"labels": s.labels, "value": s.value} for s in samples],
        } for expr, samples in case.promql.items()]
    return doc


def dependencies(project: Project, group: RuleGroup) -> list[str]:
    """The group itself and every group whose recorded series it reads, transitively.

    A name two groups record (two SLOs' groups) resolves to the last of them, as it always has here."""
    owner = project.recording_groups  # built once per project, not once per group
    needed, todo = set(), [group]
    while todo:
        g = todo.pop()
        if g.name in needed:
            continue
        needed.add(g.name)
        for rule in g.rules:
            for name in metric_names(rule.expr):
                if name in owner and owner[name][-1].name not in needed:
                    todo.append(owner[name][-1])
    return sorted(needed)


def test_file(project: Project, group: RuleGroup) -> dict | None:
    tests = [_test_dict(project, r, c) for r in group.rules for c in r.tests]
    if not tests:
        return None
    return {
        "rule_files": [f"../rules/{name}.yml" for name in dependencies(project, group)],
        "evaluation_interval": group.interval or "1m",
        "tests": tests,
    }


def config(project: Project, target: Target) -> dict:
    stack = project.stack
    scrape = [{
        "job_name": svc.job,
        "metrics_path": svc.metrics_path,
        "static_configs": [{"targets": [target.addr(stack, svc.name)], "labels": {"service": svc.name}}],
    } for svc in stack.scraped if target.runtime in svc.runtimes]
    doc: dict = {
        "global": {
            "scrape_interval": target.profile.scrape_interval,
            "evaluation_interval": target.profile.evaluation_interval,
            "external_labels": {"stack": stack.name},
        },
        "rule_files": [f"{target.path('prom_rules')}/*.yml"],
    }
    if stack.has("alertmanager"):
        doc["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [target.addr(stack, "alertmanager")]}]}]}
    doc["scrape_configs"] = scrape
    return doc


def files(project: Project, target: Target) -> dict[str, object]:
    out: dict[str, object] = {"generated/prometheus/prometheus.yml": config(project, target)}
    for group in project.groups:
        out[f"{RULES_DIR}/{group.name}.yml"] = rule_file(project, group, target)
        tests = test_file(project, group)
        if tests is not None:
            out[f"{TESTS_DIR}/{group.name}.test.yml"] = tests
    return out
