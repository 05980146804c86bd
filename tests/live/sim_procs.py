"""Helpers for the simulator live tests: free ports, processes that are always stopped, scraping.

Not a conftest: other live tests keep their own fixtures; these tests import what they need.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "bin"
SIMPROJECT = ROOT / "tests" / "fixtures" / "simproject"
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens and a server could bind it again (TIME_WAIT leftovers allowed, as servers allow them)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def http(method: str, url: str, body: object = None, timeout: float = 10.0) -> tuple[int, bytes]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(url: str) -> object:
    status, body = http("GET", url)
    assert status == 200, f"GET {url} -> {status}: {body[:300]!r}"
    return json.loads(body)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a /metrics page, parsed by prometheus_client."""
    status, body = http("GET", url)
    assert status == 200, f"GET {url} -> {status}"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and all(dict(ls).get(k) == x for k, x in labels.items()))


def wait_until(check, timeout: float = 15.0, interval: float = 0.2, what: str = "condition"):
    """Poll `check()` until it returns a truthy value; fail naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (OSError, AssertionError, ValueError, KeyError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


class Proc:
    def __init__(self, popen: subprocess.Popen, log: Path, name: str) -> None:
        self.popen = popen
        self.log = log
        self.name = name

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL if it does not exit in `timeout`; the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


def start(cmd: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=cwd,
                                env={**os.environ, **(env or {})}, start_new_session=True)


def wait_ready(proc: subprocess.Popen, url: str, log: Path, name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{name} exited with {proc.returncode} before becoming ready:\n{_tail(log)}")
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{name} not ready at {url} after {timeout}s:\n{_tail(log)}")


@contextlib.contextmanager
def running(cmd: list[str], ready_url: str, log: Path, name: str, env: dict | None = None, timeout: float = 20.0):
    """Start a process, wait for `ready_url` to answer 200, yield it, and always stop it."""
    proc = start(cmd, log, env)
    try:
        wait_ready(proc, ready_url, log, name, timeout)
        yield Proc(proc, log, name)
    finally:
        stop(proc)


def telemetry_cmd(job: str, port: int, *extra: str, root: Path = ROOT) -> list[str]:
    return [PY, "-m", "obsgate.sim.telemetry", "--job", job, "--port", str(port), "--root", str(root), *extra]


def tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: run `make tools`"
    return str(path)


@contextlib.contextmanager
def ferretdb(tmp: Path):
    """A real FerretDB (SQLite) on a free port with its state under `tmp`: yields its Mongo URI once it
    answers ping, and always stops it."""
    import pymongo

    port = free_port()
    (tmp / "data").mkdir()
    proc = start([tool("ferretdb"), f"--listen-addr=127.0.0.1:{port}", "--handler=sqlite",
                  f"--sqlite-url=file:{tmp / 'data'}/", f"--state-dir={tmp}", "--telemetry=disable", "--debug-addr=-",
                  "--log-level=warn"], tmp / "ferretdb.log")
    uri = f"mongodb://127.0.0.1:{port}/obsgate"
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=300)

        def ping() -> bool:
            try:
                return client.admin.command("ping")["ok"] == 1.0
            except pymongo.errors.PyMongoError:
                return False

        wait_until(ping, timeout=15, what="ferretdb ping")
        client.close()
        yield uri
    finally:
        stop(proc)
