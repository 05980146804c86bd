"""`obsgate loki-test` exit codes that need no server: bad input and a missing Loki are exit 2, never a pass."""
from __future__ import annotations

import shutil

from obsgate.cli import main


def test_without_loki_installed_exits_2_and_says_so(tmp_path, repo_root, capsys, monkeypatch):
    shutil.copytree(repo_root / "tests" / "fixtures" / "loki", tmp_path / "loki")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    rc = main(["--root", str(tmp_path), "loki-test", str(tmp_path / "loki" / "tests" / "fixture_logs.test.yml")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "error: loki is not installed; LogQL rule tests need a real Loki" in err and "make tools" in err


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
