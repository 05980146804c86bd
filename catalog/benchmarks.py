"""The benchmark pipeline: datasets exported from MongoDB, benchmark runs, dataset coverage."""
from obsgate import Metric

DATASETS = ["digests", "review_reports", "rag_queries"]
# The channels obsgate.sim.datasets seeds into MongoDB (its first MIN_CHANNELS): coverage is measured on them.
CHANNELS = ["ai-research", "llm-security", "platform-ops"]
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
# Measured in MongoDB by obsgate.sim.coverage (job benchmarks_coverage), not simulated. The window
# [today-30d, today] touches 31 calendar days; the seeded latest 30 days make a complete channel 30.
DAILY_DIGESTS = Metric(
    "benchmark_channel_daily_digests", "gauge",
    help="Days with a daily digest in MongoDB for a channel over the latest 30 days; below 30 a day is missing.",
    job="benchmarks_coverage", labels={"channel": CHANNELS}, baseline=30.0,
)
