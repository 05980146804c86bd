"""The LLM Guard scanner's runbooks, after the specification's recovery procedure: confirm the alert, find
the error type, apply the recovery action for it, verify the streak resets, record the incident."""
from obsgate import Cause, Runbook, Step

from rules_src.common_steps import FIRING_ALERTS, container_logs, grafana_panel, prometheus_api, target_health

BOARD = "llm-guard-scanner-health"
FAIL_OPEN_LINES = '{service="llm-guard"} | json | event="scanner_fail_open"'

CONFIRM = (
    prometheus_api("Confirm the streak is real", "llm_guard_scanner_consecutive_failures",
                   note="Below 3 the scanner recovered on its own: watch, do not act."),
    Step("Failures by error type over the last 10 minutes",
         "sum by (error_type) (increase(llm_guard_scanner_failures_total[10m]))"),
    Step("Failure rate against the specification's line (0.0002777/s, one an hour)",
         "sum without (error_type) (rate(llm_guard_scanner_failures_total[5m]))"),
    Step("Fail-open decisions in the scanner log, by error type",
         f"sum by (error_type) (count_over_time({FAIL_OPEN_LINES} [15m]))", lang="logql"),
    Step("When the series of failures started (the first fail-open line)", FAIL_OPEN_LINES, lang="logql",
         note="Read the oldest line of the hour: correlate its time with deploys and config changes."),
    Step("Compare with scan volume and verdicts", "sum by (result) (rate(llm_guard_scanner_scans_total[5m]))"),
    grafana_panel(BOARD, "Failures by error type"),
    grafana_panel(BOARD, "Scanner log"),
)
CAUSES = (
    Cause("Scanner model files missing or corrupt (after a deploy or a full disk)", "`OSError` dominates error_type",
          "Clear the model cache so the next scan downloads it again", likelihood="high"),
    Cause("The scanner crashed in inference (out of memory, CUDA error)", "`RuntimeError`/`MemoryError` dominate; "
          "restarts in the container's output", "Restart the process; raise memory or force CPU", likelihood="medium"),
    Cause("The llm_guard package is missing or broken", "`ImportError` from the first scan after a deploy",
          "Reinstall the pinned llm-guard version", likelihood="medium"),
    Cause("Upstream timeouts", "`TimeoutError` dominates and scan latency p95 rises",
          "Raise the scan timeout or scale scanners out", likelihood="low"),
)
RECOVERY = """\
Stop the fail-open first: switch the gateway to fail-closed while you repair the scanner. Then act on the error
type that dominates (step 2):

- `RuntimeError`, `MemoryError`: restart the process and check that the scanner loads.
  ```bash
  docker compose restart llm-guard
  python3 -c "from llm_guard.input_scanners import PromptInjection; PromptInjection(); print('scanner OK')"
  ```
- `ImportError`: reinstall the pinned package.
  ```bash
  pip install --upgrade 'llm-guard>=0.3.0'
  python3 -c "from llm_guard.input_scanners import PromptInjection; print('LLM Guard OK')"
  ```
- `OSError` (corrupt model): clear the model cache; the next scan downloads the model again.
  ```bash
  rm -rf ~/.cache/huggingface/transformers/
  ```
- Out of memory: free memory or keep the scanner on CPU (`CUDA_VISIBLE_DEVICES=` empty).

Verify: scan one benign prompt, then check that the streak is back to 0:
```bash
curl -s 'http://localhost:9090/api/v1/query?query=llm_guard_scanner_consecutive_failures' | jq '.data.result[].value[1]'
```"""
LONG_TERM = """\
Make the failure mode safe and the cause rare:

1. Add a circuit breaker that fails closed after a few consecutive failures instead of letting prompts through.
2. Give the scanner a readiness probe that runs one scan, so a broken model never takes traffic.
3. Keep a verified copy of the model cache (checksums) and restore it instead of downloading under pressure.
4. Write an incident note for each occurrence (date, duration, error type, action, prompts let through), so the
   dominant cause is known from data."""
PREVENTION = ("Pin the scanner model version and verify its checksum at start-up",
              "Load-test scanner upgrades before rollout",
              "Keep memory headroom above 30% on the scanner host",
              "Keep LLMGuardScannerFailureRateHigh routed: it warns before the streak grows",
              "Review fail-open incidents monthly")


def runbook(impact: str, related: tuple[str, ...] = (), extra: tuple = ()) -> Runbook:
    return Runbook(impact=impact, steps=CONFIRM + extra + (target_health("llm_guard"), container_logs("llm-guard"),
                                                           FIRING_ALERTS),
                   causes=CAUSES, quick_fix=RECOVERY, long_term_fix=LONG_TERM, prevention=PREVENTION,
                   related=related)
