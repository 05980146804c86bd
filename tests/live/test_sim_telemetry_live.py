"""The telemetry simulator as a real process: values move, faults change them, it stops cleanly."""
from __future__ import annotations

import socket
import time

import pytest

from sim_procs import (ROOT, SIMPROJECT, free_port, get_json, http, port_is_free, running, scrape, start, stop,
                       telemetry_cmd, total, wait_ready)

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("guard") / "sim.log"
    with running(telemetry_cmd("llm_guard", port, "--tick", "0.2"), f"http://127.0.0.1:{port}/healthz", log,
                 "llm-guard-sim") as proc:
        yield f"http://127.0.0.1:{port}", proc


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "sim.log"
    with running(telemetry_cmd("demo", port, "--tick", "0.2", root=SIMPROJECT), f"http://127.0.0.1:{port}/healthz",
                 log, "demo-sim") as proc:
        yield f"http://127.0.0.1:{port}", proc


def test_exports_every_catalog_metric_of_its_job_and_values_move(guard):
    url, _ = guard
    first = scrape(url + "/metrics")
    names = {n for n, _ in first}
    assert {"llm_guard_scanner_failures_total", "llm_guard_scanner_consecutive_failures",
            "llm_guard_scanner_scans_total", "llm_guard_scanner_scan_duration_seconds_count"} <= names
    assert {dict(ls)["error_type"] for n, ls in first if n == "llm_guard_scanner_failures_total"} == {
        "OSError", "RuntimeError", "ImportError", "MemoryError", "TimeoutError", "other"}
    time.sleep(1.0)
    second = scrape(url + "/metrics")
    scans = total(second, "llm_guard_scanner_scans_total") - total(first, "llm_guard_scanner_scans_total")
    assert 2.5 < scans < 9  # baseline 5/s over about a second
    assert total(second, "llm_guard_scanner_scan_duration_seconds_count") > total(
        first, "llm_guard_scanner_scan_duration_seconds_count")
    assert total(second, "llm_guard_scanner_failures_total") == 0  # healthy baseline


def test_a_fault_changes_the_series_it_names_and_clearing_restores_them(guard):
    url, _ = guard
    faults = get_json(url + "/faults")
    assert "scanner_failing" in {f["name"] for f in faults["available"]} and faults["active"] == []
    before = scrape(url + "/metrics")
    assert http("PUT", url + "/faults/scanner_failing")[0] == 200
    time.sleep(1.0)
    during = scrape(url + "/metrics")
    gained = total(during, "llm_guard_scanner_failures_total", error_type="OSError") - total(
        before, "llm_guard_scanner_failures_total", error_type="OSError")
    assert 12 <= gained <= 28  # 20/s
    assert total(during, "llm_guard_scanner_failures_total", error_type="MemoryError") == 0
    assert total(during, "llm_guard_scanner_consecutive_failures") == 12
    assert get_json(url + "/faults")["active"] == ["scanner_failing"]
    assert http("DELETE", url + "/faults/scanner_failing")[0] == 200
    time.sleep(0.5)
    after = scrape(url + "/metrics")
    assert total(after, "llm_guard_scanner_consecutive_failures") == 0
    assert total(after, "llm_guard_scanner_failures_total", error_type="OSError") >= total(
        during, "llm_guard_scanner_failures_total", error_type="OSError")


def test_unknown_faults_are_404(guard):
    url, _ = guard
    status, body = http("PUT", url + "/faults/nope")
    assert status == 404 and b"scanner_failing" in body


def test_metrics_down_answers_503_until_cleared(demo):
    url, _ = demo
    assert http("PUT", url + "/faults/metrics_down")[0] == 200
    assert http("GET", url + "/metrics")[0] == 503
    assert http("GET", url + "/healthz")[0] == 200
    assert http("DELETE", url + "/faults")[0] == 200
    assert http("GET", url + "/metrics")[0] == 200


def test_histogram_fault_moves_observations_above_the_threshold(demo):
    url, _ = demo
    before = scrape(url + "/metrics")
    http("PUT", url + "/faults/slow_search")
    time.sleep(1.0)
    during = scrape(url + "/metrics")
    http("DELETE", url + "/faults/slow_search")
    slow = total(during, "demo_latency_seconds_count", route="search") - total(
        before, "demo_latency_seconds_count", route="search")
    fast = total(during, "demo_latency_seconds_bucket", route="search", le="1.0") - total(
        before, "demo_latency_seconds_bucket", route="search", le="1.0")
    assert slow >= 3 and fast == 0  # 4 observations/s of 3 s each, none at or below 1 s


def test_sigterm_stops_it_with_exit_code_0_and_frees_the_port(tmp_path):
    port = free_port()
    log = tmp_path / "sim.log"
    proc = start(telemetry_cmd("llm_guard", port), log)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/healthz", log, "sim")
    finally:
        code = stop(proc)
    assert code == 0 and "stopped" in log.read_text()
    assert port_is_free(port)


def test_a_port_in_use_fails_fast_naming_the_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start(telemetry_cmd("llm_guard", port), tmp_path / "sim.log")
        code = proc.wait(20)
    assert code == 1 and f"port {port} on 127.0.0.1 is already in use" in (tmp_path / "sim.log").read_text()


def test_a_broken_project_exits_2_with_path_and_line(tmp_path):
    root = tmp_path / "broken"
    for sub in ("catalog", "stacks"):
        (root / sub).mkdir(parents=True)
    (root / "catalog" / "bad.py").write_text("from obsgate import Metric\nM = Metric('BadName', 'counter', help='h', job='j')\n")
    proc = start(telemetry_cmd("j", free_port(), root=root), tmp_path / "sim.log")
    code = proc.wait(20)
    text = (tmp_path / "sim.log").read_text()
    assert code == 2 and "catalog/bad.py:2: error:" in text and "Traceback" not in text
