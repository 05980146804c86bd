"""Value mappings and field overrides, as the preview applies them."""
import math

import pytest

from obsgate.preview.colors import NAMED
from obsgate.preview.mappings import Mapped, Override, map_value, override
from obsgate.preview.spec import spec

MAPPINGS = [
    {"type": "value", "options": {"1": {"text": "up", "color": "green"}, "0": {"text": "down", "color": "red"}}},
    {"type": "range", "options": {"from": 2, "to": 10, "result": {"text": "several"}}},
    {"type": "special", "options": {"match": "nan", "result": {"text": "idle", "color": "blue"}}},
    {"type": "special", "options": {"match": "null", "result": {"text": "absent"}}},
    {"type": "regex", "options": {"pattern": "^1[0-9]{2}$", "result": {"color": "orange"}}},
]


@pytest.mark.parametrize("value,formatted,expected", [
    (1.0, "1", Mapped("up", NAMED["green"])),
    (0.0, "0", Mapped("down", NAMED["red"])),
    (5.0, "5", Mapped("several", None)),
    (10.0, "10", Mapped("several", None)),
    (math.nan, "NaN", Mapped("idle", NAMED["blue"])),
    (None, "", Mapped("absent", None)),
    (150.0, "150", Mapped(None, NAMED["orange"])),
    (11.0, "11", Mapped()),
], ids=["value", "another value", "range", "range is inclusive", "special nan", "special null",
        "regex on the formatted value", "ignores a value no mapping matches"])
def test_map_value(value, formatted, expected):
    assert map_value(value, MAPPINGS, formatted) == expected


OVERRIDES = [
    {"matcher": {"id": "byName", "options": "status 500"},
     "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
                    {"id": "displayName", "value": "server errors"}]},
    {"matcher": {"id": "byRegexp", "options": "p9.*"}, "properties": [{"id": "unit", "value": "ms"}]},
    {"matcher": {"id": "byFrameRefID", "options": "B"}, "properties": [{"id": "color", "value": {"fixedColor": "#00ff00"}}]},
    {"matcher": {"id": "byType", "options": "number"}, "properties": [{"id": "unit", "value": "bytes"}]},
]


@pytest.mark.parametrize("name,ref,expected", [
    ("status 500", "A", Override(NAMED["red"], "server errors", None)),
    ("p95", "A", Override(None, None, "ms")),
    ("anything", "B", Override("#00FF00", None, None)),
    ("status 200", "A", Override()),
], ids=["by name", "by regexp (whole name)", "by refId", "ignores unknown matchers and other names"])
def test_override(name, ref, expected):
    assert override(OVERRIDES, name, ref) == expected


def test_spec_carries_mappings_and_overrides():
    s = spec({"type": "stat", "fieldConfig": {"defaults": {"mappings": MAPPINGS}, "overrides": OVERRIDES}})
    assert len(s.mappings) == 5 and len(s.overrides) == 4 and s.series_overrides == ()
