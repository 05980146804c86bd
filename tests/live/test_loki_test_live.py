"""`obsgate loki-test` against a real, short-lived Loki (the pinned build): firing, quiet, and failing cases."""
from __future__ import annotations

import shutil

import pytest

from obsgate.cli import main

pytestmark = pytest.mark.live

FIXTURE = "tests/fixtures/loki/tests/fixture_logs.test.yml"


@pytest.fixture(autouse=True)
def needs_loki(repo_root):
    assert (repo_root / ".tools" / "bin" / "loki").is_file(), "run `make tools`: these tests need the real Loki"


def loki_test(root, *files, capsys):
    rc = main(["--root", str(root), "loki-test", *map(str, files)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_fixture_tests_pass_firing_and_quiet_in_their_own_tenants(repo_root, capsys):
    """Test 2 of the fixture pushes to the same stream as test 1; it stays quiet only if tenants isolate them."""
    rc, out, err = loki_test(repo_root, repo_root / FIXTURE, capsys=capsys)
    assert (rc, err) == (0, "")
    assert f"Unit Testing:  {FIXTURE}\n  SUCCESS (3 tests)\n" in out
    assert "3 tests in 1 files against loki 3.5.7: all passed" in out


@pytest.fixture
def tmp_tests(tmp_path, repo_root):
    shutil.copytree(repo_root / "tests" / "fixtures" / "loki" / "rules", tmp_path / "rules")
    (tmp_path / "tests").mkdir()
    return tmp_path


def test_a_wrong_expectation_fails_with_a_diff(tmp_tests, repo_root, capsys):
    text = (repo_root / FIXTURE).read_text()
    wrong = text.replace("logged 4 error lines", "logged 9 error lines").replace("eval_time: 7m", "eval_time: 9m")
    assert wrong != text
    path = tmp_tests / "tests" / "wrong.test.yml"
    path.write_text(wrong)
    rc, out, _ = loki_test(repo_root, path, capsys=capsys)
    assert rc == 1
    assert "alertname: FixtureErrorBurst, time: 8m," in out
    assert ("annotation description: expected 'llm-gateway logged 9 error lines in the last 5 minutes.', "
            "got 'llm-gateway logged 4 error lines in the last 5 minutes.'") in out
    # at 9m the near-miss burst has lasted 3m > for: 2m, so the "quiet" expectation is wrong too
    assert "alertname: FixtureErrorBurst, time: 9m," in out
    assert '+ unexpected alert {alertname="FixtureErrorBurst", service="llm-gateway", severity="warning"}' in out
    assert "FixtureScannerFailOpen" not in out.split("against loki")[0].split("FAILED:")[1]
    assert "2 failing alert_rule_test(s)" in out


def test_queries_loki_refuses_fail_with_lokis_reason(tmp_tests, repo_root, capsys):
    (tmp_tests / "rules" / "fake" / "broken.yml").write_text(
        "groups:\n- name: broken\n  rules:\n"
        "  - alert: BadRegex\n    expr: sum(count_over_time({service=\"x\"} |~ \"x[\" [5m])) > 0\n"
        "  - alert: LogQuery\n    expr: '{service=\"x\"} |= \"error\"'\n")
    path = tmp_tests / "tests" / "broken.test.yml"
    path.write_text(
        "rule_files: [../rules/fake/broken.yml]\ntests:\n- name: both\n  input_streams:\n"
        "  - stream: '{service=\"x\"}'\n    lines: [{ts: 1m, line: error}]\n  alert_rule_test:\n"
        "  - {eval_time: 2m, alertname: BadRegex, exp_alerts: []}\n"
        "  - {eval_time: 2m, alertname: LogQuery, exp_alerts: []}\n")
    rc, out, _ = loki_test(repo_root, path, capsys=capsys)
    assert rc == 1
    assert "error: loki: parse error" in out and "error parsing regexp: missing closing ]" in out
    assert "error: loki: log queries are not supported as an instant query type" in out
