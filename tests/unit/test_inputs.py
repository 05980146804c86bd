"""The readers refuse hostile input on its line (obsgate/inputs/, limits in obsgate/model/limits.py)."""
from __future__ import annotations

import os
import time

import pytest

from obsgate import promql
from obsgate.inputs import InputError, jsonload, reading, yamlload
from obsgate.model import limits


def alias_bomb() -> str:
    """Billion laughs: 9 levels of 9 aliases each, ~350 bytes, 9**9 nodes when expanded."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(8):
        name, prev = chr(98 + i), chr(97 + i)
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return text


def test_refuses_an_alias_bomb_before_expanding_it():
    t0 = time.monotonic()
    with pytest.raises(InputError, match="alias expansion adds .* nodes; the limit is 100,000"):
        yamlload.load(alias_bomb())
    assert time.monotonic() - t0 < 1.0


def test_the_line_map_of_an_aliased_document_does_not_follow_aliases():
    text = alias_bomb().replace("*h", "*g")  # still 8 levels of sharing, only smaller
    lines = yamlload.line_map(text)
    assert len(lines) < 200 and lines[("i",)] == 9


def test_accepts_anchors_and_merge_keys_a_configuration_uses():
    data = yamlload.load("x: &x {a: 1, b: [1, 2]}\ny: *x\nz:\n  <<: *x\n  a: 2\n")
    assert data["y"] == {"a": 1, "b": [1, 2]} and data["z"] == {"a": 2, "b": [1, 2]}


def test_refuses_a_recursive_alias():
    with pytest.raises(InputError, match="recursive alias"):
        yamlload.load("a: &a [1, *a]\n")


@pytest.mark.parametrize("text, line, first", [
    ("a: 1\nb:\n  c: 2\n  c: 3\n", 4, 3),
    ("groups:\n- name: g\n  name: h\n", 3, 2),
], ids=["refuses a duplicate nested key", "refuses a duplicate key in a list item"])
def test_refuses_duplicate_yaml_keys_on_their_line(text, line, first):
    with pytest.raises(InputError) as err:
        yamlload.load(text)
    assert err.value.line == line and f"first at line {first}" in err.value.message


def test_refuses_yaml_nested_past_the_limit_on_its_line():
    text = "\n".join("  " * i + f"k{i}:" for i in range(limits.MAX_NESTING + 5)) + " 1\n"
    with pytest.raises(InputError, match="nested more than 100 levels deep") as err:
        yamlload.load(text)
    assert err.value.line == limits.MAX_NESTING + 1
    assert yamlload.load("a: " + "[" * 90 + "]" * 90)  # accepts nesting under the limit


def test_marked_mappings_carry_their_line():
    data = yamlload.load("a: 1\nb:\n  c: 2\n", marked=True)
    assert data.line == 1 and data["b"].line == 3


def test_refuses_duplicate_json_keys_on_their_line():
    with pytest.raises(InputError) as err:
        jsonload.load('{"uid": "a",\n "panels": [],\n "uid": "b"}')
    assert err.value.line == 3 and "duplicate key `uid` (first at line 1)" in err.value.message


def test_refuses_json_nested_100000_deep_without_a_recursion_error():
    with pytest.raises(InputError, match="nested more than 100 levels deep"):
        jsonload.load("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested more than 100"):
        jsonload.load('{"a":\n' * 150 + "1" + "}" * 150)
    assert jsonload.load('{"a": [[1]]}') == {"a": [[1]]}


def test_reads_only_regular_files(tmp_path):
    fifo = tmp_path / "rules.yml"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(InputError, match="is a FIFO"):
        reading.read_bytes(fifo)
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(InputError, match="is a directory"):
        reading.read_bytes(tmp_path)
    with pytest.raises(InputError, match="is a character device"):
        reading.read_bytes("/dev/zero")
    (tmp_path / "ok.yml").write_text("a: 1\n")
    assert reading.read_bytes(tmp_path / "ok.yml") == b"a: 1\n"


def test_names_a_symlink_loop_as_a_loop(tmp_path):
    (tmp_path / "a.yml").symlink_to(tmp_path / "b.yml")
    (tmp_path / "b.yml").symlink_to(tmp_path / "a.yml")
    with pytest.raises(InputError, match="symlink loop"):
        reading.read_bytes(tmp_path / "a.yml")
    with pytest.raises(InputError, match="no such file"):
        reading.read_bytes(tmp_path / "missing.yml")


def test_refuses_a_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 10)
    (tmp_path / "big.yml").write_text("a: 12345678901\n")
    with pytest.raises(InputError, match="is 15 bytes; the limit is 10"):
        reading.read_bytes(tmp_path / "big.yml")


def test_a_file_over_its_time_budget_is_stopped():
    t0 = time.monotonic()
    with pytest.raises(reading.OverBudget, match="longer than its 0.2 s budget"):
        with reading.time_budget(0.2):
            while True:
                pass
    assert time.monotonic() - t0 < 1.0


@pytest.mark.parametrize("expr, message", [
    (" + ".join(["up"] * 5000), "expression has 4,999 operators; the limit is 400"),
    ("x" * (20 * 1024 * 1024), "expression is 20,971,520 characters long; the limit is 32,768"),
    ("(" * 150 + "up" + ")" * 150, "expression nests 150 brackets deep; the limit is 100"),
    ("abs(" * 120 + "up" + ")" * 120, "nests 120 brackets deep"),
], ids=["refuses 5000 chained operators", "refuses a 20 MB expression", "refuses deep parentheses",
        "refuses deeply nested calls"])
def test_refuses_promql_past_the_limits_before_the_native_parser(expr, message):
    t0 = time.monotonic()
    with pytest.raises(promql.PromQLError, match=message):
        promql.parse(expr)
    assert time.monotonic() - t0 < 1.0


def test_accepts_real_promql_and_ignores_operators_in_strings_and_matchers():
    expr = 'sum by (job) (rate(http_requests_total{code=~"5..", path!="/a+b-c*d"}[5m])) / 3 > 0.5 or vector(0)'
    assert promql.metric_names(expr) == ["http_requests_total"]
    label = '"' + "+" * 1000 + '"'
    limits.check_promql(f'up{{a={label}}}')
    limits.check_promql(" + ".join(["up"] * limits.MAX_EXPR_OPERATORS))


def test_a_definition_with_an_oversized_expression_is_a_definition_error_not_a_crash():
    from obsgate.model import DefinitionError, RecordingRule

    with pytest.raises(DefinitionError, match="expression has 4,999 operators"):
        RecordingRule(record="job:up:sum", expr=" + ".join(["up"] * 5000))
