"""The per-run indexes that keep generate linear: rule-file dependencies and runbook families, read once."""
from __future__ import annotations

import dataclasses

from obsgate.generate import prometheus, runbooks
from obsgate.load import load
from obsgate.model import RecordingRule, RuleGroup

from tests.conftest import FIXTURE


def rec(name: str, expr: str) -> RecordingRule:
    return RecordingRule(name, expr)


def chain_project():
    """a reads b's series, b reads c's, d stands alone; x and y record the same name (y is the later)."""
    groups = (
        RuleGroup("a", rules=(rec("job:a:sum", "sum(job:b:sum)"),)),
        RuleGroup("b", rules=(rec("job:b:sum", "sum(job:c:sum) + sum(shop_requests_total)"),)),
        RuleGroup("c", rules=(rec("job:c:sum", "sum(shop_requests_total)"),)),
        RuleGroup("d", rules=(rec("job:d:sum", "sum(shop_requests_total)"),)),
        RuleGroup("x", rules=(rec("job:same:sum", "sum(shop_requests_total)"),)),
        RuleGroup("y", rules=(rec("job:same:sum", "max(shop_requests_total)"),)),
        RuleGroup("z", rules=(rec("job:z:sum", "sum(job:same:sum)"),)),
    )
    return dataclasses.replace(load(FIXTURE), groups=groups)


def test_dependencies_follow_recorded_series_transitively_and_ignore_unrelated_groups():
    project = chain_project()
    by = {g.name: g for g in project.groups}
    assert prometheus.dependencies(project, by["a"]) == ["a", "b", "c"]
    assert prometheus.dependencies(project, by["c"]) == ["c"]
    assert prometheus.dependencies(project, by["d"]) == ["d"]


def test_a_name_two_groups_record_resolves_to_the_later_group_as_before():
    project = chain_project()
    assert project.recording_groups["job:same:sum"] == tuple(g for g in project.groups if g.name in ("x", "y"))
    assert prometheus.dependencies(project, project.groups[-1]) == ["y", "z"]


def test_project_indexes_are_built_once_and_reused():
    project = chain_project()
    assert project.recording_groups is project.recording_groups
    group = project.groups[0]
    assert group.recordings and group.recordings is group.recordings and group.alerts == ()
    fixture = load(FIXTURE)
    assert fixture.alerts and fixture.alerts is fixture.alerts
    shop = fixture.groups[0]
    assert shop.alerts and shop.alerts is shop.alerts


def test_runbook_families_keep_definition_order_and_skip_alerts_without_one():
    project = load(FIXTURE)
    alerts = list(project.alerts)
    fams = runbooks.families(alerts)
    for family, members in fams.items():
        assert members == [a for a in alerts if a.family == family]
    assert all(a.family in fams for a in alerts if a.family)
    assert "" not in fams and fams["shop-queue"]  # the fixture has a family of two
