"""The benchmark pipeline: datasets exported from MongoDB, benchmark runs, dataset coverage."""
from obsgate import Metric

DATASETS = ["digests", "review_reports", "rag_queries"]
CHANNELS = ["general", "engineering", "support"]
SUITES = ["rag_retrieval", "summarisation", "review_quality"]

SAMPLES_EXPORTED = Metric(
    "benchmark_samples_exported_total", "counter",
    help="Samples exported from MongoDB into a benchmark dataset.",
    job="benchmarks", labels={"dataset": DATASETS}, baseline=0.5,
)
RUNS = Metric(
    "benchmark_runs_total", "counter",
    help="Benchmark runs, by suite and outcome.",
    job="benchmarks", labels={"suite": SUITES, "status": ["ok", "error"]}, baseline=0.01,
)
RUN_DURATION = Metric(
    "benchmark_run_duration_seconds", "histogram", unit="seconds",
    help="Wall time of one benchmark run.",
    job="benchmarks", labels={"suite": SUITES},
    buckets=(10, 30, 60, 120, 300, 600, 1800, 3600), baseline=180.0,
)
# The window [now-30d, now] touches 31 calendar days, so a complete channel holds 30 or 31 digests;
# the baseline of 31 also keeps the simulator's 1% jitter clear of the alert threshold of 30.
DAILY_DIGESTS = Metric(
    "benchmark_channel_daily_digests", "gauge",
    help="Daily digests stored in MongoDB for a channel over the last 30 days; below 30 a day is missing.",
    job="benchmarks", labels={"channel": CHANNELS}, baseline=31.0,
)
