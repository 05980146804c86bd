"""The LLM gateway's request handling and metrics, without sockets (the live tests add HTTP)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from obsgate.model import AlertRule, Effect, RuleGroup, Scenario
from obsgate.sim.gateway.app import GatewayApp
from obsgate.sim.gateway.control import Control, should_fail
from obsgate.sim.gateway.metrics import normalise_model
from obsgate.sim.httpd import BadRequest, Request

SIM = {"provider": "simulator", "model": "tinyllama"}


def post(app, path, body):
    resp = app.handle(Request("POST", path, {}, json.dumps(body).encode()))
    data = resp.body if isinstance(resp.body, bytes) else b"".join(resp.body)
    return resp.status, data


def value(app, name, **labels):
    return app.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
def app(repo_project):
    gw = GatewayApp(repo_project)
    gw.control = dataclasses.replace(gw.control, per_token_seconds=0.0)
    return gw


@pytest.mark.parametrize("given, expected", [
    ("llama3.1:8b", "llama3.1-8b"), ("tinyllama:latest", "tinyllama"), ("qwen2.5-coder:7b", "qwen2.5-coder-7b"),
    ("tinyllama", "tinyllama"),
])
def test_ollama_model_names_map_to_the_catalog_spelling(given, expected):
    assert normalise_model(given) == expected


@pytest.mark.parametrize("rate, failures", [(0.0, 0), (0.25, 25), (0.5, 50), (1.0, 100)])
def test_error_injection_fails_exactly_the_rate_of_requests(rate, failures):
    assert sum(should_fail(n, rate) for n in range(1, 101)) == failures


def test_control_accepts_valid_updates_and_refuses_bad_ones():
    c = Control().updated({"latency_seconds": 0.2, "error_rate": 1, "error_type": "timeout"}, ("timeout", "injected"))
    assert (c.latency_seconds, c.error_rate, c.error_type) == (0.2, 1.0, "timeout")
    for bad in ({"error_rate": 2}, {"latency_seconds": -1}, {"latency_seconds": "x"}, {"colour": 1},
                {"error_type": "oops"}, []):
        with pytest.raises(BadRequest):
            Control().updated(bad, ("injected",))


def test_generate_counts_tokens_requests_and_duration(app):
    status, data = post(app, "/api/generate", {"model": "tinyllama:latest", "prompt": "hello there", "stream": False})
    doc = json.loads(data)
    assert status == 200 and doc["done"] and doc["model"] == "tinyllama:latest"
    assert value(app, "llm_gateway_prompt_tokens_total", **SIM) == doc["prompt_eval_count"] == 2
    assert value(app, "llm_gateway_completion_tokens_total", **SIM) == doc["eval_count"] > 0
    assert value(app, "llm_gateway_requests_total", endpoint="generate", status="ok", **SIM) == 1
    assert value(app, "llm_gateway_request_duration_seconds_count", **SIM) == 1


def test_same_prompt_same_answer_through_every_endpoint(app):
    a = json.loads(post(app, "/api/generate", {"model": "tinyllama", "prompt": "p", "stream": False})[1])
    b = json.loads(post(app, "/api/generate", {"model": "tinyllama", "prompt": "p", "stream": False})[1])
    assert a["response"] == b["response"] and a["eval_count"] == b["eval_count"]
    chat = json.loads(post(app, "/api/chat", {"model": "tinyllama", "messages": [{"role": "user", "content": "p"}],
                                              "stream": False})[1])
    assert chat["message"]["role"] == "assistant" and chat["message"]["content"]
    oa = json.loads(post(app, "/v1/chat/completions", {"model": "tinyllama", "max_tokens": 4,
                                                       "messages": [{"role": "user", "content": "p"}]})[1])
    assert oa["usage"]["completion_tokens"] == 4 and oa["choices"][0]["finish_reason"] == "length"
    assert value(app, "llm_gateway_requests_total", endpoint="openai_chat", status="ok", **SIM) == 1


def test_ollama_streams_ndjson_by_default_and_openai_streams_sse_on_request(app):
    status, data = post(app, "/api/generate", {"model": "tinyllama", "prompt": "p"})
    lines = [json.loads(l) for l in data.decode().splitlines()]
    assert status == 200 and not lines[0]["done"] and lines[-1]["done"]
    whole = json.loads(post(app, "/api/generate", {"model": "tinyllama", "prompt": "p", "stream": False})[1])
    assert "".join(l["response"] for l in lines) == whole["response"]
    _, sse = post(app, "/v1/chat/completions", {"model": "tinyllama", "stream": True,
                                                "messages": [{"role": "user", "content": "p"}]})
    events = [e for e in sse.decode().split("\n\n") if e]
    assert events[-1] == "data: [DONE]" and json.loads(events[-2][6:])["usage"]["total_tokens"] > 0


def test_undeclared_models_are_refused_and_not_counted(app):
    status, data = post(app, "/api/generate", {"model": "gpt-4", "prompt": "p", "stream": False})
    assert status == 404 and "not found" in json.loads(data)["error"]
    assert b'model="gpt-4"' not in app.handle(Request("GET", "/metrics", {})).body


def test_bad_requests_are_counted_as_bad_request_errors(app):
    status, _ = post(app, "/api/generate", {"model": "tinyllama", "prompt": 3, "stream": False})
    assert status == 400
    assert value(app, "llm_gateway_errors_total", error_type="bad_request", **SIM) == 1
    assert value(app, "llm_gateway_requests_total", endpoint="generate", status="error", **SIM) == 1


def test_control_error_rate_injects_errors_of_the_chosen_type(app):
    app.handle(Request("PUT", "/control", {}, b'{"error_rate": 0.5, "error_type": "timeout"}'))
    codes = [post(app, "/api/generate", {"model": "tinyllama", "prompt": "p", "stream": False})[0] for _ in range(4)]
    assert codes == [200, 504, 200, 504]
    assert value(app, "llm_gateway_errors_total", error_type="timeout", **SIM) == 2
    app.handle(Request("DELETE", "/control", {}))
    assert app.control.error_rate == 0.0


def test_built_in_fault_upstream_down_fails_every_request_until_cleared(app):
    assert app.handle(Request("PUT", "/faults/upstream_down", {})).status == 200
    status, data = post(app, "/api/chat", {"model": "tinyllama", "messages": [], "stream": False})
    assert status == 502 and "upstream_unreachable" in json.loads(data)["error"]
    assert value(app, "llm_gateway_errors_total", error_type="upstream_unreachable", **SIM) == 1
    app.handle(Request("DELETE", "/faults", {}))
    assert post(app, "/api/chat", {"model": "tinyllama", "messages": [], "stream": False})[0] == 200


def test_scenario_effects_on_gateway_metrics_add_synthetic_traffic(repo_project):
    errors = repo_project.metric("llm_gateway_errors_total")
    rule = AlertRule(name="GatewayErrorsTest", expr="vector(1)", severity="info", summary="s", description="d",
                     scenario=Scenario("error_spike", "llm-gateway",
                                       effects=(Effect(errors, {"model": "tinyllama", "error_type": "timeout"}, rate=4),)))
    project = dataclasses.replace(repo_project, groups=repo_project.groups + (RuleGroup("gwtest", rules=(rule,)),))
    gw = GatewayApp(project)
    gw.handle(Request("PUT", "/faults/error_spike", {}))
    for _ in range(4):
        gw.step(0.5)
    assert value(gw, "llm_gateway_errors_total", error_type="timeout", **SIM) == pytest.approx(8)
    assert value(gw, "llm_gateway_errors_total", error_type="timeout", provider="ollama", model="tinyllama") == 0


def test_faults_and_routes_answer_json(app):
    doc = json.loads(app.handle(Request("GET", "/faults", {})).body)
    assert {"upstream_down", "slow_upstream"} <= {f["name"] for f in doc["available"]}
    assert app.handle(Request("PUT", "/faults/nope", {})).status == 404
    assert app.handle(Request("GET", "/nope", {})).status == 404
    tags = json.loads(app.handle(Request("GET", "/api/tags", {})).body)
    assert {m["name"] for m in tags["models"]} == {"llama3.1-8b", "qwen2.5-coder-7b", "tinyllama"}
