"""A real Loki receives the simulators' log streams: baseline lines, a fault's burst, gateway requests."""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from sim_procs import PY, SIMPROJECT, free_port, get_json, http, running, telemetry_cmd, tool, wait_until

pytestmark = pytest.mark.live

# Single binary on the filesystem. Without the ingester and scheduler settings /ready takes 10-15 s and
# queries wait about 10 s for the scheduler ring; with them both answer in under a second.
LOKI_CONFIG = """auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: {http}
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: {grpc}
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: {data}
  storage:
    filesystem:
      chunks_directory: {data}/chunks
      rules_directory: {data}/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: "2024-01-01"
      store: tsdb
      object_store: filesystem
      schema: v13
      index: {{prefix: index_, period: 24h}}
ingester:
  lifecycler:
    min_ready_duration: 0s
    final_sleep: 0s
query_scheduler:
  use_scheduler_ring: false
limits_config:
  reject_old_samples: false
analytics:
  reporting_enabled: false
"""


def lines(loki: str, logql: str) -> list[tuple[dict, str]]:
    start = time.time_ns() - 120 * 10**9
    doc = get_json(f"{loki}/loki/api/v1/query_range?limit=1000&start={start}&query={urllib.parse.quote(logql)}")
    return [(r["stream"], v[1]) for r in doc["data"]["result"] for v in r["values"]]


@pytest.fixture(scope="module")
def loki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loki")
    port = free_port()
    (tmp / "loki.yml").write_text(LOKI_CONFIG.format(http=port, grpc=free_port(), data=tmp / "data"))
    with running([tool("loki"), f"-config.file={tmp / 'loki.yml'}"], f"http://127.0.0.1:{port}/ready",
                 tmp / "loki.log", "loki", timeout=40):
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


def test_a_loki_that_is_down_costs_lines_not_the_simulator(tmp_path):
    port, closed = free_port(), free_port()
    sim = f"http://127.0.0.1:{port}"
    with running(telemetry_cmd("demo", port, "--loki", f"http://127.0.0.1:{closed}", root=SIMPROJECT),
                 sim + "/healthz", tmp_path / "sim.log", "demo-sim"):
        health = wait_until(lambda: get_json(sim + "/healthz")["logs"]["failed"] > 0 and get_json(sim + "/healthz"),
                            timeout=10, what="a failed push")
        assert http("GET", sim + "/metrics")[0] == 200
    assert "Connection refused" in health["logs"]["last_error"]
