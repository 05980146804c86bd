"""`obsgate loki-test --loki URL` over HTTP: the push and query client against a running Loki-API server.

Here the server is obsgate's log store (a Loki-API-compatible stand-in built on the same engine, not
Loki): this proves the client path, tenants, time slots and refusals over the wire. The comparison
with the real Loki runs in the docker live job against the official image (same command, its URL).
"""
from __future__ import annotations

import shutil

import pytest

from obsgate.cli import main
from sim_procs import PY, free_port, running

pytestmark = pytest.mark.live

FIXTURE = "tests/fixtures/loki/tests/fixture_logs.test.yml"


@pytest.fixture(scope="module")
def loki_api(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("logstore")
    port = free_port()
    with running([PY, "-m", "obsgate.sim.logstore", "--port", str(port), "--retention", "1000h"],
                 f"http://127.0.0.1:{port}/ready", tmp / "logstore.log", "logstore"):
        yield f"http://127.0.0.1:{port}"


def loki_test(root, url, *files, capsys):
    rc = main(["--root", str(root), "loki-test", "--loki", url, *map(str, files)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_fixture_and_repo_tests_pass_over_http(repo_root, loki_api, capsys):
    rc, out, err = loki_test(repo_root, loki_api, repo_root / FIXTURE, capsys=capsys)
    assert (rc, err) == (0, "")
    assert f"Unit Testing:  {FIXTURE}\n  SUCCESS (3 tests)\n" in out
    assert f"3 tests in 1 files against loki " in out and f"at {loki_api}: all passed" in out
    rc, out, err = loki_test(repo_root, loki_api, capsys=capsys)
    assert (rc, err) == (0, "") and "all passed" in out


@pytest.fixture
def tmp_tests(tmp_path, repo_root):
    shutil.copytree(repo_root / "tests" / "fixtures" / "loki" / "rules", tmp_path / "rules")
    (tmp_path / "tests").mkdir()
    return tmp_path


def test_a_wrong_expectation_fails_with_a_diff_over_http(tmp_tests, repo_root, loki_api, capsys):
    text = (repo_root / FIXTURE).read_text()
    wrong = text.replace("logged 4 error lines", "logged 9 error lines")
    path = tmp_tests / "tests" / "wrong.test.yml"
    path.write_text(wrong)
    rc, out, _ = loki_test(repo_root, loki_api, path, capsys=capsys)
    assert rc == 1
    assert ("annotation description: expected 'llm-gateway logged 9 error lines in the last 5 minutes.', "
            "got 'llm-gateway logged 4 error lines in the last 5 minutes.'") in out
    assert "1 failing alert_rule_test(s)" in out


def test_queries_the_server_refuses_fail_with_its_reason(tmp_tests, repo_root, loki_api, capsys):
    (tmp_tests / "rules" / "fake" / "broken.yml").write_text(
        "groups:\n- name: broken\n  rules:\n"
        "  - alert: BadRegex\n    expr: sum(count_over_time({service=\"x\"} |~ \"x[\" [5m])) > 0\n"
        "  - alert: LogQuery\n    expr: '{service=\"x\"} |= \"error\"'\n")
    path = tmp_tests / "tests" / "broken.test.yml"
    path.write_text(
        "rule_files: [../rules/fake/broken.yml]\ntests:\n- name: both\n  input_streams:\n"
        "  - stream: '{service=\"x\"}'\n    lines: [{ts: 1m, line: error}]\n  alert_rule_test:\n"
        "  - {eval_time: 2m, alertname: BadRegex, exp_alerts: [{exp_labels: {}}]}\n"
        "  - {eval_time: 2m, alertname: LogQuery, exp_alerts: []}\n")
    rc, out, _ = loki_test(repo_root, loki_api, path, capsys=capsys)
    assert rc == 1
    assert "loki: " in out and "invalid regex `x[`" in out
    assert "log queries are not supported as an instant query type" in out
