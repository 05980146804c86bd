"""The agent service: error ratio, latency, its Ollama backend, and sustained rate-limit rejections."""
from obsgate import (Expect, AlertRule, Cause, Effect, RecordingRule, RuleGroup, Runbook, Sample, Scenario, Step,
                     TestCase)

from catalog.agent import HTTP_REQUEST_DURATION, HTTP_REQUEST_ERRORS, RATE_LIMIT_REJECTED
from rules_src.common_steps import (FIRING_ALERTS, OLLAMA_MODELS, container_logs, grafana_panel, histogram_p95,
                                    recent_alert_history, scrape_errors, service_errors, target_health)

ERROR_RATIO = RecordingRule(
    "agent:http_request_errors:ratio_rate5m",
    "(sum(rate(http_request_errors_total[5m])) or on() vector(0)) / (sum(rate(http_requests_total[5m])) > 0)",
    tests=(
        TestCase("2 errors per 100 requests is a 2% ratio",
                 series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x10",
                         'http_request_errors_total{endpoint="chat",status="502"}': "0+120x10"},
                 at="10m", promql={"round(agent:http_request_errors:ratio_rate5m * 1000)": (Sample("{}", 20),)}),
        TestCase("no error series at all is a 0% ratio, not a gap",
                 series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x10"},
                 at="10m", promql={"agent:http_request_errors:ratio_rate5m": (Sample("agent:http_request_errors:ratio_rate5m", 0),)}),
    ),
)
P95 = RecordingRule(
    "agent:http_request_duration_seconds:p95_5m",
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
)
REJECT_RATIO = RecordingRule(
    "endpoint_limit_type:rate_limit_rejected:ratio_rate10m",
    "sum by (endpoint, limit_type) (rate(rate_limit_rejected_total[10m]))"
    " / (sum by (endpoint, limit_type) (rate(rate_limit_requests_total[10m])) > 0)",
)

SERVER_ERRORS = Scenario(
    fault="server_errors", target="agent-sim",
    effects=(Effect(HTTP_REQUEST_ERRORS, {"endpoint": "chat", "status": "502"}, rate=2.0),),
)
SLOW_RESPONSES = Scenario(
    fault="slow_responses", target="agent-sim",
    effects=(Effect(HTTP_REQUEST_DURATION, {"endpoint": "chat"}, rate=10.0, observe=4.0),),
)

AGENT_CAUSES = (
    Cause("Ollama down or overloaded", "OllamaDown fires, or generation latency rises with the error ratio",
          "Restart Ollama; reduce concurrency; move to a smaller model", likelihood="high"),
    Cause("Vector store unreachable or slow", "RAG retrieval latency and fallbacks rise at the same time",
          "Check LanceDB disk and process; see RAGLatencySLOBreach", likelihood="medium"),
    Cause("A bad deploy of the agent", "The change starts at a deploy time, one endpoint dominates",
          "Roll back", likelihood="low"),
)

HIGH_ERROR_RATE = AlertRule(
    name="HighErrorRate",
    expr="agent:http_request_errors:ratio_rate5m > 0.01",
    for_="5m", severity="critical", category="availability",
    summary="The agent answers more than 1% of requests with a server error",
    description="Over the last 5 minutes more than 1% of the agent's HTTP requests ended in a 5xx; users see "
                "failed answers and the availability SLO burns its error budget fast. Current error ratio: {{ $value | humanizePercentage }}.",
    tests=(
        TestCase("fires at a 2% error ratio held for 5 minutes",
                 series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x20",
                         'http_request_errors_total{endpoint="chat",status="502"}': "0+120x20"},
                 at="15m", alerts=(Expect(labels={}, annotations={"description":
                     "Over the last 5 minutes more than 1% of the agent's HTTP requests ended in a "
                     "5xx; users see failed answers and the availability SLO burns its error budget "
                     "fast. Current error ratio: 2%."}),)),
        TestCase("stays quiet at 0.5%",
                 series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x20",
                         'http_request_errors_total{endpoint="chat",status="502"}': "0+30x20"},
                 at="15m"),
        TestCase("stays quiet for a 3-minute burst",
                 series={'http_requests_total{endpoint="chat",method="POST"}': "0+6000x20",
                         'http_request_errors_total{endpoint="chat",status="500"}': "0x9 0+600x3 1800x8"},
                 at="20m"),
    ),
    runbook=Runbook(
        impact="Users get failed answers; every minute at this ratio spends a large share of the error budget.",
        steps=(
            Step("Errors by endpoint and status",
                 "sum by (endpoint, status) (rate(http_request_errors_total[5m]))"),
            Step("Traffic by endpoint", "sum by (endpoint) (rate(http_requests_total[5m]))"),
            target_health("ollama"),
            service_errors("agent"),
            FIRING_ALERTS,
        ),
        causes=AGENT_CAUSES,
        quick_fix="Roll back the last deploy if the errors started with it; otherwise restart the failing backend "
                  "(Ollama, LanceDB).",
        long_term_fix="Fix the dominant error; add retries with budgets for transient upstream failures.",
        prevention=("Canary deploys gated on this ratio",
                    "Keep the SLO burn-rate alerts routed to PagerDuty",
                    "Retry transient upstream failures within a budget"),
        related=("AgentAvailabilitySLOBurnRatePage", "OllamaDown"),
    ),
    scenario=SERVER_ERRORS,
)

HIGH_LATENCY_P95 = AlertRule(
    name="HighLatencyP95",
    expr="agent:http_request_duration_seconds:p95_5m > 2",
    for_="10m", severity="warning", category="latency",
    summary="The agent's p95 response time is above 2 seconds",
    description="For 10 minutes the 95th percentile of the agent's HTTP response time has been above 2 s. Current p95: {{ $value | printf \"%.2f\" }} s.",
    tests=(
        TestCase("fires when most requests take 2-5 s",
                 series={'http_request_duration_seconds_bucket{endpoint="chat",le="1.0"}': "0+10x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="2.0"}': "0+20x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="5.0"}': "0+100x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="+Inf"}': "0+100x30"},
                 at="25m", alerts=(Expect(labels={}, annotations={"description":
                     "For 10 minutes the 95th percentile of the agent's HTTP response time has been "
                     "above 2 s. Current p95: 4.81 s."}),)),
        TestCase("stays quiet when p95 is just under 2 s",
                 series={'http_request_duration_seconds_bucket{endpoint="chat",le="1.0"}': "0+80x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="2.0"}': "0+97x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="5.0"}': "0+100x30",
                         'http_request_duration_seconds_bucket{endpoint="chat",le="+Inf"}': "0+100x30"},
                 at="25m"),
    ),
    runbook=Runbook(
        impact="Answers arrive slowly; chat clients may time out and retry, adding load.",
        steps=(
            Step("p95 by endpoint", "histogram_quantile(0.95, sum by (le, endpoint) "
                                    "(rate(http_request_duration_seconds_bucket[5m])))"),
            histogram_p95("rag_retrieval_duration_seconds"),
            histogram_p95("llm_gateway_request_duration_seconds", by=("model",)),
            FIRING_ALERTS,
        ),
        causes=AGENT_CAUSES + (Cause("Longer prompts or contexts", "Prompt token counts rose",
                                     "Cap retrieved context size", likelihood="high"),),
        quick_fix="Shed load (lower rate limits) or switch the model to a faster one.",
        long_term_fix="Profile where the time goes (retrieval vs generation) and scale that part.",
        prevention=("Watch the latency SLO's ticket burn rate before users notice",
                    "Load-test model and retrieval changes against the 2 s threshold"),
        related=("AgentLatencySLOBurnRateTicket", "RAGLatencySLOBreach"),
    ),
    scenario=SLOW_RESPONSES,
)

OLLAMA_DOWN = AlertRule(
    name="OllamaDown", component="ollama",
    expr='up{job="ollama"} == 0',
    for_="2m", severity="critical", category="availability",
    summary="Ollama is down",
    description="The Ollama scrape target has been down for 2 minutes; the agent cannot generate answers locally.",
    tests=(
        TestCase("fires after 2 minutes down",
                 series={'up{job="ollama",instance="ollama-exporter-sim:9111"}': "1 1 0 0 0 0 0"},
                 at="6m", alerts=({"job": "ollama", "instance": "ollama-exporter-sim:9111"},)),
        TestCase("stays quiet for a 1-minute blip",
                 series={'up{job="ollama",instance="ollama-exporter-sim:9111"}': "1 1 1 1 0 1 1"}, at="6m"),
    ),
    runbook=Runbook(
        impact="Every agent request that needs generation fails or falls back to a hosted provider.",
        steps=(target_health("ollama"), scrape_errors("ollama"), OLLAMA_MODELS,
               Step("Does Ollama answer, and which models does it hold",
                    "curl -sf http://localhost:11434/api/tags | jq '.models[].name'", lang="shell"),
               Step("Was it killed for memory", "dmesg -T | grep -iE 'out of memory|oom-kill' | tail -5; free -h",
                    lang="shell"),
               container_logs("ollama", "error|cuda|out of memory"),
               grafana_panel("agent-overview", "Ollama up"),
               FIRING_ALERTS),
        causes=(Cause("Ollama process crashed (often out of memory)", "Host memory near 100% before the drop",
                      "Restart Ollama; load a smaller model", likelihood="high"),
                Cause("GPU driver or device error", "Ollama logs CUDA errors", "Reset the GPU or fall back to CPU", likelihood="medium")),
        quick_fix="Restart Ollama and check that a model loads:\n\n```bash\ndocker compose restart ollama\n"
                  "curl -s http://localhost:11434/api/generate -d '{\"model\": \"llama3.1:8b\", \"prompt\": \"ping\", "
                  "\"stream\": false}' | jq .done\n```",
        long_term_fix="Run Ollama under a supervisor with memory limits sized for the loaded models.",
        prevention=("Alert on host memory (HostMemoryHigh) before Ollama is killed",
                    "Size the memory limit for the models Ollama keeps loaded",
                    "Keep a hosted provider configured as the fallback"),
        related=("HighErrorRate", "HostMemoryHigh"),
    ),
    scenario=Scenario(fault="metrics_down", target="ollama-exporter-sim", expect_labels={"job": "ollama"},
                      metrics_down=True),
)

RATE_LIMIT_REJECTIONS = AlertRule(
    name="RateLimitRejectionsSustained",
    expr="endpoint_limit_type:rate_limit_rejected:ratio_rate10m > 0.1",
    for_="15m", severity="warning", category="capacity",
    summary="The rate limiter rejects over 10% of {{ $labels.endpoint }} requests ({{ $labels.limit_type }})",
    description="For 15 minutes more than 10% of requests to {{ $labels.endpoint }} were rejected by the "
                "{{ $labels.limit_type }} limit: clients are being throttled persistently, not just in bursts.",
    tests=(
        TestCase("fires when 20% of requests are rejected for 15 minutes",
                 series={'rate_limit_requests_total{endpoint="chat",limit_type="tokens_per_minute",client_tier="free"}': "0+600x40",
                         'rate_limit_rejected_total{endpoint="chat",limit_type="tokens_per_minute",client_tier="free"}': "0+120x40"},
                 at="35m", alerts=({"endpoint": "chat", "limit_type": "tokens_per_minute"},)),
        TestCase("stays quiet at 5%",
                 series={'rate_limit_requests_total{endpoint="chat",limit_type="tokens_per_minute",client_tier="free"}': "0+600x40",
                         'rate_limit_rejected_total{endpoint="chat",limit_type="tokens_per_minute",client_tier="free"}': "0+30x40"},
                 at="35m"),
        TestCase("stays quiet for a 10-minute burst",
                 series={'rate_limit_requests_total{endpoint="search",limit_type="requests_per_minute",client_tier="pro"}': "0+600x40",
                         'rate_limit_rejected_total{endpoint="search",limit_type="requests_per_minute",client_tier="pro"}': "0x10 0+300x10 3000x20"},
                 at="35m"),
    ),
    runbook=Runbook(
        impact="Throttled clients get 429s; if the limit is too tight, legitimate use is being refused.",
        steps=(
            Step("Rejections by endpoint, limit type and client tier",
                 "sum by (endpoint, limit_type, client_tier) (rate(rate_limit_rejected_total[10m]))"),
            Step("Which clients are throttled (client_id is only in the logs)",
                 '{service="agent"} | json | event="rate_limited" | line_format "{{.client_id}} {{.endpoint}}"',
                 lang="logql"),
            recent_alert_history("RateLimit.*"),
        ),
        causes=(Cause("One client over its quota (scripted traffic)", "One client_id dominates the log lines",
                      "Contact the client; keep the limit", likelihood="high"),
                Cause("Limits too tight after a traffic increase", "Rejections spread over many clients and tiers",
                      "Raise the limit for the tier, within capacity", likelihood="medium")),
        quick_fix="Identify the throttled clients from the logs; raise the tier's limit only if capacity allows.",
        long_term_fix="Size limits per tier from capacity planning and publish them.",
        prevention="Review rejection ratios per tier weekly.",
        related=("HighLatencyP95",),
    ),
    scenario=Scenario(fault="throttling", target="agent-sim",
                      expect_labels={"endpoint": "chat", "limit_type": "tokens_per_minute"},
                      effects=(Effect(RATE_LIMIT_REJECTED, {"endpoint": "chat", "limit_type": "tokens_per_minute"},
                                      rate=3.0),)),
)

GROUP = RuleGroup("agent", component="api", rules=(ERROR_RATIO, P95, REJECT_RATIO, HIGH_ERROR_RATE, HIGH_LATENCY_P95, OLLAMA_DOWN,
                                  RATE_LIMIT_REJECTIONS))
