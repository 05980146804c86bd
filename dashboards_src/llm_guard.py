"""LLM Guard Scanner Health: is the prompt-injection scanner failing open right now?"""
from obsgate.dashboards import (counter_panel, dashboard, gauge, log_query, logs, quantile, rate, recorded, stat,
                                thresholds, timeseries, value)

from catalog.llm_guard import CONSECUTIVE_FAILURES, SCAN_DURATION, SCANNER_FAILURES, SCANS
from catalog.logs import LLM_GUARD_LOGS
from rules_src.llm_guard import FAILURE_RATIO

FAILURES_PER_HOUR = stat(
    "Scanner failures per hour", rate(SCANNER_FAILURES, by=(), per="h", legend="failures/h"),
    description="Scans that raised instead of returning a verdict, as failures per hour. Every failure let a "
                "prompt through unscanned (fail-open). Yellow from 1/h, red from 2/h.",
    steps=thresholds((1, "yellow"), (2, "red")), w=6, h=8,
)
CONSECUTIVE = gauge(
    "Consecutive failures", value(CONSECUTIVE_FAILURES, by=(), legend="consecutive failures"),
    min=0, max=10, steps=thresholds((3, "yellow"), (5, "red")), w=6, h=8,
    description="Failures since the last successful scan (resets on success). Above 5 for a minute pages "
                "(LLMGuardScannerConsecutiveFailures).",
)
FAILURE_RATIO_PANEL = timeseries(
    "Failure ratio", recorded(FAILURE_RATIO, unit="percentunit", legend="failed scans"),
    description="Share of scans that failed over 5 minutes (recording rule llm_guard:scanner_failure_ratio:rate5m). "
                "The dashed line is the 1% warning threshold of LLMGuardScannerFailureRatioHigh.",
    steps=thresholds((0.01, "red")), min=0, w=12, h=8,
)
BY_ERROR_TYPE = counter_panel(SCANNER_FAILURES, title="Failures by error type", stacked=True,
                              description="Scanner failures per second by exception type; the dominant type "
                                          "points at the cause (ImportError/OSError: model files, MemoryError: "
                                          "limits, TimeoutError: overload).")
LATENCY_P95 = timeseries(
    "Scan latency p95", quantile(SCAN_DURATION, 0.95),
    description="95th percentile of the time from request to verdict. Rising latency with TimeoutError failures "
                "means the scanner is overloaded.",
    min=0,
)
VERDICTS = counter_panel(SCANS, title="Scans by verdict", stacked=True,
                         description="Completed scans per second by verdict (valid or injection). Failed scans are "
                                     "not counted here.")
SCANNER_LOG = logs(
    "Scanner log", log_query(LLM_GUARD_LOGS, pipeline="| json"),
    description="The scanner's own log (Loki). A scan that failed open logs event=scanner_fail_open with its "
                "error_type; add `| event=\"scanner_fail_open\"` in Explore to see only those.",
)

BOARD = dashboard(
    "llm-guard-scanner-health", "LLM Guard Scanner Health",
    [FAILURES_PER_HOUR, CONSECUTIVE, FAILURE_RATIO_PANEL, BY_ERROR_TYPE, LATENCY_P95, VERDICTS, SCANNER_LOG],
    description="Fail-open monitoring of the LLM Guard prompt-injection scanner: failures, failure streaks, "
                "failure ratio and scan latency.",
    tags=("llm-guard", "security", "obsgate"),
)
