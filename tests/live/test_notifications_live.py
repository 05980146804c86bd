"""The repo's generated Alertmanager config, run by the real Alertmanager, delivering to the sinks.

Alertmanager, the alert sink and the SMTP sink run on free ports (no stack lock needed). Alerts are posted
to Alertmanager's API with the labels and rendered annotations Prometheus would send; the tests assert
what each receiver renders (LLMscope Slack and email per rule R1-R3, the generic LLM Guard Slack message,
PagerDuty) and that a family's critical alert inhibits its warning until it resolves.
"""
from __future__ import annotations

import datetime as dt
import re
import socket
import time
import types
from dataclasses import replace

import pytest
import yaml

from obsgate import render
from obsgate.generate import alertmanager
from obsgate.generate.prometheus import alert_labels
from obsgate.generate.target import Target
from obsgate.load import load
from obsgate.runtime.config import write_secrets
from sim_procs import PY, ROOT, free_port, get_json, http, running, start, stop, tool, wait_until

pytestmark = pytest.mark.live

PROJECT = load(ROOT)
RULES = {a.name: a for a in PROJECT.alerts}
CHART = {"latency_ms": "3500.50", "sigma": "3.20", "mean_ms": "2000.00", "stddev_ms": "500.00",
         "ucl_ms": "3500.00", "lcl_ms": "500.00"}  # the LLMscope specification's example violation


def _with_ports(project, ports: dict[str, int]):
    services = tuple(replace(s, port=ports[s.name]) if s.name in ports else s for s in project.stack.services)
    return replace(project, stack=replace(project.stack, services=services))


def _wait_tcp(port: int, proc, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "smtp sink exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"smtp sink not listening on {port}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notify")
    ports = {"alertmanager": free_port(), "alert-sink": free_port(), "smtp-sink": free_port()}
    project = _with_ports(PROJECT, ports)
    target = Target(project.stack.profile("ci"), runtime="native", sinks=True, paths={"am_secrets": str(tmp / "secrets")})
    write_secrets(project, types.SimpleNamespace(secrets=tmp / "secrets"), target)
    config = tmp / "alertmanager.yml"
    config.write_bytes(render.render_all({"generated/alertmanager/alertmanager.yml":
                                          alertmanager.config(project, target)})["generated/alertmanager/alertmanager.yml"])
    sink = f"http://127.0.0.1:{ports['alert-sink']}"
    am = f"http://127.0.0.1:{ports['alertmanager']}"
    with running([PY, "-m", "obsgate.sim.sink", "--port", str(ports["alert-sink"])], sink + "/healthz",
                 tmp / "sink.log", "sink"):
        smtp = start([PY, "-m", "obsgate.sim.smtp_sink", "--port", str(ports["smtp-sink"]), "--forward", sink],
                     tmp / "smtp.log")
        try:
            _wait_tcp(ports["smtp-sink"], smtp)
            cmd = [tool("alertmanager"), f"--config.file={config}", f"--storage.path={tmp / 'data'}",
                   f"--web.listen-address=127.0.0.1:{ports['alertmanager']}", "--cluster.listen-address="]
            with running(cmd, am + "/-/ready", tmp / "am.log", "alertmanager"):
                yield types.SimpleNamespace(am=am, sink=sink, config=yaml.safe_load(config.read_text()), tmp=tmp)
        finally:
            stop(smtp)


def _post(stack, name: str, extra: dict, annotations: dict | None = None, ends: bool = False) -> dict:
    rule = RULES[name]
    labels = {**alert_labels(rule), "alertname": name, **extra}
    alert = {"labels": labels, "annotations": {"summary": f"{name} summary", "description": f"{name} description",
                                               "runbook_url": f"https://runbooks.example/{name}.md",
                                               **(annotations or {})}}
    if ends:
        alert["endsAt"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)).isoformat()
    assert http("POST", stack.am + "/api/v2/alerts", [alert])[0] == 200
    return labels


def _notes(stack, **query) -> list[dict]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return get_json(f"{stack.sink}/notifications?{qs}")["notifications"]


SPC = [("R1", "LLMscopeLatencyBeyondThreeSigma", "#FF0000"), ("R2", "LLMscopeLatencySustainedShift", "#FFA500"),
       ("R3", "LLMscopeLatencyTrend", "#0099FF")]


@pytest.mark.parametrize("rule, name, color", SPC, ids=[r for r, _, _ in SPC])
def test_llmscope_slack_message_matches_the_specification_field_for_field(stack, rule, name, color):
    _post(stack, name, {"provider": "ollama", "model": "llama3", "job": "llmscope"}, CHART)
    [note] = wait_until(lambda: _notes(stack, alertname=name, receiver="llmscope-slack"), 30, what=f"{rule} on Slack")
    got = note["rendered"]
    assert note["kind"] == "slack" and got["channel"] == "#llmscope-alerts"
    assert got["title"] == f"🚨 {rule} Violation"
    assert got["color"] == color
    assert got["text"].splitlines() == ["Model: llama3", "Provider: ollama", "Latency: 3500.50ms", "Deviation: 3.20σ",
                                        "Mean: 2000.00ms", "Std Dev: 500.00ms", "UCL: 3500.00ms", "LCL: 500.00ms"]
    assert got["buttons"] == [{"text": "View Details", "url": "http://localhost:3000/d/llmscope-control-chart"
                                                             "?var-provider=ollama&var-model=llama3"}]
    assert note["alerts"][0]["labels"]["spc_rule"] == rule and note["alerts"][0]["status"] == "firing"


@pytest.mark.parametrize("rule, name, color", SPC, ids=[r for r, _, _ in SPC])
def test_llmscope_email_reaches_the_smtp_sink_with_the_same_fields(stack, rule, name, color):
    _post(stack, name, {"provider": "ollama", "model": "llama3", "job": "llmscope"}, CHART)
    # the Slack test of the same rule posted this alert already: its email may have gone out then, or now
    note = wait_until(lambda: _notes(stack, alertname=name, receiver="llmscope-email"), 30, what=f"{rule} email")[-1]
    got = note["rendered"]
    assert note["kind"] == "email" and got["title"] == f"🚨 {rule} Violation"
    assert got["to"] == ["llmscope-team@example.org", "llmscope-ops@example.org"]
    for cell in ("<td>Model</td><td>llama3</td>", "<td>Provider</td><td>ollama</td>",
                 "<td>Latency</td><td>3500.50ms</td>", "<td>Deviation</td><td>3.20σ</td>",
                 "<td>Mean</td><td>2000.00ms</td>", "<td>Std Dev</td><td>500.00ms</td>",
                 "<td>UCL</td><td>3500.00ms</td>", "<td>LCL</td><td>500.00ms</td>"):
        assert cell in got["text"]
    assert re.search(r'<a href="http://localhost:3000/d/llmscope-control-chart\?var-provider=ollama(&amp;|&)'
                     r'var-model=llama3">View Details</a>', got["text"]), got["text"]


def test_llm_guard_alerts_get_the_generic_slack_message_on_their_own_route(stack):
    name = "LLMGuardScannerConsecutiveFailures"
    _post(stack, name, {"job": "llm_guard", "instance": "guard:9101"})
    [note] = wait_until(lambda: _notes(stack, alertname=name), 30, what="the LLM Guard notification")
    assert note["receiver"] == "llm-guard-slack" and note["kind"] == "slack"
    assert note["rendered"]["title"] == name
    assert note["rendered"]["text"].splitlines() == [
        f"*Summary*: {name} summary", f"*Description*: {name} description", "*Severity*: critical",
        f"*Runbook*: https://runbooks.example/{name}.md"]


def test_a_critical_alert_pages_pagerduty_with_the_routing_key_from_its_file(stack):
    name = "OllamaDown"
    _post(stack, name, {"job": "ollama", "instance": "ollama:11434"})
    [note] = wait_until(lambda: _notes(stack, alertname=name), 30, what="the PagerDuty event")
    assert note["receiver"] == "pagerduty-critical" and note["kind"] == "pagerduty"
    assert note["payload"]["routing_key"] == "live-gate-routing-key" and note["payload"]["event_action"] == "trigger"
    assert note["rendered"]["title"] == f"{name}: {name} summary" and note["rendered"]["severity"] == "critical"
    assert note["alerts"][0]["labels"]["component"] == "ollama"


def test_a_critical_alert_inhibits_its_familys_warning_until_it_resolves(stack):
    crit, warn = "LanceDBDiskSpaceCritical", "LanceDBDiskSpaceWarning"
    assert RULES[crit].family == RULES[warn].family == "lancedb-disk"
    where = {"job": "lancedb", "instance": "lancedb-sim:9105"}
    _post(stack, crit, where)
    wait_until(lambda: _notes(stack, alertname=crit, receiver="pagerduty-critical"), 30, what="the critical page")
    _post(stack, warn, where)

    def warning_state():
        got = get_json(f'{stack.am}/api/v2/alerts?filter=alertname="{warn}"')
        return got and got[0]["status"]

    status = wait_until(lambda: (s := warning_state()) and s["state"] == "suppressed" and s, 15, what="suppression")
    assert status["inhibitedBy"], "suppressed, but not by an inhibit rule"
    time.sleep(3)  # several group intervals of the ci profile: a notification would have gone out by now
    assert _notes(stack, alertname=warn) == []
    _post(stack, crit, where, ends=True)
    [note] = wait_until(lambda: _notes(stack, alertname=warn, status="firing"), 30, what="the released warning")
    assert note["receiver"] == "slack" and note["rendered"]["channel"] == "#agent-bruno-alerts"
    assert warning_state()["state"] == "active"
