"""Vector store and backups: LanceDB disk space, backup freshness, verification and restore tests."""
from obsgate.dashboards import (Series, counter_panel, dashboard, histogram_panel, recorded, stat, thresholds,
                                timeseries, value)

from catalog.lancedb import (BACKUP_DURATION, BACKUP_FAILURES, BACKUP_SIZE, BACKUP_VERIFICATION_FAILURES,
                             BACKUPS_DELETED, LAST_RESTORE_DURATION, STORAGE_CAPACITY, STORAGE_USED)
from rules_src import lancedb

DISK_STEPS = thresholds((0.8, "orange"), (0.9, "red"))
BACKUP_AGE = Series("time() - max(lancedb_last_backup_timestamp_seconds)", legend="since last backup", unit="s",
                    help="Time since the last successful backup: the data a restore now would lose.")
RESTORE_AGE = Series("time() - max(lancedb_last_restore_timestamp_seconds)", legend="since last restore test",
                     unit="s", help="Time since the last successful restore test.")

DISK_NOW = stat(
    "Disk usage", recorded(lancedb.USAGE, unit="percentunit", legend="used"), steps=DISK_STEPS, w=6,
    description="Share of the LanceDB volume in use: warning above 80% for 15 minutes, critical above 90% for 5.",
)
BACKUP_AGE_NOW = stat(
    "Since last successful backup", BACKUP_AGE, steps=thresholds((2 * 3600, "orange"), (8 * 3600, "red")), w=6,
    description="Orange after 2 h (BackupFailed), red after 8 h (LanceDBBackupFailed).",
)
RESTORE_AGE_NOW = stat(
    "Since last restore test", RESTORE_AGE, steps=thresholds((7 * 86400, "red")), w=6,
    description="Red after 7 days (LanceDBRestoreNotTested): nobody knows whether the backups restore.",
)
RESTORE_TIME = stat(
    "Last restore duration", value(LAST_RESTORE_DURATION, by=(), legend="restore time"), w=6,
    description="How long the last restore test took: the recovery time a real restore would need.",
)
DISK_TS = timeseries(
    "Disk usage over time", recorded(lancedb.USAGE, unit="percentunit", legend="{{instance}}"),
    description="Share of the LanceDB volume in use; dashed lines at 80% and 90%.", steps=DISK_STEPS, min=0, max=1,
)
BYTES = timeseries(
    "Stored vs capacity", value(STORAGE_USED, by=(), legend="used"), value(STORAGE_CAPACITY, by=(), legend="capacity"),
    value(BACKUP_SIZE, by=(), legend="last backup size"),
    description="Bytes LanceDB occupies, the volume's size and the size of the last backup (staged on the same "
                "volume before upload).", min=0,
)
AGE_TS = timeseries(
    "Backup age", BACKUP_AGE, steps=thresholds((2 * 3600, "orange"), (8 * 3600, "red")), min=0,
    description="Time since the last successful backup; dashed lines at 2 h and 8 h.",
)
DURATION = histogram_panel(BACKUP_DURATION, title="Backup run time", qs=(0.5, 0.95),
                           description="Median and p95 wall time of backup runs.", min=0)
FAILURES = counter_panel(BACKUP_FAILURES, title="Backup failures by reason", per="h", stacked=True,
                         description="Failed backup runs per hour by reason.")
VERIFY = counter_panel(BACKUP_VERIFICATION_FAILURES, title="Backup verification failures", per="h",
                       description="Backups that failed verification, per hour; any is LanceDBBackupVerificationFailed.")
DELETED = counter_panel(BACKUPS_DELETED, title="Old backups deleted (retention)", per="h", w=24,
                        description="Backups removed by the retention policy per hour; flat for days means retention "
                                    "stopped and the volume fills.")

BOARD = dashboard(
    "vector-store-backups", "Vector Store & Backups",
    [DISK_NOW, BACKUP_AGE_NOW, RESTORE_AGE_NOW, RESTORE_TIME, DISK_TS, BYTES, AGE_TS, DURATION, FAILURES, VERIFY,
     DELETED],
    description="LanceDB disk space, backup freshness and size, verification failures and restore tests.",
    tags=("lancedb", "backup", "obsgate"),
)
