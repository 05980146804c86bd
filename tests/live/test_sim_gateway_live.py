"""The LLM gateway as a real process: Ollama/OpenAI calls over HTTP move its token counters.

A second gateway whose upstream is the first stands in for "a real Ollama upstream": the first
speaks the Ollama API, so the second exercises the forwarding path and the provider="ollama" labels.
"""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from sim_procs import PY, free_port, get_json, http, running, scrape, start, stop, total, wait_ready

pytestmark = pytest.mark.live

SIM = {"provider": "simulator", "model": "tinyllama"}


def gateway_cmd(port: int, *extra: str) -> list[str]:
    return [PY, "-m", "obsgate.sim.gateway", "--port", str(port), *extra]


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    """(simulator gateway URL, gateway forwarding to it, gateway forwarding to a closed port)."""
    logs = tmp_path_factory.mktemp("gateway")
    ports = [free_port() for _ in range(3)]
    closed = free_port()
    procs = [start(gateway_cmd(ports[0]), logs / "sim.log"),
             start(gateway_cmd(ports[1], "--upstream", f"http://127.0.0.1:{ports[0]}"), logs / "proxy.log"),
             start(gateway_cmd(ports[2], "--upstream-timeout", "2"), logs / "down.log",
                   env={"OBSGATE_LLM_UPSTREAM": f"http://127.0.0.1:{closed}"})]
    try:
        for proc, port, name in zip(procs, ports, ("sim", "proxy", "down")):
            wait_ready(proc, f"http://127.0.0.1:{port}/healthz", logs / f"{name}.log", f"gateway {name}")
        yield tuple(f"http://127.0.0.1:{p}" for p in ports)
    finally:
        for proc in procs:
            stop(proc)


def test_generate_increases_the_token_counters(gateways):
    url = gateways[0]
    before = scrape(url + "/metrics")
    status, body = http("POST", url + "/api/generate", {"model": "tinyllama", "prompt": "Why is the sky blue?",
                                                        "stream": False})
    doc = json.loads(body)
    after = scrape(url + "/metrics")
    assert status == 200 and doc["done"] and doc["response"]
    assert total(after, "llm_gateway_completion_tokens_total", **SIM) - total(
        before, "llm_gateway_completion_tokens_total", **SIM) == doc["eval_count"]
    assert total(after, "llm_gateway_prompt_tokens_total", **SIM) - total(
        before, "llm_gateway_prompt_tokens_total", **SIM) == doc["prompt_eval_count"] == 6
    assert total(after, "llm_gateway_request_duration_seconds_count", **SIM) == total(
        before, "llm_gateway_request_duration_seconds_count", **SIM) + 1


def test_ollama_streaming_arrives_as_ndjson_chunks(gateways):
    req = urllib.request.Request(gateways[0] + "/api/chat", method="POST", data=json.dumps(
        {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "hi"}]}).encode())
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/x-ndjson"
        lines = [json.loads(l) for l in resp.read().decode().splitlines()]
    assert len(lines) > 2 and lines[-1]["done"] and not any(l["done"] for l in lines[:-1])
    assert lines[-1]["eval_count"] == len(lines) - 1


def test_openai_chat_completions_report_usage(gateways):
    status, body = http("POST", gateways[0] + "/v1/chat/completions", {
        "model": "qwen2.5-coder-7b", "max_tokens": 5, "messages": [{"role": "user", "content": "hello"}]})
    doc = json.loads(body)
    assert status == 200 and doc["object"] == "chat.completion"
    assert doc["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    models = get_json(gateways[0] + "/v1/models")
    assert "qwen2.5-coder-7b" in {m["id"] for m in models["data"]}


def test_control_sets_latency_and_errors_and_resets(gateways):
    url = gateways[0]
    assert http("PUT", url + "/control", {"latency_seconds": 0.4})[0] == 200
    start_t = time.monotonic()
    assert http("POST", url + "/api/generate", {"model": "tinyllama", "prompt": "x", "stream": False})[0] == 200
    assert time.monotonic() - start_t >= 0.4
    http("PUT", url + "/control", {"latency_seconds": 0, "error_rate": 1.0, "error_type": "injected"})
    before = scrape(url + "/metrics")
    status, body = http("POST", url + "/api/generate", {"model": "tinyllama", "prompt": "x", "stream": False})
    after = scrape(url + "/metrics")
    http("DELETE", url + "/control")
    assert status == 500 and "injected" in json.loads(body)["error"]
    assert total(after, "llm_gateway_errors_total", error_type="injected", **SIM) == total(
        before, "llm_gateway_errors_total", error_type="injected", **SIM) + 1
    assert get_json(url + "/control")["error_rate"] == 0.0
    assert http("PUT", url + "/control", {"error_rate": 3})[0] == 400


def test_a_gateway_with_an_upstream_forwards_and_labels_provider_ollama(gateways):
    sim, proxy, _ = gateways
    body = {"model": "tinyllama", "prompt": "forward me", "stream": False}
    direct = json.loads(http("POST", sim + "/api/generate", body)[1])
    status, raw = http("POST", proxy + "/api/generate", body)
    forwarded = json.loads(raw)
    assert status == 200 and forwarded["response"] == direct["response"]
    metrics = scrape(proxy + "/metrics")
    assert total(metrics, "llm_gateway_completion_tokens_total", provider="ollama", model="tinyllama") == \
        direct["eval_count"]
    assert total(metrics, "llm_gateway_requests_total", provider="simulator") == 0
    assert get_json(proxy + "/healthz")["provider"] == "ollama"
    tags = get_json(proxy + "/api/tags")
    assert "tinyllama" in {m["name"] for m in tags["models"]}


def test_an_unreachable_upstream_is_counted_as_upstream_unreachable(gateways):
    down = gateways[2]
    status, body = http("POST", down + "/api/generate", {"model": "tinyllama", "prompt": "x", "stream": False})
    assert status == 502 and "unreachable" in json.loads(body)["error"]
    metrics = scrape(down + "/metrics")
    assert total(metrics, "llm_gateway_errors_total", provider="ollama", error_type="upstream_unreachable") == 1
    assert total(metrics, "llm_gateway_requests_total", provider="ollama", status="error") == 1


def test_self_traffic_makes_the_counters_move_without_clients(tmp_path):
    port = free_port()
    with running(gateway_cmd(port, "--self-traffic", "10"), f"http://127.0.0.1:{port}/healthz",
                 tmp_path / "gw.log", "gateway"):
        time.sleep(1.0)
        metrics = scrape(f"http://127.0.0.1:{port}/metrics")
    assert total(metrics, "llm_gateway_requests_total", provider="simulator", status="ok") >= 4
