"""Loki ruler alerts on the structured logs: error bursts per service, scanner fail-open events, LLM gateway
upstream errors. Their LogQL tests run against a real, short-lived Loki (`obsgate loki-test`)."""
import json

from obsgate import (Cause, LogEffect, LokiAlertRule, LokiRuleGroup, LokiTestCase, Runbook, Scenario, Step)

from catalog.logs import LLM_GATEWAY_LOGS, LLM_GUARD_LOGS, MCP_SERVER_LOGS
from rules_src.common_steps import FIRING_ALERTS, recent_alert_history, service_errors

ERROR_BURST_THRESHOLD = 20


def _line(**fields) -> str:
    return json.dumps(fields, separators=(",", ":"))


def _lines(line: str, count: int, start_s: int = 30, every_s: int = 5) -> tuple:
    """`count` copies of `line`, `every_s` seconds apart from `start_s` (offsets from the test start)."""
    return tuple((f"{start_s + i * every_s}s", line) for i in range(count))


MCP_ERROR = _line(level="error", event="request_failed", method="tools/call", status="error", msg="tool raised")
MCP_ERRORS = MCP_SERVER_LOGS.selector(level="error")
FAIL_OPEN = _line(level="warning", event="scanner_fail_open", error_type="OSError", scanner="PromptInjection",
                  msg="scanner raised; prompt passed through unscanned")
SCAN_OK = _line(level="info", event="scan_completed", error_type="", scanner="PromptInjection", msg="scan completed")
UPSTREAM_5XX = _line(level="error", event="request_failed", error_type="upstream_5xx", provider="ollama",
                     model="llama3.1-8b", status="error", msg="upstream /api/chat answered 502")
BAD_REQUEST = _line(level="error", event="request_failed", error_type="bad_request", provider="ollama",
                    model="llama3.1-8b", status="error", msg="upstream /api/chat answered 400")

SERVICE_ERROR_BURST = LokiAlertRule(
    name="ServiceErrorBurst", component="shared_infra",
    expr=f'sum by (service) (count_over_time({{service=~".+", level="error"}}[$window])) > {ERROR_BURST_THRESHOLD}',
    window="5m", for_="1m", severity="warning", category="errors",
    summary="{{ $labels.service }} logged more than 20 errors in 5 minutes",
    description="The service {{ $labels.service }} wrote more than 20 error-level log lines within 5 minutes: a "
                "burst of failures, whatever their metrics show.",
    tests=(
        LokiTestCase("fires on 40 errors within 4 minutes",
                     streams={MCP_ERRORS: _lines(MCP_ERROR, 40, every_s=5)}, at="4m",
                     alerts=({"service": "mcp-server"},)),
        LokiTestCase("stays quiet at 15 errors",
                     streams={MCP_ERRORS: _lines(MCP_ERROR, 15, every_s=10)}, at="4m"),
        LokiTestCase("ignores info lines",
                     streams={MCP_SERVER_LOGS.selector(level="info"): _lines(MCP_ERROR.replace("error", "info"), 40)},
                     at="4m"),
    ),
    runbook=Runbook(
        impact="Whatever the service does is failing repeatedly; users of it see errors.",
        steps=(Step("Errors per service over 5 minutes",
                    'sum by (service) (count_over_time({service=~".+", level="error"}[5m]))', lang="logql"),
               Step("The most frequent error events of the service",
                    'topk(5, sum by (event) (count_over_time({service="<service>", level="error"} | json [15m])))',
                    lang="logql"),
               service_errors("<service>"), FIRING_ALERTS),
        causes=(Cause("A dependency of the service is down", "Error events name the same upstream",
                      "Fix the dependency; see its alerts", likelihood="high"),
                Cause("A bad deploy", "The burst starts at a deploy time", "Roll back", likelihood="medium")),
        quick_fix="Read the error lines, then roll back or restart the service.",
        long_term_fix="Turn the dominant error into a metric with its own alert.",
        prevention="Alert on error ratios from metrics first; this log rule is the safety net.",
        related=("MCPServerHighErrorRate",),
    ),
    scenario=Scenario(fault="error_burst", target="mcp-server-sim", expect_labels={"service": "mcp-server"},
                      logs=(LogEffect({"service": "mcp-server", "level": "error"}, MCP_ERROR, per_second=10.0),)),
)

SCANNER_FAIL_OPEN = LokiAlertRule(
    name="LLMGuardScannerFailOpen", component="llm_guard_scanner", family="llm-guard-scanner",
    expr='sum by (service) (count_over_time({service="llm-guard"} |= "scanner_fail_open" | json'
         ' | event="scanner_fail_open" [$window])) > 0',
    window="5m", for_="0s", severity="warning", category="security",
    summary="LLM Guard let prompts through unscanned (fail-open)",
    description="The LLM Guard scanner logged scanner_fail_open events in the last 5 minutes: scans raised and the "
                "prompts were forwarded without injection screening.",
    tests=(
        LokiTestCase("fires on one fail-open event",
                     streams={LLM_GUARD_LOGS.selector(level="warning"): (("2m", FAIL_OPEN),),
                              LLM_GUARD_LOGS.selector(level="info"): _lines(SCAN_OK, 20)},
                     at="3m", alerts=({"service": "llm-guard"},)),
        LokiTestCase("stays quiet while scans complete",
                     streams={LLM_GUARD_LOGS.selector(level="info"): _lines(SCAN_OK, 30)}, at="3m"),
        LokiTestCase("stays quiet once the event is older than 5 minutes",
                     streams={LLM_GUARD_LOGS.selector(level="warning"): (("10s", FAIL_OPEN),)}, at="6m"),
    ),
    runbook=Runbook(
        impact="Some prompts reached the model without prompt-injection screening.",
        steps=(Step("Fail-open events by error type",
                    'sum by (error_type) (count_over_time({service="llm-guard"} | json | event="scanner_fail_open" [15m]))',
                    lang="logql"),
               Step("Scanner failures from metrics", "sum by (error_type) (rate(llm_guard_scanner_failures_total[5m]))"),
               service_errors("llm-guard")),
        causes=(Cause("Scanner model files missing or corrupt", "error_type ImportError/OSError",
                      "Re-deploy with the model cache mounted", likelihood="high"),
                Cause("Scanner out of memory", "error_type MemoryError", "Raise the memory limit", likelihood="medium")),
        quick_fix="Switch the gateway to fail-closed while the scanner is fixed.",
        long_term_fix="Fail closed after N consecutive failures (circuit breaker).",
        prevention="Keep LLMGuardScannerFailureRatioHigh routed; canary scanner upgrades.",
        related=("LLMGuardScannerFailureRatioHigh", "LLMGuardScannerConsecutiveFailures"),
    ),
    scenario=Scenario(fault="fail_open_logged", target="llm-guard-sim", expect_labels={"service": "llm-guard"},
                      logs=(LogEffect({"service": "llm-guard", "level": "warning"}, FAIL_OPEN, per_second=2.0),)),
)

GATEWAY_UPSTREAM_ERRORS = LokiAlertRule(
    name="LLMGatewayUpstreamErrors", component="llm_gateway",
    expr='sum by (error_type) (count_over_time({service="llm-gateway"} | json'
         ' | error_type=~"upstream_5xx|upstream_unreachable" [$window])) > 10',
    window="5m", for_="1m", severity="warning", category="availability",
    summary="LLM gateway: more than 10 upstream errors ({{ $labels.error_type }}) in 5 minutes",
    description="The LLM gateway logged more than 10 requests in 5 minutes that failed upstream with "
                "{{ $labels.error_type }}: the model server behind it is failing or unreachable.",
    tests=(
        LokiTestCase("fires on 30 upstream 5xx errors",
                     streams={LLM_GATEWAY_LOGS.selector(level="error"): _lines(UPSTREAM_5XX, 30, every_s=6)},
                     at="4m", alerts=({"error_type": "upstream_5xx"},)),
        LokiTestCase("stays quiet at 8 upstream errors",
                     streams={LLM_GATEWAY_LOGS.selector(level="error"): _lines(UPSTREAM_5XX, 8, every_s=20)},
                     at="4m"),
        LokiTestCase("ignores client errors (bad_request)",
                     streams={LLM_GATEWAY_LOGS.selector(level="error"): _lines(BAD_REQUEST, 30, every_s=6)},
                     at="4m"),
    ),
    runbook=Runbook(
        impact="LLM calls through the gateway fail; the agent and Hypertool get errors instead of completions.",
        steps=(Step("Upstream errors by type",
                    'sum by (error_type) (count_over_time({service="llm-gateway"} | json '
                    '| error_type=~"upstream.*" [15m]))', lang="logql"),
               Step("Gateway errors from metrics", "sum by (error_type) (rate(llm_gateway_errors_total[5m]))"),
               Step("Is Ollama up", 'up{job="ollama"}'),
               recent_alert_history("LLMGateway.*|OllamaDown")),
        causes=(Cause("Ollama down or restarting", "error_type upstream_unreachable; OllamaDown fires",
                      "Restart Ollama", likelihood="high"),
                Cause("Ollama overloaded (5xx under load)", "error_type upstream_5xx at peak traffic",
                      "Reduce concurrency or add capacity", likelihood="medium")),
        quick_fix="Restart Ollama; route traffic to a hosted provider meanwhile.",
        long_term_fix="Add retries with backoff and a second upstream.",
        prevention="Capacity-plan the model host (capacity dashboard).",
        related=("OllamaDown", "ServiceErrorBurst"),
    ),
    scenario=Scenario(fault="upstream_errors_logged", target="llm-gateway", expect_labels={"error_type": "upstream_5xx"},
                      logs=(LogEffect({"service": "llm-gateway", "level": "error"}, UPSTREAM_5XX, per_second=5.0),)),
)

GROUP = LokiRuleGroup("log_alerts", rules=(SERVICE_ERROR_BURST, SCANNER_FAIL_OPEN, GATEWAY_UPSTREAM_ERRORS))
