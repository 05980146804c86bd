"""The Day-23 stack: the shared infrastructure, the LLM gateway and the telemetry simulators.

Ports are the same under docker (published on 127.0.0.1) and native (bound to 127.0.0.1).
"""
from obsgate import Button, Native, Profile, Receiver, Route, Routing, Service, Stack, Volume

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


# ---- ROUTING ------------------------------------------------------------------------------------------
# Routes per component, each with its specification's policy:
# - the agent stack (api, ollama, lancedb, backup, rag, ... and every component without a route of its own):
#   group by alertname and severity, 10s/10s/12h; critical pages PagerDuty (`continue: true`, so a route added
#   after it sees critical alerts too), warnings go to the #agent-bruno-alerts Slack channel, the rest to `default`;
# - LLM Guard (component llm_guard_scanner): its own policy, grouped by alertname and severity, 30s/5m/4h, to
#   its Slack channel with the specification's generic message;
# - LLMscope's control-chart rules R1-R3: the specification's Slack message (title, fields, colour per rule,
#   a button to the dashboard) and the same fields by email.
GRAFANA_URL = "http://localhost:3000"
SPC_MATCH = ('spc_rule=~"R1|R2|R3"',)
SPC_TITLE = ('{{ if eq .Status "resolved" }}[RESOLVED] {{ .CommonLabels.spc_rule }} Violation'
             '{{ else }}🚨 {{ .CommonLabels.spc_rule }} Violation{{ end }}')
SPC_COLOR = ('{{ if eq .CommonLabels.spc_rule "R1" }}#FF0000{{ else if eq .CommonLabels.spc_rule "R2" }}'
             "#FFA500{{ else }}#0099FF{{ end }}")


def spc_dashboard(labels: str) -> str:
    """The control-chart dashboard of the alert's provider/model; `labels` is `.CommonLabels` for the whole
    notification or `.Labels` inside `range .Alerts`."""
    return (GRAFANA_URL + f"/d/llmscope-control-chart?var-provider={{{{ {labels}.provider }}}}"
            f"&var-model={{{{ {labels}.model }}}}")


# (label, annotation or label reference, unit): the specification's fields, then the control limits
SPC_FIELDS = (("Model", ".Labels.model", ""), ("Provider", ".Labels.provider", ""),
              ("Latency", ".Annotations.latency_ms", "ms"), ("Deviation", ".Annotations.sigma", "σ"),
              ("Mean", ".Annotations.mean_ms", "ms"), ("Std Dev", ".Annotations.stddev_ms", "ms"),
              ("UCL", ".Annotations.ucl_ms", "ms"), ("LCL", ".Annotations.lcl_ms", "ms"))
SPC_SLACK_TEXT = ("{{ range .Alerts }}" + "".join(f"{name}: {{{{ {ref} }}}}{unit}\n" for name, ref, unit in SPC_FIELDS)
                  + "{{ end }}")
SPC_EMAIL_HTML = ("{{ range .Alerts }}<h2>🚨 {{ .Labels.spc_rule }} Violation</h2><p>{{ .Annotations.summary }}</p>"
                  "<table>" + "".join(f"<tr><td>{name}</td><td>{{{{ {ref} }}}}{unit}</td></tr>"
                                      for name, ref, unit in SPC_FIELDS)
                  + f'</table><p><a href="{spc_dashboard(".Labels")}">View Details</a> · '
                  '<a href="{{ .Annotations.runbook_url }}">Runbook</a></p>{{ end }}')

ROUTING = Routing(
    receivers=(
        Receiver("default", kind="webhook", secret_file="default_url"),
        Receiver("pagerduty-critical", kind="pagerduty", secret_file="pagerduty_routing_key"),
        Receiver("slack", kind="slack", secret_file="slack_agent_url", channel="#agent-bruno-alerts"),
        Receiver("llm-guard-slack", kind="slack", secret_file="slack_llm_guard_url", channel="#alerts"),
        Receiver("llmscope-email", kind="email", to="llmscope-team@example.org, llmscope-ops@example.org",
                 title=SPC_TITLE, text=SPC_EMAIL_HTML),
        Receiver("llmscope-slack", kind="slack", secret_file="slack_llmscope_url", channel="#llmscope-alerts",
                 title=SPC_TITLE, text=SPC_SLACK_TEXT, color=SPC_COLOR,
                 buttons=(Button("View Details", spc_dashboard(".CommonLabels")),)),
    ),
    receiver="default",
    group_by=("alertname", "severity"),
    group_wait="10s",
    group_interval="10s",
    repeat_interval="12h",
    routes=(
        Route("llm-guard-slack", matchers=('component="llm_guard_scanner"',), group_by=("alertname", "severity"),
              group_wait="30s", group_interval="5m", repeat_interval="4h"),
        Route(matchers=('component="llmscope"',) + SPC_MATCH, group_by=("alertname", "spc_rule", "provider", "model"),
              routes=(Route("llmscope-email", continue_=True), Route("llmscope-slack"))),
        Route("pagerduty-critical", matchers=('severity="critical"',), continue_=True),
        Route("slack", matchers=('severity="warning"',)),
    ),
    # The SMTP password is read from a file mounted at run time; nothing secret is generated.
    smtp_from="obsgate-alerts@example.org",
    smtp_smarthost="smtp.example.org:587",
    smtp_username="obsgate-alerts",
    smtp_password_file="smtp_password",
)
# ---- end of ROUTING -------------------------------------------------------------------------------------

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
            # Natively, obsgate's log store (a Loki-API-compatible stand-in, not Loki) serves Loki's API and ruler.
            native=Native(python_module="obsgate.sim.logstore", args=(
                "--port", "{port}", "--data", "{data}", "--rules", "{gen}/loki/rules",
                "--eval-interval", "{profile.loki_eval_interval}",
                "--alertmanager", "http://127.0.0.1:{ports[alertmanager]}")),
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
        # Receives the email receivers' messages in a live run and hands them to the alert sink.
        Service(
            name="smtp-sink", image=SIM_IMAGE, tag="local", build=".", port=2525, health="", health_kind="tcp",
            depends_on=("alert-sink",),
            command=("python", "-m", "obsgate.sim.smtp_sink", "--port", "2525", "--forward", "http://alert-sink:9099"),
            native=Native(python_module="obsgate.sim.smtp_sink", args=(
                "--port", "{port}", "--forward", "http://127.0.0.1:{ports[alert-sink]}")),
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
        # Digest coverage measured in Mongo (FerretDB natively) over the channels the datasets seed.
        Service(
            name="coverage-exporter", image=SIM_IMAGE, tag="local", build=".", port=9112, health="/healthz",
            metrics_path="/metrics", job="benchmarks_coverage", depends_on=("mongo",),
            command=("python", "-m", "obsgate.sim.coverage", "--port", "9112", "--mongo", "mongodb://mongo:27017/obsgate"),
            native=Native(python_module="obsgate.sim.coverage", args=(
                "--port", "{port}", "--root", "{root}",
                "--mongo", "mongodb://127.0.0.1:{ports[mongo]}/obsgate?directConnection=true")),
        ),
        # The DR drill's figures as `obsgate drill` measured them (obsgate.sim.drill_exporter; not simulated).
        Service(
            name="drill-exporter", image=SIM_IMAGE, tag="local", build=".", port=9113, health="/healthz",
            metrics_path="/metrics", job="obsgate_drill",
            command=("python", "-m", "obsgate.sim.drill_exporter", "--port", "9113", "--state",
                     "/var/lib/obsgate-drill/metrics.json"),
            volumes=(Volume("drill-state", "/var/lib/obsgate-drill", False),),
            native=Native(python_module="obsgate.sim.drill_exporter", args=(
                "--port", "{port}", "--root", "{root}", "--state", "{run}/drill/metrics.json")),
        ),
        simulator("host-sim", "host", 9110),
        # Ollama has no /metrics; an exporter beside it is the `ollama` scrape job OllamaDown watches.
        simulator("ollama-exporter-sim", "ollama", 9111),
    ),
)
