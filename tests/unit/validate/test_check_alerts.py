"""alerts/*: annotations, severity, for, name and duplicates, on Prometheus and Loki rule files."""
from __future__ import annotations

import pytest

from obsgate.validate import alerts

from validate_builders import FULL, alert, expect, make_ctx, record, rules_file


def rules(*items):
    return {"rules.yml": rules_file(*items)}


ANNOTATIONS = [
    ("accepts valid summary, description and runbook_url", rules(alert()), []),
    ("accepts valid templated runbook URLs", rules(alert(annotations={**FULL, "runbook_url": "{{ $externalURL }}/x"})),
     []),
    ("ignores recording rules", rules(record("job:x:sum", "sum by (job) (shop_queue_depth)")), []),
    ("rejects a missing description", rules(alert(annotations={"summary": "s", "runbook_url": "https://x/y"})),
     ["alert `ShopQueueHigh` has no `description` annotation"]),
    ("rejects several missing annotations in one message", rules(alert(annotations={"summary": "s"})),
     ["has no `description`, `runbook_url` annotations"]),
    ("rejects empty annotations", rules(alert(annotations={**FULL, "summary": "  "})), ["has no `summary` annotation"]),
    ("rejects a runbook_url that is not a URL", rules(alert(annotations={**FULL, "runbook_url": "runbooks/x.md"})),
     ["runbook_url `runbooks/x.md` is not an http(s) URL"]),
    ("checks Loki rule files too", {"loki/rules/fake/x.yml": rules_file(alert(expr='count_over_time({a="b"}[5m]) > 1',
                                                                         annotations={"summary": "s"}))},
     ["has no `description`, `runbook_url` annotations"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in ANNOTATIONS], ids=[c[0] for c in ANNOTATIONS])
def test_annotations(tmp_path, files, expected):
    expect(alerts.annotations(make_ctx(tmp_path, files)), expected)


SEVERITY = [
    ("accepts valid critical, warning and info", rules(alert(severity="critical"), alert(name="B", severity="warning"),
                                                       alert(name="C", severity="info")), []),
    ("rejects a missing severity", rules(alert(severity=None)), ["alert `ShopQueueHigh` has no `severity` label"]),
    ("rejects an unknown severity", rules(alert(severity="page")),
     ["severity `page` is not one of critical, warning, info"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in SEVERITY], ids=[c[0] for c in SEVERITY])
def test_severity(tmp_path, files, expected):
    expect(alerts.severity(make_ctx(tmp_path, files)), expected)


FOR = [
    ("accepts valid critical alerts that wait 1m", rules(alert(severity="critical", for_="1m")), []),
    ("accepts valid absent() alerts that fire at once", rules(alert(severity="critical", for_=None,
                                                                    expr='absent(up{job="shop"})')), []),
    ("accepts valid absent_over_time() in LogQL",
     {"loki/r.yml": rules_file(alert(severity="critical", for_=None, expr='absent_over_time({a="b"}[5m])'))}, []),
    ("ignores warnings without for", rules(alert(severity="warning", for_=None)), []),
    ("rejects a critical alert without for", rules(alert(severity="critical", for_=None)),
     ["critical alert `ShopQueueHigh` pages after `for: 0s`"]),
    ("rejects a critical alert that waits 30s", rules(alert(severity="critical", for_="30s")),
     ["pages after `for: 30s`"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in FOR], ids=[c[0] for c in FOR])
def test_for(tmp_path, files, expected):
    expect(alerts.for_(make_ctx(tmp_path, files)), expected)


NAME = [
    ("accepts valid CamelCase", rules(alert(name="ShopQueueHigh"), alert(name="LLMGuardDown")), []),
    ("ignores recording rule names", rules(record("job:shop:sum", "sum(shop_queue_depth)")), []),
    ("rejects snake_case", rules(alert(name="shop_queue_high")), ["alert name `shop_queue_high` is not CamelCase"]),
    ("rejects lower camelCase", rules(alert(name="shopQueueHigh")), ["`shopQueueHigh` is not CamelCase"]),
    ("rejects underscores in CamelCase", rules(alert(name="Shop_Queue")), ["`Shop_Queue` is not CamelCase"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in NAME], ids=[c[0] for c in NAME])
def test_name(tmp_path, files, expected):
    expect(alerts.name(make_ctx(tmp_path, files)), expected)


DUPLICATE = [
    ("accepts valid pairs of one name at two severities",
     rules(alert(severity="warning"), alert(severity="critical", expr="shop_queue_depth > 500")), []),
    ("ignores the same name in Prometheus and Loki files",
     {"a.yml": rules_file(alert()), "loki/b.yml": rules_file(alert(expr='count_over_time({a="b"}[5m]) > 1'))}, []),
    ("rejects the same alert twice", rules(alert(), alert(expr="shop_queue_depth > 200")),
     ["alert `ShopQueueHigh` is defined twice with the same labels"]),
    ("ignores the same alert in independent external files", {"a.yml": rules_file(alert()),
                                                              "b.yml": rules_file(alert())}, []),
    ("warns about a recording rule recorded twice with other expressions (promtool warns too)",
     rules(record("job:x:sum", "sum(a)"), record("job:x:sum", "sum(b)")),
     ["recording rule `job:x:sum` is also recorded at"]),
    ("rejects a recording rule recorded twice with the same expression",
     rules(record("job:x:sum", "sum(a)"), record("job:x:sum", "sum( a )")),
     ["recording rule `job:x:sum` is defined twice"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in DUPLICATE], ids=[c[0] for c in DUPLICATE])
def test_duplicate(tmp_path, files, expected):
    expect(alerts.duplicate(make_ctx(tmp_path, files)), expected)


def test_duplicate_names_the_first_definition(tmp_path):
    [p] = alerts.duplicate(make_ctx(tmp_path, rules(alert(), alert())))
    assert p.message.endswith(f"(first at {tmp_path}/rules.yml:4)")
    assert p.line == 13  # the second `- alert:` (each rule takes 9 lines)
