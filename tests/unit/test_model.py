"""Definition-time checks of the model: each bad definition names the field, the value and a fix."""
from __future__ import annotations

import pytest

from obsgate import AlertRule, DefinitionError, Label, LogStream, Metric, RecordingRule, RuleGroup, TestCase

OK = dict(help="h", job="svc")


def alert(**kw):
    base = dict(name="HighErrorRate", expr="up == 0", severity="warning", summary="s", description="d")
    base.update(kw)
    return AlertRule(**base)


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="HttpRequests", type="counter"), "is not snake_case"),
    (dict(name="http_requests", type="counter"), "is a counter without the `_total` suffix"),
    (dict(name="queue_depth_total", type="gauge"), "ends in `_total` but is a gauge"),
    (dict(name="latency_milliseconds", type="histogram"), "uses the non-base unit `milliseconds`"),
    (dict(name="disk_used_percent", type="gauge"), "uses the non-base unit `percent`"),
    (dict(name="latency", type="histogram", unit="seconds"), "does not end in its unit `_seconds`"),
    (dict(name="latency_seconds", type="histogram", unit="secs"), "is not a base unit"),
    (dict(name="requests_total", type="countr"), "`countr` is not a metric type"),
    (dict(name="requests_total", type="counter", labels={"user_id": ["a", "b"]}), "`user_id` is an unbounded label"),
    (dict(name="requests_total", type="counter", labels={"trace_id": ["a"]}), "`trace_id` is an unbounded label"),
    (dict(name="requests_total", type="counter", labels={"path": []}), "has neither declared values nor a bound"),
    (dict(name="requests_total", type="counter", labels={"le": ["1"]}), "are reserved"),
    (dict(name="queue_depth", type="gauge", buckets=(1, 2)), "are set on a gauge"),
    (dict(name="latency_seconds", type="histogram", unit="seconds", buckets=(2, 1)), "are not strictly increasing"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refuses_bad_metric(kwargs, message):
    with pytest.raises(DefinitionError) as err:
        Metric(**{**OK, **kwargs})
    assert message in err.value.message
    assert err.value.source.path.endswith("test_model.py") and err.value.source.line > 0


@pytest.mark.parametrize("kwargs", [
    dict(name="requests_total", type="counter", labels={"status": ["ok", "error"]}),
    dict(name="queue_depth", type="gauge"),
    dict(name="latency_seconds", type="histogram", unit="seconds"),
    dict(name="size_bytes", type="summary", unit="bytes"),
    dict(name="requests_total", type="counter", labels={"user_id": Label("user_id", bound=50)}),
    dict(name="requests_total", type="counter", labels={"client_id": 20}),
], ids=["accepts a counter with declared values", "accepts a gauge", "accepts a histogram in seconds",
        "accepts a summary in bytes", "accepts an unbounded label name with a declared bound",
        "accepts a bound written as a number"])
def test_accepts_valid_metric(kwargs):
    m = Metric(**{**OK, **kwargs})
    assert m.name == kwargs["name"]


def test_metric_type_is_normalized_and_series_names_follow_type():
    m = Metric("latency_seconds", "histogram", unit="seconds", **OK)
    assert m.series_names == ("latency_seconds_bucket", "latency_seconds_sum", "latency_seconds_count")
    assert m.grafana_unit == "s"
    assert m.cardinality == len(m.buckets) + 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="high_error_rate"), "is not CamelCase"),
    (dict(severity="page"), "`page` is not a severity"),
    (dict(summary=""), "field summary: `` is empty"),
    (dict(description=" "), "field description"),
    (dict(for_="5 minutes"), "is not a valid duration"),
    (dict(for_="5mm"), "is not a valid duration"),
    (dict(expr="rate(foo[5m]"), "does not parse"),
    (dict(labels={"severity": "critical"}), "is set by obsgate"),
    (dict(annotations={"runbook_url": "x"}), "is set by obsgate"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refuses_bad_alert(kwargs, message):
    with pytest.raises(DefinitionError) as err:
        alert(**kwargs)
    assert message in err.value.message
    assert 'alert "' in err.value.message


@pytest.mark.parametrize("kwargs", [
    dict(), dict(name="LLMGuardScannerDown"), dict(for_="1h30m"), dict(severity="info"), dict(for_="0s"),
], ids=["accepts a minimal alert", "accepts an acronym prefix", "accepts compound durations",
        "accepts info severity", "accepts an immediate alert"])
def test_accepts_valid_alert(kwargs):
    assert alert(**kwargs).name


def test_annotation_with_value_requires_explicit_expectation():
    case = TestCase("fires", series={"up": "0x5"}, at="5m", alerts=({},))
    with pytest.raises(DefinitionError) as err:
        alert(summary="value is {{ $value }}", tests=(case,))
    assert "annotations use more than `$labels`" in err.value.message


@pytest.mark.parametrize("kwargs, message", [
    (dict(series={}), "is empty"),
    (dict(series={"foo{": "1"}), "is not a series selector"),
    (dict(at="soon"), "is not a duration"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_refuses_bad_test_case(kwargs, message):
    base = dict(name="t", series={"up": "1x5"}, at="5m")
    with pytest.raises(DefinitionError) as err:
        TestCase(**{**base, **kwargs})
    assert message in err.value.message


def test_recording_rule_name_must_follow_level_metric_operation():
    with pytest.raises(DefinitionError) as err:
        RecordingRule("error_ratio", "sum(rate(x_total[5m]))")
    assert "level:metric:operations" in err.value.message
    assert RecordingRule("job:x:rate5m", "sum by (job) (rate(x_total[5m]))").name == "job:x:rate5m"


def test_rule_group_refuses_empty_and_foreign_rules():
    with pytest.raises(DefinitionError, match="is empty"):
        RuleGroup("empty", rules=())
    with pytest.raises(DefinitionError, match="is not an AlertRule or RecordingRule"):
        RuleGroup("mixed", rules=("not a rule",))


def test_log_stream_checks_format_and_labels():
    with pytest.raises(DefinitionError, match="is not a log format"):
        LogStream("app_logs", labels={"service": ["a"]}, format="xml")
    with pytest.raises(DefinitionError, match="unbounded label"):
        LogStream("app_logs", labels={"request_id": ["a"]})
    s = LogStream("app_logs", labels={"service": ["a"]}, fields=("level",))
    assert s.selector() == '{service="a"}'
