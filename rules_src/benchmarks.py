"""The benchmark pipeline: dataset coverage (daily digests per channel) and failing benchmark runs."""
from obsgate import AlertRule, Cause, Effect, RuleGroup, Runbook, Scenario, Step, TestCase

from catalog.benchmarks import DAILY_DIGESTS
from rules_src.common_steps import FIRING_ALERTS, service_errors

DIGEST_COVERAGE_LOW = AlertRule(
    name="BenchmarkDigestCoverageLow",
    expr="min by (channel) (benchmark_channel_daily_digests) < 30",
    for_="30m", severity="warning", category="data",
    summary="Channel {{ $labels.channel }} has fewer than 30 daily digests in the last 30 days",
    description="The benchmark dataset misses days for channel {{ $labels.channel }}: fewer than 30 daily digests "
                "over the last 30 days, so benchmarks on it are biased towards the days that exist.",
    tests=(
        TestCase("fires when a channel has 27 digests",
                 series={'benchmark_channel_daily_digests{channel="platform-ops"}': "30x10 27x40",
                         'benchmark_channel_daily_digests{channel="ai-research"}': "30x50"},
                 at="45m", alerts=({"channel": "platform-ops"},)),
        TestCase("stays quiet at exactly 30", series={'benchmark_channel_daily_digests{channel="platform-ops"}': "30x50"},
                 at="45m"),
        TestCase("stays quiet when the gap lasted less than 30 minutes",
                 series={'benchmark_channel_daily_digests{channel="platform-ops"}': "30x10 27x20 30x20"}, at="45m"),
    ),
    runbook=Runbook(
        impact="Benchmark results for the channel are not comparable with other channels or earlier runs.",
        steps=(Step("Days with a digest per channel (latest 30 days, measured in MongoDB)",
                    "min by (channel) (benchmark_channel_daily_digests)"),
               Step("Which days a channel lacks",
                    "mongosh obsgate --quiet --eval 'db.digests.distinct(\"date\", {channel: \"<channel>\"})'",
                    lang="shell", note="Compare with the last 30 dates; the coverage exporter counts the same."),
               Step("Samples exported per dataset in the last day",
                    "sum by (dataset) (increase(benchmark_samples_exported_total[1d]))"),
               service_errors("butler"), service_errors("backoffice")),
        causes=(Cause("The Butler bot missed days (sidecar down)", "Butler errors or target down on those days",
                      "Re-run the digest for the missing days", likelihood="high"),
                Cause("Export filter dropped the channel", "Samples exported fell for `digests`",
                      "Fix the export query", likelihood="medium")),
        quick_fix="Backfill the missing days with `backoffice export --channel <channel> --since 30d`.",
        long_term_fix="Make the digest job idempotent and re-run missed days automatically.",
        prevention="Seed and check coverage in CI (the live gate counts digests per channel in MongoDB).",
        related=("SharedServiceTargetDown",),
    ),
    # The coverage exporter takes the channel's three newest days out of MongoDB (and puts them back after).
    scenario=Scenario(fault="channel_days_removed", target="coverage-exporter",
                      expect_labels={"channel": "platform-ops"},
                      effects=(Effect(DAILY_DIGESTS, {"channel": "platform-ops"}, value=27),)),
)

GROUP = RuleGroup("benchmarks", component="benchmarks", rules=(DIGEST_COVERAGE_LOW,))
