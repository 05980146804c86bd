"""Log streams the Loki rules read. Every stream carries `service` and `level` as stream labels; the
JSON fields are what rules may parse with `| json`. `job` is the simulator that pushes the stream live."""
from obsgate import LogStream

LEVELS = ["debug", "info", "warning", "error"]

LLM_GUARD_LOGS = LogStream(
    "llm_guard_logs", labels={"service": ["llm-guard"], "level": LEVELS},
    fields=("event", "error_type", "scanner", "msg"), job="llm_guard",
    help="LLM Guard scanner log; a failed scan that lets the prompt through logs event=scanner_fail_open.",
)
LLM_GATEWAY_LOGS = LogStream(
    "llm_gateway_logs", labels={"service": ["llm-gateway"], "level": LEVELS},
    fields=("event", "error_type", "provider", "model", "status", "msg"), job="llm_gateway",
    help="LLM gateway request log; upstream failures carry error_type upstream_5xx or upstream_unreachable.",
)
MCP_SERVER_LOGS = LogStream(
    "mcp_server_logs", labels={"service": ["mcp-server"], "level": LEVELS},
    fields=("event", "method", "status", "msg"), job="mcp_server",
    help="MCP HTTP server log.",
)
BUTLER_LOGS = LogStream(
    "butler_logs", labels={"service": ["butler"], "level": LEVELS},
    fields=("event", "command", "channel", "msg"), job="butler",
    help="Butler bot sidecar log.",
)
BACKOFFICE_LOGS = LogStream(
    "backoffice_logs", labels={"service": ["backoffice"], "level": LEVELS},
    fields=("event", "command", "status", "msg"), job="backoffice",
    help="Backoffice CLI log, shipped by the backoffice service.",
)
AGENT_LOGS = LogStream(
    "agent_logs", labels={"service": ["agent"], "level": LEVELS},
    fields=("event", "endpoint", "status", "client_id", "msg"), job="agent",
    help="Agent service log; rate-limit rejections carry the client_id that metrics aggregate away.",
)
