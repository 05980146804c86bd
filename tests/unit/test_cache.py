"""The content-addressed cache: a hit gives the same findings and bytes; one changed byte misses exactly
that entry; --no-cache neither reads nor writes it. Runs the real pinned promtool."""
from __future__ import annotations

import shutil

import pytest

from obsgate import cache
from obsgate.validate import context
from obsgate.validate.prom import rule_tests, rules as prom_rules
from obsgate.wrappers import promtool

from tests.conftest import ROOT

PROMTOOL = ROOT / ".tools" / "bin" / "promtool"
ALL = ["r0.test.yml", "r0.yml", "r1.test.yml", "r1.yml", "r2.test.yml", "r2.yml"]
pytestmark = pytest.mark.skipif(not PROMTOOL.is_file(), reason="needs the pinned promtool (make tools)")


def group(i: int, threshold: int) -> str:
    return (f"groups:\n- name: g{i}\n  rules:\n  - record: job:x{i}:sum\n    expr: sum(x{i})\n"
            f"  - alert: High{i}\n    expr: job:x{i}:sum > {threshold}\n")


def unit_tests(i: int, value: int) -> str:
    return (f"rule_files: [r{i}.yml]\nevaluation_interval: 1m\ntests:\n- interval: 1m\n"
            f"  input_series: [{{series: 'x{i}', values: '{value}x5'}}]\n"
            f"  alert_rule_test: [{{eval_time: 2m, alertname: High{i}, exp_alerts: [{{}}]}}]\n")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "_disabled", False)
    monkeypatch.setenv("PATH", f"{PROMTOOL.parent}:/usr/bin:/bin")
    for i in range(3):
        (tmp_path / f"r{i}.yml").write_text(group(i, 10))
        (tmp_path / f"r{i}.test.yml").write_text(unit_tests(i, 100 if i != 2 else 1))  # the third one fails
    return tmp_path


def run(root, monkeypatch):
    """prom/rule-tests and prom/rules on every file of `root`: (findings, the files promtool was given)."""
    given: list[str] = []
    real_test, real_check = promtool.test_rules, promtool.check_rules

    def test_rules(tool, files, *a, **kw):
        given.extend(files)
        return real_test(tool, files, *a, **kw)

    def check_rules(tool, files, *a, **kw):
        given.extend(files)
        return real_check(tool, files, *a, **kw)

    monkeypatch.setattr(promtool, "test_rules", test_rules)
    monkeypatch.setattr(promtool, "check_rules", check_rules)
    paths = sorted(str(p) for p in root.glob("*.yml"))
    ctx = context.for_paths(root, None, paths)
    found = rule_tests.check(ctx) + prom_rules.check(ctx)
    return sorted((p.check, p.path, p.line, p.message) for p in found), sorted(n.rsplit("/", 1)[-1] for n in given)


def test_a_hit_gives_the_same_findings_without_running_promtool(project, monkeypatch):
    cold, ran = run(project, monkeypatch)
    assert ran == ALL
    assert [f for f in cold if f[0] == "prom/rule-tests"] and all("r2.test.yml" in f[1] for f in cold)
    warm, ran = run(project, monkeypatch)
    assert warm == cold and ran == []


def test_one_byte_in_a_rule_or_its_test_misses_exactly_that_entry(project, monkeypatch):
    cold, _ = run(project, monkeypatch)
    (project / "r1.yml").write_text(group(1, 10).replace("> 10", "> 11"))  # the rule file r1's test reads
    again, ran = run(project, monkeypatch)
    assert ran == ["r1.test.yml", "r1.yml"] and again == cold  # its check and the test that reads it
    (project / "r2.test.yml").write_text(unit_tests(2, 9))  # one byte: 1 -> 9, still below the threshold
    again, ran = run(project, monkeypatch)
    assert ran == ["r2.test.yml"] and again == cold
    (project / "r2.test.yml").write_text(unit_tests(2, 100))  # now it passes: a fresh result, not the cached one
    fixed, ran = run(project, monkeypatch)
    assert ran == ["r2.test.yml"] and not [f for f in fixed if f[0] == "prom/rule-tests"]


def test_no_cache_neither_reads_nor_writes(project, monkeypatch):
    run(project, monkeypatch)
    shutil.rmtree(project / cache.DIR)
    monkeypatch.setattr(cache, "_disabled", True)
    _, ran = run(project, monkeypatch)
    _, again = run(project, monkeypatch)
    assert ran == again == ALL
    assert not (project / cache.DIR).exists()


def test_deleting_the_cache_is_a_miss_not_an_error(project, monkeypatch):
    cold, _ = run(project, monkeypatch)
    shutil.rmtree(project / ".cache")
    again, ran = run(project, monkeypatch)
    assert again == cold and ran == ALL


def test_generate_hit_is_byte_identical_and_a_changed_source_byte_misses(tmp_path, monkeypatch):
    from obsgate.commands import generate as command

    monkeypatch.setattr(cache, "_disabled", False)
    root = tmp_path / "p"
    shutil.copytree(ROOT / "tests" / "fixtures" / "project", root, ignore=shutil.ignore_patterns("__pycache__"))
    produced = []
    real = command.produce
    monkeypatch.setattr(command, "produce", lambda r: produced.append(r) or real(r))
    cold = command.cached_outputs(root)
    warm = command.cached_outputs(root)
    assert warm == cold and len(produced) == 1  # the hit ran no load and no generate
    assert cold == real(root)[1]  # and equals a run without the cache
    rules = root / "rules_src" / "shop.py"
    rules.write_text(rules.read_text().replace("shop_queue_depth > 100", "shop_queue_depth > 101"))
    changed = command.cached_outputs(root)
    assert len(produced) == 2 and changed != cold
    assert {p for p in cold if cold[p] != changed[p]} >= {"generated/prometheus/rules/shop.yml"}


AMTOOL = ROOT / ".tools" / "bin" / "amtool"


@pytest.mark.skipif(not AMTOOL.is_file(), reason="needs the pinned amtool (make tools)")
def test_amtool_route_answers_are_reused_until_the_config_changes(tmp_path, monkeypatch):
    from obsgate.load import load
    from obsgate.validate import am_tools
    from obsgate.wrappers import amtool

    shop = load(ROOT / "tests" / "fixtures" / "project")  # loaded before the cache is on: nothing written there
    monkeypatch.setattr(cache, "_disabled", False)
    monkeypatch.setenv("PATH", f"{AMTOOL.parent}:/usr/bin:/bin")
    asked: list[str] = []
    real = amtool.routes_test
    monkeypatch.setattr(amtool, "routes_test", lambda *a, **kw: asked.append(a[1]) or real(*a, **kw))
    config = tmp_path / "alertmanager.yml"
    config.write_text("route:\n  receiver: chat\n  routes:\n  - receiver: pager\n    matchers: ['severity=\"critical\"']\n"
                      "receivers: [{name: pager}, {name: chat}]\n")

    def findings():
        ctx = context.for_paths(tmp_path, shop, [str(config)])
        return sorted((p.check, p.line, p.message) for p in am_tools.check_routes(ctx))

    cold = findings()
    probes = len(asked)
    assert probes > 0
    assert findings() == cold and len(asked) == probes  # every answer from the cache
    config.write_text(config.read_text().replace("receiver: chat\n  routes", "receiver: pager\n  routes"))
    changed = findings()
    assert len(asked) == 2 * probes and changed != cold  # the changed file is asked again, and routes differ
    assert not (ROOT / "tests" / "fixtures" / "project" / cache.DIR).exists()
