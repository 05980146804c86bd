"""Capacity planning: host disk and memory, request rate; forecasts for the dashboard, two alerts."""
from obsgate import AlertRule, Cause, Effect, RecordingRule, RuleGroup, Runbook, Sample, Scenario, Step, TestCase

from catalog.host import FS_AVAIL, MEMORY_AVAILABLE
from rules_src.common_steps import FIRING_ALERTS, LANCEDB_DISK, OLLAMA_MODELS, target_health

CAPACITY_LINE = 0.8  # plan capacity so that sustained use stays below 80%
REQUEST_CAPACITY = 50.0  # requests/s the agent sustained within its latency SLO in the last load test
FORECAST_DAYS = (30, 60, 90)

MEMORY_USED = RecordingRule(
    "instance:host_memory_used:ratio", "1 - host_memory_available_bytes / host_memory_total_bytes",
    tests=(TestCase("24 GB of 32 GB in use is 75%",
                    series={'host_memory_available_bytes{instance="host-sim:9110"}': "8e9x5",
                            'host_memory_total_bytes{instance="host-sim:9110"}': "32e9x5"},
                    at="5m", promql={"instance:host_memory_used:ratio": (
                        Sample('instance:host_memory_used:ratio{instance="host-sim:9110"}', 0.75),)}),),
)
DISK_USED = RecordingRule(
    "mountpoint:host_filesystem_used:ratio", "1 - host_filesystem_avail_bytes / host_filesystem_size_bytes",
)
REQUEST_RATE = RecordingRule("job:http_requests:rate5m", "sum(rate(http_requests_total[5m]))")


def _disk(avail: str, size: str = "100e9x300") -> dict[str, str]:
    return {'host_filesystem_avail_bytes{mountpoint="/var/lib/lancedb"}': avail,
            'host_filesystem_size_bytes{mountpoint="/var/lib/lancedb"}': size}


def _memory(avail: str) -> dict[str, str]:
    return {"host_memory_available_bytes": avail, "host_memory_total_bytes": "32e9x40"}


DISK_FORECAST = AlertRule(
    name="HostDiskFullForecast",
    # Like node-mixin's NodeFilesystemSpaceFillingUp: the linear trend of the last 6 h reaches zero within a
    # day, and the disk is already more than 60% used (a short trend on an empty disk is noise, not a risk).
    expr="predict_linear(host_filesystem_avail_bytes[6h], 24 * 3600) < 0"
         " and mountpoint:host_filesystem_used:ratio > 0.6",
    for_="30m", severity="warning", category="capacity",
    summary="Filesystem {{ $labels.mountpoint }} will be full within 24 hours at its current rate",
    description="The free space on {{ $labels.mountpoint }} has been falling so that a linear forecast over the "
                "last 6 hours reaches zero within 24 hours, and the filesystem is more than 60% used.",
    tests=(
        TestCase("fires when 70% used and losing 6 GB an hour",
                 series=_disk("40e9-1e8x300"), at="100m", alerts=({"mountpoint": "/var/lib/lancedb"},)),
        TestCase("stays quiet on a slow decline (full in about 3 weeks)",
                 series=_disk("35e9-1e6x300"), at="100m"),
        TestCase("stays quiet on a fast decline of a mostly empty disk",
                 series=_disk("90e9-1e8x300"), at="100m"),
        TestCase("stays quiet on a full but stable disk", series=_disk("10e9x300"), at="100m"),
    ),
    runbook=Runbook(
        impact="Within a day writes on this filesystem fail: LanceDB ingestion, MongoDB, backups staging.",
        steps=(
            Step("Free space forecast at 24 h", "predict_linear(host_filesystem_avail_bytes[6h], 24 * 3600)"),
            Step("Used share per filesystem", "mountpoint:host_filesystem_used:ratio"),
            LANCEDB_DISK,
            target_health("host"),
        ),
        causes=(Cause("Bulk ingest into the vector store", "LanceDB used bytes rise at the same rate",
                      "Throttle ingest; expand the volume", likelihood="high"),
                Cause("Logs or backups accumulating locally", "The mountpoint is / or backups are staged there",
                      "Rotate logs; move backup staging", likelihood="medium")),
        quick_fix="Free space (old backups, logs) or expand the volume now.",
        long_term_fix="Plan capacity from the 30/60/90-day forecast on the capacity-planning dashboard.",
        prevention="Review the capacity dashboard monthly; keep use under the 80% line.",
        related=("LanceDBDiskSpaceWarning",),
    ),
    scenario=Scenario(fault="disk_filling", target="host-sim", expect_labels={"mountpoint": "/var/lib/lancedb"},
                      effects=(Effect(FS_AVAIL, {"mountpoint": "/var/lib/lancedb"}, value=50e9),)),
)

MEMORY_HIGH = AlertRule(
    name="HostMemoryHigh",
    expr=f"instance:host_memory_used:ratio > {CAPACITY_LINE}",
    for_="10m", severity="warning", category="capacity",
    summary="Host memory more than 80% used",
    description="More than 80% of the host's memory has been in use for 10 minutes; Ollama and LanceDB risk "
                "being killed by the OOM killer.",
    tests=(
        TestCase("fires at 90% for 10 minutes", series=_memory("18e9x10 3.2e9x30"), at="25m", alerts=({},)),
        TestCase("stays quiet at 78%", series=_memory("18e9x10 7.04e9x30"), at="25m"),
        TestCase("stays quiet for an 8-minute peak", series=_memory("18e9x10 3.2e9x8 18e9x20"), at="25m"),
    ),
    runbook=Runbook(
        impact="Out-of-memory kills take down Ollama or LanceDB; the agent then fails requests.",
        steps=(Step("Memory used", "instance:host_memory_used:ratio"),
               OLLAMA_MODELS,
               Step("Forecast in 30 days", "predict_linear(instance:host_memory_used:ratio[7d], 30 * 86400)"),
               FIRING_ALERTS),
        causes=(Cause("Too many or too large models loaded", "ollama_loaded_models rose", "Unload idle models", likelihood="high"),
                Cause("Memory leak in the agent", "Used memory climbs steadily for days", "Restart; find the leak", likelihood="medium")),
        quick_fix="Unload idle Ollama models; restart the process that grew.",
        long_term_fix="Size the host from the capacity forecast; set memory limits per service.",
        prevention="Keep memory under the 80% line on the capacity dashboard.",
        related=("OllamaDown",),
    ),
    scenario=Scenario(fault="memory_pressure", target="host-sim", effects=(Effect(MEMORY_AVAILABLE, value=3e9),)),
)

GROUP = RuleGroup("capacity", component="host", rules=(MEMORY_USED, DISK_USED, REQUEST_RATE, DISK_FORECAST, MEMORY_HIGH))
