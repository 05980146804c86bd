"""Benchmarks: dataset exports from MongoDB, benchmark runs, and dataset coverage per channel."""
from obsgate.dashboards import counter_panel, dashboard, histogram_panel, rate, ratio, stat, thresholds, timeseries, value

from catalog.benchmarks import DAILY_DIGESTS, RUN_DURATION, RUNS, SAMPLES_EXPORTED

COVERAGE_STEPS = thresholds((30, "green"), base="red")

COVERAGE = stat(
    "Daily digests per channel (30 days)", value(DAILY_DIGESTS, by=("channel",), agg="min"),
    steps=COVERAGE_STEPS, graph=False, w=12,
    description="Daily digests stored per channel over the last 30 days; red below 30 means days are missing "
                "(BenchmarkDigestCoverageLow).",
)
FAILING = stat(
    "Benchmark run failure ratio",
    ratio(rate(RUNS, by=(), match={"status": "error"}), rate(RUNS, by=()), legend="failed runs"),
    steps=thresholds((0.05, "orange"), (0.2, "red")), w=12,
    description="Share of benchmark runs that failed, all suites.",
)
COVERAGE_TS = timeseries(
    "Digest coverage over time", value(DAILY_DIGESTS, by=("channel",), agg="min"), steps=COVERAGE_STEPS, min=0, w=24,
    description="Daily digests per channel over the trailing 30 days; the dashed line is the 30 a complete channel "
                "needs.",
)
SAMPLES = counter_panel(SAMPLES_EXPORTED, title="Samples exported per dataset", per="h", stacked=True,
                        description="Samples exported from MongoDB into each benchmark dataset, per hour.")
RUNS_TS = counter_panel(RUNS, title="Benchmark runs by suite and outcome", by=("suite", "status"), per="h",
                        stacked=True, description="Benchmark runs per hour by suite and outcome.")
LATENCY = histogram_panel(RUN_DURATION, title="Benchmark run latency", qs=(0.5, 0.95), by=("suite",), w=24, min=0,
                          description="Median and p95 wall time of a benchmark run, per suite.")

BOARD = dashboard(
    "benchmarks", "Benchmarks",
    [COVERAGE, FAILING, COVERAGE_TS, SAMPLES, RUNS_TS, LATENCY],
    description="The benchmark pipeline: samples exported per dataset, run latency and outcomes, and dataset "
                "coverage (daily digests per channel over 30 days).",
    tags=("benchmarks", "obsgate"),
    time_from="now-7d",
)
