"""The simulators' log streams reach obsgate's log store (the native runtime's Loki): baseline lines, a
fault's burst, gateway requests. (The Loki binary left the build: AGPL-3.0. Under docker the official
image receives the same pushes; the log store speaks the same push and query API.)"""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from sim_procs import PY, SIMPROJECT, free_port, get_json, http, running, telemetry_cmd, wait_until

pytestmark = pytest.mark.live


def lines(loki: str, logql: str) -> list[tuple[dict, str]]:
    start = time.time_ns() - 120 * 10**9
    doc = get_json(f"{loki}/loki/api/v1/query_range?limit=1000&start={start}&query={urllib.parse.quote(logql)}")
    return [(r["stream"], v[1]) for r in doc["data"]["result"] for v in r["values"]]


@pytest.fixture(scope="module")
def loki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("logstore")
    port = free_port()
    with running([PY, "-m", "obsgate.sim.logstore", "--port", str(port), "--data", str(tmp / "data")],
                 f"http://127.0.0.1:{port}/ready", tmp / "logstore.log", "logstore"):
        yield f"http://127.0.0.1:{port}"


def test_telemetry_sim_pushes_baseline_lines_and_fault_bursts(loki, tmp_path):
    port = free_port()
    sim = f"http://127.0.0.1:{port}"
    cmd = telemetry_cmd("demo", port, "--loki", loki, root=SIMPROJECT)
    with running(cmd, sim + "/healthz", tmp_path / "sim.log", "demo-sim"):
        base = wait_until(lambda: lines(loki, '{service="demo"}'), timeout=15, what="baseline demo lines")
        stream, line = base[0]
        assert stream["service"] == "demo" and stream["level"] in ("info", "warning", "error")
        assert line.startswith("event=") and "route=" in line  # logfmt with the declared fields
        assert http("PUT", sim + "/faults/error_burst")[0] == 200
        burst = wait_until(lambda: len(lines(loki, '{service="demo", level="error"} |= "payment declined"')) >= 20,
                           timeout=15, what="20 burst lines (20/s)")
        assert burst
        health = get_json(sim + "/healthz")["logs"]
        assert health["pushed"] > 20 and health["failed"] == 0


def test_gateway_pushes_one_line_per_request(loki, tmp_path):
    port = free_port()
    gw = f"http://127.0.0.1:{port}"
    with running([PY, "-m", "obsgate.sim.gateway", "--port", str(port), "--loki", loki], gw + "/healthz",
                 tmp_path / "gw.log", "gateway"):
        assert http("POST", gw + "/api/generate", {"model": "tinyllama", "prompt": "log me", "stream": False})[0] == 200
        assert http("POST", gw + "/api/generate", {"model": "tinyllama", "prompt": 1, "stream": False})[0] == 400
        found = wait_until(lambda: len(lines(loki, '{service="llm-gateway"}')) >= 2 and lines(
            loki, '{service="llm-gateway"}'), timeout=15, what="gateway request lines")
    by_level = {s["level"]: json.loads(l) for s, l in found}
    assert by_level["info"]["event"] == "request_completed" and by_level["info"]["model"] == "tinyllama"
    assert by_level["error"]["error_type"] == "bad_request" and by_level["error"]["status"] == "error"


def test_a_log_store_that_is_down_costs_lines_not_the_simulator(tmp_path):
    port, closed = free_port(), free_port()
    sim = f"http://127.0.0.1:{port}"
    with running(telemetry_cmd("demo", port, "--loki", f"http://127.0.0.1:{closed}", root=SIMPROJECT),
                 sim + "/healthz", tmp_path / "sim.log", "demo-sim"):
        health = wait_until(lambda: get_json(sim + "/healthz")["logs"]["failed"] > 0 and get_json(sim + "/healthz"),
                            timeout=10, what="a failed push")
        assert http("GET", sim + "/metrics")[0] == 200
    assert "Connection refused" in health["logs"]["last_error"]
