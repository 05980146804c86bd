"""Day-23 shared services: RED metrics of the MCP HTTP server, the Butler bot sidecar and the backoffice
CLI. Each service serves one consolidated /metrics."""
from catalog.drill import DR_DRILL_PROGRESS, DR_DRILL_RECOVERY_TIME, DR_DRILL_RESULT  # noqa: F401 (the real
# drill's gauges, catalog/drill.py; re-exported for the rules and the dashboard that read them)
from obsgate import Metric

STATUS = ["ok", "error"]
MCP_METHODS = ["initialize", "tools/list", "tools/call", "resources/read", "prompts/get"]
BUTLER_COMMANDS = ["digest", "review", "ask", "help"]
BACKOFFICE_COMMANDS = ["export", "reindex", "backup", "restore", "dr-drill"]

MCP_REQUESTS = Metric(
    "mcp_http_requests_total", "counter",
    help="JSON-RPC requests the MCP HTTP server answered, by method and outcome.",
    job="mcp_server", labels={"method": MCP_METHODS, "status": STATUS}, baseline=3.0,
)
MCP_DURATION = Metric(
    "mcp_http_request_duration_seconds", "histogram", unit="seconds",
    help="Time the MCP HTTP server took to answer one JSON-RPC request.",
    job="mcp_server", labels={"method": MCP_METHODS},
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), baseline=0.15,
)
BUTLER_REQUESTS = Metric(
    "butler_requests_total", "counter",
    help="Chat commands the Butler bot sidecar handled, by command and outcome.",
    job="butler", labels={"command": BUTLER_COMMANDS, "status": STATUS}, baseline=0.5,
)
BUTLER_DURATION = Metric(
    "butler_request_duration_seconds", "histogram", unit="seconds",
    help="Time from a chat command to the Butler bot's reply.",
    job="butler", labels={"command": BUTLER_COMMANDS},
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60), baseline=1.5,
)
BACKOFFICE_RUNS = Metric(
    "backoffice_command_runs_total", "counter",
    help="Backoffice CLI command runs, by command and outcome (reported through the backoffice service).",
    job="backoffice", labels={"command": BACKOFFICE_COMMANDS, "status": STATUS}, baseline=0.02,
)
BACKOFFICE_DURATION = Metric(
    "backoffice_command_duration_seconds", "histogram", unit="seconds",
    help="Wall time of one backoffice CLI command run.",
    job="backoffice", labels={"command": BACKOFFICE_COMMANDS},
    buckets=(1, 5, 15, 60, 300, 900, 3600), baseline=20.0,
)
