"""Threshold steps pick the colour of the highest step at or below a value."""
import math

import pytest

from obsgate.preview.colors import NAMED, absolute_steps, hex_color, threshold_color

ABS = {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1},
                                     {"color": "#FF9830", "value": 5}]}
PCT = {"mode": "percentage", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}

CASES = [
    ("below the first bound is the base colour", 0.5, ABS, None, None, NAMED["red"]),
    ("at a bound is that step", 1, ABS, None, None, NAMED["green"]),
    ("between bounds is the lower step", 3, ABS, None, None, NAMED["green"]),
    ("above the last bound is the last step", 99, ABS, None, None, "#FF9830"),
    ("steps out of order are sorted",
     3, {"steps": [{"color": "green", "value": 1}, {"color": "red", "value": None}]}, None, None, NAMED["green"]),
    ("percentage of min..max: 90 of 0..100 is red", 90, PCT, 0, 100, NAMED["red"]),
    ("percentage of min..max: 0.5 of 0..1 is green", 0.5, PCT, 0, 1, NAMED["green"]),
    ("percentage of min..max: 0.9 of 0..1 is red", 0.9, PCT, 0, 1, NAMED["red"]),
    ("no value is the base colour", None, ABS, None, None, NAMED["red"]),
    ("NaN is the base colour", math.nan, ABS, None, None, NAMED["red"]),
    ("no thresholds is green", 5, {}, None, None, NAMED["green"]),
]


@pytest.mark.parametrize("value,thresholds,lo,hi,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_threshold_color(value, thresholds, lo, hi, expected):
    assert threshold_color(value, thresholds, lo, hi) == expected


@pytest.mark.parametrize("name,expected", [
    ("green", "#73BF69"), ("dark-red", "#C4162A"), ("#abc", "#AABBCC"), ("#12ab34", "#12AB34"),
    ("rgba(255, 0, 0, 0.5)", "#FF000080"), ("rgb(0,128,255)", "#0080FF"), ("not-a-colour", "#808080"),
], ids=["named", "named shade", "short hex", "hex", "rgba", "rgb", "ignores an unknown name (grey)"])
def test_hex_color(name, expected):
    assert hex_color(name) == expected


def test_percentage_steps_map_onto_min_max():
    assert absolute_steps(PCT, 0, 2) == [(-math.inf, NAMED["green"]), (1.6, NAMED["red"])]
    assert absolute_steps(ABS, 0, 2)[1] == (1.0, NAMED["green"])
