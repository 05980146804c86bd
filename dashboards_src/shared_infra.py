"""Shared infra overview: every service's RED signals (rate, errors, duration), target health, DR drills, errors
in the logs."""
from obsgate.dashboards import (Series, dashboard, gauge, logs, quantile, rate, ratio, recorded, row, stat,
                                thresholds, timeseries, value)

from catalog import agent, llm_gateway, llm_guard, shared_infra as infra
from obsgate import Suppress

# The drill exporter serves these only once `obsgate drill` has run; the live gate runs no drill.
DRILL_ONLY = "served by the drill exporter only after `obsgate drill` ran (tests/live/test_drill_live.py reads them)"
from rules_src import agent as agent_rules
from rules_src import llm_guard as guard_rules
from rules_src import shared_infra as infra_rules

TARGETS = stat(
    "Scrape targets up",
    Series("min by (job) (up)", legend="{{job}}", unit="short",
           help="1 when Prometheus scrapes the job's target, 0 when the scrape fails."),
    steps=thresholds((1, "green"), base="red"), graph=False, w=24, h=5,
    description="Target health of every scraped service (one value per job). A red job has no metrics: its "
                "alerts are blind. SharedServiceTargetDown, OllamaDown and the *MetricsNotReported alerts watch these.",
)
SCRAPE_TIME = timeseries(
    "Scrape duration by job",
    Series("max by (job) (scrape_duration_seconds)", legend="{{job}}", unit="s",
           help="How long each scrape took; close to the scrape timeout means the exporter is struggling."),
    min=0, w=24, h=6,
)


def red(name: str, requests, duration, errors: Series, by: tuple[str, ...] = ()) -> list:
    """Rate, errors and duration of one service, three panels on one line."""
    return [
        row(name),
        timeseries(f"{name}: request rate", rate(requests, by=by), w=8,
                   description=f"{name} requests per second" + (f" by {', '.join(by)}." if by else ".")),
        timeseries(f"{name}: error ratio", errors, w=8, min=0,
                   description=f"Share of {name} requests that failed."),
        timeseries(f"{name}: latency p95", quantile(duration, 0.95, by=by), w=8, min=0,
                   description=f"95th percentile of {name} request duration."),
    ]


def _errors(counter, by: tuple[str, ...] = ()) -> Series:
    return ratio(rate(counter, by=by, match={"status": "error"}), rate(counter, by=by),
                 legend=" ".join("{{%s}}" % b for b in by) or "errors")


AGENT_ERRORS = recorded(agent_rules.ERROR_RATIO, unit="percentunit", legend="5xx share")
GUARD_ERRORS = recorded(guard_rules.FAILURE_RATIO, unit="percentunit", legend="failed scans")
MCP_ERRORS = recorded(infra_rules.MCP_ERROR_RATIO, unit="percentunit", legend="{{method}}")

PANELS = (
    [row("Target health"), TARGETS, SCRAPE_TIME]
    + red("Agent", agent.HTTP_REQUESTS, agent.HTTP_REQUEST_DURATION, AGENT_ERRORS, by=("endpoint",))
    + red("LLM gateway", llm_gateway.REQUESTS, llm_gateway.REQUEST_DURATION, _errors(llm_gateway.REQUESTS, ("model",)),
          by=("model",))
    + red("LLM Guard scanner", llm_guard.SCANS, llm_guard.SCAN_DURATION, GUARD_ERRORS)
    + red("MCP server", infra.MCP_REQUESTS, infra.MCP_DURATION, MCP_ERRORS, by=("method",))
    + red("Butler bot", infra.BUTLER_REQUESTS, infra.BUTLER_DURATION, _errors(infra.BUTLER_REQUESTS, ("command",)),
          by=("command",))
    + [row("Backoffice CLI"),
       timeseries("Backoffice CLI: command runs", rate(infra.BACKOFFICE_RUNS, by=("command",), per="h"), w=8,
                  description="Backoffice CLI command runs per hour by command."),
       timeseries("Backoffice CLI: error ratio", _errors(infra.BACKOFFICE_RUNS, ("command",)), w=8, min=0,
                  description="Share of backoffice command runs that failed, by command."),
       timeseries("Backoffice CLI: run time p95", quantile(infra.BACKOFFICE_DURATION, 0.95, by=("command",)), w=8,
                  min=0, description="95th percentile wall time of backoffice command runs.")]
    + [row("Disaster-recovery drills"),
       gauge("DR drill progress", value(infra.DR_DRILL_PROGRESS, by=("drill",), agg="min"), min=0, max=1,
             steps=thresholds((1, "green"), base="blue"), w=8,
             description="Share of each drill's steps completed; 1 when the drill has finished."),
       stat("DR drill last result", value(infra.DR_DRILL_RESULT, by=("drill",), agg="min"),
            steps=thresholds((0.5, "green"), base="red"), graph=False, w=8,
            description="1 when the drill's last run passed, 0 when it failed (DRDrillFailed)."),
       stat("DR drill recovery time", value(infra.DR_DRILL_RECOVERY_TIME, by=("drill",)),
            steps=thresholds((900, "red")), graph=False, w=8,
            description="Recovery time each drill achieved (its RTO); red above the 15 min objective.")]
    + [row("Logs"),
       logs("Error log lines of every service",
            Series('{service=~".+", level="error"} | json', lang="logql",
                   help="Error-level log lines of every service (Loki), newest first. More than 20 from one "
                        "service in 5 minutes is ServiceErrorBurst; the LLM gateway's upstream failures carry "
                        "error_type upstream_5xx or upstream_unreachable (LLMGatewayUpstreamErrors).")),
       ]
)

BOARD = dashboard(
    "shared-infra-overview", "Shared Infra Overview",
    PANELS,
    description="Day-23 shared infrastructure: target health of every scraped service, the RED signals of the "
                "agent, LLM gateway, LLM Guard, MCP server, Butler bot and backoffice CLI, DR drills and error logs.",
    tags=("shared-infra", "red", "obsgate"),
    suppress={title: (Suppress("smoke/panels", DRILL_ONLY),)
              for title in ("DR drill progress", "DR drill last result", "DR drill recovery time")},
)
