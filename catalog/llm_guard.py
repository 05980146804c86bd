"""LLM Guard prompt-injection scanner: the signals that show it failing open."""
from obsgate import Metric

SCANNER_FAILURES = Metric(
    "llm_guard_scanner_failures_total", "counter",
    help="Scans that raised instead of returning a verdict; the request then passed unscanned (fail-open).",
    job="llm_guard",
    labels={"error_type": ["OSError", "RuntimeError", "ImportError", "MemoryError", "TimeoutError", "other"]},
    baseline=0.0,
)
CONSECUTIVE_FAILURES = Metric(
    "llm_guard_scanner_consecutive_failures", "gauge",
    help="Scanner failures since the last successful scan; resets to 0 on success.",
    job="llm_guard", baseline=0.0,
)
SCANS = Metric(
    "llm_guard_scanner_scans_total", "counter",
    help="Completed scans by verdict.",
    job="llm_guard", labels={"result": ["valid", "injection"]}, baseline=5.0,
)
SCAN_DURATION = Metric(
    "llm_guard_scanner_scan_duration_seconds", "histogram", unit="seconds",
    help="Wall time of one scan, from request to verdict.",
    job="llm_guard", buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), baseline=0.08,
)
