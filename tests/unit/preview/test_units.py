"""Unit formatting like Grafana's unit ids, table-driven."""
import math

import pytest

from obsgate.preview.units import fixed, format_value

CASES = [
    ("short keeps small integers", 42, "short", None, "42"),
    ("short scales thousands to K", 1530, "short", None, "1.53 K"),
    ("short scales millions to Mil", 2_500_000, "short", None, "2.5 Mil"),
    ("short is the default for a missing unit", 0.1234, None, None, "0.123"),
    ("none never scales", 1530, "none", None, "1530"),
    ("percentunit multiplies by 100", 0.953, "percentunit", None, "95.3%"),
    ("percentunit of 1 is 100%", 1, "percentunit", None, "100%"),
    ("percent takes the value as is", 12.5, "percent", None, "12.5%"),
    ("s under a second is ms", 0.25, "s", None, "250 ms"),
    ("s under a millisecond is µs", 0.00042, "s", None, "420 µs"),
    ("s in seconds", 12.3, "s", None, "12.3 s"),
    ("s in minutes", 90, "s", None, "1.5 min"),
    ("s in hours", 7200, "s", None, "2 hour"),
    ("s in days", 172800, "s", None, "2 day"),
    ("s zero", 0, "s", None, "0 s"),
    ("ms under a second", 250, "ms", None, "250 ms"),
    ("ms over a second is s", 1500, "ms", None, "1.5 s"),
    ("bytes are IEC", 1536, "bytes", None, "1.5 KiB"),
    ("bytes below 1 KiB", 512, "bytes", None, "512 B"),
    ("bytes in GiB", 3 * 1024**3, "bytes", None, "3 GiB"),
    ("decbytes are SI", 1500, "decbytes", None, "1.5 kB"),
    ("reqps", 12.34, "reqps", None, "12.3 req/s"),
    ("reqps scales by 1000", 12_340, "reqps", None, "12.3 K req/s"),
    ("ops", 3, "ops", None, "3 ops/s"),
    ("opm", 0.5, "opm", None, "0.5 ops/min"),
    ("custom suffix", 4, "suffix:/h", None, "4/h"),
    ("custom prefix", 4, "prefix:$", None, "$4"),
    ("fixed decimals are kept", 0.5, "percentunit", 2, "50.00%"),
    ("fixed zero decimals round", 2.6, "short", 0, "3"),
    ("negative values keep their sign", -0.25, "s", None, "-250 ms"),
    ("an unknown unit is printed after the number", 3, "furlongs", None, "3 furlongs"),
    ("None is No value", None, "short", None, "No value"),
    ("NaN is NaN", math.nan, "short", None, "NaN"),
    ("infinity", math.inf, "short", None, "+Inf"),
]


@pytest.mark.parametrize("value,unit,decimals,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_format_value(value, unit, decimals, expected):
    assert format_value(value, unit, decimals) == expected


@pytest.mark.parametrize("value,expected", [(1234.5, "1235"), (0.001234, "0.00123"), (-0, "0"), (10.0, "10")],
                         ids=["three significant digits", "small values keep three digits", "minus zero",
                              "integral floats print as integers"])
def test_fixed(value, expected):
    assert fixed(value) == expected
