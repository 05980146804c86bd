"""Day-23 shared services: MCP server errors, targets of the shared services, disaster-recovery drills."""
from obsgate import AlertRule, Cause, Effect, RecordingRule, RuleGroup, Runbook, Sample, Scenario, Step, TestCase

from catalog.shared_infra import MCP_REQUESTS
from rules_src.common_steps import (FIRING_ALERTS, error_ratio, histogram_p95, scrape_errors, service_errors,
                                   target_health)

SHARED_JOBS = ("mcp_server", "butler", "backoffice", "benchmarks")

MCP_ERROR_RATIO = RecordingRule(
    "method:mcp_http_request_errors:ratio_rate5m",
    'sum by (method) (rate(mcp_http_requests_total{status="error"}[5m]))'
    " / (sum by (method) (rate(mcp_http_requests_total[5m])) > 0)",
    tests=(TestCase("3 errors in 60 tools/call requests is 5%",
                    series={'mcp_http_requests_total{method="tools/call",status="ok"}': "0+57x10",
                            'mcp_http_requests_total{method="tools/call",status="error"}': "0+3x10"},
                    at="10m", promql={"round(method:mcp_http_request_errors:ratio_rate5m * 100)": (
                        Sample('{method="tools/call"}', 5),)}),),
)

MCP_HIGH_ERROR_RATE = AlertRule(
    name="MCPServerHighErrorRate", component="mcp_server",
    expr="method:mcp_http_request_errors:ratio_rate5m > 0.1",
    for_="10m", severity="warning", category="availability",
    summary="MCP server fails more than 10% of {{ $labels.method }} requests",
    description="For 10 minutes more than 10% of the MCP HTTP server's {{ $labels.method }} requests returned "
                "an error; agents using its tools get failed tool calls.",
    tests=(
        TestCase("fires at 20% errors on tools/call",
                 series={'mcp_http_requests_total{method="tools/call",status="ok"}': "0+80x30",
                         'mcp_http_requests_total{method="tools/call",status="error"}': "0+20x30"},
                 at="25m", alerts=({"method": "tools/call"},)),
        TestCase("stays quiet at 8%",
                 series={'mcp_http_requests_total{method="tools/call",status="ok"}': "0+92x30",
                         'mcp_http_requests_total{method="tools/call",status="error"}': "0+8x30"},
                 at="25m"),
    ),
    runbook=Runbook(
        impact="Agents' tool calls through MCP fail; workflows stall or answer without tool results.",
        steps=(error_ratio("mcp_http_requests_total", 'status="error"', by=("method",)),
               histogram_p95("mcp_http_request_duration_seconds", by=("method",)),
               service_errors("mcp-server"), FIRING_ALERTS),
        causes=(Cause("A tool's backend is down", "Errors concentrate on tools/call", "Fix or disable that tool", likelihood="high"),
                Cause("Bad deploy of the MCP server", "All methods fail from a deploy time", "Roll back", likelihood="medium")),
        quick_fix="Disable the failing tool or roll back the server.",
        long_term_fix="Give each tool its own timeout and error budget.",
        prevention="Contract-test tools before deploying the MCP server.",
        related=("SharedServiceTargetDown",),
    ),
    scenario=Scenario(fault="tool_errors", target="mcp-server-sim", expect_labels={"method": "tools/call"},
                      effects=(Effect(MCP_REQUESTS, {"method": "tools/call", "status": "error"}, rate=5.0),)),
)

TARGET_DOWN = AlertRule(
    name="SharedServiceTargetDown",
    expr=f'up{{job=~"{"|".join(SHARED_JOBS)}"}} == 0',
    for_="2m", severity="warning", category="availability",
    summary="Shared service {{ $labels.job }} is not scraped",
    description="Prometheus has failed to scrape {{ $labels.job }} ({{ $labels.instance }}) for 2 minutes: the "
                "service is down or its /metrics endpoint is broken.",
    tests=(
        TestCase("fires when the Butler sidecar is down",
                 series={'up{job="butler",instance="butler-sim:9107"}': "1 1 0 0 0 0 0",
                         'up{job="mcp_server",instance="mcp-server-sim:9106"}': "1x6"},
                 at="6m", alerts=({"job": "butler", "instance": "butler-sim:9107"},)),
        TestCase("stays quiet for a 1-minute blip",
                 series={'up{job="butler",instance="butler-sim:9107"}': "1 1 1 1 0 1 1"}, at="6m"),
        TestCase("ignores targets outside the shared services",
                 series={'up{job="prometheus",instance="prometheus:9090"}': "0x6"}, at="6m"),
    ),
    runbook=Runbook(
        impact="The service's RED metrics and alerts are blind; the service itself may be down.",
        steps=(target_health("<job>"), scrape_errors("<job>"), FIRING_ALERTS),
        causes=(Cause("Service process down", "Its health endpoint does not answer", "Restart it", likelihood="high"),
                Cause("Port or path changed", "The service runs but /metrics 404s", "Regenerate the scrape config", likelihood="medium")),
        quick_fix="Restart the service.",
        long_term_fix="Run each shared service under a supervisor with a health check.",
        prevention="Keep ports and scrape paths generated from the one stack model.",
        related=("MCPServerHighErrorRate",),
    ),
    scenario=Scenario(fault="metrics_down", target="mcp-server-sim", expect_labels={"job": "mcp_server"},
                      metrics_down=True),
)

DR_DRILL_FAILED = AlertRule(
    name="DRDrillFailed", component="backup",
    expr="min by (drill) (dr_drill_last_result) < 0.5",
    for_="5m", severity="warning", category="backup",
    summary="Disaster-recovery drill {{ $labels.drill }} failed",
    description="The last {{ $labels.drill }} drill finished with a failure: the documented recovery does not work "
                "as written.",
    tests=(
        TestCase("fires when the last stack_restore drill failed",
                 series={'dr_drill_last_result{drill="stack_restore"}': "1x5 0x20"},
                 at="20m", alerts=({"drill": "stack_restore"},)),
        TestCase("stays quiet while the drill passed",
                 series={'dr_drill_last_result{drill="stack_restore"}': "1x25"}, at="20m"),
        TestCase("stays quiet before any drill ran", series={'up{job="obsgate_drill"}': "1x25"}, at="20m"),
    ),
    runbook=Runbook(
        impact="A real disaster would follow a recovery procedure known to fail.",
        steps=(Step("Result, progress and recovery time of each drill",
                    "min by (drill) (dr_drill_last_result)"),
               Step("Where the drill stopped", "min by (drill) (dr_drill_progress_ratio)"),
               Step("Recovery time achieved (RTO)", "max by (drill) (dr_drill_recovery_duration_seconds)"),
               Step("Evidence that differed and the failures the drill named (its report)",
                    "jq '.failures, [.evidence[] | select(.equal | not)]' .run/drill/report.json", lang="shell")),
        causes=(Cause("Runbook out of date", "The drill stopped at a step that changed", "Update the procedure", likelihood="high"),
                Cause("Backup unusable", "LanceDBBackupVerificationFailed fired", "Fix backups first", likelihood="medium")),
        quick_fix="Find the failing step from the drill log and re-run the drill after fixing it.",
        long_term_fix="Automate the failing step; keep the drill in CI where possible.",
        prevention="Run drills monthly and after every infrastructure change.",
        related=("LanceDBRestoreNotTested",),
    ),
    # Driven by a real drill, not a simulator fault: tests/live/test_drill_live.py corrupts a backup, the drill
    # fails naming it, the drill exporter serves dr_drill_last_result 0 and the test sees DRDrillFailed at the sink.
    no_scenario="driven by a real failed drill (obsgate drill), not a simulator fault: tests/live/test_drill_live.py "
                "corrupts a backup and sees DRDrillFailed reach the sink",
)

GROUP = RuleGroup("shared_infra", component="shared_infra", rules=(MCP_ERROR_RATIO, MCP_HIGH_ERROR_RATE, TARGET_DOWN, DR_DRILL_FAILED))
