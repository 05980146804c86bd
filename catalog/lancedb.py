"""LanceDB vector store: disk usage, backups, verification and restore tests."""
from obsgate import Metric

# Timestamps: for a `_timestamp_seconds` gauge, `baseline` (and an Effect's `value`) is an age in seconds;
# a simulator exports `now - age`, so a healthy baseline stays fresh however long the stack runs.
STORAGE_USED = Metric(
    "lancedb_storage_used_bytes", "gauge", unit="bytes",
    help="Bytes the LanceDB tables and indexes occupy on their volume.",
    job="lancedb", baseline=40e9,
)
STORAGE_CAPACITY = Metric(
    "lancedb_storage_capacity_bytes", "gauge", unit="bytes",
    help="Size of the volume that holds LanceDB.",
    job="lancedb", baseline=100e9,
)
LAST_BACKUP = Metric(
    "lancedb_last_backup_timestamp_seconds", "gauge", unit="timestamp_seconds",
    help="Unix time of the last successful LanceDB backup.",
    job="lancedb", baseline=600,
)
BACKUP_SIZE = Metric(
    "lancedb_backup_size_bytes", "gauge", unit="bytes",
    help="Size of the last successful backup.",
    job="lancedb", baseline=38e9,
)
BACKUP_DURATION = Metric(
    "lancedb_backup_duration_seconds", "histogram", unit="seconds",
    help="Wall time of one backup run, snapshot to upload.",
    job="lancedb", buckets=(30, 60, 120, 300, 600, 1200, 3600), baseline=240,
)
BACKUP_FAILURES = Metric(
    "lancedb_backup_failures_total", "counter",
    help="Backup runs that failed, by reason.",
    job="lancedb", labels={"reason": ["snapshot_error", "upload_error", "disk_full", "timeout"]}, baseline=0.0,
)
BACKUP_VERIFICATION_FAILURES = Metric(
    "lancedb_backup_verification_failures_total", "counter",
    help="Backups whose verification (checksum and row counts after a test read) failed.",
    job="lancedb", baseline=0.0,
)
LAST_RESTORE_TEST = Metric(
    "lancedb_last_restore_timestamp_seconds", "gauge", unit="timestamp_seconds",
    help="Unix time of the last restore test that completed successfully.",
    job="lancedb", baseline=86400,
)
LAST_RESTORE_DURATION = Metric(
    "lancedb_last_restore_duration_seconds", "gauge", unit="seconds",
    help="Wall time of the last restore test; the recovery time a real restore would need.",
    job="lancedb", baseline=420,
)
BACKUPS_DELETED = Metric(
    "lancedb_backups_deleted_total", "counter",
    help="Old backups removed by the retention policy.",
    job="lancedb", baseline=0.0003,
)
