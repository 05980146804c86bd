"""The Day-23 stack: the shared infrastructure, the LLM gateway and the telemetry simulators.

Ports are the same under docker (published on 127.0.0.1) and native (bound to 127.0.0.1).
"""
from obsgate import Native, Profile, Receiver, Route, Routing, Service, Stack, Volume

SIM_IMAGE = "obsgate-sim"


def simulator(name: str, job: str, port: int) -> Service:
    """A telemetry simulator exporting the catalog metrics of one job (obsgate.sim.telemetry)."""
    return Service(
        name=name, image=SIM_IMAGE, tag="local", build=".", port=port, health="/healthz",
        metrics_path="/metrics", job=job,
        command=("python", "-m", "obsgate.sim.telemetry", "--job", job, "--port", str(port), "--service", name,
                 "--loki", "http://loki:3100"),
        native=Native(python_module="obsgate.sim.telemetry", args=(
            "--job", job, "--port", "{port}", "--service", name, "--root", "{root}",
            "--loki", "http://127.0.0.1:{ports[loki]}")),
    )


# LLMscope control-chart (SPC) notifications: the values come from the alerts' annotations
# (rules_src/llmscope.py); the colour tells the rule apart: red R1, orange R2, blue R3.
SPC_MATCH = ('spc_rule=~"R1|R2|R3"',)
SPC_TITLE = "[{{ .Status | toUpper }}] LLMscope {{ .CommonLabels.spc_rule }}: {{ .CommonLabels.alertname }}"
SPC_COLOR = ('{{ if eq .CommonLabels.spc_rule "R1" }}#d62728{{ else if eq .CommonLabels.spc_rule "R2" }}'
             "#ff7f0e{{ else }}#1f77b4{{ end }}")
SPC_SLACK_TEXT = (
    "{{ range .Alerts }}*Rule:* {{ .Labels.spc_rule }} ({{ .Labels.alertname }})\n"
    "*Model:* {{ .Labels.model }}  *Provider:* {{ .Labels.provider }}\n"
    "*Latency:* {{ .Annotations.latency }} s  *Deviation:* {{ .Annotations.sigma }} σ\n"
    "*Mean:* {{ .Annotations.mean }} s  *Std dev:* {{ .Annotations.stddev }} s\n"
    "{{ .Annotations.summary }}\n{{ end }}"
)
SPC_EMAIL_HTML = (
    "{{ range .Alerts }}<h3>{{ .Labels.spc_rule }}: {{ .Annotations.summary }}</h3><table>"
    "<tr><td>Rule</td><td>{{ .Labels.spc_rule }} ({{ .Labels.alertname }})</td></tr>"
    "<tr><td>Model</td><td>{{ .Labels.model }}</td></tr><tr><td>Provider</td><td>{{ .Labels.provider }}</td></tr>"
    "<tr><td>Latency</td><td>{{ .Annotations.latency }} s</td></tr>"
    "<tr><td>Deviation</td><td>{{ .Annotations.sigma }} σ</td></tr>"
    "<tr><td>Mean</td><td>{{ .Annotations.mean }} s</td></tr><tr><td>Std dev</td><td>{{ .Annotations.stddev }} s</td></tr>"
    '</table><p><a href="{{ .Annotations.runbook_url }}">Runbook</a></p>{{ end }}'
)

ROUTING = Routing(
    receivers=(
        Receiver("pager", kind="webhook", secret_file="pager_url"),
        Receiver("chat", kind="webhook", secret_file="chat_url"),
        Receiver("low-priority", kind="webhook", secret_file="low_url"),
        Receiver("llmscope-email", kind="email", to="llmscope-oncall@example.org", title=SPC_TITLE,
                 text=SPC_EMAIL_HTML),
        Receiver("llmscope-slack", kind="slack", secret_file="slack_llmscope_url", channel="#llmscope-alerts",
                 title=SPC_TITLE, text=SPC_SLACK_TEXT, color=SPC_COLOR),
    ),
    by_severity={"critical": "pager", "warning": "chat", "info": "low-priority"},
    group_by=("alertname", "severity", "job"),
    group_wait="30s",
    group_interval="5m",
    repeat_interval="4h",
    routes=(
        Route("llmscope-email", matchers=SPC_MATCH, continue_=True,
              group_by=("alertname", "spc_rule", "provider", "model")),
        Route("llmscope-slack", matchers=SPC_MATCH, group_by=("alertname", "spc_rule", "provider", "model")),
    ),
    # The SMTP password is read from a file mounted at run time; nothing secret is generated.
    smtp_from="obsgate-alerts@example.org",
    smtp_smarthost="smtp.example.org:587",
    smtp_username="obsgate-alerts",
    smtp_password_file="smtp_password",
)

STACK = Stack(
    name="day23",
    runbook_base_url="https://github.com/obsgate/obsgate/blob/main/generated/runbooks",
    scrape_interval="15s",
    evaluation_interval="15s",
    routing=ROUTING,
    profiles=(
        Profile("local", scrape_interval="5s", evaluation_interval="5s", group_wait="5s", group_interval="10s",
                loki_eval_interval="10s"),
        Profile("ci", scrape_interval="1s", evaluation_interval="1s", time_scale=60, group_wait="1s",
                group_interval="1s", loki_eval_interval="1s"),
    ),
    services=(
        Service(
            name="prometheus", image="prom/prometheus", tag="v3.5.5", port=9090, health="/-/ready",
            metrics_path="/metrics", job="prometheus", depends_on=("alertmanager",),
            command=("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
                     "--web.enable-lifecycle"),
            volumes=(Volume("./generated/prometheus", "/etc/prometheus"), Volume("prometheus-data", "/prometheus", False)),
            native=Native(binary="prometheus", args=(
                "--config.file={gen}/prometheus/prometheus.yml", "--storage.tsdb.path={data}",
                "--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle")),
        ),
        Service(
            name="alertmanager", image="prom/alertmanager", tag="v0.31.1", port=9093, health="/-/ready",
            metrics_path="/metrics", job="alertmanager",
            command=("--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"),
            volumes=(Volume("./generated/alertmanager/alertmanager.yml", "/etc/alertmanager/alertmanager.yml"),
                     Volume("./secrets/alertmanager", "/etc/alertmanager/secrets"),
                     Volume("alertmanager-data", "/alertmanager", False)),
            native=Native(binary="alertmanager", args=(
                "--config.file={gen}/alertmanager/alertmanager.yml", "--storage.path={data}",
                "--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=")),
        ),
        Service(
            name="loki", image="grafana/loki", tag="3.5.7", port=3100, health="/ready",
            metrics_path="/metrics", job="loki", depends_on=("alertmanager",),
            command=("-config.file=/etc/loki/loki.yml",),
            volumes=(Volume("./generated/loki/loki.yml", "/etc/loki/loki.yml"),
                     Volume("./generated/loki/rules", "/etc/loki/rules"), Volume("loki-data", "/loki", False)),
            native=Native(binary="loki", args=("-config.file={gen}/loki/loki.yml",)),
        ),
        Service(
            name="grafana", image="grafana/grafana", tag="12.2.1", port=3000, health="/api/health",
            depends_on=("prometheus", "loki"), runtimes=("docker",),
            env={"GF_SECURITY_ADMIN_USER": "admin",
                 "GF_SECURITY_ADMIN_PASSWORD": "${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}",
                 "GF_USERS_ALLOW_SIGN_UP": "false", "GF_ANALYTICS_REPORTING_ENABLED": "false"},
            volumes=(Volume("./generated/grafana/provisioning", "/etc/grafana/provisioning"),
                     Volume("./generated/grafana/dashboards", "/var/lib/grafana/dashboards"),
                     Volume("grafana-data", "/var/lib/grafana", False)),
        ),
        Service(
            name="mongo", image="mongo", tag="7.0.14", port=27017, health="", health_kind="tcp",
            volumes=(Volume("mongo-data", "/data/db", False),),
            # FerretDB (MongoDB wire protocol over SQLite) stands in for MongoDB where no engine runs.
            native=Native(binary="ferretdb", args=(
                "--listen-addr=127.0.0.1:{port}", "--handler=sqlite", "--sqlite-url=file:{data}/",
                "--telemetry=disable", "--debug-addr=-", "--log-level=warn", "--state-dir={data}")),
        ),
        Service(
            name="ollama", image="ollama/ollama", tag="0.12.6", port=11434, health="/api/tags",
            volumes=(Volume("ollama-data", "/root/.ollama", False),), runtimes=("docker",),
        ),
        Service(
            name="llm-gateway", image=SIM_IMAGE, tag="local", build=".", port=8089, health="/healthz",
            metrics_path="/metrics", job="llm_gateway", depends_on=("ollama",),
            env={"OBSGATE_LLM_UPSTREAM": "http://ollama:11434"},
            command=("python", "-m", "obsgate.sim.gateway", "--port", "8089", "--loki", "http://loki:3100"),
            native=Native(python_module="obsgate.sim.gateway", args=(
                "--port", "{port}", "--root", "{root}", "--loki", "http://127.0.0.1:{ports[loki]}")),
        ),
        Service(
            name="alert-sink", image=SIM_IMAGE, tag="local", build=".", port=9099, health="/healthz",
            command=("python", "-m", "obsgate.sim.sink", "--port", "9099"),
            native=Native(python_module="obsgate.sim.sink", args=("--port", "{port}")),
        ),
        simulator("llm-guard-sim", "llm_guard", 9101),
        simulator("hypertool-sim", "hypertool", 9102),
        simulator("llmscope-sim", "llmscope", 9103),
        simulator("agent-sim", "agent", 9104),
        simulator("lancedb-sim", "lancedb", 9105),
        simulator("mcp-server-sim", "mcp_server", 9106),
        simulator("butler-sim", "butler", 9107),
        simulator("backoffice-sim", "backoffice", 9108),
        simulator("benchmarks-sim", "benchmarks", 9109),
        simulator("host-sim", "host", 9110),
        # Ollama has no /metrics; an exporter beside it is the `ollama` scrape job OllamaDown watches.
        simulator("ollama-exporter-sim", "ollama", 9111),
    ),
)
