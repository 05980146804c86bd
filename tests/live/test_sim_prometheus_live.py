"""A real Prometheus scraping the telemetry simulator sees its metrics, and a fault through them."""
from __future__ import annotations

import urllib.parse

import pytest

from sim_procs import free_port, get_json, http, running, telemetry_cmd, tool, wait_until

pytestmark = pytest.mark.live


def query(prom: str, expr: str) -> list:
    doc = get_json(f"{prom}/api/v1/query?query={urllib.parse.quote(expr)}")
    assert doc["status"] == "success", doc
    return doc["data"]["result"]


def test_prometheus_scrapes_the_simulator_and_sees_a_fault(tmp_path):
    sim_port, prom_port = free_port(), free_port()
    sim = f"http://127.0.0.1:{sim_port}"
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: llm_guard
    static_configs:
      - targets: ["127.0.0.1:{sim_port}"]
""")
    prom = f"http://127.0.0.1:{prom_port}"
    cmd = [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
           f"--web.listen-address=127.0.0.1:{prom_port}"]
    with running(telemetry_cmd("llm_guard", sim_port, "--tick", "0.2"), sim + "/healthz", tmp_path / "sim.log", "sim"), \
            running(cmd, prom + "/-/ready", tmp_path / "prom.log", "prometheus"):
        wait_until(lambda: query(prom, 'up{job="llm_guard"} == 1'), timeout=15, what="up == 1")
        series = wait_until(lambda: query(prom, "llm_guard_scanner_scans_total"), what="scans series")
        assert {s["metric"]["result"] for s in series} == {"valid", "injection"}
        assert http("PUT", sim + "/faults/scanner_failing")[0] == 200
        hit = wait_until(lambda: query(prom, "llm_guard_scanner_consecutive_failures == 12"), timeout=10,
                         what="the fault's gauge value in Prometheus")
        assert hit[0]["metric"]["job"] == "llm_guard"
        assert http("PUT", sim + "/faults/nothing")[0] == 404
