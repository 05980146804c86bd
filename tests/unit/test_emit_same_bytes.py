"""render's fast emitters (orjson, the direct YAML node builder) write the bytes the stock ones wrote."""
from __future__ import annotations

import json
import math

import pytest
import yaml

from obsgate import render
from obsgate.generate import generate
from obsgate.load import load


class _StockDumper(yaml.CSafeDumper):
    """render's dumper before the fast path: PyYAML's own representers, the C emitter."""

    def ignore_aliases(self, data) -> bool:
        return True


_StockDumper.add_representer(str, render._str_representer)


def stock_bytes(path: str, doc) -> bytes:
    if path.endswith(".json"):
        return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return render.to_bytes(path, doc, dumper=_StockDumper)


EDGES = {
    "floats": [0.0, -0.0, 1e-4, 9.99e-5, 1e-05, 1e-7, 2.5e-3, 0.1, 1.5, 100.0, 1e16, 1e17, 1e22, 5e-324,
               1.7976931348623157e308, 123456789.125, -3.0e-9],
    "special floats": [math.nan, math.inf, -math.inf],
    "ints": [0, -1, 2**53, 2**63 - 1, 2**63, -(2**63), 2**70],
    "strings": ["", "yes", "no", "on", "null", "~", "1.0", "0x1f", "1e5", "2026-12-01", "a: b", "- x", "#c", "'q'",
                '"d"', "tab\there", "multi\nline\n", "trailing ", " leading", "é ü 日本", "\u2028\u2029", "\x7f\x01",
                "=", "<<", "{a}", "[b]", "*x", "&y", "!t", "%p", "@", "`", "x" * 300],
    "nested": {"b": [{}, [], {"z": [None, True, False]}], "a": {"é": 1, "A": 2, "_": [[1, 2], {"k": "v"}]}},
}


@pytest.mark.parametrize("name", list(EDGES))
def test_edge_values_give_the_stock_bytes_in_json_and_yaml(name):
    doc = {name: EDGES[name], "list": [EDGES[name]]}
    for path in ("x.json", "x.yml"):
        assert render.to_bytes(path, doc) == stock_bytes(path, doc), (path, name)


def test_non_string_keys_and_other_types_take_the_stock_path():
    doc = {1: "int key", 2: ("a", "tuple")}
    assert render.to_bytes("x.json", doc) == stock_bytes("x.json", doc)
    assert b'"1": "int key"' in render.to_bytes("x.json", doc)
    assert render.to_bytes("x.yml", doc) == stock_bytes("x.yml", doc)  # PyYAML's own representers ran
    with pytest.raises(yaml.representer.RepresenterError):  # a type SafeDumper refuses is still refused
        render.to_bytes("x.yml", {"s": object()})


@pytest.mark.parametrize("project", ["repo", "fixture"])
def test_every_generated_file_has_the_stock_bytes(repo_root, project):
    root = repo_root if project == "repo" else repo_root / "tests" / "fixtures" / "project"
    docs = generate(load(root))
    checked = 0
    for path, doc in docs.items():
        if path.endswith((".json", ".yml", ".yaml")):
            assert render.to_bytes(path, doc) == stock_bytes(path, doc), path
            checked += 1
    assert checked > (50 if project == "repo" else 5)
