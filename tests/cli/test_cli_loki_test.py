"""`obsgate loki-test` end to end: on the engine with no Loki anywhere, exit codes, bad input."""
from __future__ import annotations

import json
import shutil
import socket

from obsgate.cli import main

FIXTURE = "tests/fixtures/loki/tests/fixture_logs.test.yml"


def test_runs_on_the_engine_with_no_loki_binary_on_path(tmp_path, repo_root, capsys, monkeypatch):
    shutil.copytree(repo_root / "tests" / "fixtures" / "loki", tmp_path / "loki")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    rc = main(["--root", str(tmp_path), "loki-test", str(tmp_path / "loki" / "tests" / "fixture_logs.test.yml")])
    out = capsys.readouterr()
    assert (rc, out.err) == (0, "")
    assert "Unit Testing:  loki/tests/fixture_logs.test.yml\n  SUCCESS (3 tests)\n" in out.out
    assert "3 tests in 1 files on obsgate's LogQL engine: all passed" in out.out


def test_the_repo_tests_pass_on_the_engine(repo_root, capsys):
    assert main(["--root", str(repo_root), "loki-test"]) == 0
    out = capsys.readouterr().out
    assert "all passed" in out and " 0 tests" not in out


def test_a_wrong_expectation_fails_with_a_diff(tmp_path, repo_root, capsys):
    shutil.copytree(repo_root / "tests" / "fixtures" / "loki" / "rules", tmp_path / "rules")
    (tmp_path / "tests").mkdir()
    text = (repo_root / FIXTURE).read_text()
    wrong = text.replace("logged 4 error lines", "logged 9 error lines").replace("eval_time: 7m", "eval_time: 9m")
    assert wrong != text
    path = tmp_path / "tests" / "wrong.test.yml"
    path.write_text(wrong)
    assert main(["--root", str(tmp_path), "loki-test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "alertname: FixtureErrorBurst, time: 8m," in out
    assert ("annotation description: expected 'llm-gateway logged 9 error lines in the last 5 minutes.', "
            "got 'llm-gateway logged 4 error lines in the last 5 minutes.'") in out
    # at 9m the near-miss burst has lasted 3m > for: 2m, so the "quiet" expectation is wrong too
    assert "alertname: FixtureErrorBurst, time: 9m," in out
    assert '+ unexpected alert {alertname="FixtureErrorBurst", service="llm-gateway", severity="warning"}' in out
    assert "2 failing alert_rule_test(s)" in out

    # the same failures as findings: JSON on stdout and a JUnit case per file, from obsgate's one reporter
    junit = tmp_path / "loki.xml"
    assert main(["--root", str(tmp_path), "loki-test", str(path), "--format", "json", "--junit", str(junit)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [f["check"] for f in found] == ["loki/rule-tests"] * 2 and all(f["severity"] == "error" for f in found)
    assert {f["line"] for f in found} and all(f["path"].endswith("wrong.test.yml") for f in found)
    xml = junit.read_text()
    assert 'failures="1"' in xml and 'name="obsgate loki-test"' in xml and "docs/checks/loki/rule-tests.md" in xml


def test_no_test_files_is_exit_2(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "loki-test"]) == 2
    assert "no LogQL test files: nothing matches generated/loki/tests/*.test.yml" in capsys.readouterr().err


def test_bad_input_is_path_line_message_and_hint(tmp_path, capsys):
    path = tmp_path / "bad.test.yml"
    path.write_text("rule_files: []\ntests:\n- name: a\n  input_streams: []\n  alert_rule_test:\n"
                    "  - {eval_time: soon, alertname: A}\n")
    assert main(["--root", str(tmp_path), "loki-test", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "bad.test.yml:6: error: `eval_time` is not a duration: `soon`"
    assert err[1].startswith("  hint: write it like")


def test_an_unreachable_loki_is_exit_2_never_a_pass(tmp_path, repo_root, capsys):
    with socket.socket() as s:  # a port nobody listens on: bound, never accepting
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        rc = main(["--root", str(repo_root), "loki-test", "--loki", f"http://127.0.0.1:{port}", str(repo_root / FIXTURE)])
    err = capsys.readouterr().err
    assert rc == 2 and f"error: http://127.0.0.1:{port} is not ready" in err and "drop --loki" in err


def test_each_test_gets_its_own_time_slot_for_an_auth_less_loki(repo_root):
    """Slots are back to back, each longer than its test's lines plus its rules' reach, all before now."""
    from obsgate.commands.loki_test import _loki_bases
    from obsgate.validate.loki_rule_tests import read as _read
    from obsgate.logql.ruletest import loading
    paths = sorted((repo_root / "generated" / "loki" / "tests").glob("*.test.yml"))
    files = [loading.load_test_file(_read, str(p), p.name) for p in paths]
    now = 2_000_000_000.0
    bases = _loki_bases(files, now)
    tests = [t for f in files for t in f.tests]
    assert len(bases) == len(tests) and bases == sorted(bases)
    for base, nxt, test in zip(bases, bases[1:] + [now], tests):
        assert base + test.horizon_s + 300 < nxt  # its lines and a 5m range fit before the next test starts
    assert now - bases[0] < 3 * 3600  # within Loki's default query_ingesters_within
