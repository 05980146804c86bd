"""`obsgate doctor`: on this machine (pinned tools built) and on one with an empty .tools/ and bare PATH."""
from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from obsgate import tools
from obsgate.cli import main

REQUIRED = {"promtool", "amtool"}


@pytest.fixture
def no_docker(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")


@pytest.fixture
def empty_root(tmp_path, repo_root, monkeypatch):
    """A project root whose .tools/ is empty, with a PATH that holds none of the tools."""
    root = tmp_path / "root"
    (root / ".tools" / "bin").mkdir(parents=True)
    (root / "tools").mkdir()
    shutil.copy(repo_root / "tools" / "versions.toml", root / "tools" / "versions.toml")
    (tmp_path / "emptybin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "emptybin"))
    return root


def doctor_json(root, capsys):
    rc = main(["--root", str(root), "doctor", "--format", "json"])
    return rc, json.loads(capsys.readouterr().out)


def test_doctor_json_lists_the_built_pinned_tools(repo_root, capsys, no_docker):
    rc, data = doctor_json(repo_root, capsys)
    assert rc == 0
    by_name = {t["name"]: t for t in data["tools"]}
    assert list(by_name) == list(tools.TOOLS)
    for name, pin in tools.pinned(repo_root).items():
        t = by_name[name]
        assert {k: t[k] for k in ("found", "version", "source")} == {"found": True, "version": pin, "source": "built"}
        assert t["path"] == str(repo_root / ".tools" / "bin" / name)
    for name in ("pint", "dashboard-linter", "grafana"):
        assert by_name[name]["found"] is False and name in data["notes"]
    assert data["docker"]["reachable"] is False and data["missing_for_validate"] == []


def test_doctor_text_says_why_grafana_pint_and_dashboard_linter_are_absent(repo_root, capsys, no_docker):
    assert main(["--root", str(repo_root), "doctor"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:13] if line.strip()}
    assert rows["promtool"][:5] == ["promtool", "yes", tools.pinned(repo_root)["promtool"],
                                    tools.pinned(repo_root)["promtool"], "built"]
    assert rows["pint"][:2] == ["pint", "no"]
    assert "grafana: Grafana runs only in the docker runtime" in out
    assert "pint: not obtainable from the registries" in out
    assert "dashboard-linter: not obtainable from the registries" in out
    assert "docker engine: not reachable" in out
    assert "ok: every tool `obsgate validate` needs is installed" in out


def test_doctor_with_empty_tools_dir_exits_1_and_names_the_missing_tools(empty_root, capsys, no_docker):
    rc, data = doctor_json(empty_root, capsys)
    assert rc == 1
    assert all(t["found"] is False and t["path"] == "" and t["source"] == "" for t in data["tools"])
    assert set(data["missing_for_validate"]) == REQUIRED
    assert {t["name"]: t["pinned"] for t in data["tools"]}["promtool"] == tools.pinned(empty_root)["promtool"]


def test_doctor_text_with_empty_tools_dir_tells_to_run_make_tools(empty_root, capsys, no_docker):
    assert main(["--root", str(empty_root), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "error: `obsgate validate` needs promtool, amtool; run `make tools`" in out


def test_doctor_lists_no_loki_binaries_and_names_what_stands_in_for_them(empty_root, capsys, no_docker):
    rc, data = doctor_json(empty_root, capsys)
    assert not {"loki", "lokitool"} & {t["name"] for t in data["tools"]}
    assert not {"loki", "lokitool"} & set(data["missing_for_validate"])
    stand = {s["replaces"]: s for s in data["stand_ins"]}
    assert set(stand) == {"loki", "lokitool"}
    assert (stand["lokitool"]["module"], stand["lokitool"]["ok"]) == ("obsgate.logql", True)
    assert (stand["loki"]["module"], stand["loki"]["ok"]) == ("obsgate.sim.logstore", True)
    assert "not Loki" in stand["loki"]["by"] and "loki-test" in stand["lokitool"]["does"]
    main(["--root", str(empty_root), "doctor"])
    out = capsys.readouterr().out
    table = out.split("\n\n")[0]
    assert not [line for line in table.splitlines() if line.split()[0] in ("loki", "lokitool")]
    assert "  lokitool: obsgate's LogQL engine: ok (obsgate.logql " in out
    assert ("  loki: obsgate's log store, a Loki-API-compatible stand-in for machines without Loki, not Loki: ok "
            "(obsgate.sim.logstore ") in out


def test_doctor_names_an_older_tool_found_on_path(empty_root, tmp_path, capsys, no_docker):
    fake = tmp_path / "emptybin" / "promtool"
    fake.write_text("#!/bin/sh\necho 'promtool, version 2.42.0+ds (branch: debian/sid)'\n")
    fake.chmod(0o755)
    rc, data = doctor_json(empty_root, capsys)
    promtool = next(t for t in data["tools"] if t["name"] == "promtool")
    assert (promtool["found"], promtool["source"], promtool["version"]) == (True, "PATH", "2.42.0+ds")
    assert rc == 1 and "promtool" not in data["missing_for_validate"]
    main(["--root", str(empty_root), "doctor"])
    pin = tools.pinned(empty_root)["promtool"]
    assert f"warning: promtool 2.42.0+ds from PATH is not the pinned {pin}" in capsys.readouterr().out


class _FakeEngine(BaseHTTPRequestHandler):
    """Answers the two calls the docker SDK makes for from_env().ping()."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.endswith("/version"):
            body, ctype = json.dumps({"ApiVersion": "1.45", "Version": "26.1.0"}).encode(), "application/json"
        elif self.path.endswith("/_ping"):
            body, ctype = b"OK", "text/plain"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_doctor_reports_a_reachable_docker_engine(repo_root, capsys, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeEngine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{server.server_address[1]}")
        rc, data = doctor_json(repo_root, capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert rc == 0 and data["docker"] == {"reachable": True, "api_version": "1.45", "error": ""}
