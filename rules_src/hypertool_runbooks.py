"""The runbooks of the seven Hypertool alerts, in the depth of the Hypertool alert runbook specification:
causes with their likelihood, PromQL/LogQL/shell/link investigation steps, fixes with code, a prevention
checklist and related alerts (mirrored by the generator)."""
from obsgate import Cause, Runbook, Step

from rules_src.common_steps import (FIRING_ALERTS, container_logs, grafana_panel, jaeger_traces, langfuse_traces,
                                    prometheus_api, scrape_errors, target_health)

BUDGET = "hypertool_persona_token_budget_remaining"
PERSONAS = "hypertool-personas"
WORKFLOWS = "hypertool-workflows"

BUDGET_STEPS = (
    prometheus_api("List the personas that are over budget", BUDGET,
                   jq=".data.result[] | select(.value[1] | tonumber < 0) | {persona: .metric.persona, left: .value[1]}",
                   note="A negative value is the number of tokens spent beyond the budget."),
    Step("Budget left per persona", f"min by (persona) ({BUDGET})"),
    Step("Tokens of the persona in the last hour, by chat mode and model",
         'sum by (chatmode, model) (increase(hypertool_persona_tokens_used_total{persona="<persona>"}[1h]))'),
    Step("Who is spending right now", "topk(5, sum by (persona, model) (rate(hypertool_persona_tokens_used_total[15m])))"),
    langfuse_traces("the persona's most expensive calls", "filter=user:<persona>&orderBy=totalTokens.desc",
                    note="Look for oversized prompts, long completions, near-identical repeated calls and chat modes "
                         "that were not planned for this persona."),
    grafana_panel(PERSONAS, "Token usage by model and chat mode"),
)
BUDGET_CAUSES = (
    Cause("Prompt bloat: context grows with every turn", "Large prompt token counts on the persona's Langfuse traces",
          "Trim the context window; summarise history instead of resending it", likelihood="high"),
    Cause("Repeated identical calls that a cache would answer", "Near-identical prompts in Langfuse within minutes",
          "Cache the call (see the fix below)", likelihood="medium"),
    Cause("A chat mode or workflow not in the budget plan", "Spend appears under a new `chatmode` label value",
          "Budget the new chat mode, or route it to another persona", likelihood="medium"),
    Cause("A runaway agent loop", "One persona's token rate is 10x its usual and ExcessivePersonaSwitching fires",
          "Stop the session; cap the turns per session", likelihood="medium"),
    Cause("The budget is too low for normal use", "Spend is steady and overruns every period",
          "Raise the budget from measured usage", likelihood="low"),
    Cause("A larger model swapped in", "Spend rises for one `model` label value after a deploy",
          "Route the persona back to its model", likelihood="low"),
)
BUDGET_LONG_TERM = """\
Size budgets from what personas really use, then enforce them:

1. Measure a week of spend per persona and chat mode:
   ```promql
   sum by (persona, chatmode) (increase(hypertool_persona_tokens_used_total[7d]))
   ```
2. Set each budget to the daily p95 plus 20% headroom, in the configuration rather than in code:
   ```yaml
   # budgets.yml
   backend-engineer: 2500
   architect: 4000
   ```
3. Make the orchestrator stop (not only alert) a persona whose budget is spent, and record a cost per token
   so that the budget can be read in money."""

TOKEN_BUDGET_EXCEEDED = Runbook(
    impact="Work goes on with tokens nobody budgeted: the provider bill grows, the provider may start rate-limiting "
           "the account, and the month's cost forecast no longer holds.",
    steps=BUDGET_STEPS + (FIRING_ALERTS,),
    causes=BUDGET_CAUSES,
    quick_fix="""\
Stop the overrun first, then decide whether the budget or the usage is wrong.

- Pause the persona's sessions, or route it to a cheaper model tier.
- If the usage is legitimate, raise its budget for this period and restart the service:
  ```python
  # persona_metrics.py
  self._token_budgets = {
      "backend-engineer": 2500,  # was 2000: a planned feature sprint
  }
  ```""",
    long_term_fix=BUDGET_LONG_TERM,
    prevention=("Watch daily token use per persona on the Hypertool personas dashboard",
                "Keep TokenBudgetDepletionPredicted routed to someone who acts on it",
                "Review prompts for bloat every sprint",
                "Cache the calls that repeat",
                "Revisit the budgets at each sprint planning"),
    related=("TokenBudgetDepletionPredicted", "ExcessivePersonaSwitching"),
)

TOKEN_BUDGET_DEPLETION_PREDICTED = Runbook(
    impact="None yet: at the last half hour's pace TokenBudgetExceeded fires within the hour, and work then runs "
           "on unbudgeted tokens.",
    steps=BUDGET_STEPS + (Step("Projected budget one hour from now", f"predict_linear({BUDGET}[30m], 3600)"),
                          grafana_panel(PERSONAS, "Budget time left at current spend")),
    causes=(
        Cause("An expected spike (a large feature in progress)", "The workflow owner knows of it",
              "Raise the budget for the period on purpose", likelihood="high"),
        Cause("A new chat mode or workflow is active", "Spend under a `chatmode` that was not there last week",
              "Budget it, or move it to another persona", likelihood="medium"),
        Cause("Caching switched off", "Repeated identical prompts in Langfuse", "Turn the cache back on",
              likelihood="medium"),
        Cause("The budget is too low", "The prediction fires every day", "Raise it from measured usage",
              likelihood="low"),
    ),
    quick_fix="Tell the workflow owner now; if the spend is unexpected, throttle the persona before the budget runs "
              "out.",
    long_term_fix=BUDGET_LONG_TERM,
    prevention=("Review the weekly spend per persona",
                "Plan budgets for large features before they start",
                "Keep caching on for repeated queries"),
    related=("TokenBudgetExceeded",),
)

HIGH_QUALITY_GATE_FAILURE_RATE = Runbook(
    impact="Output of this stage is rejected and redone: tokens are spent twice, the workflow slows down, and what "
           "finally passes may have passed on a retry rather than on merit.",
    steps=(
        Step("Stages failing more than 20% of their gates", "workflow_stage:hypertool_quality_gate_fail_ratio:rate5m > 0.2"),
        Step("Is one model responsible",
             'sum by (model) (rate(hypertool_workflow_quality_gate_total{result="fail"}[15m]))'),
        Step("Pass ratio of the stage per model over the last day",
             'sum by (model) (rate(hypertool_workflow_quality_gate_total{stage="<stage>",result="pass"}[1d]))'
             ' / sum by (model) (rate(hypertool_workflow_quality_gate_total{stage="<stage>"}[1d]))'),
        langfuse_traces("failed generations of the stage", "filter=tags:<workflow>,<stage>&filter=level:ERROR",
                        note="Read a few rejected outputs next to the gate's criteria."),
        Step("Find the gate's definition in the workflow sources",
             "grep -rn 'quality_gate' workflows/ chatmodes/ | grep -i '<stage>'", lang="shell"),
        container_logs("hypertool", "quality.gate|error"),
        grafana_panel(WORKFLOWS, "Quality gate failures by model"),
    ),
    causes=(
        Cause("A stricter gate was deployed", "The failure ratio jumped at a deploy time",
              "Review the gate change with its author; roll it back if unintended", likelihood="high"),
        Cause("The stage's prompt does not state what the gate checks", "Rejected outputs miss the same criterion",
              "Add the criterion and an example to the prompt", likelihood="high"),
        Cause("Model regression", "Failures concentrate on one `model` value", "Pin the previous model version",
              likelihood="medium"),
        Cause("A fast model tier on a complex task", "The stage runs on a mini/turbo model",
              "Move the stage to a stronger tier", likelihood="medium"),
        Cause("Bad input from the previous stage", "The previous stage's outputs look wrong too",
              "Fix the earlier stage first", likelihood="low"),
    ),
    quick_fix="""\
Route the stage to the model with the better pass ratio (step 3), then look at the gate:

```yaml
# workflows/<workflow>.yml
stages:
  - name: test
    model: llama3.1-70b   # was llama3.1-8b: 30% of its outputs failed the gate
```""",
    long_term_fix="Add the failing cases to the workflow's evaluation set and gate model and prompt changes on it; "
                  "record each gate's pass ratio per model release.",
    prevention=("Evaluate model upgrades against the quality gates before rollout",
                "Review gate changes like code: with the author of the stage",
                "Keep each stage's prompt and gate criteria side by side"),
    related=("SlowWorkflowStage",),
)

EXCESSIVE_PERSONA_SWITCHING = Runbook(
    impact="Sessions bounce between personas instead of working: tokens and latency rise while nothing progresses, "
           "and each switch reloads a persona's context.",
    steps=(
        Step("Switch rate now", "sum(rate(hypertool_persona_switches_total[5m]))"),
        Step("Which persona pairs bounce (a pair in both directions is a loop)",
             "topk(5, sum by (from_persona, to_persona) (rate(hypertool_persona_switches_total[5m])))"),
        Step("Switches per chat mode", "sum by (chatmode) (rate(hypertool_persona_switches_total[15m]))"),
        grafana_panel(PERSONAS, "Persona switches", note="An A→B→A→B saw-tooth is the loop."),
        jaeger_traces("sessions with the most persona switches", "hypertool",
                      "operation=persona_switch&limit=20", note="Sort by span count; open the longest chain."),
        Step("Find the switching logic", "grep -rn 'switch_persona\\|select_persona' hypertool/ chatmodes/",
             lang="shell"),
    ),
    causes=(
        Cause("An infinite loop between two personas", "One pair dominates in both directions",
              "Stop the sessions; add a hand-off limit", likelihood="high"),
        Cause("Over-eager routing: a switch on every message", "Switches track the message rate",
              "Require a confidence margin before switching", likelihood="high"),
        Cause("No memory of the recent persona", "The same switch repeats within seconds",
              "Keep the last persona in the session state", likelihood="medium"),
        Cause("A chat mode detects the wrong persona", "Switches concentrate on one `chatmode`",
              "Fix that chat mode's detection", likelihood="medium"),
        Cause("The workflow really needs many switches", "Steady rate, no loop pattern, work completes",
              "Raise the threshold for that workflow", likelihood="low"),
    ),
    quick_fix="""\
Stop the looping sessions, then put a floor under switching:

```python
# persona switching
if session.switches_in_last(60) >= MAX_SWITCHES_PER_MINUTE:
    return session.persona  # stay: a loop costs more than a wrong persona
```""",
    long_term_fix="Give the router a memory (the last persona and why it was chosen) and a cooldown per session; "
                  "detect A→B→A patterns and escalate to a human instead of switching again.",
    prevention=("Cap persona switches per session",
                "Test routing with conversations that sit between two personas",
                "Trace every switch (the persona_switch span) so loops are visible"),
    related=("TokenBudgetExceeded",),
)

SLOW_WORKFLOW_STAGE = Runbook(
    impact="Workflows finish late and users wait on stalled agents; the stage may also hold a worker that other "
           "workflows need.",
    steps=(
        Step("Stages whose p95 exceeds 5 minutes",
             "histogram_quantile(0.95, sum by (workflow, stage, le) "
             "(rate(hypertool_workflow_stage_duration_seconds_bucket[10m]))) > 300"),
        Step("LLM latency behind it, per model", "histogram_quantile(0.95, sum by (le, model) "
             "(rate(llm_gateway_request_duration_seconds_bucket[10m])))"),
        Step("Retries: quality-gate failures of the same stage",
             "workflow_stage:hypertool_quality_gate_fail_ratio:rate5m"),
        langfuse_traces("the stage's slowest LLM calls", "filter=tags:<workflow>,<stage>&orderBy=latency.desc",
                        note="Compare prompt and completion token counts of slow and normal calls."),
        jaeger_traces("the stage's slowest runs", "hypertool", "operation=<stage>&minDuration=300s"),
        grafana_panel(WORKFLOWS, "Stage latency p95 by workflow and stage"),
    ),
    causes=(
        Cause("Large prompts", "High input token counts on the slow calls", "Truncate or summarise the context",
              likelihood="high"),
        Cause("Long completions", "High output token counts", "Cap max_tokens; ask for shorter answers",
              likelihood="high"),
        Cause("A slow or overloaded LLM backend", "Gateway latency rises at the same time", "Scale the backend",
              likelihood="medium"),
        Cause("Quality-gate retries", "HighQualityGateFailureRate fires for the stage", "Fix the gate failures first",
              likelihood="medium"),
        Cause("Sequential steps that could run in parallel", "Traces show idle gaps between calls",
              "Parallelise independent calls", likelihood="low"),
    ),
    quick_fix="""\
Shorten the work, or move it to a faster model:

```python
# trim the context the stage sends
context = context[-MAX_CONTEXT_TOKENS:]
# or use the faster variant for this stage
stage.model = "gpt-4o-mini"
```""",
    long_term_fix="Split long stages into smaller ones that stream partial results, and run independent LLM calls "
                  "concurrently; track the stage's latency per model at every model upgrade.",
    prevention=("Track stage latency per model when upgrading models",
                "Set max_tokens on every stage",
                "Load-test new workflows with realistic context sizes"),
    related=("HighQualityGateFailureRate",),
)

HYPERTOOL_METRICS_NOT_REPORTED = Runbook(
    impact="Every Hypertool alert is blind: budget overruns, failing gates and loops go unseen until a user or the "
           "invoice notices.",
    steps=(
        target_health("hypertool"),
        scrape_errors("hypertool"),
        Step("Is the process running and listening", "pgrep -af hypertool; ss -ltnp | grep 9464", lang="shell",
             note="9464 is the metrics port the Hypertool exporter binds."),
        Step("Fetch the metrics page by hand", "curl -sf http://localhost:9464/metrics | head", lang="shell"),
        container_logs("hypertool", "error|bind|address already in use"),
        FIRING_ALERTS,
    ),
    causes=(
        Cause("The Hypertool process crashed", "No process; `up` is 0", "Restart it and read why it died",
              likelihood="high"),
        Cause("Port conflict: the exporter cannot bind", "`address already in use` in its output",
              "Free the port or move the exporter", likelihood="medium"),
        Cause("Prometheus cannot reach the endpoint", "curl works on the host but `up` is 0",
              "Check the network and the scrape address", likelihood="low"),
        Cause("Metrics switched off by configuration", "The process runs but serves no /metrics",
              "Turn the metrics flag back on", likelihood="low"),
        Cause("The scrape config lost the target", "`up` has no series at all",
              "Run `obsgate generate` and reload Prometheus", likelihood="low"),
    ),
    quick_fix="""\
Restart Hypertool and reload Prometheus:

```bash
docker compose restart hypertool
curl -X POST http://localhost:9090/-/reload
```""",
    long_term_fix="Run Hypertool under a supervisor with a health check on /metrics, so a dead exporter restarts and "
                  "is visible before the scrape notices.",
    prevention=("Keep the scrape config generated from the stack model",
                "Give the exporter a fixed port that no other service uses",
                "Alert on the exporter from a second Prometheus or a blackbox probe"),
    related=("LangfuseIntegrationFailing",),
)

LANGFUSE_INTEGRATION_FAILING = Runbook(
    impact="LLM calls are not traced: cost attribution, prompt debugging and optimisation lose their data for as "
           "long as this lasts, and it cannot be recovered afterwards.",
    steps=(
        Step("LLM calls are happening", "sum(rate(hypertool_persona_tokens_used_total[5m]))"),
        Step("But traces are not created", "sum(rate(langfuse_trace_created_total[5m]))",
             note="No series at all means the client never started."),
        Step("Check the client's credentials are set",
             'echo "host=$LANGFUSE_HOST public=${LANGFUSE_PUBLIC_KEY:+set} secret=${LANGFUSE_SECRET_KEY:+set}"',
             lang="shell", note="Prints `set` or nothing; it never prints the keys."),
        Step("Test the Langfuse API from the host",
             'curl -s -o /dev/null -w "%{http_code}\\n" -u "$LANGFUSE_PUBLIC_KEY:$LANGFUSE_SECRET_KEY" '
             '"$LANGFUSE_HOST/api/public/health"', lang="shell"),
        container_logs("hypertool", "langfuse"),
        grafana_panel(PERSONAS, "Langfuse traces per 1k tokens"),
    ),
    causes=(
        Cause("Credentials missing", "The variables are unset in the service's environment",
              "Set them from the secret store and restart", likelihood="high"),
        Cause("Credentials wrong or expired", "401/403 answers in Hypertool's logs", "Rotate the keys",
              likelihood="high"),
        Cause("Langfuse unreachable", "Connection timeouts in the logs; the health call fails",
              "Check Langfuse's health and the network path", likelihood="medium"),
        Cause("The SDK is not installed", "Import errors at start-up", "Install the langfuse package",
              likelihood="medium"),
        Cause("Tracing disabled on purpose", "`Langfuse disabled` in the logs", "Re-enable it if unintended",
              likelihood="low"),
    ),
    quick_fix="""\
Fix the credentials and restart the client:

```bash
export LANGFUSE_HOST=https://cloud.langfuse.com
export LANGFUSE_PUBLIC_KEY=...   # from the secret store, never from a file in the repo
export LANGFUSE_SECRET_KEY=...
docker compose restart hypertool
```""",
    long_term_fix="Buffer traces locally and retry, so a Langfuse outage delays traces instead of losing them; "
                  "fail start-up loudly when the credentials are missing.",
    prevention=("Check Langfuse credentials at start-up",
                "Monitor Langfuse itself (health endpoint)",
                "Rotate keys on a schedule, with the alert as the safety net"),
    related=("HypertoolMetricsNotReported",),
)
