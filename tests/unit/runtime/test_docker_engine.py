"""scripts/docker_engine.py: an engine that answers is used as is; without one, the reason reaches the tests."""
from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "docker_engine.py"
spec = importlib.util.spec_from_file_location("docker_engine", SCRIPT)
engine = importlib.util.module_from_spec(spec)
spec.loader.exec_module(engine)

SHOW_ENV = "import os; print(os.environ.get('DOCKER_HOST')); print(os.environ.get('OBSGATE_DOCKER_UNAVAILABLE'))"


@pytest.fixture
def fake_engine(tmp_path):
    """A unix socket answering GET /_ping like dockerd (status chosen by the test)."""
    path = tmp_path / "docker.sock"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(path))
    srv.listen()
    status = {"line": b"HTTP/1.1 200 OK"}
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.recv(1024)
                conn.sendall(status["line"] + b"\r\nContent-Length: 2\r\n\r\nOK")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield path, status
    stop.set()
    t.join()
    srv.close()


def run_script(env: dict, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "run", "--", *cmd], capture_output=True, text=True,
                          timeout=60, env=env)


def test_ping_accepts_only_an_ok_answer(fake_engine, tmp_path):
    path, status = fake_engine
    assert engine.ping(f"unix://{path}")
    status["line"] = b"HTTP/1.1 500 Internal Server Error"
    assert not engine.ping(f"unix://{path}")
    assert not engine.ping(f"unix://{tmp_path / 'absent.sock'}")


def test_an_engine_that_answers_is_used_as_is(fake_engine):
    path, _ = fake_engine
    env = {**os.environ, "DOCKER_HOST": f"unix://{path}", "OBSGATE_DOCKER_UNAVAILABLE": "stale"}
    res = run_script(env, sys.executable, "-c", SHOW_ENV)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [f"unix://{path}", "None"]
    assert "using the engine that answers" in res.stderr and "started a private dockerd" not in res.stderr


def test_without_any_way_to_an_engine_the_reason_reaches_the_command(tmp_path):
    bare = tmp_path / "bin"  # a PATH with python only: no dockerd, no apt-get
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    env = {"PATH": str(bare), "DOCKER_HOST": f"unix://{tmp_path / 'nothing.sock'}",
           "OBSGATE_DOCKER_SOCKET": str(tmp_path / "private.sock")}
    res = run_script(env, sys.executable, "-c", SHOW_ENV + "; raise SystemExit(3)")
    assert res.returncode == 3  # the command's exit code
    host, reason = res.stdout.splitlines()
    assert host == f"unix://{tmp_path / 'nothing.sock'}"
    if os.geteuid() == 0 and sys.platform.startswith("linux"):
        assert reason.startswith("no Docker engine answers, no dockerd is installed and apt-get is missing")
    else:
        assert reason.startswith("no Docker engine answers")
    assert "the docker live tests will be skipped" in res.stderr


def test_usage_without_a_command_is_exit_2():
    res = subprocess.run([sys.executable, str(SCRIPT), "run", "--"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 2 and "no command" in res.stderr
