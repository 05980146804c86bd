"""grafana/*: datasource variable, $__rate_interval, unit, description, uids and panel ids, targets."""
from __future__ import annotations

import pytest

from obsgate.validate.grafana import (datasource_variable, no_targets, panel_description, panel_unit, rate_interval,
                                    uid_unique)

from validate_builders import DS, dashboard, expect, make_ctx, panel


def dash(*panels, **kw):
    return {"dash.json": dashboard(*panels, **kw)}


FIXED = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}
DATASOURCE = [
    ("accepts valid panels on the datasource variable", dash(panel()), []),
    ("accepts valid ${var} references with a format", dash(panel(datasource={"type": "prometheus",
                                                                             "uid": "${datasource:raw}"})), []),
    ("ignores rows and text panels", dash({"type": "row", "title": "R", "datasource": FIXED},
                                          {"type": "text", "title": "T"}), []),
    ("ignores Grafana's built-in datasources", dash(panel(datasource={"type": "datasource", "uid": "-- Grafana --"})),
     []),
    ("rejects a fixed datasource uid on the panel and its target", dash(panel(datasource=FIXED)),
     ["panel `Requests` uses the fixed datasource `P1809F7CD0C75ACF3`"] * 2),
    ("rejects a legacy datasource name", dash(panel(datasource="Prometheus")),
     ["uses the fixed datasource `Prometheus`"] * 2),
    ("rejects a variable the dashboard does not define", dash(panel(datasource={"type": "prometheus", "uid": "${ds}"})),
     ["uses datasource `${ds}`, but the dashboard defines no datasource variable `ds`"] * 2),
    ("rejects panels that name no datasource",
     dash(panel(datasource=None, targets=[{"refId": "A", "expr": "up"}])),
     ["panel `Requests` names no datasource"]),
    ("rejects a dashboard without a datasource variable", dash(panel(), variable=False),
     ["dashboard `shop-ext` has no datasource template variable",
      "no datasource variable `datasource`", "no datasource variable `datasource`"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in DATASOURCE], ids=[c[0] for c in DATASOURCE])
def test_datasource_variable(tmp_path, files, expected):
    expect(datasource_variable.check(make_ctx(tmp_path, files)), expected)


RATE = [
    ("accepts valid $__rate_interval", dash(panel(expr="sum(rate(x_total[$__rate_interval]))")), []),
    ("accepts valid ${__rate_interval}", dash(panel(expr="increase(x_total[${__rate_interval}])")), []),
    ("ignores range functions that are not rates", dash(panel(expr="max_over_time(x[5m])")), []),
    ("ignores rule files", {"r.yml": {"groups": [{"name": "g", "rules": [{"record": "a:b:c",
                                                                          "expr": "rate(x_total[5m])"}]}]}}, []),
    ("rejects a fixed range", dash(panel(expr="sum(rate(x_total[5m]))")),
     ["panel `Requests`: `rate(x_total[...])` uses a fixed range"]),
    ("rejects $__interval in irate", dash(panel(expr="irate(x_total[$__interval])")),
     ["`irate(x_total[...])` uses $__interval"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in RATE], ids=[c[0] for c in RATE])
def test_rate_interval(tmp_path, files, expected):
    expect(rate_interval.check(make_ctx(tmp_path, files)), expected)


UNIT = [
    ("accepts valid Grafana unit ids", dash(panel(unit="reqps"), panel(title="B", unit="percentunit")), []),
    ("accepts valid custom suffix units", dash(panel(unit="suffix:/h")), []),
    ("ignores panel types without units", dash(panel(type="logs", unit=None)), []),
    ("warns about a missing unit", dash(panel(unit=None)), ["panel `Requests` has no unit"]),
    ("rejects an unknown unit", dash(panel(unit="furlongs")), ["panel `Requests`: `furlongs` is not a Grafana unit"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in UNIT], ids=[c[0] for c in UNIT])
def test_panel_unit(tmp_path, files, expected):
    expect(panel_unit.check(make_ctx(tmp_path, files)), expected)


DESCRIPTION = [
    ("accepts valid descriptions", dash(panel()), []),
    ("ignores rows", dash({"type": "row", "title": "R"}), []),
    ("warns about a missing description", dash(panel(description=None)), ["panel `Requests` has no description"]),
    ("warns about a blank description", dash(panel(description="  ")), ["panel `Requests` has no description"]),
    ("finds panels inside collapsed rows",
     dash({"type": "row", "title": "R", "collapsed": True, "panels": [panel(title="Inner", description=None)]}),
     ["panel `Inner` has no description"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in DESCRIPTION], ids=[c[0] for c in DESCRIPTION])
def test_panel_description(tmp_path, files, expected):
    expect(panel_description.check(make_ctx(tmp_path, files)), expected)


UID = [
    ("accepts valid distinct uids", {"a.json": dashboard(panel(), uid="a"), "b.json": dashboard(panel(), uid="b")}, []),
    ("rejects a uid used twice", {"a.json": dashboard(panel(), uid="same"), "b.json": dashboard(panel(), uid="same")},
     ["dashboard uid `same` is also used by"]),
    ("rejects a missing uid", dash(panel(), uid=""), ["dashboard has no `uid`"]),
    ("rejects an invalid uid", dash(panel(), uid="has spaces in it"),
     ["dashboard uid `has spaces in it` is not 1-40 characters"]),
    ("rejects duplicate panel ids", dash(panel(id=7), panel(title="Second", id=7)),
     ["panel id 7 of `Second` is also used by panel `Requests`"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in UID], ids=[c[0] for c in UID])
def test_uid_unique(tmp_path, files, expected):
    expect(uid_unique.check(make_ctx(tmp_path, files)), expected)


NO_TARGETS = [
    ("accepts valid panels with a query", dash(panel()), []),
    ("ignores text panels", dash({"type": "text", "title": "Notes", "options": {"content": "x"}}), []),
    ("rejects a panel without targets", dash(panel(targets=[])), ["panel `Requests` has no query"]),
    ("rejects a panel whose targets are empty", dash(panel(targets=[{"refId": "A", "expr": " ", "datasource": DS}])),
     ["panel `Requests` has no query"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in NO_TARGETS], ids=[c[0] for c in NO_TARGETS])
def test_no_targets(tmp_path, files, expected):
    expect(no_targets.check(make_ctx(tmp_path, files)), expected)


def test_panel_findings_point_at_the_panel_line(tmp_path):
    [p] = panel_description.check(make_ctx(tmp_path, dash(panel(title="A"), panel(title="B", description=None))))
    text = (tmp_path / "dash.json").read_text().splitlines()
    assert p.line > 1 and text[p.line - 1].strip() == "{"
    assert '"title": "B"' in "\n".join(text[p.line - 1:p.line + 30])
