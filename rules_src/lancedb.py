"""LanceDB vector store: disk space, backup freshness, backup verification and restore tests."""
from obsgate import AlertRule, Expect, Cause, Effect, RecordingRule, RuleGroup, Runbook, Scenario, Step, TestCase

from catalog.lancedb import (BACKUP_VERIFICATION_FAILURES, LAST_BACKUP, LAST_RESTORE_TEST, STORAGE_CAPACITY,
                             STORAGE_USED)
from rules_src.common_steps import BACKUP_AGE as BACKUP_AGE_STEP
from rules_src.common_steps import (FIRING_ALERTS, LANCEDB_DISK, container_logs, grafana_panel,
                                   recent_alert_history, service_errors, target_health)

USAGE = RecordingRule("lancedb:storage_usage:ratio", "lancedb_storage_used_bytes / lancedb_storage_capacity_bytes")
BACKUP_AGE = "time() - lancedb_last_backup_timestamp_seconds"
RESTORE_AGE = "time() - lancedb_last_restore_timestamp_seconds"


def _disk(used: str) -> dict[str, str]:
    return {'lancedb_storage_used_bytes{instance="lancedb-sim:9105"}': used,
            'lancedb_storage_capacity_bytes{instance="lancedb-sim:9105"}': "100x40"}


DISK_STEPS = (
    LANCEDB_DISK,
    Step("Growth over the last day (bytes per hour)", "deriv(lancedb_storage_used_bytes[1d]) * 3600"),
    Step("Size of the last backup (backups staged locally need room too)", "lancedb_backup_size_bytes"),
    Step("Old backups removed by retention in the last day", "increase(lancedb_backups_deleted_total[1d])"),
    Step("What takes the room on the volume", "du -sh /var/lib/lancedb/* | sort -h | tail -5; df -h /var/lib/lancedb",
         lang="shell", note="Old table versions show as many `_versions` directories."),
    grafana_panel("vector-store-backups", "Disk usage over time"),
)
DISK_CAUSES = (
    Cause("Index growth (ingest spike)", "Used bytes rise with ingest traffic", "Expand the volume; prune stale data", likelihood="high"),
    Cause("Compaction not running: old versions pile up", "Usage grows without ingest", "Run cleanup of old versions", likelihood="medium"),
    Cause("Backup retention stopped deleting", "lancedb_backups_deleted_total flat", "Fix retention; delete by hand", likelihood="low"),
)
BACKUP_STEPS = (
    BACKUP_AGE_STEP,
    Step("Backup failures by reason in the last day", "sum by (reason) (increase(lancedb_backup_failures_total[1d]))"),
    Step("Backup run time p95", "histogram_quantile(0.95, sum by (le) (rate(lancedb_backup_duration_seconds_bucket[1d])))"),
    target_health("lancedb"),
    service_errors("backoffice"),
    Step("Is the backup timer scheduled, and how did its last run end",
         "systemctl list-timers 'lancedb-backup*'; journalctl -u lancedb-backup --since -1d | tail -20", lang="shell"),
    container_logs("backoffice", "backup|error"),
    grafana_panel("vector-store-backups", "Backup failures by reason"),
)
BACKUP_CAUSES = (
    Cause("Backup job not scheduled (cron/timer lost)", "No failures counted either", "Re-enable the schedule", likelihood="high"),
    Cause("Upload to object storage failing", "reason=upload_error rises", "Check credentials and bucket quota", likelihood="medium"),
    Cause("Disk full during snapshot", "reason=disk_full; LanceDBDiskSpace alerts", "Free space, then re-run", likelihood="low"),
)


# The review specifies one BackupFailed: critical after 2 h without a backup, for 10 m. Ours keeps two stages of one
# family: a warning at 2 h (one missed hourly run can be retried by hand) and the page at 8 h, which mutes it.
BACKUP_DEVIATION = ("the specification's single BackupFailed is critical after 2 h (for 10m); here 2 h is a warning "
                    "(for 5m) and LanceDBBackupFailed pages at 8 h, so one missed hourly run does not wake anyone "
                    "and the page mutes the warning (family lancedb-backup)")
BACKUP_FIRED = {h: f"The last successful LanceDB backup is older than {h} h; a restore now would lose everything "
                    f"ingested since. No successful backup for {h}h 20m 0s." for h in (2, 8)}


def _backup_alert(name: str, hours: int, severity: str, fault: str, related: tuple[str, ...]) -> AlertRule:
    return AlertRule(
        name=name, component="backup", family="lancedb-backup",
        expr=f"{BACKUP_AGE} > {hours} * 3600",
        for_="5m", severity=severity, category="backup",
        summary=f"No successful LanceDB backup for more than {hours} hours",
        description=f"The last successful LanceDB backup is older than {hours} h; a restore now would lose "
                    f"everything ingested since. No successful backup for {{{{ $value | humanizeDuration }}}}.",
        deviation=BACKUP_DEVIATION,
        # Test time starts at the Unix epoch: backups made before the test have negative timestamps.
        tests=(
            TestCase(f"fires when the last backup is {hours} h 20 m old",
                     series={"lancedb_last_backup_timestamp_seconds": f"{-hours * 3600 + 600}x30"},
                     at="30m", alerts=(Expect(annotations={"description": BACKUP_FIRED[hours]}),)),
            TestCase(f"stays quiet at {hours - 1} h 50 m",
                     series={"lancedb_last_backup_timestamp_seconds": f"{-hours * 3600 + 2400}x30"}, at="30m"),
            TestCase("stays quiet while hourly backups succeed",
                     series={"lancedb_last_backup_timestamp_seconds": "-3000x9 600x59"}, at="60m"),
        ),
        runbook=Runbook(
            impact=f"The recovery point is over {hours} h old: data ingested since then is unprotected.",
            steps=BACKUP_STEPS + (FIRING_ALERTS,), causes=BACKUP_CAUSES,
            quick_fix="Run a backup by hand and watch it complete:\n\n```bash\nbackoffice backup --verify\n"
                      "curl -s 'http://localhost:9090/api/v1/query?query=time()-lancedb_last_backup_timestamp_seconds'"
                      " | jq '.data.result[].value[1]'\n```",
            long_term_fix="Alert on the backup job's own failures and fix their dominant reason.",
            prevention=("Keep the backup schedule in the same repo as this alert",
                        "Verify every backup (LanceDBBackupVerificationFailed)",
                        "Test a restore every week (LanceDBRestoreNotTested)"),
            related=related,
        ),
        scenario=Scenario(fault=fault, target="lancedb-sim",
                          effects=(Effect(LAST_BACKUP, value=(hours + 1) * 3600),)),
    )


DISK_WARNING = AlertRule(
    name="LanceDBDiskSpaceWarning", component="lancedb", family="lancedb-disk",
    expr="lancedb:storage_usage:ratio > 0.8",
    for_="15m", severity="warning", category="capacity",
    summary="LanceDB volume more than 80% full",
    description="The LanceDB volume on {{ $labels.instance }} has been more than 80% full for 15 minutes.",
    tests=(
        TestCase("fires at 85% for 15 minutes", series=_disk("70x10 85x30"), at="35m",
                 alerts=({"instance": "lancedb-sim:9105"},)),
        TestCase("stays quiet at exactly 80%", series=_disk("70x10 80x30"), at="35m"),
        TestCase("stays quiet for a 10-minute peak", series=_disk("70x20 85x10 70x10"), at="35m"),
    ),
    runbook=Runbook(
        impact="None yet; at 100% ingestion, compaction and backups fail.",
        steps=DISK_STEPS, causes=DISK_CAUSES,
        quick_fix="Run version cleanup and delete expired backups.",
        long_term_fix="Expand the volume ahead of the capacity forecast.",
        prevention=("Review the capacity-planning dashboard's disk forecast monthly",
                    "Keep version cleanup scheduled after compaction",
                    "Keep backup retention deleting (lancedb_backups_deleted_total rising)"),
        related=("LanceDBDiskSpaceCritical", "HostDiskFullForecast"),
    ),
    scenario=Scenario(fault="disk_85", target="lancedb-sim", expect_labels={"job": "lancedb"},
                      effects=(Effect(STORAGE_USED, value=85e9), Effect(STORAGE_CAPACITY, value=100e9))),
)

DISK_CRITICAL = AlertRule(
    name="LanceDBDiskSpaceCritical", component="lancedb", family="lancedb-disk",
    expr="lancedb:storage_usage:ratio > 0.9",
    for_="5m", severity="critical", category="capacity",
    summary="LanceDB volume more than 90% full",
    description="The LanceDB volume on {{ $labels.instance }} has been more than 90% full for 5 minutes; writes "
                "and compaction will fail soon. Current usage: {{ $value | humanizePercentage }}.",
    tests=(
        TestCase("fires at 95% for 5 minutes", series=_disk("70x10 95x30"), at="20m",
                 alerts=(Expect(labels={"instance": "lancedb-sim:9105"}, annotations={"description":
                     "The LanceDB volume on lancedb-sim:9105 has been more than 90% full for 5 "
                     "minutes; writes and compaction will fail soon. Current usage: 95%."}),)),
        TestCase("stays quiet at 89%", series=_disk("70x10 89x30"), at="20m"),
    ),
    runbook=Runbook(
        impact="Ingestion and compaction are about to fail; backups cannot stage their snapshot.",
        steps=DISK_STEPS + (FIRING_ALERTS,), causes=DISK_CAUSES,
        quick_fix="Free space now: pause bulk ingest, then delete old table versions and expired backups:\n\n"
                  "```python\nimport lancedb\ndb = lancedb.connect('/var/lib/lancedb')\nfor name in db.table_names():\n"
                  "    db.open_table(name).cleanup_old_versions()\n```",
        long_term_fix="Expand the volume and add headroom to the capacity plan.",
        prevention=("Act on LanceDBDiskSpaceWarning within a day",
                    "Expand the volume before the forecast reaches 90%",
                    "Keep version cleanup and backup retention scheduled"),
        related=("LanceDBDiskSpaceWarning",),
    ),
    scenario=Scenario(fault="disk_95", target="lancedb-sim", expect_labels={"job": "lancedb"},
                      effects=(Effect(STORAGE_USED, value=95e9), Effect(STORAGE_CAPACITY, value=100e9))),
)

BACKUP_FAILED = _backup_alert("BackupFailed", 2, "warning", "backup_stale_3h",
                              ("LanceDBBackupFailed", "LanceDBBackupVerificationFailed"))
LANCEDB_BACKUP_FAILED = _backup_alert("LanceDBBackupFailed", 8, "critical", "backup_stale_9h",
                                      ("BackupFailed",))

VERIFICATION_FAILED = AlertRule(
    name="LanceDBBackupVerificationFailed",
    expr="increase(lancedb_backup_verification_failures_total[1h]) > 0",
    for_="0s", severity="warning", category="backup",
    summary="A LanceDB backup failed verification in the last hour",
    description="At least one LanceDB backup failed its verification (checksums or row counts after a test read) "
                "within the last hour: that backup cannot be trusted for a restore.",
    tests=(
        TestCase("fires when one verification fails",
                 series={"lancedb_backup_verification_failures_total": "0x30 1x30"}, at="40m", alerts=({},)),
        TestCase("stays quiet when the last failure is over an hour old",
                 series={"lancedb_backup_verification_failures_total": "0x10 1x90"}, at="95m"),
        TestCase("stays quiet with no failures", series={"lancedb_backup_verification_failures_total": "0x60"},
                 at="50m"),
    ),
    runbook=Runbook(
        impact="The newest backup may be corrupt; the last verified backup is the real recovery point.",
        steps=(Step("Verification failures in the last day", "increase(lancedb_backup_verification_failures_total[1d])"),
               BACKUP_AGE_STEP,
               recent_alert_history("LanceDB.*"), service_errors("backoffice")),
        causes=(Cause("Backup written while the table was compacting", "Failure right after a compaction",
                      "Snapshot a fixed table version", likelihood="high"),
                Cause("Object storage corruption or partial upload", "Size of the backup below usual",
                      "Re-run the backup; check multipart upload settings", likelihood="medium")),
        quick_fix="Run a new backup and verification by hand.",
        long_term_fix="Back up a pinned table version and verify against its row counts.",
        prevention="Keep restore tests regular (LanceDBRestoreNotTested).",
        related=("BackupFailed", "LanceDBRestoreNotTested"),
    ),
    scenario=Scenario(fault="verification_failing", target="lancedb-sim",
                      effects=(Effect(BACKUP_VERIFICATION_FAILURES, rate=0.5),)),
)

RESTORE_NOT_TESTED = AlertRule(
    name="LanceDBRestoreNotTested",
    expr=f"{RESTORE_AGE} > 7 * 86400",
    for_="10m", severity="warning", category="backup",
    summary="No LanceDB restore test for more than 7 days",
    description="The last successful LanceDB restore test is more than 7 days old: nobody knows whether the "
                "backups can actually be restored, or how long it takes.",
    tests=(
        # Test time starts at the Unix epoch, so a restore test days before it has a negative timestamp.
        TestCase("fires when the last restore test is 8 days old",
                 series={"lancedb_last_restore_timestamp_seconds": f"{-8 * 86400 + 1800}x30"}, at="30m",
                 alerts=({},)),
        TestCase("stays quiet at 6 days 23 hours",
                 series={"lancedb_last_restore_timestamp_seconds": f"{-7 * 86400 + 3600 + 1800}x30"}, at="30m"),
    ),
    runbook=Runbook(
        impact="The recovery time is unknown and backups may be unrestorable without anyone knowing.",
        steps=(Step("Days since the last restore test", f"({RESTORE_AGE}) / 86400"),
               Step("How long the last restore took", "lancedb_last_restore_duration_seconds"),
               Step("Disaster-recovery drill results", "min by (drill) (dr_drill_last_result)")),
        causes=(Cause("Restore-test job disabled", "No backoffice restore runs", "Re-enable it", likelihood="high"),
                Cause("Restore test failing", "backoffice restore runs with status=error",
                      "Fix the restore and re-run", likelihood="medium")),
        quick_fix="Run `backoffice restore --test` against the newest verified backup.",
        long_term_fix="Schedule weekly restore tests as part of the DR drill.",
        prevention="Track restore duration against the RTO on the shared-infra dashboard.",
        related=("LanceDBBackupVerificationFailed", "DRDrillFailed"),
    ),
    scenario=Scenario(fault="restore_untested", target="lancedb-sim",
                      effects=(Effect(LAST_RESTORE_TEST, value=8 * 86400),)),
)

GROUP = RuleGroup("lancedb", component="backup", rules=(USAGE, DISK_WARNING, DISK_CRITICAL, BACKUP_FAILED, LANCEDB_BACKUP_FAILED,
                                    VERIFICATION_FAILED, RESTORE_NOT_TESTED))
