"""Legend names, the time window and its interval variables, reducers and stacking."""
import math

import pytest

from obsgate.preview.data import PanelData, Series, percent_stacked, reduce, stacked
from obsgate.preview.legend import series_name
from obsgate.preview.spec import spec
from obsgate.preview.timerange import TimeRangeError, parse_time, round_interval, variables, widen, window

NOW = 1_800_000_000.0


@pytest.mark.parametrize("labels,fmt,expected", [
    ({"job": "api", "code": "500"}, "{{job}} {{ code }}", "api 500"),
    ({"job": "api"}, "{{job}}/{{missing}}", "api/missing"),
    ({"__name__": "up", "job": "api"}, "", 'up{job="api"}'),
    ({"job": "b", "a": "x"}, "__auto", '{a="x", job="b"}'),
    ({}, "", "sum(rate(x[5m]))"),
], ids=["fills labels, spaces allowed", "a missing label stays as its name", "no format: metric and labels",
        "__auto is no format", "no labels: the query"])
def test_series_name(labels, fmt, expected):
    assert series_name(labels, fmt, "sum(rate(x[5m]))") == expected


@pytest.mark.parametrize("text,expected", [
    ("now", NOW), ("now-6h", NOW - 6 * 3600), ("now-7d", NOW - 7 * 86400), ("now-30m", NOW - 1800),
    ("now/d", NOW), ("1700000000000", 1_700_000_000.0), ("2023-11-14T22:13:20Z", 1_700_000_000.0),
], ids=["now", "hours", "days", "minutes", "ignores rounding", "epoch ms", "iso"])
def test_parse_time(text, expected):
    assert parse_time(text, NOW) == expected


def test_unreadable_time_is_an_error_naming_it():
    with pytest.raises(TimeRangeError, match="`yesterday`"):
        parse_time("yesterday", NOW)


def test_dashboard_window_and_step():
    win = window({"from": "now-6h", "to": "now"}, NOW, scrape=15)
    assert (win.start, win.end, win.step, win.label) == (NOW - 21600, NOW, 60.0, "now-6h to now")


def test_compressed_time_window_is_the_time_the_stack_ran():
    win = window({"from": "now-7d", "to": "now"}, NOW, scrape=1, started_at=NOW - 95)
    assert (win.start, win.step) == (NOW - 95, 1.0) and "95 s the stack has run" in win.label


def test_empty_range_is_an_error():
    with pytest.raises(TimeRangeError, match="empty"):
        window({"from": "now", "to": "now-1h"}, NOW, scrape=15)


def test_interval_variables_follow_grafana():
    v = variables(window({"from": "now-6h"}, NOW, scrape=15), scrape=15)
    assert v["__interval"] == "1m" and v["__rate_interval"] == "75s" and v["__range"] == "6h"
    short = variables(window(None, NOW, scrape=1, started_at=NOW - 120), scrape=1)
    assert short["__rate_interval"] == "4s" and short["__range_s"] == "120"  # 4 scrapes at least
    assert round_interval(7) == 10 and round_interval(61) == 120


def test_widen_raises_short_windows_and_keeps_longer_ones():
    short = widen(variables(window(None, NOW, scrape=1, started_at=NOW - 120), scrape=1), 60)
    assert (short["__rate_interval"], short["__interval"], short["__interval_ms"], short["__range"]) == (
        "1m", "1m", "60000", "2m")
    long = widen(variables(window({"from": "now-7d"}, NOW, scrape=15), scrape=15), 60)
    assert long["__interval"] == "20m" and long["__rate_interval"] == "1215s"  # untouched: already wider


NAN = math.nan


@pytest.mark.parametrize("calc,expected", [
    ("lastNotNull", 3.0), ("last", None), ("first", 1.0), ("mean", 2.0), ("max", 3.0), ("min", 1.0),
    ("sum", 6.0), ("count", 4.0), ("range", 2.0), ("diff", 2.0), ("unknownCalc", 3.0),
], ids=lambda x: str(x))
def test_reduce(calc, expected):
    assert reduce((1.0, 2.0, 3.0, NAN), calc) == expected


def test_reduce_of_nothing_is_none():
    assert reduce((), "lastNotNull") is None and reduce((NAN,), "max") is None


def test_stacking_sums_and_percent():
    assert stacked([(1.0, 2.0), (3.0, NAN)]) == [(1.0, 2.0), (4.0, NAN)]
    assert percent_stacked([(1.0, 1.0), (3.0, 0.0)]) == [(0.25, 1.0), (1.0, 1.0)]


def test_panel_data_empty_means_no_sample_and_all_nan_means_no_number():
    assert PanelData().empty and PanelData((Series("a", (), (), ()),)).empty and not PanelData().all_nan
    nan_only = PanelData((Series("a", (), (1.0,), (NAN,)),))
    assert not nan_only.empty and nan_only.all_nan
    assert not PanelData((Series("a", (), (1.0, 2.0), (NAN, 0.0)),)).all_nan


def test_spec_reads_json_with_grafana_defaults():
    s = spec({"type": "timeseries", "title": "T", "fieldConfig": {"defaults": {
        "unit": "s", "min": 0, "custom": {"stacking": {"mode": "normal"}, "fillOpacity": 10,
                                           "thresholdsStyle": {"mode": "line"}}}},
              "options": {"legend": {"showLegend": False}}})
    assert (s.unit, s.minimum, s.stacking, s.fill_opacity, s.threshold_style, s.show_legend, s.calc) == (
        "s", 0.0, "normal", 10.0, "line", False, "lastNotNull")
    assert spec({"type": "stat"}).color_mode == "thresholds" and not spec({"type": "piechart"}).known
    assert spec({"type": "text", "options": {"content": "# hi", "mode": "markdown"}}).text == "# hi"
