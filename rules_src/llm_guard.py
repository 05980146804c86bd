"""LLM Guard scanner alerts: a failing scanner lets prompts through unscanned (fail-open)."""
from obsgate import AlertRule, Effect, Expect, RecordingRule, RuleGroup, Sample, Scenario, TestCase

from catalog.llm_guard import CONSECUTIVE_FAILURES as STREAK
from catalog.llm_guard import SCANNER_FAILURES
from rules_src import llm_guard_runbooks as RB

# The scanner raises on every call: failures climb and the success streak never resets.
SCANNER_FAILING = Scenario(
    fault="scanner_failing", target="llm-guard-sim",
    effects=(Effect(SCANNER_FAILURES, {"error_type": "OSError"}, rate=20.0), Effect(STREAK, value=12)),
)

FAILURE_RATIO = RecordingRule(
    "llm_guard:scanner_failure_ratio:rate5m",
    "sum(rate(llm_guard_scanner_failures_total[5m]))"
    " / (sum(rate(llm_guard_scanner_scans_total[5m])) + sum(rate(llm_guard_scanner_failures_total[5m])))",
    tests=(TestCase(
        "2 failures per 100 scans is a ratio of 2/102 (196 per 10,000)",
        series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0+2x10",
                'llm_guard_scanner_scans_total{result="valid"}': "0+100x10"},
        at="10m",
        promql={"round(llm_guard:scanner_failure_ratio:rate5m * 10000)": (Sample("{}", 196),)},
    ),),
)

# The specification's threshold: typical load is 10 validations an hour, so 1% failing is 0.1 failure an hour;
# its alert fires at one failure an hour (0.0002777/s) sustained for 5 minutes.
FAILURE_RATE_THRESHOLD = "0.0002777"

FAILURE_RATIO_HIGH = AlertRule(
    name="LLMGuardScannerFailureRatioHigh", family="llm-guard-scanner",
    deviation="ours, beside the specification's absolute rate (LLMGuardScannerFailureRateHigh): a share of scans "
              "keeps its meaning when traffic grows past the specification's 10 validations an hour, but it is "
              "silent when the scans counter is not exported, which the absolute rate does not need",
    expr="llm_guard:scanner_failure_ratio:rate5m > 0.01",
    for_="5m", severity="warning", category="security",
    summary="LLM Guard scanner fails on more than 1% of scans",
    description="The scanner raised on more than 1% of scans over 5 minutes. Failed scans pass the prompt "
                "through unscanned (fail-open), so prompt injections may reach the model.",
    tests=(
        TestCase("fires when 2% of scans fail for 5 minutes",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0+2x15",
                         'llm_guard_scanner_scans_total{result="valid"}': "0+100x15"},
                 at="12m", alerts=({},)),
        TestCase("stays quiet at 0.5% failures",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0+1x15",
                         'llm_guard_scanner_scans_total{result="valid"}': "0+200x15"},
                 at="12m"),
        TestCase("stays quiet for a burst shorter than 5 minutes",
                 series={'llm_guard_scanner_failures_total{error_type="TimeoutError"}': "0 0 0 0 0 0 0 0 5 10 15",
                         'llm_guard_scanner_scans_total{result="valid"}': "0+100x10"},
                 at="10m"),
    ),
    runbook=RB.runbook("Prompts that hit a failing scan are forwarded without injection screening.",
                       related=("LLMGuardScannerConsecutiveFailures",)),
    scenario=SCANNER_FAILING,
)

FAILURE_RATE_HIGH = AlertRule(
    name="LLMGuardScannerFailureRateHigh", family="llm-guard-scanner",
    expr=f"sum without (error_type) (rate(llm_guard_scanner_failures_total[5m])) > {FAILURE_RATE_THRESHOLD}",
    for_="5m", severity="warning", category="security",
    summary="LLM Guard scanner failure rate exceeds 1%",
    description="Scanner failing at {{ $value | humanize }} failures/s (threshold " + FAILURE_RATE_THRESHOLD +
                "/s, one failure an hour). Failed scans let prompts through unscanned (fail-open).",
    deviation="the specification's rate(...) per series is summed over error_type: its threshold is the "
              "scanner's failures per second, and a mix of error types must not split it below the line",
    tests=(
        TestCase("fires at one failure a minute for 5 minutes",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0+1x15"}, at="12m",
                 alerts=(Expect(annotations={"description": "Scanner failing at 16.67m failures/s (threshold "
                                                            "0.0002777/s, one failure an hour). Failed scans let "
                                                            "prompts through unscanned (fail-open)."}),)),
        TestCase("sums the error types against the threshold",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0+1x15",
                         'llm_guard_scanner_failures_total{error_type="TimeoutError"}': "0+1x15"}, at="12m",
                 alerts=(Expect(annotations={"description": "Scanner failing at 33.33m failures/s (threshold "
                                                            "0.0002777/s, one failure an hour). Failed scans let "
                                                            "prompts through unscanned (fail-open)."}),)),
        TestCase("stays quiet once a single failure is 5 minutes old",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0 1 1 1 1 1 1 1 1 1 1 1 1"},
                 at="12m"),
        TestCase("stays quiet while no scan fails",
                 series={'llm_guard_scanner_failures_total{error_type="OSError"}': "0x15"}, at="12m"),
    ),
    runbook=RB.runbook("Every failed scan lets its prompt through unscreened (fail-open); at this rate more "
                       "than one prompt an hour reaches the model unchecked.",
                       related=("LLMGuardScannerFailureRatioHigh", "LLMGuardScannerConsecutiveFailures")),
    scenario=SCANNER_FAILING,
)

CONSECUTIVE_FAILURES = AlertRule(
    name="LLMGuardScannerConsecutiveFailures", family="llm-guard-scanner",
    expr="max(llm_guard_scanner_consecutive_failures) > 5",
    for_="1m", severity="critical", category="security",
    summary="LLM Guard scanner failed more than 5 times in a row",
    description="The scanner has not completed a scan for more than 5 attempts: it is effectively down and "
                "every prompt passes unscanned. Current streak: {{ $value }} failures.",
    tests=(
        TestCase("fires when the streak passes 5 and holds for a minute",
                 series={"llm_guard_scanner_consecutive_failures": "0 1 2 3 4 5 6 7 8 9 10"},
                 at="10m", alerts=(Expect(labels={}, annotations={"description":
                     "The scanner has not completed a scan for more than 5 attempts: it is "
                     "effectively down and every prompt passes unscanned. Current streak: 10 "
                     "failures."}),)),
        TestCase("stays quiet when a success resets the streak",
                 series={"llm_guard_scanner_consecutive_failures": "0 1 2 3 4 5 0 1 2 3 4"},
                 at="10m"),
        TestCase("stays quiet at exactly 5",
                 series={"llm_guard_scanner_consecutive_failures": "0 1 2 3 4 5 5 5 5 5 5"},
                 at="10m"),
    ),
    runbook=RB.runbook("No prompt is being screened: the scanner fails every call and the gateway fails open.",
                       related=("LLMGuardScannerFailureRatioHigh",)),
    scenario=SCANNER_FAILING,
)

GROUP = RuleGroup("llm_guard", component="llm_guard_scanner", rules=(FAILURE_RATIO, FAILURE_RATE_HIGH, FAILURE_RATIO_HIGH,
                                                                       CONSECUTIVE_FAILURES))
